"""One run's shared context: the SimPy clock, the tracer, the user-code guard, and the recording helpers
the monitor (RHS) and the cluster (RCM) use, so every fault, note and state change has one shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from typing import Any

import simpy

from labkit.cluster import rules as R
from labkit.cluster.model import Group, MonitorProcess, Resource
from labkit.cluster.policy import Policy
from labkit.cluster.resdll import ClusWorker
from labkit.engine.guard import Guarded, UserCodeGuard
from labkit.engine.runloop import Runaway
from labkit.trace import Kind, Rule, TraceEvent, TraceHeader, Tracer
from labkit.winapi import CLUSTER_GROUP_STATE, CLUSTER_RESOURCE_STATE, ClusterOsProfile, GroupStatusFlags

_G, _S = CLUSTER_GROUP_STATE, CLUSTER_RESOURCE_STATE
_PENDING = frozenset({_S.ClusterResourceOnlinePending.name, _S.ClusterResourceOfflinePending.name})


def group_state_of(states: list[str | None]) -> str:
    """The CLUSTER_GROUP_STATE of a group whose resources are in ``states``, by ApiGetGroupState's order of
    precedence (MS-CMRP 3.1.4.1.46): Failed, Pending, PartialOnline, Online, Offline."""
    if _S.ClusterResourceFailed.name in states:
        return _G.ClusterGroupFailed.name
    if _PENDING.intersection(states):
        return _G.ClusterGroupPending.name
    online = states.count(_S.ClusterResourceOnline.name)
    if online and online < len(states):
        return _G.ClusterGroupPartialOnline.name
    return _G.ClusterGroupOnline.name if online else _G.ClusterGroupOffline.name


class RunContext:
    """Clock, trace and guard of one run, plus what the run summary counts as it goes."""

    def __init__(
        self, header: TraceHeader, profile: ClusterOsProfile, policy: Policy, guard: UserCodeGuard
    ) -> None:
        self.env = simpy.Environment()
        self.tracer = Tracer(header, clock=self._now)
        self.guard = guard
        self.profile = profile
        self.policy = policy
        self.calls: Counter[str] = Counter()
        """Entry points the monitor called, by name."""
        self.offline_flags: list[int] = []
        """OfflineFlags of every OfflineV2 call, in order."""
        self.health = False
        """Whether monitors poll online resources with LooksAlive and IsAlive in this run."""
        self.actor = "dll"
        """Who runs user code right now (``dll`` or ``worker:<n>``): the actor of its callbacks."""
        self.worker: ClusWorker | None = None
        self.last_user_code = ("(no DLL code ran)", "")
        """The routine that ran last and its resource: whom a runaway run is blamed on."""
        self._workers = 0
        self._handles = 0
        self._processes: list[simpy.Process] = []

    def spawn(self, body: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start a SimPy process and remember it, so the run knows whether work is left at the horizon."""
        process = self.env.process(body)
        self._processes.append(process)
        return process

    @property
    def busy(self) -> bool:
        """Whether some process (a worker, a request) is still running."""
        return any(p.is_alive for p in self._processes)

    def _now(self) -> float:
        return float(self.env.now)

    def next_worker(self) -> ClusWorker:
        self._workers += 1
        return ClusWorker(self._workers)

    def next_handle(self) -> str:
        self._handles += 1
        return f"0x{0x1000 + self._handles:x}"

    # -- recording ---------------------------------------------------------------------------------------

    def record(self, kind: Kind, name: str, **fields: Any) -> TraceEvent:
        return self.tracer.record(kind, name, **fields)

    def note(self, name: str, rule: Rule, *, actor: str, subject: str, **args: Any) -> TraceEvent:
        """A ``note``: a decision or log line worth seeing, citing the rule behind it."""
        return self.record(Kind.NOTE, name, actor=actor, subject=subject, args=args, rule=rule)

    def fault(
        self,
        name: str,
        rule: Rule,
        *,
        subject: str,
        what: str,
        routine: str,
        actor: str = "rhs",
        **args: Any,
    ) -> TraceEvent:
        """A ``fault``: ``rule`` was broken; ``what`` says how in a sentence, with the routine concerned."""
        return self.record(
            Kind.FAULT,
            name,
            actor=actor,
            subject=subject,
            args={"rule": what, "routine": routine, **args},
            rule=rule,
        )

    def resource_state(self, res: Resource, new: str, rule: Rule, *, actor: str) -> None:
        """Move ``res`` to the CLUSTER_RESOURCE_STATE ``new`` and record it (nothing when unchanged); its
        group's state follows (`group_state_of`)."""
        if res.state == new:
            return
        old, res.state = res.state, new
        self.record(
            Kind.STATE,
            new,
            actor=actor,
            subject=res.name,
            args={"node": res.node},
            state=(old, new),
            rule=rule,
        )
        self.settle_group(res.group)

    def settle_group(self, group: Group) -> None:
        """Record the group's CLUSTER_GROUP_STATE when its resources' states make it change."""
        new = group_state_of([r.state for r in group.resources])
        if group.state == new:
            return
        old, group.state = group.state, new
        self.record(
            Kind.STATE,
            new,
            actor="rcm",
            subject=group.subject,
            args={"node": group.node},
            state=(old, new),
            rule=R.GROUP_STATE,
        )

    def group_status(self, group: Group, status: GroupStatusFlags, rule: Rule = R.GROUP_STATUS) -> None:
        """Set the group's StatusInformation bits and note the change, citing what made the cluster set or
        clear them (nothing when unchanged)."""
        if group.status == status:
            return
        group.status = status
        self.note(
            "StatusInformation", rule, actor="rcm", subject=group.subject, StatusInformation=int(status)
        )

    def monitor_state(
        self, monitor: MonitorProcess, new: str, *, actor: str, rule: Rule = R.MONITOR_STATES
    ) -> None:
        """Move a monitor process to the RESOURCE_MONITOR_STATE ``new`` and record it."""
        if monitor.state == new:
            return
        old, monitor.state = monitor.state, new
        self.record(
            Kind.STATE,
            new,
            actor=actor,
            subject=monitor.subject,
            args={"node": monitor.node, "process": monitor.process},
            state=(old, new),
            rule=rule,
        )

    def runaway(self, runaway: Runaway) -> None:
        """The run loop stopped the run (`labkit.engine.runloop`): blame the DLL code that ran last."""
        routine, subject = self.last_user_code
        self.fault(
            runaway.name,
            R.NO_PROGRESS if runaway.name == "NoProgress" else R.TOO_MANY_STEPS,
            subject=subject,
            what=f"{runaway.rule}; the last to run: {routine}",
            routine=routine,
        )

    # -- user code ---------------------------------------------------------------------------------------

    def call_user(
        self,
        routine: str,
        subject: str,
        fn: Callable[..., Any],
        *args: Any,
        actor: str = "dll",
        worker: ClusWorker | None = None,
    ) -> Guarded:
        """Run user code under the guard as ``actor``; misbehaviour becomes a fault event."""
        outer = (self.actor, self.worker)
        self.actor, self.worker = actor, worker
        self.last_user_code = (routine, subject)
        try:
            outcome = self.guard.call(routine, fn, *args)
        finally:
            self.actor, self.worker = outer
        if outcome.fault is not None:
            if outcome.fault.rule == "raised":
                name, rule, what = "UserCodeRaised", R.USER_CODE_RAISED, outcome.fault.message
            else:
                # The guard's own message carries the measured real time; keep the trace deterministic.
                name, rule = "UserCodeBlocked", R.USER_CODE_BLOCKED
                what = (
                    f"{routine} ran longer than {self.guard.limit_s:g} s of real time and was stopped; "
                    "a routine must return quickly and leave long work to a worker"
                )
            self.fault(name, rule, subject=subject, what=what, routine=routine, actor=actor)
        return outcome
