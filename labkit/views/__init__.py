"""What a notebook calls to see a trace: the timeline, the tables, the summaries, the contract checks, a
replay cursor, the diff of two runs, and the pictures and guides of the OfflineV2 flags.

Every trace function takes a `labkit.Trace` (simulated, read with `labkit.read_trace`, or recorded
elsewhere)::

    from labkit import views
    views.timeline(trace)          # matplotlib Figure: one lane per session, lookup, resource, group
    views.timeline(trace, window=(0, 3_500), lanes="session")   # a stretch of time, lanes by kind/pattern
    views.state_table(trace)       # DataFrame: one row per state interval
    views.summary(trace)           # one row per NSPv2 client session, or per cluster offline operation
    views.health_summary(trace)    # cluster: per resource, polls, failures, restarts, failovers, monitors
    views.log_violations(trace)    # cluster: pending past PendingTimeout, calls past DeadlockTimeout, ...
    views.session_args_table(trace)       # NSPv2: the session argument each call into the provider carried
    views.readable(views.faults_table(trace))   # any table with every cell in full, text left-aligned
    views.diff(before, after).summary()   # what changed, in one sentence
    views.changes_table(views.diff(before, after))   # every change as a table
    views.session_lifecycle(trace)        # NSPv2: Startup → lookups / sets → Cleanup / Rundown per session
    views.flag_matrix_figure("move-busy-dll", os="2016")   # 128 flag combinations × outcome
    views.replay(trace).cursor().seek_time(1500).states   # every subject's state at t = 1.5 s
    views.rules_table("nspv2", evidence="inferred")   # the rule catalogue, and the scenarios citing each rule
    views.runs_timeline(store.open("runs/"), "Disk")      # one resource in every stored run, a lane each
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from labkit.readback.diff import TraceDiff, diff
from labkit.readback.logchecks import LOG_CHECKS, log_violations
from labkit.readback.replay import Cursor, replay
from labkit.trace import Trace
from labkit.trace.checks import Violation, violations
from labkit.trace.literal import literal
from labkit.views.flagguide import flag_bits_table, flag_guide
from labkit.views.plots import session_lifecycle, timeline
from labkit.views.plots.matrix import flag_matrix_figure as draw_flag_matrix
from labkit.views.rules import evidence_summary, rules_table, scenario_rules
from labkit.views.tables import (
    calls_table,
    changes_table,
    events_frame,
    faults_table,
    health_summary,
    offline_summary,
    readable,
    session_args_table,
    session_summary,
    state_table,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from labkit.store import Store

__all__ = [
    "Cursor",
    "TraceDiff",
    "Violation",
    "calls_table",
    "changes_table",
    "diff",
    "events_frame",
    "evidence_summary",
    "faults_table",
    "flag_bits_table",
    "flag_guide",
    "flag_matrix",
    "flag_matrix_figure",
    "health_summary",
    "log_checks_table",
    "log_violations",
    "offline_summary",
    "readable",
    "replay",
    "rules_table",
    "runs_timeline",
    "scenario_rules",
    "session_args_table",
    "session_lifecycle",
    "session_summary",
    "state_table",
    "summary",
    "timeline",
    "violations",
]


def summary(trace: Trace) -> pd.DataFrame:
    """The trace's summary table: `session_summary` for an nspv2 trace (one row per client session),
    `offline_summary` for a cluster trace (one row per offline operation)."""
    return session_summary(trace) if trace.domain == "nspv2" else offline_summary(trace)


def flag_matrix(
    scenario: Any,
    *,
    os: str | Iterable[str] = "2016",
    dll: Any = None,
    seed: int = 0,
    policy: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run a cluster scenario once per combination of the seven OfflineV2 flags
    (`labkit.cluster.flag_matrix`): one row per combination and OS profile, with its result, final state
    and node, persistent state, callbacks and faults."""
    from labkit import cluster  # the cluster simulator loads only for the views that run it

    return literal(cluster.flag_matrix(scenario, os=os, dll=dll, seed=seed, policy=policy))


def flag_matrix_figure(
    matrix: Any,
    ax: Axes | None = None,
    *,
    os: str | Iterable[str] = "2016",
    dll: Any = None,
    title: str | None = None,
) -> Figure:
    """The flag matrix as a picture (`labkit.views.plots.flag_matrix_figure`). ``matrix`` is a `flag_matrix`
    frame, or a scenario (name or object) to run first on ``os`` with ``dll``."""
    if not hasattr(matrix, "columns"):
        matrix = flag_matrix(matrix, os=os, dll=dll)
    return draw_flag_matrix(matrix, ax, title=title)


def log_checks_table() -> pd.DataFrame:
    """The timing and counting rules `labkit check` applies to a cluster trace or log (`LOG_CHECKS`): one
    row per rule with the properties it measures against (sheet defaults), what it says, its source."""
    import pandas as pd

    return literal(
        pd.DataFrame(
            {
                "rule": [c.rule for c in LOG_CHECKS],
                "properties": [", ".join(f"{k}={v}" for k, v in c.properties.items()) for c in LOG_CHECKS],
                "says": [c.says for c in LOG_CHECKS],
                "source": [c.source for c in LOG_CHECKS],
            }
        )
    )


def runs_timeline(store: Store, subject: str, *, where: str = "true", **options: Any) -> Figure:
    """The timeline of ``subject`` in every run of a trace store (`labkit.store`): one lane per run, each
    on its own clock (`Store.across_runs`). ``where`` picks runs with SQL on the store's ``traces`` table
    (``"scenario = 'move-busy-dll'"``); ``options`` go to `timeline`."""
    return timeline(store.across_runs(subject, where=where), **options)
