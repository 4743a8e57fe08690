"""PersistentState: what the cluster remembers a client wants of a resource (§5.3, §6.2).

An offline a client asked for records PersistentState off (MS-CMRP ApiOfflineResource), unless
DO_NOT_UPDATE_PERSISTENT_STATE; a move, a failover or a restart brings a resource to its persistent state
and never changes it. Each record is a ``PersistentState`` note in the trace.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.model import Resource
from labkit.winapi import OfflineFlags


def persist_offline(ctx: RunContext, res: Resource, flags: OfflineFlags) -> None:
    """Record the desired state after an offline a client asked for."""
    keep = bool(flags & OfflineFlags.DO_NOT_UPDATE_PERSISTENT_STATE)
    if not keep:
        res.persistent_state = False
    ctx.note(
        "PersistentState",
        R.DO_NOT_UPDATE if keep else R.OFFLINE_RECORDS_STATE,
        actor="rcm",
        subject=res.name,
        PersistentState=int(res.persistent_state),
        updated=not keep,
    )
