"""The NSPv2 session lifecycle as SVG: the scene of `labkit.views.plots.lifescene`, for the session
explorer. Same lanes, bars, marks and legend as `labkit.views.plots.session_lifecycle`."""

from __future__ import annotations

from labkit.text import time_unit
from labkit.views.plots.lifescene import ARG_Y, LIFE_BAR, LifecycleScene, LifeLane, fault_names
from labkit.views.plots.style import (
    ARG_COLOUR,
    CHAR_INCHES,
    CRASH_COLOUR,
    ENDING_COLOURS,
    FAULT_COLOUR,
    LABEL_FONT,
    LOOKUP_COLOUR,
    ROUTINE_MARKS,
    UnitLocator,
)
from labkit.views.svg.canvas import PX, Canvas, marker_path, pt, segments_path
from labkit.views.svg.timeline import text_px

LANE_PX = 0.9 * PX
MAX_PLOT_PX = 9 * PX
"""Beyond this, lanes get thinner (fifty sessions fit in a screen, without their captions)."""
_ROOMY_PX = 0.5 * PX / 0.85
_TICK_FONT = 8.0
_MARKER_PX = {"|": 10.0, ".": 4.0, "o": 8.0, "^": 8.0, "D": 7.0, "s": 7.0, "v": 8.0}


class _Frame:
    def __init__(self, scene: LifecycleScene, left: float, width: float, lane: float) -> None:
        self.scene, self.left, self.top, self.width, self.lane = scene, left, 28.0, width, lane
        self.height = (max(len(scene.lanes), 1) - 0.5 + 0.6) * lane

    def x(self, t: float) -> float:
        return self.left + (t - self.scene.x_low) / self.scene.span_ms * self.width

    def y(self, lane_units: float) -> float:
        return self.top + (lane_units + 0.6) * self.lane


def lifecycle_svg(scene: LifecycleScene, *, width: float = 11.0) -> Canvas:
    """The scene as an SVG picture ``width`` inches wide."""
    lines = [part for lane in scene.lanes for part in lane.name.split("\n")]
    left = max([text_px(n, _TICK_FONT) for n in lines] + [30.0]) + 14
    legend_w = max([text_px(e.label, _TICK_FONT) for e in scene.legend] + [0.0]) + 40
    count = max(len(scene.lanes), 1)
    frame = _Frame(scene, left, width * PX - left - legend_w, min(LANE_PX, MAX_PLOT_PX / count))
    legend_h = 20 + 16 * len(scene.legend)
    canvas = Canvas(width * PX, max(frame.top + frame.height + 48, legend_h), title=scene.title)
    canvas.define(
        f'<clipPath id="{canvas.ref("plot")}"><rect x="{frame.left:.1f}" y="{frame.top:.1f}" '
        f'width="{frame.width:.1f}" height="{frame.height:.1f}"/></clipPath>'
    )
    _axes(canvas, frame)
    roomy = frame.lane >= _ROOMY_PX
    canvas.begin(clip_path=f"url(#{canvas.ref('plot')})")
    for lane in scene.lanes:
        _lane(canvas, frame, lane, roomy)
    for routine, points in scene.marks.items():
        marker, colour = ROUTINE_MARKS[routine]
        xy = [(frame.x(t), frame.y(y)) for t, y in points]
        size = _MARKER_PX.get(marker, 8.0) * min(1.0, frame.lane / LANE_PX + 0.3)
        if marker == "|":
            canvas.path(marker_path("|", xy, size), stroke=colour, stroke_width=2.5, fill="none")
        else:
            canvas.path(marker_path("o" if marker == "." else marker, xy, size), fill=colour)
    canvas.end()
    _legend(canvas, scene, frame.left + frame.width + 14, frame.top)
    return canvas


def _axes(canvas: Canvas, frame: _Frame) -> None:
    scene = frame.scene
    unit, per_unit = time_unit(scene.span_ms)
    bottom = frame.top + frame.height
    for tick in UnitLocator(per_unit).tick_values(scene.x_low, scene.x_high):
        if scene.x_low <= tick <= scene.x_high:
            x = frame.x(tick)
            canvas.line(x, frame.top, x, bottom, stroke="#E6E6E6", stroke_width=0.8)
            canvas.line(x, bottom, x, bottom + 4, stroke="#000", stroke_width=0.8)
            canvas.text(x, bottom + 16, f"{tick / per_unit:g}", size=_TICK_FONT, text_anchor="middle")
    canvas.text(
        frame.left + frame.width / 2, bottom + 34, f"virtual time ({unit})", size=9, text_anchor="middle"
    )
    step = max(1, -(-len(scene.lanes) // 30))  # beyond 30 sessions, name every step-th one
    for lane in scene.lanes[::step]:
        y = frame.y(lane.y)
        canvas.line(frame.left - 4, y, frame.left, y, stroke="#000", stroke_width=0.8)
        subject, provider = lane.name.split("\n")
        thin = frame.lane < 2.4 * pt(_TICK_FONT)
        canvas.text(
            frame.left - 7,
            y + (pt(_TICK_FONT) * 0.35 if thin else -2),
            subject,
            size=_TICK_FONT,
            text_anchor="end",
        )
        if not thin:
            canvas.text(frame.left - 7, y + pt(_TICK_FONT), provider, size=_TICK_FONT, text_anchor="end")
    canvas.line(frame.left, frame.top, frame.left, bottom, stroke="#000", stroke_width=0.8)
    canvas.line(frame.left, bottom, frame.left + frame.width, bottom, stroke="#000", stroke_width=0.8)
    canvas.text(frame.left, frame.top - 9, scene.title, size=10)


def _lane(canvas: Canvas, frame: _Frame, lane: LifeLane, roomy: bool) -> None:
    top, height = LIFE_BAR
    x0, x1 = frame.x(lane.start), frame.x(max(lane.end, lane.start))
    canvas.rect(x0, frame.y(lane.y + top), x1 - x0, height * frame.lane, fill=lane.colour)
    lookups = [(frame.x(a), frame.y(y), frame.x(b), frame.y(y)) for a, b, y in lane.lookups]
    canvas.path(
        segments_path(lookups),
        stroke=LOOKUP_COLOUR,
        stroke_width=pt(4.0) * min(1.0, frame.lane / LANE_PX + 0.2),
    )
    y = frame.y(lane.y + ARG_Y)
    canvas.line(
        frame.x(lane.thread[0]), y, frame.x(lane.thread[1]), y, stroke=ARG_COLOUR, stroke_width=pt(1.2)
    )
    if lane.leaked_to is not None:
        canvas.line(
            frame.x(lane.thread[1]),
            y,
            frame.x(lane.leaked_to),
            y,
            stroke=ENDING_COLOURS["leaked"],
            stroke_width=pt(1.2),
            stroke_dasharray="5 3",
        )
    good = [(frame.x(t), y) for t, matched, _ in lane.uses if matched]
    bad = [(frame.x(t), y, value) for t, matched, value in lane.uses if not matched]
    canvas.path(marker_path("o", good, 4.2), fill=ARG_COLOUR)
    canvas.path(marker_path("o", [(x, yy) for x, yy, _ in bad], 6.3), fill=FAULT_COLOUR)
    if roomy:
        canvas.text(x0, y - 4, lane.caption, size=LABEL_FONT, fill=ARG_COLOUR)
        for x, yy, value in bad:
            canvas.text(x, yy + pt(LABEL_FONT) + 3, value, size=LABEL_FONT, fill=FAULT_COLOUR)
    if lane.crash is not None:
        x = frame.x(lane.crash)
        canvas.line(
            x,
            frame.y(lane.y - 0.32),
            x,
            frame.y(lane.y + 0.45),
            stroke=CRASH_COLOUR,
            stroke_width=pt(1.0),
            stroke_dasharray="1.5 2",
        )
        canvas.line(
            x, frame.y(lane.y - 0.31), x, frame.y(lane.y - 0.05), stroke=CRASH_COLOUR, stroke_width=pt(3.0)
        )
    if lane.faults:
        _faults(canvas, frame, lane, roomy)


def _faults(canvas: Canvas, frame: _Frame, lane: LifeLane, roomy: bool) -> None:
    xs = [frame.x(e.t) for e in lane.faults]
    stripes = [(x, frame.y(lane.y - 0.47), x, frame.y(lane.y + 0.45)) for x in xs]
    canvas.path(segments_path(stripes), stroke=FAULT_COLOUR, stroke_width=pt(1.0), stroke_opacity="0.7")
    y = frame.y(lane.y + 0.4)
    canvas.path(
        marker_path("X", [(x, y) for x in xs], 10.0), fill=FAULT_COLOUR, stroke="white", stroke_width=1
    )
    if roomy:
        per_char = frame.scene.span_ms / (frame.width / PX) * CHAR_INCHES
        for t, text, right in fault_names(lane.faults, per_char, frame.scene.x_high):
            canvas.text(
                frame.x(t) + (-8 if right else 8),
                y + pt(LABEL_FONT) * 0.35,
                text,
                size=LABEL_FONT,
                fill=FAULT_COLOUR,
                text_anchor="end" if right else "start",
            )


def _legend(canvas: Canvas, scene: LifecycleScene, x: float, y: float) -> None:
    for k, line in enumerate(scene.legend):
        row = y + 8 + 16 * k
        if line.key == "ending":
            canvas.rect(x, row - 5, 20, 10, fill=line.colour)
        elif line.key == "lookup":
            canvas.line(x, row, x + 20, row, stroke=line.colour, stroke_width=pt(4.0))
        elif line.key == "argument":
            canvas.line(x, row, x + 20, row, stroke=line.colour, stroke_width=pt(1.2))
            canvas.path(marker_path("o", [(x + 10, row)], 4.2), fill=line.colour)
        elif line.key == "crash":
            canvas.line(x + 10, row - 6, x + 10, row + 6, stroke=line.colour, stroke_width=pt(3.0))
        else:
            marker = {"fault": "X", "mismatch": "o"}.get(line.key) or ROUTINE_MARKS[line.key][0]
            if marker == "|":
                canvas.path(marker_path("|", [(x + 10, row)], 10.0), stroke=line.colour, stroke_width=2.5)
            else:
                canvas.path(
                    marker_path("o" if marker == "." else marker, [(x + 10, row)], 8.0), fill=line.colour
                )
        canvas.text(x + 27, row + pt(_TICK_FONT) * 0.35, line.label, size=_TICK_FONT)
