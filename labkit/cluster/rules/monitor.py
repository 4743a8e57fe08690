"""Cluster rules of the Resource Monitor: loading and opening a resource, its entry points, threads
and time."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.INFERRED

_rule = RuleMaker("cluster")


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
