"""The explorers' logic without Jupyter: each model takes what the user picked and returns what to show
(a picture, a table, one line of text). `labkit.widgets` only wires ipywidgets to these models, so every
behaviour here is tested in plain pytest.

- `OfflineExplorerModel`: a cluster scenario, DLL, OS profile and OfflineV2 flags → the timeline, the
  offline summary and what the flags changed against none;
- `HealthExplorerModel`: a health scenario and the failure-policy knobs (poll intervals, DeadlockTimeout,
  RestartAction, RestartThreshold / RestartPeriod, FailoverThreshold, RetryPeriodOnFailure) → the
  timeline, the health summary and one line on what happened;
- `SessionExplorerModel`: an NSPv2 scenario, provider, crash policy and number of clients → the session
  lifecycle, the session summary and how the sessions ended;
- `PendingExplorerModel`: a DLL that keeps reporting or goes quiet, its report interval and the
  resource's PendingTimeout → the timeline, the status reports and when Terminate came;
- `ReplayModel`: a trace and a position → every subject's state there, the event, and the timeline around
  it with a cursor.

Pictures are SVG written from the same scenes as the matplotlib figures (`labkit.views.svg`): a few
milliseconds each, so a click is answered at once. Views are kept by choice.
"""

from __future__ import annotations

from labkit.explore.common import Kept, Rendered, Throttle, figure_png, records
from labkit.explore.health import (
    HEALTH_SCENARIOS,
    RESTART_ACTIONS,
    HealthChoice,
    HealthExplorerModel,
    HealthView,
)
from labkit.explore.offline import OfflineChoice, OfflineExplorerModel, OfflineView
from labkit.explore.pending import PendingChoice, PendingExplorerModel, PendingView
from labkit.explore.replayer import MAX_LANES, MAX_STATE_ROWS, ReplayFrame, ReplayModel, bursts, data_traces
from labkit.explore.sessions import SessionChoice, SessionExplorerModel, SessionView, clients_for

__all__ = [
    "HEALTH_SCENARIOS",
    "MAX_LANES",
    "MAX_STATE_ROWS",
    "RESTART_ACTIONS",
    "HealthChoice",
    "HealthExplorerModel",
    "HealthView",
    "Kept",
    "OfflineChoice",
    "OfflineExplorerModel",
    "OfflineView",
    "PendingChoice",
    "PendingExplorerModel",
    "PendingView",
    "Rendered",
    "ReplayFrame",
    "ReplayModel",
    "SessionChoice",
    "SessionExplorerModel",
    "SessionView",
    "Throttle",
    "bursts",
    "clients_for",
    "data_traces",
    "figure_png",
    "records",
]
