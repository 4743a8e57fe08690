"""The explorers of notebooks 05 and 06, driven from the test side: each notebook runs top to bottom in a
kernel kept alive, then code that exists only here moves the notebook's own widgets and checks what they
recorded (`.last`). The committed notebooks carry no test code."""

import nbformat
import pytest
from nbclient import NotebookClient

from labkit.lab import notebooks
from tests.lab import ROOT

pytestmark = pytest.mark.slow


def run_then(name, code):
    """Run ``notebooks/name`` cell by cell, then ``code`` in the same kernel; its stdout."""
    path = ROOT / "notebooks" / name
    with notebooks.scratch_copy(path, ROOT) as scratch:
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
            check = nbformat.v4.new_code_cell(code)
            nb.cells.append(check)
            client.execute_cell(check, len(nb.cells) - 1)
    return "".join(out.get("text", "") for out in check.outputs if out.get("name") == "stdout")


def test_the_pending_timeout_explorer_of_notebook_05():
    """Hung with PendingTimeout 60 s: Terminate a minute after the last report. Each control renders
    once; SlowFlush reporting every 500 ms against 1 s is never terminated."""
    said = run_then(
        "05-Pending-Offline-And-Timeouts.ipynb",
        """
from labkit.explore import PendingChoice
assert explorer.renders == 1 and explorer.last.state == PendingChoice("Hung", 60_000, 1_000), explorer.last
print(explorer.last.text)
explorer.dll.value = "SlowFlush"
explorer.pending_timeout.value = 1_000
explorer.report.value = 500
assert explorer.renders == 4 and explorer.last.state == PendingChoice("SlowFlush", 1_000, 500)
print(explorer.last.text)
print([row["CheckPoint"] for row in explorer.last.rows])
""",
    )
    assert said.splitlines() == [
        "Hung reported 3 times; 60 s without a report passed PendingTimeout (60 s): Terminate at 63 s; "
        "its report at 4.05 min got ResourceExitStateTerminate",
        "SlowFlush reported 4 times, never more than PendingTimeout (1 s) apart: Offline at 3 s, "
        "no Terminate (pending 2 s in all: PendingTimeout bounds the gap between reports)",
        "[None, 1, 2, 3, 4]",
    ]


def test_the_replayer_of_notebook_06_follows_zooms_and_filters():
    """The replayer over the notebook's trace: its window follows the cursor burst by burst, unticking
    follow shows the whole run, a lane filter keeps the group's lane."""
    said = run_then(
        "06-Replay-A-Recorded-Trace.ipynb",
        """
import re
before = replayer.renders
unit = lambda: re.search(r"virtual time \\((\\w+)\\)", replayer.picture.value).group(1)
replayer.slider.value = 10
print(replayer.last.state[1:], unit())
replayer.slider.value = 20
print(replayer.last.state[1:], unit())
replayer.follow.value = False
print(replayer.last.state[1:], unit())
replayer.lanes.value = "group"
print(replayer.last.state[1:], [row["subject"] for row in replayer.last.rows], replayer.renders - before)
""",
    )
    assert said.splitlines() == [
        "(10, True, '') s",
        "(20, True, '') s",
        "(20, False, '') min",
        "(20, False, 'group') ['Disk', 'group:SqlGroup'] 4",
    ]
