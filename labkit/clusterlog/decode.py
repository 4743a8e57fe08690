"""Reading a cluster.log file as numbered text lines, whatever encoding it came in.

Get-ClusterLog and ``Out-File`` write UTF-16 LE with a byte order mark; copies saved from editors and
browsers are UTF-8 with or without one; all may have CRLF line ends. The file is read in blocks, never
whole, so a log of several GB costs one block of memory here.

Nothing is dropped silently. Bytes that are not valid in the encoding are kept as U+FFFD and reported
with their line and column; a line longer than `MAX_LINE_CHARS` is kept cut to that length and reported;
a binary file (NUL bytes in its first block) is refused with `ClusterLogError` naming the line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from labkit.exceptions import ClusterLogError

MAX_LINE_CHARS = 1 << 20
"""A longer line is kept cut to this many characters (a real cluster.log line is a few hundred)."""
MAX_PROBLEMS = 100
"""Problems listed per file; past that they are only counted."""
BLOCK = 1 << 20
"""Bytes read at a time."""

_BAD = "labkit-clusterlog-bad-bytes"
_MARKS = re.compile("[\udc00-\udcff]+")


def _looks_utf16le(sample: bytes) -> bool:
    """UTF-16 LE text without its BOM: NULs in most odd positions (ASCII), almost none in even ones."""
    odd, even = sample[1::2], sample[0::2]
    return len(sample) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even)


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: each undecodable byte becomes U+DC00+byte (for any codec, unlike
    surrogateescape), so the line can say which bytes were bad; valid text never contains these."""
    assert isinstance(exc, UnicodeDecodeError)
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_BAD, _mark_bad_bytes)


@dataclass(frozen=True)
class Problem:
    """Something the reader had to do about one line of a file (it still kept the line)."""

    line: int
    """1-based line number (0: the file as a whole)."""
    message: str

    def at(self, path: str) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


@dataclass
class Problems:
    """The problems of one file: the first `MAX_PROBLEMS` listed, all counted."""

    listed: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(Problem(line, message))


@dataclass
class TextFile:
    """One log file opened for reading: its encoding, then its lines (`lines`)."""

    path: Path
    name: str
    """How messages and refs name the file."""
    encoding: str = "utf-8"
    bom: bool = False
    crlf: int = 0
    """Lines that ended in CRLF."""
    lines_read: int = 0
    problems: Problems = field(default_factory=Problems)

    def lines(self) -> Iterator[tuple[int, str]]:
        """Every physical line as ``(number, text)`` without its line end (empty lines too)."""
        with open(self.path, "rb") as raw:
            head = raw.read(BLOCK)
            skip = self._detect(head)
            decoder = codecs.getincrementaldecoder(self.encoding)(errors=_BAD)
            yield from self._split(raw, decoder, head[skip:])

    def detect(self, head: bytes) -> int:
        """Pick the encoding from the first block; returns how many BOM bytes to skip."""
        return self._detect(head)

    def _detect(self, head: bytes) -> int:
        for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
            if head.startswith(bom):
                self.encoding, self.bom = encoding, True
                return len(bom)
        if head.startswith(codecs.BOM_UTF16_BE):
            self.encoding, self.bom = "utf-16-be", True
            return 2
        if _looks_utf16le(head[:4096]):
            self.encoding = "utf-16-le"
            self.problems.add(0, "UTF-16 LE without a byte order mark (read as UTF-16 LE)")
            return 0
        nul = head.find(b"\0")
        if nul >= 0:
            line = head.count(b"\n", 0, nul) + 1
            raise ClusterLogError(self.name, line, "NUL bytes: a binary file, not a cluster.log text")
        return 0

    def _split(
        self, raw: BinaryIO, decoder: codecs.IncrementalDecoder, first: bytes
    ) -> Iterator[tuple[int, str]]:
        number = 0
        carry = ""
        cut = False  # inside a line already cut to MAX_LINE_CHARS: skip to its end
        data = first
        while True:
            final = not data
            text = decoder.decode(data, final=final)
            pieces = text.split("\n")
            if cut:  # the cut line goes on until the first line end
                if len(pieces) == 1:
                    if final:
                        break
                    data = raw.read(BLOCK)
                    continue
                pieces, cut = pieces[1:], False
            pieces[0] = carry + pieces[0]
            carry = pieces.pop()
            odd = "\0" in text or not text.isascii()  # only then can a line need more than its CR off
            for piece in pieces:
                number += 1
                if piece[-1:] == "\r":
                    piece = piece[:-1]
                    self.crlf += 1
                yield number, self._clean(number, piece) if odd else piece
            if len(carry) > MAX_LINE_CHARS:
                number += 1
                self.problems.add(number, f"longer than {MAX_LINE_CHARS} characters: kept cut to that length")
                yield number, self._clean(number, carry[:MAX_LINE_CHARS].removesuffix("\r"))
                carry, cut = "", True
            if final:
                break
            data = raw.read(BLOCK)
        if carry:
            number += 1
            if carry.endswith("\r"):
                carry = carry[:-1]
                self.crlf += 1
            yield number, self._clean(number, carry)
        self.lines_read = number

    def _clean(self, number: int, line: str) -> str:
        """One line with bad bytes and NULs made visible and reported."""
        if "\0" in line:
            self.problems.add(number, f"{line.count(chr(0))} NUL characters removed (a damaged block?)")
            line = line.replace("\0", "")
        if not line.isascii():
            marks = _MARKS.search(line)
            if marks is not None:
                shown = " ".join(f"0x{ord(c) - 0xDC00:02x}" for c in marks.group()[:8])
                self.problems.add(
                    number,
                    f"bytes that are not valid {self.encoding.upper()} ({shown} at column "
                    f"{marks.start() + 1}): kept as U+FFFD",
                )
                line = _MARKS.sub(lambda m: "\ufffd" * len(m.group()), line)
        return line
