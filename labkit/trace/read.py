"""Reading a trace file: `read_trace`, strict or lenient, with every problem as ``path:line: field: …``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from labkit.exceptions import TraceFormatError, TraceProblem
from labkit.trace.events import Trace, TraceEvent, TraceHeader
from labkit.trace.parse import (
    MAX_LINE_BYTES,
    BadLine,
    NotJson,
    decode_line,
    gc_paused,
    parse_event,
    parse_header,
)

if TYPE_CHECKING:
    import pandas as pd

MAX_PROBLEMS = 1000
"""Problems listed one by one; past that a lenient read only counts them and a strict read stops."""
_BOM = b"\xef\xbb\xbf"
_SKIP_BYTES = 1 << 20


def read_trace(path: str | os.PathLike[str], *, strict: bool = True) -> Trace:
    """Read and validate a trace file.

    A file as labkit writes it is read by the fast path (`labkit.trace.fastread`); anything else, line by line
    here. Strict (the default): any problem raises `TraceFormatError` listing every problem as
    ``path:line: [field:] what is wrong`` (reading stops after `MAX_PROBLEMS`). Lenient
    (``strict=False``): returns every good event, with the problems in `Trace.problems`; only a file
    whose header cannot be read at all still raises.
    """
    from labkit.trace.fastread import read_events  # numpy and msgspec load on the first read, not on import

    with gc_paused():
        fast = read_events(path)
    return Trace(*fast) if fast is not None else read_exactly(path, strict=strict)


def read_frame(path: str | os.PathLike[str], *, strict: bool = True) -> pd.DataFrame:
    """Read a trace file into a DataFrame, one row per event: the same frame as
    ``read_trace(path, strict=strict).to_frame()``, validated as strictly, several times faster.

    Strict (the default) raises `TraceFormatError` for any problem. Lenient (``strict=False``) keeps
    every good event; the problems are in ``frame.attrs["problems"]`` (a tuple of `TraceProblem`).
    """
    import pandas as pd

    from labkit.trace.fastread import Unusual, read_columns
    from labkit.trace.frame import frame_from_columns

    with gc_paused():
        try:
            with open(path, "rb") as raw:
                _, columns = read_columns(raw)
        except Unusual:
            return read_exactly(path, strict=strict).to_frame()
        for key in ("result", "span"):
            columns[key] = pd.arrays.IntegerArray(*columns[key])
        frame = frame_from_columns(**columns)
    frame.attrs["problems"] = ()
    return frame


def read_exactly(path: str | os.PathLike[str], *, strict: bool) -> Trace:
    """`read_trace` line by line, without the fast path: the reader that finds and explains problems."""
    reader = _LineReader(os.fspath(path), strict=strict)
    with gc_paused(), open(path, "rb") as raw:
        reader.read(raw)
    if reader.header is None or (strict and reader.problems):
        raise TraceFormatError(reader.problems)
    return Trace(reader.header, reader.events, reader.problems)


class _LineReader:
    """Reads one file line by line, keeping every good event and a problem for every bad line."""

    def __init__(self, name: str, *, strict: bool) -> None:
        self.name, self.strict = name, strict
        self.header: TraceHeader | None = None
        self.events: list[TraceEvent] = []
        self.problems: list[TraceProblem] = []
        self.lineno = 0
        self._unlisted = 0
        self._crlf_reported = False

    def problem(self, message: str, field_name: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(TraceProblem(self.name, self.lineno, message, field_name))
        else:
            self._unlisted += 1

    def read(self, raw: IO[bytes]) -> None:
        for self.lineno, line in enumerate(_lines(raw), start=1):
            if self.strict and len(self.problems) >= MAX_PROBLEMS:
                stop = f"stopped reading after {MAX_PROBLEMS} problems"
                self.problems.append(TraceProblem(self.name, self.lineno, stop))
                break
            if not self._line(line) and self.lineno == 1:
                break  # without a header nothing else in the file can be read
        self._finish()

    def _line(self, line: bytes | int) -> bool:
        """Take one line; False when it could not be read."""
        if isinstance(line, int):
            self.problem(f"line is {line} bytes long; the limit is {MAX_LINE_BYTES} (not read)")
            return False
        complete = line.endswith(b"\n")
        body = self._body(line[:-1] if complete else line)
        try:
            obj = decode_line(body)
            if self.lineno == 1:
                self.header = parse_header(obj)
            else:
                self._take(parse_event(obj))
        except BadLine as bad:
            self._explain(bad, body, complete=complete)
            return False
        if not complete:
            self.problem(
                "no newline at the end of the file (was the writer killed? this last line is complete)"
            )
        return True

    def _body(self, body: bytes) -> bytes:
        """The line without CRLF or a leading BOM, each noted once (read anyway)."""
        if body.endswith(b"\r"):
            body = body[:-1]
            if not self._crlf_reported:
                self.problem("Windows line ending (CRLF); labkit writes LF only (read anyway)")
                self._crlf_reported = True
        if self.lineno == 1 and body.startswith(_BOM):
            self.problem("file starts with a UTF-8 byte order mark (BOM); labkit writes none (read anyway)")
            body = body[len(_BOM) :]
        return body

    def _take(self, event: TraceEvent) -> None:
        if self.events:
            last = self.events[-1]
            if event.seq <= last.seq:
                raise BadLine(
                    f"seq {event.seq} does not increase (previous event has seq {last.seq})"
                    if event.seq < last.seq
                    else f"seq {event.seq} repeats the previous event's",
                    "seq",
                )
            if event.t < last.t:
                raise BadLine(f"time goes backwards ({event.t:g} ms after {last.t:g} ms)", "t")
        self.events.append(event)

    def _explain(self, bad: BadLine, body: bytes, *, complete: bool) -> None:
        if isinstance(bad, NotJson) and not complete:
            self.problem("truncated: the file ends in the middle of this line (was the writer killed?)")
        elif self.lineno == 1 and not body.strip():
            self.problem("line 1 is empty; a trace starts with a header line")
        elif self.lineno == 1 and bad.field is None and "header" not in bad.message:
            self.problem(f"cannot read the header, so this is not a labkit trace: {bad.message}")
        else:
            self.problem(bad.message, bad.field)

    def _finish(self) -> None:
        if self.lineno == 0:
            self.lineno = 1
            self.problem("the file is empty; a trace starts with a header line")
        elif self.header is not None and not self.events and not self.problems:
            self.lineno = 1
            self.problem("the trace has a header but no events")
        if self._unlisted:
            more = f"... and {self._unlisted} more problems not listed"
            self.problems.append(TraceProblem(self.name, self.lineno, more))


def _lines(raw: IO[bytes]) -> Iterator[bytes | int]:
    """Lines of a binary file split on LF only, each with its newline.

    A line longer than `MAX_LINE_BYTES` is skipped without being held in memory and stands as its length.
    """
    while True:
        line = raw.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        del line  # skip the rest in small pieces, holding at most one at a time
        while chunk := raw.readline(_SKIP_BYTES):
            size += len(chunk)
            if chunk.endswith(b"\n"):
                break
        yield size
