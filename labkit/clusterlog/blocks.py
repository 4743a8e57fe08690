"""A log file as blocks of UTF-8 bytes that end on a line end, whatever encoding the file came in.

The columnar import (`labkit.clusterlog.columnar`) works on UTF-8 bytes. Get-ClusterLog writes UTF-16 LE;
a block of it that holds only ASCII (a cluster.log almost always does) becomes UTF-8 by keeping the low
byte of every code unit, one numpy operation. Any other block goes through Python's codec, with bad bytes
kept as U+FFFD. Nothing is held but one block and the line it ends in.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labkit.clusterlog.decode import BLOCK, MAX_LINE_CHARS, TextFile

Converter = Callable[[bytes, bool], tuple[bytes, bytes]]
"""``(data, final) -> (utf8, left)``: ``left`` the bytes that end mid-character, for the next block."""


def _utf16le(data: bytes, final: bool) -> tuple[bytes, bytes]:
    even = len(data) & ~1
    units = np.frombuffer(data, dtype="<u2", count=even // 2)
    if (even == len(data) or not final) and (len(units) == 0 or int(units.max()) < 0x80):
        return units.astype(np.uint8).tobytes(), data[even:]
    return _by_codec(codecs.utf_16_le_decode, data, final)


def _utf16be(data: bytes, final: bool) -> tuple[bytes, bytes]:
    return _by_codec(codecs.utf_16_be_decode, data, final)


def _utf8(data: bytes, final: bool) -> tuple[bytes, bytes]:
    if data.isascii():
        return data, b""
    return _by_codec(codecs.utf_8_decode, data, final)


def _by_codec(
    decode: Callable[[bytes, str, bool], tuple[str, int]], data: bytes, final: bool
) -> tuple[bytes, bytes]:
    text, used = decode(data, "replace", final)
    return text.encode("utf-8", errors="replace"), data[used:]


CONVERTERS: dict[str, Converter] = {"utf-8": _utf8, "utf-16-le": _utf16le, "utf-16-be": _utf16be}


@dataclass
class Utf8Blocks:
    """A file's text as UTF-8 blocks of whole lines (iterate over it), and how many lines it had to cut.

    A block holds no line end after its last line (a block of n lines holds n - 1 LFs). The file's last
    line end ends its last line; it starts no new one. The encoding is detected as
    `labkit.clusterlog.decode.TextFile` does (a binary file raises `ClusterLogError` naming the line).
    A line that runs on past `MAX_LINE_CHARS` bytes without an end in the text read so far is given cut to
    that length (at a character's start) and counted in ``cut``; the rest of it is skipped, never held.
    (Shorter blocks may still hold longer lines: `labkit.clusterlog.prefix.Lines.of` cuts those.)
    """

    path: Path
    name: str
    size: int = 2 * BLOCK
    """Bytes read at a time."""
    cut: int = 0

    def __iter__(self) -> Iterator[bytes]:
        text = TextFile(self.path, self.name)
        with open(self.path, "rb") as raw:
            head = raw.read(max(self.size, BLOCK))  # enough to tell the encoding
            skip = text.detect(head)
            convert = CONVERTERS[text.encoding]
            left, carry, skipping = head[skip:], b"", False
            while True:
                data = raw.read(self.size)
                final = not data
                chunk, left = convert(left + data if data else left, final)
                if skipping:  # inside a line already cut: drop bytes up to its end
                    end = chunk.find(b"\n")
                    chunk, skipping = (b"", True) if end < 0 else (chunk[end + 1 :], False)
                carry += chunk
                if final:
                    if carry:
                        yield carry[:-1] if carry.endswith(b"\n") else carry
                    return
                end = carry.rfind(b"\n")
                if end >= 0:
                    yield carry[:end]
                    carry = carry[end + 1 :]
                if len(carry) > MAX_LINE_CHARS:
                    yield _whole_characters(carry[:MAX_LINE_CHARS])
                    self.cut += 1
                    carry, skipping = b"", True


def _whole_characters(data: bytes) -> bytes:
    """``data`` (valid UTF-8 but maybe cut anywhere) without a character cut short at its end."""
    if not data:
        return data
    lead = len(data) - 1
    while lead > 0 and len(data) - lead < 4 and 0x80 <= data[lead] < 0xC0:
        lead -= 1
    first = data[lead]
    size = 1 if first < 0xC0 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4
    return data if len(data) - lead >= size else data[:lead]
