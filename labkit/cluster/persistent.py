"""PersistentState: what the cluster remembers a client wants of a resource (§5.3, §6.2).

Every offline a client asked for records PersistentState off, unless DO_NOT_UPDATE_PERSISTENT_STATE; a
resource that comes online is wanted online again. Both are ``PersistentState`` notes in the trace.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.model import Resource
from labkit.winapi import OfflineFlags


def persist_offline(ctx: RunContext, res: Resource, flags: OfflineFlags) -> None:
    """Record the desired state after an offline a client asked for (§6.2, inferred)."""
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


def persist_online(ctx: RunContext, res: Resource) -> None:
    """A resource that came online is wanted online (§5.3): recorded when that changes."""
    if res.persistent_state:
        return
    res.persistent_state = True
    ctx.note(
        "PersistentState",
        R.ONLINE_RECORDS_STATE,
        actor="rcm",
        subject=res.name,
        PersistentState=1,
        updated=True,
    )
