"""The OfflineV2 flag matrix as a picture: one column per combination of the seven flags, outcome rows on
top (one block per OS profile), one row per flag under them."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit.views.plots.style import (
    CALLBACK_COLOUR,
    EMPTY_COLOUR,
    FAULT_COLOURS,
    NODE_COLOURS,
    RESULT_COLOURS,
    STATE_COLOURS,
    NotebookFigure,
    plain,
    root_figure,
    side_legend,
    state_colour,
)
from labkit.winapi import OfflineFlags

MATRIX_ROWS = ("result", "state", "node", "persistent_state", "faults")
"""The outcome columns of `labkit.cluster.flag_matrix` drawn as rows, one block per OS profile."""
_ROW_TITLES = {"persistent_state": "persistent state"}
WHAT_IF_COLOUR = "#E69F00"
"""The ring of a flag no client API can ask for."""


def flag_matrix_figure(
    frame: Any, ax: Axes | None = None, *, title: str | None = None, width: float = 13.0
) -> Figure:
    """The flag matrix (a `labkit.cluster.flag_matrix` frame) as a grid: one column per combination of
    the seven OfflineV2 flags (in bit order, 0x00 … 0x7F), outcome rows on top — result, final state,
    node, persistent state and faults, one block per OS profile in the frame — and one row per flag under
    them with a dot where the combination sets it — a ring where no client API of the scenario can ask for
    the flag (the frame's ``what_if``: the row is a what-if, not a request a client could make). Colours:
    states as in every labkit figure,
    ERROR_SUCCESS green and each failure code its own warm colour, one colour per node, faults red; the
    legend on the right names every colour shown.
    """
    profiles = list(dict.fromkeys(str(os) for os in frame["os"]))
    bits = sorted({int(b) for b in frame["flags"]})
    rows = [(os, name) for os in profiles for name in MATRIX_ROWS]
    n_rows = len(rows) + 1 + len(OfflineFlags.single_flags())  # a blank row between outcomes and flags
    if ax is None:
        ax = NotebookFigure(figsize=(width, 1.6 + 0.26 * n_rows), layout="constrained").add_subplot()
    figure = root_figure(ax)
    palettes = _paint_outcomes(ax, frame, rows, bits)
    for block in range(1, len(profiles)):
        ax.axhline(block * len(MATRIX_ROWS) - 0.5, color="#333333", linewidth=1.2, zorder=3)
    rings = _flag_dots(ax, bits, len(rows) + 1, _what_ifs(frame))
    _matrix_axes(ax, rows, bits, several_os=len(profiles) > 1)
    default = f"OfflineV2 flag matrix: {len(bits)} combinations × outcome" + (
        f" ({', '.join(profiles)})" if profiles else ""
    )
    ax.set_title(title if title is not None else default, loc="left", fontsize=10, parse_math=False)
    handles: list[Any] = [
        Patch(facecolor=colour, label=plain(f"{_ROW_TITLES.get(name, name)}: {value}"))
        for name in MATRIX_ROWS
        for value, colour in palettes[name].items()
    ]
    if rings:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor="none",
                color=WHAT_IF_COLOUR,
                label="what-if: no client API of the scenario can ask for this flag",
            )
        )
    side_legend(ax, handles, fontsize=7)
    return figure


def _paint_outcomes(
    ax: Axes, frame: Any, rows: list[tuple[str, str]], bits: list[int]
) -> dict[str, dict[str, str]]:
    """The outcome rows as one image, a cell per combination and row; returns each row's palette (value
    → colour) for the legend."""
    column = {b: k for k, b in enumerate(bits)}
    palettes: dict[str, dict[str, str]] = {name: {} for name in MATRIX_ROWS}
    for node in sorted({_matrix_value("node", v) for v in frame["node"]}):  # NODE1 keeps its colour
        _matrix_colour("node", node, palettes["node"])
    image = np.ones((max(len(rows), 1), max(len(bits), 1), 4))
    for row in frame.itertuples(index=False):
        k = column[int(row.flags)]
        for r, (os, name) in enumerate(rows):
            if str(row.os) == os:
                value = _matrix_value(name, getattr(row, name))
                image[r, k] = to_rgba(_matrix_colour(name, value, palettes[name]))
    extent = (-0.5, len(bits) - 0.5, len(rows) - 0.5, -0.5)
    ax.imshow(image, aspect="auto", interpolation="nearest", extent=extent, zorder=1)
    ax.hlines(np.arange(0.5, len(rows) - 0.5), -0.5, len(bits) - 0.5, colors="white", linewidth=0.6, zorder=2)
    return palettes


def _what_ifs(frame: Any) -> dict[int, int]:
    """Combination → the bits of it no client API of the scenario can send (the ``what_if`` column)."""
    if "what_if" not in getattr(frame, "columns", ()):
        return {}
    found: dict[int, int] = {}
    for bits, text in zip(frame["flags"], frame["what_if"], strict=True):
        if isinstance(text, str) and text:
            found[int(bits)] = int(OfflineFlags.parse(text))
    return found


def _flag_dots(ax: Axes, bits: list[int], top: int, what_if: dict[int, int]) -> bool:
    """One row per flag from row ``top`` down: a dot where the combination sets the flag (a ring where no
    client API can ask for it), a faint dot where it does not, and a light rule every 16 combinations (it
    helps the eye count). True when it drew a ring."""
    flags = OfflineFlags.single_flags()
    set_bits = [
        (k, top + j, bool(what_if.get(b, 0) & f))
        for k, b in enumerate(bits)
        for j, f in enumerate(flags)
        if b & f
    ]
    asked = [(x, y) for x, y, ring in set_bits if not ring]
    rings = [(x, y) for x, y, ring in set_bits if ring]
    ax.scatter(
        [x for x, _ in asked],
        [y for _, y in asked],
        s=14,
        color=CALLBACK_COLOUR,
        marker="o",
        linewidths=0,
        zorder=4,
    )
    if rings:
        ax.scatter(
            [x for x, _ in rings],
            [y for _, y in rings],
            s=14,
            facecolors="none",
            edgecolors=WHAT_IF_COLOUR,
            marker="o",
            linewidths=0.9,
            zorder=4,
        )
    grid_x = [k for k in range(len(bits)) for _ in flags]
    grid_y = [top + j for _ in bits for j in range(len(flags))]
    ax.scatter(grid_x, grid_y, s=4, color="#DDDDDD", marker="o", linewidths=0, zorder=3)
    for k, b in enumerate(bits):
        if b and b % 16 == 0:
            ax.axvline(k - 0.5, color="#BBBBBB", linewidth=0.6, zorder=2)
    return bool(rings)


def _matrix_axes(ax: Axes, rows: list[tuple[str, str]], bits: list[int], *, several_os: bool) -> None:
    """Limits, row names (outcomes, then flags), combination ticks every 16 and no frame."""
    flags = OfflineFlags.single_flags()
    n_out = len(rows)
    ax.set_xlim(-0.5, len(bits) - 0.5)
    ax.set_ylim(n_out + 1 + len(flags) - 0.5, -0.5)
    outcome_labels = [_ROW_TITLES.get(name, name) + (f" · {os}" if several_os else "") for os, name in rows]
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
