"""A small SVG writer: shapes and text in pixels, every string escaped, one string at the end.

Text from a trace (subjects, routine names, states) becomes SVG text content or an attribute value, always
through `html.escape`: a name written as markup shows as typed. The picture is wrapped in a ``div`` with
the class that keeps MathJax away (`labkit.text.LITERAL`), so ``$x$`` stays ``$x$``.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Sequence

from labkit.text import LITERAL

PX = 96.0
"""Pixels per inch: a CSS pixel, so a font of ``n`` points is ``n * PX / 72`` pixels."""
FONT = "DejaVu Sans, Bitstream Vera Sans, Verdana, Geneva, sans-serif"
"""matplotlib's font first: labels are placed with its metrics."""


_ID = "\x00id\x00"  # replaced by a digest of the picture once it is written


def pt(points: float) -> float:
    """Points in pixels."""
    return points * PX / 72.0


def _n(value: float) -> str:
    """A coordinate, short: ``12.5``, ``3``."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(attributes: dict[str, object]) -> str:
    out = []
    for name, value in attributes.items():
        if value is None:
            continue
        text = _n(value) if isinstance(value, float) else str(value)
        out.append(f' {name.rstrip("_").replace("_", "-")}="{html.escape(text, quote=True)}"')
    return "".join(out)


class Canvas:
    """An SVG picture being written: add shapes in drawing order, then `svg` or `html`."""

    def __init__(self, width: float, height: float, *, title: str = "") -> None:
        self.width = width
        self.height = height
        self.title = title
        self._defs: list[str] = []
        self._parts: list[str] = []

    def define(self, markup: str) -> None:
        """Add to ``<defs>`` (clip paths, patterns); ``markup`` must be labkit's own, never trace text.
        Name what it defines with `ref` so that ids stay apart from other pictures on the page."""
        self._defs.append(markup)

    @staticmethod
    def ref(name: str) -> str:
        """An id for something in ``<defs>``, unique to this picture's content (ids are global in a page:
        two pictures must not borrow each other's clip path)."""
        return f"lk-{name}-{_ID}"

    def rect(self, x: float, y: float, w: float, h: float, **style: object) -> None:
        self._parts.append(f"<rect{_attrs({'x': x, 'y': y, 'width': w, 'height': h, **style})}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, **style: object) -> None:
        self._parts.append(line_markup(x1, y1, x2, y2, **style))

    def path(self, d: str, **style: object) -> None:
        """A path from ``d`` (built by labkit from numbers, see `bars_path`, `marker_path`)."""
        if d:
            self._parts.append(f"<path{_attrs({'d': d, **style})}/>")

    def text(self, x: float, y: float, text: str, *, size: float, **style: object) -> None:
        """``text`` with its baseline at ``y``; ``size`` in points."""
        attributes = {"x": x, "y": y, "font_size": _n(pt(size)), **style}
        self._parts.append(f"<text{_attrs(attributes)}>{html.escape(text, quote=False)}</text>")

    def begin(self, **attributes: object) -> None:
        """Open a group (``clip_path="url(#…)"``, a transform); close it with `end`."""
        self._parts.append(f"<g{_attrs(attributes)}>")

    def end(self) -> None:
        self._parts.append("</g>")

    def svg(self, extra: str = "") -> str:
        """The picture as an SVG element that scales to the width it is given; ``extra`` is markup drawn
        last (labkit's own, built like `Canvas` builds it: a cursor over a picture kept for many frames)."""
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            f'width="{_n(self.width)}" height="{_n(self.height)}" role="img" '
            f'aria-label="{html.escape(self.title, quote=True)}" font-family="{FONT}" '
            'style="max-width: 100%; height: auto; background: white">'
        )
        title = f"<title>{html.escape(self.title, quote=False)}</title>" if self.title else ""
        defs = f"<defs>{''.join(self._defs)}</defs>" if self._defs else ""
        body = f"{head}{title}{defs}{''.join(self._parts)}{extra}</svg>"
        return body.replace(_ID, hashlib.blake2b(body.encode(), digest_size=6).hexdigest())

    def html(self, extra: str = "") -> str:
        """The SVG in a ``div`` that MathJax leaves alone."""
        return f'<div class="labkit-picture {LITERAL}">{self.svg(extra)}</div>'


def line_markup(x1: float, y1: float, x2: float, y2: float, **style: object) -> str:
    """A line as markup on its own (for `Canvas.svg`'s ``extra``)."""
    return f"<line{_attrs({'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2, **style})}/>"


def bars_path(boxes: Iterable[tuple[float, float, float, float]]) -> str:
    """One path of many rectangles ``(x, y, width, height)``: a thousand bars are one element."""
    return "".join(f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}z" for x, y, w, h in boxes)


def segments_path(segments: Iterable[tuple[float, float, float, float]]) -> str:
    """One path of many line segments ``(x1, y1, x2, y2)``."""
    return "".join(f"M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}" for x1, y1, x2, y2 in segments)


_SHAPES: dict[str, Sequence[tuple[float, float]]] = {
    # unit outlines, centred on the point (y down)
    "v": ((-0.6, -0.5), (0.6, -0.5), (0.0, 0.55)),
    "^": ((-0.6, 0.5), (0.6, 0.5), (0.0, -0.55)),
    ">": ((-0.5, -0.6), (-0.5, 0.6), (0.55, 0.0)),
    "X": (
        (-0.5, -0.3),
        (-0.3, -0.5),
        (0.0, -0.2),
        (0.3, -0.5),
        (0.5, -0.3),
        (0.2, 0.0),
        (0.5, 0.3),
        (0.3, 0.5),
        (0.0, 0.2),
        (-0.3, 0.5),
        (-0.5, 0.3),
        (-0.2, 0.0),
    ),
    "D": ((0.0, -0.6), (0.6, 0.0), (0.0, 0.6), (-0.6, 0.0)),
    "s": ((-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)),
}


def marker_path(marker: str, points: Iterable[tuple[float, float]], size: float) -> str:
    """One path with a marker of ``size`` pixels at each point: ``v ^ > X D s`` are outlines, ``o`` a
    circle, ``|`` a vertical stroke (draw it with a stroke, not a fill)."""
    if marker == "o":
        r = size / 2
        arc = f"a{_n(r)} {_n(r)} 0 1 0"
        return "".join(f"M{_n(x - r)} {_n(y)}{arc} {_n(2 * r)} 0{arc} {_n(-2 * r)} 0z" for x, y in points)
    if marker == "|":
        return "".join(f"M{_n(x)} {_n(y - size / 2)}v{_n(size)}" for x, y in points)
    shape = _SHAPES[marker]
    out = []
    for x, y in points:
        corners = "L".join(f"{_n(x + dx * size)} {_n(y + dy * size)}" for dx, dy in shape)
        out.append(f"M{corners}z")
    return "".join(out)
