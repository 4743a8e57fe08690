"""The cluster's bookkeeping during one run: nodes, groups and resources as the RCM sees them.

Plain mutable records, no behaviour: `labkit.cluster.rcm` and `labkit.cluster.rhs` change them and
record every change in the trace. Resource states are `CLUSTER_RESOURCE_STATE` member names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from labkit.winapi import GroupStatusFlags

RESOURCE_PROPERTIES: Final[Mapping[str, int]] = {
    "PendingTimeout": 180_000,
    "DeadlockTimeout": 300_000,
    "RestartAction": 2,
    "RestartThreshold": 3,
    "RestartPeriod": 900_000,
    "RestartDelay": 500,
}
"""Resource common properties the simulator uses, with their defaults in ms (reference §4, §5.3).

RestartDelay is not on the sheet; 500 ms is the property's documented default in later releases.
"""

PROPERTY_MINIMUM: Final[Mapping[str, int]] = {"PendingTimeout": 10, "DeadlockTimeout": 1000}
"""Smallest values Windows accepts (reference §4); the others must be at least 0."""


@dataclass(eq=False)
class Node:
    """A cluster node and its Resource Monitor."""

    name: str
    network_up: bool = True
    """False after a scenario cuts the node's network."""


@dataclass(eq=False)
class Resource:
    """A cluster resource: where it is, its state, and what the cluster remembers about it."""

    name: str
    group: Group
    node: str
    """Where the resource is (or last was) hosted."""
    properties: Mapping[str, int]
    private: Mapping[str, object]
    """The resource's private properties, what the DLL reads through ResourceKey."""
    state: str | None = None
    """A CLUSTER_RESOURCE_STATE name; None before the first OpenV2."""
    persistent_state: bool = True
    """PersistentState: True means the cluster wants it online (it was online when the run started)."""
    locked: bool = False
    locked_keeps_queue: bool = False
    """Locked with LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE (SetResourceLockedModeEx)."""
    restarts: list[float] = field(default_factory=list)
    """Virtual times of restarts after failures, for RestartThreshold within RestartPeriod."""


@dataclass(eq=False)
class Group:
    """A group of resources that move together (resources are listed dependencies first)."""

    name: str
    node: str
    preferred: tuple[str, ...]
    resources: list[Resource] = field(default_factory=list)
    state: str | None = None
    status: GroupStatusFlags = field(default_factory=lambda: GroupStatusFlags(0))
    """StatusInformation: CLUSGRP_STATUS_* bits."""

    @property
    def subject(self) -> str:
        return f"group:{self.name}"
