"""The cluster (RCM): nodes, groups and resources, client requests, and what the cluster decides.

- Client requests (OfflineClusterResourceEx, OfflineClusterGroupEx, MoveClusterGroupEx,
  CancelClusterGroupOperation) carry their own flags; the cluster forwards them to OfflineV2 per §6.4 and
  sets 0x08 on a return trip, 0x10 after an embedded failure and 0x20 on network loss, when the OS
  profile knows the bit.
- Locked mode refuses a request without IGNORE_RESOURCE_STATUS (ERROR_CLUSTER_RESOURCE_LOCKED_STATUS)
  before OfflineV2 is called. A DLL's "not now" queues a move with QUEUE_ENABLED and fails it without.
- A destination that cannot bring the group online sends it back with RETURN_TO_SOURCE_NODE_ON_ERROR;
  otherwise the failure policy restarts the resource and then fails the group over.
- Every offline a client asked for records PersistentState, unless DO_NOT_UPDATE_PERSISTENT_STATE.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import simpy

from labkit.cluster.client import (
    CLIENT_FLAGS,
    CancelGroupOperation,
    MoveGroup,
    NetworkLoss,
    OfflineGroup,
    OfflineResource,
    Step,
    client_flags,
    forwarded,
)
from labkit.cluster.context import RunContext
from labkit.cluster.model import Group, Node, Resource
from labkit.cluster.pending import FAILED, OFFLINE, ONLINE, Outcome, Settled
from labkit.cluster.resdll import PropertyList, ResourceDll
from labkit.cluster.rhs import Rhs
from labkit.cluster.values import property_list_size, ref
from labkit.trace import Evidence, Kind
from labkit.winapi import (
    ERROR_CANCELLED,
    ERROR_CLUSTER_GROUP_BUSY,
    ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
    ERROR_GROUP_NOT_AVAILABLE,
    ERROR_INVALID_PARAMETER,
    ERROR_IO_PENDING,
    ERROR_RESOURCE_FAILED,
    ERROR_RESOURCE_NOT_ONLINE,
    ERROR_SUCCESS,
    FAILURE_TYPE,
    GroupStatusFlags,
    OfflineFlags,
    OnlineFlags,
    ResourceOfflineFlags,
)

F = OfflineFlags
Process = Generator[simpy.Event, Any, Any]
DOC, INF = Evidence.DOCUMENTED, Evidence.INFERRED


class ClientCall:
    """One client API call: ``call`` now, ``return`` when the cluster answers, ``complete`` when it ends."""

    def __init__(self, ctx: RunContext, api: str, subject: str, args: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.api = api
        self.subject = subject
        self.span = ctx.record(
            Kind.CALL, api, actor="client", subject=subject, args=dict(args), ref=ref("§6.4")
        ).span
        self.returned = False
        self.result: int | None = None

    def pending(self) -> None:
        """The API returns ERROR_IO_PENDING: the operation goes on."""
        if not self.returned:
            self.returned = True
            self.ctx.record(
                Kind.RETURN,
                self.api,
                actor="rcm",
                subject=self.subject,
                result=ERROR_IO_PENDING,
                span=self.span,
            )

    def finish(self, code: int) -> None:
        """The operation ended with ``code``: the return, or the completion after ERROR_IO_PENDING."""
        self.result = code
        if self.returned:
            # The API itself reports no completion; a client watching the group sees it end now.
            self.ctx.record(
                Kind.COMPLETE,
                self.api,
                actor="rcm",
                subject=self.subject,
                result=code,
                span=self.span,
                evidence=INF,
                ref=ref("§5.3"),
            )
        else:
            self.returned = True
            self.ctx.record(
                Kind.RETURN, self.api, actor="rcm", subject=self.subject, result=code, span=self.span
            )


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


class Cluster:
    """The cluster of one run."""

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
    ) -> None:
        self.ctx = ctx
        self.factory = factory
        self.requested = requested
        self.nodes = {name: Node(name) for name in nodes}
        self.rhs = {name: Rhs(ctx, node, self._on_failure, seed) for name, node in self.nodes.items()}
        self.groups: dict[str, Group] = {}
        self.resources: dict[str, Resource] = {}
        for name, owner, members in groups:
            group = Group(name, owner, tuple(nodes))
            for member in members:
                res = Resource(member, group, owner, dict(properties), dict(private.get(member, {})))
                group.resources.append(res)
                self.resources[member] = res
            self.groups[name] = group
        self.active: dict[str, Operation] = {}
        self.requests: list[ClientCall] = []
        """Client calls of offline and move requests, in order."""

    # -- the run -----------------------------------------------------------------------------------------

    def run(self, steps: Sequence[Step]) -> Process:
        """Bring every group online on its node, then play the steps at their times."""
        for group in self.groups.values():
            for res in group.resources:
                if (yield from self.rhs[group.node].open(res, self.factory)):
                    yield from self.rhs[group.node].online(res, OnlineFlags(0), None)
            self._settle_group(group)
        start = self.ctx.env.now
        for step in steps:
            self.ctx.spawn(self._at(start + step.at_ms, step))

    def _at(self, when: float, step: Step) -> Process:
        yield self.ctx.env.timeout(when - self.ctx.env.now)
        if isinstance(step, OfflineResource):
            yield from self._offline_resource(step)
        elif isinstance(step, OfflineGroup):
            yield from self._offline_group(step)
        elif isinstance(step, MoveGroup):
            yield from self._move_group(step)
        elif isinstance(step, CancelGroupOperation):
            yield from self._cancel(step)
        else:
            yield from self._network_loss(step)

    # -- client requests ---------------------------------------------------------------------------------

    def _offline_resource(self, step: OfflineResource) -> Process:
        res = self.resources[step.resource]
        word, unmapped = client_flags(step.api, self.requested)
        if step.force_with_termination:
            word |= ResourceOfflineFlags.FORCE_WITH_TERMINATION
        call = self._request(
            step.api, res.name, {"hResource": res.name, "dwOfflineFlags": word}, step.in_buffer
        )
        flags = self._admit(call, word, unmapped)
        if flags is None or not self._ready(call, res.group, [res], flags):
            return
        if res.state != ONLINE:
            self.ctx.note(
                "NotOnline",
                actor="rcm",
                subject=res.name,
                section="§5.2",
                message=f"{res.name} is {res.state}; there is nothing to take offline",
            )
            call.finish(ERROR_SUCCESS if res.state == OFFLINE else ERROR_RESOURCE_NOT_ONLINE)
            return
        op = self._begin(res.group, cancellable=False)
        if step.force_with_termination:
            self.ctx.note(
                "ForceWithTermination",
                actor="rcm",
                subject=res.name,
                section="§2.6",
                evidence=DOC,
                message="FORCE_WITH_TERMINATION: the cluster calls Terminate instead of OfflineV2",
            )
            yield from self.rhs[res.node].terminate(res, OFFLINE)
            self._persist(res, flags)
            code = ERROR_SUCCESS
        else:
            settled = yield from self._take_offline(res, flags, None, step.in_buffer, call.pending)
            code = settled.code
        self._settle_group(res.group)
        self._end(res.group, op)
        call.finish(code)

    def _offline_group(self, step: OfflineGroup) -> Process:
        group = self.groups[step.group]
        word, unmapped = client_flags(step.api, self.requested)
        call = self._request(
            step.api, group.subject, {"hGroup": group.name, "dwOfflineFlags": word}, step.in_buffer
        )
        flags = self._admit(call, word, unmapped)
        if flags is None or not self._ready(call, group, group.resources, flags):
            return
        op = self._begin(group, cancellable=False)
        code = ERROR_SUCCESS
        for res in reversed(group.resources):
            if res.state == ONLINE:
                settled = yield from self._take_offline(res, flags, None, step.in_buffer, call.pending)
                code = code or settled.code
        self._settle_group(group)
        self._end(group, op)
        call.finish(code)

    def _move_group(self, step: MoveGroup) -> Process:
        ctx, group = self.ctx, self.groups[step.group]
        word, unmapped = client_flags(step.api, self.requested)
        args = {"hGroup": group.name, "hDestinationNode": step.node, "dwMoveFlags": word}
        call = self._request(step.api, group.subject, args, step.in_buffer)
        flags = self._admit(call, word, unmapped)
        if flags is None or not self._ready(call, group, group.resources, flags):
            return
        destination = step.node
        if destination is None:
            destination = self._best_node(group, {group.node})
            if destination is None:
                call.finish(ERROR_GROUP_NOT_AVAILABLE)
                return
            ctx.note("BestNode", actor="rcm", subject=group.subject, section="§6.3", node=destination)
        call.pending()  # MoveClusterGroupEx answers ERROR_IO_PENDING once the move is accepted (MCGX)
        op = self._begin(group, cancellable=True)
        code = yield from self._move(group, destination, flags, step.in_buffer, op, persist=True)
        self._end(group, op)
        call.finish(code)

    def _cancel(self, step: CancelGroupOperation) -> Process:
        group = self.groups[step.group]
        call = ClientCall(
            self.ctx, step.api, group.subject, {"hGroup": group.name, "dwCancelFlags_RESERVED": 0}
        )
        op = self.active.get(group.name)
        if op is None or not op.cancellable:
            self.ctx.note(
                "NothingToCancel",
                actor="rcm",
                subject=group.subject,
                section="§2.10",
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

    def _network_loss(self, step: NetworkLoss) -> Process:
        node = self.nodes[step.node]
        node.network_up = False
        self.ctx.note(
            "NetworkLoss",
            actor="rcm",
            subject=f"node:{node.name}",
            section="§6.2",
            message="the node lost its network; the cluster moves its groups away",
        )
        for group in list(self.groups.values()):
            if group.node == node.name and group.name not in self.active:
                op = self._begin(group, cancellable=False)
                yield from self._network_failover(group, op)
                self._end(group, op)

    # -- admission ---------------------------------------------------------------------------------------

    def _request(
        self, api: str, subject: str, args: dict[str, Any], in_buffer: PropertyList | None
    ) -> ClientCall:
        args["lpInBuffer"] = None if in_buffer is None else {str(k): int(v) for k, v in in_buffer.items()}
        args["cbInBufferSize"] = property_list_size(in_buffer)
        call = ClientCall(self.ctx, api, subject, args)
        self.requests.append(call)
        return call

    def _admit(self, call: ClientCall, word: int, unmapped: OfflineFlags) -> OfflineFlags | None:
        """The OfflineV2 flags of a request, or None when the request is refused (and answered)."""
        ctx, policy, profile = self.ctx, self.ctx.policy, self.ctx.profile
        flags = forwarded(call.api, word)
        if flags:
            client_type = CLIENT_FLAGS[call.api][0]
            ctx.note(
                "FlagsForwarded",
                actor="rcm",
                subject=call.subject,
                section="§6.4",
                OfflineFlags=int(flags),
                message=f"{call.api} flags {client_type(word)} become OfflineFlags {flags}",
            )
        if unmapped:
            refuse = policy.unmapped_flags == "refuse"
            ctx.note(
                "FlagRefused" if refuse else "FlagPassed",
                actor="rcm",
                subject=call.subject,
                section="§6.4",
                OfflineFlags=int(unmapped),
                message=f"{call.api} has no flag for {unmapped}; "
                + ("the request is refused" if refuse else "labkit passes it to OfflineV2 as a what-if")
                + f" (policy unmapped_flags={policy.unmapped_flags})",
            )
            if refuse:
                call.finish(ERROR_INVALID_PARAMETER)
                return None
            flags |= unmapped
        unknown = flags & ~profile.offline_flags
        if unknown:
            refuse = policy.unknown_flags == "refuse"
            ctx.note(
                "FlagNotSupported",
                actor="rcm",
                subject=call.subject,
                section="§6.1",
                OfflineFlags=int(unknown),
                message=f"{profile.title} does not know {unknown}; "
                + ("the request is refused" if refuse else "the bit is dropped")
                + f" (policy unknown_flags={policy.unknown_flags})",
            )
            if refuse:
                call.finish(ERROR_INVALID_PARAMETER)
                return None
            flags &= profile.offline_flags
        return flags

    def _ready(
        self, call: ClientCall, group: Group, resources: Sequence[Resource], flags: OfflineFlags
    ) -> bool:
        """Refuse a request for a busy group, or for a locked resource without IGNORE_RESOURCE_STATUS."""
        if group.name in self.active:
            call.finish(ERROR_CLUSTER_GROUP_BUSY)
            return False
        locked = next((r for r in resources if r.locked), None)
        if locked is not None and not flags & F.IGNORE_RESOURCE_STATUS:
            self.ctx.note(
                "LockedStatus",
                actor="rcm",
                subject=locked.name,
                section="§6.2",
                evidence=DOC,
                message=f"{locked.name} is in locked mode and the request lacks IGNORE_RESOURCE_STATUS: "
                f"{call.api} fails before OfflineV2 is called",
            )
            call.finish(ERROR_CLUSTER_RESOURCE_LOCKED_STATUS)
            return False
        return True

    def _begin(self, group: Group, *, cancellable: bool) -> Operation:
        op = Operation(self.ctx.env, cancellable=cancellable)
        self.active[group.name] = op
        return op

    def _end(self, group: Group, op: Operation) -> None:
        self.active.pop(group.name, None)
        op.done.succeed()

    # -- offline, online, persistent state ---------------------------------------------------------------

    def _take_offline(
        self,
        res: Resource,
        flags: OfflineFlags,
        destination: str | None,
        in_buffer: PropertyList | None,
        on_pending: Callable[[], None] = lambda: None,
        *,
        persist: bool = True,
    ) -> Process:
        """OfflineV2 through the resource's monitor; IGNORE_RESOURCE_STATUS overrides a "not now"."""
        rhs = self.rhs[res.node]
        settled: Settled = yield from rhs.offline(res, flags, destination, in_buffer, on_pending)
        overridable = settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED)
        if (
            overridable
            and flags & F.IGNORE_RESOURCE_STATUS
            and self.ctx.policy.busy_with_ignore_status == "terminate"
        ):
            self.ctx.note(
                "IgnoreResourceStatus",
                actor="rcm",
                subject=res.name,
                section="§6.2",
                message="the request has IGNORE_RESOURCE_STATUS: the cluster terminates the resource "
                "instead of waiting (policy busy_with_ignore_status=terminate)",
            )
            yield from rhs.terminate(res, OFFLINE)
            settled = Settled(Outcome.TERMINATED, ERROR_SUCCESS)
        if persist and settled.outcome in (Outcome.DONE, Outcome.TERMINATED):
            self._persist(res, flags)
        return settled

    def _persist(self, res: Resource, flags: OfflineFlags) -> None:
        """Record the desired state after an offline a client asked for (§6.2, inferred)."""
        keep = bool(flags & F.DO_NOT_UPDATE_PERSISTENT_STATE)
        if not keep:
            res.persistent_state = False
        self.ctx.note(
            "PersistentState",
            actor="rcm",
            subject=res.name,
            section="§6.2",
            PersistentState=int(res.persistent_state),
            updated=not keep,
        )

    def _online(self, res: Resource, flags: OnlineFlags, in_buffer: PropertyList | None) -> Process:
        """Open the resource on its node if needed, then OnlineV2; returns a Win32 code."""
        rhs = self.rhs[res.node]
        if res.name not in rhs.instances and not (yield from rhs.open(res, self.factory)):
            return ERROR_RESOURCE_FAILED
        settled: Settled = yield from rhs.online(res, flags, in_buffer)
        if settled.outcome is Outcome.DONE and not res.persistent_state:
            res.persistent_state = True
            self.ctx.note(
                "PersistentState",
                actor="rcm",
                subject=res.name,
                section="§5.3",
                PersistentState=1,
                updated=True,
            )
        return ERROR_SUCCESS if settled.outcome is Outcome.DONE else settled.code

    def _online_group(self, group: Group, flags: OnlineFlags, in_buffer: PropertyList | None) -> Process:
        for res in group.resources:
            if res.state != ONLINE:
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
        states = {res.state for res in group.resources}
        if FAILED in states or None in states:
            new = "Failed"
        elif states == {ONLINE}:
            new = "Online"
        elif ONLINE in states:
            new = "Online"  # partially online counts as online for the group's lane
        else:
            new = "Offline"
        self.ctx.group_state(group, new, section="§5.3")

    # -- moves -------------------------------------------------------------------------------------------

    def _move(
        self,
        group: Group,
        destination: str,
        flags: OfflineFlags,
        in_buffer: PropertyList | None,
        op: Operation,
        *,
        persist: bool,
    ) -> Process:
        """Offline on the source (queued if asked), online on the destination; back or recover on failure."""
        ctx, env, source = self.ctx, self.ctx.env, group.node
        ctx.group_state(group, "Moving", section="§5.3")
        while True:
            settled = yield from self._offline_for_move(group, flags, destination, in_buffer, op, persist)
            if op.cancel_requested() or settled.outcome is Outcome.CANCELLED:
                return (yield from self._stay(group, ERROR_CANCELLED))
            if settled.outcome is Outcome.NOT_NOW and flags & F.QUEUE_ENABLED:
                yield from self._online_group(group, OnlineFlags(0), None)
                group.status |= GroupStatusFlags.WAITING_IN_QUEUE_FOR_MOVE
                ctx.group_state(group, "Queued", section="§6.2", evidence=INF)
                yield op.cancelled | env.timeout(ctx.policy.queue_retry_ms)
                group.status &= ~GroupStatusFlags.WAITING_IN_QUEUE_FOR_MOVE
                if op.cancel_requested():
                    return (yield from self._stay(group, ERROR_CANCELLED))
                locked = next((r for r in group.resources if r.locked), None)
                if (
                    locked is not None
                    and not flags & F.IGNORE_RESOURCE_STATUS
                    and not locked.locked_keeps_queue
                ):
                    ctx.note(
                        "LockedStatus",
                        actor="rcm",
                        subject=locked.name,
                        section="§6.2",
                        message=f"{locked.name} entered locked mode: the queued move is dropped "
                        "(no LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE)",
                    )
                    return (yield from self._stay(group, ERROR_CLUSTER_RESOURCE_LOCKED_STATUS))
                ctx.group_state(group, "Moving", section="§5.3")
                continue
            if settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED):
                return (yield from self._stay(group, settled.code))
            break
        yield from self._hand_over(group, destination)
        code = yield from self._online_group(group, self._online_flags(flags), in_buffer)
        if code == ERROR_SUCCESS:
            ctx.group_state(group, "Online", section="§5.3")
            return ERROR_SUCCESS
        if flags & F.RETURN_TO_SOURCE_NODE_ON_ERROR:
            returned = yield from self._return_to_source(group, source, flags, persist)
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
        persist: bool,
    ) -> Process:
        """Take the group's online resources offline, dependents first; stop at the first that does not go."""
        for res in reversed(group.resources):
            if res.state != ONLINE:
                continue
            op.current = res
            settled: Settled = yield from self._take_offline(
                res, flags, destination, in_buffer, persist=persist
            )
            op.current = None
            if settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED, Outcome.CANCELLED):
                return settled
        return Settled(Outcome.DONE, ERROR_SUCCESS)

    def _stay(self, group: Group, code: int) -> Process:
        """The move does not happen: the group goes back to its persistent state on its node."""
        yield from self._online_group(group, OnlineFlags(0), None)
        self._settle_group(group)
        return code

    def _return_to_source(self, group: Group, source: str, flags: OfflineFlags, persist: bool) -> Process:
        """RETURN_TO_SOURCE_NODE_ON_ERROR: offline on the destination with 0x08, online on the source."""
        ctx = self.ctx
        ctx.note(
            "ReturnToSource",
            actor="rcm",
            subject=group.subject,
            section="§6.2",
            evidence=DOC,
            node=source,
            message="the group failed on the destination; it goes back to the source node",
        )
        back = (flags & ~(F.RETURN_TO_SOURCE_NODE_ON_ERROR | F.QUEUE_ENABLED)) | self._cluster_flag(
            F.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR, group.subject
        )
        for res in reversed(group.resources):
            if res.state != OFFLINE and res.name in self.rhs[res.node].instances:
                yield from self._take_offline(res, back, source, None, persist=persist)
        yield from self._hand_over(group, source)
        code = yield from self._online_group(group, OnlineFlags(0), None)
        if code == ERROR_SUCCESS:
            ctx.group_state(group, "Online", section="§6.2")
        return code

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

    def _cluster_flag(self, bit: OfflineFlags, subject: str) -> OfflineFlags:
        """A flag the cluster sets itself, unless the OS profile does not know it (inferred)."""
        if bit & self.ctx.profile.offline_flags:
            return bit
        self.ctx.note(
            "FlagNotSet",
            actor="rcm",
            subject=subject,
            section="§6.1",
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

    # -- failures ----------------------------------------------------------------------------------------

    def _on_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> None:
        """SignalFailure from a DLL: handled by the cluster in its own process."""
        self.ctx.spawn(self._handle_failure(res, kind, code))

    def _handle_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> Process:
        ctx, group = self.ctx, res.group
        if group.name in self.active or res.state != ONLINE:
            ctx.note(
                "FailureNotHandled",
                actor="rcm",
                subject=res.name,
                section="§5.3",
                message=f"{kind.name} while the resource is {res.state} or its group is busy; ignored",
            )
            return
        op = self._begin(group, cancellable=False)
        if kind is FAILURE_TYPE.FAILURE_TYPE_EMBEDDED:
            group.status |= GroupStatusFlags.EMBEDDED_FAILURE
            ctx.group_state(group, "Failed", section="§6.2", evidence=INF)
            flags = self._cluster_flag(F.DUE_TO_EMBEDDED_FAILURE, res.name)
            yield from self._take_offline(res, flags, None, None, persist=False)
            group.status &= ~GroupStatusFlags.EMBEDDED_FAILURE
            yield from self._recover(group)
        elif kind is FAILURE_TYPE.FAILURE_TYPE_NETWORK_LOSS:
            yield from self._network_failover(group, op)
        else:
            ctx.resource_state(res, FAILED, actor="rcm", section="§5.2")
            yield from self.rhs[res.node].terminate(res, None)
            yield from self._recover(group)
        self._end(group, op)

    def _network_failover(self, group: Group, op: Operation) -> Process:
        """Move the group off a node without network, with IGNORE_NETWORK_CONNECTIVITY where known."""
        ctx = self.ctx
        target = self._best_node(group, {group.node})
        if target is None:
            ctx.note(
                "NoNodeLeft",
                actor="rcm",
                subject=group.subject,
                section="§5.3",
                message="no node can take the group",
            )
            return
        group.status |= GroupStatusFlags.NETWORK_FAILURE
        ctx.note("Failover", actor="rcm", subject=group.subject, section="§5.3", evidence=DOC, node=target)
        flags = self._cluster_flag(F.IGNORE_NETWORK_CONNECTIVITY, group.subject)
        yield from self._move(group, target, flags, None, op, persist=False)
        group.status &= ~GroupStatusFlags.NETWORK_FAILURE

    def _recover(self, group: Group) -> Process:
        """Failure policy (§5.3): restart within RestartThreshold, then fail the group over node by node."""
        ctx, env = self.ctx, self.ctx.env
        tried = {group.node}
        while True:
            down = [r for r in group.resources if r.state in (FAILED, OFFLINE)]
            if not down:
                ctx.group_state(group, "Online", section="§5.3")
                return
            res = down[0]
            ctx.group_state(group, "Failed", section="§5.3")
            action = res.properties["RestartAction"]
            if action and self._may_restart(res):
                res.restarts.append(float(env.now))
                ctx.note(
                    "Restart",
                    actor="rcm",
                    subject=res.name,
                    section="§5.3",
                    evidence=DOC,
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
                    actor="rcm",
                    subject=group.subject,
                    section="§5.3",
                    evidence=DOC,
                    message="restarts exhausted and no node left to fail over to; the group stays failed",
                )
                return
            tried.add(target)
            ctx.note(
                "Failover", actor="rcm", subject=group.subject, section="§5.3", evidence=DOC, node=target
            )
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
