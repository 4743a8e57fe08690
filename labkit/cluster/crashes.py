"""A Resource Monitor killed after a deadlock, as the cluster (RCM) handles it (§3 rule 6, §4).

When a call passes DeadlockTimeout, the cluster marks the offending resource to run in a monitor of its
own (SeparateMonitor; the note is `CrashedOrDeadlocked`, after the `rcm::RcmResource::HandleMonitorReply`
line of real logs), kills the monitor's process, and every resource that process hosted fails: the
offender too, unless it was being taken offline (then it ends as an offline by termination does). The
monitor's process starts again at once (a `MonitorRestart` note per resource it hosted, after
`rcm::RcmMonitor::RestartResources`); each group with a failed resource gets the failure policy
(`labkit.cluster.failures`), so the co-hosted resources are restarted in the new process and the offender
in a monitor of its own.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.failures import Failures
from labkit.cluster.instance import Instance
from labkit.cluster.model import Group
from labkit.cluster.pending import FAILED, OFFLINE


class Crashes(Failures):
    """What the cluster does when a monitor process must go."""

    def on_deadlock(self, inst: Instance, routine: str) -> None:
        ctx, offender, monitor = self.ctx, inst.resource, inst.monitor
        offender.properties["SeparateMonitor"] = 1
        ctx.note(
            "CrashedOrDeadlocked",
            R.SEPARATE_MONITOR,
            actor="rcm",
            subject=offender.name,
            SeparateMonitor=1,
            monitor=monitor.subject,
            log=f"rcm::RcmResource::HandleMonitorReply: Resource '{offender.name}' has crashed or "
            "deadlocked; marking it to run in a separate monitor.",
        )
        gone = self.rhs[monitor.node].end_process(monitor)
        groups: list[Group] = []
        for res in gone:
            if res is offender and routine == "OfflineV2":
                end = FAILED if ctx.policy.terminated_state == "failed" else OFFLINE
                ctx.resource_state(res, end, R.TERMINATED_STATE, actor="rcm")
            elif res.state not in (None, OFFLINE):
                ctx.resource_state(res, FAILED, R.MONITOR_KILLED, actor="rcm")
            if res.state == FAILED and res.group not in groups:
                groups.append(res.group)
        self.monitors.restart(monitor)
        for res in gone:
            ctx.note(
                "MonitorRestart",
                R.MONITOR_KILLED,
                actor="rcm",
                subject=res.name,
                monitor=monitor.subject,
                log=f"rcm::RcmMonitor::RestartResources: Monitor restart for resource {res.name}",
            )
        for group in groups:
            ctx.spawn(self._recover_when_idle(group))
