"""NSPv2 session lifecycle: one lane per client session, from NSPv2Startup to its end, with its lookups,
the routines the broker called, the client's crash, faults and the session argument's path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit.readback.sessions import Session, sessions
from labkit.text import arg_text, counted
from labkit.trace import Kind, Trace, TraceEvent
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
    plural,
    root_figure,
    short,
    side_legend,
)

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
    figure = root_figure(ax)
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
        if session.client in crashes:
            _crash(ax, lane, crashes[session.client])
            extra.add("crash")
        if session.faults:
            _faults(ax, lane, session.faults, roomy)
            extra.add("fault")
        if any(not p.matches for p in session.arg_passes):
            extra.add("mismatch")
    _routine_marks(ax, marks)
    labels = [f"{short(s.subject)}\n{short(s.provider)}" for s in found]
    dress_axes(ax, labels, t1 - t0)
    ax.set_yticks(range(lanes), [plain(text) for text in labels], fontsize=8)
    head = trace.header
    ax.set_title(
        title if title is not None else f"{head.scenario or 'trace'} · {plural(lanes, 'client session')}",
        parse_math=False,
        loc="left",
        fontsize=10,
    )
    _lifecycle_legend(ax, found, marks, extra)
    return figure


def _crash(ax: Axes, lane: int, t: float) -> None:
    """Cut the life bar where the client process died."""
    ax.plot([t, t], [lane - 0.32, lane + 0.45], color=CRASH_COLOUR, linewidth=1.0, linestyle=":", zorder=3)
    ax.plot([t, t], [lane - 0.31, lane - 0.05], color=CRASH_COLOUR, linewidth=3.0, zorder=4)


def _faults(ax: Axes, lane: int, faults: Sequence[TraceEvent], roomy: bool) -> None:
    """A red stripe through the lane at each fault, the cross at the bottom (named when there is room)."""
    times = [e.t for e in faults]
    stripes = [[(t, lane - 0.47), (t, lane + 0.45)] for t in times]
    ax.add_collection(LineCollection(stripes, colors=FAULT_COLOUR, linewidths=1.0, alpha=0.7, zorder=3))
    ax.scatter(times, [lane + 0.4] * len(times), marker="X", s=60, color=FAULT_COLOUR,
               edgecolors="white", linewidths=0.8, zorder=7)  # fmt: skip
    if roomy:
        _fault_names(ax, lane + 0.4, faults)


def _routine_marks(ax: Axes, marks: dict[str, tuple[list[float], list[float]]]) -> None:
    """One scatter per routine, in its marker and colour (`ROUTINE_MARKS`)."""
    for routine, (xs, ys) in marks.items():
        if xs:
            marker, colour = ROUTINE_MARKS[routine]
            thin = marker == "|"  # a line marker needs a wider stroke to be seen
            size, stroke = (60, 2.0) if thin else (36, 1.0)
            ax.scatter(xs, ys, marker=marker, s=size, color=colour, zorder=5, linewidths=stroke)


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
        ax.text(start, y - 0.03, text, fontsize=LABEL_FONT, color=ARG_COLOUR, va="bottom", ha="left",
                parse_math=False, usetex=False, zorder=7, clip_on=True)  # fmt: skip
        for p in bad:
            ax.text(p.call.t, y + 0.03, arg_text("pvClientSessionArg", p.value), fontsize=LABEL_FONT,
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
    "not told": "session ended with nothing to call (Startup failed)",
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
    side_legend(ax, handles)


def _fault_names(ax: Axes, y: float, faults: Sequence[TraceEvent]) -> None:
    """Name the faults next to their crosses, one text per instant (``CompletedTwice×2``); a name that
    would overlap the one before it is left out (the cross and the legend still show the fault)."""
    x_low, x_high = ax.get_xlim()
    per_char = char_width(ax, x_high - x_low)
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
                fontsize=LABEL_FONT, color=FAULT_COLOUR, parse_math=False, usetex=False, zorder=7,
                clip_on=True)  # fmt: skip
