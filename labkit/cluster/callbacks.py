"""The callbacks a resource DLL gets as ``self.monitor`` (`labkit.cluster.resdll.Monitor`), per instance.

Each is recorded as a call by whoever runs DLL code now (``dll`` or ``worker:<n>``) and the monitor's
return. A handle that is not the instance's is an ``UnknownHandle`` fault and the call fails with
ERROR_INVALID_HANDLE. SetResourceStatusEx goes to `labkit.cluster.reports`; workers run in virtual time
through `labkit.cluster.entrypoints.EntryPoints.run_worker`.
"""

from __future__ import annotations

from typing import Any

from labkit.cluster import rules as R
from labkit.cluster.instance import Instance
from labkit.cluster.reports import StatusReports
from labkit.cluster.resdll import RESOURCE_STATUS_EX, ClusWorker, Sleep, WorkerRoutine
from labkit.cluster.values import as_int, int_or_text, shown
from labkit.trace import Kind, Rule
from labkit.winapi import (
    ERROR_INVALID_HANDLE,
    ERROR_SUCCESS,
    FAILURE_TYPE,
    LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE,
    LOG_LEVEL,
)

CALLBACK_RULES: dict[str, Rule] = {
    "LogEvent": R.LOG_EVENT,
    "SetResourceLockedMode": R.LOCKED_MODE,
    "SetResourceLockedModeEx": R.LOCKED_MODE_EX,
    "SignalFailure": R.SIGNAL_FAILURE,
}
"""The rule each callback's call and return cite."""


class Callbacks:
    """`resdll.Monitor` for one instance: what ``self.monitor`` is inside a DLL object."""

    def __init__(self, rhs: StatusReports, inst: Instance) -> None:
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
            "LockedModeReason": int_or_text(LockedModeReason),
        }
        if name.endswith("Ex"):
            args["LockedModeFlags"] = int_or_text(LockedModeFlags)
        if not self._helper(name, ResourceHandle, args, ERROR_SUCCESS):
            return ERROR_INVALID_HANDLE
        res = self._inst.resource
        res.locked = bool(LockedModeEnabled)
        res.locked_keeps_queue = res.locked and bool(
            as_int(LockedModeFlags) & LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE
        )
        return ERROR_SUCCESS

    def SignalFailure(
        self, ResourceHandle: str, FailureType: FAILURE_TYPE | int, ApplicationSpecificErrorCode: int = 0
    ) -> int:
        rhs = self._rhs
        args = {
            "FailureType": int_or_text(FailureType),
            "ApplicationSpecificErrorCode": int_or_text(ApplicationSpecificErrorCode),
        }
        if not self._helper("SignalFailure", ResourceHandle, args, ERROR_SUCCESS):
            return ERROR_INVALID_HANDLE
        kind = as_int(FailureType)
        if not rhs.ctx.profile.signal_failure_has_type:
            # Windows Server 2012 declares BOOL IsEmbeddedFailure in this position (G11).
            kind = FAILURE_TYPE.FAILURE_TYPE_EMBEDDED if kind else FAILURE_TYPE.FAILURE_TYPE_GENERAL
            rhs.ctx.note(
                "SignalFailureAsBool",
                R.SIGNAL_FAILURE,
                actor="rhs",
                subject=self._inst.resource.name,
                IsEmbeddedFailure=bool(kind),
            )
        if kind not in FAILURE_TYPE._value2member_map_:
            what = f"FailureType {FailureType!r} is not a FAILURE_TYPE"
            self._rhs.bad_call("BadArgument", self._inst, what, R.CALLBACK_TYPES)
            return ERROR_SUCCESS
        rhs.host.on_failure(self._inst.resource, FAILURE_TYPE(kind), as_int(ApplicationSpecificErrorCode))
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
            rule=R.WORKERS,
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
            rule=R.WORKERS,
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
            rule=R.WORKERS,
        )
        Worker.terminate_requested = True
        ctx.record(
            Kind.RETURN,
            "ClusWorkerTerminate",
            actor="rhs",
            subject=self._inst.resource.name,
            span=call.span,
            rule=R.WORKERS,
        )

    def _helper(self, name: str, handle: object, args: dict[str, Any], result: int | None) -> bool:
        """Record a callback as call + return; False (and a fault) when the handle is not this resource's."""
        ctx, inst = self._rhs.ctx, self._inst
        call = ctx.record(
            Kind.CALL,
            name,
            actor=ctx.actor,
            subject=inst.resource.name,
            args={"ResourceHandle": shown(handle), **args},
            rule=CALLBACK_RULES[name],
        )
        good = handle == inst.handle
        if not good:
            what = f"{name} got ResourceHandle {shown(handle)}; OpenV2 gave {inst.handle}"
            self._rhs.bad_call("UnknownHandle", inst, what, R.RESOURCE_HANDLE)
            result = ERROR_INVALID_HANDLE if result is not None else None
        ctx.record(
            Kind.RETURN,
            name,
            actor="rhs",
            subject=inst.resource.name,
            result=result,
            span=call.span,
            rule=CALLBACK_RULES[name],
        )
        return good
