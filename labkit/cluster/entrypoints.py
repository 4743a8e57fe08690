"""Calling a resource DLL's entry points, as a Resource Monitor (RHS) process does (§2, §3).

- Entry points are never re-entered, except Terminate (§3): a call waits until the previous one returned.
- A call that takes more than 300 ms of virtual time is a ``SlowEntryPoint`` warning. One that does not
  return within DeadlockTimeout is a ``DeadlockTimeout`` fault: its monitor is RmonDeadlocked and the
  cluster kills it (`Host.on_deadlock`), ending every call and worker of that process.
- An entry point or worker written as a generator runs in virtual time (`EntryPoints.drive`); it may only
  yield ``monitor.sleep(ms)``, and yielding at one instant forever is a ``NoProgress`` fault. While an
  entry point sleeps it blocks its monitor, whose state says so (`labkit.cluster.monitors`).
- What a routine returns is checked against the header's type: a fault says what was wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping
from typing import Any, Protocol, TypeGuard

import simpy

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.instance import Instance
from labkit.cluster.model import Node, Resource
from labkit.cluster.monitors import Monitors
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
    "LooksAlive": (R.LOOKS_ALIVE_POLL, R.HEALTH_RETURNS),
    "IsAlive": (R.IS_ALIVE_POLL, R.HEALTH_RETURNS),
}
"""Each entry point's rules: the one its call cites unless the caller names why it calls, and the one its
return cites."""
RETURNS = {
    "dword": "a Win32 error code (0..65535)",
    "void": "nothing (VOID)",
    "bool": "a BOOL (TRUE or FALSE)",
}
"""What a routine must return, by the kind of its return value (a RESID is anything)."""

Step = Generator[simpy.Event, Any, Any]


class Host(Protocol):
    """What a node's monitor needs from the cluster around it."""

    monitors: Monitors

    def on_failure(self, res: Resource, kind: FAILURE_TYPE, code: int) -> None:
        """SignalFailure from a DLL."""

    def on_deadlock(self, inst: Instance, routine: str) -> None:
        """A call of ``inst`` passed DeadlockTimeout: its monitor must go."""

    def on_health_failure(self, res: Resource) -> None:
        """IsAlive said FALSE; the resource is Failed and terminated."""


class EntryPoints:
    """The part of a node's monitor that calls DLL code: entry points, generators and workers."""

    def __init__(self, ctx: RunContext, node: Node, host: Host, seed: int) -> None:
        self.ctx = ctx
        self.node = node
        self.host = host
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
        on_block: Callable[[], None] | None = None,
    ) -> Step:
        """Call one entry point; returns ``(how, value, span)``.

        ``how`` is ``ok``, ``bad`` (the routine misbehaved; a fault is recorded), ``deadlock`` (it did not
        return within DeadlockTimeout: its monitor is killed) or ``killed`` (its monitor was killed for
        another resource's call, or before the call could start). ``returns`` says what the routine must
        return: ``dword``, ``void``, ``bool`` or ``resid``. ``rule`` is why the monitor calls it;
        ``on_block`` runs when the routine starts to block its thread (the caller stops waiting for it).
        """
        ctx, env, res = self.ctx, self.ctx.env, inst.resource
        exclusive = routine != "Terminate"
        while exclusive and inst.busy is not None:
            yield inst.busy
        if inst.dead:
            return "killed", None, None
        if exclusive:
            inst.busy = env.event()
        why = rule or ENTRY_RULES[routine][0]
        call = ctx.record(
            Kind.CALL,
            routine,
            actor="rhs",
            subject=res.name,
            args={**args, "node": self.node.name, "monitor": inst.monitor.subject},
            rule=why,
        )
        ctx.calls[routine] += 1
        start = env.now
        deadline = start + res.properties["DeadlockTimeout"]
        how, value = yield from self._run(inst, routine, call_args, deadline, on_block)
        if how == "deadlock":
            self._deadlocked(inst, routine, call.span)
        elif how == "killed":
            self._abandoned(inst, routine, call.span, "its monitor was killed")
        else:
            how, value = self._returned(inst, routine, how, value, returns, call.span, env.now - start, why)
            if routine in inst.blocking:
                self.host.monitors.unblocked(inst.monitor, routine)
        inst.blocking.discard(routine)
        if exclusive and inst.busy is not None:
            inst.busy.succeed()
            inst.busy = None
        if how in ("deadlock", "killed"):
            return how, ERROR_RESOURCE_CALL_TIMED_OUT, call.span
        return how, value, call.span

    def _run(
        self,
        inst: Instance,
        routine: str,
        call_args: tuple[Any, ...],
        deadline: float,
        on_block: Callable[[], None] | None,
    ) -> Step:
        """Run the routine's code (driving it when it is a generator): ``(how, value)`` as `drive` says."""
        res = inst.resource
        outcome = self.ctx.call_user(routine, res.name, getattr(inst.dll, routine), *call_args)
        if not outcome.ok:
            return "misbehaved", outcome.value
        if inspect.isgenerator(outcome.value):
            return (
                yield from self.drive(
                    outcome.value, routine, res, deadline=deadline, inst=inst, on_block=on_block
                )
            )
        return "returned", outcome.value

    def _deadlocked(self, inst: Instance, routine: str, span: int | None) -> None:
        """DeadlockTimeout passed: RHS's deadlock monitor reports it, the call is abandoned, and the
        cluster kills the monitor (`Host.on_deadlock`)."""
        ctx, res = self.ctx, inst.resource
        limit = res.properties["DeadlockTimeout"]
        call = routine.removesuffix("V2").upper()
        ctx.fault(
            "DeadlockTimeout",
            R.DEADLOCK,
            subject=res.name,
            what=f"{routine} did not return within DeadlockTimeout ({limit} ms); the cluster kills the "
            f"Resource Monitor {inst.monitor.subject} and restarts what it hosted",
            routine=routine,
            call=call,
            late_ms=0,
            DeadlockTimeout=limit,
            monitor=inst.monitor.subject,
            log=f"RhsCall::DeadlockMonitor: Call {call} timed out by 0 milliseconds for resource "
            f"'{res.name}'.",
        )
        self.host.monitors.deadlocked(inst.monitor)
        self._abandoned(inst, routine, span, "DeadlockTimeout")
        self.host.on_deadlock(inst, routine)

    def _abandoned(self, inst: Instance, routine: str, span: int | None, why: str) -> None:
        # The DLL never returns; the monitor gives up on the call, which closes its span.
        self.ctx.record(
            Kind.RETURN,
            routine,
            actor="rhs",
            subject=inst.resource.name,
            span=span,
            args={"abandoned": why},
            rule=R.DEADLOCK_ABANDONS,
        )

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
        fields: dict[str, Any] = {"result": value if ok and returns == "dword" else None}
        fields["rule"] = ENTRY_RULES[routine][1] if routine not in ("Terminate", "Cancel") else why
        if ok and returns == "resid":
            fields["args"] = {"Resource": shown(value)}
        if ok and returns == "bool":
            value = bool(value)
            fields.update(result=int(value), result_name="TRUE" if value else "FALSE")
        ctx.record(Kind.RETURN, routine, actor="dll", subject=res.name, span=span, **fields)
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
        if returns == "void":
            good = value is None
        elif returns == "bool":
            good = isinstance(value, bool) or is_int(value)
        else:
            good = is_int(value) and 0 <= value <= 0xFFFF
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
        inst: Instance | None = None,
        on_block: Callable[[], None] | None = None,
    ) -> Step:
        """Run a user generator in virtual time; ``(how, value)``, how: returned, misbehaved, deadlock or
        killed (the process of ``inst`` ended while it slept). An entry point (no ``worker``) blocks its
        monitor while it sleeps (and calls ``on_block`` when it starts to)."""
        ctx, env = self.ctx, self.ctx.env
        actor = worker.name if worker is not None else "dll"
        counter = InstantCounter(env.now)
        blocking = inst if inst is not None and worker is None else None
        while True:
            step = ctx.call_user(routine, res.name, _advance, gen, actor=actor, worker=worker)
            if not step.ok:
                outcome: tuple[str, Any] = ("misbehaved", None)
                break
            done, value = step.value
            if done:
                outcome = ("returned", value)
                break
            problem = _bad_yield(value, counter.stalled(env.now))
            if problem is not None:
                name, what = problem
                rule = R.WORKER_YIELDS if name == "BadReturnValue" else R.NO_PROGRESS
                ctx.fault(
                    name, rule, subject=res.name, what=f"{routine} {what}", routine=routine, actor=actor
                )
                ctx.call_user(routine, res.name, gen.close, actor=actor, worker=worker)
                outcome = ("misbehaved", None)
                break
            if blocking is not None and routine not in blocking.blocking and value.ms > 0:
                blocking.blocking.add(routine)
                self.host.monitors.blocked(blocking.monitor, routine)
                if on_block is not None:
                    on_block()
            how = yield from self._sleep(value.ms, deadline, inst)
            if how is not None:
                ctx.call_user(routine, res.name, gen.close, actor=actor, worker=worker)
                outcome = (how, None)
                break
        return outcome

    def _sleep(self, ms: float, deadline: float | None, inst: Instance | None) -> Step:
        """Let ``ms`` pass; ``deadlock`` when that passes ``deadline``, ``killed`` when the process of
        ``inst`` ends first, else None."""
        env = self.ctx.env
        wake = env.now + ms
        until = wake if deadline is None else min(wake, deadline)
        if inst is None:
            yield env.timeout(until - env.now)
        else:
            yield env.timeout(max(0.0, until - env.now)) | inst.ended
            if inst.dead:
                return "killed"
        return "deadlock" if deadline is not None and wake > deadline else None

    def run_worker(self, inst: Instance, worker: ClusWorker, start: WorkerRoutine, parameter: Any) -> Step:
        """The body of a worker thread: call the start routine, drive its generator, note its end."""
        ctx, res = self.ctx, inst.resource
        routine = getattr(start, "__name__", "worker")
        first = ctx.call_user(routine, res.name, start, worker, parameter, actor=worker.name, worker=worker)
        how = "returned" if first.ok else "misbehaved"
        if first.ok and inspect.isgenerator(first.value):
            how, _ = yield from self.drive(first.value, routine, res, worker=worker, inst=inst)
        if worker in inst.workers:
            inst.workers.remove(worker)
        ctx.note(
            "WorkerEnded",
            R.DEADLOCK_ABANDONS if how == "killed" else R.WORKER_ENDED,
            actor=worker.name,
            subject=res.name,
            how=how,
        )


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
