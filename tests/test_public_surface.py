"""The public surface sketched in DESIGN.md works as written."""

from pathlib import Path

import labkit
from labkit import cluster, nspv2, views
from labkit.winapi import OfflineFlags as F

DATA = Path(__file__).resolve().parent.parent / "data" / "traces"


def test_design_sketch_runs_as_written():
    """The DESIGN.md snippet, line by line, with the shapes a user relies on."""
    run = nspv2.simulate(
        nspv2.scenarios.get("crash-during-lookup"), provider=nspv2.providers.EmailDirectory()
    )
    frame = run.trace.to_frame()
    assert len(frame) == len(run.trace) and list(frame.columns)[:4] == ["seq", "t", "kind", "name"]
    assert views.timeline(run.trace).axes
    assert set(views.state_table(run.trace)["subject"]) >= {"session:101", "session:102"}

    run = cluster.simulate(
        cluster.scenarios.get("move-busy-dll"),
        flags=F.QUEUE_ENABLED | F.RETURN_TO_SOURCE_NODE_ON_ERROR,
        os="2016",
    )
    assert run.outcome["result_name"] == "ERROR_SUCCESS"
    assert cluster.flag_matrix("move-busy-dll", os="2016").shape == (128, 12)
    assert (
        labkit.read_trace(DATA / "nspv2-crash-during-lookup.jsonl").header.scenario == "crash-during-lookup"
    )


def test_all_is_sorted_and_importable():
    """labkit.__all__ is sorted and every name in it exists (SimPy's habit)."""
    assert labkit.__all__ == sorted(labkit.__all__)
    assert all(hasattr(labkit, name) for name in labkit.__all__)
