"""What a trace is made of: `TraceEvent` (one line), `TraceHeader` (line 1) and `Trace` (the immutable whole).

Conventions every simulator follows (views rely on them):

- ``call`` opens a span (``span`` = its own ``seq``); its ``return`` / ``complete`` carry that span.
- ``state`` events carry ``state={"from": old or None, "to": new}`` for their ``subject``.
- ``fault`` events name the rule broken in ``args["rule"]`` and the sheet section in ``ref``.
"""

from __future__ import annotations

import html
import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, make_dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from labkit import winapi
from labkit._version import __version__
from labkit.exceptions import TraceProblem
from labkit.text import LITERAL, args_text
from labkit.trace.encode import MIDDLES, args_json, dumps, middle, string
from labkit.trace.files import write_new
from labkit.trace.vocab import FORMAT, VERSION, Evidence, Kind

if TYPE_CHECKING:
    import pandas as pd


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
    evidence: Evidence = field(kw_only=True)
    """What this behaviour rests on. Required, by keyword: no event is documented by default."""
    state: StateChange | None = None
    """For ``state`` events: the transition."""
    ref: str | None = None
    """The rule a simulated event follows (``nspv2.rundown-receives-startup-arg``, `labkit.trace.rules`),
    or where an imported event came from (``FILE:LINE``)."""

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
            return dumps(self.to_dict())  # unusual types: let the encoder decide (and refuse NaN)
        # Hot path of every file sink: the kind / name / actor / subject part repeats, so it is cached.
        text_middle = MIDDLES.get((self.kind, self.name, self.actor, self.subject))
        if text_middle is None:
            text_middle = middle(self.kind, self.name, self.actor, self.subject)
        text = (
            f'{{"seq":{self.seq},"t":{t!r},{text_middle}"args":{args_json(self.args)},'
            f'"result":{"null" if result is None else result},'
            f'"result_name":{"null" if self.result_name is None else string(self.result_name)},'
            f'"span":{"null" if span is None else span},"evidence":"{self.evidence._value_}"'
        )
        if state is not None:
            old = "null" if state.old is None else string(state.old)
            text += f',"state":{{"from":{old},"to":{string(state.new)}}}'
        if self.ref is not None:
            text += f',"ref":{string(self.ref)}'
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
    labkit: str = __version__
    """labkit version that wrote it (this one, for a trace being recorded)."""
    version: int = VERSION
    """Format version."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "domain": self.domain,
            "scenario": self.scenario,
            "params": dict(self.params),
            "labkit": self.labkit,
        }


class Trace(Sequence[TraceEvent]):
    """An immutable, ordered sequence of events with its header.

    ``problems`` lists what a lenient read dropped (empty for traces that were recorded or read strictly).
    """

    __slots__ = ("__weakref__", "_events", "header", "problems")  # weakly referenced: readback's memo

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
        out.write(dumps(self.header.to_dict()) + "\n")
        for event in self._events:
            out.write(event.to_json() + "\n")

    def write(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the trace to ``path`` through a temporary file and a rename.

        An existing file is never overwritten unless ``force`` is true (`OutputExistsError`), not even one
        that appears while the trace is being written. If writing fails, the file at ``path`` (if any) is
        untouched and no temporary file is left behind.
        """
        return write_new(path, self._write_to, force=force)

    def to_frame(self) -> pd.DataFrame:
        """One row per event: seq, t, kind, name, actor, subject, args, result, result_name, span,
        evidence, state_from, state_to, ref (categoricals for repeated text, nullable ints).
        ``frame.attrs["problems"]`` holds the problems of a leniently read trace."""
        from labkit.trace.frame import frame_from_columns  # pandas loads on first use, not on import

        events = self._events
        frame = frame_from_columns(
            seq=[e.seq for e in events],
            t=[e.t for e in events],
            kind=[e.kind.value for e in events],
            name=[e.name for e in events],
            actor=[e.actor for e in events],
            subject=[e.subject for e in events],
            args=[dict(e.args) for e in events],
            result=[e.result for e in events],
            result_name=[e.result_name for e in events],
            span=[e.span for e in events],
            evidence=[e.evidence.value for e in events],
            state_from=[e.state.old if e.state else None for e in events],
            state_to=[e.state.new if e.state else None for e in events],
            ref=[e.ref for e in events],
        )
        frame.attrs["problems"] = self.problems
        return frame

    def _repr_html_(self) -> str:
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
