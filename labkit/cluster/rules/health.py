"""Cluster rules of health checks, Resource Monitor processes and the failure policy (§2.7, §3, §5.3).

Part of the cluster catalogue: `labkit.cluster.rules` collects these with the other topics
(``rules.RULES``), and every name here is also a name of that package (``rules.IS_ALIVE_FALSE``).
Sources use the reference sheet's keys, plus the Microsoft property pages it does not list by key:
resource-types-<name> and resources-restartdelay, groups-failoverthreshold and groups-failoverperiod
(learn.microsoft.com, previous-versions/windows/desktop/mscs), and MS-CMRP sections by number.
"""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import Rule, RuleMaker

DOC, HDR, OBS, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.OBSERVED, Evidence.INFERRED

_rule = RuleMaker("cluster")


# -- health checks ----------------------------------------------------------------------------------------

LOOKS_ALIVE_POLL = _rule(
    "looksalive-poll",
    "The monitor calls LooksAlive every LooksAlivePollInterval, the resource type's interval (5000 ms by "
    "default) when the resource's is 0xFFFFFFFF.",
    DOC,
    "cluster-offline §2.7, §5.3, §7 G18; W:resource-failure, W:resources-looksalivepollinterval, "
    "resource-types-looksalivepollinterval (default 5000)",
)
IS_ALIVE_POLL = _rule(
    "isalive-poll",
    "The monitor calls IsAlive every IsAlivePollInterval (60000 ms by default, the resource type's when the "
    "resource's is 0xFFFFFFFF).",
    DOC,
    "cluster-offline §2.7, §5.3; W:resource-failure, W:resources-isalivepollinterval (whose remarks say 1 "
    "where the sheet reads -1), resource-types-isalivepollinterval",
)
LOOKS_ALIVE_FALSE = _rule(
    "looksalive-false-calls-isalive",
    "A LooksAlive that returns FALSE makes the monitor call IsAlive at once.",
    DOC,
    "cluster-offline §2.7; W:implementing-looksalive, W:resource-failure",
)
IS_ALIVE_FALSE = _rule(
    "isalive-false-fails-resource",
    "An IsAlive that returns FALSE makes the monitor mark the resource ClusterResourceFailed and call "
    "Terminate.",
    DOC,
    "cluster-offline §2.7, §5.2; W:implementing-isalive, W:resource-failure",
)
IS_ALIVE_LOG = _rule(
    "isalive-failure-logged",
    "RHS writes 'Resource <name> IsAlive has indicated failure.' to the cluster log when IsAlive returns "
    "FALSE.",
    OBS,
    "cluster-offline §8; JTC-C (RHS shapes)",
)
HEALTH_RETURNS = _rule(
    "health-check-returns-bool",
    "LooksAlive and IsAlive return a BOOL: TRUE when the resource is (probably) healthy, FALSE when it may "
    "have failed.",
    HDR,
    "cluster-offline §2.7; H:res:369-379 (PIS_ALIVE_ROUTINE, PLOOKS_ALIVE_ROUTINE), LA, IA",
)
HEALTH_MISBEHAVES = _rule(
    "health-check-misbehaving-is-false",
    "labkit counts a health check that misbehaves (raises, or returns something other than a BOOL) as FALSE.",
    INF,
    "cluster-offline §2.7; labkit's choice (a real monitor would see whatever the DLL left behind)",
)
HEALTH_WHILE_ONLINE = _rule(
    "health-checks-while-online",
    "labkit polls a resource only while it is ClusterResourceOnline, its timers starting afresh each time "
    "it comes online, and only in runs that ask for health checks.",
    INF,
    "cluster-offline §2.7; W:resource-failure (polls of a working resource); when the timers start is not "
    "documented, and labkit leaves polls out of the OfflineV2 scenarios to keep them short",
)
EVENT_HANDLE_NO_LOOKSALIVE = _rule(
    "event-handle-skips-looksalive",
    "A resource whose OnlineV2 returned an event handle gets no LooksAlive polls; the DLL signals the "
    "event on failure instead.",
    DOC,
    "cluster-offline §2.4, §2.7, §7 G9; ON1, W:implementing-asynchronous-failure-detection",
    modelled=False,
)

# -- resource monitors ------------------------------------------------------------------------------------

MONITOR_PER_NODE = _rule(
    "monitor-per-node",
    "By default a node's resources share one Resource Monitor process, and a resource with SeparateMonitor "
    "runs in a monitor of its own.",
    DOC,
    "cluster-offline §3 rule 6; W:resource-monitor, resources-separatemonitor (default FALSE)",
)
MONITOR_STATES = _rule(
    "monitor-states",
    "labkit names a monitor's state with RESOURCE_MONITOR_STATE: RmonInitializing while it starts, RmonIdle "
    "between calls, the state of a call while that call blocks, RmonDeadlocked past DeadlockTimeout.",
    INF,
    "cluster-offline §1.2, §3; H:res:917-934 (the names only: no page says when a monitor is in which)",
)
MONITOR_KILLED = _rule(
    "deadlock-fails-hosted-resources",
    "A monitor killed after a deadlock takes down every resource it hosted: each fails and is restarted as "
    "its failure policy says.",
    DOC,
    "cluster-offline §3 rule 6; BLOG-RHS (quoted in JTC-B), W:resource-failure; "
    "JTC-B (RestartResources log line)",
)
MONITOR_RESTARTS = _rule(
    "monitor-restarts-at-once",
    "labkit starts a killed monitor's process again at once, under the same monitor number.",
    INF,
    "cluster-offline §3 rule 6; BLOG-RHS (RHS is restarted); how soon is not documented",
)
SEPARATE_MONITOR = _rule(
    "deadlock-sets-separate-monitor",
    "The cluster marks the resource whose call deadlocked to run in a separate monitor (SeparateMonitor), "
    "so it runs in a monitor of its own from its next online on.",
    DOC,
    "cluster-offline §3 rule 6, §8; BLOG-RHS, resources-separatemonitor (takes effect at the next online), "
    "JTC-B (HandleMonitorReply log line)",
)

# -- failure policy ---------------------------------------------------------------------------------------

DONT_RESTART = _rule(
    "restart-action-dont-restart",
    "With RestartAction ClusterResourceDontRestart (0) a failed resource is not restarted and stays failed.",
    DOC,
    "cluster-offline §5.3; W:resources-restartaction, CLUSTER_RESOURCE_RESTART_ACTION",
)
NO_FAILOVER = _rule(
    "restart-action-no-failover",
    "With RestartAction ClusterResourceRestartNoNotify (1) a resource past RestartThreshold within "
    "RestartPeriod stays failed and its group is not failed over.",
    DOC,
    "cluster-offline §5.3; W:resources-restartaction, W:resources-restartthreshold",
)
FAILOVER_THRESHOLD = _rule(
    "failover-threshold",
    "A group that failed over FailoverThreshold times within FailoverPeriod hours is not failed over again, "
    "FailoverThreshold 0xFFFFFFFF meaning the number of nodes minus one.",
    DOC,
    "cluster-offline §5.3; groups-failoverthreshold, groups-failoverperiod (default 6 h), W:failover; log "
    "shape 'Not failing over group' [O: SQLHADR]",
)
FAILOVER_RESTARTS_AFRESH = _rule(
    "failover-restarts-afresh",
    "labkit counts a resource's restarts afresh on the node its group failed over to, and counts the "
    "failover being decided in failoverCount.",
    INF,
    "cluster-offline §5.3; not documented; the count follows the observed 'failoverCount 3 … "
    "computedFailoverThreshold 2' line",
)
RETRY_PERIOD = _rule(
    "retry-period-on-failure",
    "A failed resource that was not failed over stays failed for RetryPeriodOnFailure, then, when "
    "RestartAction allows restarts, the cluster makes one final attempt to bring it online.",
    DOC,
    "cluster-offline §5.3; W:resource-failure, W:resources-retryperiodonfailure (default 0x36EE80 = 1 h, "
    "0xFFFFFFFF never, at least RestartPeriod)",
)

HEALTH_RULES: tuple[Rule, ...] = tuple(v for v in tuple(globals().values()) if isinstance(v, Rule))
"""The rules of this module, in order: health checks, monitors, failure policy."""
