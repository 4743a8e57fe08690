"""Moves: a group taken offline on its node and brought online on another (§5.3, §6.2).

A move takes the group's resources offline, dependents first (queued when the DLL says "not now" and the
client allowed it), hands the group to the destination and brings it online there with the matching
OnlineV2 flags. On failure, RETURN_TO_SOURCE_NODE_ON_ERROR sends it back with 0x08 set; otherwise the
failure policy takes over. A move brings each resource to its persistent state and never changes it.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.core import Operation, Process
from labkit.cluster.model import Group
from labkit.cluster.pending import OFFLINE, ONLINE, Outcome, Settled
from labkit.cluster.queue import Queue
from labkit.cluster.resdll import PropertyList
from labkit.trace import Rule
from labkit.winapi import (
    ERROR_CANCELLED,
    ERROR_SUCCESS,
    OfflineFlags,
    OnlineFlags,
)

F = OfflineFlags


class Moves(Queue):
    """Moving groups between nodes."""

    def _move(
        self,
        group: Group,
        destination: str,
        flags: OfflineFlags,
        in_buffer: PropertyList | None,
        op: Operation,
        *,
        why: Rule,
    ) -> Process:
        """Offline on the source (queued if asked), online on the destination; back or recover on failure.

        ``why`` is the rule the move's OfflineV2 calls cite (the one that put their flags there)."""
        source = group.node
        while True:
            settled = yield from self._offline_for_move(group, flags, destination, in_buffer, op, why)
            if op.cancel_requested() or settled.outcome is Outcome.CANCELLED:
                return (yield from self._stay(group, ERROR_CANCELLED))
            if settled.outcome is Outcome.NOT_NOW and flags & F.QUEUE_ENABLED:
                dropped = yield from self._wait_in_queue(group, flags, op)
                if dropped is not None:
                    return (yield from self._stay(group, dropped))
                continue
            if settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED):
                return (yield from self._stay(group, settled.code))
            break
        yield from self._hand_over(group, destination)
        code = yield from self._online_group(group, self._online_flags(flags), in_buffer)
        if code == ERROR_SUCCESS:
            return ERROR_SUCCESS
        if flags & F.RETURN_TO_SOURCE_NODE_ON_ERROR:
            returned = yield from self._return_to_source(group, source, flags)
            if returned == ERROR_SUCCESS:
                return code
        yield from self._recover(group)
        return code

    def _offline_for_move(
        self,
        group: Group,
        flags: OfflineFlags,
        destination: str,
        in_buffer: PropertyList | None,
        op: Operation,
        why: Rule,
    ) -> Process:
        """Take the group's online resources offline, dependents first; stop at the first that does not go."""
        for res in reversed(group.resources):
            if res.state != ONLINE:
                continue
            op.current = res
            settled: Settled = yield from self._take_offline(
                res, flags, destination, in_buffer, persist=False, why=why
            )
            op.current = None
            if settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED, Outcome.CANCELLED):
                return settled
        return Settled(Outcome.DONE, ERROR_SUCCESS)

    def _stay(self, group: Group, code: int) -> Process:
        """The move does not happen: the group goes back to its persistent state on its node."""
        yield from self._online_group(group, OnlineFlags(0), None)
        return code

    def _return_to_source(self, group: Group, source: str, flags: OfflineFlags) -> Process:
        """RETURN_TO_SOURCE_NODE_ON_ERROR: offline on the destination with 0x08, online on the source."""
        ctx = self.ctx
        ctx.note(
            "ReturnToSource",
            R.RETURN_TO_SOURCE,
            actor="rcm",
            subject=group.subject,
            node=source,
            message="the group failed on the destination; it goes back to the source node",
        )
        back = (flags & ~(F.RETURN_TO_SOURCE_NODE_ON_ERROR | F.QUEUE_ENABLED)) | self._cluster_flag(
            F.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR, group.subject
        )
        for res in reversed(group.resources):
            if res.state != OFFLINE and res.name in self.rhs[res.node].instances:
                yield from self._take_offline(res, back, source, None, persist=False, why=R.RETURNING_FLAG)
        yield from self._hand_over(group, source)
        return (yield from self._online_group(group, OnlineFlags(0), None))

    def _online_flags(self, flags: OfflineFlags) -> OnlineFlags:
        """OnlineV2 flags for the destination: the same requests under the online bits (G6, inferred)."""
        online = OnlineFlags(0)
        for offline_bit, online_bit in (
            (F.IGNORE_RESOURCE_STATUS, OnlineFlags.IGNORE_RESOURCE_STATUS),
            (F.RETURN_TO_SOURCE_NODE_ON_ERROR, OnlineFlags.RETURN_TO_SOURCE_NODE_ON_ERROR),
            (F.IGNORE_NETWORK_CONNECTIVITY, OnlineFlags.IGNORE_NETWORK_CONNECTIVITY),
        ):
            if flags & offline_bit:
                online |= online_bit
        return online
