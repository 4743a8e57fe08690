"""The explorers for notebooks, as ipywidgets: thin views over the models of `labkit.explore`.

    from labkit.widgets import OfflineFlagExplorer, SessionExplorer, TraceReplayer, PendingTimeoutExplorer
    OfflineFlagExplorer("move-busy-dll")     # a checkbox per OfflineV2 flag → timeline, summary, what changed
    HealthExplorer("isalive-failure-failover")   # the failure policy's knobs → timeline, health summary
    SessionExplorer("crash-during-lookup")   # scenario, provider, crash policy, clients → lifecycle, sessions
    TraceReplayer("data/traces/nspv2-crash-during-lookup.jsonl")   # a slider over the events
    PendingTimeoutExplorer("Hung")           # reports, their gaps and PendingTimeout → when Terminate comes

This package is the only part of labkit that imports ipywidgets. Each explorer is a `VBox` that owns its
children and shows its picture (SVG), sentence and table through `HTML` widgets whose text is escaped and
kept from MathJax, all three set together in one rendering per change. Each records what it showed last in
``.last`` (a `labkit.explore.Rendered`): notebooks and tests check that, never the page.
"""

from __future__ import annotations

from labkit.widgets.base import labelled, table_html, text_html
from labkit.widgets.health import HealthExplorer
from labkit.widgets.offline import OfflineFlagExplorer
from labkit.widgets.pending import PendingTimeoutExplorer
from labkit.widgets.replayer import TraceReplayer
from labkit.widgets.sessions import SessionExplorer

__all__ = [
    "HealthExplorer",
    "OfflineFlagExplorer",
    "PendingTimeoutExplorer",
    "SessionExplorer",
    "TraceReplayer",
    "labelled",
    "table_html",
    "text_html",
]
