"""The swimlane timeline: one lane per subject, state intervals as bars, calls, completions and faults as
marks with labels placed without overlaps. What it shows is worked out in `labkit.views.plots.scene`;
this module draws that with matplotlib."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit.trace import Trace
from labkit.views.plots.scene import (
    BAR,
    MARK_Y,
    TICK,
    Bar,
    Label,
    LegendEntry,
    Mark,
    TimelineScene,
    Window,
    bar_names,
    place_labels,
    timeline_scene,
)
from labkit.views.plots.style import (
    CALLBACK_COLOUR,
    COMPLETION_COLOUR,
    FAULT_COLOUR,
    HEALTH_COLOUR,
    HELPER_COLOUR,
    LABEL_FONT,
    TIMEOUT_COLOUR,
    NotebookFigure,
    char_width,
    dress_axes,
    ink_on,
    per_inch,
    plain,
    root_figure,
    side_legend,
    state_colour,
)

_LANE_INCHES = 0.75  # room for the bar, two rows of labels above it and one below
_MARKERS: dict[str, tuple[str, str, float]] = {
    # mark: (marker, colour, area at full lane height)
    "callback": ("v", CALLBACK_COLOUR, 28),
    "helper": ("^", HELPER_COLOUR, 28),
    "completion": ("o", COMPLETION_COLOUR, 26),
    "open_end": (">", COMPLETION_COLOUR, 30),
}


def timeline(
    trace: Trace,
    ax: Axes | None = None,
    *,
    window: Window | None = None,
    lanes: str | Iterable[str] | None = None,
    subjects: Iterable[str] | None = None,
    labels: bool = True,
    legend: bool = True,
    at: float | None = None,
    title: str | None = None,
    width: float = 11.0,
) -> Figure:
    """One lane per subject: state intervals as bars coloured by state, callbacks and helper calls as
    labelled markers, asynchronous completions linked to their calls, faults and timeouts in red.

    ``window=(t0, t1)`` shows that stretch of virtual time (ms) only; ``lanes`` keeps the lanes of a
    subject kind (``"session"``, ``"resource"``, ``"group"``…) or matching a shell pattern
    (``"session:1*"``), or of any of several; ``subjects`` picks and orders the lanes exactly (default:
    every subject, in order of first appearance). ``labels=False`` leaves out the marker labels (they are
    left out anyway when the lanes are too thin to hold text: pick fewer lanes or pass a taller ``ax``);
    ``at`` draws a cursor line at virtual time ``at`` (ms); ``width`` is the figure width in inches when
    no ``ax`` is given. Time runs in virtual ms; the axis reads in ms, s, min or h depending on the span
    shown, and says which, or, for a trace imported from logs, on the logs' wall clock (the header's UTC
    start plus the offset the stamps were in).
    """
    scene = timeline_scene(trace, subjects=subjects, lanes=lanes, window=window, at=at, title=title)
    if ax is None:
        height = min(1.4 + _LANE_INCHES * max(len(scene.lanes), 1), 24.0)
        ax = NotebookFigure(figsize=(width, height), layout="constrained").add_subplot()
    return draw_scene(scene, ax, labels=labels, legend=legend)


def draw_scene(scene: TimelineScene, ax: Axes, *, labels: bool = True, legend: bool = True) -> Figure:
    """Draw a timeline scene into ``ax``; returns the figure it belongs to."""
    figure = root_figure(ax)
    ax.set_xlim(scene.x_low, scene.x_high)
    ax.set_ylim(max(len(scene.lanes), 1) - 0.5, -0.62)
    lane_inches = ax.bbox.height / figure.dpi * 0.85 / max(len(scene.lanes), 1)
    roomy = lane_inches >= 0.45  # thinner lanes cannot hold text: labels would pile onto each other
    size = min(1.0, lane_inches / 0.6) ** 2  # marker areas shrink with the lanes
    _draw_bars(ax, scene.bars)
    if roomy:
        _write_bar_names(ax, scene)
    _draw_spans(ax, scene)
    _draw_marks(ax, scene.marks, size)
    if scene.cursor is not None:
        cursor_line(ax, scene.cursor)
    dress_axes(ax, scene.lanes, scene.span_ms, scene.clock)
    ax.set_title(scene.title, loc="left", fontsize=10, parse_math=False)
    if legend:
        _legend(ax, scene.legend)
    if labels and roomy:  # last: the room labels take is measured on the Axes as laid out beside the legend
        _draw_labels(ax, scene)
    return figure


def cursor_line(ax: Axes, t: float) -> Line2D:
    """The dashed vertical line that marks virtual time ``t`` (ms) on a timeline; move it with
    ``line.set_xdata([t, t])`` instead of drawing the figure again."""
    line: Line2D = ax.axvline(t, color="#000000", linewidth=1.0, linestyle=(0, (2, 2)), zorder=6)
    return line


def _draw_bars(ax: Axes, bars: Sequence[Bar]) -> None:
    """One PolyCollection for the bars a state event entered, one (hatched, paler) for states known only
    from a ``from``."""
    for inferred in (False, True):
        part = [b for b in bars if b.inferred == inferred]
        if not part:
            continue
        start = np.fromiter((b.start for b in part), float, len(part))
        end = np.fromiter((b.end for b in part), float, len(part))
        y = np.fromiter((b.lane for b in part), float, len(part))
        verts = np.empty((len(part), 4, 2))
        verts[:, :, 0] = np.stack([start, start, end, end], axis=1)
        verts[:, :, 1] = np.stack([y - BAR, y + BAR, y + BAR, y - BAR], axis=1)
        names = list(dict.fromkeys(b.state for b in part))
        palette = {n: to_rgba(state_colour(n)) for n in names}
        ax.add_collection(
            PolyCollection(
                list(verts),
                facecolors=[palette[b.state] for b in part],
                edgecolors="white",
                linewidths=0.6 if len(part) < 2000 else 0.0,  # edges would blur thousands of thin bars
                zorder=2,
                hatch="///" if inferred else None,
                alpha=0.55 if inferred else 1.0,
                label="_states_inferred" if inferred else "_states",
            )
        )


def _write_bar_names(ax: Axes, scene: TimelineScene) -> None:
    """Write the state's short name inside bars wide enough to hold it."""
    for centre, bar, text in bar_names(scene, char_width(ax, scene.span_ms)):
        ax.text(
            centre,
            bar.lane,
            text,
            ha="center",
            va="center",
            fontsize=LABEL_FONT,
            color=ink_on(state_colour(bar.state)),
            parse_math=False,
            usetex=False,
            zorder=3,
            clip_on=True,
        )


def _draw_spans(ax: Axes, scene: TimelineScene) -> None:
    """A bold line while a routine runs; a dashed link from a call to its completion."""
    for kind, style in (
        ("running", ("-", 3.0, CALLBACK_COLOUR)),
        ("pending", ("--", 1.2, COMPLETION_COLOUR)),
    ):
        segments = [
            [(s.start, s.lane + MARK_Y), (s.end, s.lane + MARK_Y)] for s in scene.spans if s.kind == kind
        ]
        if segments:
            line, width, colour = style
            ax.add_collection(
                LineCollection(segments, colors=colour, linewidths=width, linestyles=line, zorder=4)
            )


def _draw_marks(ax: Axes, marks: Sequence[Mark], size: float) -> None:
    """Call markers on top of the bars; faults as red crosses with a stripe across their lane, timeouts
    with a dark dashed stripe."""
    for kind, (marker, colour, area) in _MARKERS.items():
        part = [m for m in marks if m.kind == kind]
        if part:
            ax.scatter(
                [m.t for m in part],
                [m.lane + MARK_Y for m in part],
                marker=marker,
                s=area * size,
                color=colour,
                zorder=5,
                linewidths=0,
            )
    low, high = TICK
    for kind, colour, width in (("health", HEALTH_COLOUR, 0.5), ("health-false", FAULT_COLOUR, 1.6)):
        ticks = [[(m.t, m.lane - BAR - low), (m.t, m.lane - BAR - high)] for m in marks if m.kind == kind]
        if ticks:
            ax.add_collection(LineCollection(ticks, colors=colour, linewidths=width, zorder=4))
    for kind, colour in (("fault", FAULT_COLOUR), ("timeout", TIMEOUT_COLOUR)):
        part = [m for m in marks if m.kind == kind]
        if not part:
            continue
        stripes = [[(m.t, m.lane - 0.5), (m.t, m.lane + 0.5)] for m in part]
        ax.add_collection(
            LineCollection(
                stripes,
                colors=colour,
                linewidths=1.4,
                linestyles="--" if kind == "timeout" else "-",
                alpha=0.8,
                zorder=4,
            )
        )
        ax.scatter(
            [m.t for m in part],
            [m.lane for m in part],
            marker="X",
            s=70 * size,
            color=colour,
            edgecolors="white",
            linewidths=0.8,
            zorder=6,
        )


def _draw_labels(ax: Axes, scene: TimelineScene) -> None:
    """Write the labels `place_labels` found room for, measured on the Axes as laid out."""
    inch = per_inch(ax, scene.span_ms, lay_out=True)
    for placed in place_labels(scene.labels, scene.x_low, scene.x_high, inch):
        label: Label = placed.label
        ax.text(
            label.t,
            placed.y,
            label.text,
            ha="right" if placed.flip else "left",
            va="top" if label.below else "bottom",
            fontsize=LABEL_FONT,
            color=label.colour,
            parse_math=False,
            usetex=False,
            zorder=7,
            clip_on=True,
        )


_LEGEND_STYLE: dict[str, tuple[str, Any]] = {
    # mark: (marker, line style)
    "callback": ("v", ""),
    "helper": ("^", ""),
    "running": ("", "-"),
    "completion": ("o", ""),
    "health": ("|", ""),
    "health-false": ("|", ""),
    "pending": ("", "--"),
    "fault": ("X", ""),
    "timeout": ("X", "--"),
}


def _legend(ax: Axes, entries: Sequence[LegendEntry]) -> None:
    handles: list[Any] = []
    for entry in entries:
        if entry.key == "state":
            handles.append(Patch(facecolor=entry.colour, edgecolor="white", label=plain(entry.label)))
            continue
        marker, style = _LEGEND_STYLE[entry.key]
        handles.append(
            Line2D(
                [],
                [],
                marker=marker or None,
                color=entry.colour,
                linestyle=style or "none",
                linewidth=3.0 if entry.key == "running" else 1.5,
                label=entry.label,
            )
        )
    side_legend(ax, handles)
