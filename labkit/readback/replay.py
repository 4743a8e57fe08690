"""Replay a trace: every subject's states as intervals, every call with its return and completion,
and a `Cursor` that answers "what was everything's state at event N / at time t".

Works on any trace that follows docs/trace-conventions.md, whichever domain recorded it. Everything here
is plain frozen data (no pandas): `labkit.views.tables`, `labkit.views.plots` and `labkit.views.export`
render it. A trace is replayed once, however many views ask (`labkit.readback.memo`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from labkit.readback.memo import remembered
from labkit.trace import Kind, Trace, TraceEvent

SUBJECT_KINDS = ("provider", "client", "session", "lookup", "group", "node", "monitor", "resource")
"""The kinds of subject, from the subject's prefix (``session:``, ``lookup:``, ``client:``…); a bare name
is a resource."""


def subject_kind(subject: str) -> str:
    """``session`` for ``session:42``, ``lookup`` for ``lookup:0x1001``; a bare name is a ``resource``."""
    prefix, colon, _ = subject.partition(":")
    return prefix if colon and prefix in SUBJECT_KINDS else "resource"


@dataclass(frozen=True, slots=True)
class Interval:
    """One stretch of time a subject spent in one state."""

    subject: str
    """The session, lookup, resource, group, node or provider (trace `subject`)."""
    state: str
    """The state it was in (the `to` of the event that entered it)."""
    start: float
    """Virtual ms when it entered the state."""
    end: float | None
    """Virtual ms when it left the state; None when it was still in it at the end of the trace."""
    entered_by: TraceEvent | None
    """The state event that entered it; None when the state is known only from the ``from`` of the
    subject's first change (the subject was already in it when the trace starts)."""
    left_by: TraceEvent | None
    """The state event that left it; None when it was still in it at the end of the trace."""

    @property
    def kind(self) -> str:
        """The subject's kind (`subject_kind`)."""
        return subject_kind(self.subject)

    @property
    def duration(self) -> float | None:
        """``end - start``; None while the interval is open."""
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True, slots=True)
class Call:
    """A ``call`` event with the ``return`` and ``complete`` that carry its span (first of each)."""

    call: TraceEvent
    """The call; its span is its own seq."""
    returned: TraceEvent | None
    """The first return with the call's span after it; None when the routine never returned."""
    completed: TraceEvent | None
    """The first completion with the call's span after it; None for synchronous (or unfinished) calls."""

    @property
    def duration(self) -> float | None:
        """Virtual ms from the call to its return; None when it never returned."""
        return None if self.returned is None else self.returned.t - self.call.t

    @property
    def completed_after(self) -> float | None:
        """Virtual ms from the call to its completion; None when it did not complete."""
        return None if self.completed is None else self.completed.t - self.call.t


def pair_calls(trace: Iterable[TraceEvent]) -> list[Call]:
    """Every call in trace order, paired with its return and completion by span."""
    opened: dict[int, TraceEvent] = {}
    returns: dict[int, TraceEvent] = {}
    completes: dict[int, TraceEvent] = {}
    for event in trace:
        if event.kind is Kind.CALL:
            opened.setdefault(event.seq, event)
        elif event.span is not None and event.span in opened:
            if event.kind is Kind.RETURN:
                returns.setdefault(event.span, event)
            elif event.kind is Kind.COMPLETE:
                completes.setdefault(event.span, event)
    return [Call(call, returns.get(seq), completes.get(seq)) for seq, call in opened.items()]


@dataclass(frozen=True)
class Replay:
    """The state history of a trace: built by `replay`, read through `intervals`, `of` and `cursor`."""

    trace: Trace
    """The trace replayed."""
    intervals: tuple[Interval, ...]
    """Every interval, ordered by the event that entered it (intervals known from a ``from`` first)."""
    subjects: tuple[str, ...]
    """Every non-empty subject the trace mentions, in order of first appearance."""
    entered_at: tuple[int, ...]
    """For each interval, the index in the trace of the event that entered it (-1: before the trace)."""

    @property
    def calls(self) -> tuple[Call, ...]:
        """Every call of the trace with its return and completion (`pair_calls`, worked out once)."""
        return remembered(self.trace, "calls", lambda trace: tuple(pair_calls(trace)))

    def of(self, subject: str) -> tuple[Interval, ...]:
        """The intervals of one subject, in time order."""
        return tuple(i for i in self.intervals if i.subject == subject)

    def cursor(self) -> Cursor:
        """A cursor before the first event (only states known from a ``from`` are set)."""
        return Cursor(self)

    @property
    def start(self) -> float:
        """Virtual ms of the first event (0 for an empty trace)."""
        return self.trace[0].t if len(self.trace) else 0.0

    @property
    def end(self) -> float:
        """Virtual ms of the last event (0 for an empty trace)."""
        return self.trace[-1].t if len(self.trace) else 0.0


def replay(trace: Trace) -> Replay:
    """Turn the trace's ``state`` events into per-subject intervals.

    Each state event closes the subject's current interval and opens one in its ``to`` state. When a
    subject's first state event says where it came ``from``, the subject was already in that state when the
    trace began: that interval starts at the first event and has no ``entered_by``. A ``from`` that
    disagrees with the current state is trusted less than the events before it (``labkit check`` reports it).

    The work is done once per trace: asking again for the same trace object returns the same history.
    """
    intervals, subjects, entered_at = remembered(trace, "replay", _work_out)
    return Replay(trace=trace, intervals=intervals, subjects=subjects, entered_at=entered_at)


_History = tuple[tuple[Interval, ...], tuple[str, ...], tuple[int, ...]]


def _work_out(trace: Trace) -> _History:
    """The replay's intervals, subjects and entry positions (no reference to the trace: it is memoised)."""
    start = trace[0].t if len(trace) else 0.0
    subjects: dict[str, None] = {}
    stated: set[str] = set()
    open_now: dict[str, tuple[int, Interval]] = {}
    done: list[tuple[int, int, Interval]] = []  # (entered at, order, interval): order keeps ties stable
    order = 0

    def close(subject: str, event: TraceEvent | None) -> None:
        nonlocal order
        if subject in open_now:
            at, interval = open_now.pop(subject)
            end = None if event is None else event.t
            done.append((at, order, _replace_end(interval, end, event)))
            order += 1

    for index, event in enumerate(trace):
        if event.subject:
            subjects.setdefault(event.subject, None)
        if event.kind is not Kind.STATE:
            continue
        subject = event.subject
        old, new = (event.state.old, event.state.new) if event.state else (None, event.name)
        if subject not in stated and old is not None:
            open_now[subject] = (-1, Interval(subject, old, start, None, None, None))
        stated.add(subject)
        close(subject, event)
        open_now[subject] = (index, Interval(subject, new, event.t, None, event, None))
    for subject in list(open_now):
        close(subject, None)
    done.sort(key=lambda item: (item[0], item[1]))
    return tuple(i for _, _, i in done), tuple(subjects), tuple(at for at, _, _ in done)


def _replace_end(interval: Interval, end: float | None, left_by: TraceEvent | None) -> Interval:
    return Interval(interval.subject, interval.state, interval.start, end, interval.entered_by, left_by)


class Cursor:
    """A position in a replayed trace and every subject's state there.

    Positions are indices into the trace: at position N, events 0…N have happened; position -1 is before
    the first event. `forward` / `back` step incrementally; `seek` jumps (O(subjects · log n) for a long
    jump, stepping for a short one); `seek_time` and `seek_seq` find the position first by bisection.
    """

    def __init__(self, history: Replay) -> None:
        self.history = history
        self._times = [e.t for e in history.trace]
        self._seqs = [e.seq for e in history.trace]
        by_subject: dict[str, list[int]] = {}
        for k, interval in enumerate(history.intervals):
            by_subject.setdefault(interval.subject, []).append(k)
        self._by_subject = by_subject
        self._entries = {s: [history.entered_at[k] for k in ks] for s, ks in by_subject.items()}
        self._entering: dict[int, int] = {at: k for k, at in enumerate(history.entered_at) if at >= 0}
        self._previous: dict[int, int] = {}
        for ks in by_subject.values():
            for before, after in itertools.pairwise(ks):
                self._previous[after] = before
        self._current: dict[str, int] = {}
        self._position = -1
        self._rebuild(-1)

    def __repr__(self) -> str:
        return f"<Cursor at {self._position} of {len(self._times)} events, {len(self._current)} subjects>"

    @property
    def position(self) -> int:
        """Index of the last event that has happened (-1: none yet)."""
        return self._position

    @property
    def event(self) -> TraceEvent | None:
        """The event at the position (None before the first)."""
        return self.history.trace[self._position] if self._position >= 0 else None

    @property
    def t(self) -> float:
        """Virtual ms at the position (the trace's start before the first event)."""
        return self._times[self._position] if self._position >= 0 else self.history.start

    @property
    def intervals(self) -> dict[str, Interval]:
        """Each subject that is in a state at the position → the interval it is in."""
        return {s: self.history.intervals[k] for s, k in self._current.items()}

    @property
    def states(self) -> dict[str, str]:
        """Each subject that is in a state at the position → that state's name."""
        return {s: self.history.intervals[k].state for s, k in self._current.items()}

    def state(self, subject: str) -> str | None:
        """The state of one subject at the position; None when it has none (yet)."""
        k = self._current.get(subject)
        return None if k is None else self.history.intervals[k].state

    def forward(self, steps: int = 1) -> Cursor:
        """Apply the next ``steps`` events (stops at the last event)."""
        for _ in range(min(steps, len(self._times) - 1 - self._position)):
            self._position += 1
            k = self._entering.get(self._position)
            if k is not None:
                self._current[self.history.intervals[k].subject] = k
        return self

    def back(self, steps: int = 1) -> Cursor:
        """Undo the last ``steps`` events (stops before the first event)."""
        for _ in range(min(steps, self._position + 1)):
            k = self._entering.get(self._position)
            if k is not None:
                subject = self.history.intervals[k].subject
                if k in self._previous:
                    self._current[subject] = self._previous[k]
                else:
                    del self._current[subject]
            self._position -= 1
        return self

    def seek(self, position: int) -> Cursor:
        """Go to a position (-1 … len(trace)-1; out-of-range positions are clamped)."""
        position = max(-1, min(position, len(self._times) - 1))
        distance = position - self._position
        if abs(distance) <= max(64, len(self._by_subject)):
            return self.forward(distance) if distance >= 0 else self.back(-distance)
        self._rebuild(position)
        return self

    def seek_time(self, t: float) -> Cursor:
        """Go to the last event at or before virtual time ``t`` (ms)."""
        return self.seek(bisect.bisect_right(self._times, t) - 1)

    def seek_seq(self, seq: int) -> Cursor:
        """Go to the last event whose seq is at most ``seq``."""
        return self.seek(bisect.bisect_right(self._seqs, seq) - 1)

    def _rebuild(self, position: int) -> None:
        self._current = {}
        for subject, entries in self._entries.items():
            n = bisect.bisect_right(entries, position)
            if n:
                self._current[subject] = self._by_subject[subject][n - 1]
        self._position = position
