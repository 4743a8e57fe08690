"""Offline operations as a cluster.log shows them: RCM's transitions, not the DLL's entry points.

A real log has no ``OfflineV2`` call line (cluster-offline §8): RCM writes ``TransitionToState(R)
Online-->OfflineCallIssued.`` when it issues the offline, RHS reports the DLL's status reports, and RCM
writes the resource's arrival in ``Offline`` (or ``Failed``). One operation here runs from a resource's
entry into ``OfflineCallIssued`` (or into ``OfflinePending`` straight from an online state) to its entry
into ``Offline`` or ``Failed``, the next such start, or the end of the trace. Its routine is ``Offline``:
the log does not say which entry point (Offline or OfflineV2) RHS called. The request is the last
``MoveGroup`` / ``GroupOfflineFirst`` RCM logged for the resource's group before it, if any.
"""

from __future__ import annotations

from labkit.trace import Kind, TraceEvent

STARTS = ("OfflineCallIssued",)
"""RCM's states that begin an offline (cluster-offline §5.2, RCM-internal sub-state)."""
PENDING = "OfflinePending"
SETTLED = ("Offline", "Failed", "ClusterResourceOffline", "ClusterResourceFailed")
ONLINE = (
    "Online",
    "OnlinePending",
    "OnlineCallIssued",
    "ClusterResourceOnline",
    "ClusterResourceOnlinePending",
)
REQUESTS = ("MoveGroup", "GroupOfflineFirst")
"""RCM's notes that say a group is being taken offline (a move): the request an operation served."""


def starts_offline(event: TraceEvent) -> bool:
    """A state event that begins an offline in a log: into OfflineCallIssued, or into OfflinePending
    straight from an online state (a log that does not show the call being issued)."""
    if event.kind is not Kind.STATE or event.state is None:
        return False
    if event.name in STARTS:
        return True
    return event.name == PENDING and (event.state.old or "") in ONLINE


def window(events: list[TraceEvent], indices: list[int], start: int) -> list[TraceEvent]:
    """The subject's events from ``start`` (an index into ``events``) to its settling state event
    (included), its next offline start (excluded), or its end."""
    found = [events[start]]
    position = indices.index(start)
    for j in indices[position + 1 :]:
        event = events[j]
        if starts_offline(event):
            break
        found.append(event)
        if event.kind is Kind.STATE and event.name in SETTLED:
            break
    return found


def request_for(events: list[TraceEvent], start: int, group: str | None) -> TraceEvent | None:
    """The last MoveGroup / GroupOfflineFirst note about ``group`` before ``start``."""
    if group is None:
        return None
    for j in range(start - 1, -1, -1):
        event = events[j]
        if event.kind is Kind.NOTE and event.name in REQUESTS and event.subject == group:
            return event
    return None


def destination_for(events: list[TraceEvent], start: int, group: str | None) -> str | None:
    """The node RCM's ``move of group G from N1 to N2`` line after ``start`` names as the target (before
    the group's next move request); None when the log shows no move."""
    if group is None:
        return None
    for event in events[start + 1 :]:
        if event.kind is Kind.NOTE and event.subject == group:
            if event.name == "GroupMove":
                target = event.args.get("target_node")
                return target if isinstance(target, str) else None
            if event.name == "MoveGroup":
                return None
    return None
