"""Client requests: OfflineClusterResourceEx, OfflineClusterGroupEx and MoveClusterGroupEx (§6.4).

Each request is a client call (`labkit.cluster.client.ClientCall`) that carries its own flags; admission
(`labkit.cluster.admission`) turns them into OfflineV2 flags or refuses the request before any DLL code
runs. FORCE_WITH_TERMINATION makes the cluster call Terminate instead of OfflineV2. An offline of one
resource takes the resources that depend on it offline first; an accepted offline that does not end at
once answers ERROR_IO_PENDING, since a non-zero return would mean nothing changed (ORX).
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.admission import Admission
from labkit.cluster.client import (
    ClientCall,
    MoveGroup,
    OfflineGroup,
    OfflineResource,
    client_flags,
)
from labkit.cluster.core import Process
from labkit.cluster.model import Resource
from labkit.cluster.pending import FAILED, OFFLINE, ONLINE, Outcome, Settled
from labkit.cluster.persistent import persist_offline
from labkit.cluster.resdll import PropertyList
from labkit.trace import Rule
from labkit.winapi import (
    ERROR_GROUP_NOT_AVAILABLE,
    ERROR_INVALID_STATE,
    ERROR_RESOURCE_FAILED,
    ERROR_SUCCESS,
    OfflineFlags,
    ResourceOfflineFlags,
    error_name,
)


class Requests(Admission):
    """The client requests a cluster answers (CancelClusterGroupOperation: `labkit.cluster.queue`)."""

    def _offline_resource(self, step: OfflineResource) -> Process:
        res = self.resources[step.resource]
        word, unmapped = client_flags(step.api, self.requested)
        if step.force_with_termination:
            word |= ResourceOfflineFlags.FORCE_WITH_TERMINATION
        call = self._request(
            step.api, res.name, {"hResource": res.name, "dwOfflineFlags": word}, step.in_buffer
        )
        admitted = self._admit(call, word, unmapped)
        if admitted is not None and res.state != ONLINE:
            self._not_online(call, res, admitted[0])  # MS-CMRP's state check comes before labkit's busy one
            return
        if admitted is None or not self._ready(call, res.group, [res], admitted[0]):
            return
        flags, why = admitted
        op = self._begin(res.group, cancellable=False)
        if step.force_with_termination:
            self.ctx.note(
                "ForceWithTermination",
                R.FORCE_TERMINATION,
                actor="rcm",
                subject=res.name,
                message="FORCE_WITH_TERMINATION: the cluster calls Terminate instead of OfflineV2",
            )
            yield from self.rhs[res.node].terminate(res, OFFLINE, R.FORCE_TERMINATION)
            persist_offline(self.ctx, res, flags)
            code = ERROR_SUCCESS
        else:
            code = yield from self._offline_with_dependents(res, flags, step.in_buffer, call, why)
        self._end(res.group, op)
        _answer(call, code)

    def _offline_with_dependents(
        self, res: Resource, flags: OfflineFlags, in_buffer: PropertyList | None, call: ClientCall, why: Rule
    ) -> Process:
        """The resources that depend on ``res`` go offline first, then ``res`` (MS-CMRP 3.1.4.2.19); only
        ``res`` records PersistentState. Returns the code the request ends with."""
        for dependent in res.group.dependents(res):
            if dependent.state != ONLINE:
                continue
            settled: Settled = yield from self._take_offline(
                dependent, flags, None, in_buffer, call.pending, persist=False, why=R.DEPENDENTS_FIRST
            )
            if settled.outcome in (Outcome.NOT_NOW, Outcome.REFUSED, Outcome.CANCELLED):
                return settled.code
        settled = yield from self._take_offline(res, flags, None, in_buffer, call.pending, why=why)
        return settled.code

    def _not_online(self, call: ClientCall, res: Resource, flags: OfflineFlags) -> None:
        """Offline of a resource that is not online, as MS-CMRP ApiOfflineResource answers it: ERROR_SUCCESS
        when Offline, ERROR_RESOURCE_FAILED when Failed (both record PersistentState), ERROR_INVALID_STATE
        in any other state."""
        code = {OFFLINE: ERROR_SUCCESS, FAILED: ERROR_RESOURCE_FAILED}.get(
            res.state or "", ERROR_INVALID_STATE
        )
        self.ctx.note(
            "NotOnline",
            R.NOT_ONLINE_ERRORS,
            actor="rcm",
            subject=res.name,
            state=res.state,
            message=f"{res.name} is {res.state}: {error_name(code, 'cluster')}",
        )
        if code != ERROR_INVALID_STATE:
            persist_offline(self.ctx, res, flags)
        call.finish(code, R.NOT_ONLINE_ERRORS)

    def _offline_group(self, step: OfflineGroup) -> Process:
        group = self.groups[step.group]
        word, unmapped = client_flags(step.api, self.requested)
        call = self._request(
            step.api, group.subject, {"hGroup": group.name, "dwOfflineFlags": word}, step.in_buffer
        )
        admitted = self._admit(call, word, unmapped)
        if admitted is None or not self._ready(call, group, group.resources, admitted[0]):
            return
        flags, why = admitted
        op = self._begin(group, cancellable=False)
        code = ERROR_SUCCESS
        for res in reversed(group.resources):
            if res.state == ONLINE:
                settled = yield from self._take_offline(
                    res, flags, None, step.in_buffer, call.pending, why=why
                )
                code = code or settled.code
        self._end(group, op)
        _answer(call, code)

    def _move_group(self, step: MoveGroup) -> Process:
        ctx, group = self.ctx, self.groups[step.group]
        word, unmapped = client_flags(step.api, self.requested)
        args = {"hGroup": group.name, "hDestinationNode": step.node, "dwMoveFlags": word}
        call = self._request(step.api, group.subject, args, step.in_buffer)
        admitted = self._admit(call, word, unmapped)
        if admitted is None or not self._ready(call, group, group.resources, admitted[0]):
            return
        flags, why = admitted
        destination = step.node
        if destination is None:
            destination = self._best_node(group, {group.node})
            if destination is None:
                call.finish(ERROR_GROUP_NOT_AVAILABLE, R.BEST_NODE)
                return
            ctx.note("BestNode", R.BEST_NODE, actor="rcm", subject=group.subject, node=destination)
        call.pending()  # MoveClusterGroupEx answers ERROR_IO_PENDING once the move is accepted (MCGX)
        op = self._begin(group, cancellable=True)
        code = yield from self._move(group, destination, flags, step.in_buffer, op, why=why)
        self._end(group, op)
        call.finish(code)


def _answer(call: ClientCall, code: int) -> None:
    """End an offline request the cluster accepted: ERROR_SUCCESS when it was done at once; otherwise the
    API answered ERROR_IO_PENDING (a non-zero return would mean nothing changed), and the end shows as its
    completion."""
    if code != ERROR_SUCCESS:
        call.pending(R.OFFLINE_REJECTED_NO_CHANGE)
    call.finish(code)
