"""What the tests run in a lab notebook's kernel after its last cell: its widgets driven from the test side.

The notebooks carry no test code (a trainer's `make present` runs every cell, so a check cell would move
the widgets before the room sees them). Each check first asserts that the explorer is in the state a
reader opens it in (`make present` shows exactly that), then sets a control as a person would and
asserts what the widget recorded in Python (`.last`): not `Output.outputs`, which the browser syncs late.
"""

CHECKS = {
    "01-NSPv2-Session-Lifecycle.ipynb": """
from labkit.widgets import SessionExplorer as _Explorer
_default = _Explorer()
assert explorer.last.state == _default.last.state, (explorer.last.state, _default.last.state)
assert explorer.renders == 1, explorer.renders
explorer.scenario.value = "normal-exit"
assert explorer.last.state.scenario == "normal-exit", explorer.last
assert explorer.last.rows and all(row["ended"] == "Cleanup" for row in explorer.last.rows), explorer.last
""",
    "02-When-A-Client-Crashes.ipynb": """
assert explorer.last.state.scenario == "crash-during-lookup", explorer.last
assert explorer.last.state.crash == "both", explorer.last
assert explorer.renders == 1, explorer.renders
explorer.crash.value = "rundown"
assert explorer.last.state.crash == "rundown", explorer.last
assert "Rundown" in [row["ended"] for row in explorer.last.rows], explorer.last
""",
    "03-OfflineV2-Flag-Explorer.ipynb": """
from labkit.winapi import OfflineFlags as _F
assert explorer.last.state.flags == _F(0), explorer.last
assert explorer.last.state.os == "2016", explorer.last
assert not any(box.value or box.disabled for box in explorer.checkboxes.values())
assert explorer.renders == 1, explorer.renders
explorer.checkboxes[_F.QUEUE_ENABLED].value = True
assert _F.QUEUE_ENABLED in explorer.last.state.flags, explorer.last
explorer.os.value = "2012"
assert explorer.last.state.os == "2012", explorer.last
assert explorer.checkboxes[_F.DO_NOT_UPDATE_PERSISTENT_STATE].disabled
assert explorer.checkboxes[_F.IGNORE_NETWORK_CONNECTIVITY].disabled
""",
    "05-Pending-Offline-And-Timeouts.ipynb": """
from labkit.explore import PendingChoice as _Choice
assert explorer.last.state == _Choice("Hung", 60_000, 1_000), explorer.last
assert explorer.renders == 1, explorer.renders
assert explorer.last.text.startswith(
    "Hung reported 3 times; 60 s without a report passed PendingTimeout (60 s): Terminate at 63 s"
), explorer.last.text
explorer.dll.value = "SlowFlush"
explorer.pending_timeout.value = 1_000
explorer.report.value = 500
assert explorer.renders == 4 and explorer.last.state == _Choice("SlowFlush", 1_000, 500), explorer.last
assert "no Terminate (pending 2 s in all" in explorer.last.text, explorer.last.text
assert [row["CheckPoint"] for row in explorer.last.rows] == [None, 1, 2, 3, 4], explorer.last.rows
""",
    "06-Replay-A-Recorded-Trace.ipynb": """
import re as _re
def _unit():
    return _re.search(r"virtual time \\((\\w+)\\)", replayer.picture.value).group(1)
assert replayer.last.state[1] == replayer.slider.value == 0, replayer.last
assert replayer.renders == 1, replayer.renders
replayer.slider.value = len(trace) // 2
assert replayer.last.state[1] == len(trace) // 2, replayer.last
replayer.slider.value = 10
assert replayer.last.state[1:] == (10, True, "") and _unit() == "s", (replayer.last.state, _unit())
replayer.follow.value = False
assert replayer.last.state[1:] == (10, False, "") and _unit() == "min", (replayer.last.state, _unit())
replayer.lanes.value = "group"
assert replayer.last.state[3] == "group" and "lanes group: 1 of 3" in replayer.picture.value
assert replayer.renders == 5, replayer.renders
""",
    "10-When-A-Resource-Fails.ipynb": """
from labkit.explore import HealthChoice as _Choice
assert explorer.last.state == _Choice("isalive-failure-failover"), explorer.last.state
assert explorer.renders == 1, explorer.renders
explorer.action.value = 1
assert explorer.last.state.restart_action == 1, explorer.last
assert "0 failovers" in explorer.last.text, explorer.last.text
""",
}
"""Test code per lab notebook (by file name), run in the notebook's kernel after its last cell."""
