"""SignalFailure and network loss (§5.3, §6.2).

A DLL's SignalFailure is handled in the cluster's own process: an embedded failure takes the resource
offline with DUE_TO_EMBEDDED_FAILURE, a network loss moves the group away with
IGNORE_NETWORK_CONNECTIVITY, anything else fails and terminates it. The failure policy
(`labkit.cluster.failures`) then restarts the resource or fails its group over.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.client import NetworkLoss
from labkit.cluster.core import Operation, Process
from labkit.cluster.crashes import Crashes
from labkit.cluster.model import Group, Resource
from labkit.cluster.pending import FAILED, ONLINE
from labkit.winapi import FAILURE_TYPE, GroupStatusFlags, OfflineFlags

F = OfflineFlags


class Recovery(Crashes):
    """What the cluster does when a DLL signals a failure or a node loses its network."""

    def on_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> None:
        """SignalFailure from a DLL: handled by the cluster in its own process."""
        self.ctx.spawn(self._handle_failure(res, kind, code))

    def _handle_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> Process:
        ctx, group = self.ctx, res.group
        if group.name in self.active or res.state != ONLINE:
            ctx.note(
                "FailureNotHandled",
                R.FAILURE_IGNORED,
                actor="rcm",
                subject=res.name,
                message=f"{kind.name} while the resource is {res.state} or its group is busy; ignored",
            )
            return
        op = self._begin(group, cancellable=False)
        if kind is FAILURE_TYPE.FAILURE_TYPE_EMBEDDED:
            ctx.group_status(group, group.status | GroupStatusFlags.EMBEDDED_FAILURE, R.EMBEDDED_FAILURE)
            flags = self._cluster_flag(F.DUE_TO_EMBEDDED_FAILURE, res.name)
            yield from self._take_offline(res, flags, None, None, persist=False, why=R.EMBEDDED_FAILURE)
            ctx.group_status(group, group.status & ~GroupStatusFlags.EMBEDDED_FAILURE)
            yield from self._recover(
                group, first=res
            )  # the guest is restarted (cluster.embedded-failure-offline)
        elif kind is FAILURE_TYPE.FAILURE_TYPE_NETWORK_LOSS:
            yield from self._network_failover(group, op)
        else:
            ctx.resource_state(res, FAILED, R.GENERAL_FAILURE, actor="rcm")
            yield from self.rhs[res.node].terminate(res, None, R.GENERAL_FAILURE)
            yield from self._recover(group)
        self._end(group, op)

    def _network_loss(self, step: NetworkLoss) -> Process:
        node = self.nodes[step.node]
        node.network_up = False
        self.ctx.note(
            "NetworkLoss",
            R.NETWORK_LOSS,
            actor="rcm",
            subject=f"node:{node.name}",
            message="the node lost its network; the cluster moves its groups away",
        )
        for group in list(self.groups.values()):
            if group.node == node.name and group.name not in self.active:
                op = self._begin(group, cancellable=False)
                yield from self._network_failover(group, op)
                self._end(group, op)

    def _network_failover(self, group: Group, op: Operation) -> Process:
        """Move the group off a node without network, with IGNORE_NETWORK_CONNECTIVITY where known."""
        ctx = self.ctx
        target = self._best_node(group, {group.node})
        if target is None:
            ctx.note(
                "NoNodeLeft",
                R.NO_NODE_LEFT,
                actor="rcm",
                subject=group.subject,
                message="no node can take the group",
            )
            return
        ctx.group_status(group, group.status | GroupStatusFlags.NETWORK_FAILURE, R.NETWORK_LOSS)
        ctx.note("Failover", R.NETWORK_LOSS, actor="rcm", subject=group.subject, node=target)
        flags = self._cluster_flag(F.IGNORE_NETWORK_CONNECTIVITY, group.subject)
        yield from self._move(group, target, flags, None, op, why=R.NETWORK_LOSS)
        ctx.group_status(group, group.status & ~GroupStatusFlags.NETWORK_FAILURE)
