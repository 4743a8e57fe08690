"""Cluster rules of client requests and their flags, and of persistent state."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.INFERRED

_rule = RuleMaker("cluster")


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
