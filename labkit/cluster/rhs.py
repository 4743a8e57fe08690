"""The Resource Monitor (RHS) of one node: it calls the DLL's entry points and runs the pending protocol.

- Entry points are never re-entered, except Terminate (§3): a call waits until the previous one returned.
  A call that takes more than 300 ms of virtual time is a ``SlowEntryPoint`` warning; one that exceeds
  DeadlockTimeout is abandoned (the real RHS would be killed and restarted) and the resource fails.
- After ERROR_IO_PENDING the monitor itself moves the resource to OnlinePending / OfflinePending, then
  accepts SetResourceStatusEx reports with a growing CheckPoint until one settles the operation; a gap of
  PendingTimeout between reports makes it call Terminate (§4). Reports of a worker that was running when
  Terminate was called get ResourceExitStateTerminate.
- An error return from OnlineV2 / OfflineV2 is logged and followed by Terminate (G3).
- Every call, report and state change goes to the trace; misbehaving user code becomes a fault.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeGuard, cast

import simpy

from labkit.cluster.context import RunContext
from labkit.cluster.model import Node, Resource
from labkit.cluster.resdll import (
    RESOURCE_STATUS_EX,
    ClusWorker,
    PropertyList,
    ResourceDll,
    Sleep,
    WorkerRoutine,
)
from labkit.trace import Evidence, Kind
from labkit.winapi import (
    CLUSTER_RESOURCE_STATE,
    ERROR_CANCELLED,
    ERROR_CLUSTER_GROUP_BUSY,
    ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES,
    ERROR_INVALID_HANDLE,
    ERROR_IO_PENDING,
    ERROR_OPERATION_ABORTED,
    ERROR_RESOURCE_CALL_TIMED_OUT,
    ERROR_RESOURCE_FAILED,
    ERROR_RESOURCE_ONLINE,
    ERROR_SUCCESS,
    ERROR_TIMEOUT,
    FAILURE_TYPE,
    LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE,
    LOG_LEVEL,
    RESOURCE_EXIT_STATE,
    ClusterResourceCannotComeOnlineOnAnyNode,
    ClusterResourceCannotComeOnlineOnThisNode,
    OfflineFlags,
    OnlineFlags,
    ResourceStatusFlags,
    error_name,
    state_name,
)

S = CLUSTER_RESOURCE_STATE
ONLINE, OFFLINE, FAILED = (
    S.ClusterResourceOnline.name,
    S.ClusterResourceOffline.name,
    S.ClusterResourceFailed.name,
)
ONLINE_PENDING = S.ClusterResourceOnlinePending.name
OFFLINE_PENDING = S.ClusterResourceOfflinePending.name

SLOW_CALL_MS = 300
"""Every entry point should return within 300 ms (§3 rule 3)."""
SPIN_LIMIT = 1000
"""Zero-length sleeps in a row after which a generator is stopped: virtual time would never advance."""
NOT_NOW = (
    ResourceStatusFlags.OFFLINE_BUSY
    | ResourceStatusFlags.OFFLINE_SOURCE_THROTTLED
    | ResourceStatusFlags.OFFLINE_DESTINATION_THROTTLED
)
"""Status flags that mean "not now, maybe soon" (§6.2, inferred)."""
_REPORTABLE = {
    S.ClusterResourceStateUnknown,
    S.ClusterResourceOnline,
    S.ClusterResourceOffline,
    S.ClusterResourceFailed,
    S.ClusterResourceOnlinePending,
    S.ClusterResourceOfflinePending,
    ClusterResourceCannotComeOnlineOnThisNode,
    ClusterResourceCannotComeOnlineOnAnyNode,
}
_FAILURE_STATES = {
    S.ClusterResourceStateUnknown,
    S.ClusterResourceFailed,
    ClusterResourceCannotComeOnlineOnThisNode,
    ClusterResourceCannotComeOnlineOnAnyNode,
}
_ENTRY_REFS = {
    "OpenV2": "§2.2",
    "Close": "§2.3",
    "OnlineV2": "§2.4",
    "OfflineV2": "§2.5",
    "Terminate": "§2.6",
    "Cancel": "§2.10",
}

Step = Generator[simpy.Event, Any, Any]


class Outcome(StrEnum):
    """How a pending or synchronous Online / Offline ended, as the cluster needs to know it."""

    DONE = "done"
    """The resource reached the state asked for."""
    TERMINATED = "terminated"
    """An offline ended by Terminate (error return, Failed report, PendingTimeout): offline by termination."""
    FAILED = "failed"
    """An online failed (the resource is Failed and was terminated), or a call deadlocked."""
    NOT_NOW = "not-now"
    """The DLL stayed online and said "not now" (OFFLINE_BUSY / THROTTLED)."""
    REFUSED = "refused"
    """The DLL stayed online and refused the offline (DESTINATION_REJECTED, or no reason given)."""
    CANCELLED = "cancelled"
    """Cancel reached the DLL and it went back online."""


@dataclass(frozen=True)
class Settled:
    """The end of one Online / Offline: what happened, the Win32 code for it, the DLL's status flags."""

    outcome: Outcome
    code: int
    flags: ResourceStatusFlags = field(default_factory=lambda: ResourceStatusFlags(0))


class Pending:
    """An Online / Offline that returned ERROR_IO_PENDING and waits for status reports."""

    __slots__ = ("cancel_requested", "checkpoint", "kind", "last_report", "settled", "span")

    def __init__(self, env: simpy.Environment, kind: str, span: int | None) -> None:
        self.kind = kind
        self.span = span
        self.checkpoint = -1
        self.last_report = float(env.now)
        self.settled = env.event()
        self.cancel_requested = False


class Instance:
    """One resource opened in this node's monitor: the DLL object and the monitor's bookkeeping."""

    def __init__(self, resource: Resource, dll: ResourceDll, handle: str) -> None:
        self.resource = resource
        self.dll = dll
        self.handle = handle
        self.resid: object = None
        self.busy: simpy.Event | None = None
        """Set while an entry point other than Terminate runs."""
        self.pending: Pending | None = None
        self.terminated = False
        """Terminate was called and no Online / Offline started since."""
        self.workers: list[ClusWorker] = []


FailureHandler = Callable[[Resource, FAILURE_TYPE, int], None]


class Rhs:
    """The Resource Monitor of one node."""

    def __init__(self, ctx: RunContext, node: Node, on_failure: FailureHandler, seed: int) -> None:
        self.ctx = ctx
        self.node = node
        self.on_failure = on_failure
        self.seed = seed
        self.instances: dict[str, Instance] = {}

    # -- operations the cluster asks for -----------------------------------------------------------------

    def open(self, res: Resource, factory: Callable[[], ResourceDll]) -> Step:
        """Load the DLL object for ``res`` and call OpenV2; True when the instance exists."""
        ctx = self.ctx
        made = ctx.call_user("StartupEx", res.name, lambda: _prepare(factory(), self, res))
        if not made.ok:
            ctx.resource_state(res, FAILED, actor="rhs", section="§2.1")
            return False
        inst: Instance = made.value
        self.instances[res.name] = inst
        key = MappingProxyType(dict(res.private))
        how, resid, _ = yield from self._entry(
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
            ctx.resource_state(res, FAILED, actor="rhs", section="§2.2")
            return False
        inst.resid = resid
        ctx.resource_state(res, OFFLINE, actor="rhs", section="§2.2")
        return True

    def close(self, res: Resource) -> Step:
        """Call Close and forget the instance (its workers run on until they end)."""
        inst = self.instances.get(res.name)
        if inst is None:
            return
        yield from self._entry(inst, "Close", {"Resource": _shown(inst.resid)}, (inst.resid,), "void")
        self.instances.pop(res.name, None)
        res.locked = res.locked_keeps_queue = False  # locked mode belonged to the instance just closed

    def online(self, res: Resource, flags: OnlineFlags, in_buffer: PropertyList | None) -> Step:
        """OnlineV2 and its pending protocol; returns a `Settled`."""
        inst = self.instances[res.name]
        inst.terminated = False
        args = {
            "Resource": _shown(inst.resid),
            "OnlineFlags": int(flags),
            "InBuffer": _shown_buffer(in_buffer),
            "InBufferSize": property_list_size(in_buffer),
            "Reserved": 0,
        }
        call = (inst.resid, flags, _frozen(in_buffer), args["InBufferSize"], 0)
        how, code, span = yield from self._entry(inst, "OnlineV2", args, call, "dword")
        if how == "deadlock":
            return Settled(Outcome.FAILED, code)
        if inst.terminated:  # Terminate overlapped the call: whatever it returns, the resource is stopped
            return Settled(Outcome.FAILED, ERROR_OPERATION_ABORTED)
        ok = how == "ok"
        if ok and code == ERROR_IO_PENDING:
            self.ctx.resource_state(res, ONLINE_PENDING, actor="rhs", section="§4")
            return (yield from self._await(inst, "OnlineV2", span))
        if ok and code == ERROR_SUCCESS:
            self.ctx.resource_state(res, ONLINE, actor="rhs", section="§2.4")
            return Settled(Outcome.DONE, ERROR_SUCCESS)
        return (yield from self._error_return(inst, "OnlineV2", code if ok else None, FAILED))

    def offline(
        self,
        res: Resource,
        flags: OfflineFlags,
        destination: str | None,
        in_buffer: PropertyList | None,
        on_pending: Callable[[], None] = lambda: None,
    ) -> Step:
        """OfflineV2 and the pending protocol; returns a `Settled`. ``on_pending`` runs on IO_PENDING."""
        ctx = self.ctx
        inst = self.instances[res.name]
        inst.terminated = False
        ctx.offline_flags.append(int(flags))
        args = {
            "Resource": _shown(inst.resid),
            "DestinationNodeName": destination,
            "OfflineFlags": int(flags),
            "InBuffer": _shown_buffer(in_buffer),
            "InBufferSize": property_list_size(in_buffer),
            "Reserved": 0,
        }
        call = (inst.resid, destination, flags, _frozen(in_buffer), args["InBufferSize"], 0)
        how, code, span = yield from self._entry(inst, "OfflineV2", args, call, "dword")
        if how == "deadlock":
            return Settled(Outcome.FAILED, code)
        if inst.terminated:
            return Settled(Outcome.TERMINATED, ERROR_OPERATION_ABORTED)
        ok = how == "ok"
        if ok and code == ERROR_IO_PENDING:
            ctx.resource_state(res, OFFLINE_PENDING, actor="rhs", section="§4")
            on_pending()
            return (yield from self._await(inst, "OfflineV2", span))
        if ok and code == ERROR_SUCCESS and ctx.policy.error_return_rule == "teach":
            ctx.resource_state(res, OFFLINE, actor="rhs", section="§2.5")
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
        how, code, _ = yield from self._entry(
            inst,
            "Cancel",
            {"Resource": _shown(inst.resid), "CancelFlags_RESERVED": 0},
            (inst.resid, 0),
            "dword",
        )
        if how == "ok" and code == ERROR_SUCCESS:
            pending.cancel_requested = True
        return code if how == "ok" else None

    def terminate(self, res: Resource, then: str | None) -> Step:
        """Call Terminate; the resource goes to ``then`` (None: stays as it is)."""
        inst = self.instances.get(res.name)
        if inst is not None:
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
                    ref=_sheet("§2.6"),
                )
                stopped = Outcome.TERMINATED if pending.kind == "OfflineV2" else Outcome.FAILED
                pending.settled.succeed(Settled(stopped, ERROR_OPERATION_ABORTED))
            for worker in inst.workers:
                worker.monitor_terminated = True
            yield from self._entry(inst, "Terminate", {"Resource": _shown(inst.resid)}, (inst.resid,), "void")
        if then is not None:
            self.ctx.resource_state(res, then, actor="rhs", section="§2.6")

    def is_pending(self, res: Resource) -> bool:
        inst = self.instances.get(res.name)
        return inst is not None and inst.pending is not None

    # -- the pending protocol ----------------------------------------------------------------------------

    def _await(self, inst: Instance, routine: str, span: int | None) -> Step:
        ctx, env, res = self.ctx, self.ctx.env, inst.resource
        pending = Pending(env, routine, span)
        inst.pending = pending
        limit = res.properties["PendingTimeout"]
        while not pending.settled.triggered:
            left = pending.last_report + limit - env.now
            if left <= 0:
                break
            yield pending.settled | env.timeout(left)
        if pending.settled.triggered:
            settled = cast(Settled, pending.settled.value)
            if settled.outcome is Outcome.FAILED and not inst.terminated:
                then = self._terminated_state() if routine == "OfflineV2" else None
                yield from self.terminate(res, then)
                if routine == "OfflineV2":
                    return Settled(Outcome.TERMINATED, settled.code, settled.flags)
            return settled
        inst.pending = None
        ctx.fault(
            "PendingTimeout",
            subject=res.name,
            rule=f"no status report for PendingTimeout ({limit} ms) since the last one at "
            f"{pending.last_report:g} ms; the monitor calls Terminate",
            routine=routine,
            section="§4",
            PendingTimeout=limit,
        )
        ctx.record(
            Kind.COMPLETE,
            routine,
            actor="rhs",
            subject=res.name,
            span=span,
            result=ERROR_TIMEOUT,
            ref=_sheet("§4"),
        )
        final = self._terminated_state() if routine == "OfflineV2" else FAILED
        yield from self.terminate(res, final)
        return Settled(Outcome.TERMINATED if routine == "OfflineV2" else Outcome.FAILED, ERROR_TIMEOUT)

    def report(self, inst: Instance, handle: object, status: object) -> int:
        """SetResourceStatusEx as the DLL calls it; returns a RESOURCE_EXIT_STATE."""
        ctx = self.ctx
        if isinstance(status, RESOURCE_STATUS_EX):
            args: dict[str, Any] = {
                "ResourceHandle": _shown(handle),
                "ResourceState": _int_or_text(status.ResourceState),
                "CheckPoint": _int_or_text(status.CheckPoint),
                "StatusFlags": _flags_or_zero(status.Flags),
                "ApplicationSpecificErrorCode": _int_or_text(status.ApplicationSpecificErrorCode),
            }
        else:
            args = {"ResourceHandle": _shown(handle), "ResourceStatus": type(status).__name__}
        call = ctx.record(
            Kind.CALL,
            "SetResourceStatusEx",
            actor=ctx.actor,
            subject=inst.resource.name,
            args=args,
            ref=_sheet("§4"),
        )
        exit_state = self._judge(inst, handle, status)
        ctx.record(
            Kind.RETURN,
            "SetResourceStatusEx",
            actor="rhs",
            subject=inst.resource.name,
            result=int(exit_state),
            result_name=exit_state.name,
            span=call.span,
            ref=_sheet("§4"),
        )
        return int(exit_state)

    def _judge(self, inst: Instance, handle: object, status: object) -> RESOURCE_EXIT_STATE:
        ctx, res, worker = self.ctx, inst.resource, self.ctx.worker
        if handle != inst.handle:
            self._bad_call(
                "UnknownHandle", inst, f"got ResourceHandle {_shown(handle)}; OpenV2 gave {inst.handle}"
            )
            return RESOURCE_EXIT_STATE.ResourceExitStateContinue
        if worker.monitor_terminated if worker is not None else inst.terminated:
            if worker is not None:
                self._told_to_stop(worker, res)
            return RESOURCE_EXIT_STATE.ResourceExitStateTerminate
        if not isinstance(status, RESOURCE_STATUS_EX):
            self._bad_call(
                "BadArgument",
                inst,
                f"ResourceStatus must be a RESOURCE_STATUS_EX, not {type(status).__name__}",
            )
            return RESOURCE_EXIT_STATE.ResourceExitStateContinue
        pending = inst.pending
        if pending is None:
            ctx.fault(
                "StatusWithoutPending",
                subject=res.name,
                rule="SetResourceStatusEx is only allowed after OnlineV2 / OfflineV2 returned "
                "ERROR_IO_PENDING and until the operation settled; the report is ignored",
                routine="SetResourceStatusEx",
                section="§4",
            )
            return RESOURCE_EXIT_STATE.ResourceExitStateContinue
        state, checkpoint = status.ResourceState, status.CheckPoint
        if not _is_int(state) or state not in _REPORTABLE:
            self._bad_call(
                "InvalidResourceState", inst, f"ResourceState {state!r} is not a state a DLL may report"
            )
            return RESOURCE_EXIT_STATE.ResourceExitStateContinue
        if not _is_int(checkpoint) or checkpoint <= pending.checkpoint:
            ctx.fault(
                "CheckPointNotIncreasing",
                subject=res.name,
                rule=f"CheckPoint {checkpoint!r} does not grow (last accepted {pending.checkpoint}); "
                "the monitor does not see a new report",
                routine="SetResourceStatusEx",
                section="§4",
            )
            return RESOURCE_EXIT_STATE.ResourceExitStateContinue
        pending.checkpoint = checkpoint
        pending.last_report = float(ctx.env.now)
        flags = ResourceStatusFlags(_flags_or_zero(status.Flags))
        end = self._classify(inst, pending, int(state), flags)
        if end is not None:
            settled, new_state, evidence = end
            inst.pending = None
            ctx.record(
                Kind.COMPLETE,
                pending.kind,
                actor="rhs",
                subject=res.name,
                span=pending.span,
                result=settled.code,
                args={"ResourceState": int(state), "StatusFlags": int(flags)},
                evidence=evidence,
                ref=_sheet("§4"),
            )
            ctx.resource_state(res, new_state, actor="rhs", section="§4", evidence=evidence)
            pending.settled.succeed(settled)
        return RESOURCE_EXIT_STATE.ResourceExitStateContinue

    def _told_to_stop(self, worker: ClusWorker, res: Resource) -> None:
        """A worker answered ResourceExitStateTerminate must end; its next report breaks that rule (once)."""
        ctx = self.ctx
        told = worker.told_to_stop_at
        if told is None:
            worker.told_to_stop_at = float(ctx.env.now)
        elif not worker.stop_ignored:
            worker.stop_ignored = True
            ctx.fault(
                "IgnoredTerminate",
                subject=res.name,
                rule=f"{worker.name} reported again after SetResourceStatusEx answered "
                f"ResourceExitStateTerminate at {told:g} ms; the DLL must then end the operation and "
                "all its workers at once",
                routine="SetResourceStatusEx",
                section="§4",
                actor=worker.name,
            )

    def _classify(
        self, inst: Instance, pending: Pending, state: int, flags: ResourceStatusFlags
    ) -> tuple[Settled, str, Evidence] | None:
        """What a report means for the pending operation; None for progress (or a wrong state)."""
        documented, inferred = Evidence.DOCUMENTED, Evidence.INFERRED
        if state in _FAILURE_STATES:
            return Settled(Outcome.FAILED, ERROR_RESOURCE_FAILED, flags), FAILED, documented
        offline = pending.kind == "OfflineV2"
        progress = S.ClusterResourceOfflinePending if offline else S.ClusterResourceOnlinePending
        if state == progress:
            return None
        if offline and state == S.ClusterResourceOffline:
            return Settled(Outcome.DONE, ERROR_SUCCESS, flags), OFFLINE, documented
        if not offline and state == S.ClusterResourceOnline:
            return Settled(Outcome.DONE, ERROR_SUCCESS, flags), ONLINE, documented
        if offline and state == S.ClusterResourceOnline:
            if pending.cancel_requested:
                return Settled(Outcome.CANCELLED, ERROR_CANCELLED, flags), ONLINE, inferred
            if flags & ResourceStatusFlags.OFFLINE_DESTINATION_REJECTED:
                code = ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES
                return Settled(Outcome.REFUSED, code, flags), ONLINE, inferred
            if flags & NOT_NOW:
                return Settled(Outcome.NOT_NOW, ERROR_CLUSTER_GROUP_BUSY, flags), ONLINE, inferred
            return Settled(Outcome.REFUSED, ERROR_RESOURCE_ONLINE, flags), ONLINE, inferred
        if not offline and state == S.ClusterResourceOffline:
            return Settled(Outcome.FAILED, ERROR_RESOURCE_FAILED, flags), FAILED, inferred
        self._bad_call(
            "InvalidResourceState",
            inst,
            f"{state_name(state)} is not a state to report while {pending.kind} is pending",
        )
        return None

    def _error_return(self, inst: Instance, routine: str, code: int | None, then: str) -> Step:
        """The V1 rule (G3): an error return is logged as an event, then the monitor calls Terminate."""
        res = inst.resource
        shown = "misbehaved" if code is None else f"returned {error_name(code, 'cluster')} ({code})"
        self.ctx.note(
            "EventLog",
            actor="rhs",
            subject=res.name,
            section="§2.5, G3",
            evidence=Evidence.DOCUMENTED,
            message=f"{routine} of resource {res.name} {shown}; the monitor calls Terminate",
        )
        yield from self.terminate(res, then)
        code = ERROR_RESOURCE_FAILED if code is None else code
        return Settled(Outcome.TERMINATED if routine == "OfflineV2" else Outcome.FAILED, code)

    def _terminated_state(self) -> str:
        return FAILED if self.ctx.policy.terminated_state == "failed" else OFFLINE

    def _bad_call(self, name: str, inst: Instance, rule: str) -> None:
        self.ctx.fault(
            name, subject=inst.resource.name, rule=rule, routine="SetResourceStatusEx", section="§2.11"
        )

    # -- calling user code -------------------------------------------------------------------------------

    def _entry(
        self,
        inst: Instance,
        routine: str,
        args: Mapping[str, Any],
        call_args: tuple[Any, ...],
        returns: str,
    ) -> Step:
        """Call one entry point; returns ``(how, value, span)``.

        ``how`` is ``ok``, ``bad`` (the routine misbehaved; a fault is recorded) or ``deadlock`` (it did not
        return within DeadlockTimeout: the instance is gone and the resource Failed). ``returns`` says what
        the routine must return: ``dword``, ``void`` or ``resid``.
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
            ref=_sheet(_ENTRY_REFS.get(routine, "§2")),
        )
        ctx.calls[routine] += 1
        start = env.now
        outcome = ctx.call_user(routine, res.name, getattr(inst.dll, routine), *call_args)
        ok, value = outcome.ok, outcome.value
        how = "returned"
        if ok and inspect.isgenerator(value):
            how, value = yield from self.drive(
                value, routine, res, deadline=start + res.properties["DeadlockTimeout"]
            )
            ok = how == "returned"
        if how == "deadlock":
            ctx.fault(
                "DeadlockTimeout",
                subject=res.name,
                rule=f"{routine} did not return within DeadlockTimeout "
                f"({res.properties['DeadlockTimeout']} ms); the real RHS would be killed and restarted; "
                "labkit abandons the call and the resource fails",
                routine=routine,
                section="§3",
            )
            # The DLL never returns; the monitor gives up on the call, which closes its span.
            ctx.record(
                Kind.RETURN,
                routine,
                actor="rhs",
                subject=res.name,
                span=call.span,
                args={"abandoned": "DeadlockTimeout"},
                evidence=Evidence.INFERRED,
            )
            self.instances.pop(res.name, None)
            ctx.resource_state(res, FAILED, actor="rhs", section="§3")
        else:
            if ok:
                ok, value = self._check_return(routine, value, returns, res)
            result = value if ok and returns == "dword" else None
            extra = {"Resource": _shown(value)} if ok and returns == "resid" else {}
            ctx.record(
                Kind.RETURN, routine, actor="dll", subject=res.name, result=result, span=call.span, args=extra
            )
            if env.now - start > SLOW_CALL_MS:
                ctx.fault(
                    "SlowEntryPoint",
                    subject=res.name,
                    rule=f"{routine} took {env.now - start:g} ms of virtual time; entry points should return "
                    f"within {SLOW_CALL_MS} ms and leave long work to a worker",
                    routine=routine,
                    section="§3",
                    severity="warning",
                )
        if exclusive and inst.busy is not None:
            inst.busy.succeed()
            inst.busy = None
        if how == "deadlock":
            return "deadlock", ERROR_RESOURCE_CALL_TIMED_OUT, call.span
        return ("ok" if ok else "bad"), value, call.span

    def _check_return(self, routine: str, value: Any, returns: str, res: Resource) -> tuple[bool, Any]:
        if returns == "resid":
            return True, value
        if returns == "void":
            good, expected = value is None, "nothing (VOID)"
        else:
            good, expected = _is_int(value) and 0 <= value <= 0xFFFF, "a Win32 error code (0..65535)"
        if good:
            return True, value
        self.ctx.fault(
            "BadReturnValue",
            subject=res.name,
            rule=f"{routine} returned {_described(value)}; it must return {expected}",
            routine=routine,
            section="§2",
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
        spins = 0
        while True:
            step = ctx.call_user(routine, res.name, _advance, gen, actor=actor, worker=worker)
            if not step.ok:
                return "misbehaved", None
            done, value = step.value
            if done:
                return "returned", value
            if not _is_sleep(value):
                ctx.fault(
                    "BadReturnValue",
                    subject=res.name,
                    rule=f"{routine} yielded {_described(value)}; workers may only yield monitor.sleep(ms)",
                    routine=routine,
                    section="§3",
                    actor=actor,
                )
                ctx.call_user(routine, res.name, gen.close, actor=actor, worker=worker)
                return "misbehaved", None
            spins = spins + 1 if value.ms == 0 else 0
            if spins > SPIN_LIMIT:
                ctx.fault(
                    "NoProgress",
                    subject=res.name,
                    rule=f"{routine} yielded monitor.sleep(0) {SPIN_LIMIT} times in a row; virtual time "
                    "cannot advance, so labkit stops it",
                    routine=routine,
                    section="§3",
                    actor=actor,
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
        ctx.note(
            "WorkerEnded",
            actor=worker.name,
            subject=res.name,
            section="§3",
            evidence=Evidence.DOCUMENTED,
            how=how,
        )


class Callbacks:
    """`resdll.Monitor` for one instance: what ``self.monitor`` is inside a DLL object."""

    def __init__(self, rhs: Rhs, inst: Instance) -> None:
        self._rhs = rhs
        self._inst = inst

    @property
    def now(self) -> float:
        return float(self._rhs.ctx.env.now)

    @property
    def network_up(self) -> bool:
        return self._rhs.node.network_up

    def sleep(self, ms: float) -> Sleep:
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not ms >= 0:
            raise ValueError(f"monitor.sleep needs a number of milliseconds >= 0, not {ms!r}")
        return Sleep(float(ms))

    def SetResourceStatusEx(self, ResourceHandle: str, ResourceStatus: RESOURCE_STATUS_EX) -> int:
        return self._rhs.report(self._inst, ResourceHandle, ResourceStatus)

    def LogEvent(self, ResourceHandle: str, LogLevel: LOG_LEVEL | int, FormatString: str, *args: Any) -> None:
        try:
            text = FormatString % args if args else str(FormatString)
        except (TypeError, ValueError):
            text = " ".join([str(FormatString), *map(str, args)])
        level = LOG_LEVEL(LogLevel).name if LogLevel in LOG_LEVEL._value2member_map_ else str(LogLevel)
        self._helper("LogEvent", ResourceHandle, {"LogLevel": level, "FormatString": text}, None)

    def SetResourceLockedMode(
        self, ResourceHandle: str, LockedModeEnabled: bool, LockedModeReason: int = 0
    ) -> int:
        return self.SetResourceLockedModeEx(
            ResourceHandle, LockedModeEnabled, LockedModeReason, 0, name="SetResourceLockedMode"
        )

    def SetResourceLockedModeEx(
        self,
        ResourceHandle: str,
        LockedModeEnabled: bool,
        LockedModeReason: int,
        LockedModeFlags: int,
        *,
        name: str = "SetResourceLockedModeEx",
    ) -> int:
        args = {
            "LockedModeEnabled": bool(LockedModeEnabled),
            "LockedModeReason": _int_or_text(LockedModeReason),
        }
        if name.endswith("Ex"):
            args["LockedModeFlags"] = _int_or_text(LockedModeFlags)
        if not self._helper(name, ResourceHandle, args, ERROR_SUCCESS):
            return ERROR_INVALID_HANDLE
        res = self._inst.resource
        res.locked = bool(LockedModeEnabled)
        res.locked_keeps_queue = res.locked and bool(
            _int(LockedModeFlags) & LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE
        )
        return ERROR_SUCCESS

    def SignalFailure(
        self, ResourceHandle: str, FailureType: FAILURE_TYPE | int, ApplicationSpecificErrorCode: int = 0
    ) -> int:
        rhs = self._rhs
        args = {
            "FailureType": _int_or_text(FailureType),
            "ApplicationSpecificErrorCode": _int_or_text(ApplicationSpecificErrorCode),
        }
        if not self._helper("SignalFailure", ResourceHandle, args, ERROR_SUCCESS):
            return ERROR_INVALID_HANDLE
        kind = _int(FailureType)
        if not rhs.ctx.profile.signal_failure_has_type:
            # Windows Server 2012 declares BOOL IsEmbeddedFailure in this position (G11).
            kind = FAILURE_TYPE.FAILURE_TYPE_EMBEDDED if kind else FAILURE_TYPE.FAILURE_TYPE_GENERAL
            rhs.ctx.note(
                "SignalFailureAsBool",
                actor="rhs",
                subject=self._inst.resource.name,
                section="§2.11",
                IsEmbeddedFailure=bool(kind),
            )
        if kind not in FAILURE_TYPE._value2member_map_:
            self._rhs._bad_call(
                "BadArgument", self._inst, f"FailureType {FailureType!r} is not a FAILURE_TYPE"
            )
            return ERROR_SUCCESS
        rhs.on_failure(self._inst.resource, FAILURE_TYPE(kind), _int(ApplicationSpecificErrorCode))
        return ERROR_SUCCESS

    def ClusWorkerCreate(self, StartAddress: WorkerRoutine, Parameter: Any = None) -> ClusWorker:
        rhs, ctx = self._rhs, self._rhs.ctx
        worker = ctx.next_worker()
        res = self._inst.resource
        call = ctx.record(
            Kind.CALL,
            "ClusWorkerCreate",
            actor=ctx.actor,
            subject=res.name,
            args={"Worker": worker.name},
            ref=_sheet("§3"),
        )
        self._inst.workers.append(worker)
        ctx.spawn(rhs.run_worker(self._inst, worker, StartAddress, Parameter))
        ctx.record(
            Kind.RETURN,
            "ClusWorkerCreate",
            actor="rhs",
            subject=res.name,
            result=ERROR_SUCCESS,
            span=call.span,
        )
        return worker

    def ClusWorkerCheckTerminate(self, Worker: ClusWorker) -> bool:
        return bool(Worker.terminate_requested)

    def ClusWorkerTerminate(self, Worker: ClusWorker) -> None:
        ctx = self._rhs.ctx
        call = ctx.record(
            Kind.CALL,
            "ClusWorkerTerminate",
            actor=ctx.actor,
            subject=self._inst.resource.name,
            args={"Worker": getattr(Worker, "name", str(Worker))},
            ref=_sheet("§3"),
        )
        Worker.terminate_requested = True
        ctx.record(
            Kind.RETURN, "ClusWorkerTerminate", actor="rhs", subject=self._inst.resource.name, span=call.span
        )

    def _helper(self, name: str, handle: object, args: dict[str, Any], result: int | None) -> bool:
        """Record a callback as call + return; False (and a fault) when the handle is not this resource's."""
        ctx, inst = self._rhs.ctx, self._inst
        call = ctx.record(
            Kind.CALL,
            name,
            actor=ctx.actor,
            subject=inst.resource.name,
            args={"ResourceHandle": _shown(handle), **args},
            ref=_sheet("§2.11"),
        )
        good = handle == inst.handle
        if not good:
            self._rhs._bad_call(
                "UnknownHandle",
                inst,
                f"{name} got ResourceHandle {_shown(handle)}; OpenV2 gave {inst.handle}",
            )
            result = ERROR_INVALID_HANDLE if result is not None else None
        ctx.record(Kind.RETURN, name, actor="rhs", subject=inst.resource.name, result=result, span=call.span)
        return good


# -- helpers -------------------------------------------------------------------------------------------------


def _prepare(dll: ResourceDll, rhs: Rhs, res: Resource) -> Instance:
    if not isinstance(dll, ResourceDll):
        raise TypeError(f"a DLL factory must return a labkit.cluster.ResourceDll, not {type(dll).__name__}")
    inst = Instance(res, dll, rhs.ctx.next_handle())
    dll.monitor = Callbacks(rhs, inst)
    dll.node = rhs.node.name
    dll.random = random.Random(f"{rhs.seed}/{rhs.node.name}/{res.name}")  # noqa: S311 - simulation, not security
    return inst


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


def _sheet(section: str) -> str:
    return f"cluster-offline {section}"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value: object) -> int:
    return int(value) if _is_int(value) or isinstance(value, bool) else 0


def _int_or_text(value: object) -> int | str:
    return int(value) if _is_int(value) else _described(value)


def _flags_or_zero(value: object) -> int:
    return int(value) & ResourceStatusFlags.mask() if _is_int(value) else 0


def _described(value: object) -> str:
    """A deterministic description of a value for the trace (no memory addresses)."""
    if value is None or isinstance(value, bool | int | float | str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


def _shown(value: object) -> str | None:
    """A handle or RESID as the trace shows it."""
    if value is None:
        return None
    if _is_int(value):
        return hex(value)
    if isinstance(value, str):
        return value
    return f"<{type(value).__name__}>"


def _shown_buffer(buffer: PropertyList | None) -> dict[str, int] | None:
    return None if buffer is None else {str(k): int(v) for k, v in buffer.items()}


def _frozen(buffer: PropertyList | None) -> PropertyList | None:
    return None if buffer is None else MappingProxyType(dict(buffer))


def property_list_size(buffer: PropertyList | None) -> int:
    """cbInBufferSize of a property list of DWORD values, as CLUSPROP encodes it.

    A DWORD count, then per property a CLUSPROP_PROPERTY_NAME (syntax, length, UTF-16 name with its NUL,
    padded to 4 bytes) and a CLUSPROP_DWORD (syntax, length, value), then an endmark.
    """
    if not buffer:
        return 0
    size = 4
    for name in buffer:
        name_bytes = (len(str(name)) + 1) * 2
        size += 8 + (name_bytes + 3) // 4 * 4 + 12 + 4
    return size
