"""The Resource Monitor (RHS) of one node: the operations the cluster asks of a resource's DLL (§2, §4).

`Rhs` opens, brings online, takes offline, cancels, terminates and closes, and ends the instances of a
killed monitor process; the parts it is made of are in their own modules: calling entry points
(`labkit.cluster.entrypoints`), status reports (`labkit.cluster.reports`) against the pending protocol
(`labkit.cluster.pending`), health checks (`labkit.cluster.health`), the monitor processes
(`labkit.cluster.monitors`) and the callbacks a DLL gets (`labkit.cluster.callbacks`).

- After ERROR_IO_PENDING the monitor itself moves the resource to OnlinePending / OfflinePending, then
  waits for the reports that settle the operation; a gap of PendingTimeout (or of DeadlockTimeout, when
  that is smaller) between reports makes it call Terminate (§4). Reports of a worker that was running
  when Terminate was called get ResourceExitStateTerminate.
- An error return from OnlineV2 / OfflineV2 is logged and followed by Terminate (G3).
- Every call, report and state change goes to the trace; misbehaving user code becomes a fault.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import MappingProxyType
from typing import cast

from labkit.cluster import rules as R
from labkit.cluster.callbacks import Callbacks
from labkit.cluster.context import RunContext
from labkit.cluster.entrypoints import Host, Step
from labkit.cluster.health import HealthChecks
from labkit.cluster.instance import Instance
from labkit.cluster.model import MonitorProcess, Node, Resource
from labkit.cluster.monitors import Monitors
from labkit.cluster.pending import (
    FAILED,
    OFFLINE,
    OFFLINE_PENDING,
    ONLINE,
    ONLINE_PENDING,
    Outcome,
    Pending,
    Settled,
)
from labkit.cluster.resdll import PropertyList, ResourceDll
from labkit.cluster.values import frozen, property_list_size, shown, shown_buffer
from labkit.trace import Kind, Rule
from labkit.winapi import (
    ERROR_IO_PENDING,
    ERROR_OPERATION_ABORTED,
    ERROR_RESOURCE_FAILED,
    ERROR_SUCCESS,
    ERROR_TIMEOUT,
    OfflineFlags,
    OnlineFlags,
    error_name,
)


class Rhs(HealthChecks):
    """The Resource Monitor of one node (``host``: the cluster around it; alone, a host of its own)."""

    def __init__(self, ctx: RunContext, node: Node, host: Host | None = None, seed: int = 0) -> None:
        super().__init__(ctx, node, host or Alone(ctx), seed)

    # -- operations the cluster asks for -----------------------------------------------------------------

    def open(self, res: Resource, factory: Callable[[], ResourceDll]) -> Step:
        """Load the DLL object for ``res`` and call OpenV2; True when the instance exists."""
        ctx = self.ctx
        monitor = self.host.monitors.host(res)
        made = ctx.call_user("StartupEx", res.name, lambda: _prepare(factory(), self, res, monitor))
        if not made.ok:
            ctx.resource_state(res, FAILED, R.DLL_LOAD_FAILS, actor="rhs")
            return False
        inst: Instance = made.value
        self.instances[res.name] = inst
        key = MappingProxyType(dict(res.private))
        how, resid, _ = yield from self.call_entry(
            inst,
            "OpenV2",
            {
                "ResourceName": res.name,
                "ResourceKey": f"Resources\\{res.name}",
                "ResourceHandle": inst.handle,
                "OpenFlags": 0,
            },
            (res.name, key, inst.handle, 0),
            "resid",
        )
        if how != "ok" or resid is None:
            self.instances.pop(res.name, None)
            ctx.resource_state(res, FAILED, R.OPEN_FAILS, actor="rhs")
            return False
        inst.resid = resid
        ctx.resource_state(res, OFFLINE, R.OPEN, actor="rhs")
        return True

    def close(self, res: Resource) -> Step:
        """Call Close and forget the instance (its workers run on until they end)."""
        inst = self.instances.get(res.name)
        if inst is None:
            return
        yield from self.call_entry(inst, "Close", {"Resource": shown(inst.resid)}, (inst.resid,), "void")
        self.instances.pop(res.name, None)
        self.host.monitors.leave(res)
        res.locked = res.locked_keeps_queue = False  # locked mode belonged to the instance just closed

    def online(
        self, res: Resource, flags: OnlineFlags, in_buffer: PropertyList | None, *, rule: Rule | None = None
    ) -> Step:
        """OnlineV2 (``rule``: why the monitor calls it) and its pending protocol; returns a `Settled`."""
        inst = self.instances[res.name]
        inst.terminated = False
        args = {
            "Resource": shown(inst.resid),
            "OnlineFlags": int(flags),
            "InBuffer": shown_buffer(in_buffer),
            "InBufferSize": property_list_size(in_buffer),
            "Reserved": 0,
        }
        call = (inst.resid, flags, frozen(in_buffer), args["InBufferSize"], 0)
        why = rule or (R.ONLINE_FLAGS if flags else R.ONLINE_CALL)  # online flags: labkit's mapping only
        how, code, span = yield from self.call_entry(inst, "OnlineV2", args, call, "dword", why)
        if how in ("deadlock", "killed"):
            return Settled(Outcome.ENDED, code)
        if inst.terminated:  # Terminate overlapped the call: whatever it returns, the resource is stopped
            return Settled(Outcome.FAILED, ERROR_OPERATION_ABORTED)
        ok = how == "ok"
        if ok and code == ERROR_IO_PENDING:
            self.ctx.resource_state(res, ONLINE_PENDING, R.IO_PENDING, actor="rhs")
            settled: Settled = yield from self._await(inst, "OnlineV2", span)
        elif ok and code == ERROR_SUCCESS:
            self.ctx.resource_state(res, ONLINE, R.ONLINE_RETURNS, actor="rhs")
            settled = Settled(Outcome.DONE, ERROR_SUCCESS)
        else:
            settled = yield from self._error_return(inst, "OnlineV2", code if ok else None, FAILED)
        if settled.outcome is Outcome.DONE:
            self.start_polling(inst)
        return settled

    def offline(
        self,
        res: Resource,
        flags: OfflineFlags,
        destination: str | None,
        in_buffer: PropertyList | None,
        on_pending: Callable[[], None] = lambda: None,
        why: Rule = R.OFFLINE_CALL,
    ) -> Step:
        """OfflineV2 and the pending protocol; returns a `Settled`. ``on_pending`` runs on IO_PENDING, or
        when OfflineV2 starts to block its thread; ``why`` is the rule the call cites (the one that put its
        flags there, when it has some)."""
        ctx = self.ctx
        inst = self.instances[res.name]
        inst.terminated = False
        ctx.offline_flags.append(int(flags))
        args = {
            "Resource": shown(inst.resid),
            "DestinationNodeName": destination,
            "OfflineFlags": int(flags),
            "InBuffer": shown_buffer(in_buffer),
            "InBufferSize": property_list_size(in_buffer),
            "Reserved": 0,
        }
        call = (inst.resid, destination, flags, frozen(in_buffer), args["InBufferSize"], 0)
        how, code, span = yield from self.call_entry(
            inst, "OfflineV2", args, call, "dword", why, on_block=on_pending
        )
        if how in ("deadlock", "killed"):
            return Settled(Outcome.ENDED, code)
        if inst.terminated:
            return Settled(Outcome.TERMINATED, ERROR_OPERATION_ABORTED)
        ok = how == "ok"
        if ok and code == ERROR_IO_PENDING:
            ctx.resource_state(res, OFFLINE_PENDING, R.IO_PENDING, actor="rhs")
            on_pending()
            return (yield from self._await(inst, "OfflineV2", span))
        if ok and code == ERROR_SUCCESS and ctx.policy.error_return_rule == "teach":
            ctx.resource_state(res, OFFLINE, R.OFFLINE_RETURNS, actor="rhs")
            return Settled(Outcome.DONE, ERROR_SUCCESS)
        return (
            yield from self._error_return(inst, "OfflineV2", code if ok else None, self._terminated_state())
        )

    def cancel(self, res: Resource) -> Step:
        """Call Cancel for the pending operation of ``res``; returns the DLL's answer."""
        inst = self.instances.get(res.name)
        if inst is None or inst.pending is None:
            return None
        pending = inst.pending
        how, code, _ = yield from self.call_entry(
            inst,
            "Cancel",
            {"Resource": shown(inst.resid), "CancelFlags_RESERVED": 0},
            (inst.resid, 0),
            "dword",
        )
        if how == "ok" and code == ERROR_SUCCESS:
            pending.cancel_requested = True
        return code if how == "ok" else None

    def terminate(self, res: Resource, then: str | None, why: Rule, state: Rule = R.TERMINATE) -> Step:
        """Call Terminate because of ``why``; the resource goes to ``then`` (None: stays as it is), the
        state change citing ``state``. A monitor process that ended has nothing left to call."""
        inst = self.instances.get(res.name)
        if inst is not None and not inst.dead:
            inst.terminated = True
            pending, inst.pending = inst.pending, None
            if pending is not None and not pending.settled.triggered:
                # Terminate ends the pending operation; whoever waits for it learns so now.
                self.ctx.record(
                    Kind.COMPLETE,
                    pending.kind,
                    actor="rhs",
                    subject=res.name,
                    span=pending.span,
                    result=ERROR_OPERATION_ABORTED,
                    rule=R.TERMINATED_CODES,
                )
                stopped = Outcome.TERMINATED if pending.kind == "OfflineV2" else Outcome.FAILED
                pending.settled.succeed(Settled(stopped, ERROR_OPERATION_ABORTED))
            for worker in inst.workers:
                worker.monitor_terminated = True
            yield from self.call_entry(
                inst, "Terminate", {"Resource": shown(inst.resid)}, (inst.resid,), "void", why
            )
        if then is not None:
            self.ctx.resource_state(res, then, state, actor="rhs")

    def is_pending(self, res: Resource) -> bool:
        inst = self.instances.get(res.name)
        return inst is not None and inst.pending is not None

    # -- the pending protocol ----------------------------------------------------------------------------

    def _await(self, inst: Instance, routine: str, span: int | None) -> Step:
        ctx, env, res = self.ctx, self.ctx.env, inst.resource
        pending = Pending(env, routine, span)
        inst.pending = pending
        limit = min(res.properties["PendingTimeout"], res.properties["DeadlockTimeout"])
        while not pending.settled.triggered:
            left = pending.last_report + limit - env.now
            if left <= 0:
                break
            yield pending.settled | env.timeout(left)
        if pending.settled.triggered:
            settled = cast(Settled, pending.settled.value)
            if settled.outcome is Outcome.FAILED and not inst.terminated and not inst.dead:
                then = self._terminated_state() if routine == "OfflineV2" else None
                yield from self.terminate(res, then, R.FAILED_REPORT_TERMINATES, R.TERMINATED_STATE)
                if routine == "OfflineV2":
                    return Settled(Outcome.TERMINATED, settled.code, settled.flags)
            return settled
        inst.pending = None
        why = self._pending_timeout(res, routine, pending.last_report)
        ctx.record(
            Kind.COMPLETE,
            routine,
            actor="rhs",
            subject=res.name,
            span=span,
            result=ERROR_TIMEOUT,
            rule=R.TERMINATED_CODES,
        )
        offline = routine == "OfflineV2"
        final = self._terminated_state() if offline else FAILED
        yield from self.terminate(res, final, why, R.TERMINATED_STATE if offline else R.ONLINE_FAILS)
        return Settled(Outcome.TERMINATED if routine == "OfflineV2" else Outcome.FAILED, ERROR_TIMEOUT)

    def _pending_timeout(self, res: Resource, routine: str, last_report: float) -> Rule:
        """No report within PendingTimeout, or within DeadlockTimeout where that is smaller (G16): the
        fault, and the rule that governed."""
        pending, deadlock = res.properties["PendingTimeout"], res.properties["DeadlockTimeout"]
        capped = deadlock < pending
        name = "DeadlockTimeout" if capped else "PendingTimeout"
        rule = R.PENDING_CAPPED if capped else R.PENDING_TIMEOUT
        self.ctx.fault(
            "PendingTimeout",
            rule,
            subject=res.name,
            what=f"no status report for {name} ({min(pending, deadlock)} ms) since the last one at "
            f"{last_report:g} ms"
            + (f", PendingTimeout ({pending} ms) being capped by DeadlockTimeout" if capped else "")
            + "; the monitor calls Terminate",
            routine=routine,
            PendingTimeout=pending,
            DeadlockTimeout=deadlock,
        )
        return rule

    def end_process(self, monitor: MonitorProcess) -> list[Resource]:
        """The process of ``monitor`` was killed: its DLL instances are gone, their pending operations end
        aborted (calls and workers sleeping in it end when they wake). Returns the resources it hosted."""
        gone = [inst for inst in self.instances.values() if inst.monitor is monitor and not inst.dead]
        self.host.monitors.kill(monitor)
        for inst in gone:
            self.instances.pop(inst.resource.name, None)
            pending, inst.pending = inst.pending, None
            if pending is not None and not pending.settled.triggered:
                self.ctx.record(
                    Kind.COMPLETE,
                    pending.kind,
                    actor="rhs",
                    subject=inst.resource.name,
                    span=pending.span,
                    result=ERROR_OPERATION_ABORTED,
                    args={"abandoned": "its monitor was killed"},
                    rule=R.DEADLOCK_ABANDONS,
                )
                pending.settled.succeed(Settled(Outcome.ENDED, ERROR_OPERATION_ABORTED))
        return [inst.resource for inst in gone]

    def _error_return(self, inst: Instance, routine: str, code: int | None, then: str) -> Step:
        """The V1 rule (G3): an error return is logged as an event, then the monitor calls Terminate."""
        res = inst.resource
        shown = "misbehaved" if code is None else f"returned {error_name(code, 'cluster')} ({code})"
        self.ctx.note(
            "EventLog",
            R.ERROR_RETURN,
            actor="rhs",
            subject=res.name,
            message=f"{routine} of resource {res.name} {shown}; the monitor calls Terminate",
        )
        state = R.TERMINATED_STATE if routine == "OfflineV2" else R.ONLINE_FAILS
        yield from self.terminate(res, then, R.ERROR_RETURN, state)
        code = ERROR_RESOURCE_FAILED if code is None else code
        return Settled(Outcome.TERMINATED if routine == "OfflineV2" else Outcome.FAILED, code)

    def _terminated_state(self) -> str:
        return FAILED if self.ctx.policy.terminated_state == "failed" else OFFLINE


class Alone:
    """The host of a monitor used on its own (tests, notebooks): its own monitor processes, and failures
    that go nowhere."""

    def __init__(self, ctx: RunContext) -> None:
        self.monitors = Monitors(ctx)

    def on_failure(self, res: Resource, kind: object, code: int) -> None:
        pass

    def on_deadlock(self, inst: Instance, routine: str) -> None:
        pass

    def on_health_failure(self, res: Resource) -> None:
        pass


def _prepare(dll: ResourceDll, rhs: Rhs, res: Resource, monitor: MonitorProcess) -> Instance:
    if not isinstance(dll, ResourceDll):
        raise TypeError(f"a DLL factory must return a labkit.cluster.ResourceDll, not {type(dll).__name__}")
    inst = Instance(res, dll, rhs.ctx.next_handle(), monitor)
    dll.monitor = Callbacks(rhs, inst)
    dll.node = rhs.node.name
    dll.random = random.Random(f"{rhs.seed}/{rhs.node.name}/{res.name}")  # noqa: S311 - simulation, not security
    return inst
