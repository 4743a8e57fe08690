"""The cluster's bookkeeping during one run: nodes, groups, resources and Resource Monitor processes as the
RCM sees them.

Plain mutable records, no behaviour: `labkit.cluster.rcm` and `labkit.cluster.rhs` change them and
record every change in the trace. Resource states are `CLUSTER_RESOURCE_STATE` member names, group states
`CLUSTER_GROUP_STATE` member names, monitor states `RESOURCE_MONITOR_STATE` member names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import simpy

from labkit.winapi import GroupStatusFlags

USE_TYPE_VALUE: Final = 0xFFFFFFFF
"""A poll interval of 0xFFFFFFFF means "use the resource type's value" (resources-looksalivepollinterval)."""
NEVER: Final = 0xFFFFFFFF
"""RetryPeriodOnFailure 0xFFFFFFFF: no retry (resources-retryperiodonfailure)."""

RESOURCE_PROPERTIES: Final[Mapping[str, int]] = {
    "PendingTimeout": 180_000,
    "DeadlockTimeout": 300_000,
    "LooksAlivePollInterval": USE_TYPE_VALUE,
    "IsAlivePollInterval": 60_000,
    "RestartAction": 2,
    "RestartThreshold": 3,
    "RestartPeriod": 900_000,
    "RestartDelay": 500,
    "RetryPeriodOnFailure": 3_600_000,
    "SeparateMonitor": 0,
}
"""Resource common properties the simulator uses, with their documented defaults (ms where a time).

Each default is the one in the table of the property's page (learn.microsoft.com, previous-versions
mscs/resources-<name>): PendingTimeout 180000, DeadlockTimeout 300000 (5 min), LooksAlivePollInterval
0xFFFFFFFF (use the resource type's), IsAlivePollInterval 60000, RestartAction 2
(ClusterResourceRestartNotify), RestartThreshold 3, RestartPeriod 900000 (the remarks say 90000: G15),
RestartDelay 500 (Windows Server 2012 and later), RetryPeriodOnFailure 0x36EE80 (1 h), SeparateMonitor
FALSE.
"""

TYPE_PROPERTIES: Final[Mapping[str, int]] = {
    "LooksAlivePollInterval": 5_000,
    "IsAlivePollInterval": 60_000,
}
"""Resource type common properties a resource falls back on (resource-types-looksalivepollinterval and
resource-types-isalivepollinterval: defaults 5000 and 60000 ms)."""

GROUP_PROPERTIES: Final[Mapping[str, int]] = {
    "FailoverThreshold": 0xFFFFFFFF,
    "FailoverPeriod": 6,
}
"""Group common properties (groups-failoverthreshold, groups-failoverperiod): FailoverThreshold
0xFFFFFFFF stands for "the number of nodes minus one"; FailoverPeriod is in hours (default 6)."""

PROPERTY_MINIMUM: Final[Mapping[str, int]] = {
    "PendingTimeout": 10,
    "DeadlockTimeout": 1000,
    "LooksAlivePollInterval": 10,
    "IsAlivePollInterval": 10,
}
"""Smallest values Windows accepts (the property pages); the others must be at least 0."""

PROPERTY_MAXIMUM: Final[Mapping[str, int]] = {
    "RestartAction": 2,
    "SeparateMonitor": 1,
    "FailoverPeriod": 1193,
}
"""Largest values Windows accepts where it is not 0xFFFFFFFF (the property pages)."""

HOUR_MS: Final = 3_600_000


@dataclass(eq=False)
class Node:
    """A cluster node and its Resource Monitor."""

    name: str
    network_up: bool = True
    """False after a scenario cuts the node's network."""


@dataclass(eq=False)
class MonitorProcess:
    """A Resource Monitor process (rhs.exe) on a node: the node's shared one, or one resource's own."""

    number: int
    """``monitor:<number>`` in the trace; a restarted monitor keeps its number."""
    node: str
    owner: str | None
    """The resource it was started for when that resource has SeparateMonitor; None for the shared one."""
    ended: simpy.Event
    """Triggered when this process ends (killed after a deadlock); a restart makes a new event."""
    state: str | None = None
    """A RESOURCE_MONITOR_STATE name."""
    process: int = 1
    """How many times this monitor's process was started (a restart makes a new process)."""
    hosted: set[str] = field(default_factory=set)
    """Names of the resources whose DLL instances live in this process now."""
    blocked: list[str] = field(default_factory=list)
    """The states of calls that block this process now, most recent last (RmonLooksAlivePoll, …)."""

    @property
    def subject(self) -> str:
        return f"monitor:{self.number}"


@dataclass(eq=False)
class Resource:
    """A cluster resource: where it is, its state, and what the cluster remembers about it."""

    name: str
    group: Group
    node: str
    """Where the resource is (or last was) hosted."""
    properties: dict[str, int]
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
    depends: tuple[str, ...] = ()
    """The resources this one depends on (its providers), in the same group."""
    monitor: MonitorProcess | None = None
    """The monitor process hosting the resource's DLL instance (or that last hosted it)."""
    online_since: int = 0
    """Counts the times the resource came online: a health poller belongs to one of them."""


@dataclass(eq=False)
class Group:
    """A group of resources that move together (resources are listed dependencies first)."""

    name: str
    node: str
    preferred: tuple[str, ...]
    resources: list[Resource] = field(default_factory=list)
    state: str | None = None
    """A CLUSTER_GROUP_STATE name, worked out from its resources' states."""
    status: GroupStatusFlags = field(default_factory=lambda: GroupStatusFlags(0))
    """StatusInformation: CLUSGRP_STATUS_* bits."""
    properties: dict[str, int] = field(default_factory=lambda: dict(GROUP_PROPERTIES))
    failovers: list[float] = field(default_factory=list)
    """Virtual times the group failed over, for FailoverThreshold within FailoverPeriod."""

    @property
    def subject(self) -> str:
        return f"group:{self.name}"

    def dependents(self, res: Resource) -> list[Resource]:
        """The resources that depend on ``res``, directly or not, dependents first (last listed first)."""
        names = {res.name}
        found: list[Resource] = []
        for other in self.resources:
            if other is not res and names & set(other.depends):
                names.add(other.name)
                found.append(other)
        return list(reversed(found))
