"""What a notebook calls to see a trace: the timeline, the tables, the contract checks and a replay cursor.

Every function takes a `labkit.Trace` (simulated, read with `labkit.read_trace`, or recorded elsewhere)::

    from labkit import views
    views.timeline(trace)          # matplotlib Figure: one lane per session, lookup, resource, group
    views.state_table(trace)       # DataFrame: one row per state interval
    views.replay(trace).cursor().seek_time(1500).states   # every subject's state at t = 1.5 s
"""

from labkit.checks import Violation, violations
from labkit.plots import timeline
from labkit.replay import Cursor, replay
from labkit.tables import calls_table, events_frame, faults_table, state_table

__all__ = [
    "Cursor",
    "Violation",
    "calls_table",
    "events_frame",
    "faults_table",
    "replay",
    "state_table",
    "timeline",
    "violations",
]
