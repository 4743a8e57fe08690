"""Resource Monitor processes (rhs.exe): which one hosts a resource, what each is doing, and their end.

By default a node's resources share one monitor; a resource with SeparateMonitor gets one of its own
(§3 rule 6). Each monitor is a trace subject ``monitor:<n>`` whose states are RESOURCE_MONITOR_STATE
names: RmonInitializing while it starts, RmonIdle between calls, the state of a call while that call
blocks the process (RmonLooksAlivePoll, RmonOfflineResource, …), RmonDeadlocked once a call passed
DeadlockTimeout. A killed monitor's process starts again under the same number (``process`` counts them).
"""

from __future__ import annotations

from collections.abc import Mapping

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.model import MonitorProcess, Resource
from labkit.trace.rules import Rule
from labkit.winapi import RESOURCE_MONITOR_STATE

M = RESOURCE_MONITOR_STATE
INITIALIZING, IDLE, DEADLOCKED = M.RmonInitializing.name, M.RmonIdle.name, M.RmonDeadlocked.name

BLOCKING_STATES: Mapping[str, str] = {
    "OpenV2": M.RmonInitializingResource.name,
    "OnlineV2": M.RmonOnlineResource.name,
    "OfflineV2": M.RmonOfflineResource.name,
    "Terminate": M.RmonTerminateResource.name,
    "Close": M.RmonDeletingResource.name,
    "LooksAlive": M.RmonLooksAlivePoll.name,
    "IsAlive": M.RmonIsAlivePoll.name,
}
"""The monitor state while an entry point blocks its process (labkit's reading of the header's names)."""


class Monitors:
    """The Resource Monitor processes of one run."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.all: list[MonitorProcess] = []

    def host(self, res: Resource) -> MonitorProcess:
        """The monitor that hosts ``res`` on its node now: its own with SeparateMonitor, else the node's
        shared one. A monitor starts when first needed; a change of monitor is noted."""
        owner = res.name if res.properties["SeparateMonitor"] else None
        monitor = next((m for m in self.all if m.node == res.node and m.owner == owner), None)
        if monitor is None:
            monitor = self._start(res.node, owner)
        monitor.hosted.add(res.name)
        if res.monitor is not monitor:
            self.ctx.note(
                "HostedBy",
                R.SEPARATE_MONITOR if owner else R.MONITOR_PER_NODE,
                actor="rcm",
                subject=res.name,
                monitor=monitor.subject,
                node=res.node,
                SeparateMonitor=int(owner is not None),
            )
            res.monitor = monitor
        return monitor

    def _start(self, node: str, owner: str | None) -> MonitorProcess:
        monitor = MonitorProcess(len(self.all) + 1, node, owner, self.ctx.env.event())
        self.all.append(monitor)
        self.ctx.monitor_state(monitor, INITIALIZING, actor="rcm")
        self.ctx.monitor_state(monitor, IDLE, actor="rhs")
        return monitor

    def leave(self, res: Resource) -> None:
        """``res``'s instance is gone from its monitor (closed)."""
        if res.monitor is not None:
            res.monitor.hosted.discard(res.name)

    def blocked(self, monitor: MonitorProcess, routine: str) -> None:
        """An entry point started to block the monitor's process."""
        state = BLOCKING_STATES.get(routine)
        if state is None or monitor.state == DEADLOCKED:
            return
        monitor.blocked.append(state)
        self.ctx.monitor_state(monitor, state, actor="rhs")

    def unblocked(self, monitor: MonitorProcess, routine: str) -> None:
        """The blocking entry point returned (or was abandoned)."""
        state = BLOCKING_STATES.get(routine)
        if state is None or state not in monitor.blocked:
            return
        monitor.blocked.remove(state)
        if monitor.state != DEADLOCKED:
            self.ctx.monitor_state(monitor, monitor.blocked[-1] if monitor.blocked else IDLE, actor="rhs")

    def deadlocked(self, monitor: MonitorProcess) -> None:
        self.ctx.monitor_state(monitor, DEADLOCKED, actor="rhs")

    def kill(self, monitor: MonitorProcess) -> list[str]:
        """End the monitor's process: its DLL instances are gone. Returns the names of the resources it
        hosted."""
        hosted = sorted(monitor.hosted)
        monitor.hosted.clear()
        monitor.blocked.clear()
        if not monitor.ended.triggered:
            monitor.ended.succeed()
        return hosted

    def restart(self, monitor: MonitorProcess, rule: Rule = R.MONITOR_RESTARTS) -> None:
        """Start a new process for a killed monitor, under the same number."""
        monitor.process += 1
        monitor.ended = self.ctx.env.event()
        self.ctx.monitor_state(monitor, INITIALIZING, actor="rcm", rule=rule)
        self.ctx.monitor_state(monitor, IDLE, actor="rhs")
