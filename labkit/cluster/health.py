"""Health checks: the Resource Monitor polls an online resource with LooksAlive and IsAlive (§2.7, §5.3).

- LooksAlive every LooksAlivePollInterval and IsAlive every IsAlivePollInterval: the resource's values,
  or the resource type's (5000 / 60000 ms) where the resource says 0xFFFFFFFF. The timers start when
  the resource comes online; polls stop when it is no longer online or its monitor process ended.
- LooksAlive FALSE brings an immediate IsAlive; IsAlive FALSE: the monitor logs it, marks the resource
  ClusterResourceFailed and calls Terminate, then the cluster applies the failure policy.
- Both are entry points like any other: serialised, subject to the 300 ms rule and to DeadlockTimeout.
  A check that misbehaves counts as FALSE.
"""

from __future__ import annotations

from labkit.cluster import rules as R
from labkit.cluster.entrypoints import Step
from labkit.cluster.instance import Instance
from labkit.cluster.model import TYPE_PROPERTIES, USE_TYPE_VALUE, Resource
from labkit.cluster.pending import FAILED, ONLINE
from labkit.cluster.reports import StatusReports
from labkit.cluster.values import shown
from labkit.trace import Rule


def poll_interval(res: Resource, name: str) -> int:
    """``LooksAlivePollInterval`` or ``IsAlivePollInterval`` of ``res`` in ms, the type's when it says
    0xFFFFFFFF."""
    value = res.properties[name]
    return TYPE_PROPERTIES[name] if value == USE_TYPE_VALUE else value


class HealthChecks(StatusReports):
    """The part of a node's monitor that polls online resources."""

    def start_polling(self, inst: Instance) -> None:
        """The resource just came online: start its LooksAlive and IsAlive timers (if the run polls)."""
        res = inst.resource
        res.online_since += 1
        if self.ctx.health:
            self.ctx.spawn(self._poll(inst, res.online_since))

    def _polling(self, inst: Instance, epoch: int) -> bool:
        """Whether the poller of ``epoch`` should go on: same online period, still online, process alive."""
        res = inst.resource
        return (
            not inst.dead
            and res.online_since == epoch
            and res.state == ONLINE
            and self.instances.get(res.name) is inst
        )

    def _poll(self, inst: Instance, epoch: int) -> Step:
        env, res = self.ctx.env, inst.resource
        looks, thorough = (
            poll_interval(res, "LooksAlivePollInterval"),
            poll_interval(res, "IsAlivePollInterval"),
        )
        next_looks, next_is = env.now + looks, env.now + thorough
        while self._polling(inst, epoch):
            while next_looks < env.now:  # polls missed while a call held the resource are not made up
                next_looks += looks
            while next_is < env.now:
                next_is += thorough
            wake = min(next_looks, next_is)
            yield env.timeout(wake - env.now) | inst.ended
            if not self._polling(inst, epoch):
                return
            due_looks, due_is = wake == next_looks, wake == next_is
            next_looks += looks if due_looks else 0
            next_is += thorough if due_is else 0
            verdict: bool | None = None
            if due_looks:
                verdict = yield from self._check(inst, "LooksAlive", R.LOOKS_ALIVE_POLL)
            if verdict is False:
                verdict = yield from self._check(inst, "IsAlive", R.LOOKS_ALIVE_FALSE)
            elif due_is and self._polling(inst, epoch):
                verdict = yield from self._check(inst, "IsAlive", R.IS_ALIVE_POLL)
            if verdict is False and self._polling(inst, epoch):
                yield from self._failed(inst)
                return

    def _check(self, inst: Instance, routine: str, rule: Rule) -> Step:
        """Call LooksAlive or IsAlive; True / False, or None when the monitor's process ended under it."""
        how, value, _ = yield from self.call_entry(
            inst, routine, {"Resource": shown(inst.resid)}, (inst.resid,), "bool", rule=rule
        )
        if how in ("deadlock", "killed"):
            return None
        if how == "bad":
            self.ctx.note(
                "HealthCheckMisbehaved",
                R.HEALTH_MISBEHAVES,
                actor="rhs",
                subject=inst.resource.name,
                routine=routine,
            )
            return False
        return bool(value)

    def _failed(self, inst: Instance) -> Step:
        """IsAlive said FALSE: log it, mark the resource Failed, call Terminate, tell the cluster."""
        res = inst.resource
        self.ctx.note(
            "IsAliveFailed",
            R.IS_ALIVE_LOG,
            actor="rhs",
            subject=res.name,
            log=f"Resource {res.name} IsAlive has indicated failure.",
        )
        self.ctx.resource_state(res, FAILED, R.IS_ALIVE_FALSE, actor="rhs")
        yield from self.terminate(res, None, R.IS_ALIVE_FALSE)
        self.host.on_health_failure(res)

    def terminate(self, res: Resource, then: str | None, why: Rule, state: Rule = R.TERMINATE) -> Step:
        """Call Terminate (`labkit.cluster.rhs.Rhs.terminate`)."""
        raise NotImplementedError
