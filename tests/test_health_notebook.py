"""Notebook 10 (When A Resource Fails) driven from the test side: its cells run in a kernel kept alive, then
test code (never saved in the notebook) turns the explorer's knobs and reads what it recorded."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from labkit.lab import notebooks
from tests.lab import ROOT

NOTEBOOK = ROOT / "notebooks" / "10-When-A-Resource-Fails.ipynb"

CHECKS = """
import json
seen = {"first": explorer.last.text, "renders": explorer.renders}
explorer.action.value = 1
seen["no_failover"] = explorer.last.text
explorer.threshold.value = 0
seen["rows"] = [(r["resource"], r["restarts"], r["failovers"]) for r in explorer.last.rows]
explorer.scenario.value = "looksalive-hang-separate-monitor"
explorer.deadlock.value = 60
seen["deadlock"] = [(f.name, f.t) for f in explorer.model.run(explorer.choice).faults]
seen["renders_after"] = explorer.renders
seen["restart_rows"] = len(views.health_summary(restart.trace))
seen["hang_monitors"] = list(views.health_summary(hang.trace)["monitors"])
seen["capped"] = [f.t for f in capped.faults]
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def seen():
    """Run every cell of notebook 10, then `CHECKS` in the same kernel; what it printed, as data."""
    with notebooks.scratch_copy(NOTEBOOK, ROOT) as scratch:
        nb = notebooks.read(scratch)
        client = NotebookClient(
            nb,
            timeout=notebooks.CELL_TIMEOUT,
            kernel_name=notebooks.KERNEL,
            resources={"metadata": {"path": str(scratch.parent)}},
        )
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            probe = nbformat.v4.new_code_cell(CHECKS)
            nb.cells.append(probe)  # in memory only: the committed notebook carries no test code
            client.execute_cell(probe, len(nb.cells) - 1)
    (printed,) = [o["text"] for o in probe.outputs if o.get("name") == "stdout"]
    return json.loads(printed)


def test_the_explorer_in_the_notebook_follows_its_knobs(seen):
    """The explorer starts with the default policy (a failover to NODE2); RestartAction 1 keeps the group
    failed on NODE1; RestartThreshold 0 means no restart at all; a 60 s DeadlockTimeout kills the hung
    monitor at 120 s; each change rendered once."""
    assert seen["first"].endswith("SqlGroup ends ClusterGroupOnline on NODE2") and seen["renders"] == 1
    assert seen["no_failover"].endswith("SqlGroup ends ClusterGroupFailed on NODE1")
    assert seen["rows"] == [["Disk", 0, 0]]
    assert seen["deadlock"] == [["DeadlockTimeout", 120000.0]]
    assert seen["renders_after"] == 5


def test_the_notebook_tells_the_stories_it_says(seen):
    """The restart story has one resource; in the hang only SqlServer moved monitor; the capped pending
    offline ends at the last report plus DeadlockTimeout."""
    assert seen["restart_rows"] == 1
    assert seen["hang_monitors"] == ["monitor:1", "monitor:1 → monitor:2", "monitor:1"]
    assert seen["capped"] == [303000.0]
