"""The timeline as SVG: the scene `labkit.views.plots.scene` works out, written in a few milliseconds.

The explorers show this instead of a PNG of the matplotlib figure: the browser draws the text, so a
picture costs the kernel 1-5 ms instead of the ~90 ms matplotlib takes to rasterise its labels. Lanes,
bars, marks, labels and legend are the matplotlib timeline's (same scene, same label placement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labkit.text import NO_SUBJECT, time_unit
from labkit.views.plots.scene import BAR, MARK_Y, TICK, LegendEntry, TimelineScene, bar_names, place_labels
from labkit.views.plots.style import (
    CALLBACK_COLOUR,
    CHAR_INCHES,
    COMPLETION_COLOUR,
    FAULT_COLOUR,
    HEALTH_COLOUR,
    HELPER_COLOUR,
    LABEL_FONT,
    TIMEOUT_COLOUR,
    UnitLocator,
    axis_label,
    ink_on,
    label_inches,
    short,
    state_colour,
    tick_text,
)
from labkit.views.svg.canvas import PX, Canvas, bars_path, line_markup, marker_path, pt, segments_path

LANE_PX = 0.75 * PX
"""A lane's height when there is room: the bar, two rows of labels above it and one below."""
MAX_PLOT_PX = 16 * PX
"""The tallest the lanes get together; beyond, lanes get thinner (and lose their labels)."""
_ROOMY_PX = 0.45 * PX / 0.85  # the matplotlib timeline's threshold for writing labels
_TICK_FONT = 8.0
_MARKS = {
    # kind: (marker, colour, size in px at full lane height)
    "callback": ("v", CALLBACK_COLOUR, 7.0),
    "helper": ("^", HELPER_COLOUR, 7.0),
    "completion": ("o", COMPLETION_COLOUR, 6.8),
    "open_end": (">", COMPLETION_COLOUR, 7.3),
}
_LEGEND_MARKS = {"callback": "v", "helper": "^", "completion": "o", "fault": "X", "timeout": "X"}


def text_px(text: str, size: float = LABEL_FONT) -> float:
    """How wide ``text`` is written at ``size`` points, in pixels (matplotlib's font metrics)."""
    return label_inches(text) * PX * size / LABEL_FONT


@dataclass(frozen=True)
class Frame:
    """Where the plot sits in the picture, in pixels, and how time and lanes map onto it."""

    left: float
    top: float
    width: float
    lane: float
    """Pixels per lane."""
    scene: TimelineScene

    @property
    def height(self) -> float:
        return (max(len(self.scene.lanes), 1) + 0.12) * self.lane

    def x(self, t: float) -> float:
        return self.left + (t - self.scene.x_low) / self.scene.span_ms * self.width

    def y(self, lane_units: float) -> float:
        return self.top + (lane_units + 0.62) * self.lane


@dataclass(frozen=True)
class TimelinePicture:
    """A timeline written once, shown with its cursor anywhere: moving the cursor writes one line."""

    canvas: Canvas
    frame: Frame

    @property
    def title(self) -> str:
        return self.canvas.title

    def html(self, cursor: float | None = None) -> str:
        """The picture (in a MathJax-free ``div``), with a dashed cursor line at virtual ms ``cursor``
        (default: the scene's cursor, if any)."""
        frame, scene = self.frame, self.frame.scene
        cursor = scene.cursor if cursor is None else cursor
        if cursor is None or not scene.x_low <= cursor <= scene.x_high:
            return self.canvas.html()
        x = frame.x(cursor)
        line = line_markup(
            x,
            frame.top,
            x,
            frame.top + frame.height,
            stroke="#000",
            stroke_width=1.3,
            stroke_dasharray="3 3",
            class_="labkit-cursor",
        )
        return self.canvas.html(line)


def timeline_svg(scene: TimelineScene, *, width: float = 11.0, note: str = "") -> TimelinePicture:
    """The scene as an SVG picture ``width`` inches wide (CSS inches: 96 px), lanes of `LANE_PX` while
    they fit in `MAX_PLOT_PX`; ``note`` is a line under the axis (what the picture leaves out). The
    scene's cursor, if any, is drawn; `TimelinePicture.html` draws it anywhere else."""
    names = [short(s or NO_SUBJECT) for s in scene.lanes]
    left = max([text_px(n, _TICK_FONT) for n in names] + [30.0]) + 14
    legend_w = max([text_px(e.label, _TICK_FONT) for e in scene.legend] + [0.0]) + 40 if scene.legend else 10
    lanes = max(len(scene.lanes), 1)
    lane = min(LANE_PX, MAX_PLOT_PX / lanes)
    frame = Frame(left, 28.0, width * PX - left - legend_w, lane, scene)
    legend_h = 20 + 16 * len(scene.legend)
    canvas = Canvas(
        width * PX, max(frame.top + frame.height + 48 + (14 if note else 0), legend_h), title=scene.title
    )
    canvas.define(
        f'<clipPath id="{canvas.ref("plot")}"><rect x="{frame.left:.1f}" y="{frame.top:.1f}" '
        f'width="{frame.width:.1f}" height="{frame.height:.1f}"/></clipPath>'
        f'<pattern id="{canvas.ref("hatch")}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" '
        'stroke-opacity="0.35" stroke-width="1.2"/></pattern>'
    )
    _axes(canvas, frame, names)
    canvas.begin(clip_path=f"url(#{canvas.ref('plot')})")
    _bars(canvas, frame)
    roomy = lane >= _ROOMY_PX
    if roomy:
        _bar_names(canvas, frame)
    _spans(canvas, frame)
    _marks(canvas, frame, size=min(1.0, lane / LANE_PX))
    if roomy:
        _labels(canvas, frame)
    canvas.end()
    _legend(canvas, scene.legend, frame.left + frame.width + 14, frame.top)
    if note:
        canvas.text(frame.left, frame.top + frame.height + 56, note, size=_TICK_FONT, fill="#555")
    return TimelinePicture(canvas, frame)


def _axes(canvas: Canvas, frame: Frame, names: Sequence[str]) -> None:
    scene = frame.scene
    unit, per_unit = time_unit(scene.span_ms)
    bottom = frame.top + frame.height
    origin = scene.clock.origin_ms if scene.clock is not None else 0.0
    for tick in UnitLocator(per_unit, origin).tick_values(scene.x_low, scene.x_high):
        if scene.x_low <= tick <= scene.x_high:
            x = frame.x(tick)
            canvas.line(x, frame.top, x, bottom, stroke="#E6E6E6", stroke_width=0.8)
            canvas.line(x, bottom, x, bottom + 4, stroke="#000", stroke_width=0.8)
            label = tick_text(tick, per_unit, scene.clock)
            canvas.text(x, bottom + 16, label, size=_TICK_FONT, text_anchor="middle")
    label = axis_label(unit, scene.clock)
    canvas.text(frame.left + frame.width / 2, bottom + 34, label, size=9, text_anchor="middle")
    step = max(1, -(-len(names) // 60))  # beyond 60 lanes, name every step-th one
    for k in range(0, len(names), step):
        y = frame.y(k)
        canvas.line(frame.left - 4, y, frame.left, y, stroke="#000", stroke_width=0.8)
        canvas.text(frame.left - 7, y + pt(_TICK_FONT) * 0.35, names[k], size=_TICK_FONT, text_anchor="end")
    canvas.line(frame.left, frame.top, frame.left, bottom, stroke="#000", stroke_width=0.8)
    canvas.line(frame.left, bottom, frame.left + frame.width, bottom, stroke="#000", stroke_width=0.8)
    canvas.text(frame.left, frame.top - 9, scene.title, size=10)


def _bars(canvas: Canvas, frame: Frame) -> None:
    """One path per colour: thousands of bars stay a handful of elements."""
    half = BAR * frame.lane
    for inferred in (False, True):
        by_colour: dict[str, list[tuple[float, float, float, float]]] = {}
        for bar in frame.scene.bars:
            if bar.inferred != inferred:
                continue
            x0, x1 = (
                max(frame.x(bar.start), frame.left - 2),
                min(frame.x(bar.end), frame.left + frame.width + 2),
            )
            box = (x0, frame.y(bar.lane) - half, x1 - x0, 2 * half)
            by_colour.setdefault(state_colour(bar.state), []).append(box)
        for colour, boxes in by_colour.items():
            d = bars_path(boxes)
            stroke = "white" if len(boxes) < 2000 else "none"
            canvas.path(
                d, fill=colour, fill_opacity="0.55" if inferred else None, stroke=stroke, stroke_width=0.8
            )
            if inferred:
                canvas.path(d, fill=f"url(#{canvas.ref('hatch')})", stroke="none")


def _bar_names(canvas: Canvas, frame: Frame) -> None:
    per_char = frame.scene.span_ms / (frame.width / PX) * CHAR_INCHES
    for centre, bar, text in bar_names(frame.scene, per_char):
        canvas.text(
            frame.x(centre),
            frame.y(bar.lane) + pt(LABEL_FONT) * 0.35,
            text,
            size=LABEL_FONT,
            text_anchor="middle",
            fill=ink_on(state_colour(bar.state)),
        )


def _spans(canvas: Canvas, frame: Frame) -> None:
    for kind, colour, width, dash in (
        ("running", CALLBACK_COLOUR, pt(3.0), None),
        ("pending", COMPLETION_COLOUR, pt(1.2), "5 3"),
    ):
        segments = [
            (frame.x(s.start), frame.y(s.lane + s.y), frame.x(s.end), frame.y(s.lane + s.y))
            for s in frame.scene.spans
            if s.kind == kind
        ]
        canvas.path(
            segments_path(segments), stroke=colour, stroke_width=width, stroke_dasharray=dash, fill="none"
        )


def _marks(canvas: Canvas, frame: Frame, size: float) -> None:
    marks = frame.scene.marks
    for kind, (marker, colour, px) in _MARKS.items():
        points = [(frame.x(m.t), frame.y(m.lane + MARK_Y)) for m in marks if m.kind == kind]
        canvas.path(marker_path(marker, points, px * max(size, 0.4)), fill=colour)
    low, high = TICK
    for kind, colour, width in (("health", HEALTH_COLOUR, pt(0.5)), ("health-false", FAULT_COLOUR, pt(1.6))):
        ticks = [
            (frame.x(m.t), frame.y(m.lane - BAR - low), frame.x(m.t), frame.y(m.lane - BAR - high))
            for m in marks
            if m.kind == kind
        ]
        canvas.path(segments_path(ticks), stroke=colour, stroke_width=width)
    for kind, colour in (("fault", FAULT_COLOUR), ("timeout", TIMEOUT_COLOUR)):
        part = [m for m in marks if m.kind == kind]
        stripes = [(frame.x(m.t), frame.y(m.lane - 0.5), frame.x(m.t), frame.y(m.lane + 0.5)) for m in part]
        canvas.path(
            segments_path(stripes),
            stroke=colour,
            stroke_width=pt(1.4),
            stroke_opacity="0.8",
            stroke_dasharray="5 3" if kind == "timeout" else None,
        )
        points = [(frame.x(m.t), frame.y(m.lane)) for m in part]
        canvas.path(
            marker_path("X", points, 11.0 * max(size, 0.4)), fill=colour, stroke="white", stroke_width=1
        )


def _labels(canvas: Canvas, frame: Frame) -> None:
    scene = frame.scene
    inch = scene.span_ms / (frame.width / PX)
    size = pt(LABEL_FONT)
    for placed in place_labels(scene.labels, scene.x_low, scene.x_high, inch):
        label = placed.label
        y = frame.y(placed.y) + (size * 0.8 if label.below else -size * 0.22)
        canvas.text(
            frame.x(label.t),
            y,
            label.text,
            size=LABEL_FONT,
            fill=label.colour,
            text_anchor="end" if placed.flip else "start",
        )


def _legend(canvas: Canvas, entries: Sequence[LegendEntry], x: float, y: float) -> None:
    for k, entry in enumerate(entries):
        row = y + 8 + 16 * k
        if entry.key == "state":
            canvas.rect(x, row - 5, 20, 10, fill=entry.colour)
        elif entry.key in ("health", "health-false"):
            canvas.line(x + 10, row - 6, x + 10, row + 6, stroke=entry.colour, stroke_width=pt(1.6))
        elif entry.key in ("running", "pending"):
            dash = "5 3" if entry.key == "pending" else None
            width = pt(3.0) if entry.key == "running" else pt(1.5)
            canvas.line(x, row, x + 20, row, stroke=entry.colour, stroke_width=width, stroke_dasharray=dash)
        else:
            if entry.key == "timeout":
                canvas.line(
                    x, row, x + 20, row, stroke=entry.colour, stroke_width=pt(1.5), stroke_dasharray="5 3"
                )
            canvas.path(marker_path(_LEGEND_MARKS[entry.key], [(x + 10, row)], 9.0), fill=entry.colour)
        canvas.text(x + 27, row + pt(_TICK_FONT) * 0.35, entry.label, size=_TICK_FONT)
