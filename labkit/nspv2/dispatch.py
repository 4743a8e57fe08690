"""Calling provider routines and recording what happens: calls, returns, states and broken rules.

The `Dispatcher` is the broker's recorder. It calls a provider routine under the user-code guard, records
the ``call`` and ``return`` events, and checks the return against the header's shape (reference nspv2
§1.2, §1.3): an INT routine returns NO_ERROR, or SOCKET_ERROR after WSASetLastError with a Winsock code;
a VOID routine returns nothing. Whatever breaks a rule becomes a ``fault`` event, never an exception.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from labkit import winapi
from labkit.engine.guard import Misbehaviour, UserCodeGuard
from labkit.engine.runloop import Runaway
from labkit.nspv2 import rules as R
from labkit.nspv2.faults import code_name, is_wsa_error, record_fault
from labkit.nspv2.host import FAILED, Worker
from labkit.nspv2.records import Instance, Lookup, Session
from labkit.trace import Evidence, Kind, Rule, TraceEvent, Tracer

PROVIDER_FAILED = winapi.WSASYSCALLFAILURE
"""[INF] What the broker reports for a provider routine that raised, blocked or returned nonsense."""


class Dispatcher:
    """Records events and calls provider code for one run."""

    def __init__(self, tracer: Tracer, guard: UserCodeGuard) -> None:
        self.tracer = tracer
        self.guard = guard
        self.session_states: Counter[str] = Counter()
        """How many sessions are in each state now (for the run's outcome)."""
        self.fault_counts: Counter[str] = Counter()
        self.last_user_code = ("(no provider code ran)", "")
        """The provider routine or worker that ran last, and its subject: whom a runaway is blamed on."""

    def record(self, kind: Kind, name: str, **fields: Any) -> TraceEvent:
        return self.tracer.record(kind, name, **fields)

    def state(self, subject: str, old: str | None, new: str, *, rule: Rule, **args: Any) -> None:
        self.record(Kind.STATE, new, actor="broker", subject=subject, state=(old, new), args=args, rule=rule)

    def note(self, name: str, subject: str, *, rule: Rule, **args: Any) -> None:
        """A decision of the broker worth seeing (a routine it does not call, a rule a policy breaks)."""
        self.record(Kind.NOTE, name, actor="broker", subject=subject, args=args, rule=rule)

    def set_session_state(self, session: Session, new: str, *, rule: Rule) -> None:
        self.state(session.subject, session.state, new, rule=rule)
        self.session_states[session.state] -= 1
        self.session_states[new] += 1
        session.state = new

    def set_lookup_state(self, lookup: Lookup, new: str, *, rule: Rule, **args: Any) -> None:
        self.state(lookup.subject, lookup.state, new, rule=rule, **args)
        lookup.state = new

    def fault(self, name: str, rule: Rule, *, subject: str, routine: str, what: str, **args: Any) -> None:
        """Record that provider code broke ``rule``: ``what`` says how, in a sentence."""
        self.fault_counts[name] += 1
        record_fault(self.tracer, name, rule, subject=subject, routine=routine, what=what, **args)

    def user_code_fault(self, fault: Misbehaviour, *, subject: str) -> None:
        """A provider routine or worker step raised, or blocked in real time."""
        if fault.rule == "raised":
            self.fault(
                "UserCodeRaised",
                R.USER_CODE_RAISED,
                subject=subject,
                routine=fault.routine,
                what=fault.message,
            )
            return
        stopped = (
            "was stopped" if "stopped by" in fault.message else "could not be stopped (not the main thread)"
        )
        self.fault(
            "UserCodeBlocked",
            R.USER_CODE_BLOCKED,
            subject=subject,
            routine=fault.routine,
            what=f"{fault.routine} blocked in real time past the guard's limit of "
            f"{self.guard.limit_s:g} s and "
            f"{stopped}; a routine must return quickly and leave long work to a worker",
        )

    def runaway(self, runaway: Runaway) -> None:
        """The run loop stopped the run (`labkit.engine.runloop`): blame the provider code that ran last."""
        routine, subject = self.last_user_code
        rule = R.NO_PROGRESS if runaway.name == "NoProgress" else R.TOO_MANY_STEPS
        self.fault(
            runaway.name,
            rule,
            subject=subject,
            routine=routine,
            what=f"{runaway.rule}; the last to run: {routine}",
        )

    def no_progress(self, worker: Worker, spins: int) -> None:
        self._worker_fault(
            worker,
            "NoProgress",
            R.NO_PROGRESS,
            f"resumed {spins} times in a row without virtual time advancing "
            "(yield host.sleep(0) in a loop?); labkit stops the worker",
        )

    def bad_yield(self, worker: Worker, value: Any) -> None:
        self._worker_fault(
            worker,
            "BadReturnValue",
            R.WORKER_YIELDS,
            f"yielded {code_name(value)}; a worker yields host.sleep(ms) or another simpy event",
        )

    def _worker_fault(self, worker: Worker, name: str, rule: Rule, what: str) -> None:
        self.fault(name, rule, subject=worker.subject, routine=worker.name, what=f"{worker.name} {what}")

    def call(self, routine: str, subject: str, args: Mapping[str, Any], *, rule: Rule) -> TraceEvent:
        """The broker calls ``routine`` of a provider, because of ``rule``."""
        return self.record(Kind.CALL, routine, actor="broker", subject=subject, args=args, rule=rule)

    def run(self, instance: Instance, routine: str, subject: str, *args: Any) -> Any:
        fn = instance.table.routines[routine]
        assert (
            fn is not None
        )  # NULL mandatory routines are refused at advertising; NULL optional ones skipped
        instance.host.last_error = None
        return instance.host.run_user_code(routine, "provider", subject, lambda: fn(*args))

    def int_return(
        self,
        instance: Instance,
        routine: str,
        subject: str,
        call: TraceEvent,
        value: Any,
        out: Mapping[str, Any],
    ) -> int:
        """Record an INT routine's return and check it (§1.2, §1.3); returns the error code, 0 for success."""
        args = dict(out)
        stub = routine in instance.table.stubs
        if stub:
            args["stub"] = True
        last_error = instance.host.last_error
        ret = value if isinstance(value, int) and not isinstance(value, bool) else None
        if value is FAILED:
            self._provider_return(routine, subject, call, args, rule=R.PROVIDER_FAILED)
            return PROVIDER_FAILED
        if ret == winapi.SOCKET_ERROR:
            args["lastError"] = code_name(last_error)
        rule = _return_rule(call, R.STUB if stub else R.INT_RETURN)
        self._provider_return(routine, subject, call, args, result=ret, rule=rule)
        if ret == winapi.NO_ERROR:
            return winapi.NO_ERROR
        if ret == winapi.SOCKET_ERROR:
            return self._last_error(routine, subject, last_error)
        self.fault(
            "BadReturnValue",
            R.INT_RETURN,
            subject=subject,
            routine=routine,
            what=f"{routine} returned {code_name(value)}; an INT routine returns NO_ERROR, or SOCKET_ERROR "
            "after WSASetLastError(code) (the docs' 'SOCKET_ERROR (that is, 1)' is wrong: it is -1, §5 D2)",
        )
        if is_wsa_error(last_error):
            return int(last_error)  # type: ignore[arg-type]
        return ret if is_wsa_error(ret) else PROVIDER_FAILED  # type: ignore[return-value]

    def _last_error(self, routine: str, subject: str, last_error: Any) -> int:
        """The error code of a SOCKET_ERROR return: what WSASetLastError set, checked."""
        if last_error is None or last_error == 0:
            self.fault(
                "NoLastError",
                R.INT_RETURN,
                subject=subject,
                routine=routine,
                what=f"{routine} returned SOCKET_ERROR without calling WSASetLastError first",
            )
            return PROVIDER_FAILED
        if not is_wsa_error(last_error):
            self.fault(
                "NotWsaError",
                R.WSA_CODES,
                subject=subject,
                routine=routine,
                what=f"{routine} set the last error to {code_name(last_error)}, "
                "which is not a Winsock error code",
            )
            return last_error if isinstance(last_error, int) else PROVIDER_FAILED
        return int(last_error)

    def _provider_return(
        self,
        routine: str,
        subject: str,
        call: TraceEvent,
        args: Mapping[str, Any],
        *,
        rule: Rule,
        result: int | None = None,
    ) -> None:
        self.record(
            Kind.RETURN,
            routine,
            actor="provider",
            subject=subject,
            args=args,
            result=result,
            span=call.span,
            rule=rule,
        )

    def void_return(
        self, instance: Instance, routine: str, subject: str, call: TraceEvent, value: Any
    ) -> None:
        stub = routine in instance.table.stubs
        rule = R.PROVIDER_FAILED if value is FAILED else _return_rule(call, R.STUB if stub else R.VOID_RETURN)
        self._provider_return(routine, subject, call, {"stub": True} if stub else {}, rule=rule)
        if value is not None and value is not FAILED:
            self.fault(
                "BadReturnValue",
                R.VOID_RETURN,
                subject=subject,
                routine=routine,
                what=f"{routine} returned {code_name(value)}, "
                "but it is VOID in the header (§5 D1): nobody reads it"
                + (
                    "; report the outcome with WSAProviderCompleteAsyncCall"
                    if routine != "NSPv2ClientSessionRundown"
                    else ""
                ),
            )

    def api_return(
        self,
        call: TraceEvent,
        name: str,
        actor: str,
        subject: str,
        code: int,
        *,
        rule: Rule,
        why: str | None = None,
    ) -> None:
        """The return of a host-side INT API: NO_ERROR, or SOCKET_ERROR with the last error (and why)."""
        args: dict[str, Any] = {}
        if code:
            args["lastError"] = code_name(code)
            if why:
                args["why"] = why
        self.record(
            Kind.RETURN,
            name,
            actor=actor,
            subject=subject,
            args=args,
            result=winapi.SOCKET_ERROR if code else winapi.NO_ERROR,
            span=call.span,
            rule=rule,
        )


def _return_rule(call: TraceEvent, judged_by: Rule) -> Rule:
    """What a provider routine's return cites: the rule its value is judged by, unless the broker made the
    call only because of an inferred choice (a policy, when a session starts or ends): then that choice,
    since without it the return would not be there at all."""
    if call.evidence is Evidence.INFERRED and call.ref is not None:
        return R.RULES[call.ref]
    return judged_by
