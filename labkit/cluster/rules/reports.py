"""Cluster rules of the pending protocol and of the callbacks a DLL makes into the monitor."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.INFERRED

_rule = RuleMaker("cluster")


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
