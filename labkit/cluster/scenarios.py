"""Named cluster scenarios: a layout, a DLL, what clients do and when, and the flags asked for by default.

Registry `scenarios`; ``labkit.cluster.simulate(name)`` runs one. A scenario is checked when it is made:
a bad field is a `SimulationError` naming the scenario and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.cluster.client import (
    CancelGroupOperation,
    MoveGroup,
    NetworkLoss,
    OfflineGroup,
    OfflineResource,
    Step,
)
from labkit.cluster.model import (
    GROUP_PROPERTIES,
    NEVER,
    PROPERTY_MAXIMUM,
    PROPERTY_MINIMUM,
    RESOURCE_PROPERTIES,
)
from labkit.cluster.policy import Policy
from labkit.cluster.sample_dlls import VirtualMachine, dlls
from labkit.engine.registry import Registry
from labkit.engine.scaffold import check_horizon
from labkit.exceptions import LabkitError, SimulationError
from labkit.winapi import VM_RESDLL_CONTEXT, OfflineFlags

F = OfflineFlags
NODES = ("NODE1", "NODE2", "NODE3")


@dataclass(frozen=True)
class GroupLayout:
    """A group, the node it starts on, and its resources (dependencies first)."""

    name: str
    node: str
    resources: tuple[str, ...]
    depends: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Resource → the resources of this group it depends on (each listed before it)."""

    def problem(self) -> str:
        """What is wrong with the dependencies, or an empty string."""
        for index, name in enumerate(self.resources):
            providers = self.depends.get(name, ())
            if not set(providers) <= set(self.resources[:index]):
                return f"{name!r} of group {self.name!r} may depend only on resources listed before it"
        unknown = set(self.depends) - set(self.resources)
        return f"group {self.name!r} has no resources {sorted(unknown)}" if unknown else ""


HORIZON_MS = 3_600_000
"""Default end of a run in virtual ms (one hour)."""


@dataclass(frozen=True)
class Scenario:
    """One runnable story of the OfflineV2 contract."""

    name: str
    """Registry name (kebab-case)."""
    summary: str
    """One line: what happens."""
    dll: str
    """Name of a DLL in `labkit.cluster.sample_dlls`."""
    steps: tuple[Step, ...]
    """What clients (and the world) do, at ms after the cluster came up."""
    flags: OfflineFlags = field(default_factory=lambda: OfflineFlags(0))
    """The OfflineFlags the scenario's requests ask for unless the caller says otherwise."""
    groups: tuple[GroupLayout, ...] = (GroupLayout("Group", "NODE1", ("Resource",)),)
    """The groups and resources; each starts online on its node."""
    nodes: tuple[str, ...] = NODES
    """The cluster's nodes, in preferred-owner order."""
    dll_options: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments for the DLL class."""
    properties: Mapping[str, int] = field(default_factory=dict)
    """Resource and group common properties that differ from the defaults (PendingTimeout, RestartAction,
    FailoverThreshold, …); each applies to every resource, or every group."""
    private: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Private properties by resource name: what OpenV2 finds behind ResourceKey."""
    policy: Policy = field(default_factory=Policy)
    """The inferred choices (`labkit.cluster.policy`)."""
    horizon_ms: float = HORIZON_MS
    """The virtual time the run may last (`labkit.engine.scaffold`)."""
    health: bool = False
    """Whether the monitors poll online resources (LooksAlive, IsAlive): the health scenarios do."""

    def __post_init__(self) -> None:
        def bad(field_name: str, message: str) -> SimulationError:
            return SimulationError(f"scenario {self.name!r}: {field_name}: {message}")

        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.name):
            raise bad("name", "use lowercase words joined by '-'")
        if not self.summary or "\n" in self.summary:
            raise bad("summary", "must be one non-empty line")
        if self.dll not in dlls:
            raise bad("dll", f"unknown resource DLL {self.dll!r}; valid: {', '.join(dlls.names())}")
        if len(set(self.nodes)) != len(self.nodes) or len(self.nodes) < 2:
            raise bad("nodes", "need at least two distinct node names")
        groups = {g.name: g for g in self.groups}
        resources = [r for g in self.groups for r in g.resources]
        if len(groups) != len(self.groups) or len(set(resources)) != len(resources) or not resources:
            raise bad("groups", "group and resource names must be unique, and there must be a resource")
        if set(self.private) - set(resources):
            raise bad("private", f"unknown resources {sorted(set(self.private) - set(resources))}")
        for group in self.groups:
            if group.node not in self.nodes:
                raise bad("groups", f"group {group.name!r} starts on unknown node {group.node!r}")
            if group.problem():
                raise bad("groups", group.problem())
        for index, step in enumerate(self.steps):
            where = f"steps[{index}]"
            if isinstance(step.at_ms, bool) or not isinstance(step.at_ms, int | float) or step.at_ms < 0:
                raise bad(where, f"at_ms must be a number >= 0, not {step.at_ms!r}")
            if isinstance(step, OfflineResource) and step.resource not in resources:
                raise bad(where, f"unknown resource {step.resource!r}")
            if isinstance(step, OfflineGroup | MoveGroup | CancelGroupOperation) and step.group not in groups:
                raise bad(where, f"unknown group {step.group!r}")
            if isinstance(step, MoveGroup) and step.node is not None and step.node not in self.nodes:
                raise bad(where, f"unknown node {step.node!r}")
            if isinstance(step, NetworkLoss) and step.node not in self.nodes:
                raise bad(where, f"unknown node {step.node!r}")
            buffer = getattr(step, "in_buffer", None) or {}
            for key, value in buffer.items():
                if not isinstance(key, str) or not _is_dword(value):
                    raise bad(where, f"in_buffer maps property names to DWORD values, not {key!r}: {value!r}")
        self._check_moves(bad)
        try:
            resource_properties(self.properties)
            check_horizon(self.horizon_ms)
        except LabkitError as exc:
            raise bad("properties/horizon_ms", str(exc)) from None

    def _check_moves(self, bad: Callable[[str, str], SimulationError]) -> None:
        """Refuse a move to the node its group is on, following the earlier moves in time order.

        A later move may bring a group back (a failback). After a move to the best node or a network loss
        the owner depends on the run, so the next move of those groups is not checked.
        """
        owner: dict[str, str | None] = {g.name: g.node for g in self.groups}
        timed = sorted(enumerate(self.steps), key=lambda indexed: indexed[1].at_ms)
        for index, step in timed:
            if isinstance(step, NetworkLoss):
                owner = {group: None if node == step.node else node for group, node in owner.items()}
            elif isinstance(step, MoveGroup):
                if step.node is not None and step.node == owner[step.group]:
                    raise bad(f"steps[{index}]", f"group {step.group!r} already is on {step.node}")
                owner[step.group] = step.node

    @property
    def requests(self) -> bool:
        """Whether a client request carries the requested flags."""
        return any(isinstance(s, OfflineResource | OfflineGroup | MoveGroup) for s in self.steps)


def _is_dword(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFFFF


def resource_properties(overrides: Mapping[str, int] | None) -> dict[str, int]:
    """The resource and group common properties with ``overrides`` applied and checked."""
    values = {**RESOURCE_PROPERTIES, **GROUP_PROPERTIES}
    for name, value in (overrides or {}).items():
        if name not in values:
            raise SimulationError(f"unknown resource or group property {name!r}; valid: {', '.join(values)}")
        low, high = PROPERTY_MINIMUM.get(name, 0), PROPERTY_MAXIMUM.get(name, 0xFFFFFFFF)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            top = f"0x{high:X}" if high == 0xFFFFFFFF else str(high)
            raise SimulationError(f"property {name} must be an integer in {low}..{top}, not {value!r}")
        values[name] = value
    retry, period = values["RetryPeriodOnFailure"], values["RestartPeriod"]
    if retry != NEVER and retry < period:
        raise SimulationError(
            f"property RetryPeriodOnFailure ({retry}) may not be below RestartPeriod ({period}); "
            "0xFFFFFFFF means never"
        )
    return values


def split_properties(values: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """The resource common properties and the group common properties of ``values``."""
    resource = {k: v for k, v in values.items() if k in RESOURCE_PROPERTIES}
    return resource, {k: v for k, v in values.items() if k in GROUP_PROPERTIES}


LIVE = {VirtualMachine.PROPERTY: int(VM_RESDLL_CONTEXT.VmResdllContextLiveMigration)}
FILE = (GroupLayout("FileServer", "NODE1", ("Share",)),)
DISK = (GroupLayout("SqlGroup", "NODE1", ("Disk",)),)
VM = (GroupLayout("VMGroup", "NODE1", ("VM",)),)
SERVICES = (
    GroupLayout(
        "SqlGroup",
        "NODE1",
        ("SqlDisk", "SqlServer", "SqlAgent"),
        {"SqlServer": ("SqlDisk",), "SqlAgent": ("SqlServer",)},
    ),
    GroupLayout(
        "FileServer", "NODE1", ("FileDisk", "FileName", "Share"), {"Share": ("FileDisk", "FileName")}
    ),
    GroupLayout("PrintSpooler", "NODE1", ("SpoolDisk", "Spooler"), {"Spooler": ("SpoolDisk",)}),
    GroupLayout("DtcGroup", "NODE2", ("DtcDisk", "Dtc"), {"Dtc": ("DtcDisk",)}),
    GroupLayout("Backup", "NODE3", ("BackupDisk", "BackupAgent"), {"BackupAgent": ("BackupDisk",)}),
)
"""Five service groups of two or three resources each (dependencies first, with who depends on whom),
three of them on NODE1."""
VMS = tuple(GroupLayout(f"VM{n}", "NODE1" if n <= 4 else "NODE2", (f"VM{n}",)) for n in range(1, 9))
"""Eight virtual machines, four on NODE1 and four on NODE2."""

HEALTHY = (
    GroupLayout("SqlGroup", "NODE1", ("SqlDisk", "SqlServer"), {"SqlServer": ("SqlDisk",)}),
    GroupLayout("FileServer", "NODE1", ("Share",)),
)
"""Two groups, three resources, all in NODE1's one Resource Monitor."""
HEALTH = (
    Scenario(
        "isalive-failure-restart",
        "LooksAlive and then IsAlive say FALSE once: the resource is Failed, terminated, restarted in place",
        "SickAfter",
        (),
        groups=DISK,
        dll_options={"until_ms": 30_000},
        health=True,
        horizon_ms=600_000,
    ),
    Scenario(
        "isalive-failure-failover",
        "IsAlive keeps failing on NODE1: three restarts in RestartPeriod, then the group fails over to NODE2",
        "SickAfter",
        (),
        groups=DISK,
        dll_options={"nodes": ("NODE1",), "looks_alive_sees": False},
        health=True,
        horizon_ms=900_000,
    ),
    Scenario(
        "failover-threshold-reached",
        "IsAlive fails on every node: after two failovers 'Not failing over group', the group stays failed",
        "SickAfter",
        (),
        groups=DISK,
        health=True,
        horizon_ms=1_800_000,
    ),
    Scenario(
        "looksalive-hang-separate-monitor",
        "LooksAlive hangs past DeadlockTimeout: the monitor is killed, all three resources restart, the "
        "offender in its own monitor",
        "LooksAliveHangs",
        (),
        groups=HEALTHY,
        dll_options={"glitch_at_ms": 60_000, "resources": ("SqlServer",)},
        health=True,
        horizon_ms=900_000,
    ),
    Scenario(
        "offline-hang-deadlock",
        "OfflineV2 works on the calling thread past DeadlockTimeout: the monitor is killed, the co-hosted "
        "resources restart",
        "OfflineHangs",
        (OfflineResource(1000, "Share"),),
        groups=HEALTHY,
        horizon_ms=900_000,
    ),
    Scenario(
        "pending-timeout-capped-by-deadlock",
        "PendingTimeout 10 min, DeadlockTimeout 5 min: the silent pending offline ends at DeadlockTimeout",
        "Hung",
        (OfflineResource(1000, "Disk"),),
        groups=DISK,
        dll_options={"hang_ms": 900_000},
        properties={"PendingTimeout": 600_000},
    ),
    Scenario(
        "retry-after-failure-period",
        "an outage: restarts fail, RestartAction 1 leaves it failed, RetryPeriodOnFailure (1 h) later it "
        "comes back",
        "SickAfter",
        (),
        groups=DISK,
        dll_options={"until_ms": 1_800_000},
        properties={"RestartAction": 1},
        health=True,
        horizon_ms=5_400_000,
    ),
)
"""The health and failure scenarios (issue 13): polls, restarts, failovers, deadlocks, the retry."""

scenarios: Registry[Scenario] = Registry("cluster scenario")
for _scenario in (
    Scenario(
        "plain-offline",
        "OfflineClusterGroupEx on a resource whose OfflineV2 returns ERROR_SUCCESS",
        "Generic",
        (OfflineGroup(1000, "FileServer"),),
        groups=FILE,
    ),
    Scenario(
        "pending-offline",
        "OfflineV2 returns ERROR_IO_PENDING; a worker reports rising CheckPoints until Offline",
        "SlowFlush",
        (OfflineResource(1000, "Disk"),),
        groups=DISK,
    ),
    Scenario(
        "pending-timeout",
        "the worker stops reporting; PendingTimeout after the last report the monitor calls Terminate",
        "Hung",
        (OfflineResource(1000, "Disk"),),
        groups=DISK,
    ),
    Scenario(
        "offline-error",
        "OfflineV2 returns an error: the monitor logs an event and calls Terminate (G3)",
        "Failing",
        (OfflineResource(1000, "Share"),),
        groups=FILE,
    ),
    Scenario(
        "locked-offline",
        "the resource is in locked mode: the offline fails with 5960 before OfflineV2 is called",
        "Locked",
        (OfflineResource(1000, "Disk"),),
        groups=DISK,
    ),
    Scenario(
        "locked-offline-ignore-status",
        "locked mode, but the offline asks IGNORE_RESOURCE_STATUS: OfflineV2 runs with 0x01",
        "Locked",
        (OfflineResource(1000, "Disk"),),
        flags=F.IGNORE_RESOURCE_STATUS,
        groups=DISK,
    ),
    Scenario(
        "move-busy-dll",
        "a move with QUEUE_ENABLED: the DLL says OFFLINE_BUSY three times, the move waits queued and retries",
        "Busy",
        (MoveGroup(1000, "VMGroup", "NODE2"),),
        flags=F.QUEUE_ENABLED,
        groups=VM,
    ),
    Scenario(
        "move-busy-dll-no-queue",
        "the same move without QUEUE_ENABLED: the first OFFLINE_BUSY fails it with 5944",
        "Busy",
        (MoveGroup(1000, "VMGroup", "NODE2"),),
        groups=VM,
    ),
    Scenario(
        "move-busy-dll-cancelled",
        "a queued move of an always-busy DLL is cancelled by the client; Cancel reaches the DLL",
        "Busy",
        (MoveGroup(1000, "VMGroup", "NODE2"), CancelGroupOperation(4200, "VMGroup")),
        flags=F.QUEUE_ENABLED,
        groups=VM,
        dll_options={"busy_times": 100},
    ),
    Scenario(
        "move-return-to-source",
        "the destination cannot bring the resource online: offline there with 0x08, back on the source",
        "FlakyDestination",
        (MoveGroup(1000, "SqlGroup", "NODE2"),),
        flags=F.RETURN_TO_SOURCE_NODE_ON_ERROR,
        groups=DISK,
    ),
    Scenario(
        "move-destination-fails",
        "the same failing destination without RETURN_TO_SOURCE_NODE_ON_ERROR: restarts, then failover",
        "FlakyDestination",
        (MoveGroup(1000, "SqlGroup", "NODE2"),),
        groups=DISK,
    ),
    Scenario(
        "move-to-best-node",
        "MoveClusterGroupEx with no destination: the cluster picks the node, OfflineV2 names it",
        "Generic",
        (MoveGroup(1000, "FileServer"),),
        groups=FILE,
    ),
    Scenario(
        "vm-live-migration",
        "a move whose InBuffer asks the VM for live migration (VmResdllContextLiveMigration)",
        "VirtualMachine",
        (MoveGroup(1000, "VMGroup", "NODE2", in_buffer=LIVE),),
        groups=VM,
    ),
    Scenario(
        "embedded-failure",
        "the guest crashes: SignalFailure(EMBEDDED), offline with 0x10, restart on the same node",
        "VirtualMachine",
        (),
        groups=VM,
        dll_options={"embedded_failure_after_ms": 5000},
    ),
    Scenario(
        "network-loss",
        "the node loses its network: the cluster moves the VM with 0x20 (2012 R2 and later)",
        "VirtualMachine",
        (NetworkLoss(5000, "NODE1"),),
        groups=VM,
    ),
    Scenario(
        "offline-persistent-state",
        "an administrator's offline: PersistentState becomes offline, so it stays offline after a restart",
        "Generic",
        (OfflineResource(1000, "Share"),),
        groups=FILE,
    ),
    Scenario(
        "offline-keep-persistent-state",
        "the same offline with DO_NOT_UPDATE_PERSISTENT_STATE (client 0x4, OfflineV2 0x40): it stays online",
        "Generic",
        (OfflineResource(1000, "Share"),),
        flags=F.DO_NOT_UPDATE_PERSISTENT_STATE,
        groups=FILE,
    ),
    Scenario(
        "offline-force-termination",
        "OfflineClusterResourceEx with FORCE_WITH_TERMINATION: Terminate instead of OfflineV2",
        "SlowFlush",
        (OfflineResource(1000, "Disk", force_with_termination=True),),
        groups=DISK,
    ),
    Scenario(
        "drain-and-failback",
        "NODE1 is drained: three groups of two or three resources move off, dependents first, then fail back",
        "SlowFlush",
        (
            MoveGroup(1000, "SqlGroup", "NODE2"),
            MoveGroup(1000, "FileServer", "NODE3"),
            MoveGroup(1000, "PrintSpooler"),
            MoveGroup(2000, "SqlGroup", "NODE3"),  # asked again while the first move runs: group busy
            OfflineResource(3000, "BackupAgent"),
            OfflineGroup(20_000, "DtcGroup"),
            MoveGroup(40_000, "SqlGroup", "NODE1"),
            MoveGroup(40_000, "FileServer", "NODE1"),
            MoveGroup(40_000, "PrintSpooler", "NODE1"),
        ),
        groups=SERVICES,
        dll_options={"steps": 3, "step_ms": 500},
    ),
    Scenario(
        "vm-drain-network-loss",
        "four VMs live-migrate off NODE1 with QUEUE_ENABLED; NODE2 loses its network, its VMs move with 0x20",
        "VirtualMachine",
        (
            *(MoveGroup(1000, f"VM{n}", "NODE2" if n % 2 else "NODE3", in_buffer=LIVE) for n in range(1, 5)),
            NetworkLoss(30_000, "NODE2"),
        ),
        flags=F.QUEUE_ENABLED,
        groups=VMS,
    ),
    Scenario(
        "offline-with-dependents",
        "OfflineClusterResourceEx on a disk others depend on: the share goes offline first (MS-CMRP)",
        "Generic",
        (OfflineResource(1000, "FileDisk"),),
        groups=(SERVICES[1],),
    ),
    Scenario(
        "offline-not-online",
        "offline of an Offline resource answers ERROR_SUCCESS, of a Failed one ERROR_RESOURCE_FAILED",
        "SickAfter",
        (OfflineResource(30_000, "Disk"), OfflineResource(31_000, "Disk"), OfflineResource(32_000, "Share")),
        groups=(*DISK, *FILE),
        dll_options={"resources": ("Share",)},
        properties={"RestartAction": 0},
        health=True,
        horizon_ms=40_000,
    ),
    *HEALTH,
):
    scenarios.add(_scenario.name, _scenario)
