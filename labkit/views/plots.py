"""Pictures of traces (matplotlib): the swimlane timeline, the NSPv2 session lifecycle and the OfflineV2
flag matrix.

Functions return a `matplotlib.figure.Figure` and accept ``ax=`` to draw into an existing Axes. Figures are
made with `Figure` directly, never through pyplot, so nothing stays open and any backend (Agg too) works;
they are `NotebookFigure`s, which a notebook shows as a picture without pyplot's inline backend.
Every string that comes from a trace is drawn as plain text: no mathtext, ``$`` shows as ``$``.
"""

from __future__ import annotations

import bisect
import functools
import io
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
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator

from labkit import winapi
from labkit.readback.replay import Call, Interval, pair_calls, replay
from labkit.readback.sessions import Session, sessions
from labkit.text import NO_SUBJECT, arg_text, counted, result_text, time_unit
from labkit.trace import Kind, Trace, TraceEvent
from labkit.winapi import OfflineFlags

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
_CHAR_INCHES = _LABEL_FONT * 0.62 / 72.0  # an average character of a label
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


class NotebookFigure(Figure):
    """A `Figure` that shows itself as a PNG when it is a notebook cell's value, in any frontend.

    IPython draws a plain Figure only once pyplot has loaded the inline backend, which labkit never does:
    without this, ``views.timeline(trace)`` printed ``<Figure size 1100x440 with 1 Axes>``.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


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
        fig = NotebookFigure(figsize=(width, height), layout="constrained")
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
    if at is not None:
        cursor_line(ax, at)

    _axes_dress(ax, lanes, t1 - t0)
    ax.set_title(
        title if title is not None else _default_title(trace), loc="left", fontsize=10, parse_math=False
    )
    if legend:
        _legend(ax, states, marks)
    if labels and roomy:  # last: the room labels take is measured on the Axes as laid out beside the legend
        _draw_labels(ax, _labels(calls, faults, lane_of, trace.domain))
    return figure


def cursor_line(ax: Axes, t: float) -> Line2D:
    """The dashed vertical line that marks virtual time ``t`` (ms) on a timeline; move it with
    ``line.set_xdata([t, t])`` instead of drawing the figure again."""
    line: Line2D = ax.axvline(t, color="#000000", linewidth=1.0, linestyle=(0, (2, 2)), zorder=6)
    return line


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
    per_inch = _per_inch(ax, x_high - x_low, lay_out=True)
    per_char = per_inch * _CHAR_INCHES
    taken: dict[tuple[int, int], list[tuple[float, float]]] = {}  # (lane, row) → sorted extents
    placed = 0
    for label in sorted(candidates, key=lambda lb: (lb.rank, lb.t)):
        if placed >= _MAX_LABELS:
            break
        width = per_inch * _label_inches(label.text) + per_char * 1.2
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


@functools.lru_cache(maxsize=4096)
def _label_inches(text: str) -> float:
    """How wide ``text`` is drawn at the label size, in inches: measured with the font, because names in
    capitals (ERROR_CLUSTER_GROUP_BUSY) run wider than an average character allows for. Hinting widens
    text drawn at screen resolutions (80-100 dpi) by up to 5% over the outline's width."""
    width, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=_LABEL_FONT), False)
    return float(width) * 1.06 / 72.0


def _per_inch(ax: Axes, x_range: float, *, lay_out: bool = False) -> float:
    """Data units (ms) per inch of the Axes' width.

    With ``lay_out`` the figure's layout runs first, so the width is the one the Axes will be drawn at;
    otherwise the layout is guessed to take 15% for tick labels and legend (a long legend takes more).
    """
    figure = _root_figure(ax)
    engine = figure.get_layout_engine()
    if lay_out and engine is not None:
        engine.execute(figure)
    width_in = ax.bbox.width / figure.dpi * (1.0 if lay_out else 0.85)
    return x_range / max(width_in, 0.5)


def _char_width(ax: Axes, x_range: float) -> float:
    """The width of one average label character in data units (ms)."""
    return _per_inch(ax, x_range) * _CHAR_INCHES


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


# --------------------------------------------------------------------------------------------------------
# NSPv2 session lifecycle
# --------------------------------------------------------------------------------------------------------

ROUTINE_MARKS: dict[str, tuple[str, str]] = {
    # routine: (marker, colour) — in lifecycle order
    "NSPv2Startup": ("^", "#009E73"),
    "NSPv2LookupServiceBegin": ("o", "#0072B2"),
    "NSPv2LookupServiceNextEx": (".", "#56B4E9"),
    "NSPv2LookupServiceEnd": ("|", "#0072B2"),
    "NSPv2SetServiceEx": ("s", "#E69F00"),
    "NSPv2Cleanup": ("D", "#666666"),
    "NSPv2ClientSessionRundown": ("v", "#CC79A7"),
}
ENDING_COLOURS: dict[str, str] = {
    "Cleanup": STATE_COLOURS["CleanedUp"],
    "Rundown": STATE_COLOURS["RunDown"],
    "both": "#AA4499",
    "leaked": STATE_COLOURS["Leaked"],
    "orphaned": "#882255",
    "still open": STATE_COLOURS["Started"],
}
"""A session's life bar is coloured by how it ended (`labkit.readback.sessions.Session.ended`)."""
ARG_COLOUR = "#117733"
LOOKUP_COLOUR = "#B5CDE3"
CRASH_COLOUR = "#8E0000"
_LOOKUP_ROWS = 3  # overlapping lookups of one session share this many thin rows under its bar


def session_lifecycle(
    trace: Trace, ax: Axes | None = None, *, title: str | None = None, width: float = 11.0
) -> Figure:
    """NSPv2: one lane per client session, from NSPv2Startup to NSPv2Cleanup / NSPv2ClientSessionRundown.

    Each lane shows the session's life as a bar coloured by how it ended, its lookups as thin bars under
    it (Begin → End, NextEx calls on them), every routine the broker called as a marker, the client
    process's crash, faults in red, and the session argument's path: a green thread from the value
    NSPv2Startup produced to the last call that handed it back (a red dot where a call carried another
    value; dashed to the end when the provider still held state for it).
    """
    found = sessions(trace)
    lanes = len(found)
    if ax is None:
        fig = NotebookFigure(figsize=(width, min(1.6 + 0.9 * max(lanes, 1), 24.0)), layout="constrained")
        ax = fig.add_subplot()
    figure = _root_figure(ax)
    t0 = trace[0].t if len(trace) else 0.0
    t1 = max(trace[-1].t if len(trace) else 0.0, t0 + 1.0)
    pad = (t1 - t0) * 0.02
    ax.set_xlim(t0 - pad, t1 + 2 * pad)
    ax.set_ylim(max(lanes, 1) - 0.5, -0.6)
    roomy = ax.bbox.height / figure.dpi * 0.85 / max(lanes, 1) >= 0.5
    crashes = {
        e.subject: e.t
        for e in trace
        if e.kind is Kind.STATE and e.state is not None and e.state.new == "Crashed"
    }
    marks: dict[str, tuple[list[float], list[float]]] = {r: ([], []) for r in ROUTINE_MARKS}
    extra: set[str] = set()
    for lane, session in enumerate(found):
        _lifecycle_lane(ax, lane, session, t1 + pad, marks, roomy)
        if session.client in crashes:  # the life bar is cut where the process died
            t = crashes[session.client]
            ax.plot(
                [t, t], [lane - 0.32, lane + 0.45], color=CRASH_COLOUR, linewidth=1.0, linestyle=":", zorder=3
            )
            ax.plot([t, t], [lane - 0.31, lane - 0.05], color=CRASH_COLOUR, linewidth=3.0, zorder=4)
            extra.add("crash")
        if session.faults:  # a red stripe through the lane, the cross at the bottom
            times = [e.t for e in session.faults]
            stripes = [[(t, lane - 0.47), (t, lane + 0.45)] for t in times]
            ax.add_collection(
                LineCollection(stripes, colors=FAULT_COLOUR, linewidths=1.0, alpha=0.7, zorder=3)
            )
            ax.scatter(times, [lane + 0.4] * len(times), marker="X", s=60, color=FAULT_COLOUR,
                       edgecolors="white", linewidths=0.8, zorder=7)  # fmt: skip
            if roomy:
                _fault_names(ax, lane + 0.4, session.faults)
            extra.add("fault")
        if any(not p.matches for p in session.arg_passes):
            extra.add("mismatch")
    for routine, (xs, ys) in marks.items():
        if xs:
            marker, colour = ROUTINE_MARKS[routine]
            thin = marker == "|"  # a line marker needs a wider stroke to be seen
            ax.scatter(
                xs,
                ys,
                marker=marker,
                s=60 if thin else 36,
                color=colour,
                zorder=5,
                linewidths=2.0 if thin else 1.0,
            )
    labels = [f"{_short(s.subject)}\n{_short(s.provider)}" for s in found]
    _axes_dress(ax, labels, t1 - t0)
    ax.set_yticks(range(lanes), [plain(text) for text in labels], fontsize=8)
    head = trace.header
    ax.set_title(
        title if title is not None else f"{head.scenario or 'trace'} · {_plural(lanes, 'client session')}",
        parse_math=False,
        loc="left",
        fontsize=10,
    )
    _lifecycle_legend(ax, found, marks, extra)
    return figure


def _lifecycle_lane(
    ax: Axes,
    lane: int,
    session: Session,
    t_end: float,
    marks: dict[str, tuple[list[float], list[float]]],
    roomy: bool,
) -> None:
    start = session.started_at if session.started_at is not None else t_end
    end = session.ended_at if session.ended_at is not None else t_end
    colour = ENDING_COLOURS[session.ended]
    ax.broken_barh([(start, max(end - start, 0.0))], (lane - 0.27, 0.18), facecolors=colour, zorder=2)
    lookup_y = _lookup_rows(ax, lane, session, t_end)
    unmatched = [(life.opened, lookup_y[life.subject]) for life in session.lookup_lives]
    for call in session.calls:
        if call.name not in marks:
            continue
        y = lookup_y.get(call.subject, lane - 0.18)
        if call.name == "NSPv2LookupServiceBegin":  # drawn where the lookup it opened starts
            k = next((k for k, (opened, _) in enumerate(unmatched) if opened >= call.t), None)
            if k is not None:
                y = unmatched.pop(k)[1]
        marks[call.name][0].append(call.t)
        marks[call.name][1].append(y)
    # the session argument's thread, from Startup to its last use (to the end when it leaked)
    y = lane - 0.4
    last = session.last_use if session.last_use is not None else start
    ax.plot([start, last], [y, y], color=ARG_COLOUR, linewidth=1.2, zorder=3)
    if session.ended == "leaked":
        ax.plot(
            [last, t_end], [y, y], color=ENDING_COLOURS["leaked"], linewidth=1.2, linestyle="--", zorder=3
        )
    good = [p.call.t for p in session.arg_passes if p.matches]
    bad = [p for p in session.arg_passes if not p.matches]
    ax.scatter(good, [y] * len(good), marker="o", s=10, color=ARG_COLOUR, zorder=4)
    if bad:
        ax.scatter([p.call.t for p in bad], [y] * len(bad), marker="o", s=22, color=FAULT_COLOUR, zorder=4)
    if roomy:
        arg = arg_text("pvClientSessionArg", session.session_arg)
        ends = " + ".join(c.name.removeprefix("NSPv2").replace("ClientSession", "") for c in session.ended_by)
        text = f"{arg} → {ends}" if ends else f"{arg} ({session.ended})"
        ax.text(start, y - 0.03, text, fontsize=_LABEL_FONT, color=ARG_COLOUR, va="bottom", ha="left",
                parse_math=False, usetex=False, zorder=7, clip_on=True)  # fmt: skip
        for p in bad:
            ax.text(p.call.t, y + 0.03, arg_text("pvClientSessionArg", p.value), fontsize=_LABEL_FONT,
                    color=FAULT_COLOUR, va="top", ha="left", parse_math=False, usetex=False, zorder=7,
                    clip_on=True)  # fmt: skip


def _lookup_rows(ax: Axes, lane: int, session: Session, t_end: float) -> dict[str, float]:
    """Draw the session's lookups as thin bars under its life bar (overlapping ones on separate rows);
    return each lookup's row (y)."""
    rows_end = [-math.inf] * _LOOKUP_ROWS
    where: dict[str, float] = {}
    segments: list[list[tuple[float, float]]] = []
    for k, life in enumerate(session.lookup_lives):
        end = t_end if life.closed is None else life.closed
        row = next((r for r, free in enumerate(rows_end) if free <= life.opened), k % _LOOKUP_ROWS)
        rows_end[row] = end
        where[life.subject] = y = lane + 0.02 + 0.14 * row
        segments.append([(life.opened, y), (max(end, life.opened), y)])
    if segments:
        ax.add_collection(
            LineCollection(segments, colors=LOOKUP_COLOUR, linewidths=4.0, capstyle="butt", zorder=2)
        )
    return where


_ENDING_LABELS = {  # in the legend's order
    "Cleanup": "session ended by NSPv2Cleanup",
    "Rundown": "session ended by NSPv2ClientSessionRundown",
    "both": "session ended by Rundown and Cleanup",
    "leaked": "session leaked (provider kept its state)",
    "orphaned": "session orphaned (provider never told)",
    "still open": "session still open",
}


def _lifecycle_legend(
    ax: Axes, found: Sequence[Session], marks: dict[str, tuple[list[float], list[float]]], extra: set[str]
) -> None:
    endings = dict.fromkeys(s.ended for s in found)
    handles: list[Any] = [
        Patch(facecolor=ENDING_COLOURS[e], label=_ENDING_LABELS[e]) for e in _ENDING_LABELS if e in endings
    ]
    if any(s.lookup_lives for s in found):
        handles.append(Line2D([], [], color=LOOKUP_COLOUR, linewidth=4.0, label="lookup open (Begin → End)"))
    for routine, (marker, colour) in ROUTINE_MARKS.items():
        if marks[routine][0]:
            handles.append(Line2D([], [], marker=marker, color=colour, linestyle="none", label=routine))
    if found:
        handles.append(
            Line2D(
                [], [], color=ARG_COLOUR, marker="o", markersize=3, label="session argument: Startup → uses"
            )
        )
    for key, handle in (
        (
            "mismatch",
            Line2D([], [], color=FAULT_COLOUR, marker="o", linestyle="none", label="another argument"),
        ),
        (
            "crash",
            Line2D(
                [],
                [],
                color=CRASH_COLOUR,
                marker="|",
                markersize=10,
                markeredgewidth=3,
                linestyle="none",
                label="client process crashed",
            ),
        ),
        ("fault", Line2D([], [], color=FAULT_COLOUR, marker="X", linestyle="none", label="fault")),
    ):
        if key in extra:
            handles.append(handle)
    if handles:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8,
            frameon=False,
        )  # fmt: skip


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _fault_names(ax: Axes, y: float, faults: Sequence[TraceEvent]) -> None:
    """Name the faults next to their crosses, one text per instant (``CompletedTwice×2``); a name that
    would overlap the one before it is left out (the cross and the legend still show the fault)."""
    x_low, x_high = ax.get_xlim()
    per_char = _char_width(ax, x_high - x_low)
    at: dict[float, list[str]] = {}
    for event in faults:
        at.setdefault(event.t, []).append(event.name)
    free_from = -math.inf
    for t, names in sorted(at.items()):
        text = counted(names)
        width = per_char * (len(text) + 3)
        right = t + width > x_high  # near the right edge the text runs to the left
        left_edge = t - width if right else t
        if left_edge < free_from:
            continue
        free_from = t if right else t + width
        ax.text(t, y, f"{text}  " if right else f"  {text}", ha="right" if right else "left", va="center",
                fontsize=_LABEL_FONT, color=FAULT_COLOUR, parse_math=False, usetex=False, zorder=7,
                clip_on=True)  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# OfflineV2 flag matrix
# --------------------------------------------------------------------------------------------------------

MATRIX_ROWS = ("result", "state", "node", "persistent_state", "faults")
"""The outcome columns of `labkit.cluster.flag_matrix` drawn as rows, one block per OS profile."""
RESULT_COLOURS = ("#D55E00", "#CC79A7", "#E69F00", "#882255", "#F0E442", "#AA4499", "#661100", "#EE8866")
"""Failure codes, in order of first appearance (ERROR_SUCCESS is always the state green)."""
NODE_COLOURS = ("#332288", "#DDCC77", "#44AA99", "#AA4466", "#88CCEE", "#999933")
FAULT_COLOURS = (FAULT_COLOUR, "#F4A582", "#8E0000", "#FDDBC7")
EMPTY_COLOUR = "#F2F2F2"
_ROW_TITLES = {"persistent_state": "persistent state"}


def flag_matrix_figure(
    frame: Any, ax: Axes | None = None, *, title: str | None = None, width: float = 13.0
) -> Figure:
    """The flag matrix (a `labkit.cluster.flag_matrix` frame) as a grid: one column per combination of
    the seven OfflineV2 flags (in bit order, 0x00 … 0x7F), outcome rows on top — result, final state,
    node, persistent state and faults, one block per OS profile in the frame — and one row per flag under
    them with a dot where the combination sets it. Colours: states as in every labkit figure,
    ERROR_SUCCESS green and each failure code its own warm colour, one colour per node, faults red; the
    legend on the right names every colour shown.
    """
    profiles = list(dict.fromkeys(str(os) for os in frame["os"]))
    bits = sorted({int(b) for b in frame["flags"]})
    column = {b: k for k, b in enumerate(bits)}
    flags = OfflineFlags.single_flags()
    rows = [(os, name) for os in profiles for name in MATRIX_ROWS]
    n_out = len(rows)
    n_rows = n_out + 1 + len(flags)  # a blank row between the outcomes and the flags
    if ax is None:
        fig = NotebookFigure(figsize=(width, 1.6 + 0.26 * n_rows), layout="constrained")
        ax = fig.add_subplot()
    figure = _root_figure(ax)

    palettes: dict[str, dict[str, str]] = {name: {} for name in MATRIX_ROWS}
    for node in sorted({_matrix_value("node", v) for v in frame["node"]}):  # NODE1 keeps its colour
        _matrix_colour("node", node, palettes["node"])
    image = np.ones((max(n_out, 1), max(len(bits), 1), 4))
    for row in frame.itertuples(index=False):
        k = column[int(row.flags)]
        for r, (os, name) in enumerate(rows):
            if str(row.os) == os:
                value = _matrix_value(name, getattr(row, name))
                image[r, k] = to_rgba(_matrix_colour(name, value, palettes[name]))
    ax.imshow(
        image,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, len(bits) - 0.5, n_out - 0.5, -0.5),
        zorder=1,
    )
    ax.hlines(np.arange(0.5, n_out - 0.5), -0.5, len(bits) - 0.5, colors="white", linewidth=0.6, zorder=2)
    for block in range(1, len(profiles)):
        ax.axhline(block * len(MATRIX_ROWS) - 0.5, color="#333333", linewidth=1.2, zorder=3)
    xs = [k for k, b in enumerate(bits) for f in flags if b & f]
    ys = [n_out + 1 + j for b in bits for j, f in enumerate(flags) if b & f]
    ax.scatter(xs, ys, s=14, color=CALLBACK_COLOUR, marker="o", linewidths=0, zorder=4)
    grid_x = [k for k in range(len(bits)) for _ in flags]
    grid_y = [n_out + 1 + j for _ in bits for j in range(len(flags))]
    ax.scatter(grid_x, grid_y, s=4, color="#DDDDDD", marker="o", linewidths=0, zorder=3)
    for k, b in enumerate(bits):
        if b and b % 16 == 0:  # a light rule every 16 combinations helps the eye count
            ax.axvline(k - 0.5, color="#BBBBBB", linewidth=0.6, zorder=2)

    ax.set_xlim(-0.5, len(bits) - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    outcome_labels = [
        _ROW_TITLES.get(name, name) + (f" · {os}" if len(profiles) > 1 else "") for os, name in rows
    ]
    ax.set_yticks(
        [*range(n_out), *(n_out + 1 + j for j in range(len(flags)))],
        [*outcome_labels, *(str(f.name) for f in flags)],
        fontsize=8,
    )
    ticks = [k for k, b in enumerate(bits) if b % 16 == 0]
    ax.set_xticks(ticks, [f"{bits[k]:#04x}" for k in ticks], fontsize=8)
    ax.set_xlabel(
        "requested OfflineFlags (CLUS_RESDLL_OFFLINE_*; a dot under a column: the flag is set)", fontsize=9
    )
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    default = f"OfflineV2 flag matrix: {len(bits)} combinations × outcome" + (
        f" ({', '.join(profiles)})" if profiles else ""
    )
    ax.set_title(title if title is not None else default, loc="left", fontsize=10, parse_math=False)
    handles: list[Any] = []
    for name in MATRIX_ROWS:
        for value, colour in palettes[name].items():
            handles.append(Patch(facecolor=colour, label=plain(f"{_ROW_TITLES.get(name, name)}: {value}")))
    if handles:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=7,
            frameon=False,
        )  # fmt: skip
    return figure


def _matrix_value(row: str, value: Any) -> str:
    """How a matrix cell reads in the legend (``online`` for PersistentState TRUE, ``none`` for no fault)."""
    if row == "persistent_state":
        return "online" if bool(value) else "offline"
    from pandas import isna  # the frame is pandas already: this import costs nothing

    text = "" if isna(value) else str(value)
    return text or ("none" if row == "faults" else "(none)")


def _matrix_colour(row: str, value: str, palette: dict[str, str]) -> str:
    """The colour of a cell, fixed for states and ERROR_SUCCESS, else the next free colour of the row's
    palette (recorded in ``palette`` for the legend)."""
    if value in palette:
        return palette[value]
    if row == "state":
        known = "ClusterResource" + value
        colour = state_colour(known if known in STATE_COLOURS else value)
    elif row == "result":
        free = [c for c in RESULT_COLOURS if c not in palette.values()]
        colour = STATE_COLOURS["Online"] if value == "ERROR_SUCCESS" else (free or RESULT_COLOURS)[0]
    elif row == "faults":
        free = [c for c in FAULT_COLOURS if c not in palette.values()]
        colour = EMPTY_COLOUR if value == "none" else (free or FAULT_COLOURS)[0]
    elif row == "persistent_state":
        colour = "#88CCEE" if value == "online" else "#BBBBBB"
    else:
        free = [c for c in NODE_COLOURS if c not in palette.values()]
        colour = (free or NODE_COLOURS)[0]
    palette[value] = colour
    return colour
