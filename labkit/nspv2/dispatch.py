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
from labkit.nspv2.faults import code_name, is_wsa_error, record_fault
from labkit.nspv2.host import FAILED, Worker
from labkit.nspv2.records import Instance, Lookup, Session
from labkit.trace import Evidence, Kind, TraceEvent, Tracer

DOCUMENTED, INFERRED = Evidence.DOCUMENTED, Evidence.INFERRED
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

    def state(
        self, subject: str, old: str | None, new: str, *, evidence: Evidence = DOCUMENTED, **args: Any
    ) -> None:
        self.record(
            Kind.STATE, new, actor="broker", subject=subject, state=(old, new), args=args, evidence=evidence
        )

    def set_session_state(self, session: Session, new: str, *, evidence: Evidence = DOCUMENTED) -> None:
        self.state(session.subject, session.state, new, evidence=evidence)
        self.session_states[session.state] -= 1
        self.session_states[new] += 1
        session.state = new

    def set_lookup_state(self, lookup: Lookup, new: str, **args: Any) -> None:
        self.state(lookup.subject, lookup.state, new, **args)
        lookup.state = new

    def fault(self, name: str, *, subject: str, routine: str, rule: str, **args: Any) -> None:
        self.fault_counts[name] += 1
        record_fault(self.tracer, name, subject=subject, routine=routine, rule=rule, **args)

    def user_code_fault(self, fault: Misbehaviour, *, subject: str) -> None:
        """A provider routine or worker step raised, or blocked in real time."""
        if fault.rule == "raised":
            self.fault("UserCodeRaised", subject=subject, routine=fault.routine, rule=fault.message)
            return
        stopped = (
            "was stopped" if "stopped by" in fault.message else "could not be stopped (not the main thread)"
        )
        self.fault(
            "UserCodeBlocked",
            subject=subject,
            routine=fault.routine,
            rule=f"{fault.routine} blocked in real time past the guard's limit of "
            f"{self.guard.limit_s:g} s and "
            f"{stopped}; a routine must return quickly and leave long work to a worker",
        )

    def runaway(self, runaway: Runaway) -> None:
        """The run loop stopped the run (`labkit.engine.runloop`): blame the provider code that ran last."""
        routine, subject = self.last_user_code
        self.fault(
            runaway.name, subject=subject, routine=routine, rule=f"{runaway.rule}; the last to run: {routine}"
        )

    def no_progress(self, worker: Worker, spins: int) -> None:
        self._worker_fault(
            worker,
            "NoProgress",
            f"resumed {spins} times in a row without virtual time advancing "
            "(yield host.sleep(0) in a loop?); labkit stops the worker",
        )

    def bad_yield(self, worker: Worker, value: Any) -> None:
        self._worker_fault(
            worker,
            "BadReturnValue",
            f"yielded {code_name(value)}; a worker yields host.sleep(ms) or another simpy event",
        )

    def _worker_fault(self, worker: Worker, name: str, what: str) -> None:
        self.fault(name, subject=worker.subject, routine=worker.name, rule=f"{worker.name} {what}")

    def call(
        self,
        routine: str,
        subject: str,
        args: Mapping[str, Any],
        *,
        evidence: Evidence,
        ref: str,
    ) -> TraceEvent:
        return self.record(
            Kind.CALL, routine, actor="broker", subject=subject, args=args, evidence=evidence, ref=ref
        )

    def run(self, instance: Instance, routine: str, subject: str, *args: Any) -> Any:
        fn = instance.table.routines[routine]
        assert fn is not None  # advertising refused tables without the mandatory routines
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
        if routine in instance.table.stubs:
            args["stub"] = True
        last_error = instance.host.last_error
        ret = value if isinstance(value, int) and not isinstance(value, bool) else None
        if value is FAILED:
            self._provider_return(routine, subject, call, args, evidence=INFERRED)
            return PROVIDER_FAILED
        if ret == winapi.SOCKET_ERROR:
            args["lastError"] = code_name(last_error)
        self._provider_return(routine, subject, call, args, result=ret)
        if ret == winapi.NO_ERROR:
            return winapi.NO_ERROR
        if ret == winapi.SOCKET_ERROR:
            if last_error is None or last_error == 0:
                self.fault(
                    "NoLastError",
                    subject=subject,
                    routine=routine,
                    rule=f"{routine} returned SOCKET_ERROR without calling WSASetLastError first",
                )
                return PROVIDER_FAILED
            if not is_wsa_error(last_error):
                self.fault(
                    "NotWsaError",
                    subject=subject,
                    routine=routine,
                    rule=f"{routine} set the last error to {code_name(last_error)}, "
                    "which is not a Winsock error code",
                )
                return last_error if isinstance(last_error, int) else PROVIDER_FAILED
            return last_error
        shown = code_name(value)
        self.fault(
            "BadReturnValue",
            subject=subject,
            routine=routine,
            rule=f"{routine} returned {shown}; an INT routine returns NO_ERROR, or SOCKET_ERROR after "
            "WSASetLastError(code) (the docs' 'SOCKET_ERROR (that is, 1)' is wrong: it is -1, §5 D2)",
        )
        if is_wsa_error(last_error):
            return int(last_error)  # type: ignore[arg-type]
        return ret if is_wsa_error(ret) else PROVIDER_FAILED  # type: ignore[return-value]

    def _provider_return(
        self,
        routine: str,
        subject: str,
        call: TraceEvent,
        args: Mapping[str, Any],
        *,
        result: int | None = None,
        evidence: Evidence = DOCUMENTED,
    ) -> None:
        self.record(
            Kind.RETURN,
            routine,
            actor="provider",
            subject=subject,
            args=args,
            result=result,
            span=call.span,
            evidence=evidence,
        )

    def void_return(
        self, instance: Instance, routine: str, subject: str, call: TraceEvent, value: Any
    ) -> None:
        args = {"stub": True} if routine in instance.table.stubs else {}
        self._provider_return(
            routine, subject, call, args, evidence=INFERRED if value is FAILED else Evidence.HEADER
        )
        if value is not None and value is not FAILED:
            self.fault(
                "BadReturnValue",
                subject=subject,
                routine=routine,
                rule=f"{routine} returned {code_name(value)}, "
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
        why: str | None = None,
        evidence: Evidence = DOCUMENTED,
        ref: str | None = None,
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
            evidence=evidence,
            ref=ref,
        )
