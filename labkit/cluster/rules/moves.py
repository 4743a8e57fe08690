"""Cluster rules of moves and failures, and the documented ones labkit does not model."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.INFERRED

_rule = RuleMaker("cluster")


# -- moves ------------------------------------------------------------------------------------------------

MOVE = _rule(
    "move-offline-then-online",
    "A move takes the group's resources offline on the source node, hands the group to the destination and "
    "brings it online there.",
    DOC,
    "cluster-offline §5.3; W:failover, MCGX",
)
DEPENDENTS_FIRST = _rule(
    "offline-dependents-first",
    "A group goes offline dependents first and comes online dependencies first, and an offline of one "
    "resource first takes offline the resources that depend on it.",
    DOC,
    "cluster-offline §5.3; W:failover, MS-CMRP 3.1.4.2.19 (ApiOfflineResource) and 3.1.1.1.2",
)
IN_BUFFER = _rule(
    "in-buffer-reaches-dll",
    "The property list a client passes reaches OfflineV2 of each online resource its request takes offline.",
    DOC,
    "cluster-offline §6.3; MCGX, ORX, CMRP-ORX, CMRP-OGX",
)
DESTINATION_NAME = _rule(
    "destination-node-name",
    "labkit passes DestinationNodeName NULL for a plain offline, the target node for a move, and the source "
    "node for a return trip.",
    INF,
    "cluster-offline §6.3; OV2 (the node that will hold the resource); the values are the sheet's reading",
)
BEST_NODE = _rule(
    "best-node",
    "labkit picks the node of a move without a destination, or of a failover, as the next preferred node "
    "that is up and has its network.",
    INF,
    "cluster-offline §6.3, §5.3; MCGX (the cluster chooses when hDestinationNode is NULL)",
)
QUEUE = _rule(
    "queue-enabled-waits",
    "With QUEUE_ENABLED a move that a DLL delays waits in the cluster's queue "
    "(CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE) and is retried until it completes, fails otherwise or is "
    "cancelled.",
    DOC,
    "cluster-offline §6.2 (0x04); MCGX, CMRP-MGX, H:clus:2937",
)
BUSY_QUEUES = _rule(
    "not-now-queues-move",
    "labkit queues a move with QUEUE_ENABLED when its DLL says 'not now' (OFFLINE_BUSY or a THROTTLED "
    "flag), taking that for the delay the documented queue is for.",
    INF,
    "cluster-offline §6.2 (0x04); MCGX (the queue), H:res:258-270 (which flag says 'not now' is not "
    "documented)",
)
QUEUE_RETRY = _rule(
    "queue-retry-interval",
    "labkit retries a queued move every queue_retry_ms (1 s by default).",
    INF,
    "cluster-offline §6.2 (0x04); the interval is not documented",
    policy="queue_retry_ms",
)
DELAY_FAILS_MOVE = _rule(
    "delay-without-queue-fails-move",
    "labkit assumes a move that a DLL delays fails with ERROR_CLUSTER_GROUP_BUSY when it lacks "
    "QUEUE_ENABLED.",
    INF,
    "cluster-offline §6.2 (0x04), §9 Q2; the code is not documented",
)
MOVE_STAYS = _rule(
    "failed-move-stays",
    "A move that does not happen leaves the group in its persistent state on the source node.",
    DOC,
    "cluster-offline §6.2 (0x02, 0x04); MCGX (rejected move), CCGO (cancelled operation)",
)
RETURN_TO_SOURCE = _rule(
    "return-to-source-on-error",
    "With RETURN_TO_SOURCE_NODE_ON_ERROR a group that cannot reach its persistent state on the destination "
    "is moved back to the source node.",
    DOC,
    "cluster-offline §6.2 (0x02); MCGX, CMRP-MGX",
)
RETURNING_FLAG = _rule(
    "returning-flag-on-return-trip",
    "labkit assumes the cluster sets RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR (0x08) on the offline of a "
    "return trip, with the source node as destination.",
    INF,
    "cluster-offline §6.2 (0x08), §6.4, §9 Q1; OV2 (meaning only)",
)

# -- failures ---------------------------------------------------------------------------------------------

EMBEDDED_FAILURE = _rule(
    "embedded-failure-offline",
    "labkit assumes that after SignalFailure(FAILURE_TYPE_EMBEDDED) the cluster takes the resource offline "
    "with DUE_TO_EMBEDDED_FAILURE (0x10), then restarts it.",
    INF,
    "cluster-offline §6.2 (0x10), §6.4; OV2 (meaning only), SF, ROT",
)
NETWORK_LOSS = _rule(
    "network-loss-moves-groups",
    "labkit assumes the groups of a node that lost its network move away with IGNORE_NETWORK_CONNECTIVITY "
    "(0x20) where the OS knows it.",
    INF,
    "cluster-offline §6.2 (0x20), §6.4; OV2 (meaning only), H:clus (CLUSGRP_STATUS_NETWORK_FAILURE)",
)
GENERAL_FAILURE = _rule(
    "general-failure-fails-resource",
    "labkit assumes SignalFailure(FAILURE_TYPE_GENERAL) makes the cluster mark the resource Failed, call "
    "Terminate and apply the failure policy.",
    INF,
    "cluster-offline §2.11, §5.2, §5.3; SF, W:resource-failure",
)
FAILURE_IGNORED = _rule(
    "failure-while-busy-ignored",
    "labkit ignores a SignalFailure that arrives while the resource is not online or its group is busy.",
    INF,
    "cluster-offline §5.3; not documented",
)
RESTART = _rule(
    "restart-after-failure",
    "A failed resource is restarted on its node up to RestartThreshold times within RestartPeriod when "
    "RestartAction allows it.",
    DOC,
    "cluster-offline §5.3; W:resource-failure, W:resources-restartthreshold, W:resources-restartperiod, "
    "W:resources-restartaction",
)
RESTART_DELAY = _rule(
    "restart-delay",
    "The cluster waits RestartDelay (500 ms by default) before it restarts a failed resource.",
    DOC,
    "cluster-offline §5.3; resources-restartdelay (Windows Server 2012 and later; not on the sheet)",
)
FAILOVER = _rule(
    "failover-after-restarts",
    "With RestartAction 2 a resource that used up its restarts makes its group fail over to another node.",
    DOC,
    "cluster-offline §5.3; W:resources-restartaction, W:failover",
)
NO_NODE_LEFT = _rule(
    "failed-group-stays-failed",
    "A group that cannot fail over anywhere stays failed.",
    DOC,
    "cluster-offline §5.3; W:resource-failure",
)
GROUP_STATE = _rule(
    "group-state-from-resources",
    "A group is ClusterGroupFailed when a resource failed, else ClusterGroupPending when one is pending, "
    "else ClusterGroupPartialOnline when some but not all are online, ClusterGroupOnline when all are and "
    "ClusterGroupOffline when none is.",
    DOC,
    "cluster-offline §5.3; MS-CMRP 3.1.4.1.46 (ApiGetGroupState), GetClusterGroupState, H:clus:2719-2726",
)
GROUP_STATUS = _rule(
    "group-status-information",
    "labkit notes the group's StatusInformation bits (CLUSGRP_STATUS_*) each time the cluster sets or "
    "clears one of those it models.",
    INF,
    "cluster-offline §6.2; H:clus:2937-2940 (the bits' names); when the cluster sets them is not documented",
)
RUN_NOTES = _rule(
    "run-notes",
    "labkit notes when a run stops at its horizon with work left, and when the flags asked for have no "
    "request to carry them.",
    INF,
    "cluster-offline §4; labkit's own notes",
)
RUN_END = _rule(
    "run-end-abandons-calls",
    "labkit ends every call still open when a run stops (at its horizon, or a runaway) with an abandoned "
    "return or completion.",
    INF,
    "cluster-offline §4; labkit's own convention",
)

# -- documented, not modelled -----------------------------------------------------------------------------

STARTUP_ONCE = _rule(
    "startupex-once-per-type",
    "The monitor calls StartupEx the first time it creates a resource of the DLL's type and keeps the "
    "function table until the last such resource is deleted.",
    DOC,
    "cluster-offline §2.1; W:implementing-startup",
    modelled=False,
)
STATE_CHANGE_REASON = _rule(
    "state-change-reason-control",
    "A DLL with CLUS_CHAR_REQUIRES_STATE_CHANGE_REASON gets CLUSCTL_RESOURCE_STATE_CHANGE_REASON just before "
    "Offline or Terminate.",
    DOC,
    "cluster-offline §2.9; W:clusctl-resource-state-change-reason, H:clus:6077",
    modelled=False,
)
