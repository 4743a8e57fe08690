"""Flag admission: which OfflineV2 flags a client request asks for, or why it is refused (§6.1, §6.4).

The cluster forwards a client API's flags under their OfflineV2 names; a requested bit the API has no
flag for, or the OS profile does not know, is passed or refused as the policy says. A request for a busy
group, or for a locked resource without IGNORE_RESOURCE_STATUS, fails before OfflineV2 is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.cluster import rules as R
from labkit.cluster.client import (
    CLIENT_FLAGS,
    ClientCall,
    forwarded,
)
from labkit.cluster.core import ClusterCore
from labkit.cluster.model import Group, Resource
from labkit.cluster.resdll import PropertyList
from labkit.cluster.values import property_list_size
from labkit.trace import Rule
from labkit.winapi import (
    ERROR_CLUSTER_GROUP_BUSY,
    ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
    ERROR_INVALID_PARAMETER,
    OfflineFlags,
)

F = OfflineFlags


class Admission(ClusterCore):
    """Admitting client requests."""

    def _request(
        self, api: str, subject: str, args: dict[str, Any], in_buffer: PropertyList | None
    ) -> ClientCall:
        args["lpInBuffer"] = None if in_buffer is None else {str(k): int(v) for k, v in in_buffer.items()}
        args["cbInBufferSize"] = property_list_size(in_buffer)
        call = ClientCall(self.ctx, api, subject, args)
        self.requests.append(call)
        return call

    def _admit(self, call: ClientCall, word: int, unmapped: OfflineFlags) -> tuple[OfflineFlags, Rule] | None:
        """The OfflineV2 flags of a request and the rule that put them there (what the OfflineV2 calls it
        leads to cite), or None when the request is refused (and answered)."""
        ctx, policy, profile = self.ctx, self.ctx.policy, self.ctx.profile
        flags = forwarded(call.api, word)
        why = R.FLAGS_FORWARDED if flags else R.OFFLINE_CALL
        if flags:
            client_type = CLIENT_FLAGS[call.api][0]
            ctx.note(
                "FlagsForwarded",
                R.FLAGS_FORWARDED,
                actor="rcm",
                subject=call.subject,
                OfflineFlags=int(flags),
                message=f"{call.api} flags {client_type(word)} become OfflineFlags {flags}",
            )
        if unmapped:
            refuse = policy.unmapped_flags == "refuse"
            ctx.note(
                "FlagRefused" if refuse else "FlagPassed",
                R.UNMAPPED_FLAGS,
                actor="rcm",
                subject=call.subject,
                OfflineFlags=int(unmapped),
                message=f"{call.api} has no flag for {unmapped}; "
                + ("the request is refused" if refuse else "labkit passes it to OfflineV2 as a what-if")
                + f" (policy unmapped_flags={policy.unmapped_flags})",
            )
            if refuse:
                call.finish(ERROR_INVALID_PARAMETER, R.UNMAPPED_FLAGS)
                return None
            flags |= unmapped
            why = R.UNMAPPED_FLAGS
        unknown = flags & ~profile.offline_flags
        if unknown:
            refuse = policy.unknown_flags == "refuse"
            ctx.note(
                "FlagNotSupported",
                R.UNKNOWN_FLAGS,
                actor="rcm",
                subject=call.subject,
                OfflineFlags=int(unknown),
                message=f"{profile.title} does not know {unknown}; "
                + ("the request is refused" if refuse else "the bit is dropped")
                + f" (policy unknown_flags={policy.unknown_flags})",
            )
            if refuse:
                call.finish(ERROR_INVALID_PARAMETER, R.UNKNOWN_FLAGS)
                return None
            flags &= profile.offline_flags
        return flags, why

    def _ready(
        self, call: ClientCall, group: Group, resources: Sequence[Resource], flags: OfflineFlags
    ) -> bool:
        """Refuse a request for a busy group, or for a locked resource without IGNORE_RESOURCE_STATUS."""
        if group.name in self.active:
            call.finish(ERROR_CLUSTER_GROUP_BUSY, R.GROUP_BUSY)
            return False
        locked = next((r for r in resources if r.locked), None)
        if locked is not None and not flags & F.IGNORE_RESOURCE_STATUS:
            self.ctx.note(
                "LockedStatus",
                R.LOCKED_REFUSES,
                actor="rcm",
                subject=locked.name,
                message=f"{locked.name} is in locked mode and the request lacks IGNORE_RESOURCE_STATUS: "
                f"{call.api} fails before OfflineV2 is called",
            )
            call.finish(ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, R.LOCKED_REFUSES)
            return False
        return True
