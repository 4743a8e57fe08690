"""What a timeline shows, before anything is drawn: its lanes, time window, state bars, call and fault
marks, the labels to place and the legend, as plain data.

`labkit.views.plots.timeline` draws a scene with matplotlib, `labkit.views.svg` writes it as SVG for the
explorers; both place labels with `place_labels` and name states with `bar_names`, so the two pictures
show the same things in the same places.
"""

from __future__ import annotations

import bisect
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from labkit import winapi
from labkit.exceptions import UnknownNameError
from labkit.readback.clock import WallClock, wall_clock
from labkit.readback.replay import SUBJECT_KINDS, Call, Replay, replay, subject_kind
from labkit.text import result_text
from labkit.trace import Kind, Trace, TraceEvent
from labkit.views.plots.style import (
    CALLBACK_COLOUR,
    CHAR_INCHES,
    COMPLETION_COLOUR,
    FAULT_COLOUR,
    HEALTH_COLOUR,
    HELPER_COLOUR,
    STATE_COLOURS,
    TIMEOUT_COLOUR,
    label_inches,
    state_colour,
)

MAX_LABELS = 150
"""The most marker labels a timeline writes."""
BAR = 0.2
"""Half-height of a state bar, in lane units (a lane is 1)."""
MIN_BAR = 0.003
"""Narrowest bar drawn, as a fraction of the time axis."""
MARK_Y = -BAR - 0.03
"""Where call markers sit, relative to their lane's centre (just above the bar)."""
HEALTH_CHECKS = ("LooksAlive", "IsAlive")
"""Calls drawn as thin ticks above their lane, never labelled: there may be thousands of them."""
TICK = (0.03, 0.15)
"""A health check's tick spans this far above the bar, in lane units."""
_HOST_SIDE = ("provider", "dll", "worker:")  # actors that make helper calls back into the host

Window = tuple[float, float]
"""A stretch of virtual time, ``(t0, t1)`` in ms."""


@dataclass(frozen=True, slots=True)
class Bar:
    """A state interval on its lane."""

    lane: int
    start: float
    end: float
    """Where the bar ends (at least `MIN_BAR` of the axis wide; open intervals run to the right edge)."""
    state: str
    inferred: bool
    """Known only from the ``from`` of the subject's first change: drawn hatched and paler."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A point on a lane: ``callback``, ``helper``, ``completion``, ``open_end`` (a pending call that never
    completed), ``fault``, ``timeout``, or a health check's tick: ``health``, ``health-false`` (it
    answered FALSE)."""

    t: float
    lane: int
    kind: str


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch on a lane: ``running`` (call → return) or ``pending`` (call → completion)."""

    start: float
    end: float
    lane: int
    kind: str
    y: float = MARK_Y
    """Where it runs, from the lane's centre (a blocking health check runs at its ticks' top)."""


@dataclass(frozen=True, slots=True)
class Label:
    """A marker's label, before placement."""

    t: float
    lane: int
    text: str
    colour: str
    rank: int
    """Lower is placed first: faults, then callbacks, helpers, completions."""
    below: bool = False
    """Completion codes go under the bar."""


@dataclass(frozen=True, slots=True)
class Placed:
    """A label where it is written: ``row`` 0 and 1 above the bar, 2 below; ``flip``: it ends at its
    marker instead of starting there (it would leave the axes on the right)."""

    label: Label
    row: int
    flip: bool

    @property
    def y(self) -> float:
        """The text's anchor in lane units (its baseline side sits on the bar)."""
        lane = self.label.lane
        return lane + BAR + 0.06 if self.row == 2 else lane - BAR - 0.07 - 0.17 * self.row


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: ``key`` is ``state`` (a coloured patch) or a mark kind of `MARK_LEGEND`."""

    key: str
    label: str
    colour: str


MARK_LEGEND: dict[str, tuple[str, str]] = {
    # mark: (label, colour) — the legend's order
    "callback": ("callback (host → provider / DLL)", CALLBACK_COLOUR),
    "helper": ("helper call (provider / DLL → host)", HELPER_COLOUR),
    "running": ("routine running (call → return)", CALLBACK_COLOUR),
    "completion": ("asynchronous completion", COMPLETION_COLOUR),
    "health": ("health check (LooksAlive / IsAlive)", HEALTH_COLOUR),
    "health-false": ("health check answered FALSE", FAULT_COLOUR),
    "pending": ("call pending until completion", COMPLETION_COLOUR),
    "fault": ("fault", FAULT_COLOUR),
    "timeout": ("timeout", TIMEOUT_COLOUR),
}


@dataclass(frozen=True)
class TimelineScene:
    """Everything a timeline shows, in virtual ms and lane indices."""

    title: str
    lanes: tuple[str, ...]
    """Subjects, top to bottom (``""``: calls and faults about no subject)."""
    x_low: float
    x_high: float
    """The time axis."""
    bars: tuple[Bar, ...]
    """Bars entered by an event first, then inferred ones; within each, widest first (short bars on top)."""
    spans: tuple[Span, ...]
    marks: tuple[Mark, ...]
    labels: tuple[Label, ...]
    """Candidates for `place_labels`, in the window."""
    legend: tuple[LegendEntry, ...]
    cursor: float | None = None
    """Virtual ms of a cursor line, if any."""
    clock: WallClock | None = None
    """The logs' wall clock of a trace imported from them: its axis reads times of day."""

    @property
    def span_ms(self) -> float:
        return self.x_high - self.x_low


def timeline_scene(
    trace: Trace,
    *,
    subjects: Iterable[str] | None = None,
    lanes: str | Iterable[str] | None = None,
    window: Window | None = None,
    at: float | None = None,
    title: str | None = None,
) -> TimelineScene:
    """The scene of `labkit.views.plots.timeline` (see there for the arguments)."""
    history = replay(trace)
    chosen = select_lanes(history, subjects, lanes)
    lane_of = {s: i for i, s in enumerate(chosen)}
    t0 = history.start
    t1 = history.end if history.end > t0 else t0 + 1.0
    pad = (t1 - t0) * 0.02
    x_low, x_high = (t0 - pad, t1 + 2 * pad) if window is None else _checked(window)
    x_end = max(t1 + 2 * pad, x_high)  # open intervals run to the right edge: "still in it at the end"
    shown = [c for c in history.calls if c.call.subject in lane_of]
    calls = [c for c in shown if c.call.name not in HEALTH_CHECKS]
    faults = [e for e in trace.faults if e.subject in lane_of]
    bars = _bars(history, lane_of, x_low, x_high, x_end)
    spans, marks = _call_marks(calls, lane_of, t1)
    check_spans, ticks = _check_marks([c for c in shown if c.call.name in HEALTH_CHECKS], lane_of, t1)
    spans += check_spans
    marks += ticks + _fault_marks(faults, lane_of)
    spans = [s for s in spans if s.end >= x_low and s.start <= x_high]
    marks = [m for m in marks if x_low <= m.t <= x_high]
    labels = [lb for lb in _labels(calls, faults, lane_of, trace.domain) if x_low <= lb.t <= x_high]
    states = list(dict.fromkeys(b.state for b in bars))
    kinds = {m.kind for m in marks} | {s.kind for s in spans}
    return TimelineScene(
        title=title if title is not None else default_title(trace),
        lanes=tuple(chosen),
        x_low=x_low,
        x_high=x_high,
        bars=tuple(bars),
        spans=tuple(spans),
        marks=tuple(marks),
        labels=tuple(labels),
        legend=legend_entries(states, kinds),
        cursor=at,
        clock=wall_clock(trace),
    )


def _checked(window: Window) -> Window:
    t0, t1 = (float(v) for v in window)
    if not t1 > t0:
        raise ValueError(f"a time window runs from earlier to later: ({t0:g}, {t1:g}) does not")
    return t0, t1


def default_title(trace: Trace) -> str:
    head = trace.header
    return f"{head.domain} · {head.scenario or 'trace'} · {len(trace)} events"


# --------------------------------------------------------------------------------------------------------
# Lanes
# --------------------------------------------------------------------------------------------------------


def select_lanes(
    history: Replay, subjects: Iterable[str] | None = None, lanes: str | Iterable[str] | None = None
) -> list[str]:
    """The lanes: ``subjects`` in the order given; else every subject in order of first appearance (and a
    last lane for calls and faults about no subject), kept when it matches ``lanes``.

    ``lanes`` is a subject kind (``session``, ``lookup``, ``client``, ``provider``, ``resource``,
    ``group``, ``node``), a shell pattern on the subject (``session:1*``, ``*Disk*``), or several of these;
    a subject is kept when it matches any. A filter that keeps nothing raises `UnknownNameError`.
    """
    if subjects is not None:
        return list(dict.fromkeys(subjects))
    every = list(history.subjects)
    if any(not e.subject for e in history.trace if e.kind in (Kind.CALL, Kind.FAULT)):
        every.append("")
    if lanes is None:
        return every
    wanted = [lanes] if isinstance(lanes, str) else list(lanes)
    kept = [s for s in every if any(lane_matches(s, w) for w in wanted)]
    if not kept:
        kinds = list(dict.fromkeys(subject_kind(s) for s in every if s))
        raise UnknownNameError("lane filter", ", ".join(wanted), [*kinds, "or a pattern such as 'session:*'"])
    return kept


def lane_matches(subject: str, wanted: str) -> bool:
    """Whether a subject is of kind ``wanted`` or matches it as a shell pattern (case-sensitive)."""
    if wanted in SUBJECT_KINDS:
        return bool(subject) and subject_kind(subject) == wanted
    return fnmatch.fnmatchcase(subject, wanted)


def busy_subjects(history: Replay, window: Window) -> list[str]:
    """The subjects with an event inside ``window``, in order of first appearance in the trace."""
    times = [e.t for e in history.trace]
    low, high = bisect.bisect_left(times, window[0]), bisect.bisect_right(times, window[1])
    busy = {e.subject for e in history.trace[low:high] if e.subject}
    return [s for s in history.subjects if s in busy]


# --------------------------------------------------------------------------------------------------------
# Bars, marks, labels
# --------------------------------------------------------------------------------------------------------


def _bars(history: Replay, lane_of: dict[str, int], x_low: float, x_high: float, x_end: float) -> list[Bar]:
    narrowest = MIN_BAR * (x_high - x_low)
    out: list[Bar] = []
    for inferred in (False, True):
        part = []
        for i in history.intervals:
            if i.subject not in lane_of or (i.entered_by is None) != inferred:
                continue
            end = max(x_end if i.end is None else i.end, i.start + narrowest)
            if end >= x_low and i.start <= x_high:
                part.append(Bar(lane_of[i.subject], i.start, end, i.state, inferred))
        part.sort(key=lambda b: b.start - b.end)  # stable: widest first, so short bars end up on top
        out.extend(part)
    return out


def _call_marks(
    calls: Sequence[Call], lane_of: dict[str, int], t_end: float
) -> tuple[list[Span], list[Mark]]:
    """A marker per call; a running line while a routine runs; a pending link from a call to its
    completion, or to the end of the trace when it returned ERROR_IO_PENDING and never completed."""
    spans: list[Span] = []
    marks: list[Mark] = []
    for c in calls:
        lane = lane_of[c.call.subject]
        marks.append(Mark(c.call.t, lane, direction(c.call)))
        end = t_end if c.returned is None else c.returned.t
        if end > c.call.t:
            spans.append(Span(c.call.t, end, lane, "running"))
        if c.completed is not None:
            spans.append(Span(c.call.t, c.completed.t, lane, "pending"))
            marks.append(Mark(c.completed.t, lane, "completion"))
        elif c.returned is not None and c.returned.result == winapi.ERROR_IO_PENDING:
            spans.append(Span(c.call.t, t_end, lane, "pending"))
            marks.append(Mark(t_end, lane, "open_end"))
    return spans, marks


def _check_marks(
    checks: Sequence[Call], lane_of: dict[str, int], t_end: float
) -> tuple[list[Span], list[Mark]]:
    """Health checks (LooksAlive, IsAlive) as ticks just above their lane's bar, a FALSE answer as a taller
    red tick, a check that blocks as a running line at the ticks' top: hours of polls stay readable."""
    spans: list[Span] = []
    marks: list[Mark] = []
    for c in checks:
        lane = lane_of[c.call.subject]
        answer = c.returned.result if c.returned is not None else None
        marks.append(Mark(c.call.t, lane, "health-false" if answer == 0 else "health"))
        end = t_end if c.returned is None else c.returned.t
        if end > c.call.t:
            spans.append(Span(c.call.t, end, lane, "running", -BAR - TICK[1]))
    return spans, marks


def _fault_marks(faults: Sequence[TraceEvent], lane_of: dict[str, int]) -> list[Mark]:
    return [Mark(e.t, lane_of[e.subject], "timeout" if is_timeout(e) else "fault") for e in faults]


def is_timeout(event: TraceEvent) -> bool:
    return "Timeout" in event.name or "TimedOut" in event.name


def direction(call: TraceEvent) -> str:
    """``helper`` for a call the provider or DLL makes back into the host, else ``callback``."""
    return "helper" if call.actor.startswith(_HOST_SIDE) else "callback"


def _labels(
    calls: Sequence[Call], faults: Sequence[TraceEvent], lane_of: dict[str, int], domain: winapi.Domain
) -> list[Label]:
    out = [Label(e.t, lane_of[e.subject], e.name, FAULT_COLOUR, 0) for e in faults]
    for c in calls:
        helper = direction(c.call) == "helper"
        colour, rank = (HELPER_COLOUR, 2) if helper else (CALLBACK_COLOUR, 1)
        out.append(Label(c.call.t, lane_of[c.call.subject], c.call.name, colour, rank))
        if c.completed is not None:
            code = result_text(c.completed, domain)
            if code:
                out.append(Label(c.completed.t, lane_of[c.call.subject], code, COMPLETION_COLOUR, 3, True))
    return out


def place_labels(labels: Sequence[Label], x_low: float, x_high: float, inch: float) -> list[Placed]:
    """Labels next to their markers without overlaps: calls and faults in two rows above the bar,
    completion codes in one row below it. ``inch`` is the data units (ms) one inch of the axes spans.

    A label that finds no room is left out (the most important are placed first), a label that would
    leave the axes on the right ends at its marker instead, and at most `MAX_LABELS` are placed.
    """
    per_char = inch * CHAR_INCHES
    taken: dict[tuple[int, int], list[tuple[float, float]]] = {}  # (lane, row) → sorted extents
    placed: list[Placed] = []
    for label in sorted(labels, key=lambda lb: (lb.rank, lb.t)):
        if len(placed) >= MAX_LABELS:
            break
        width = inch * label_inches(label.text) + per_char * 1.2
        flip = label.t + width > x_high
        left, right = (label.t - width, label.t) if flip else (label.t - per_char * 0.6, label.t + width)
        for row in (2,) if label.below else (0, 1):
            extents = taken.setdefault((label.lane, row), [])
            k = bisect.bisect_left(extents, (left, right))
            if (k and extents[k - 1][1] > left) or (k < len(extents) and extents[k][0] < right):
                continue
            extents.insert(k, (left, right))
            placed.append(Placed(label, row, flip))
            break
    return placed


def bar_names(scene: TimelineScene, per_char: float, limit: int = 200) -> list[tuple[float, Bar, str]]:
    """The state names written inside bars wide enough to hold them (``per_char``: ms per average
    character), at most ``limit``: (centre of the visible part, bar, short name)."""
    out: list[tuple[float, Bar, str]] = []
    for bar in scene.bars:
        text = meaning(bar.state)
        if (bar.end - bar.start) < per_char * (len(text) + 2):
            continue
        out.append(((max(bar.start, scene.x_low) + min(bar.end, scene.x_high)) / 2, bar, text))
        if len(out) >= limit:
            break
    return out


# --------------------------------------------------------------------------------------------------------
# Legend
# --------------------------------------------------------------------------------------------------------


def meaning(state: str) -> str:
    """What a state means, whatever it belongs to: a resource's ``ClusterResourceOnline``, a group's
    ``ClusterGroupOnline`` (``Online`` in older traces) mean the same and share a colour."""
    return state.removeprefix("ClusterResource").removeprefix("ClusterGroup")


def legend_entries(states: Iterable[str], marks: set[str]) -> tuple[LegendEntry, ...]:
    """The states shown, one entry per meaning and colour (``ClusterResourceOnline / Online``), in the
    palette's order, then the kinds of mark shown."""
    order = {name: k for k, name in enumerate(STATE_COLOURS)}
    groups: dict[tuple[str, str], list[str]] = {}
    for state in sorted(states, key=lambda s: (order.get(s, len(order)), s)):
        groups.setdefault((meaning(state), state_colour(state)), []).append(state)
    entries = [LegendEntry("state", " / ".join(names), colour) for (_, colour), names in groups.items()]
    entries += [LegendEntry(mark, *MARK_LEGEND[mark]) for mark in MARK_LEGEND if mark in marks]
    return tuple(entries)
