"""The session-lifecycle and flag-matrix pictures, inspected through their Axes (labels, colours)."""

import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from labkit import cluster, read_trace
from labkit.trace import Kind
from labkit.views.plots import (
    ARG_COLOUR,
    EMPTY_COLOUR,
    ENDING_COLOURS,
    FAULT_COLOUR,
    ROUTINE_MARKS,
    STATE_COLOURS,
    flag_matrix_figure,
    session_lifecycle,
)
from labkit.winapi import OfflineFlags
from tests.conftest import make_tracer

GOLDEN = "data/traces/nspv2-{}.jsonl"


def texts(ax):
    return [t.get_text() for t in ax.texts]


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def scatter_colours(ax):
    return {
        tuple(round(v, 4) for v in c.get_facecolors()[0])
        for c in ax.collections
        if isinstance(c, PathCollection) and len(c.get_offsets())
    }


def rgba(colour):
    return tuple(round(v, 4) for v in to_rgba(colour))


def test_lifecycle_of_crash_during_lookup():
    """One lane per session, bars coloured by how it ended, the argument's path labelled, the crash shown."""
    fig = session_lifecycle(read_trace(GOLDEN.format("crash-during-lookup")))
    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "session:101\ncontoso-mail (slow)",
        "session:102\ncontoso-mail (slow)",
    ]
    assert ax.get_title(loc="left") == "crash-during-lookup · 2 client sessions"
    assert ax.get_xlabel() == "virtual time (ms)"
    bars = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    assert [tuple(round(v, 4) for v in b.get_facecolors()[0]) for b in bars] == [
        rgba(ENDING_COLOURS["both"]),
        rgba(ENDING_COLOURS["Cleanup"]),
    ]
    assert texts(ax) == ["session#1 → Rundown + Cleanup", "session#2 → Cleanup"]
    assert legend(ax) == [
        "session ended by NSPv2Cleanup",
        "session ended by Rundown and Cleanup",
        "lookup open (Begin → End)",
        "NSPv2Startup",
        "NSPv2LookupServiceBegin",
        "NSPv2LookupServiceNextEx",
        "NSPv2LookupServiceEnd",
        "NSPv2Cleanup",
        "NSPv2ClientSessionRundown",
        "session argument: Startup → uses",
        "client process crashed",
    ]
    colours = scatter_colours(ax)
    assert rgba(ROUTINE_MARKS["NSPv2ClientSessionRundown"][1]) in colours
    assert rgba(ARG_COLOUR) in colours


def test_lifecycle_names_leaks_faults_and_wrong_arguments():
    """A leak gets its colour, faults their names, and a call with another argument a red label."""
    [ax] = session_lifecycle(read_trace(GOLDEN.format("leaky-rundown"))).axes
    assert "session leaked (provider kept its state)" in legend(ax)
    assert "SessionStateLeaked" in "".join(texts(ax))
    tr = make_tracer("nspv2")
    start = tr.record(
        Kind.CALL, "NSPv2Startup", actor="broker", subject="session:9", t=0, evidence="documented"
    )
    tr.record(Kind.RETURN, "NSPv2Startup", actor="provider", subject="session:9", span=start.span,
              args={"ppvClientSessionArg": "ctx-A"}, t=0, evidence="documented")  # fmt: skip
    tr.record(Kind.CALL, "NSPv2Cleanup", actor="broker", subject="session:9", t=5,
              args={"pvClientSessionArg": "$ctx-B$"}, evidence="documented")  # fmt: skip
    [ax] = session_lifecycle(tr.trace).axes
    assert texts(ax) == ["ctx-A → Cleanup", "$ctx-B$"]
    assert legend(ax)[-1] == "another argument"
    assert ax.get_title(loc="left") == "inline · 1 client session"


def test_lifecycle_of_a_trace_without_sessions_draws_an_empty_figure():
    """No sessions: an empty but valid figure, into a given Axes."""
    fig = Figure()
    ax = fig.add_subplot()
    assert session_lifecycle(read_trace(GOLDEN.format("vista-non-email")), ax=ax) is fig
    assert ax.get_yticklabels() == [] and ax.get_legend() is None


def matrix_frame():
    """Two OS profiles, four combinations: 0 fails busy, QUEUE_ENABLED succeeds on NODE2, a fault at 0x01."""
    rows = []
    for os in ("2012", "2016"):
        for flags, result, node, faults in (
            (0, "ERROR_CLUSTER_GROUP_BUSY", "NODE1", ""),
            (1, "ERROR_CLUSTER_GROUP_BUSY", "NODE1", "PendingTimeout"),
            (4, "ERROR_SUCCESS", "NODE2", ""),
            (5, "ERROR_SUCCESS", "NODE2", ""),
        ):
            rows.append((os, flags, "", "", "", result, "Online", node, True, "", faults, 1.0))
    return pd.DataFrame(rows, columns=list(cluster.matrix.COLUMNS))


def cell(ax, row, column):
    image = ax.get_images()[0].get_array()
    return tuple(round(float(v), 4) for v in image[row, column])


def test_flag_matrix_figure_rows_columns_and_colours():
    """Outcome rows per OS on top, a row per flag by name, columns in bit order, each colour in the legend."""
    [ax] = flag_matrix_figure(matrix_frame()).axes
    outcome = ["result", "state", "node", "persistent state", "faults"]
    flags = [str(f.name) for f in OfflineFlags.single_flags()]  # bit order, short names
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        *(f"{name} · 2012" for name in outcome),
        *(f"{name} · 2016" for name in outcome),
        *flags,
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0x00"]
    assert cell(ax, 0, 0) == rgba("#D55E00") and cell(ax, 0, 2) == rgba(STATE_COLOURS["Online"])
    assert cell(ax, 1, 0) == rgba(STATE_COLOURS["ClusterResourceOnline"])
    assert cell(ax, 2, 0) != cell(ax, 2, 2)  # NODE1 and NODE2
    assert cell(ax, 4, 1) == rgba(FAULT_COLOUR) and cell(ax, 4, 0) == rgba(EMPTY_COLOUR)
    assert legend(ax) == [
        "result: ERROR_CLUSTER_GROUP_BUSY",
        "result: ERROR_SUCCESS",
        "state: Online",
        "node: NODE1",
        "node: NODE2",
        "persistent state: online",
        "faults: none",
        "faults: PendingTimeout",
    ]
    dots = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert [tuple(p) for p in dots.get_offsets()] == [(1, 11), (2, 13), (3, 11), (3, 13)]


def test_what_if_flags_are_rings_and_say_so_in_the_legend():
    """A flag no client API of the scenario can ask for (0x08 through MoveClusterGroupEx) is a ring, not a
    dot, and the legend says why; a flag a client can ask for stays a dot."""
    frame = matrix_frame()
    frame.loc[frame["flags"] == 5, ["flags", "what_if"]] = [9, "RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR"]
    [ax] = flag_matrix_figure(frame).axes
    dots, rings = [c for c in ax.collections if isinstance(c, PathCollection)][:2]
    assert [tuple(p) for p in dots.get_offsets()] == [(1, 11), (2, 13), (3, 11)]
    assert [tuple(p) for p in rings.get_offsets()] == [(3, 14)]
    assert legend(ax)[-1] == "what-if: no client API of the scenario can ask for this flag"


def test_flag_matrix_figure_of_a_real_matrix_has_128_columns():
    """The whole matrix of a scenario: 128 columns, ticks every 16 combinations, the title names the OS."""
    [ax] = flag_matrix_figure(cluster.flag_matrix("plain-offline", os="2016")).axes
    assert ax.get_images()[0].get_array().shape[:2] == (5, 128)
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{16 * k:#04x}" for k in range(8)]
    assert ax.get_title(loc="left") == "OfflineV2 flag matrix: 128 combinations × outcome (2016)"
