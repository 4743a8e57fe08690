"""The Get-ClusterLog prefix read from the bytes of many lines at once: numpy, no Python per line.

A block of UTF-8 text is one ``uint8`` array and the offsets of its lines (`Lines`). The prefix
``00002cc4.00001264::2011/08/05-13:47:42.543 INFO  `` has its fields at fixed byte positions
(cluster-offline §8), so checking it, cutting its fields and converting its stamp are a few array
operations over all lines of the block. The message's component tag (``[RCM]``, with an optional
function prefix such as ``rcm::RcmApi::MoveGroup[RCM]``) is found with a sorted search over the block's
``]`` positions; only messages with a function name before the tag are read again in short windows.

Fields come back as Arrow arrays built on the block's own bytes: fixed-width fields are copied once,
the message text is a ``string_view`` array pointing into the block (no copy at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

TEMPLATE = "hhhhhhhh.hhhhhhhh::dddd/dd/dd-dd:dd:dd.ddd Lllll _"
"""What each byte of a full prefix may be (cluster-offline §8), the first message byte included:
``h`` a hex digit, ``d`` a decimal digit, ``L`` a letter, ``l`` a letter or a space (the level is padded
to five), ``_`` anything but a space; any other character stands for itself."""
WIDTH = len(TEMPLATE)
MESSAGE = WIDTH - 1
"""Where the message starts (after the level and its space)."""
TAG_WINDOW = 160
"""The component tag's closing bracket must be within this many bytes of the message's start."""
PEEK = 48
"""Bytes of a message read at first to find where a function name before its tag ends."""
TAG_LONGEST = 40
"""The longest component name in a tag."""

_PID, _TID, _LEVEL, _STAMP = (0, 8), (9, 17), (43, 48), (19, 42)


def _table(chars: str) -> np.ndarray:
    """A lookup table: which of the 256 byte values are among ``chars`` (ASCII)."""
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode("ascii"))] = True
    return table


_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CLASSES = {
    "h": _table(_DIGITS + "abcdefABCDEF"),
    "d": _table(_DIGITS),
    "L": _table(_LETTERS),
    "l": _table(_LETTERS + " "),
    "_": ~_table(" "),
}
_CHECKS = [
    (_CLASSES.get(c, _table(c)), [i for i, t in enumerate(TEMPLATE) if t == c])
    for c in dict.fromkeys(TEMPLATE)
]
"""Which byte values may stand at which positions of the prefix, one check per kind of character."""
_PAD = 256
_STOPS = _table(" \t\n\f\r[]")
"""What ends a function prefix: RE2's ``\\s`` (ASCII whitespace) and the brackets."""
_CUMULATIVE_DAYS = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], dtype=np.int64)
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class Lines:
    """A block's UTF-8 bytes and where each line starts and ends (line end excluded, a CR too).

    ``data`` holds the block followed by `_PAD` zero bytes, so that a window of bytes can be read at any
    line's start without a bounds check; ``size`` is the block's own length."""

    data: np.ndarray
    size: int
    starts: np.ndarray
    ends: np.ndarray
    cut: int = 0
    """How many lines were longer than the longest kept (`of`)."""

    @classmethod
    def of(cls, block: bytes, longest: int = 1 << 62) -> Lines:
        """The lines of ``block`` (lines split on LF; a CR before it is not part of the line). A line of
        more than ``longest`` bytes ends there (before a character cut short): see `cut`."""
        data = np.zeros(len(block) + _PAD, dtype=np.uint8)
        data[: len(block)] = np.frombuffer(block, dtype=np.uint8)
        newlines = np.flatnonzero(data[: len(block)] == 10)
        starts = np.empty(len(newlines) + 1, dtype=np.int64)
        starts[0], starts[1:] = 0, newlines + 1
        ends = np.empty_like(starts)
        ends[:-1], ends[-1] = newlines, len(block)
        carriage = ends > starts
        carriage[carriage] = data[ends[carriage] - 1] == 13
        ends -= carriage
        long = np.flatnonzero(ends - starts > longest)
        if len(long):
            end = starts[long] + longest
            for _ in range(3):  # back to the start of a character (UTF-8 continuation bytes are 10xxxxxx)
                end -= (data[end] & 0xC0) == 0x80
            ends[long] = end
        return cls(data, len(block), starts, ends, len(long))

    def __len__(self) -> int:
        return len(self.starts)

    def window(self, at: np.ndarray, width: int) -> np.ndarray:
        """``width`` bytes from each position of ``at`` (one row each; past a line's end they are the next
        line's bytes or zeros), copied row by row without an index per byte."""
        assert width <= _PAD
        rows: np.ndarray = sliding_window_view(self.data, width)[at]
        return rows

    def arrow(self) -> Any:
        """The lines as one Arrow ``large_string`` array over the block's bytes (line ends left on)."""
        import pyarrow as pa

        offsets = np.empty(len(self) + 1, dtype=np.int64)
        offsets[:-1], offsets[-1] = self.starts, self.size
        return pa.LargeStringArray.from_buffers(len(self), pa.py_buffer(offsets), pa.py_buffer(self.data))

    def view(self, begin: np.ndarray, end: np.ndarray) -> Any:
        """The bytes from each ``begin`` to each ``end`` as a ``string_view`` array (no bytes copied)."""
        import pyarrow as pa

        n = len(begin)
        lengths = (end - begin).astype(np.int32)
        head = self.window(begin, 12)
        views = np.zeros((n, 16), dtype=np.uint8)  # Arrow's view layout: length, then 12 bytes inline, or
        views[:, 0:4] = lengths.view(np.uint8).reshape(n, 4)  # the first 4, the buffer (0), the offset
        views[:, 4:8] = head[:, :4]
        views[:, 12:16] = begin.astype(np.int32).view(np.uint8).reshape(n, 4)
        short = lengths <= 12
        views[short, 4:16] = np.where(np.arange(12) < lengths[short, None], head[short], 0)
        buffers = [None, pa.py_buffer(views), pa.py_buffer(self.data)]
        return pa.Array.from_buffers(pa.string_view(), n, buffers)


def prefixed(lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Which lines have the full prefix at its fixed widths, and those lines' first `WIDTH` bytes (one row
    per prefixed line)."""
    long = np.flatnonzero(lines.ends - lines.starts >= WIDTH)
    head = lines.window(lines.starts[long], WIDTH)
    ok = np.ones(len(long), dtype=bool)
    for table, columns in _CHECKS:
        ok &= table[head[:, columns]].all(axis=1)
    mask = np.zeros(len(lines), dtype=bool)
    mask[long[ok]] = True
    return mask, head[ok]


def fixed(head: np.ndarray, where: tuple[int, int], mask: np.ndarray) -> Any:
    """A fixed-width field of the prefixed lines as a string array over every line (null elsewhere)."""
    import pyarrow as pa

    start, stop = where
    width = stop - start
    offsets = np.zeros(len(mask) + 1, dtype=np.int32)
    np.cumsum(mask * width, out=offsets[1:])
    data = np.ascontiguousarray(head[:, start:stop])
    bitmap = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.StringArray.from_buffers(len(mask), pa.py_buffer(offsets), pa.py_buffer(data), bitmap)


def pid(head: np.ndarray, mask: np.ndarray) -> Any:
    return fixed(head, _PID, mask)


def tid(head: np.ndarray, mask: np.ndarray) -> Any:
    return fixed(head, _TID, mask)


def level(head: np.ndarray, mask: np.ndarray) -> Any:
    """The level without the spaces that pad it to five characters."""
    import pyarrow.compute as pc

    return pc.utf8_rtrim_whitespace(fixed(head, _LEVEL, mask))


def utc_ms(head: np.ndarray, mask: np.ndarray, offset_ms: int) -> Any:
    """Each prefixed line's stamp as UTC milliseconds (``offset_ms`` subtracted), over every line; null
    for lines without the prefix and for a stamp that names no real time (month 13, 30 February, 24:00)."""
    import pyarrow as pa

    d = head[:, _STAMP[0] : _STAMP[1]].astype(np.int64) - 48

    def number(*positions: int) -> np.ndarray:
        value = np.zeros(len(d), dtype=np.int64)
        for p in positions:
            value = value * 10 + d[:, p - _STAMP[0]]
        return value

    year, month, day = number(19, 20, 21, 22), number(24, 25), number(27, 28)
    hour, minute, second, milli = number(30, 31), number(33, 34), number(36, 37), number(39, 40, 41)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    month = np.where(real, month, 1)
    real &= (day <= _MONTH_DAYS[month]) & ((month != 2) | (day <= 28) | leap)
    real &= (hour < 24) & (minute < 60) & (second < 60)
    before = year - 1  # days from 0001-01-01 to the year's first day, then to 1970-01-01
    days = before * 365 + before // 4 - before // 100 + before // 400 - 719162
    days += _CUMULATIVE_DAYS[month] + ((month > 2) & leap) + day - 1
    value = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + milli - offset_ms
    valid = np.zeros(len(mask), dtype=bool)
    valid[np.flatnonzero(mask)[real]] = True
    out = np.zeros(len(mask), dtype=np.int64)
    out[valid] = value[real]
    return pa.array(out, mask=~valid)


@dataclass(frozen=True)
class Tags:
    """Where the component tag of each prefixed line is (positions in the block's bytes)."""

    tagged: np.ndarray
    """Per line: a prefixed line whose message starts with ``function[component]``."""
    function: tuple[np.ndarray, np.ndarray]
    component: tuple[np.ndarray, np.ndarray]
    text: np.ndarray
    """Per line: where its text starts (after the tag and one space; the message; the whole line)."""


def _brackets(lines: Lines, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each message's first stop byte (whitespace or a bracket) and the first ``]`` after it are,
    as positions in the block (the line's end or further where there is none). Most messages start with
    their tag; the others are read `PEEK` bytes at a time, then up to `TAG_WINDOW` bytes."""
    message, ends = lines.starts[rows] + MESSAGE, lines.ends[rows]
    opening = message.copy()
    undecided = np.flatnonzero(lines.data[message] != ord("["))
    for width in (PEEK, TAG_WINDOW + 1):
        at = message[undecided]
        stop = _STOPS[lines.window(at, width)] | (np.arange(width) >= (ends[undecided] - at)[:, None])
        opening[undecided] = at + stop.argmax(axis=1)
        undecided = undecided[~stop.any(axis=1)]  # no stop and no line end in the window: read further
    opening[undecided] = lines.size  # no stop within TAG_WINDOW: no tag
    closes = np.append(np.flatnonzero(lines.data[: lines.size] == ord("]")), lines.size + 1)
    return opening, closes[np.searchsorted(closes, opening + 1)]


def tags(lines: Lines, mask: np.ndarray) -> Tags:
    """The ``function[component]`` tag at the start of each prefixed line's message: ``function`` any run
    of bytes that are neither whitespace nor brackets (maybe empty), ``component`` 1 to `TAG_LONGEST`
    bytes without ``]``, closed within `TAG_WINDOW` bytes of the message's start."""
    data, starts, ends = lines.data, lines.starts, lines.ends
    rows = np.flatnonzero(mask)
    message = starts[rows] + MESSAGE
    opening, closing = _brackets(lines, rows)
    opened = opening < ends[rows]
    opened[opened] = data[opening[opened]] == ord("[")
    width = closing - opening - 1
    ok = opened & (closing < ends[rows]) & (width >= 1) & (width <= TAG_LONGEST)
    ok &= closing - message < TAG_WINDOW
    tagged = np.zeros(len(lines), dtype=bool)
    tagged[rows[ok]] = True
    text = starts.copy()
    text[rows] = message
    after_tag = closing[ok] + 1
    spaced = after_tag < ends[rows[ok]]
    spaced[spaced] = data[after_tag[spaced]] == ord(" ")
    text[rows[ok]] = after_tag + spaced
    begin = np.zeros(len(lines), dtype=np.int64)
    begin[rows[ok]] = message[ok]
    function_end, component_start, component_end = (np.zeros(len(lines), dtype=np.int64) for _ in range(3))
    function_end[rows[ok]] = opening[ok]
    component_start[rows[ok]] = opening[ok] + 1
    component_end[rows[ok]] = closing[ok]
    return Tags(tagged, (begin, function_end), (component_start, component_end), text)


def substrings(lines: Lines, span: tuple[np.ndarray, np.ndarray], valid: np.ndarray) -> Any:
    """``data[begin:end]`` of each line as a string array (null where not ``valid``), copied once: for
    short fields such as a component or a function name."""
    import pyarrow as pa

    begin, end = span
    lengths = np.where(valid, end - begin, 0)
    offsets = np.zeros(len(valid) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    index = np.repeat(begin - offsets[:-1], lengths) + np.arange(offsets[-1])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    data = pa.py_buffer(lines.data[index])
    return pa.StringArray.from_buffers(len(valid), pa.py_buffer(offsets), data, bitmap)
