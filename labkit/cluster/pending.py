"""The pending protocol as data: which status report settles a pending Online / Offline, and how (§4).

After OnlineV2 / OfflineV2 returns ERROR_IO_PENDING, the DLL reports progress and the end with
SetResourceStatusEx. `ACCEPTED` says, for the operation pending and the state reported, what the report
does: nothing more than progress, or settle the operation (`Settled`) with a Win32 code, the resource's
new state and the catalogue rule it follows (`labkit.cluster.rules`). An offline answered with "still
online" is the DLL saying no; `REFUSALS` says which no, from the status flags. A state missing from the
table is a wrong report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import simpy

from labkit.cluster import rules as R
from labkit.trace import Rule
from labkit.winapi import (
    CLUSTER_RESOURCE_STATE,
    ERROR_CANCELLED,
    ERROR_CLUSTER_GROUP_BUSY,
    ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES,
    ERROR_RESOURCE_FAILED,
    ERROR_RESOURCE_ONLINE,
    ERROR_SUCCESS,
    ClusterResourceCannotComeOnlineOnAnyNode,
    ClusterResourceCannotComeOnlineOnThisNode,
    ResourceStatusFlags,
)

S = CLUSTER_RESOURCE_STATE
ONLINE, OFFLINE, FAILED = (
    S.ClusterResourceOnline.name,
    S.ClusterResourceOffline.name,
    S.ClusterResourceFailed.name,
)
ONLINE_PENDING = S.ClusterResourceOnlinePending.name
OFFLINE_PENDING = S.ClusterResourceOfflinePending.name

NOT_NOW = (
    ResourceStatusFlags.OFFLINE_BUSY
    | ResourceStatusFlags.OFFLINE_SOURCE_THROTTLED
    | ResourceStatusFlags.OFFLINE_DESTINATION_THROTTLED
)
"""Status flags that mean "not now, maybe soon" (§6.2, inferred)."""
REPORTABLE = frozenset(
    {
        S.ClusterResourceStateUnknown,
        S.ClusterResourceOnline,
        S.ClusterResourceOffline,
        S.ClusterResourceFailed,
        S.ClusterResourceOnlinePending,
        S.ClusterResourceOfflinePending,
        ClusterResourceCannotComeOnlineOnThisNode,
        ClusterResourceCannotComeOnlineOnAnyNode,
    }
)
"""The states a DLL may report at all; anything else is an ``InvalidResourceState`` fault."""
PENDING_STATES = frozenset({S.ClusterResourceOnlinePending, S.ClusterResourceOfflinePending})
"""A report of one of these needs a CheckPoint greater than the last; any other a different one (RS)."""


class Outcome(StrEnum):
    """How a pending or synchronous Online / Offline ended, as the cluster needs to know it."""

    DONE = "done"
    """The resource reached the state asked for."""
    TERMINATED = "terminated"
    """An offline ended by Terminate (error return, Failed report, PendingTimeout): offline by termination."""
    FAILED = "failed"
    """An online failed (the resource is Failed and was terminated)."""
    ENDED = "ended"
    """The monitor process ended under the operation (a call of it, or of another resource it hosted,
    passed DeadlockTimeout); the cluster settles the resource's state."""
    NOT_NOW = "not-now"
    """The DLL stayed online and said "not now" (OFFLINE_BUSY / THROTTLED)."""
    REFUSED = "refused"
    """The DLL stayed online and refused the offline (DESTINATION_REJECTED, or no reason given)."""
    CANCELLED = "cancelled"
    """Cancel reached the DLL and it went back online."""


@dataclass(frozen=True)
class Settled:
    """The end of one Online / Offline: what happened, the Win32 code for it, the DLL's status flags."""

    outcome: Outcome
    code: int
    flags: ResourceStatusFlags = field(default_factory=lambda: ResourceStatusFlags(0))


class Pending:
    """An Online / Offline that returned ERROR_IO_PENDING and waits for status reports."""

    __slots__ = ("cancel_requested", "checkpoint", "kind", "last_report", "settled", "span")

    def __init__(self, env: simpy.Environment, kind: str, span: int | None) -> None:
        self.kind = kind
        self.span = span
        self.checkpoint = -1
        self.last_report = float(env.now)
        self.settled = env.event()
        self.cancel_requested = False


@dataclass(frozen=True)
class Settles:
    """What an accepted report does: the operation's outcome and code, the resource's state, and the rule
    that says so."""

    outcome: Outcome
    code: int
    state: str
    rule: Rule


PROGRESS = None
"""A report that only shows progress: the operation goes on."""
REFUSED = object()
"""The DLL answered an offline with "still online": `REFUSALS` says which no it is."""

_FAILURE = Settles(Outcome.FAILED, ERROR_RESOURCE_FAILED, FAILED, R.REPORT_SETTLES)
_PSEUDO_FAILURE = Settles(Outcome.FAILED, ERROR_RESOURCE_FAILED, FAILED, R.PSEUDO_STATES)
ACCEPTED: Mapping[tuple[str, int], Settles | object | None] = {
    ("OnlineV2", S.ClusterResourceOnlinePending): PROGRESS,
    ("OnlineV2", S.ClusterResourceOnline): Settles(Outcome.DONE, ERROR_SUCCESS, ONLINE, R.REPORT_SETTLES),
    ("OnlineV2", S.ClusterResourceOffline): Settles(
        Outcome.FAILED, ERROR_RESOURCE_FAILED, FAILED, R.OFFLINE_DURING_ONLINE
    ),
    ("OfflineV2", S.ClusterResourceOfflinePending): PROGRESS,
    ("OfflineV2", S.ClusterResourceOffline): Settles(Outcome.DONE, ERROR_SUCCESS, OFFLINE, R.REPORT_SETTLES),
    ("OfflineV2", S.ClusterResourceOnline): REFUSED,
    **{
        (kind, state): _FAILURE
        for kind in ("OnlineV2", "OfflineV2")
        for state in (S.ClusterResourceStateUnknown, S.ClusterResourceFailed)
    },
    **{
        (kind, state): _PSEUDO_FAILURE
        for kind in ("OnlineV2", "OfflineV2")
        for state in (ClusterResourceCannotComeOnlineOnThisNode, ClusterResourceCannotComeOnlineOnAnyNode)
    },
}
"""(operation pending, state reported) -> what the report does (§4; each row cites its rule)."""

REFUSALS: tuple[tuple[Callable[[Pending, ResourceStatusFlags], bool], Settles], ...] = (
    (lambda p, f: p.cancel_requested, Settles(Outcome.CANCELLED, ERROR_CANCELLED, ONLINE, R.CANCEL)),
    (
        lambda p, f: bool(f & ResourceStatusFlags.OFFLINE_DESTINATION_REJECTED),
        Settles(
            Outcome.REFUSED,
            ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES,
            ONLINE,
            R.DESTINATION_REJECTED,
        ),
    ),
    (lambda p, f: bool(f & NOT_NOW), Settles(Outcome.NOT_NOW, ERROR_CLUSTER_GROUP_BUSY, ONLINE, R.NOT_NOW)),
    (lambda p, f: True, Settles(Outcome.REFUSED, ERROR_RESOURCE_ONLINE, ONLINE, R.OFFLINE_REFUSED)),
)
"""An offline answered with "still online", first match wins: after Cancel, a vetoed destination, "not
now", else a plain refusal (§6.2, inferred)."""

WRONG_STATE = object()
"""A reportable state that makes no sense for the operation pending (OfflinePending during an online)."""


def classify(pending: Pending, state: int, flags: ResourceStatusFlags) -> Settles | object | None:
    """What a report of ``state`` with ``flags`` does to ``pending``: `Settles`, `PROGRESS` or
    `WRONG_STATE`."""
    action = ACCEPTED.get((pending.kind, state), WRONG_STATE)
    if action is REFUSED:
        return next(settles for matches, settles in REFUSALS if matches(pending, flags))
    return action
