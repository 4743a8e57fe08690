"""Pictures of traces (matplotlib): the swimlane timeline, the NSPv2 session lifecycle and the OfflineV2
flag matrix.

Functions return a `matplotlib.figure.Figure` and accept ``ax=`` to draw into an existing Axes. Figures are
made with `Figure` directly, never through pyplot, so nothing stays open and any backend (Agg too) works;
they are `NotebookFigure`s, which a notebook shows as a picture without pyplot's inline backend.
Every string that comes from a trace is drawn as plain text: no mathtext, ``$`` shows as ``$``.

- `style`: the palette (every colour labkit draws), text rules, axes dressing, `NotebookFigure`;
- `timeline`: the swimlanes of any trace;
- `lifecycle`: NSPv2 client sessions from Startup to Cleanup / Rundown;
- `matrix`: the 128 OfflineV2 flag combinations × outcome.
"""

from __future__ import annotations

from labkit.text import time_unit
from labkit.views.plots.lifecycle import session_lifecycle
from labkit.views.plots.matrix import MATRIX_ROWS, flag_matrix_figure
from labkit.views.plots.style import (
    ARG_COLOUR,
    CALLBACK_COLOUR,
    COMPLETION_COLOUR,
    CRASH_COLOUR,
    EMPTY_COLOUR,
    ENDING_COLOURS,
    FALLBACK_COLOURS,
    FAULT_COLOUR,
    FAULT_COLOURS,
    HELPER_COLOUR,
    LOOKUP_COLOUR,
    NODE_COLOURS,
    RESULT_COLOURS,
    ROUTINE_MARKS,
    STATE_COLOURS,
    TIMEOUT_COLOUR,
    NotebookFigure,
    plain,
    state_colour,
)
from labkit.views.plots.timeline import cursor_line, timeline

__all__ = [
    "ARG_COLOUR",
    "CALLBACK_COLOUR",
    "COMPLETION_COLOUR",
    "CRASH_COLOUR",
    "EMPTY_COLOUR",
    "ENDING_COLOURS",
    "FALLBACK_COLOURS",
    "FAULT_COLOUR",
    "FAULT_COLOURS",
    "HELPER_COLOUR",
    "LOOKUP_COLOUR",
    "MATRIX_ROWS",
    "NODE_COLOURS",
    "RESULT_COLOURS",
    "ROUTINE_MARKS",
    "STATE_COLOURS",
    "TIMEOUT_COLOUR",
    "NotebookFigure",
    "cursor_line",
    "flag_matrix_figure",
    "plain",
    "session_lifecycle",
    "state_colour",
    "time_unit",
    "timeline",
]
