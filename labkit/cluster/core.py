"""The cluster (RCM) of one run: nodes, groups and resources, and the operations all its parts use.

`ClusterCore` takes a resource offline (IGNORE_RESOURCE_STATUS overriding a "not now"), brings resources
and groups online (each resource to its persistent state), and hands a group to another node; a group's
state follows its resources' (`labkit.cluster.context.group_state_of`). The parts built on it: client
requests and flag admission (`labkit.cluster.requests`, `labkit.cluster.admission`), moves
(`labkit.cluster.moves`) with the move queue and cancel (`labkit.cluster.queue`), SignalFailure and
network loss (`labkit.cluster.recovery`), the failure policy (`labkit.cluster.failures`) and killed
monitors (`labkit.cluster.crashes`); `labkit.cluster.rcm.Cluster` puts them together.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import simpy

from labkit.cluster import rules as R
from labkit.cluster.client import ClientCall
from labkit.cluster.context import RunContext
from labkit.cluster.instance import Instance
from labkit.cluster.model import GROUP_PROPERTIES, Group, Node, Resource
from labkit.cluster.monitors import Monitors
from labkit.cluster.pending import OFFLINE, ONLINE, Outcome, Settled
from labkit.cluster.persistent import persist_offline
from labkit.cluster.resdll import PropertyList, ResourceDll
from labkit.cluster.rhs import Rhs
from labkit.trace import Rule
from labkit.winapi import (
    ERROR_RESOURCE_FAILED,
    ERROR_SUCCESS,
    FAILURE_TYPE,
    OfflineFlags,
    OnlineFlags,
)

F = OfflineFlags


Process = Generator[simpy.Event, Any, Any]


class Operation:
    """What a group is busy with; a move can be cancelled."""

    def __init__(self, env: simpy.Environment, *, cancellable: bool) -> None:
        self.cancellable = cancellable
        self.cancelled = env.event()
        """Triggered when a client cancels the operation."""
        self.done = env.event()
        self.current: Resource | None = None
        """The resource whose offline is under way."""

    def cancel(self) -> None:
        if not self.cancelled.triggered:
            self.cancelled.succeed()

    def cancel_requested(self) -> bool:
        # A method, not an attribute: its value changes while a process waits.
        return bool(self.cancelled.triggered)


class ClusterCore:
    """The cluster of one run: its nodes, groups and resources, and the operations every part uses."""

    def __init__(
        self,
        ctx: RunContext,
        nodes: Sequence[str],
        groups: Sequence[tuple[str, str, Sequence[str]]],
        properties: Mapping[str, int],
        private: Mapping[str, Mapping[str, object]],
        factory: Callable[[], ResourceDll],
        requested: OfflineFlags,
        seed: int,
        *,
        depends: Mapping[str, Sequence[str]] | None = None,
        group_properties: Mapping[str, int] | None = None,
    ) -> None:
        self.ctx = ctx
        self.factory = factory
        self.requested = requested
        self.monitors = Monitors(ctx)
        self.nodes = {name: Node(name) for name in nodes}
        self.rhs = {name: Rhs(ctx, node, self, seed) for name, node in self.nodes.items()}
        self.groups: dict[str, Group] = {}
        self.resources: dict[str, Resource] = {}
        for name, owner, members in groups:
            group = Group(
                name, owner, tuple(nodes), properties={**GROUP_PROPERTIES, **(group_properties or {})}
            )
            for member in members:
                res = Resource(member, group, owner, dict(properties), dict(private.get(member, {})))
                res.depends = tuple((depends or {}).get(member, ()))
                group.resources.append(res)
                self.resources[member] = res
            self.groups[name] = group
        self.active: dict[str, Operation] = {}
        """What each busy group is doing."""
        self.requests: list[ClientCall] = []
        """Client calls of offline and move requests, in order."""

    def _begin(self, group: Group, *, cancellable: bool) -> Operation:
        op = Operation(self.ctx.env, cancellable=cancellable)
        self.active[group.name] = op
        return op

    def _end(self, group: Group, op: Operation) -> None:
        self.active.pop(group.name, None)
        op.done.succeed()

    def _take_offline(
        self,
        res: Resource,
        flags: OfflineFlags,
        destination: str | None,
        in_buffer: PropertyList | None,
        on_pending: Callable[[], None] = lambda: None,
        *,
        persist: bool = True,
        why: Rule = R.OFFLINE_CALL,
    ) -> Process:
        """OfflineV2 through the resource's monitor, citing ``why`` (the rule that put its flags there, or
        why the cluster takes it offline); IGNORE_RESOURCE_STATUS overrides a "not now". Only an offline a
        client asked for (``persist``) records PersistentState."""
        rhs = self.rhs[res.node]
        settled: Settled = yield from rhs.offline(res, flags, destination, in_buffer, on_pending, why)
        overridable = settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED)
        if (
            overridable
            and flags & F.IGNORE_RESOURCE_STATUS
            and self.ctx.policy.busy_with_ignore_status == "terminate"
        ):
            self.ctx.note(
                "IgnoreResourceStatus",
                R.IGNORE_STATUS_TERMINATES,
                actor="rcm",
                subject=res.name,
                message="the request has IGNORE_RESOURCE_STATUS: the cluster terminates the resource "
                "instead of waiting (policy busy_with_ignore_status=terminate)",
            )
            yield from rhs.terminate(res, OFFLINE, R.IGNORE_STATUS_TERMINATES)
            settled = Settled(Outcome.TERMINATED, ERROR_SUCCESS)
        if persist and settled.outcome in (Outcome.DONE, Outcome.TERMINATED, Outcome.ENDED):
            persist_offline(self.ctx, res, flags)
        return settled

    def _online(
        self, res: Resource, flags: OnlineFlags, in_buffer: PropertyList | None, *, rule: Rule | None = None
    ) -> Process:
        """Open the resource on its node if needed, then OnlineV2 (``rule``: why); returns a Win32 code.
        PersistentState does not change: the cluster brings the resource to it."""
        rhs = self.rhs[res.node]
        if res.name not in rhs.instances and not (yield from rhs.open(res, self.factory)):
            return ERROR_RESOURCE_FAILED
        settled: Settled = yield from rhs.online(res, flags, in_buffer, rule=rule)
        return ERROR_SUCCESS if settled.outcome is Outcome.DONE else settled.code

    def _online_group(self, group: Group, flags: OnlineFlags, in_buffer: PropertyList | None) -> Process:
        """Bring the group to its persistent state: every resource the cluster wants online, dependencies
        first (a resource recorded offline stays offline)."""
        for res in group.resources:
            if res.state == ONLINE:
                continue
            if not res.persistent_state:
                self.ctx.note(
                    "StaysOffline",
                    R.MOVE_KEEPS_STATE,
                    actor="rcm",
                    subject=res.name,
                    node=res.node,
                    PersistentState=0,
                )
                continue
            code = yield from self._online(res, flags, in_buffer)
            if code != ERROR_SUCCESS:
                return code
        return ERROR_SUCCESS

    def _hand_over(self, group: Group, node: str) -> Process:
        """The group leaves its node's monitor (Close) and belongs to ``node`` from now on."""
        for res in group.resources:
            yield from self.rhs[res.node].close(res)
            res.node = node
        group.node = node

    def _settle_group(self, group: Group) -> None:
        self.ctx.settle_group(group)

    def _cluster_flag(self, bit: OfflineFlags, subject: str) -> OfflineFlags:
        """A flag the cluster sets itself, unless the OS profile does not know it (inferred)."""
        if bit & self.ctx.profile.offline_flags:
            return bit
        self.ctx.note(
            "FlagNotSet",
            R.CLUSTER_FLAG_NEEDS_OS,
            actor="rcm",
            subject=subject,
            OfflineFlags=int(bit),
            message=f"{self.ctx.profile.title} does not know {bit}; the cluster does not set it",
        )
        return OfflineFlags(0)

    def _best_node(self, group: Group, exclude: set[str]) -> str | None:
        """The next preferred node after the owner that is up, has its network and is not excluded."""
        order = list(group.preferred)
        start = order.index(group.node) + 1 if group.node in order else 0
        for name in order[start:] + order[:start]:
            if name not in exclude and self.nodes[name].network_up:
                return name
        return None

    # -- what the other parts of the cluster provide (`labkit.cluster.rcm.Cluster` puts them together) ----

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
        """Move ``group`` to ``destination`` (`labkit.cluster.moves`), its OfflineV2 calls citing ``why``;
        returns a Win32 code."""
        raise NotImplementedError

    def _recover(self, group: Group, *, first: Resource | None = None) -> Process:
        """The failure policy for a group with failed resources (`labkit.cluster.failures`)."""
        raise NotImplementedError

    def _recover_when_idle(self, group: Group) -> Process:
        """The failure policy once the group is not busy (`labkit.cluster.failures`)."""
        raise NotImplementedError

    def on_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> None:
        """SignalFailure from a DLL (`labkit.cluster.recovery`)."""
        raise NotImplementedError

    def on_deadlock(self, inst: Instance, routine: str) -> None:
        """A call passed DeadlockTimeout (`labkit.cluster.crashes`)."""
        raise NotImplementedError

    def on_health_failure(self, res: Resource) -> None:
        """IsAlive said FALSE (`labkit.cluster.failures`)."""
        raise NotImplementedError
