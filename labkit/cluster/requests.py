"""Client requests: OfflineClusterResourceEx, OfflineClusterGroupEx and MoveClusterGroupEx (§6.4).

Each request is a client call (`labkit.cluster.client.ClientCall`) that carries its own flags; admission
(`labkit.cluster.admission`) turns them into OfflineV2 flags or refuses the request before any DLL code
runs. FORCE_WITH_TERMINATION makes the cluster call Terminate instead of OfflineV2.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.admission import Admission
from labkit.cluster.client import (
    MoveGroup,
    OfflineGroup,
    OfflineResource,
    client_flags,
)
from labkit.cluster.core import Process
from labkit.cluster.pending import OFFLINE, ONLINE
from labkit.cluster.persistent import persist_offline
from labkit.winapi import (
    ERROR_GROUP_NOT_AVAILABLE,
    ERROR_RESOURCE_NOT_ONLINE,
    ERROR_SUCCESS,
    ResourceOfflineFlags,
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
        if admitted is None or not self._ready(call, res.group, [res], admitted[0]):
            return
        flags, why = admitted
        if res.state != ONLINE:
            self.ctx.note(
                "NotOnline",
                R.NOT_ONLINE,
                actor="rcm",
                subject=res.name,
                message=f"{res.name} is {res.state}; there is nothing to take offline",
            )
            call.finish(ERROR_SUCCESS if res.state == OFFLINE else ERROR_RESOURCE_NOT_ONLINE, R.NOT_ONLINE)
            return
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
            settled = yield from self._take_offline(res, flags, None, step.in_buffer, call.pending, why=why)
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
        self._settle_group(group)
        self._end(group, op)
        call.finish(code)

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
        code = yield from self._move(group, destination, flags, step.in_buffer, op, persist=True, why=why)
        self._end(group, op)
        call.finish(code)
