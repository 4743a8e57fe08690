"""Pictures of traces (matplotlib): the swimlane timeline.

Functions return a `matplotlib.figure.Figure` and accept ``ax=`` to draw into an existing Axes. Figures are
made with `Figure` directly, never through pyplot, so nothing stays open and any backend (Agg too) works.
Every string that comes from a trace is drawn as plain text: no mathtext, ``$`` shows as ``$``.
"""

from __future__ import annotations

import bisect
import math
import zlib
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
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator

from labkit import winapi
from labkit.display import NO_SUBJECT, result_text, time_unit
from labkit.replay import Call, Interval, pair_calls, replay
from labkit.trace import Kind, Trace, TraceEvent

# One palette for every figure: a state always has the same colour (Okabe-Ito based, colour-blind safe).
# Running / up: greens and blues; waiting or pending: orange and yellow; ended in order: greys;
# ended abnormally: purple and red.
STATE_COLOURS: dict[str, str] = {
    # NSPv2 sessions, lookups, providers (docs/trace-conventions.md)
    "Started": "#009E73",
    "CleanedUp": "#999999",
    "RunDown": "#CC79A7",
    "Leaked": "#D55E00",
    "Open": "#56B4E9",
    "NextPending": "#E69F00",
    "Ended": "#C8C8C8",
    "Cancelled": "#F0E442",
    "Advertised": "#0072B2",
    "Unadvertised": "#DDDDDD",
    # cluster resources: CLUSTER_RESOURCE_STATE and the two pseudo-states
    "ClusterResourceOnline": "#009E73",
    "ClusterResourceOffline": "#999999",
    "ClusterResourceOfflinePending": "#E69F00",
    "ClusterResourceOnlinePending": "#56B4E9",
    "ClusterResourcePending": "#F0E442",
    "ClusterResourceFailed": "#D55E00",
    "ClusterResourceInitializing": "#0072B2",
    "ClusterResourceInherited": "#88CCEE",
    "ClusterResourceStateUnknown": "#555555",
    "ClusterResourceCannotComeOnlineOnThisNode": "#AA4499",
    "ClusterResourceCannotComeOnlineOnAnyNode": "#882255",
    # cluster groups
    "Online": "#009E73",
    "Moving": "#0072B2",
    "Queued": "#F0E442",
    "Offline": "#999999",
    "Failed": "#D55E00",
}
FALLBACK_COLOURS: tuple[str, ...] = (
    "#332288",
    "#117733",
    "#44AA99",
    "#DDCC77",
    "#661100",
    "#6699CC",
    "#AA4466",
    "#999933",
    "#4477AA",
    "#EE8866",
    "#BBCC33",
    "#77AADD",
)
"""Colours for states labkit does not know, picked by a stable hash of the state name."""

CALLBACK_COLOUR = "#1B2A49"
HELPER_COLOUR = "#00796B"
COMPLETION_COLOUR = "#6A3D9A"
FAULT_COLOUR = "#C62828"
TIMEOUT_COLOUR = "#8E0000"

_HOST_SIDE = ("provider", "dll", "worker:")  # actors that make helper calls back into the host
_LABEL_FONT = 7.0
_MAX_LABELS = 150
_BAR = 0.2  # half-height of a state bar, in lane units (a lane is 1)
_MIN_BAR = 0.003  # narrowest bar drawn, as a fraction of the time axis
_LANE_INCHES = 0.75  # room for the bar, two rows of labels above it and one below


def state_colour(state: str) -> str:
    """The colour of a state in every labkit figure (a fixed one for known states, else a stable pick)."""
    known = STATE_COLOURS.get(state)
    if known is not None:
        return known
    return FALLBACK_COLOURS[zlib.crc32(state.encode("utf-8")) % len(FALLBACK_COLOURS)]


def plain(text: str) -> str:
    """``text`` made safe for matplotlib text that may parse mathtext (tick labels, legends): ``$`` escaped,
    and a leading underscore kept (a legend would hide the entry)."""
    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


class _UnitLocator(Locator):
    """Ticks at round numbers of the display unit while the data stays in ms."""

    def __init__(self, per_unit: float) -> None:
        self.per_unit = per_unit
        self._inner = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10])

    def __call__(self) -> Sequence[float]:
        if self.axis is None:
            return []
        low, high = self.axis.get_view_interval()
        return self.tick_values(low, high)

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        ticks = self._inner.tick_values(vmin / self.per_unit, vmax / self.per_unit)
        return [float(v) * self.per_unit for v in ticks]


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
    if subjects is not None:
        lanes = list(dict.fromkeys(subjects))
    else:
        lanes = list(history.subjects)
        if any(not e.subject for e in trace if e.kind in (Kind.CALL, Kind.FAULT)):
            lanes.append("")  # calls and faults about no subject get a lane of their own, last
    lane_of = {s: i for i, s in enumerate(lanes)}
    if ax is None:
        height = min(1.4 + _LANE_INCHES * max(len(lanes), 1), 24.0)
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
    figure = _root_figure(ax)

    t0, t1 = history.start, history.end
    if t1 <= t0:
        t1 = t0 + 1.0
    pad = (t1 - t0) * 0.02
    x_end = t1 + 2 * pad  # open intervals run to the right edge: "still in it when the trace ends"
    ax.set_xlim(t0 - pad, x_end)
    ax.set_ylim(max(len(lanes), 1) - 0.5, -0.62)

    lane_inches = ax.bbox.height / figure.dpi * 0.85 / max(len(lanes), 1)
    roomy = lane_inches >= 0.45  # thinner lanes cannot hold text: labels would pile onto each other
    size = min(1.0, lane_inches / 0.6) ** 2  # marker areas shrink with the lanes

    states = _draw_states(ax, history.intervals, lane_of, x_end, write_names=roomy)
    calls = [c for c in pair_calls(trace) if c.call.subject in lane_of]
    faults = [e for e in trace.faults if e.subject in lane_of]
    marks = _draw_calls(ax, calls, lane_of, t1, size)
    marks |= _draw_faults(ax, faults, lane_of, size)
    if labels and roomy:
        _draw_labels(ax, _labels(calls, faults, lane_of, trace.domain))
    if at is not None:
        ax.axvline(at, color="#000000", linewidth=1.0, linestyle=(0, (2, 2)), zorder=6)

    _axes_dress(ax, lanes, t1 - t0)
    ax.set_title(plain(title if title is not None else _default_title(trace)), loc="left", fontsize=10)
    if legend:
        _legend(ax, states, marks)
    return figure


def _root_figure(ax: Axes) -> Figure:
    """The Figure an Axes is drawn in, through any SubFigures."""
    figure: Any = ax.get_figure()
    while not isinstance(figure, Figure):
        figure = figure.get_figure()
    return figure


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
    per_char = _char_width(ax, x_high - x_low)
    written = 0
    for interval in part:
        end = t_end if interval.end is None else interval.end
        text = interval.state.removeprefix("ClusterResource")
        if (end - interval.start) < per_char * (len(text) + 2) or written >= 200:
            continue
        centre = (max(interval.start, x_low) + min(end, x_high)) / 2
        ax.text(
            centre,
            lane_of[interval.subject],
            text,
            ha="center",
            va="center",
            fontsize=_LABEL_FONT,
            color=_ink_on(state_colour(interval.state)),
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
    per_char = _char_width(ax, x_high - x_low)
    taken: dict[tuple[int, int], list[tuple[float, float]]] = {}  # (lane, row) → sorted extents
    placed = 0
    for label in sorted(candidates, key=lambda lb: (lb.rank, lb.t)):
        if placed >= _MAX_LABELS:
            break
        width = per_char * (len(label.text) + 1.2)
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
                fontsize=_LABEL_FONT,
                color=label.colour,
                parse_math=False,
                usetex=False,
                zorder=7,
                clip_on=True,
            )
            placed += 1
            break


def _char_width(ax: Axes, x_range: float) -> float:
    """The width of one label character in data units (ms), from the Axes' width in inches."""
    width_in = ax.bbox.width / _root_figure(ax).dpi * 0.85  # layout shrinks the Axes for labels and legend
    return x_range * (_LABEL_FONT * 0.62 / 72.0) / max(width_in, 0.5)


def _axes_dress(ax: Axes, lanes: Sequence[str], span_ms: float) -> None:
    step = max(1, math.ceil(len(lanes) / 60))  # beyond 60 lanes, name every step-th one
    ticks = list(range(0, len(lanes), step))
    ax.set_yticks(ticks, [plain(_short(lanes[i] or NO_SUBJECT)) for i in ticks], fontsize=8)
    unit, per_unit = time_unit(span_ms)
    ax.xaxis.set_major_locator(_UnitLocator(per_unit))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x / per_unit:g}"))
    ax.set_xlabel(f"virtual time ({unit})", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#E6E6E6", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _short(subject: str, limit: int = 32) -> str:
    return subject if len(subject) <= limit else subject[: limit - 1] + "…"


_MARK_HANDLES: dict[str, tuple[str, str, str, Any]] = {
    # mark: (label, marker, colour, line style)
    "callback": ("callback (host → provider / DLL)", "v", CALLBACK_COLOUR, ""),
    "helper": ("helper call (provider / DLL → host)", "^", HELPER_COLOUR, ""),
    "running": ("routine running (call → return)", "", CALLBACK_COLOUR, "-"),
    "completion": ("asynchronous completion", "o", COMPLETION_COLOUR, ""),
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
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            fontsize=8,
            frameon=False,
        )


def _ink_on(colour: str) -> str:
    r, g, b, _ = to_rgba(colour)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#FFFFFF"
