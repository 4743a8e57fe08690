"""Pictures as SVG for the explorers: the same scenes the matplotlib figures draw, written as text the
browser draws. A picture costs the kernel a few milliseconds, so an explorer answers a click at once.

- `canvas`: a small SVG writer (every string escaped, MathJax kept away);
- `timeline`: the swimlane timeline of `labkit.views.plots.scene`;
- `lifecycle`: the NSPv2 session lifecycle.
"""

from __future__ import annotations

from labkit.views.svg.canvas import Canvas
from labkit.views.svg.lifecycle import lifecycle_svg
from labkit.views.svg.timeline import timeline_svg

__all__ = ["Canvas", "lifecycle_svg", "timeline_svg"]
