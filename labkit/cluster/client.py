"""What clients (and the world) do to the cluster in a scenario, and how client flags map onto OfflineV2.

Each step is a frozen dataclass with the virtual time it happens at (ms after the cluster came up).
A client API has its own flags (clusapi.h); the cluster forwards some of them to OfflineV2 under the same
name, and remaps CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE (0x4) to 0x40 (§6.4, G6).
A `ClientCall` records one client API call: its call, its return, its completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.resdll import PropertyList
from labkit.trace import Kind, Rule
from labkit.winapi import (
    ERROR_IO_PENDING,
    GroupMoveFlags,
    GroupOfflineFlags,
    OfflineFlags,
    ResourceOfflineFlags,
    SdkFlag,
)

F = OfflineFlags


@dataclass(frozen=True)
class OfflineResource:
    """A client calls OfflineClusterResourceEx."""

    at_ms: float
    resource: str
    in_buffer: PropertyList | None = None
    """The property list passed as lpInBuffer."""
    force_with_termination: bool = False
    """Add CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION: the cluster calls Terminate, not OfflineV2."""
    api: ClassVar[str] = "OfflineClusterResourceEx"


@dataclass(frozen=True)
class OfflineGroup:
    """A client calls OfflineClusterGroupEx."""

    at_ms: float
    group: str
    in_buffer: PropertyList | None = None
    api: ClassVar[str] = "OfflineClusterGroupEx"


@dataclass(frozen=True)
class MoveGroup:
    """A client calls MoveClusterGroupEx, to ``node`` or (None) to the node the cluster finds best."""

    at_ms: float
    group: str
    node: str | None = None
    in_buffer: PropertyList | None = None
    api: ClassVar[str] = "MoveClusterGroupEx"


@dataclass(frozen=True)
class CancelGroupOperation:
    """A client calls CancelClusterGroupOperation."""

    at_ms: float
    group: str
    api: ClassVar[str] = "CancelClusterGroupOperation"


@dataclass(frozen=True)
class NetworkLoss:
    """The node's network goes down; the cluster moves its groups away (with 0x20 where known)."""

    at_ms: float
    node: str
    api: ClassVar[str] = ""


Step = OfflineResource | OfflineGroup | MoveGroup | CancelGroupOperation | NetworkLoss
Request = OfflineResource | OfflineGroup | MoveGroup
"""The steps the requested flags apply to."""

CLIENT_FLAGS: Mapping[str, tuple[type[SdkFlag], Mapping[OfflineFlags, int]]] = {
    "OfflineClusterResourceEx": (
        ResourceOfflineFlags,
        {
            F.IGNORE_RESOURCE_STATUS: ResourceOfflineFlags.IGNORE_RESOURCE_STATUS,
            F.DO_NOT_UPDATE_PERSISTENT_STATE: ResourceOfflineFlags.DO_NOT_UPDATE_PERSISTENT_STATE,
        },
    ),
    "OfflineClusterGroupEx": (
        GroupOfflineFlags,
        {F.IGNORE_RESOURCE_STATUS: GroupOfflineFlags.IGNORE_RESOURCE_STATUS},
    ),
    "MoveClusterGroupEx": (
        GroupMoveFlags,
        {
            F.IGNORE_RESOURCE_STATUS: GroupMoveFlags.IGNORE_RESOURCE_STATUS,
            F.RETURN_TO_SOURCE_NODE_ON_ERROR: GroupMoveFlags.RETURN_TO_SOURCE_NODE_ON_ERROR,
            F.QUEUE_ENABLED: GroupMoveFlags.QUEUE_ENABLED,
        },
    ),
}
"""Per client API: its flag type, and which OfflineV2 bit each of its flags becomes (§6.4)."""


def client_flags(api: str, requested: OfflineFlags) -> tuple[int, OfflineFlags]:
    """The client flag word that asks for ``requested``, and the requested bits the API cannot carry."""
    _, table = CLIENT_FLAGS[api]
    word, unmapped = 0, OfflineFlags(requested)
    for bit, client_bit in table.items():
        if requested & bit:
            word |= int(client_bit)
            unmapped &= ~bit
    return word, unmapped


def forwarded(api: str, word: int) -> OfflineFlags:
    """The OfflineV2 bits the cluster forwards for the client flag word ``word`` (§6.4)."""
    _, table = CLIENT_FLAGS[api]
    flags = OfflineFlags(0)
    for bit, client_bit in table.items():
        if word & int(client_bit):
            flags |= bit
    return flags


API_RULES: Mapping[str, Rule] = {
    "OfflineClusterResourceEx": R.OFFLINE_RESOURCE_API,
    "OfflineClusterGroupEx": R.OFFLINE_GROUP_API,
    "MoveClusterGroupEx": R.MOVE_API,
    "CancelClusterGroupOperation": R.CANCEL_API,
}
"""The rule of each client API."""


class ClientCall:
    """One client API call: ``call`` now, ``return`` when the cluster answers, ``complete`` when it ends."""

    def __init__(self, ctx: RunContext, api: str, subject: str, args: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.api = api
        self.subject = subject
        self.rule = API_RULES[api]
        """The rule of this client API: its call and its answers cite it."""
        self.span = ctx.record(
            Kind.CALL, api, actor="client", subject=subject, args=dict(args), rule=self.rule
        ).span
        self.returned = False
        self.result: int | None = None

    def pending(self, rule: Rule | None = None) -> None:
        """The API returns ERROR_IO_PENDING (``rule``: why): the operation goes on."""
        if not self.returned:
            self.returned = True
            self.ctx.record(
                Kind.RETURN,
                self.api,
                actor="rcm",
                subject=self.subject,
                result=ERROR_IO_PENDING,
                span=self.span,
                rule=rule or self.rule,
            )

    def finish(self, code: int, rule: Rule | None = None) -> None:
        """The operation ended with ``code``: the return, or the completion after ERROR_IO_PENDING.

        ``rule`` is what decided the code, when not the API's own rule (a refusal, a policy)."""
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
                rule=R.CLIENT_SEES_END,
            )
        else:
            self.returned = True
            self.ctx.record(
                Kind.RETURN,
                self.api,
                actor="rcm",
                subject=self.subject,
                result=code,
                span=self.span,
                rule=rule or self.rule,
            )
