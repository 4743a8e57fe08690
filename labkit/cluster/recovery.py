"""Failure recovery: SignalFailure, network loss and the failure policy (§5.3, §6.2).

A DLL's SignalFailure is handled in the cluster's own process: an embedded failure takes the resource
offline with DUE_TO_EMBEDDED_FAILURE, a network loss moves the group away with
IGNORE_NETWORK_CONNECTIVITY, anything else fails and terminates it. The failure policy then restarts a
resource within RestartThreshold per RestartPeriod and fails the group over node by node.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.client import NetworkLoss
from labkit.cluster.core import ClusterCore, Operation, Process
from labkit.cluster.model import Group, Resource
from labkit.cluster.pending import FAILED, OFFLINE, ONLINE
from labkit.winapi import (
    FAILURE_TYPE,
    GroupStatusFlags,
    OfflineFlags,
    OnlineFlags,
)

F = OfflineFlags


class Recovery(ClusterCore):
    """What the cluster does when resources fail or a node loses its network."""

    def _on_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> None:
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
            group.status |= GroupStatusFlags.EMBEDDED_FAILURE
            ctx.group_state(group, "Failed", R.EMBEDDED_FAILURE)
            flags = self._cluster_flag(F.DUE_TO_EMBEDDED_FAILURE, res.name)
            yield from self._take_offline(res, flags, None, None, persist=False, why=R.EMBEDDED_FAILURE)
            group.status &= ~GroupStatusFlags.EMBEDDED_FAILURE
            yield from self._recover(group)
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
        group.status |= GroupStatusFlags.NETWORK_FAILURE
        ctx.note("Failover", R.NETWORK_LOSS, actor="rcm", subject=group.subject, node=target)
        flags = self._cluster_flag(F.IGNORE_NETWORK_CONNECTIVITY, group.subject)
        yield from self._move(group, target, flags, None, op, persist=False, why=R.NETWORK_LOSS)
        group.status &= ~GroupStatusFlags.NETWORK_FAILURE

    def _recover(self, group: Group) -> Process:
        """Failure policy (§5.3): restart within RestartThreshold, then fail the group over node by node."""
        ctx, env = self.ctx, self.ctx.env
        tried = {group.node}
        while True:
            down = [r for r in group.resources if r.state in (FAILED, OFFLINE)]
            if not down:
                ctx.group_state(group, "Online", R.GROUP_STATE)
                return
            res = down[0]
            ctx.group_state(group, "Failed", R.GROUP_STATE)
            action = res.properties["RestartAction"]
            if action and self._may_restart(res):
                res.restarts.append(float(env.now))
                ctx.note(
                    "Restart",
                    R.RESTART,
                    actor="rcm",
                    subject=res.name,
                    node=res.node,
                    attempt=len(res.restarts),
                    RestartThreshold=res.properties["RestartThreshold"],
                )
                yield env.timeout(res.properties["RestartDelay"])
                yield from self._online(res, OnlineFlags(0), None)
                continue
            target = self._best_node(group, tried) if action == 2 else None
            if target is None:
                ctx.note(
                    "NoFailover",
                    R.NO_NODE_LEFT,
                    actor="rcm",
                    subject=group.subject,
                    message="restarts exhausted and no node left to fail over to; the group stays failed",
                )
                return
            tried.add(target)
            yield from self._fail_over(group, target)

    def _fail_over(self, group: Group, target: str) -> Process:
        """Move a failed group to ``target`` and try it there, its restart count starting afresh (§5.3)."""
        self.ctx.note("Failover", R.FAILOVER, actor="rcm", subject=group.subject, node=target)
        for other in reversed(group.resources):
            if other.state == ONLINE:
                yield from self._take_offline(other, OfflineFlags(0), target, None, persist=False)
        yield from self._hand_over(group, target)
        for member in group.resources:
            member.restarts.clear()
        yield from self._online_group(group, OnlineFlags(0), None)

    def _may_restart(self, res: Resource) -> bool:
        window = self.ctx.env.now - res.properties["RestartPeriod"]
        recent = [t for t in res.restarts if t > window]
        return len(recent) < res.properties["RestartThreshold"]
