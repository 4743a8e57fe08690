"""The fast path of the trace reader: the first try of `labkit.read_trace` and `labkit.read_frame`.

The exact reader (`labkit.trace.read`) checks one line at a time; it is the reader that explains problems.
The fast path decodes large blocks of lines with msgspec into typed records, which checks types, ranges,
names and fields in C, checks what remains on whole columns at once, and gives the columns: `read_frame`
builds the DataFrame from them without any TraceEvent (several times faster than pandas' own JSON
reader, in a fraction of the memory); `read_trace` builds its events from them.

Both accept exactly the files the exact reader accepts and give exactly its result. The fast path takes
only what it can prove valid; anything else (any problem, and a few valid but unusual spellings, such as
a key followed by a space) goes to the exact reader, which gives the same result, or the exact problems.
Where msgspec and the json module differ (msgspec keeps the last of two equal keys silently), the fast
path proves the difference absent or falls back; a differential property test holds the two decoders to
the same values.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import reduce
from itertools import chain, repeat
from operator import or_
from typing import IO, Annotated, Any, Literal

import msgspec
import numpy as np

from labkit import winapi
from labkit.trace import parse
from labkit.trace.events import StateChange, TraceEvent, TraceHeader, _UnfrozenEvent
from labkit.trace.parse import MAX_LINE_BYTES
from labkit.trace.vocab import Evidence, Kind

BLOCK_BYTES = 2 << 20
"""How much of the file is decoded at a time: small enough to stay in the CPU cache while its columns
are checked (and to bound memory), large enough that per-block costs vanish."""

_Int64 = Annotated[int, msgspec.Meta(ge=parse.MIN_INT, le=parse.MAX_INT)]
_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
_Scalar = _Int64 | float | str | bool | None


class _State(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    old: str | None = msgspec.field(name="from")
    new: str = msgspec.field(name="to")


class _Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One event line as labkit writes it, with plain args values (the usual case): the eleven fields
    labkit always writes are required here (a line without ``result`` is valid, but read_trace reads
    it instead). ``gc=False``: these records hold no cycles, so the collector need not track them."""

    seq: Annotated[int, msgspec.Meta(ge=0, le=parse.MAX_INT)]
    t: Annotated[float, msgspec.Meta(ge=0, le=parse.MAX_T)]
    kind: Literal["call", "return", "complete", "state", "fault", "note"]
    name: _NonEmpty
    actor: _NonEmpty
    subject: str
    args: dict[str, _Scalar]
    result: _Int64 | None
    result_name: str | None
    span: _Int64 | None
    evidence: Literal["documented", "header", "sample", "observed", "inferred"]
    state: _State | None = None
    ref: str | None = None


class _NestedEvent(_Event, gc=False):
    """An event whose args hold arrays or objects: those rows get read_trace's own depth checks."""

    args: dict[str, _Scalar | list[Any] | dict[str, Any]]  # type: ignore[assignment]


_decode_event = msgspec.json.Decoder(_Event).decode
_decode_nested_event = msgspec.json.Decoder(_NestedEvent).decode
_WRITTEN_FIELDS = 11
_TEXT_COLUMNS = ("name", "actor", "subject", "result_name", "state_from", "state_to", "ref")
_SCALARS = frozenset({str, int, float, bool, type(None)})


class Unusual(Exception):
    """The file needs the exact, line-by-line reader."""


def read_events(path: str | os.PathLike[str]) -> tuple[TraceHeader, list[TraceEvent]] | None:
    """The header and events of a valid trace file, or None when the exact reader must read it."""
    try:
        with open(path, "rb") as raw:
            header, columns = read_columns(raw)
    except Unusual:
        return None
    kinds = {k.value: k for k in Kind}
    evidence = {e.value: e for e in Evidence}
    states = [
        None if new is None else StateChange(old, new)
        for old, new in zip(columns["state_from"], columns["state_to"], strict=True)
    ]
    events = list(
        map(
            _event,
            columns["seq"].tolist(),
            columns["t"].tolist(),
            map(kinds.__getitem__, columns["kind"]),
            columns["name"],
            columns["actor"],
            columns["subject"],
            columns["args"],
            _nullable(*columns["result"]),
            columns["result_name"],
            _nullable(*columns["span"]),
            map(evidence.__getitem__, columns["evidence"]),
            states,
            columns["ref"],
        )
    )
    return header, events


def _event(*fields: Any) -> TraceEvent:
    """A TraceEvent from its fields in order, built as the tracer builds one (see `_UnfrozenEvent`):
    positionally, which TraceEvent's own ``__init__`` does not allow for ``evidence``."""
    event: TraceEvent = _UnfrozenEvent(*fields)
    event.__class__ = TraceEvent
    return event


def _nullable(values: np.ndarray, mask: np.ndarray) -> list[int | None]:
    return [None if missing else value for value, missing in zip(values.tolist(), mask.tolist(), strict=True)]


def read_columns(raw: IO[bytes]) -> tuple[TraceHeader, dict[str, Any]]:
    """The header and every column of the file, or `Unusual`."""
    header = _check_header(raw.readline(MAX_LINE_BYTES + 1))
    blocks = _Blocks()
    rest = b""
    while block := raw.read(BLOCK_BYTES):
        data = rest + block
        end = data.rfind(b"\n") + 1
        if end == 0 and len(data) > MAX_LINE_BYTES:
            raise Unusual  # a line too long to read
        if end:
            blocks.add(data[:end])
        rest = data[end:]
    if rest or not blocks.columns["seq"]:
        raise Unusual  # no newline at the end (a cut file?), or no events
    return header, blocks.joined()


def _check_header(line: bytes) -> TraceHeader:
    """Line 1, if it is a valid header ending in LF as labkit writes it (else `Unusual`)."""
    if not line.endswith(b"\n") or line.endswith(b"\r\n"):
        raise Unusual
    try:
        return parse.parse_header(parse.decode_line(line[:-1]))
    except parse.BadLine:
        raise Unusual from None


class _Blocks:
    """The checked columns of each block of lines, joined at the end."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {
            key: [] for key in (*_Event.__struct_fields__[:-2], "state_from", "state_to", "ref")
        }
        # One copy of each distinct text per column. A trace repeats a few names a million times;
        # mapping each value to its first copy while the block is fresh in the CPU cache makes every
        # later pass (categories, string arrays) touch a handful of objects instead of a million, and
        # frees the duplicates.
        self.texts: dict[str, dict[str | None, str | None]] = {key: {} for key in _TEXT_COLUMNS}
        self.last_seq = -1
        self.last_t = 0.0

    def add(self, data: bytes) -> None:
        """Decode and check one block of whole lines (``data`` ends with a newline)."""
        # CRLF line ends or a BOM, which read_trace reports (one-byte searches first: they are fast).
        if b"\r" in data or (b"\xef" in data and b"\xef\xbb\xbf" in data):
            raise Unusual
        lines = data.split(b"\n")
        lines.pop()  # the empty piece after the last newline
        if len(data) > MAX_LINE_BYTES and max(map(len, lines)) >= MAX_LINE_BYTES:
            raise Unusual
        nested = False
        try:
            try:
                events = list(map(_decode_event, lines))
            except msgspec.ValidationError:
                events = list(map(_decode_nested_event, lines))
                nested = True
        except (msgspec.DecodeError, ValueError, RecursionError):
            # Not JSON (msgspec raises UnicodeDecodeError, a ValueError, for bytes that are not UTF-8),
            # or not a valid event as labkit writes it.
            raise Unusual from None
        seq, t, kind, name, actor, subject, args, result, result_name, span, evidence, state, ref = zip(
            *map(msgspec.structs.astuple, events), strict=True
        )
        del events
        seq_array = np.array(seq, dtype=np.int64)
        t_array = np.array(t, dtype=np.float64)
        if seq_array[0] <= self.last_seq or not (np.diff(seq_array) > 0).all():
            raise Unusual
        if t_array[0] < self.last_t or not (np.diff(t_array) >= 0).all():
            raise Unusual
        self.last_seq, self.last_t = int(seq_array[-1]), float(t_array[-1])
        states = [s for s in state if s is not None]
        keys = _WRITTEN_FIELDS * len(lines) + 3 * len(states) + len(ref) - ref.count(None)
        keys += _check_args(args, lines, nested=nested)
        if not _no_repeated_keys(data, keys):
            _check_lines_exactly(lines)
        state_from = [None if s is None else s.old for s in state] if states else list(state)
        state_to = [None if s is None else s.new for s in state] if states else list(state)
        columns = self.columns
        columns["seq"].append(seq_array)
        columns["t"].append(t_array)
        columns["args"].append(args)
        columns["result"].append(_nullable_int64(result))
        columns["span"].append(_nullable_int64(span))
        columns["kind"].append(kind)  # msgspec gives the same object for each value of a Literal
        columns["evidence"].append(evidence)
        texts = (name, actor, subject, result_name, state_from, state_to, ref)
        for key, values in zip(_TEXT_COLUMNS, texts, strict=True):
            first = self.texts[key]
            columns[key].append(list(map(first.setdefault, values, values)))

    def joined(self) -> dict[str, Any]:
        """Every block's columns joined: arrays for seq and t, (values, null mask) arrays for result and
        span, lists for the rest."""
        joined: dict[str, Any] = {}
        for key, parts in self.columns.items():
            if key in ("seq", "t"):
                joined[key] = np.concatenate(parts)
            elif key in ("result", "span"):
                joined[key] = tuple(np.concatenate([part[i] for part in parts]) for i in (0, 1))
            else:
                joined[key] = list(chain.from_iterable(parts))
        return joined


def _nullable_int64(values: Sequence[int | None]) -> tuple[np.ndarray, np.ndarray]:
    """Integers (already checked to fit in 64 bits) or null, as int64 values and a null mask."""
    objects = np.array(values, dtype=object)
    mask = objects == None  # noqa: E711 - element by element
    return np.where(mask, 0, objects).astype(np.int64), mask.astype(bool)


def _no_repeated_keys(data: bytes, keys: int) -> bool:
    """Whether the block surely has no object with a repeated key (msgspec keeps the last one silently).

    ``keys`` counts the distinct keys decoded. With no whitespace before a colon, every object member's
    key is followed by ``":``; so the block has at least as many ``":`` as members, and members number at
    least the distinct keys, more when a key repeats. Equality rules repeats out. A colon after a space
    or at the start of a string only makes the counts differ: then every line is checked exactly.
    """
    spaced = b" :" in data or (b"\t" in data and b"\t:" in data)
    return not spaced and data.count(b'":') == keys


def _check_lines_exactly(lines: Sequence[bytes]) -> None:
    """The slow proof: every line read by read_trace's decoder, which refuses repeated keys."""
    try:
        for line in lines:
            parse.parse_event(parse.decode_line(line))
    except parse.BadLine:
        raise Unusual from None


def _check_args(args: Sequence[dict[str, Any]], lines: Sequence[bytes], *, nested: bool) -> int:
    """`Unusual` unless every args is as read_trace accepts it (msgspec checked the top-level values'
    types and 64-bit range); returns how many object keys they hold, for `_no_repeated_keys`."""
    keys = sum(map(len, args))
    if nested:
        # Nested arrays and objects are rare: those rows are re-read by read_trace's own checks (depth,
        # 64-bit integers at any depth) and their nested keys counted.
        for i, one in enumerate(args):
            if not set(map(type, one.values())) <= _SCALARS:
                try:
                    parse.parse_event(parse.decode_line(lines[i]))
                except parse.BadLine:
                    raise Unusual from None
                keys += _nested_keys(one) - len(one)
    present = set().union(*args)
    for key, flag_type in winapi.FLAG_ARGUMENTS.items():
        if key in present:
            flags = [v for v in map(dict.get, args, repeat(key)) if v is not None]
            if set(map(type, flags)) != {int} or min(flags) < 0 or reduce(or_, flags) & ~flag_type.mask():
                raise Unusual
    return keys


def _nested_keys(value: Any) -> int:
    """How many object keys ``value`` holds at every depth."""
    if isinstance(value, dict):
        return len(value) + sum(_nested_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(_nested_keys(v) for v in value)
    return 0
