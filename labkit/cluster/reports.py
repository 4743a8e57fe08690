"""Status reports: SetResourceStatusEx as the DLL calls it, judged against the pending protocol (§4).

A report is recorded as a call and its return (a RESOURCE_EXIT_STATE). The monitor checks it in order —
the handle OpenV2 gave, whether Terminate already stopped the operation (then the answer is
ResourceExitStateTerminate), the argument's type, an operation pending, a state a DLL may report, a
CheckPoint that changed (and grew, for a report that the operation is still pending) — and then asks
`labkit.cluster.pending.classify` what the report does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labkit.cluster import rules as R
from labkit.cluster.entrypoints import EntryPoints
from labkit.cluster.instance import Instance
from labkit.cluster.pending import PENDING_STATES, PROGRESS, REPORTABLE, Pending, Settled, Settles, classify
from labkit.cluster.resdll import RESOURCE_STATUS_EX, ClusWorker
from labkit.cluster.values import flags_or_zero, int_or_text, is_int, shown
from labkit.trace import Kind, Rule
from labkit.winapi import RESOURCE_EXIT_STATE, ResourceStatusFlags, state_name

CONTINUE, TERMINATE = (
    RESOURCE_EXIT_STATE.ResourceExitStateContinue,
    RESOURCE_EXIT_STATE.ResourceExitStateTerminate,
)

Check = tuple[str, Rule, Callable[[Pending | None, Any], str | None]]


def _no_pending(pending: Pending | None, status: Any) -> str | None:
    if pending is not None:
        return None
    return (
        "SetResourceStatusEx is only allowed after OnlineV2 / OfflineV2 returned "
        "ERROR_IO_PENDING and until the operation settled; the report is ignored"
    )


def _not_reportable(pending: Pending | None, status: Any) -> str | None:
    state = status.ResourceState
    if is_int(state) and state in REPORTABLE:
        return None
    return f"ResourceState {state!r} is not a state a DLL may report"


def _checkpoint_not_growing(pending: Pending | None, status: Any) -> str | None:
    assert pending is not None
    checkpoint = status.CheckPoint
    if status.ResourceState not in PENDING_STATES or (is_int(checkpoint) and checkpoint > pending.checkpoint):
        return None
    return (
        f"CheckPoint {checkpoint!r} does not grow (last accepted {pending.checkpoint}); a report that the "
        "resource is still pending must carry a greater one"
    )


def _checkpoint_unchanged(pending: Pending | None, status: Any) -> str | None:
    assert pending is not None
    checkpoint = status.CheckPoint
    if is_int(checkpoint) and checkpoint != pending.checkpoint:
        return None
    return (
        f"CheckPoint {checkpoint!r} is the one last accepted; the monitor reads a report only when its "
        "CheckPoint changed, so it does not see this one"
    )


REPORT_CHECKS: tuple[Check, ...] = (
    ("StatusWithoutPending", R.STATUS_ONLY_PENDING, _no_pending),
    ("InvalidResourceState", R.REPORTABLE_STATES, _not_reportable),
    ("CheckPointNotIncreasing", R.CHECKPOINT_GREATER, _checkpoint_not_growing),
    ("CheckPointUnchanged", R.CHECKPOINT_CHANGED, _checkpoint_unchanged),
)
"""What a RESOURCE_STATUS_EX report must satisfy, in order: (fault name, the rule, a check saying how the
report breaks it, or None). The first broken rule is a fault and the report is ignored."""


class StatusReports(EntryPoints):
    """The part of a node's monitor that takes status reports."""

    def report(self, inst: Instance, handle: object, status: object) -> int:
        """SetResourceStatusEx as the DLL calls it; returns a RESOURCE_EXIT_STATE."""
        ctx = self.ctx
        call = ctx.record(
            Kind.CALL,
            "SetResourceStatusEx",
            actor=ctx.actor,
            subject=inst.resource.name,
            args=_report_args(handle, status),
            rule=R.STATUS_REPORT,
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
            rule=R.EXIT_STATE,
        )
        return int(exit_state)

    def _judge(self, inst: Instance, handle: object, status: object) -> RESOURCE_EXIT_STATE:
        worker = self.ctx.worker
        if handle != inst.handle:
            what = f"got ResourceHandle {shown(handle)}; OpenV2 gave {inst.handle}"
            self.bad_call("UnknownHandle", inst, what, R.RESOURCE_HANDLE)
            return CONTINUE
        if worker.monitor_terminated if worker is not None else inst.terminated:
            if worker is not None:
                self._told_to_stop(worker, inst)
            return TERMINATE
        if not isinstance(status, RESOURCE_STATUS_EX):
            what = f"ResourceStatus must be a RESOURCE_STATUS_EX, not {type(status).__name__}"
            self.bad_call("BadArgument", inst, what, R.CALLBACK_TYPES)
            return CONTINUE
        pending = inst.pending
        for name, rule, check in REPORT_CHECKS:
            broken = check(pending, status)
            if broken is not None:
                self.bad_call(name, inst, broken, rule)
                return CONTINUE
        assert pending is not None
        pending.checkpoint = status.CheckPoint
        pending.last_report = float(self.ctx.env.now)
        self._accept(inst, pending, status.ResourceState, ResourceStatusFlags(flags_or_zero(status.Flags)))
        return CONTINUE

    def _accept(self, inst: Instance, pending: Pending, state: int, flags: ResourceStatusFlags) -> None:
        """A valid report: progress, the end of the operation, or a state wrong for what is pending."""
        ctx, res = self.ctx, inst.resource
        action = classify(pending, state, flags)
        if action is PROGRESS:
            return
        if not isinstance(action, Settles):
            what = f"{state_name(state)} is not a state to report while {pending.kind} is pending"
            self.bad_call("InvalidResourceState", inst, what, R.REPORTABLE_STATES)
            return
        inst.pending = None
        ctx.record(
            Kind.COMPLETE,
            pending.kind,
            actor="rhs",
            subject=res.name,
            span=pending.span,
            result=action.code,
            args={"ResourceState": int(state), "StatusFlags": int(flags)},
            rule=action.rule,
        )
        ctx.resource_state(res, action.state, action.rule, actor="rhs")
        pending.settled.succeed(Settled(action.outcome, action.code, flags))

    def _told_to_stop(self, worker: ClusWorker, inst: Instance) -> None:
        """A worker answered ResourceExitStateTerminate must end; its next report breaks that rule (once)."""
        ctx = self.ctx
        told = worker.told_to_stop_at
        if told is None:
            worker.told_to_stop_at = float(ctx.env.now)
        elif not worker.stop_ignored:
            worker.stop_ignored = True
            ctx.fault(
                "IgnoredTerminate",
                R.EXIT_STATE,
                subject=inst.resource.name,
                what=f"{worker.name} reported again after SetResourceStatusEx answered "
                f"ResourceExitStateTerminate at {told:g} ms; the DLL must then end the operation and "
                "all its workers at once",
                routine="SetResourceStatusEx",
                actor=worker.name,
            )

    def bad_call(self, name: str, inst: Instance, what: str, rule: Rule) -> None:
        """A callback the DLL got wrong: a fault saying how it broke ``rule``; the call is ignored."""
        self.ctx.fault(name, rule, subject=inst.resource.name, what=what, routine="SetResourceStatusEx")


def _report_args(handle: object, status: object) -> dict[str, Any]:
    """The arguments of a SetResourceStatusEx call as the trace shows them."""
    if not isinstance(status, RESOURCE_STATUS_EX):
        return {"ResourceHandle": shown(handle), "ResourceStatus": type(status).__name__}
    return {
        "ResourceHandle": shown(handle),
        "ResourceState": int_or_text(status.ResourceState),
        "CheckPoint": int_or_text(status.CheckPoint),
        "StatusFlags": flags_or_zero(status.Flags),
        "ApplicationSpecificErrorCode": int_or_text(status.ApplicationSpecificErrorCode),
    }
