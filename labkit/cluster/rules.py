"""The cluster rule catalogue: every behaviour the RCM and Resource Monitor model, and documented ones they
do not.

Each constant is one `Rule`; `labkit.cluster.rcm` and `labkit.cluster.rhs` cite them on every event they
record (``sim.note(..., rule=rules.FLAGS_FORWARDED)``). Sources name the reference sheet's section
(shared/reference/cluster-offline.md) and its source keys: OV2, ORX, MCGX, … a Microsoft doc page (§0 of
the sheet lists each page), W:<page> a page of the Failover Clustering guide, H:res / H:clus / H:err a
line of resapi.h / ClusApi.h / winerror.h, CMRP-* a section of MS-CMRP, BLOG-RHS the clustering team's blog.

To add rules, define constants below in the section they belong to (or in a new section at the end);
`RULES` collects every one.
"""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import Catalogue, Rule, collect

DOC, HDR, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.INFERRED


def _rule(
    words: str, statement: str, evidence: Evidence, source: str, *, policy: str = "", modelled: bool = True
) -> Rule:
    return Rule(f"cluster.{words}", "cluster", statement, evidence, source, policy, modelled)


# -- loading, opening and closing a resource --------------------------------------------------------------

DLL_LOAD_FAILS = _rule(
    "dll-load-failure-fails-resource",
    "labkit assumes a resource whose DLL cannot be loaded (the DLL object cannot be made) goes to "
    "ClusterResourceFailed.",
    INF,
    "cluster-offline §2.1; W:implementing-startup (a failing Startup stops the load); the resulting state "
    "is labkit's choice",
)
OPEN = _rule(
    "open-leaves-offline",
    "OpenV2 returns a non-NULL RESID for the new instance and leaves it offline.",
    DOC,
    "cluster-offline §2.2, §5.2; OPEN2 (nc-resapi-popen_v2_routine), W:implementing-open",
)
OPEN_FAILS = _rule(
    "open-failure-fails-resource",
    "labkit assumes a resource whose OpenV2 returns NULL (or misbehaves) goes to ClusterResourceFailed.",
    INF,
    "cluster-offline §2.2; OPEN2 (NULL on failure); the resulting state is labkit's choice",
)
CLOSE = _rule(
    "close-removes-instance",
    "Close removes a resource instance from its monitor, as when its group moves to another node.",
    DOC,
    "cluster-offline §2.3; W:implementing-close",
)
ENTRY_SIGNATURES = _rule(
    "entry-point-signatures",
    "Each entry point returns what resapi.h declares: a Win32 error code (DWORD), a RESID, or nothing "
    "(VOID).",
    HDR,
    "cluster-offline §2; H:res:425-476",
)

# -- online, offline, terminate, cancel -------------------------------------------------------------------

ONLINE_CALL = _rule(
    "online-call",
    "The monitor brings a resource online with OnlineV2(Resource, EventHandle, OnlineFlags, InBuffer, "
    "InBufferSize, Reserved).",
    DOC,
    "cluster-offline §2.4; ONV2 (nc-resapi-ponline_v2_routine), H:res:440-448",
)
ONLINE_FLAGS = _rule(
    "online-flags-follow-request",
    "labkit assumes the OnlineV2 call of a move carries the online bits of what its request asked for "
    "(IGNORE_RESOURCE_STATUS, RETURN_TO_SOURCE_NODE_ON_ERROR, IGNORE_NETWORK_CONNECTIVITY).",
    INF,
    "cluster-offline §6.5, §7 G6; H:res:432-436 (same names, different bits); no page maps them",
)
ONLINE_RETURNS = _rule(
    "online-returns",
    "OnlineV2 returns ERROR_SUCCESS when the resource is online now, ERROR_IO_PENDING when a worker goes "
    "on, or another Win32 error code.",
    DOC,
    "cluster-offline §2.4; ONV2, ON1",
)
OFFLINE_CALL = _rule(
    "offline-call",
    "The monitor takes a resource offline with OfflineV2(Resource, DestinationNodeName, OfflineFlags, "
    "InBuffer, InBufferSize, Reserved).",
    DOC,
    "cluster-offline §2.5; OV2 (nc-resapi-poffline_v2_routine), H:res:461-469",
)
OFFLINE_RETURNS = _rule(
    "offline-returns",
    "OfflineV2 returns ERROR_SUCCESS when the resource is offline now, ERROR_IO_PENDING when a worker goes "
    "on, or another Win32 error code.",
    DOC,
    "cluster-offline §2.5; OV2 @2cd469d (return table)",
)
IO_PENDING = _rule(
    "io-pending-sets-pending-state",
    "After OnlineV2 or OfflineV2 returns ERROR_IO_PENDING the monitor itself moves the resource to "
    "ClusterResourceOnlinePending or ClusterResourceOfflinePending.",
    DOC,
    "cluster-offline §4, §5.2; SRS (nc-resapi-pset_resource_status_routine)",
)
ERROR_RETURN = _rule(
    "error-return-terminates",
    "labkit assumes the V1 rule holds for OnlineV2 and OfflineV2: a return other than ERROR_SUCCESS or "
    "ERROR_IO_PENDING is logged as an event and followed by Terminate.",
    INF,
    "cluster-offline §2.5, §7 G3; OFF1, ON1 (V1 pages; the V2 pages have no remarks)",
    policy="error_return_rule",
)
TERMINATED_STATE = _rule(
    "terminated-offline-state",
    "labkit assumes an offline that Terminate ended leaves the resource ClusterResourceOffline (or Failed, "
    "by the terminated_state policy).",
    INF,
    "cluster-offline §5.2, §9 Q8; TERM (the resource goes offline at once); the state after a failed "
    "offline is not documented",
    policy="terminated_state",
)
ONLINE_FAILS = _rule(
    "failed-online-fails-resource",
    "labkit assumes an OnlineV2 that fails (an error return, a Failed report) leaves the resource "
    "ClusterResourceFailed.",
    INF,
    "cluster-offline §5.2; ON1, ONV2 (the state after a failed online is the sheet's inference)",
)
TERMINATE = _rule(
    "terminate-stops-at-once",
    "Terminate makes the resource unavailable at once without cleanup and cancels any Online or Offline "
    "work under way.",
    DOC,
    "cluster-offline §2.6; TERM (nc-resapi-pterminate_routine), W:implementing-terminate",
)
TERMINATED_CODES = _rule(
    "terminated-operation-codes",
    "labkit shows an Online or Offline that Terminate ended as completed with ERROR_OPERATION_ABORTED, or "
    "with ERROR_TIMEOUT when PendingTimeout caused it.",
    INF,
    "cluster-offline §2.6, §4; labkit's choice of codes (not documented)",
)
FORCE_TERMINATION = _rule(
    "force-with-termination",
    "OfflineClusterResourceEx with CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION makes the cluster call "
    "Terminate instead of OfflineV2.",
    DOC,
    "cluster-offline §2.6; ORX (nf-clusapi-offlineclusterresourceex), CMRP-ORX",
)
CANCEL = _rule(
    "cancel-reaches-dll",
    "labkit assumes CancelClusterGroupOperation on a move whose offline is pending makes the monitor call "
    "Cancel, and a DLL that then reports Online has cancelled the offline.",
    INF,
    "cluster-offline §2.10, §7 G5, §9 Q5; CAN (a copy-paste page: nothing on when Cancel is called)",
)

# -- threads and time -------------------------------------------------------------------------------------

SERIALISED = _rule(
    "entry-points-serialised",
    "The monitor never runs two entry points of a resource at once, except Terminate, which may overlap "
    "any of them but Startup, Open and Close.",
    DOC,
    "cluster-offline §3 rules 1-2; W:recommended-practices-for-resource-dlls, W:implementing-terminate",
)
RETURN_QUICKLY = _rule(
    "entry-points-return-quickly",
    "Every entry point should return within 300 ms and leave longer work to a worker thread.",
    DOC,
    "cluster-offline §3 rule 3; W:recommended-practices-for-resource-dlls, W:implementing-offline",
)
DEADLOCK = _rule(
    "deadlock-timeout",
    "An entry point that does not return within DeadlockTimeout makes the cluster kill and restart the "
    "Resource Monitor hosting it.",
    DOC,
    "cluster-offline §3 rule 6, §4; W:deadlocktimeout, DL-URL, BLOG-RHS",
)
DEADLOCK_ABANDONS = _rule(
    "deadlock-abandons-call",
    "labkit ends a call that passed DeadlockTimeout, and every call, worker and pending operation of the "
    "monitor killed for it, with an abandoned return or an ERROR_OPERATION_ABORTED completion.",
    INF,
    "cluster-offline §3 rule 6, §4; the DLL never returns the call; how the rest ends is labkit's choice",
)
WORKERS = _rule(
    "pending-work-on-worker",
    "Long Online or Offline work runs on a worker thread from ClusWorkerCreate, which checks "
    "ClusWorkerCheckTerminate and reports with SetResourceStatusEx.",
    DOC,
    "cluster-offline §3 rule 4; W:implementing-pending-operations",
)
WORKER_ENDED = _rule(
    "worker-end-noted",
    "labkit notes when a worker thread's routine ends, and how.",
    INF,
    "cluster-offline §3 rule 4; labkit's own note",
)
USER_CODE_RAISED = _rule(
    "dll-code-raised",
    "labkit records DLL code that raises an exception as a fault, and the run goes on.",
    INF,
    "cluster-offline §3; labkit's own check",
)
USER_CODE_BLOCKED = _rule(
    "dll-code-blocked",
    "labkit stops DLL code that blocks longer than the guard's real-time limit, as entry points must "
    "return quickly.",
    INF,
    "cluster-offline §3 rule 3; W:recommended-practices-for-resource-dlls; the limit is labkit's",
)
WORKER_YIELDS = _rule(
    "dll-yields-sleeps",
    "labkit stops DLL code that yields anything but monitor.sleep(ms), or sleeps zero milliseconds over and "
    "over.",
    INF,
    "cluster-offline §3; labkit's model of time in a DLL",
)
NO_PROGRESS = _rule(
    "runaway-no-progress",
    "labkit stops DLL code that keeps virtual time from advancing, and blames the routine that ran last.",
    INF,
    "cluster-offline §3; labkit's own limit",
)
TOO_MANY_STEPS = _rule(
    "runaway-too-many-steps",
    "labkit stops a run that takes more steps than its limit before reaching its horizon, and blames the "
    "routine that ran last.",
    INF,
    "cluster-offline §3; labkit's own limit",
)
NO_CLUSTER_CALLS = _rule(
    "dll-avoids-cluster-api",
    "A resource DLL never calls the cluster functions that change groups or resources, such as "
    "OfflineClusterResource or MoveClusterGroup.",
    DOC,
    "cluster-offline §3 rule 5; W:function-calls-to-avoid-in-resource-dlls",
    modelled=False,
)

# -- the pending protocol ---------------------------------------------------------------------------------

STATUS_REPORT = _rule(
    "status-report",
    "A DLL reports a pending operation's progress and end with SetResourceStatusEx and a RESOURCE_STATUS_EX.",
    DOC,
    "cluster-offline §2.11, §4; SRSX (nc-resapi-pset_resource_status_routine_ex), RSX",
)
STATUS_ONLY_PENDING = _rule(
    "status-only-while-pending",
    "A DLL calls SetResourceStatusEx only after OnlineV2 or OfflineV2 returned ERROR_IO_PENDING, until the "
    "operation settles.",
    DOC,
    "cluster-offline §4; SRS",
)
EXIT_STATE = _rule(
    "exit-state-terminate",
    "SetResourceStatusEx answers ResourceExitStateTerminate once the resource was terminated, and the DLL "
    "must then end the operation and all its workers at once.",
    DOC,
    "cluster-offline §2.11, §4; REX (ne-resapi-_resource_exit_state), SRSX",
)
CHECKPOINT_CHANGED = _rule(
    "checkpoint-changed",
    "The monitor reads a status report only when its CheckPoint differs from the one before.",
    DOC,
    "cluster-offline §4; RS (ns-resapi-resource_status, Remarks)",
)
CHECKPOINT_GREATER = _rule(
    "pending-checkpoint-greater",
    "A report that the resource is still OnlinePending or OfflinePending carries a CheckPoint greater than "
    "the one before.",
    DOC,
    "cluster-offline §4; RS (ResourceState and Remarks)",
)
REPORTABLE_STATES = _rule(
    "reportable-states",
    "A status report's ResourceState is StateUnknown, Online, Offline, Failed, OnlinePending or "
    "OfflinePending.",
    DOC,
    "cluster-offline §4; RS (ResourceState)",
)
PSEUDO_STATES = _rule(
    "pseudo-states-fail",
    "The pseudo-states ClusterResourceCannotComeOnlineOnThisNode (127) and "
    "ClusterResourceCannotComeOnlineOnAnyNode (126), which only resapi.h defines, end a pending operation "
    "as failed.",
    HDR,
    "cluster-offline §1.2, §7 G14, §9 Q6; H:res:194-195 (no page documents them)",
)
FAILED_REPORT_TERMINATES = _rule(
    "failed-report-terminates",
    "labkit assumes the monitor calls Terminate when a report of Failed (or StateUnknown) ends a pending "
    "operation, as it does after an error return.",
    INF,
    "cluster-offline §4, §5.2; ON1, OFF1 (Terminate after a failed call); not documented for reports",
)
REPORT_SETTLES = _rule(
    "report-settles-operation",
    "A report of the state the operation aims for ends it in that state, and a report of Failed or "
    "StateUnknown ends it as failed.",
    DOC,
    "cluster-offline §4, §5.2; SRS, RS",
)
NOT_NOW = _rule(
    "dll-says-not-now",
    "labkit assumes an Online report during an offline with OFFLINE_BUSY, OFFLINE_SOURCE_THROTTLED or "
    "OFFLINE_DESTINATION_THROTTLED means 'not now, maybe soon'.",
    INF,
    "cluster-offline §6.2 (0x04); MCGX (a DLL may delay a move), H:res:258-270 (flag names only)",
)
DESTINATION_REJECTED = _rule(
    "dll-rejects-destination",
    "labkit assumes an Online report during an offline with OFFLINE_DESTINATION_REJECTED rejects the move, "
    "which then does not happen.",
    INF,
    "cluster-offline §6.2 (0x04); MCGX (a resource may reject a move), H:res:258-270",
)
OFFLINE_REFUSED = _rule(
    "dll-refuses-offline",
    "labkit assumes an Online report during an offline without a reason flag refuses the offline.",
    INF,
    "cluster-offline §4, §6.2; not documented",
)
OFFLINE_DURING_ONLINE = _rule(
    "offline-report-fails-online",
    "labkit assumes a report of Offline while OnlineV2 is pending means the online failed.",
    INF,
    "cluster-offline §5.2; not documented",
)
PENDING_TIMEOUT = _rule(
    "pending-timeout-terminates",
    "When PendingTimeout passes without a status report the monitor calls Terminate, so a DLL that keeps "
    "reporting may stay pending longer.",
    DOC,
    "cluster-offline §4, §7 G8; W:resources-pendingtimeout, W:implementing-pending-operations",
)
PENDING_CAPPED = _rule(
    "pending-timeout-capped-by-deadlock-timeout",
    "PendingTimeout may not exceed DeadlockTimeout, and the smaller of the two governs.",
    DOC,
    "cluster-offline §4, §7 G16; DL-URL (the live DeadlockTimeout page), resources-pendingtimeout (live "
    "page, same note)",
)

# -- callbacks into the monitor ---------------------------------------------------------------------------

RESOURCE_HANDLE = _rule(
    "callbacks-name-resource-handle",
    "Callbacks identify the resource by the ResourceHandle the monitor passed to OpenV2.",
    DOC,
    "cluster-offline §2.2, §2.11; OPEN2, SRSX",
)
CALLBACK_TYPES = _rule(
    "callback-argument-types",
    "Callback arguments have the types resapi.h declares, such as RESOURCE_STATUS_EX and FAILURE_TYPE.",
    HDR,
    "cluster-offline §2.11; H:res:272-285, H:res:747-774",
)
LOG_EVENT = _rule(
    "log-event",
    "LogEvent writes a line to the cluster log on the DLL's behalf.",
    DOC,
    "cluster-offline §2.11, §8; H:res (PLOG_EVENT_ROUTINE), W:resource-dll-entry-point-functions",
)
LOCKED_MODE = _rule(
    "set-locked-mode",
    "SetResourceLockedMode tells the monitor that the resource entered or left locked mode.",
    DOC,
    "cluster-offline §2.11; LOCK (nc-resapi-pset_resource_locked_mode_routine)",
)
LOCKED_MODE_EX = _rule(
    "set-locked-mode-ex",
    "SetResourceLockedModeEx adds LockedModeFlags, whose one flag "
    "LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE only resapi.h defines.",
    HDR,
    "cluster-offline §2.11, §7 G14; H:res:845-853 (no page)",
)
SIGNAL_FAILURE = _rule(
    "signal-failure",
    "SignalFailure reports a failure of the resource instance, with a FAILURE_TYPE since Windows Server "
    "2012 R2 and a BOOL IsEmbeddedFailure on 2012.",
    DOC,
    "cluster-offline §2.11, §7 G11; SF (nc-resapi-psignal_failure_routine), H:res:770-774",
)

# -- client requests and their flags ----------------------------------------------------------------------

OFFLINE_RESOURCE_API = _rule(
    "offline-resource-request",
    "OfflineClusterResourceEx asks the cluster to take one resource offline, with its own flags and an "
    "optional property list for the DLL.",
    DOC,
    "cluster-offline §6.3, §6.4; ORX, CMRP-ORX",
)
OFFLINE_GROUP_API = _rule(
    "offline-group-request",
    "OfflineClusterGroupEx asks the cluster to take every online resource of a group offline, with its own "
    "flags and an optional property list.",
    DOC,
    "cluster-offline §6.3, §6.4; CMRP-OGX (ApiOfflineGroupEx)",
)
MOVE_API = _rule(
    "move-group-request",
    "MoveClusterGroupEx moves a group to a node, or to one the cluster picks when none is given, and returns "
    "ERROR_IO_PENDING while the move goes on.",
    DOC,
    "cluster-offline §6.3, §6.4; MCGX (nf-clusapi-moveclustergroupex), CMRP-MGX",
)
CANCEL_API = _rule(
    "cancel-group-operation",
    "CancelClusterGroupOperation returns ERROR_SUCCESS or ERROR_IO_PENDING and brings the group back to its "
    "persistent state.",
    DOC,
    "cluster-offline §2.10; CCGO (nf-clusapi-cancelclustergroupoperation)",
)
CLIENT_SEES_END = _rule(
    "client-sees-operation-end",
    "labkit shows when a request that returned ERROR_IO_PENDING ends, and how, although the API itself "
    "reports no completion.",
    INF,
    "cluster-offline §5.3; labkit's view of what a client watching the group sees",
)
FLAGS_FORWARDED = _rule(
    "client-flags-forwarded",
    "labkit assumes the cluster hands a client flag to OfflineV2 as the OfflineV2 flag of the same name, "
    "with DO_NOT_UPDATE_PERSISTENT_STATE going from 0x4 to 0x40.",
    INF,
    "cluster-offline §6.4, §7 G6; H:clus:3110-3215 and H:res:451-457 (same names); no page states the "
    "mapping",
)
UNMAPPED_FLAGS = _rule(
    "unmapped-flags",
    "labkit passes an OfflineV2 flag that no client API can ask for to OfflineV2 as a what-if (or refuses "
    "the request with ERROR_INVALID_PARAMETER, by the unmapped_flags policy).",
    INF,
    "cluster-offline §6.4; no client flag carries 0x08, 0x10 or 0x20",
    policy="unmapped_flags",
)
UNKNOWN_FLAGS = _rule(
    "unknown-flags",
    "labkit refuses a request for an OfflineV2 flag the OS profile does not know with "
    "ERROR_INVALID_PARAMETER (or drops the bit, by the unknown_flags policy).",
    INF,
    "cluster-offline §6.1, §7 G4; OV2 (minimum OS of each flag)",
    policy="unknown_flags",
)
CLUSTER_FLAG_NEEDS_OS = _rule(
    "cluster-flag-needs-os",
    "labkit assumes the cluster does not set a flag of its own (0x08, 0x10, 0x20) on an OS that does not "
    "know it.",
    INF,
    "cluster-offline §6.1, §6.4; OV2 (minimum OS of each flag)",
)
LOCKED_REFUSES = _rule(
    "locked-mode-refuses-request",
    "A request without IGNORE_RESOURCE_STATUS for a resource in locked mode fails at once with "
    "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, before OfflineV2 is called.",
    DOC,
    "cluster-offline §6.2 (0x01); MCGX, ORX, CMRP-ORX",
)
LOCKED_DROPS_QUEUE = _rule(
    "locked-mode-drops-queued-move",
    "labkit assumes a resource entering locked mode drops a queued move, unless it set "
    "LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE.",
    INF,
    "cluster-offline §6.2 (0x04, locked-mode link); H:res:845-853 (the flag's name only)",
)
GROUP_BUSY = _rule(
    "busy-group-refuses-request",
    "labkit assumes a request for a group busy with another operation fails with ERROR_CLUSTER_GROUP_BUSY.",
    INF,
    "cluster-offline §1.1; H:err (5944 'group busy'); when the cluster answers it is not documented",
)
NOT_ONLINE_ERRORS = _rule(
    "offline-not-online-errors",
    "MS-CMRP ApiOfflineResource answers an offline of an Offline resource with ERROR_SUCCESS, of a Failed "
    "one with ERROR_RESOURCE_FAILED (5038) and of one in any other state but Online with "
    "ERROR_INVALID_STATE (5023).",
    DOC,
    "cluster-offline §5.2; MS-CMRP 3.1.4.2.19 (ApiOfflineResource), H:err:14994; the OfflineClusterResource "
    "page says later releases take a Failed resource offline and return ERROR_SUCCESS",
)
OFFLINE_REJECTED_NO_CHANGE = _rule(
    "offline-error-means-no-change",
    "OfflineClusterResourceEx returns ERROR_IO_PENDING once the offline is accepted and under way, and a "
    "non-zero error only when it rejected the request with no change to the resource's state.",
    DOC,
    "cluster-offline §6.4; ORX (Return value), OfflineClusterResource (ERROR_SUCCESS when the resource went "
    "offline at once)",
)
IGNORE_STATUS_TERMINATES = _rule(
    "ignore-status-terminates",
    "labkit terminates a resource whose DLL says 'not now' or refuses when the request has "
    "IGNORE_RESOURCE_STATUS (or respects the answer, by the busy_with_ignore_status policy).",
    INF,
    "cluster-offline §6.2 (0x01); MCGX (IGNORE_RESOURCE_STATUS 'terminates the resource if necessary')",
    policy="busy_with_ignore_status",
)

# -- persistent state -------------------------------------------------------------------------------------

OFFLINE_RECORDS_STATE = _rule(
    "requested-offline-records-state",
    "An administrative offline (OfflineClusterResourceEx, OfflineClusterGroupEx) records PersistentState "
    "offline, so the cluster no longer keeps the resource online.",
    DOC,
    "cluster-offline §6.2 (0x40), §5.3; MS-CMRP 3.1.4.2.19 (ApiOfflineResource), 3.1.4.2.51 "
    "(ApiOfflineGroup), W:resources-persistentstate",
)
DEPENDENT_STATE_KEPT = _rule(
    "dependents-keep-persistent-state",
    "labkit records PersistentState only for the resource a client named, not for the dependents its "
    "offline takes offline first.",
    INF,
    "cluster-offline §5.3; MS-CMRP 3.1.4.2.19 names only the designated resource's persistent state",
)
DO_NOT_UPDATE = _rule(
    "do-not-update-persistent-state",
    "With DO_NOT_UPDATE_PERSISTENT_STATE the cluster leaves the resource's persistent state as it was.",
    DOC,
    "cluster-offline §6.2 (0x40); CMRP-ORX, OV2 (meaning of 0x40)",
)
ONLINE_RECORDS_STATE = _rule(
    "online-records-state",
    "An administrative online (ApiOnlineResource) records PersistentState online.",
    DOC,
    "cluster-offline §5.3; MS-CMRP 3.1.4.1.18 (ApiOnlineResource); labkit's scenarios have no online request",
    modelled=False,
)
MOVE_KEEPS_STATE = _rule(
    "move-keeps-persistent-state",
    "A move brings each resource to its persistent state on the destination (or back to it on the source) "
    "and does not change PersistentState.",
    DOC,
    "cluster-offline §5.3; MS-CMRP ApiMoveGroup, MCGX, CCGO",
)

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

from labkit.cluster.health_rules import *  # noqa: E402, F403 - health, monitors and failure policy

RULES = Catalogue("cluster", collect(globals()))
"""Every cluster rule, by id, in the order above."""
