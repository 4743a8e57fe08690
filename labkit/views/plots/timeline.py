"""The swimlane timeline: one lane per subject, state intervals as bars, calls, completions and faults as
marks with labels placed without overlaps."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit import winapi
from labkit.readback.replay import Call, Interval, Replay, replay
from labkit.text import result_text
from labkit.trace import Kind, Trace, TraceEvent
from labkit.views.plots.style import (
    CALLBACK_COLOUR,
    CHAR_INCHES,
    COMPLETION_COLOUR,
    FAULT_COLOUR,
    HEALTH_COLOUR,
    HELPER_COLOUR,
    LABEL_FONT,
    STATE_COLOURS,
    TIMEOUT_COLOUR,
    NotebookFigure,
    char_width,
    dress_axes,
    ink_on,
    label_inches,
    per_inch,
    plain,
    root_figure,
    side_legend,
    state_colour,
)

_HOST_SIDE = ("provider", "dll", "worker:")  # actors that make helper calls back into the host
HEALTH_CHECKS = ("LooksAlive", "IsAlive")
"""Calls drawn as thin ticks above their lane, never labelled: there may be thousands of them."""
_TICK = (0.03, 0.15)  # a health tick spans this far above the bar, in lane units
_MAX_LABELS = 150
_BAR = 0.2  # half-height of a state bar, in lane units (a lane is 1)
_MIN_BAR = 0.003  # narrowest bar drawn, as a fraction of the time axis
_LANE_INCHES = 0.75  # room for the bar, two rows of labels above it and one below


@dataclass(frozen=True)
class _Label:
    t: float
    lane: int
    text: str
    colour: str
    rank: int  # lower is placed first: faults, then callbacks, helpers, completions
    below: bool = False  # completion codes go under the bar


def timeline(
    trace: Trace,
    ax: Axes | None = None,
    *,
    subjects: Iterable[str] | None = None,
    labels: bool = True,
    legend: bool = True,
    at: float | None = None,
    title: str | None = None,
    width: float = 11.0,
) -> Figure:
    """One lane per subject: state intervals as bars coloured by state, callbacks and helper calls as
    labelled markers, asynchronous completions linked to their calls, faults and timeouts in red.

    ``subjects`` picks and orders the lanes (default: every subject, in order of first appearance);
    ``labels=False`` leaves out the marker labels (they are left out anyway when the lanes are too thin to
    hold text: pick fewer ``subjects`` or pass a taller ``ax``); ``at`` draws a cursor line at virtual time
    ``at`` (ms); ``width`` is the figure width in inches when no ``ax`` is given. Time runs in virtual ms;
    the axis reads in ms, s, min or h depending on the range.
    """
    history = replay(trace)
    lanes = _lanes(history, subjects)
    lane_of = {s: i for i, s in enumerate(lanes)}
    if ax is None:
        height = min(1.4 + _LANE_INCHES * max(len(lanes), 1), 24.0)
        ax = NotebookFigure(figsize=(width, height), layout="constrained").add_subplot()
    figure = root_figure(ax)
    t0 = history.start
    t1 = history.end if history.end > t0 else t0 + 1.0
    pad = (t1 - t0) * 0.02
    x_end = t1 + 2 * pad  # open intervals run to the right edge: "still in it when the trace ends"
    ax.set_xlim(t0 - pad, x_end)
    ax.set_ylim(max(len(lanes), 1) - 0.5, -0.62)
    lane_inches = ax.bbox.height / figure.dpi * 0.85 / max(len(lanes), 1)
    roomy = lane_inches >= 0.45  # thinner lanes cannot hold text: labels would pile onto each other
    size = min(1.0, lane_inches / 0.6) ** 2  # marker areas shrink with the lanes

    states = _draw_states(ax, history.intervals, lane_of, x_end, write_names=roomy)
    shown = [c for c in history.calls if c.call.subject in lane_of]
    calls = [c for c in shown if c.call.name not in HEALTH_CHECKS]
    checks = [c for c in shown if c.call.name in HEALTH_CHECKS]
    faults = [e for e in trace.faults if e.subject in lane_of]
    marks = _draw_calls(ax, calls, lane_of, t1, size) | _draw_faults(ax, faults, lane_of, size)
    marks |= _draw_checks(ax, checks, lane_of, t1)
    if at is not None:
        cursor_line(ax, at)
    dress_axes(ax, lanes, t1 - t0)
    ax.set_title(
        title if title is not None else _default_title(trace), loc="left", fontsize=10, parse_math=False
    )
    if legend:
        _legend(ax, states, marks)
    if labels and roomy:  # last: the room labels take is measured on the Axes as laid out beside the legend
        _draw_labels(ax, _labels(calls, faults, lane_of, trace.domain))
    return figure


def _lanes(history: Replay, subjects: Iterable[str] | None) -> list[str]:
    """The lanes: ``subjects`` in the order given, else every subject in order of first appearance and a
    last lane for calls and faults about no subject."""
    if subjects is not None:
        return list(dict.fromkeys(subjects))
    lanes = list(history.subjects)
    if any(not e.subject for e in history.trace if e.kind in (Kind.CALL, Kind.FAULT)):
        lanes.append("")
    return lanes


def cursor_line(ax: Axes, t: float) -> Line2D:
    """The dashed vertical line that marks virtual time ``t`` (ms) on a timeline; move it with
    ``line.set_xdata([t, t])`` instead of drawing the figure again."""
    line: Line2D = ax.axvline(t, color="#000000", linewidth=1.0, linestyle=(0, (2, 2)), zorder=6)
    return line


def _default_title(trace: Trace) -> str:
    head = trace.header
    return f"{head.domain} · {head.scenario or 'trace'} · {len(trace)} events"


def _draw_states(
    ax: Axes, intervals: Sequence[Interval], lane_of: dict[str, int], x_end: float, *, write_names: bool
) -> list[str]:
    """One PolyCollection for the intervals a state event entered, one (hatched, paler) for states known
    only from a ``from``. Every bar is at least `_MIN_BAR` of the axis wide and short bars are drawn last,
    so a 10 ms state in a 3 min trace still shows."""
    shown = [i for i in intervals if i.subject in lane_of]
    names = list(dict.fromkeys(i.state for i in shown))
    palette = np.array([to_rgba(state_colour(n)) for n in names]).reshape(-1, 4)
    index = {n: k for k, n in enumerate(names)}
    x_low, x_high = ax.get_xlim()
    for inferred in (False, True):
        part = [i for i in shown if (i.entered_by is None) == inferred]
        if not part:
            continue
        start = np.fromiter((i.start for i in part), float, len(part))
        end = np.fromiter((x_end if i.end is None else i.end for i in part), float, len(part))
        end = np.maximum(end, start + _MIN_BAR * (x_high - x_low))
        y = np.fromiter((lane_of[i.subject] for i in part), float, len(part))
        order = np.argsort(start - end, kind="stable")  # widest first: short bars end up on top
        verts = np.empty((len(part), 4, 2))
        verts[:, :, 0] = np.stack([start, start, end, end], axis=1)[order]
        verts[:, :, 1] = np.stack([y - _BAR, y + _BAR, y + _BAR, y - _BAR], axis=1)[order]
        colours = palette[np.fromiter((index[i.state] for i in part), int, len(part))[order]]
        ax.add_collection(
            PolyCollection(
                list(verts),
                facecolors=colours,
                edgecolors="white",
                linewidths=0.6 if len(part) < 2000 else 0.0,  # edges would blur thousands of thin bars
                zorder=2,
                hatch="///" if inferred else None,
                alpha=0.55 if inferred else 1.0,
                label="_states_inferred" if inferred else "_states",
            )
        )
        if write_names:
            _state_names_in_bars(ax, part, lane_of, x_end)
    return names


def _state_names_in_bars(ax: Axes, part: Sequence[Interval], lane_of: dict[str, int], t_end: float) -> None:
    """Write the state's short name inside bars wide enough to hold it (at most 200 of them)."""
    x_low, x_high = ax.get_xlim()
    per_char = char_width(ax, x_high - x_low)
    written = 0
    for interval in part:
        end = t_end if interval.end is None else interval.end
        text = interval.state.removeprefix("ClusterResource").removeprefix("ClusterGroup")
        if (end - interval.start) < per_char * (len(text) + 2) or written >= 200:
            continue
        centre = (max(interval.start, x_low) + min(end, x_high)) / 2
        ax.text(
            centre,
            lane_of[interval.subject],
            text,
            ha="center",
            va="center",
            fontsize=LABEL_FONT,
            color=ink_on(state_colour(interval.state)),
            parse_math=False,
            usetex=False,
            zorder=3,
            clip_on=True,
        )
        written += 1


def _draw_calls(
    ax: Axes, calls: Sequence[Call], lane_of: dict[str, int], t_end: float, size: float
) -> set[str]:
    """Call markers on top of the bars; a bold line while a routine runs; a dashed link from a call to its
    completion (the pending window), or to the end of the trace when it never completed."""
    marks: set[str] = set()
    top = -_BAR - 0.03
    running: list[list[tuple[float, float]]] = []
    pending: list[list[tuple[float, float]]] = []
    open_ends: list[tuple[float, float]] = []
    points: dict[str, tuple[list[float], list[float]]] = {"callback": ([], []), "helper": ([], [])}
    done_x: list[float] = []
    done_y: list[float] = []
    for c in calls:
        y = lane_of[c.call.subject] + top
        points[_direction(c.call)][0].append(c.call.t)
        points[_direction(c.call)][1].append(y)
        end = t_end if c.returned is None else c.returned.t
        if end > c.call.t:
            running.append([(c.call.t, y), (end, y)])
        if c.completed is not None:
            pending.append([(c.call.t, y), (c.completed.t, y)])
            done_x.append(c.completed.t)
            done_y.append(y)
        elif c.returned is not None and c.returned.result == winapi.ERROR_IO_PENDING:
            pending.append([(c.call.t, y), (t_end, y)])
            open_ends.append((t_end, y))
    if running:
        ax.add_collection(LineCollection(running, colors=CALLBACK_COLOUR, linewidths=3.0, zorder=4))
        marks.add("running")
    if pending:
        ax.add_collection(
            LineCollection(pending, colors=COMPLETION_COLOUR, linewidths=1.2, linestyles="--", zorder=4)
        )
        marks.add("pending")
    for direction, colour, marker in (("callback", CALLBACK_COLOUR, "v"), ("helper", HELPER_COLOUR, "^")):
        xs, ys = points[direction]
        if xs:
            ax.scatter(xs, ys, marker=marker, s=28 * size, color=colour, zorder=5, linewidths=0)
            marks.add(direction)
    if done_x:
        ax.scatter(done_x, done_y, marker="o", s=26 * size, color=COMPLETION_COLOUR, zorder=5, linewidths=0)
        marks.add("completion")
    if open_ends:
        xs, ys = [x for x, _ in open_ends], [y for _, y in open_ends]
        ax.scatter(xs, ys, marker=">", s=30 * size, color=COMPLETION_COLOUR, zorder=5)
    return marks


def _draw_checks(ax: Axes, checks: Sequence[Call], lane_of: dict[str, int], t_end: float) -> set[str]:
    """Health checks (LooksAlive, IsAlive) as thin ticks just above their lane's bar, a FALSE answer as a
    taller red tick, a check that blocks as a running line: hours of polls stay readable."""
    marks: set[str] = set()
    low, high = _TICK
    healthy: list[list[tuple[float, float]]] = []
    false: list[list[tuple[float, float]]] = []
    running: list[list[tuple[float, float]]] = []
    for c in checks:
        y = lane_of[c.call.subject] - _BAR
        answer = c.returned.result if c.returned is not None else None
        (false if answer == 0 else healthy).append([(c.call.t, y - low), (c.call.t, y - high)])
        end = t_end if c.returned is None else c.returned.t
        if end > c.call.t:
            running.append([(c.call.t, y - high), (end, y - high)])
    for part, colour, width, mark in (
        (healthy, HEALTH_COLOUR, 0.5, "health"),
        (false, FAULT_COLOUR, 1.6, "health-false"),
        (running, CALLBACK_COLOUR, 3.0, "running"),
    ):
        if part:
            ax.add_collection(LineCollection(part, colors=colour, linewidths=width, zorder=4))
            marks.add(mark)
    return marks


def _draw_faults(ax: Axes, faults: Sequence[TraceEvent], lane_of: dict[str, int], size: float) -> set[str]:
    """Faults as red crosses with a red stripe across their lane; timeouts with a dark dashed stripe."""
    marks: set[str] = set()
    for is_timeout, colour in ((False, FAULT_COLOUR), (True, TIMEOUT_COLOUR)):
        part = [e for e in faults if _is_timeout(e) == is_timeout]
        if not part:
            continue
        stripes = [[(e.t, lane_of[e.subject] - 0.5), (e.t, lane_of[e.subject] + 0.5)] for e in part]
        ax.add_collection(
            LineCollection(
                stripes,
                colors=colour,
                linewidths=1.4,
                linestyles="--" if is_timeout else "-",
                alpha=0.8,
                zorder=4,
            )
        )
        ax.scatter(
            [e.t for e in part],
            [lane_of[e.subject] for e in part],
            marker="X",
            s=70 * size,
            color=colour,
            edgecolors="white",
            linewidths=0.8,
            zorder=6,
        )
        marks.add("timeout" if is_timeout else "fault")
    return marks


def _is_timeout(event: TraceEvent) -> bool:
    return "Timeout" in event.name or "TimedOut" in event.name


def _direction(call: TraceEvent) -> str:
    return "helper" if call.actor.startswith(_HOST_SIDE) else "callback"


def _labels(
    calls: Sequence[Call], faults: Sequence[TraceEvent], lane_of: dict[str, int], domain: Any
) -> list[_Label]:
    out = [_Label(e.t, lane_of[e.subject], e.name, FAULT_COLOUR, 0) for e in faults]
    for c in calls:
        helper = _direction(c.call) == "helper"
        out.append(
            _Label(
                c.call.t,
                lane_of[c.call.subject],
                c.call.name,
                HELPER_COLOUR if helper else CALLBACK_COLOUR,
                2 if helper else 1,
            )
        )
        if c.completed is not None:
            code = result_text(c.completed, domain)
            if code:
                out.append(
                    _Label(c.completed.t, lane_of[c.call.subject], code, COMPLETION_COLOUR, 3, below=True)
                )
    return out


def _draw_labels(ax: Axes, candidates: list[_Label]) -> None:
    """Place labels next to their markers without overlaps: calls and faults in two rows above the bar,
    completion codes in one row below it. A label that finds no room is left out (the most important are
    placed first), a label that would leave the axes on the right ends at its marker instead, and at most
    `_MAX_LABELS` are drawn."""
    x_low, x_high = ax.get_xlim()
    inch = per_inch(ax, x_high - x_low, lay_out=True)
    per_char = inch * CHAR_INCHES
    taken: dict[tuple[int, int], list[tuple[float, float]]] = {}  # (lane, row) → sorted extents
    placed = 0
    for label in sorted(candidates, key=lambda lb: (lb.rank, lb.t)):
        if placed >= _MAX_LABELS:
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
            y = label.lane + _BAR + 0.06 if label.below else label.lane - _BAR - 0.07 - 0.17 * row
            ax.text(
                label.t,
                y,
                label.text,
                ha="right" if flip else "left",
                va="top" if label.below else "bottom",
                fontsize=LABEL_FONT,
                color=label.colour,
                parse_math=False,
                usetex=False,
                zorder=7,
                clip_on=True,
            )
            placed += 1
            break


_MARK_HANDLES: dict[str, tuple[str, str, str, Any]] = {
    # mark: (label, marker, colour, line style)
    "callback": ("callback (host → provider / DLL)", "v", CALLBACK_COLOUR, ""),
    "helper": ("helper call (provider / DLL → host)", "^", HELPER_COLOUR, ""),
    "running": ("routine running (call → return)", "", CALLBACK_COLOUR, "-"),
    "completion": ("asynchronous completion", "o", COMPLETION_COLOUR, ""),
    "health": ("health check (LooksAlive / IsAlive)", "|", HEALTH_COLOUR, ""),
    "health-false": ("health check answered FALSE", "|", FAULT_COLOUR, ""),
    "pending": ("call pending until completion", "", COMPLETION_COLOUR, "--"),
    "fault": ("fault", "X", FAULT_COLOUR, ""),
    "timeout": ("timeout", "X", TIMEOUT_COLOUR, "--"),
}


def _legend(ax: Axes, states: Sequence[str], marks: set[str]) -> None:
    order = {name: k for k, name in enumerate(STATE_COLOURS)}
    ordered = sorted(states, key=lambda s: (order.get(s, len(order)), s))
    handles: list[Any] = [
        Patch(facecolor=state_colour(s), edgecolor="white", label=plain(s)) for s in ordered
    ]
    for mark, (label, marker, colour, style) in _MARK_HANDLES.items():
        if mark in marks:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker or None,
                    color=colour,
                    linestyle=style or "none",
                    linewidth=3.0 if mark == "running" else 1.5,
                    label=label,
                )
            )
    side_legend(ax, handles)
