"""Failover clustering names and numbers (resapi.h, clusapi.h, winerror.h)."""

from __future__ import annotations

import enum

from labkit.winapi.flags import SdkFlag

ERROR_SUCCESS = 0
ERROR_INVALID_FUNCTION = 1
ERROR_INVALID_HANDLE = 6
ERROR_NOT_ENOUGH_MEMORY = 8
ERROR_INVALID_PARAMETER = 87
ERROR_OPERATION_ABORTED = 995
ERROR_IO_PENDING = 997
ERROR_CANCELLED = 1223
ERROR_REVISION_MISMATCH = 1306
ERROR_TIMEOUT = 1460
ERROR_RESOURCE_NOT_ONLINE = 5004
ERROR_RESOURCE_NOT_AVAILABLE = 5006
ERROR_RESOURCE_NOT_FOUND = 5007
ERROR_GROUP_NOT_AVAILABLE = 5012
ERROR_RESMON_ONLINE_FAILED = 5018
ERROR_RESOURCE_ONLINE = 5019
ERROR_INVALID_STATE = 5023  # winerror.h:14994
ERROR_RESOURCE_FAILED = 5038
ERROR_CLUSTER_RESNAME_NOT_FOUND = 5080
ERROR_RESMON_INVALID_STATE = 5084
ERROR_CLUSTER_GROUP_MOVING = 5908
ERROR_RESOURCE_CALL_TIMED_OUT = 5910
ERROR_CLUSTER_GROUP_BUSY = 5944
ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES = 5953
ERROR_RESMON_SYSTEM_RESOURCES_LACKING = 5956
ERROR_CLUSTER_GROUP_QUEUED = 5959
ERROR_CLUSTER_RESOURCE_LOCKED_STATUS = 5960
ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS = 5962
ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE = 5970
ERROR_CLUSTER_RESOURCE_NOT_MONITORED = 5981


class CLUSTER_RESOURCE_STATE(enum.IntEnum):
    """Resource states (clusapi.h). The state machine of a simulated resource moves through these."""

    ClusterResourceStateUnknown = -1
    ClusterResourceInherited = 0
    ClusterResourceInitializing = 1
    ClusterResourceOnline = 2
    ClusterResourceOffline = 3
    ClusterResourceFailed = 4
    ClusterResourcePending = 128
    ClusterResourceOnlinePending = 129
    ClusterResourceOfflinePending = 130


# Pseudo-states: macros in resapi.h (Pending-1, Pending-2), not enum members.
ClusterResourceCannotComeOnlineOnThisNode = 127
ClusterResourceCannotComeOnlineOnAnyNode = 126


class CLUSTER_GROUP_STATE(enum.IntEnum):
    """Group states (clusapi.h:2719-2726); GetClusterGroupState derives them from the resources' states."""

    ClusterGroupStateUnknown = -1
    ClusterGroupOnline = 0
    ClusterGroupOffline = 1
    ClusterGroupFailed = 2
    ClusterGroupPartialOnline = 3
    ClusterGroupPending = 4


class RESOURCE_MONITOR_STATE(enum.IntEnum):
    """What a Resource Monitor process is doing (resapi.h:917-934, the monitor's shared-memory state).

    Only the header defines these; no page says when a monitor is in which (labkit's mapping is inferred).
    """

    RmonInitializing = 0
    RmonIdle = 1
    RmonStartingResource = 2
    RmonInitializingResource = 3
    RmonOnlineResource = 4
    RmonOfflineResource = 5
    RmonShutdownResource = 6
    RmonDeletingResource = 7
    RmonIsAlivePoll = 8
    RmonLooksAlivePoll = 9
    RmonArbitrateResource = 10
    RmonReleaseResource = 11
    RmonResourceControl = 12
    RmonResourceTypeControl = 13
    RmonTerminateResource = 14
    RmonDeadlocked = 15


class RESOURCE_EXIT_STATE(enum.IntEnum):
    """What SetResourceStatusEx returns to the DLL."""

    ResourceExitStateContinue = 0
    ResourceExitStateTerminate = 1
    ResourceExitStateMax = 2


class FAILURE_TYPE(enum.IntEnum):
    """SignalFailure's failure type (Windows Server 2012 R2 and later)."""

    FAILURE_TYPE_GENERAL = 0
    FAILURE_TYPE_EMBEDDED = 1
    FAILURE_TYPE_NETWORK_LOSS = 2


class LOG_LEVEL(enum.IntEnum):
    LOG_INFORMATION = 0
    LOG_WARNING = 1
    LOG_ERROR = 2
    LOG_SEVERE = 3


class CLUSTER_RESOURCE_RESTART_ACTION(enum.IntEnum):
    """RestartAction values: what the cluster does when a resource fails (default RestartNotify)."""

    ClusterResourceDontRestart = 0
    ClusterResourceRestartNoNotify = 1
    ClusterResourceRestartNotify = 2


class CLUSTER_RESOURCE_STATE_CHANGE_REASON(enum.IntEnum):
    eResourceStateChangeReasonUnknown = 0
    eResourceStateChangeReasonMove = 1
    eResourceStateChangeReasonFailover = 2
    eResourceStateChangeReasonFailedMove = 3
    eResourceStateChangeReasonShutdown = 4
    eResourceStateChangeReasonRundown = 5


class RESDLL_CONTEXT_OPERATION_TYPE(enum.IntEnum):
    ResdllContextOperationTypeFailback = 0
    ResdllContextOperationTypeDrain = 1
    ResdllContextOperationTypeDrainFailure = 2
    ResdllContextOperationTypeEmbeddedFailure = 3
    ResdllContextOperationTypePreemption = 4
    ResdllContextOperationTypeNetworkDisconnect = 5
    ResdllContextOperationTypeNetworkDisconnectMoveRetry = 6


class VM_RESDLL_CONTEXT(enum.IntEnum):
    VmResdllContextTurnOff = 0
    VmResdllContextSave = 1
    VmResdllContextShutdown = 2
    VmResdllContextShutdownForce = 3
    VmResdllContextLiveMigration = 4


class ResourceStatusFlags(SdkFlag):
    """CLUSRESDLL_STATUS_* bits of RESOURCE_STATUS_EX.Flags."""

    OFFLINE_BUSY = 0x00000001
    OFFLINE_SOURCE_THROTTLED = 0x00000002
    OFFLINE_DESTINATION_THROTTLED = 0x00000004
    OFFLINE_DESTINATION_REJECTED = 0x00000008
    INSUFFICIENT_MEMORY = 0x00000010
    INSUFFICIENT_PROCESSOR = 0x00000020
    INSUFFICIENT_OTHER_RESOURCES = 0x00000040
    INVALID_PARAMETERS = 0x00000080
    NETWORK_NOT_AVAILABLE = 0x00000100  # Windows Server 2012 R2 and later
    DO_NOT_COLLECT_WER_REPORT = 0x40000000
    DUMP_NOW = 0x80000000


class OfflineFlags(SdkFlag):
    """CLUS_RESDLL_OFFLINE_* bits passed to OfflineV2 (resapi.h). Not the same bits as `OnlineFlags`."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000002
    QUEUE_ENABLED = 0x00000004
    RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR = 0x00000008
    DUE_TO_EMBEDDED_FAILURE = 0x00000010
    IGNORE_NETWORK_CONNECTIVITY = 0x00000020  # Windows Server 2012 R2 and later
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000040  # Windows Server 2016 and later


class OnlineFlags(SdkFlag):
    """CLUS_RESDLL_ONLINE_* bits passed to OnlineV2: same names as some offline flags, other bits (G6)."""

    RECOVER_MONITOR_STATE = 0x00000001
    IGNORE_RESOURCE_STATUS = 0x00000002
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000004
    RESTORE_ONLINE_STATE = 0x00000008
    IGNORE_NETWORK_CONNECTIVITY = 0x00000010


class GroupMoveFlags(SdkFlag):
    """CLUSAPI_GROUP_MOVE_* flags of MoveClusterGroupEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    RETURN_TO_SOURCE_NODE_ON_ERROR = 0x00000002
    QUEUE_ENABLED = 0x00000004
    HIGH_PRIORITY_START = 0x00000008
    FAILBACK = 0x00000010
    IGNORE_AFFINITY_RULE = 0x00000020


class ResourceOfflineFlags(SdkFlag):
    """CLUSAPI_RESOURCE_OFFLINE_* flags of OfflineClusterResourceEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    FORCE_WITH_TERMINATION = 0x00000002
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000004  # 0x40 at the DLL: §6.4, G6


class GroupOfflineFlags(SdkFlag):
    """CLUSAPI_GROUP_OFFLINE_* flags of OfflineClusterGroupEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001


class ResourceOnlineFlags(SdkFlag):
    """CLUSAPI_RESOURCE_ONLINE_* flags of OnlineClusterResourceEx (client side)."""

    IGNORE_RESOURCE_STATUS = 0x00000001
    DO_NOT_UPDATE_PERSISTENT_STATE = 0x00000002
    NECESSARY_FOR_QUORUM = 0x00000004
    BEST_POSSIBLE_NODE = 0x00000008
    IGNORE_AFFINITY_RULE = 0x00000020


class OfflineReason(SdkFlag):
    """CLUSAPI_RESOURCE_OFFLINE_REASON_* codes (the OfflineClusterResourceEx page mixes them up: G7)."""

    UNKNOWN = 0x00000001
    MOVING = 0x00000002
    USER_REQUESTED = 0x00000004
    BEING_DELETED = 0x00000008
    BEING_RESTARTED = 0x00000010
    PREEMPTED = 0x00000020
    SHUTTING_DOWN = 0x00000040


class GroupStatusFlags(SdkFlag):
    """CLUSGRP_STATUS_* bits the cluster keeps on a group (only those labkit models)."""

    WAITING_IN_QUEUE_FOR_MOVE = 0x00000004
    EMBEDDED_FAILURE = 0x00000020
    NETWORK_FAILURE = 0x00000080


CLUSAPI_RESOURCE_OFFLINE_REASON_NONE = 0
CLUS_RESDLL_OPEN_RECOVER_MONITOR_STATE = 0x00000001
CLUS_RESDLL_OPEN_DONT_DELETE_TEMP_DISK = 0x00000002
LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE = 0x00000001

CLRES_VERSION_V1_00 = 0x100
CLRES_VERSION_V2_00 = 0x200
CLRES_VERSION_V3_00 = 0x300
CLRES_VERSION_V4_00 = 0x400

CLUSAPI_VERSION_SERVER2008 = 0x00000600
CLUSAPI_VERSION_SERVER2008R2 = 0x00000700
CLUSAPI_VERSION_WINDOWS8 = 0x00000701
CLUSAPI_VERSION_WINDOWSBLUE = 0x00000702
CLUSAPI_VERSION_WINTHRESHOLD = 0x00000703
CLUSAPI_VERSION_RS3 = 0x00000A00
CLUSAPI_VERSION_NI = 0x00000A0C
CLUSAPI_VERSION_CU = 0x00000C03
CLUSAPI_VERSION_ZN = 0x00000C04
CLUSAPI_VERSION_GA = 0x00000C05
