"""The trace: labkit's central contract.

A trace file is JSON Lines. Line 1 is a header object; every further line is one `TraceEvent`:

    {"format":"labkit-trace","version":1,"domain":"cluster","scenario":"plain-offline","params":{...},"labkit":"0.1.0"}
    {"seq":0,"t":0.0,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk","args":{...},...}

`Tracer` records events (thread-safe, strictly increasing ``seq``) into sinks: memory, and a JSON Lines
file flushed after every event so a killed process loses at most the line being written. `Trace` is the
immutable, ordered result. `read_trace` validates a file line by line; strict mode raises
`TraceFormatError` listing every problem as ``path:line: what is wrong``, lenient mode keeps every good
event and lists the bad lines in `Trace.problems`.

Writing is deterministic: the same events always give the same bytes, and read → write round-trips a
file labkit wrote byte for byte.

Conventions every simulator follows (views rely on them):

- ``call`` opens a span (``span`` = its own ``seq``); its ``return`` / ``complete`` carry that span.
- ``state`` events carry ``state={"from": old or None, "to": new}`` for their ``subject``.
- ``fault`` events name the rule broken in ``args["rule"]`` and the sheet section in ``ref``.
"""

from __future__ import annotations

import contextlib
import gc
import html
import io
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, make_dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from labkit import winapi
from labkit.exceptions import OutputExistsError, TraceFormatError, TraceProblem

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "labkit-trace"
VERSION = 1
MAX_LINE_BYTES = 8 * 1024 * 1024
"""A longer line is refused without being parsed (a trace event is a few hundred bytes)."""
MAX_DEPTH = 32
"""Deepest nesting of objects and arrays accepted inside an event."""
MAX_PROBLEMS = 1000
"""Problems listed one by one; past that a lenient read only counts them and a strict read stops."""
_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1


class Kind(StrEnum):
    """What an event records."""

    CALL = "call"
    """A routine was entered (host → provider/DLL, or provider/DLL → host helper)."""
    RETURN = "return"
    """A routine returned; ``result`` is its return value (None for VOID)."""
    COMPLETE = "complete"
    """An asynchronous call finished (WSAProviderCompleteAsyncCall, a pending offline settled)."""
    STATE = "state"
    """A subject changed state; ``state`` says from what to what."""
    FAULT = "fault"
    """A contract rule was broken, or user code misbehaved."""
    NOTE = "note"
    """Anything else worth seeing (a log line, a policy decision)."""


class Evidence(StrEnum):
    """What the modelled behaviour rests on (the reference sheets' [D]/[H]/[O]/[I])."""

    DOCUMENTED = "documented"
    HEADER = "header"
    SAMPLE = "sample"
    """Microsoft's sample code does it and no page says it (added after version 1 traces were first
    written; a reader accepts traces with or without it)."""
    OBSERVED = "observed"
    INFERRED = "inferred"


@dataclass(frozen=True, slots=True)
class StateChange:
    """A state transition of one subject."""

    old: str | None
    """State before (None when the subject is new)."""
    new: str
    """State after."""


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One line of a trace. Treat ``args`` as read-only."""

    seq: int
    """Position in the trace: 0, 1, 2, … strictly increasing."""
    t: float
    """Virtual time in milliseconds, non-decreasing."""
    kind: Kind
    """call, return, complete, state, fault or note."""
    name: str
    """Exact Windows name (``NSPv2Startup``, ``OfflineV2``) or a state / fault name."""
    actor: str
    """Who acts: ``broker``, ``provider``, ``client:<pid>``, ``rcm``, ``rhs``, ``dll``, ``worker:<n>``."""
    subject: str = ""
    """What it is about: session id, lookup handle, resource or group name."""
    args: Mapping[str, Any] = field(default_factory=dict)
    """Arguments under their SDK parameter names (flags as integers)."""
    result: int | None = None
    """Return value or completion code; None for VOID and for events that are not results."""
    result_name: str | None = None
    """SDK name of ``result`` (``ERROR_IO_PENDING``)."""
    span: int | None = None
    """Links a call to its return / completion: the ``seq`` of the call."""
    evidence: Evidence = Evidence.DOCUMENTED
    """What this behaviour rests on."""
    state: StateChange | None = None
    """For ``state`` events: the transition."""
    ref: str | None = None
    """Section of the reference sheet the behaviour rests on (``nspv2 §2.1``)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this event, keys in format order; optional keys only when set."""
        obj: dict[str, Any] = {
            "seq": self.seq,
            "t": self.t,
            "kind": str(self.kind),
            "name": self.name,
            "actor": self.actor,
            "subject": self.subject,
            "args": dict(self.args),
            "result": self.result,
            "result_name": self.result_name,
            "span": self.span,
            "evidence": str(self.evidence),
        }
        if self.state is not None:
            obj["state"] = {"from": self.state.old, "to": self.state.new}
        if self.ref is not None:
            obj["ref"] = self.ref
        return obj

    def to_json(self) -> str:
        """One JSON line (no newline), deterministic: the same bytes as encoding `to_dict`."""
        state, result, span, t = self.state, self.result, self.span, self.t
        if not (
            type(t) is float
            and math.isfinite(t)
            and type(self.seq) is int
            and (result is None or type(result) is int)
            and (span is None or type(span) is int)
        ):
            return _dumps(self.to_dict())  # unusual types: let the encoder decide (and refuse NaN)
        # Hot path of every file sink: the kind / name / actor / subject part repeats, so it is cached.
        middle = _MIDDLES.get((self.kind, self.name, self.actor, self.subject))
        if middle is None:
            middle = _middle(self.kind, self.name, self.actor, self.subject)
        text = (
            f'{{"seq":{self.seq},"t":{t!r},{middle}"args":{_args(self.args)},'
            f'"result":{"null" if result is None else result},'
            f'"result_name":{"null" if self.result_name is None else _string(self.result_name)},'
            f'"span":{"null" if span is None else span},"evidence":"{self.evidence._value_}"'
        )
        if state is not None:
            old = "null" if state.old is None else _string(state.old)
            text += f',"state":{{"from":{old},"to":{_string(state.new)}}}'
        if self.ref is not None:
            text += f',"ref":{_string(self.ref)}'
        return text + "}"


_UnfrozenEvent = make_dataclass(
    "_UnfrozenEvent", [(f.name, f.type) for f in fields(TraceEvent)], slots=True, repr=False, eq=False
)
"""TraceEvent's slot layout without the frozen ``__setattr__``, for the tracer's hot path.

The frozen dataclass's ``__init__`` pays an ``object.__setattr__`` call per field; this one's is plain
attribute stores, a fifth of the cost. The tracer fills one and assigns ``__class__ = TraceEvent``
(Python allows it between classes with identical slots): the event is then as frozen as any other.
"""
_CALL = Kind.CALL  # a module constant: an enum member looked up on its class costs a call per event


@dataclass(frozen=True)
class TraceHeader:
    """Line 1 of a trace file."""

    domain: winapi.Domain
    """``nspv2`` or ``cluster``."""
    scenario: str = ""
    """Scenario name, or what produced the trace."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Everything that determines the run: provider/DLL, policies, flags, OS profile, seed."""
    labkit: str = ""
    """labkit version that wrote it."""
    version: int = VERSION
    """Format version."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "domain": self.domain,
            "scenario": self.scenario,
            "params": dict(self.params),
            "labkit": self.labkit or _labkit_version(),
        }


def _labkit_version() -> str:
    from labkit import __version__

    return __version__


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
"""Compact, ASCII-only, NaN-refusing JSON: the one encoding of every line labkit writes."""

_STRINGS: dict[str, str] = {}
_SCALARS = {None: "null", True: "true", False: "false"}
_MIDDLES: dict[tuple[Kind, str, str, str], str] = {}


def _middle(kind: Kind, name: str, actor: str, subject: str) -> str:
    """The ``"kind":…,"name":…,"actor":…,"subject":…,`` part of a line, cached per combination."""
    text = f'"kind":"{kind.value}","name":{_dumps(name)},"actor":{_dumps(actor)},"subject":{_dumps(subject)},'
    if len(_MIDDLES) >= 65_536:
        _MIDDLES.clear()
    _MIDDLES[(kind, name, actor, subject)] = text
    return text


def _string(text: str) -> str:
    """``text`` as a JSON string literal, cached: event names, actors and subjects repeat endlessly."""
    encoded = _STRINGS.get(text)
    if encoded is None:
        encoded = _dumps(text)
        if len(_STRINGS) >= 65_536:
            _STRINGS.clear()
        _STRINGS[text] = encoded
    return encoded


def _args(args: Mapping[str, Any]) -> str:
    """An args object as `_dumps` would write it; flat objects of strings and ints without the encoder."""
    parts = []
    strings = _STRINGS  # looked up here rather than through _string: two calls less per argument
    for key, value in args.items():
        kind = value.__class__
        if kind is str:
            text = strings.get(value) or _string(value)
        elif value is None or kind is bool:
            text = _SCALARS[value]
        elif isinstance(value, int):  # flag words (IntFlag) are written as their number, as json does
            text = int.__repr__(value)
        else:
            return _dumps(args)  # nested, float or unusual: the encoder decides
        if key.__class__ is not str:
            return _dumps(args)
        parts.append(f"{strings.get(key) or _string(key)}:{text}")
    return "{" + ",".join(parts) + "}"


# --------------------------------------------------------------------------------------------------------
# Trace
# --------------------------------------------------------------------------------------------------------


class Trace(Sequence[TraceEvent]):
    """An immutable, ordered sequence of events with its header.

    ``problems`` lists what a lenient read dropped (empty for traces that were recorded or read strictly).
    """

    __slots__ = ("_events", "header", "problems")

    def __init__(
        self,
        header: TraceHeader,
        events: Iterable[TraceEvent] = (),
        problems: Sequence[TraceProblem] = (),
    ) -> None:
        self.header = header
        self._events: tuple[TraceEvent, ...] = tuple(events)
        self.problems: tuple[TraceProblem, ...] = tuple(problems)

    @overload
    def __getitem__(self, index: int) -> TraceEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Trace: ...
    def __getitem__(self, index: int | slice) -> TraceEvent | Trace:
        if isinstance(index, slice):
            return Trace(self.header, self._events[index])
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self._events)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and (self.header, self._events) == (other.header, other._events)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Trace {self.header.domain}:{self.header.scenario or '?'} {len(self)} events>"

    @property
    def domain(self) -> winapi.Domain:
        return self.header.domain

    @property
    def faults(self) -> Trace:
        """The fault events."""
        return self.filter(kind=Kind.FAULT)

    def filter(
        self,
        *,
        subject: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        name: str | Iterable[str] | None = None,
        actor: str | Iterable[str] | None = None,
        where: Callable[[TraceEvent], bool] | None = None,
    ) -> Trace:
        """Events matching every given criterion (a string, or any of several strings)."""

        def wanted(value: str | Iterable[str] | None) -> frozenset[str] | None:
            if value is None:
                return None
            return frozenset([value] if isinstance(value, str) else value)

        subjects, kinds, names, actors = wanted(subject), wanted(kind), wanted(name), wanted(actor)
        return Trace(
            self.header,
            (
                e
                for e in self._events
                if (subjects is None or e.subject in subjects)
                and (kinds is None or e.kind in kinds)
                and (names is None or e.name in names)
                and (actors is None or e.actor in actors)
                and (where is None or where(e))
            ),
        )

    def names(self) -> list[str]:
        """The event names in order: the usual thing to assert in a test."""
        return [e.name for e in self._events]

    def to_jsonl(self) -> str:
        """The whole file as text: header line, then one line per event, each ending in a newline."""
        buf = io.StringIO()
        self._write_to(buf)
        return buf.getvalue()

    def _write_to(self, out: IO[str]) -> None:
        out.write(_dumps(self.header.to_dict()) + "\n")
        for event in self._events:
            out.write(event.to_json() + "\n")

    def write(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the trace to ``path`` through a temporary file and a rename.

        An existing file is never overwritten unless ``force`` is true (`OutputExistsError`), not even one
        that appears while the trace is being written. If writing fails, the file at ``path`` (if any) is
        untouched and no temporary file is left behind.
        """
        from labkit.files import write_new

        return write_new(path, self._write_to, force=force)

    def to_frame(self) -> pd.DataFrame:
        """One row per event: seq, t, kind, name, actor, subject, args, result, result_name, span,
        evidence, state_from, state_to, ref (categoricals for repeated text, nullable ints)."""
        from labkit.tables import events_frame

        return events_frame(self)

    def _repr_html_(self) -> str:
        from labkit.display import LITERAL, args_text

        def short(text: str) -> str:
            return text if len(text) <= 160 else text[:157] + "..."

        head = self.header
        title = html.escape(f"{head.domain} trace: {head.scenario or '(no scenario)'} - {len(self)} events")
        rows = []
        for e in self._events[:200]:
            cells = (
                str(e.seq),
                f"{e.t:g}",
                str(e.kind),
                e.name,
                e.actor,
                e.subject,
                e.result_name or ("" if e.result is None else str(e.result)),
                short(args_text(e.args, e.name)),
            )
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        more = f"<p>… {len(self) - 200} more events</p>" if len(self) > 200 else ""
        heads = "".join(
            f"<th>{h}</th>" for h in ("seq", "t (ms)", "kind", "name", "actor", "subject", "result", "args")
        )
        return (
            f"<div class='labkit-trace {LITERAL}'><p><b>{title}</b></p><table><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{more}</div>"
        )


# --------------------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------------------


class MemorySink:
    """Keeps events in a list (the usual sink)."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []

    def emit(self, event: TraceEvent) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass


class JsonlFileSink:
    """Appends one JSON line per event and flushes it, so a killed writer loses at most one line.

    The file is created with the header line; an existing file is refused unless ``force``.
    """

    def __init__(self, path: str | os.PathLike[str], header: TraceHeader, *, force: bool = False) -> None:
        self.path = Path(path)
        mode = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
        try:
            self._fd: int | None = os.open(self.path, mode, 0o666)
        except FileExistsError:
            raise OutputExistsError(
                f"{self.path}: file exists; pass force=True (--force) to overwrite it"
            ) from None
        self._write(_dumps(header.to_dict()) + "\n")

    def emit(self, event: TraceEvent) -> None:
        self._write(event.to_json() + "\n")

    def _write(self, line: str) -> None:
        # One unbuffered write per line: the line is in the kernel when emit returns, as a flush would
        # leave it, without the text and buffer layers of a file object. (ASCII only: see _dumps.)
        if self._fd is None:
            raise ValueError(f"{self.path}: the sink is closed")
        data = line.encode("ascii")
        written = os.write(self._fd, data)
        while written < len(data):  # a short write is rare (signal, full disk): finish the line
            written += os.write(self._fd, data[written:])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Sink:
    """What a sink looks like: `emit` gets every event in seq order, `close` ends recording."""

    def emit(self, event: TraceEvent) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - protocol
        raise NotImplementedError


class Tracer:
    """Records events with strictly increasing ``seq``, from any number of threads.

    ``clock`` gives the virtual time of an event when the caller does not pass ``t`` (a simulator passes
    ``lambda: env.now``). Sinks see events in ``seq`` order. `trace` is a snapshot of the memory sink.
    """

    def __init__(
        self,
        header: TraceHeader,
        *,
        sinks: Sequence[MemorySink | JsonlFileSink | Sink] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.header = header
        self._memory = MemorySink()
        self._sinks: list[MemorySink | JsonlFileSink | Sink] = [self._memory, *(sinks or ())]
        self._clock = clock or (lambda: 0.0)
        self._lock = threading.Lock()
        self._seq = 0
        self._last_t = 0.0

    def record(
        self,
        kind: Kind | str,
        name: str,
        *,
        actor: str,
        subject: str = "",
        args: Mapping[str, Any] | None = None,
        result: int | None = None,
        result_name: str | None = None,
        span: int | None = None,
        evidence: Evidence | str = Evidence.DOCUMENTED,
        state: StateChange | tuple[str | None, str] | None = None,
        ref: str | None = None,
        t: float | None = None,
    ) -> TraceEvent:
        """Record one event and return it. A ``call`` with no ``span`` opens its own span.

        ``result_name`` defaults to the SDK name of ``result`` in the trace's domain.
        """
        if kind.__class__ is not Kind:
            kind = Kind(kind)
        if evidence.__class__ is not Evidence:
            evidence = Evidence(evidence)
        if result is not None and result_name is None:
            result_name = winapi.error_name(result, self.header.domain)
        if isinstance(state, tuple):
            state = StateChange(*state)
        with self._lock:
            seq = self._seq
            now = float(self._clock() if t is None else t)
            if now < self._last_t:
                now = self._last_t  # threads may read the clock out of order; time never runs back
            event: TraceEvent = _UnfrozenEvent(  # in field order
                seq,
                now,
                kind,
                name,
                actor,
                subject,
                dict(args) if args else {},
                result,
                result_name,
                seq if span is None and kind is _CALL else span,
                evidence,
                state,
                ref,
            )
            event.__class__ = TraceEvent  # see _UnfrozenEvent
            # Advance first: a sink that fails (disk full) raises to the caller, and the next event
            # must still get a new seq rather than repeat this one in the sinks that did take it.
            self._seq = seq + 1
            self._last_t = now
            for sink in self._sinks:
                sink.emit(event)
        return event

    @property
    def trace(self) -> Trace:
        with self._lock:
            return Trace(self.header, self._memory.events)

    def close(self) -> Trace:
        """Close every sink and return the trace."""
        with self._lock:
            for sink in self._sinks:
                sink.close()
        return self.trace


# --------------------------------------------------------------------------------------------------------
# Reading and validation
# --------------------------------------------------------------------------------------------------------

_EVENT_FIELDS = frozenset(
    {
        "seq",
        "t",
        "kind",
        "name",
        "actor",
        "subject",
        "args",
        "result",
        "result_name",
        "span",
        "evidence",
        "state",
        "ref",
    }
)
_REQUIRED_FIELDS = ("seq", "t", "kind", "name", "actor", "subject", "args", "evidence")
_HEADER_FIELDS = frozenset({"format", "version", "domain", "scenario", "params", "labkit"})
_KINDS = frozenset(k.value for k in Kind)
_EVIDENCE = frozenset(e.value for e in Evidence)
_MAX_T = 1e15
_BOM = b"\xef\xbb\xbf"
_SKIP_BYTES = 1 << 20
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Bad(Exception):
    """One problem in one field of one line (internal to the reader)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class _NotJson(_Bad):
    """The line is not one JSON value (at the end of a file: the writer was cut off)."""


def _show(value: Any, limit: int = 60) -> str:
    """A value for a message, spelled as in the file (every control character escaped: one line), cut to
    ``limit``; an object or array only by its type (it may be nested too deep to print)."""
    if isinstance(value, dict | list):
        return _json_type(value)
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fits_64_bits(value: int) -> bool:
    return _MIN_INT <= value <= _MAX_INT


def _field_label(key: str) -> str:
    """A JSON key as the field part of a problem: plain keys as they are, odd ones quoted and cut."""
    return key if key.isidentifier() and len(key) <= 40 else _show(key, 40)


def _reject_constant(token: str) -> Any:
    raise _Bad(f"{token} is not a number JSON allows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:  # pragma: no branch - a repeated key is certain here
            if key in seen:
                raise _Bad(f"key {_show(key, 40)} appears twice in one object")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def _decode_json(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise _NotJson(f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Invalid control character at"
        raise _NotJson(f"not valid JSON ({what} at column {exc.colno})") from None
    except ValueError:
        # int() refuses to convert more than sys.get_int_max_str_digits() digits (a guard against
        # quadratic-time parsing); such a number cannot be a trace value anyway.
        raise _Bad("a number with thousands of digits (an integer must fit in 64 bits)") from None


def _decode_line(body: bytes) -> Any:
    """The JSON value of one line (without its line end); `_Bad` says what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(f"not valid UTF-8 (byte {body[exc.start]:#04x} at column {exc.start + 1})") from None
    nul = text.find("\0")
    if nul >= 0:
        raise _Bad(f"contains a NUL byte at column {nul + 1} (a binary file, or a damaged disk block?)")
    if not text.strip():
        raise _Bad("empty line" if not text else "blank line (only whitespace)")
    if text.startswith("\ufeff"):
        raise _Bad(
            "starts with a UTF-8 byte order mark (BOM), which only the start of a file may have: "
            "were files joined?"
        )
    obj = _decode_json(text)
    if _SURROGATE_ESCAPE.search(text):
        _check_surrogates(obj)
    return obj


def _check_surrogates(obj: Any) -> None:
    """Refuse lone UTF-16 surrogates (``"\\ud800"``): JSON lets them through, but they are not characters
    and cannot be printed or written as UTF-8."""
    items = obj.items() if isinstance(obj, dict) else [(None, obj)]
    for key, value in items:
        try:
            json.dumps([key, value], ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(exc.object[exc.start])
            raise _Bad(
                f"lone UTF-16 surrogate \\u{code:04x} (half of a character; not valid Unicode)",
                None if key is None else _field_label(key),
            ) from None


def _check_depth_and_numbers(value: Any, field_name: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise _Bad(f"nested more than {MAX_DEPTH} levels deep", field_name)
    if isinstance(value, dict):
        for item in value.values():
            _check_depth_and_numbers(item, field_name, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth_and_numbers(item, field_name, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise _Bad("number too large to represent", field_name)
    elif isinstance(value, int) and not isinstance(value, bool) and not _fits_64_bits(value):
        raise _Bad(f"integer {_show(value, 30)} does not fit in 64 bits", field_name)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is not None and not _is_int(value):
        raise _Bad(f"must be an integer or null, not {_json_type(value)}", key)
    if value is not None and not _fits_64_bits(value):
        raise _Bad(f"integer {_show(value, 30)} does not fit in 64 bits", key)
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _Bad(f"must be a string or null, not {_json_type(value)}", key)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_header(obj: Any) -> TraceHeader:
    """Validate a decoded header object; raises `_Bad` with the first problem."""
    if not isinstance(obj, dict):
        raise _Bad(f"the header must be a JSON object, not {_json_type(obj)}")
    if obj.get("format") != FORMAT:
        if "seq" in obj and "kind" in obj:
            raise _Bad("the file has no header: line 1 is an event; a trace starts with a header line")
        raise _Bad(f"not a labkit trace: format is {_show(obj.get('format'))}, expected {FORMAT!r}", "format")
    version = obj.get("version")
    if not _is_int(version):
        raise _Bad(f"must be an integer, not {_json_type(version)}", "version")
    if version != VERSION:
        raise _Bad(
            f"trace format version {_show(version, 30)} is not supported; "
            f"this labkit reads version {VERSION}",
            "version",
        )
    unknown = sorted(set(obj) - _HEADER_FIELDS)
    if unknown:
        raise _Bad("unknown header field (not part of format version 1)", _field_label(unknown[0]))
    domain = obj.get("domain")
    if domain not in winapi.DOMAINS:
        raise _Bad(f"must be one of {', '.join(winapi.DOMAINS)}, not {_show(domain)}", "domain")
    scenario = obj.get("scenario", "")
    if not isinstance(scenario, str):
        raise _Bad(f"must be a string, not {_json_type(scenario)}", "scenario")
    params = obj.get("params", {})
    if not isinstance(params, dict):
        raise _Bad(f"must be an object, not {_json_type(params)}", "params")
    _check_depth_and_numbers(params, "params")
    labkit_version = obj.get("labkit", "")
    if not isinstance(labkit_version, str):
        raise _Bad(f"must be a string, not {_json_type(labkit_version)}", "labkit")
    return TraceHeader(
        domain=domain, scenario=scenario, params=params, labkit=labkit_version, version=version
    )


def parse_event(obj: Any) -> TraceEvent:
    """Validate a decoded event object (fields and types only); raises `_Bad` with the first problem."""
    if not isinstance(obj, dict):
        raise _Bad(f"an event must be a JSON object, not {_json_type(obj)}")
    if obj.get("format") == FORMAT:
        raise _Bad("a second header line: were two traces joined into one file? (one trace per file)")
    missing = [k for k in _REQUIRED_FIELDS if k not in obj]
    if missing:
        raise _Bad("missing required field", missing[0])
    unknown = sorted(set(obj) - _EVENT_FIELDS)
    if unknown:
        raise _Bad("unknown field (not part of format version 1)", _field_label(unknown[0]))
    seq, t = obj["seq"], obj["t"]
    if not _is_int(seq):
        raise _Bad(f"must be an integer, not {_json_type(seq)}", "seq")
    if not 0 <= seq <= _MAX_INT:
        raise _Bad(f"must be between 0 and 2**63-1, not {_show(seq, 30)}", "seq")
    if isinstance(t, bool) or not isinstance(t, int | float):
        raise _Bad(f"must be a number of milliseconds, not {_json_type(t)}", "t")
    if t == math.inf:
        raise _Bad("number too large to represent", "t")  # a literal like 1e999 decodes to infinity
    if not 0 <= t <= _MAX_T:
        raise _Bad(f"must be between 0 and 1e15 ms, not {_show(t, 30)}", "t")
    kind = obj["kind"]
    if not isinstance(kind, str) or kind not in _KINDS:  # an array or object is not even hashable
        raise _Bad(f"must be one of {', '.join(sorted(_KINDS))}, not {_show(kind)}", "kind")
    for key in ("name", "actor"):
        if not isinstance(obj[key], str):
            raise _Bad(f"must be a non-empty string, not {_json_type(obj[key])}", key)
        if not obj[key]:
            raise _Bad("must not be empty", key)
    if not isinstance(obj["subject"], str):
        raise _Bad(f"must be a string, not {_json_type(obj['subject'])}", "subject")
    args = obj["args"]
    if not isinstance(args, dict):
        raise _Bad(f"must be an object, not {_json_type(args)}", "args")
    _check_depth_and_numbers(args, "args")
    for key, flag_type in winapi.FLAG_ARGUMENTS.items():
        value = args.get(key)
        if value is None:
            continue
        if not _is_int(value):
            raise _Bad(f"{key} must be an integer (a set of flag bits), not {_json_type(value)}", "args")
        if value < 0:
            raise _Bad(f"{key} {value} is negative; a flag word is a set of bits", "args")
        if value & ~flag_type.mask():
            raise _Bad(
                f"{key} {_show(value, 30)} has bits outside the {flag_type.__name__} mask "
                f"{flag_type.mask():#x} ({value & ~flag_type.mask():#x} has no "
                f"{flag_type.sdk_prefix()}* name)",
                "args",
            )
    result = _opt_int(obj, "result")
    result_name = _opt_str(obj, "result_name")
    span = _opt_int(obj, "span")
    evidence = obj["evidence"]
    if not isinstance(evidence, str) or evidence not in _EVIDENCE:
        raise _Bad(f"must be one of {', '.join(sorted(_EVIDENCE))}, not {_show(evidence)}", "evidence")
    state = obj.get("state")
    change = None
    if state is not None:
        if not isinstance(state, dict) or set(state) != {"from", "to"}:
            raise _Bad('must be an object with exactly "from" and "to"', "state")
        if not isinstance(state["to"], str) or not (state["from"] is None or isinstance(state["from"], str)):
            raise _Bad('"to" must be a string and "from" a string or null', "state")
        change = StateChange(state["from"], state["to"])
    return TraceEvent(
        seq=seq,
        t=float(t),
        kind=Kind(kind),
        name=obj["name"],
        actor=obj["actor"],
        subject=obj["subject"],
        args=args,
        result=result,
        result_name=result_name,
        span=span,
        evidence=Evidence(evidence),
        state=change,
        ref=_opt_str(obj, "ref"),
    )


def read_trace(path: str | os.PathLike[str], *, strict: bool = True) -> Trace:
    """Read and validate a trace file.

    A file as labkit writes it is read by the fast path (`labkit.fastread`); anything else, line by line
    here. Strict (the default): any problem raises `TraceFormatError` listing every problem as
    ``path:line: [field:] what is wrong`` (reading stops after `MAX_PROBLEMS`). Lenient
    (``strict=False``): returns every good event, with the problems in `Trace.problems`; only a file
    whose header cannot be read at all still raises.
    """
    from labkit.fastread import read_events  # numpy and msgspec load on the first read, not on import

    with gc_paused():
        fast = read_events(path)
    return Trace(*fast) if fast is not None else _read_exactly(path, strict=strict)


def _read_exactly(path: str | os.PathLike[str], *, strict: bool) -> Trace:
    """`read_trace` line by line, without the fast path: the reader that finds and explains problems."""
    with gc_paused(), open(path, "rb") as raw:
        header, events, problems = _read_lines(os.fspath(path), raw, strict=strict)
    if header is None or (strict and problems):
        raise TraceFormatError(problems)
    return Trace(header, events, problems)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds millions of small objects.

    None of them form reference cycles, yet every collection would walk all of them again: reading a
    million events spent most of its time there.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_lines(
    name: str, raw: IO[bytes], *, strict: bool = True
) -> tuple[TraceHeader | None, list[TraceEvent], list[TraceProblem]]:
    problems: list[TraceProblem] = []
    events: list[TraceEvent] = []
    header: TraceHeader | None = None
    last_seq: int | None = None
    last_t = 0.0
    lineno = 0
    crlf_reported = False
    unlisted = 0

    def problem(message: str, field_name: str | None = None) -> None:
        nonlocal unlisted
        if len(problems) < MAX_PROBLEMS:
            problems.append(TraceProblem(name, lineno, message, field_name))
        else:
            unlisted += 1

    for lineno, line in enumerate(_lines(raw), start=1):
        if strict and len(problems) >= MAX_PROBLEMS:
            problems.append(TraceProblem(name, lineno, f"stopped reading after {MAX_PROBLEMS} problems"))
            break
        if isinstance(line, int):
            problem(f"line is {line} bytes long; the limit is {MAX_LINE_BYTES} (not read)")
            if lineno == 1:
                break
            continue
        complete = line.endswith(b"\n")
        body = line[:-1] if complete else line
        if body.endswith(b"\r"):
            body = body[:-1]
            if not crlf_reported:
                problem("Windows line ending (CRLF); labkit writes LF only (read anyway)")
                crlf_reported = True
        if lineno == 1 and body.startswith(_BOM):
            problem("file starts with a UTF-8 byte order mark (BOM); labkit writes none (read anyway)")
            body = body[len(_BOM) :]
        try:
            obj = _decode_line(body)
            if lineno == 1:
                header = parse_header(obj)
                event = None
            else:
                event = parse_event(obj)
                if last_seq is not None and event.seq <= last_seq:
                    raise _Bad(
                        f"seq {event.seq} does not increase (previous event has seq {last_seq})"
                        if event.seq < last_seq
                        else f"seq {event.seq} repeats the previous event's",
                        "seq",
                    )
                if event.t < last_t:
                    raise _Bad(f"time goes backwards ({event.t:g} ms after {last_t:g} ms)", "t")
        except _Bad as bad:
            if isinstance(bad, _NotJson) and not complete:
                problem("truncated: the file ends in the middle of this line (was the writer killed?)")
            elif lineno == 1 and not body.strip():
                problem("line 1 is empty; a trace starts with a header line")
            elif lineno == 1 and bad.field is None and "header" not in bad.message:
                problem(f"cannot read the header, so this is not a labkit trace: {bad.message}")
            else:
                problem(bad.message, bad.field)
            if lineno == 1:
                break  # without a header nothing else in the file can be read
            continue
        if not complete:
            problem("no newline at the end of the file (was the writer killed? this last line is complete)")
        if event is not None:
            events.append(event)
            last_seq, last_t = event.seq, event.t
    if lineno == 0:
        lineno = 1
        problem("the file is empty; a trace starts with a header line")
    elif header is not None and not events and not problems:
        lineno = 1
        problem("the trace has a header but no events")
    if unlisted:
        problems.append(TraceProblem(name, lineno, f"... and {unlisted} more problems not listed"))
    return header, events, problems


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
