"""Calling a resource DLL's entry points, as the Resource Monitor (RHS) of one node does (§2, §3).

- Entry points are never re-entered, except Terminate (§3): a call waits until the previous one returned.
- A call that takes more than 300 ms of virtual time is a ``SlowEntryPoint`` warning; one that exceeds
  DeadlockTimeout is abandoned (the real RHS would be killed and restarted) and the resource fails.
- An entry point or worker written as a generator runs in virtual time (`EntryPoints.drive`); it may only
  yield ``monitor.sleep(ms)``, and yielding at one instant forever is a ``NoProgress`` fault.
- What a routine returns is checked against the header's type: a fault says what was wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeGuard

import simpy

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.instance import Instance
from labkit.cluster.model import Node, Resource
from labkit.cluster.pending import FAILED
from labkit.cluster.resdll import ClusWorker, Sleep, WorkerRoutine
from labkit.cluster.values import described, is_int, shown
from labkit.engine.scaffold import MAX_YIELDS_AT_ONE_INSTANT, InstantCounter
from labkit.trace import Kind, Rule
from labkit.winapi import ERROR_RESOURCE_CALL_TIMED_OUT, FAILURE_TYPE

SLOW_CALL_MS = 300
"""Every entry point should return within 300 ms (§3 rule 3)."""
ENTRY_RULES: Mapping[str, tuple[Rule, Rule]] = {
    "OpenV2": (R.OPEN, R.OPEN),
    "Close": (R.CLOSE, R.CLOSE),
    "OnlineV2": (R.ONLINE_CALL, R.ONLINE_RETURNS),
    "OfflineV2": (R.OFFLINE_CALL, R.OFFLINE_RETURNS),
    "Terminate": (R.TERMINATE, R.TERMINATE),
    "Cancel": (R.CANCEL, R.CANCEL),
}
"""Each entry point's rules: the one its call cites unless the caller names why it calls, and the one its
return cites."""
RETURNS = {"dword": "a Win32 error code (0..65535)", "void": "nothing (VOID)"}
"""What a routine must return, by the kind of its return value (a RESID is anything)."""

Step = Generator[simpy.Event, Any, Any]
FailureHandler = Callable[[Resource, FAILURE_TYPE, int], None]


class EntryPoints:
    """The part of a node's monitor that calls DLL code: entry points, generators and workers."""

    def __init__(self, ctx: RunContext, node: Node, on_failure: FailureHandler, seed: int) -> None:
        self.ctx = ctx
        self.node = node
        self.on_failure = on_failure
        self.seed = seed
        self.instances: dict[str, Instance] = {}

    def call_entry(
        self,
        inst: Instance,
        routine: str,
        args: Mapping[str, Any],
        call_args: tuple[Any, ...],
        returns: str,
        rule: Rule | None = None,
    ) -> Step:
        """Call one entry point; returns ``(how, value, span)``.

        ``how`` is ``ok``, ``bad`` (the routine misbehaved; a fault is recorded) or ``deadlock`` (it did not
        return within DeadlockTimeout: the instance is gone and the resource Failed). ``returns`` says what
        the routine must return: ``dword``, ``void`` or ``resid``. ``rule`` is why the monitor calls it
        (default: the entry point's own rule).
        """
        ctx, env, res = self.ctx, self.ctx.env, inst.resource
        exclusive = routine != "Terminate"
        while exclusive and inst.busy is not None:
            yield inst.busy
        if exclusive:
            inst.busy = env.event()
        call = ctx.record(
            Kind.CALL,
            routine,
            actor="rhs",
            subject=res.name,
            args={**args, "node": self.node.name},
            rule=rule or ENTRY_RULES[routine][0],
        )
        ctx.calls[routine] += 1
        start = env.now
        how, value = yield from self._run(inst, routine, call_args, start + res.properties["DeadlockTimeout"])
        if how == "deadlock":
            self._deadlocked(inst, routine, call.span)
        else:
            why = rule or ENTRY_RULES[routine][0]
            how, value = self._returned(inst, routine, how, value, returns, call.span, env.now - start, why)
        if exclusive and inst.busy is not None:
            inst.busy.succeed()
            inst.busy = None
        if how == "deadlock":
            return "deadlock", ERROR_RESOURCE_CALL_TIMED_OUT, call.span
        return how, value, call.span

    def _run(self, inst: Instance, routine: str, call_args: tuple[Any, ...], deadline: float) -> Step:
        """Run the routine's code (driving it when it is a generator): ``(how, value)`` as `drive` says."""
        res = inst.resource
        outcome = self.ctx.call_user(routine, res.name, getattr(inst.dll, routine), *call_args)
        if not outcome.ok:
            return "misbehaved", outcome.value
        if inspect.isgenerator(outcome.value):
            return (yield from self.drive(outcome.value, routine, res, deadline=deadline))
        return "returned", outcome.value

    def _deadlocked(self, inst: Instance, routine: str, span: int | None) -> None:
        """DeadlockTimeout passed: the monitor abandons the call, forgets the instance, the resource fails."""
        ctx, res = self.ctx, inst.resource
        ctx.fault(
            "DeadlockTimeout",
            R.DEADLOCK,
            subject=res.name,
            what=f"{routine} did not return within DeadlockTimeout "
            f"({res.properties['DeadlockTimeout']} ms); the real RHS would be killed and restarted; "
            "labkit abandons the call and the resource fails",
            routine=routine,
        )
        # The DLL never returns; the monitor gives up on the call, which closes its span.
        ctx.record(
            Kind.RETURN,
            routine,
            actor="rhs",
            subject=res.name,
            span=span,
            args={"abandoned": "DeadlockTimeout"},
            rule=R.DEADLOCK_ABANDONS,
        )
        self.instances.pop(res.name, None)
        ctx.resource_state(res, FAILED, R.DEADLOCK_ABANDONS, actor="rhs")

    def _returned(
        self,
        inst: Instance,
        routine: str,
        how: str,
        value: Any,
        returns: str,
        span: int | None,
        took: float,
        why: Rule,
    ) -> tuple[str, Any]:
        """Record the return, checked against the routine's type, and a slow call; ``(ok or bad, value)``.

        Terminate and Cancel return nothing to judge: their return cites why the monitor called them."""
        ctx, res = self.ctx, inst.resource
        ok = how == "returned"
        if ok:
            ok, value = self._check_return(routine, value, returns, res)
        result = value if ok and returns == "dword" else None
        extra = {"Resource": shown(value)} if ok and returns == "resid" else {}
        ctx.record(
            Kind.RETURN,
            routine,
            actor="dll",
            subject=res.name,
            result=result,
            span=span,
            args=extra,
            rule=ENTRY_RULES[routine][1] if routine not in ("Terminate", "Cancel") else why,
        )
        if took > SLOW_CALL_MS:
            ctx.fault(
                "SlowEntryPoint",
                R.RETURN_QUICKLY,
                subject=res.name,
                what=f"{routine} took {took:g} ms of virtual time; entry points should return "
                f"within {SLOW_CALL_MS} ms and leave long work to a worker",
                routine=routine,
                severity="warning",
            )
        return ("ok" if ok else "bad"), value

    def _check_return(self, routine: str, value: Any, returns: str, res: Resource) -> tuple[bool, Any]:
        if returns == "resid":
            return True, value
        good = value is None if returns == "void" else is_int(value) and 0 <= value <= 0xFFFF
        if good:
            return True, value
        self.ctx.fault(
            "BadReturnValue",
            R.ENTRY_SIGNATURES,
            subject=res.name,
            what=f"{routine} returned {described(value)}; it must return {RETURNS[returns]}",
            routine=routine,
        )
        return returns == "void", None

    def drive(
        self,
        gen: Generator[Any, Any, Any],
        routine: str,
        res: Resource,
        *,
        worker: ClusWorker | None = None,
        deadline: float | None = None,
    ) -> Step:
        """Run a user generator in virtual time; ``(how, value)``, how: returned, misbehaved or deadlock."""
        ctx, env = self.ctx, self.ctx.env
        actor = worker.name if worker is not None else "dll"
        counter = InstantCounter(env.now)
        while True:
            step = ctx.call_user(routine, res.name, _advance, gen, actor=actor, worker=worker)
            if not step.ok:
                return "misbehaved", None
            done, value = step.value
            if done:
                return "returned", value
            problem = _bad_yield(value, counter.stalled(env.now))
            if problem is not None:
                name, what = problem
                rule = R.WORKER_YIELDS if name == "BadReturnValue" else R.NO_PROGRESS
                ctx.fault(
                    name, rule, subject=res.name, what=f"{routine} {what}", routine=routine, actor=actor
                )
                ctx.call_user(routine, res.name, gen.close, actor=actor, worker=worker)
                return "misbehaved", None
            if deadline is not None and env.now + value.ms > deadline:
                yield env.timeout(max(0.0, deadline - env.now))
                ctx.call_user(routine, res.name, gen.close, actor=actor, worker=worker)
                return "deadlock", None
            yield env.timeout(value.ms)

    def run_worker(self, inst: Instance, worker: ClusWorker, start: WorkerRoutine, parameter: Any) -> Step:
        """The body of a worker thread: call the start routine, drive its generator, note its end."""
        ctx, res = self.ctx, inst.resource
        routine = getattr(start, "__name__", "worker")
        first = ctx.call_user(routine, res.name, start, worker, parameter, actor=worker.name, worker=worker)
        how = "returned" if first.ok else "misbehaved"
        if first.ok and inspect.isgenerator(first.value):
            how, _ = yield from self.drive(first.value, routine, res, worker=worker)
        if worker in inst.workers:
            inst.workers.remove(worker)
        ctx.note("WorkerEnded", R.WORKER_ENDED, actor=worker.name, subject=res.name, how=how)


def _bad_yield(value: object, stalled: bool) -> tuple[str, str] | None:
    """The fault a yielded value is, if any: not a Sleep, or yielding at one instant too long."""
    if not _is_sleep(value):
        return "BadReturnValue", f"yielded {described(value)}; workers may only yield monitor.sleep(ms)"
    if stalled:
        return "NoProgress", (
            f"yielded monitor.sleep(0) {MAX_YIELDS_AT_ONE_INSTANT} times in a row; virtual time "
            "cannot advance, so labkit stops it"
        )
    return None


def _is_sleep(value: object) -> TypeGuard[Sleep]:
    """A Sleep of a real number of milliseconds >= 0 (a hand-made Sleep(-1) is refused)."""
    if not isinstance(value, Sleep):
        return False
    ms: object = value.ms
    return isinstance(ms, int | float) and not isinstance(ms, bool) and ms >= 0


def _advance(gen: Generator[Any, Any, Any]) -> tuple[bool, Any]:
    try:
        return False, next(gen)
    except StopIteration as stop:
        return True, stop.value
