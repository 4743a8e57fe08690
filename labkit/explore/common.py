"""What the explorers share: the record of what a widget showed (`Rendered`), a small cache of views by
choice, the throttle that keeps a dragged slider from queueing redraws, and the PNG of a figure."""

from __future__ import annotations

import io
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DPI = 80
"""Resolution of `figure_png`: sharp enough on screen, quick to encode."""


@dataclass(frozen=True)
class Rendered:
    """What a widget showed last: recorded in Python so notebooks and tests can check it."""

    state: Any
    """The model state it rendered (a choice, or the trace and position)."""
    rows: tuple[dict[str, Any], ...]
    """The table's rows."""
    text: str
    """The one line under the controls (or the error, when the choice could not run)."""
    title: str = ""
    """The picture's title."""
    error: bool = False
    """Whether ``text`` is an error message instead of a result."""
    picture: str = field(default="", repr=False)
    """The picture as shown: SVG in a ``div`` (empty when the choice could not run)."""


def records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """A table's rows as plain dicts (missing values as None, numbers as Python numbers)."""
    names = [str(name) for name in frame.columns]
    columns = [[_plain(v) for v in frame[name].tolist()] for name in frame.columns]
    return tuple(dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True))


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if isinstance(value, np.generic) else value


class Kept(Generic[K, V]):
    """The last ``size`` values worked out, by key: an explorer shows a choice it showed before at once."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, work_out: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``work_out()`` kept for next time."""
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        value = work_out()
        if self.size > 0:
            self._kept[key] = value
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._kept)


class Throttle:
    """Shows the latest state of something that changes faster than it can be shown.

    The first change of a burst is shown at once; changes while the last showing is less than
    ``interval`` seconds old are held, and the newest is shown when the interval is over (through
    ``later(delay, callback)``, an event loop's ``call_later``). So a dragged slider shows its position
    every ``interval`` while it moves and its last position soon after it stops, and never queues one
    redraw per position it passed. Without ``later`` (no event loop) every change is shown at once.
    """

    def __init__(
        self,
        show: Callable[[], None],
        interval: float = 0.08,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.show = show
        self.interval = interval
        self.clock = clock
        self.held = False
        """Whether a change is waiting to be shown."""
        self._shown_at = -float("inf")

    def changed(self, later: Callable[[float, Callable[[], None]], object] | None) -> None:
        """Something changed: show it now, or once the interval since the last showing is over."""
        if self.held:
            return  # the held showing will show this change too: it reads the state when it runs
        wait = self._shown_at + self.interval - self.clock()
        if wait <= 0 or later is None:
            self._show()
        else:
            self.held = True
            later(wait, self._release)

    def _release(self) -> None:
        self.held = False
        self._show()

    def _show(self) -> None:
        try:
            self.show()
        finally:
            self._shown_at = self.clock()  # from the end: the kernel gets time to read the next changes


def figure_png(figure: Figure, dpi: int = DPI) -> bytes:
    """A matplotlib figure as PNG bytes, drawn once with Agg (no pyplot, any backend), lightly compressed."""
    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    buffer = io.BytesIO()
    pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    imsave(buffer, pixels, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
