"""What every labkit figure shares: the palette (one colour per state, everywhere), the text rules and
measurements, the axes dressing and the figure class a notebook shows without pyplot.

Every colour labkit draws is named here, so a state, a fault or a routine looks the same in the timeline,
the session lifecycle and the flag matrix. Every string that comes from a trace is drawn as plain text:
no mathtext, ``$`` shows as ``$``.
"""

from __future__ import annotations

import functools
import io
import math
import zlib
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator

from labkit.readback.clock import WallClock
from labkit.text import NO_SUBJECT, time_unit

# One palette for every figure: a state always has the same colour (Okabe-Ito based, colour-blind safe).
# Running / up: greens and blues; waiting or pending: orange and yellow; ended in order: greys;
# ended abnormally: purple and red.
STATE_COLOURS: dict[str, str] = {
    # NSPv2 sessions, lookups, providers (docs/trace-conventions.md)
    "Started": "#009E73",
    "NoStartup": "#44AA99",
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
    # cluster groups: CLUSTER_GROUP_STATE (and the words of traces written before labkit used them)
    "ClusterGroupOnline": "#009E73",
    "ClusterGroupPartialOnline": "#88CCAA",
    "ClusterGroupPending": "#E69F00",
    "ClusterGroupOffline": "#999999",
    "ClusterGroupFailed": "#D55E00",
    "ClusterGroupStateUnknown": "#555555",
    "Online": "#009E73",
    "Moving": "#0072B2",
    "Queued": "#F0E442",
    "Offline": "#999999",
    "Failed": "#D55E00",
    # Resource Monitor processes: RESOURCE_MONITOR_STATE (a blocking call's state in amber)
    "RmonInitializing": "#56B4E9",
    "RmonIdle": "#CFE8D8",
    "RmonDeadlocked": "#8E0000",
    "RmonLooksAlivePoll": "#E69F00",
    "RmonIsAlivePoll": "#E69F00",
    "RmonOnlineResource": "#E69F00",
    "RmonOfflineResource": "#E69F00",
    "RmonTerminateResource": "#E69F00",
    "RmonInitializingResource": "#E69F00",
    "RmonDeletingResource": "#E69F00",
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
HEALTH_COLOUR = "#4A6FA5"
COMPLETION_COLOUR = "#6A3D9A"
FAULT_COLOUR = "#C62828"
TIMEOUT_COLOUR = "#8E0000"

# NSPv2 session lifecycle
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
    "not told": STATE_COLOURS["Ended"],
    "still open": STATE_COLOURS["Started"],
}
"""A session's life bar is coloured by how it ended (`labkit.readback.sessions.Session.ended`)."""
ARG_COLOUR = "#117733"
LOOKUP_COLOUR = "#B5CDE3"
CRASH_COLOUR = "#8E0000"

# OfflineV2 flag matrix
RESULT_COLOURS = ("#D55E00", "#CC79A7", "#E69F00", "#882255", "#F0E442", "#AA4499", "#661100", "#EE8866")
"""Failure codes, in order of first appearance (ERROR_SUCCESS is always the state green)."""
NODE_COLOURS = ("#332288", "#DDCC77", "#44AA99", "#AA4466", "#88CCEE", "#999933")
FAULT_COLOURS = (FAULT_COLOUR, "#F4A582", "#8E0000", "#FDDBC7")
EMPTY_COLOUR = "#F2F2F2"

LABEL_FONT = 7.0
"""Font size of the labels drawn in the plot area."""
CHAR_INCHES = LABEL_FONT * 0.62 / 72.0
"""An average character of a label, in inches."""


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


class UnitLocator(Locator):
    """Ticks at round numbers of the display unit while the data stays in ms."""

    def __init__(self, per_unit: float, origin: float = 0.0) -> None:
        self.per_unit = per_unit
        self.origin = origin
        """Where the axis's 0 is on the clock the ticks are round on (a wall clock's ms since 1970)."""
        self._inner = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10])

    def __call__(self) -> Sequence[float]:
        if self.axis is None:
            return []
        low, high = self.axis.get_view_interval()
        return self.tick_values(low, high)

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        origin = self.origin
        ticks = self._inner.tick_values((vmin + origin) / self.per_unit, (vmax + origin) / self.per_unit)
        return [float(v) * self.per_unit - origin for v in ticks]


class NotebookFigure(Figure):
    """A `Figure` that shows itself as a PNG when it is a notebook cell's value, in any frontend.

    IPython draws a plain Figure only once pyplot has loaded the inline backend, which labkit never does:
    without this, ``views.timeline(trace)`` printed ``<Figure size 1100x440 with 1 Axes>``.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def root_figure(ax: Axes) -> Figure:
    """The Figure an Axes is drawn in, through any SubFigures."""
    figure: Any = ax.get_figure()
    while not isinstance(figure, Figure):
        figure = figure.get_figure()
    return figure


@functools.lru_cache(maxsize=4096)
def label_inches(text: str) -> float:
    """How wide ``text`` is drawn at the label size, in inches: measured with the font, because names in
    capitals (ERROR_CLUSTER_GROUP_BUSY) run wider than an average character allows for. Hinting widens
    text drawn at screen resolutions (80-100 dpi) by up to 5% over the outline's width."""
    width, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=LABEL_FONT), False)
    return float(width) * 1.06 / 72.0


def per_inch(ax: Axes, x_range: float, *, lay_out: bool = False) -> float:
    """Data units (ms) per inch of the Axes' width.

    With ``lay_out`` the figure's layout runs first, so the width is the one the Axes will be drawn at;
    otherwise the layout is guessed to take 15% for tick labels and legend (a long legend takes more).
    """
    figure = root_figure(ax)
    engine = figure.get_layout_engine()
    if lay_out and engine is not None:
        engine.execute(figure)
    width_in = ax.bbox.width / figure.dpi * (1.0 if lay_out else 0.85)
    return x_range / max(width_in, 0.5)


def char_width(ax: Axes, x_range: float) -> float:
    """The width of one average label character in data units (ms)."""
    return per_inch(ax, x_range) * CHAR_INCHES


def tick_text(x: float, per_unit: float, clock: WallClock | None = None) -> str:
    """A time tick's label: ``1.5`` in the axis's unit, or a wall clock's time of day (``14:02:30``)."""
    if clock is None:
        return f"{x / per_unit:g}"
    moment = clock.at(round(x))
    if moment.microsecond:
        return moment.strftime("%H:%M:%S.%f")[:-3]  # ms, as the log writes them
    return moment.strftime("%H:%M:%S" if moment.second or per_unit < 60_000 else "%H:%M")


def axis_label(unit: str, clock: WallClock | None = None) -> str:
    """``virtual time (s)``, or for a trace imported from logs ``wall clock (UTC+02:00), 2024-05-01``."""
    return f"virtual time ({unit})" if clock is None else f"wall clock ({clock.zone}), {clock.at(0):%Y-%m-%d}"


def dress_axes(ax: Axes, lanes: Sequence[str], span_ms: float, clock: WallClock | None = None) -> None:
    """Lane names, the time axis in the unit that reads best, a light grid. With a ``clock`` (a trace
    imported from logs) the time axis reads the log's own wall clock, ticks at round times of it."""
    step = max(1, math.ceil(len(lanes) / 60))  # beyond 60 lanes, name every step-th one
    ticks = list(range(0, len(lanes), step))
    ax.set_yticks(ticks, [plain(short(lanes[i] or NO_SUBJECT)) for i in ticks], fontsize=8)
    unit, per_unit = time_unit(span_ms)
    ax.xaxis.set_major_locator(UnitLocator(per_unit, clock.origin_ms if clock is not None else 0.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: tick_text(x, per_unit, clock)))
    ax.set_xlabel(axis_label(unit, clock), fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#E6E6E6", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def short(subject: str, limit: int = 32) -> str:
    return subject if len(subject) <= limit else subject[: limit - 1] + "…"


def ink_on(colour: str) -> str:
    r, g, b, _ = to_rgba(colour)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#FFFFFF"


def side_legend(ax: Axes, handles: Sequence[Any], *, fontsize: float = 8) -> None:
    """The legend every labkit figure puts outside the Axes, on the right, without a frame."""
    if handles:
        ax.legend(
            handles=list(handles),
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            fontsize=fontsize,
            frameon=False,
        )


def plural(count: int, noun: str) -> str:
    """``1 client session``, ``3 client sessions``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
