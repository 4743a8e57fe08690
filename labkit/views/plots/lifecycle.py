"""NSPv2 session lifecycle: one lane per client session, from NSPv2Startup to its end, with its lookups,
the routines the broker called, the client's crash, faults and the session argument's path. What it shows
is worked out in `labkit.views.plots.lifescene`; this module draws that with matplotlib."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit.trace import Trace
from labkit.views.plots.lifescene import (
    ARG_Y,
    LIFE_BAR,
    LifecycleScene,
    LifeLane,
    fault_names,
    lifecycle_scene,
)
from labkit.views.plots.style import (
    ARG_COLOUR,
    CRASH_COLOUR,
    ENDING_COLOURS,
    FAULT_COLOUR,
    LABEL_FONT,
    LOOKUP_COLOUR,
    ROUTINE_MARKS,
    NotebookFigure,
    char_width,
    dress_axes,
    plain,
    root_figure,
    side_legend,
)


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
    scene = lifecycle_scene(trace, title=title)
    lanes = len(scene.lanes)
    if ax is None:
        fig = NotebookFigure(figsize=(width, min(1.6 + 0.9 * max(lanes, 1), 24.0)), layout="constrained")
        ax = fig.add_subplot()
    figure = root_figure(ax)
    ax.set_xlim(scene.x_low, scene.x_high)
    ax.set_ylim(max(lanes, 1) - 0.5, -0.6)
    roomy = ax.bbox.height / figure.dpi * 0.85 / max(lanes, 1) >= 0.5
    for lane in scene.lanes:
        _lane(ax, lane, roomy)
        if lane.crash is not None:
            _crash(ax, lane.lane, lane.crash)
        if lane.faults:
            _faults(ax, lane, scene, roomy)
    _routine_marks(ax, scene)
    names = [lane.name for lane in scene.lanes]
    dress_axes(ax, names, scene.span_ms)
    ax.set_yticks(range(lanes), [plain(text) for text in names], fontsize=8)
    ax.set_title(scene.title, parse_math=False, loc="left", fontsize=10)
    _legend(ax, scene)
    return figure


def _lane(ax: Axes, lane: LifeLane, roomy: bool) -> None:
    top, height = LIFE_BAR
    ax.broken_barh(
        [(lane.start, max(lane.end - lane.start, 0.0))],
        (lane.y + top, height),
        facecolors=lane.colour,
        zorder=2,
    )
    if lane.lookups:
        segments = [[(opened, y), (closed, y)] for opened, closed, y in lane.lookups]
        ax.add_collection(
            LineCollection(segments, colors=LOOKUP_COLOUR, linewidths=4.0, capstyle="butt", zorder=2)
        )
    y = lane.y + ARG_Y
    ax.plot(list(lane.thread), [y, y], color=ARG_COLOUR, linewidth=1.2, zorder=3)
    if lane.leaked_to is not None:
        ax.plot(
            [lane.thread[1], lane.leaked_to],
            [y, y],
            color=ENDING_COLOURS["leaked"],
            linewidth=1.2,
            linestyle="--",
            zorder=3,
        )
    good = [t for t, matched, _ in lane.uses if matched]
    bad = [(t, value) for t, matched, value in lane.uses if not matched]
    ax.scatter(good, [y] * len(good), marker="o", s=10, color=ARG_COLOUR, zorder=4)
    if bad:
        ax.scatter([t for t, _ in bad], [y] * len(bad), marker="o", s=22, color=FAULT_COLOUR, zorder=4)
    if roomy:
        ax.text(
            lane.start,
            y - 0.03,
            lane.caption,
            fontsize=LABEL_FONT,
            color=ARG_COLOUR,
            va="bottom",
            ha="left",
            parse_math=False,
            usetex=False,
            zorder=7,
            clip_on=True,
        )
        for t, value in bad:
            ax.text(
                t,
                y + 0.03,
                value,
                fontsize=LABEL_FONT,
                color=FAULT_COLOUR,
                va="top",
                ha="left",
                parse_math=False,
                usetex=False,
                zorder=7,
                clip_on=True,
            )


def _crash(ax: Axes, lane: int, t: float) -> None:
    """Cut the life bar where the client process died."""
    ax.plot([t, t], [lane - 0.32, lane + 0.45], color=CRASH_COLOUR, linewidth=1.0, linestyle=":", zorder=3)
    ax.plot([t, t], [lane - 0.31, lane - 0.05], color=CRASH_COLOUR, linewidth=3.0, zorder=4)


def _faults(ax: Axes, lane: LifeLane, scene: LifecycleScene, roomy: bool) -> None:
    """A red stripe through the lane at each fault, the cross at the bottom (named when there is room)."""
    times = [e.t for e in lane.faults]
    stripes = [[(t, lane.y - 0.47), (t, lane.y + 0.45)] for t in times]
    ax.add_collection(LineCollection(stripes, colors=FAULT_COLOUR, linewidths=1.0, alpha=0.7, zorder=3))
    ax.scatter(
        times,
        [lane.y + 0.4] * len(times),
        marker="X",
        s=60,
        color=FAULT_COLOUR,
        edgecolors="white",
        linewidths=0.8,
        zorder=7,
    )
    if roomy:
        for t, text, right in fault_names(lane.faults, char_width(ax, scene.span_ms), scene.x_high):
            ax.text(
                t,
                lane.y + 0.4,
                f"{text}  " if right else f"  {text}",
                ha="right" if right else "left",
                va="center",
                fontsize=LABEL_FONT,
                color=FAULT_COLOUR,
                parse_math=False,
                usetex=False,
                zorder=7,
                clip_on=True,
            )


def _routine_marks(ax: Axes, scene: LifecycleScene) -> None:
    """One scatter per routine, in its marker and colour (`ROUTINE_MARKS`)."""
    for routine, points in scene.marks.items():
        if points:
            marker, colour = ROUTINE_MARKS[routine]
            thin = marker == "|"  # a line marker needs a wider stroke to be seen
            size, stroke = (60, 2.0) if thin else (36, 1.0)
            ax.scatter(
                [t for t, _ in points],
                [y for _, y in points],
                marker=marker,
                s=size,
                color=colour,
                zorder=5,
                linewidths=stroke,
            )


def _legend(ax: Axes, scene: LifecycleScene) -> None:
    handles: list[Any] = []
    for line in scene.legend:
        if line.key == "ending":
            handles.append(Patch(facecolor=line.colour, label=line.label))
        elif line.key == "lookup":
            handles.append(Line2D([], [], color=line.colour, linewidth=4.0, label=line.label))
        elif line.key in ROUTINE_MARKS:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=ROUTINE_MARKS[line.key][0],
                    color=line.colour,
                    linestyle="none",
                    label=line.label,
                )
            )
        elif line.key == "argument":
            handles.append(Line2D([], [], color=line.colour, marker="o", markersize=3, label=line.label))
        elif line.key == "crash":
            handles.append(
                Line2D(
                    [],
                    [],
                    color=line.colour,
                    marker="|",
                    markersize=10,
                    markeredgewidth=3,
                    linestyle="none",
                    label=line.label,
                )
            )
        else:  # mismatch, fault
            marker = "X" if line.key == "fault" else "o"
            handles.append(
                Line2D([], [], color=line.colour, marker=marker, linestyle="none", label=line.label)
            )
    side_legend(ax, handles)
