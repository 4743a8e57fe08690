"""What the NSPv2 session lifecycle shows, before anything is drawn: per session its life bar, lookups,
routine marks, the session argument's thread, the crash and the faults, as plain data in virtual ms and
lane units. `labkit.views.plots.session_lifecycle` draws it with matplotlib, `labkit.views.svg` as SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from labkit.readback.sessions import Session, sessions
from labkit.text import arg_text, counted
from labkit.trace import Kind, Trace, TraceEvent
from labkit.views.plots.style import (
    ARG_COLOUR,
    CRASH_COLOUR,
    ENDING_COLOURS,
    FAULT_COLOUR,
    LOOKUP_COLOUR,
    ROUTINE_MARKS,
    plural,
    short,
)

LOOKUP_ROWS = 3
"""Overlapping lookups of one session share this many thin rows under its bar."""
ENDING_LABELS = {  # in the legend's order
    "Cleanup": "session ended by NSPv2Cleanup",
    "Rundown": "session ended by NSPv2ClientSessionRundown",
    "both": "session ended by Rundown and Cleanup",
    "leaked": "session leaked (provider kept its state)",
    "orphaned": "session orphaned (provider never told)",
    "not told": "session ended with nothing to call (Startup failed)",
    "still open": "session still open",
}
LIFE_BAR = (-0.27, 0.18)
"""The life bar's top and height, in lane units from the lane's centre."""
ARG_Y = -0.4
"""The session argument's thread, from the lane's centre."""


@dataclass(frozen=True)
class LifeLane:
    """One client session's lane."""

    lane: int
    session: Session
    name: str
    """The lane's name: session and provider on two lines."""
    start: float
    end: float
    colour: str
    """How it ended (`ENDING_COLOURS`)."""
    lookups: tuple[tuple[float, float, float], ...]
    """Each lookup as (opened, closed, y)."""
    thread: tuple[float, float]
    """The session argument's thread, from Startup to its last use."""
    leaked_to: float | None
    """Where the dashed thread of a leaked session ends (None when it did not leak)."""
    uses: tuple[tuple[float, bool, str], ...]
    """Each call that handed the argument back: (t, whether it matched, the value handed)."""
    caption: str
    """The text over the thread: ``session#1 → Rundown``."""
    crash: float | None
    """When the client process crashed."""
    faults: tuple[TraceEvent, ...]

    @property
    def y(self) -> float:
        return float(self.lane)


@dataclass(frozen=True)
class LegendLine:
    """One legend line: ``key`` is ``ending``, ``lookup``, a routine of `ROUTINE_MARKS`, ``argument``,
    ``mismatch``, ``crash`` or ``fault``."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class LifecycleScene:
    title: str
    lanes: tuple[LifeLane, ...]
    x_low: float
    x_high: float
    marks: dict[str, tuple[tuple[float, float], ...]]
    """Routine → (t, y) of each call, in `ROUTINE_MARKS` order."""
    legend: tuple[LegendLine, ...]

    @property
    def span_ms(self) -> float:
        return self.x_high - self.x_low


def lifecycle_scene(trace: Trace, *, title: str | None = None) -> LifecycleScene:
    """The scene of `labkit.views.plots.session_lifecycle`."""
    found = sessions(trace)
    t0 = trace[0].t if len(trace) else 0.0
    t1 = max(trace[-1].t if len(trace) else 0.0, t0 + 1.0)
    pad = (t1 - t0) * 0.02
    crashes = {
        e.subject: e.t
        for e in trace
        if e.kind is Kind.STATE and e.state is not None and e.state.new == "Crashed"
    }
    marks: dict[str, list[tuple[float, float]]] = {r: [] for r in ROUTINE_MARKS}
    lanes = [_lane(k, s, t1 + pad, crashes.get(s.client), marks) for k, s in enumerate(found)]
    head = trace.header
    return LifecycleScene(
        title=title
        if title is not None
        else f"{head.scenario or 'trace'} · {plural(len(found), 'client session')}",
        lanes=tuple(lanes),
        x_low=t0 - pad,
        x_high=t1 + 2 * pad,
        marks={r: tuple(points) for r, points in marks.items()},
        legend=_legend(lanes, marks),
    )


def _lane(
    lane: int,
    session: Session,
    t_end: float,
    crash: float | None,
    marks: dict[str, list[tuple[float, float]]],
) -> LifeLane:
    start = session.started_at if session.started_at is not None else t_end
    end = session.ended_at if session.ended_at is not None else t_end
    lookups = _lookup_rows(lane, session, t_end)
    lookup_y = {life.subject: y for life, (_, _, y) in zip(session.lookup_lives, lookups, strict=True)}
    unmatched = [(life.opened, lookup_y[life.subject]) for life in session.lookup_lives]
    for call in session.calls:
        if call.name not in marks:
            continue
        y = lookup_y.get(call.subject, lane - 0.18)
        if call.name == "NSPv2LookupServiceBegin":  # drawn where the lookup it opened starts
            k = next((k for k, (opened, _) in enumerate(unmatched) if opened >= call.t), None)
            if k is not None:
                y = unmatched.pop(k)[1]
        marks[call.name].append((call.t, y))
    last = session.last_use if session.last_use is not None else start
    arg = arg_text("pvClientSessionArg", session.session_arg)
    ends = " + ".join(c.name.removeprefix("NSPv2").replace("ClientSession", "") for c in session.ended_by)
    return LifeLane(
        lane=lane,
        session=session,
        name=f"{short(session.subject)}\n{short(session.provider)}",
        start=start,
        end=end,
        colour=ENDING_COLOURS[session.ended],
        lookups=tuple(lookups),
        thread=(start, last),
        leaked_to=t_end if session.ended == "leaked" else None,
        uses=tuple(
            (p.call.t, p.matches, arg_text("pvClientSessionArg", p.value)) for p in session.arg_passes
        ),
        caption=f"{arg} → {ends}" if ends else f"{arg} ({session.ended})",
        crash=crash,
        faults=session.faults,
    )


def _lookup_rows(lane: int, session: Session, t_end: float) -> list[tuple[float, float, float]]:
    """Each lookup as (opened, closed, y): overlapping lookups on separate rows under the life bar."""
    rows_end = [-math.inf] * LOOKUP_ROWS
    out = []
    for k, life in enumerate(session.lookup_lives):
        end = t_end if life.closed is None else life.closed
        row = next((r for r, free in enumerate(rows_end) if free <= life.opened), k % LOOKUP_ROWS)
        rows_end[row] = end
        out.append((life.opened, max(end, life.opened), lane + 0.02 + 0.14 * row))
    return out


def _legend(lanes: Sequence[LifeLane], marks: dict[str, list[tuple[float, float]]]) -> tuple[LegendLine, ...]:
    endings = {lane.session.ended for lane in lanes}
    out = [
        LegendLine("ending", label, ENDING_COLOURS[e]) for e, label in ENDING_LABELS.items() if e in endings
    ]
    if any(lane.lookups for lane in lanes):
        out.append(LegendLine("lookup", "lookup open (Begin → End)", LOOKUP_COLOUR))
    out += [LegendLine(r, r, colour) for r, (_, colour) in ROUTINE_MARKS.items() if marks[r]]
    if lanes:
        out.append(LegendLine("argument", "session argument: Startup → uses", ARG_COLOUR))
    if any(not matched for lane in lanes for _, matched, _ in lane.uses):
        out.append(LegendLine("mismatch", "another argument", FAULT_COLOUR))
    if any(lane.crash is not None for lane in lanes):
        out.append(LegendLine("crash", "client process crashed", CRASH_COLOUR))
    if any(lane.faults for lane in lanes):
        out.append(LegendLine("fault", "fault", FAULT_COLOUR))
    return tuple(out)


def fault_names(
    faults: Sequence[TraceEvent], per_char: float, x_high: float
) -> list[tuple[float, str, bool]]:
    """The faults' names next to their crosses, one text per instant (``CompletedTwice×2``): (t, text,
    whether it runs to the left of its cross). A name that would overlap the one before it is left out
    (the cross and the legend still show the fault)."""
    at: dict[float, list[str]] = {}
    for event in faults:
        at.setdefault(event.t, []).append(event.name)
    free_from = -math.inf
    out = []
    for t, names in sorted(at.items()):
        text = counted(names)
        width = per_char * (len(text) + 3)
        right = t + width > x_high  # near the right edge the text runs to the left
        if (t - width if right else t) < free_from:
            continue
        free_from = t if right else t + width
        out.append((t, text, right))
    return out
