"""The move queue and cancel: a move that waits for its DLL, and a client that calls it off (§6.2, §2.10).

A DLL that says "not now" to a move with QUEUE_ENABLED keeps the group online and queued; the cluster
asks again after the policy's ``queue_retry_ms``. CancelClusterGroupOperation ends a pending move: a
pending OfflineV2 gets Cancel, and the group goes back to its persistent state.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.client import (
    CancelGroupOperation,
    ClientCall,
)
from labkit.cluster.core import ClusterCore, Operation, Process
from labkit.cluster.model import Group
from labkit.winapi import (
    ERROR_CANCELLED,
    ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
    ERROR_SUCCESS,
    GroupStatusFlags,
    OfflineFlags,
    OnlineFlags,
)

F = OfflineFlags


class Queue(ClusterCore):
    """Queued moves and their cancel."""

    def _wait_in_queue(self, group: Group, flags: OfflineFlags, op: Operation) -> Process:
        """The DLL said "not now" to a move with QUEUE_ENABLED: the group waits online in the move queue,
        then the cluster asks again. Returns None to try again, or the code the move ends with: cancelled,
        or dropped because a resource entered locked mode (§6.2)."""
        ctx, env = self.ctx, self.ctx.env
        yield from self._online_group(group, OnlineFlags(0), None)
        ctx.group_status(group, group.status | GroupStatusFlags.WAITING_IN_QUEUE_FOR_MOVE, R.BUSY_QUEUES)
        yield op.cancelled | env.timeout(ctx.policy.queue_retry_ms)
        ctx.group_status(group, group.status & ~GroupStatusFlags.WAITING_IN_QUEUE_FOR_MOVE, R.QUEUE_RETRY)
        if op.cancel_requested():
            return ERROR_CANCELLED
        locked = next((r for r in group.resources if r.locked), None)
        if locked is not None and not flags & F.IGNORE_RESOURCE_STATUS and not locked.locked_keeps_queue:
            ctx.note(
                "LockedStatus",
                R.LOCKED_DROPS_QUEUE,
                actor="rcm",
                subject=locked.name,
                message=f"{locked.name} entered locked mode: the queued move is dropped "
                "(no LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE)",
            )
            return ERROR_CLUSTER_RESOURCE_LOCKED_STATUS
        return None

    def _cancel(self, step: CancelGroupOperation) -> Process:
        group = self.groups[step.group]
        call = ClientCall(
            self.ctx, step.api, group.subject, {"hGroup": group.name, "dwCancelFlags_RESERVED": 0}
        )
        op = self.active.get(group.name)
        if op is None or not op.cancellable:
            self.ctx.note(
                "NothingToCancel",
                R.CANCEL_API,
                actor="rcm",
                subject=group.subject,
                message="no move is pending for the group; it already is in its persistent state",
            )
            call.finish(ERROR_SUCCESS)
            return
        op.cancel()
        current = op.current
        if current is not None and self.rhs[current.node].is_pending(current):
            call.pending()
            yield from self.rhs[current.node].cancel(current)  # Cancel reaches the DLL (§2.10, inferred)
            yield op.done
        call.finish(ERROR_SUCCESS)
