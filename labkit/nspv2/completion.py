"""Asynchronous provider calls: hAsyncCall handles, WSAProviderCompleteAsyncCall and its rules.

NextEx and SetServiceEx are VOID; each call gets an hAsyncCall from the host and finishes only when the
provider passes it to WSAProviderCompleteAsyncCall, exactly once (reference nspv2 §1.3, §2.1.8). `AsyncCalls`
hands out the handles, wakes the waiting client on completion, and records every broken rule: a call never
completed (by the deadline or the end of the run), completed twice, after its session ended, with an unknown
handle, a code that is not a Winsock error, a WSAEFAULT without the size needed, or from a host process
that has not called WSAStartup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simpy

from labkit import winapi
from labkit.nspv2 import rules as R
from labkit.nspv2.dispatch import PROVIDER_FAILED, Dispatcher
from labkit.nspv2.faults import code_name, is_wsa_error
from labkit.nspv2.host import FAILED, ProviderHost
from labkit.nspv2.provider import Box
from labkit.nspv2.queryset import show
from labkit.nspv2.records import CANCELLED, CLEANED_UP, ENDED, OPEN, RUN_DOWN, AsyncCall, Lookup, Session
from labkit.trace import Kind, Rule

CANCEL_CODES = (winapi.WSA_E_CANCELLED, winapi.WSAECANCELLED)
STALE_HANDLE = winapi.WSAEINVAL
"""[INF] What WSAProviderCompleteAsyncCall sets for an unknown or finished hAsyncCall (D-Complete lists
WSAEINVAL for a NULL one)."""
FIRST_ASYNC_HANDLE = 0xA001
_STALE_RULES: dict[str | None, tuple[str, Rule, str]] = {
    None: ("UnknownHandle", R.KNOWN_HANDLE, "was never handed to the provider"),
    "completed": (
        "CompletedTwice",
        R.EXACTLY_ONCE,
        "was already completed; each call is completed exactly once",
    ),
    RUN_DOWN: (
        "CalledAfterRundown",
        R.NO_CALLS_AFTER_END,
        "belongs to a session that NSPv2ClientSessionRundown already ended",
    ),
    CLEANED_UP: (
        "CalledAfterCleanup",
        R.NO_CALLS_AFTER_END,
        "belongs to a session that NSPv2Cleanup already ended",
    ),
}
"""How a finished hAsyncCall ended → the fault a further completion is, and the rule it breaks."""


class AsyncCalls:
    """The async calls of one run: pending ones by hAsyncCall, and how finished ones ended."""

    def __init__(self, env: simpy.Environment, dispatch: Dispatcher, deadline_ms: float | None) -> None:
        self.env = env
        self.dispatch = dispatch
        self.deadline_ms = deadline_ms
        self.pending: dict[int, AsyncCall] = {}
        self.finished: dict[int, str] = {}
        """hAsyncCall → how it ended (``completed`` or the session state that abandoned it)."""
        self._next = FIRST_ASYNC_HANDLE

    def start(
        self,
        session: Session,
        lookup: Lookup | None,
        routine: str,
        args: Mapping[str, Any],
        rest: tuple[Any, ...],
        *,
        rule: Rule,
        length: Box[int] | None = None,
        results: Box[Any] | None = None,
    ) -> AsyncCall:
        """Call ``routine`` (NextEx or SetServiceEx) with a fresh hAsyncCall, because of ``rule``."""
        handle = self._next
        self._next += 1
        call = AsyncCall(handle, routine, session, lookup, self.env.event(), length, results)
        call.given_length = None if length is None else length.value
        self.pending[handle] = call
        session.calls[handle] = call
        if lookup is not None:
            lookup.call = call
        event = self.dispatch.call(routine, call.subject, {"hAsyncCall": show(handle), **args}, rule=rule)
        call.span = event.seq
        value = self.dispatch.run(session.instance, routine, call.subject, handle, *rest)
        self.dispatch.void_return(session.instance, routine, call.subject, event, value)
        if value is FAILED and handle in self.pending:
            self._finish_call(call, PROVIDER_FAILED, rule=R.PROVIDER_FAILED)
        if handle in self.pending and self.deadline_ms is not None:
            self.env.timeout(self.deadline_ms).callbacks.append(lambda _event: self._overdue(call))
        return call

    def finish_now(self, call: AsyncCall, code: int, *, rule: Rule) -> None:
        """The broker itself finishes ``call`` with ``code`` (a NULL routine it could not call)."""
        self._finish_call(call, code, rule=rule)

    def complete(self, host: ProviderHost, handle: Any, code: Any, *, initialised: bool) -> int:
        """WSAProviderCompleteAsyncCall(hAsyncCall, iRetCode) from provider code (D-Complete).

        ``initialised``: the provider's host process has called WSAStartup (and no WSACleanup since).
        """
        known = isinstance(handle, int) and not isinstance(handle, bool)
        call = self.pending.get(handle) if known else None
        subject = call.subject if call else host.subject
        event = self.dispatch.record(
            Kind.CALL,
            "WSAProviderCompleteAsyncCall",
            actor=host.actor,
            subject=subject,
            args={"hAsyncCall": show(handle), "iRetCode": code if isinstance(code, int) else show(code)},
            rule=R.COMPLETE,
        )
        if not initialised:
            return self._not_initialised(host, event, subject, call)
        if call is None:
            self._stale_completion(handle if known else None, subject, show(handle))
            host.last_error = STALE_HANDLE
            self.dispatch.api_return(
                event,
                "WSAProviderCompleteAsyncCall",
                host.actor,
                subject,
                STALE_HANDLE,
                rule=R.STALE_COMPLETION,
            )
            return winapi.SOCKET_ERROR
        code = self._checked_code(call, code)
        self._finish_call(call, code, rule=R.COMPLETE)
        self.dispatch.api_return(
            event, "WSAProviderCompleteAsyncCall", host.actor, subject, winapi.NO_ERROR, rule=R.COMPLETE
        )
        return winapi.NO_ERROR

    def _not_initialised(self, host: ProviderHost, event: Any, subject: str, call: AsyncCall | None) -> int:
        """A completion from a host process without WSAStartup fails; the call stays open."""
        routine = call.routine if call is not None else "WSAProviderCompleteAsyncCall"
        self.dispatch.fault(
            "HostNotInitialised",
            R.HOST_NOT_INITIALISED,
            subject=subject,
            routine=routine,
            what="WSAProviderCompleteAsyncCall was called in a host process that has not called WSAStartup "
            "(or has called WSACleanup): it fails with WSANOTINITIALISED and the call stays open",
        )
        host.last_error = winapi.WSANOTINITIALISED
        self.dispatch.api_return(
            event,
            "WSAProviderCompleteAsyncCall",
            host.actor,
            subject,
            winapi.WSANOTINITIALISED,
            rule=R.HOST_NOT_INITIALISED,
        )
        return winapi.SOCKET_ERROR

    def _checked_code(self, call: AsyncCall, code: Any) -> int:
        """``code`` as the completion code of ``call``, after recording every rule it breaks."""
        subject = call.subject
        if not (isinstance(code, int) and not isinstance(code, bool)):
            self.dispatch.fault(
                "NotWsaError",
                R.WSA_CODES,
                subject=subject,
                routine=call.routine,
                what=f"WSAProviderCompleteAsyncCall got iRetCode {code_name(code)}; "
                "it takes NO_ERROR or a Winsock error code",
            )
            return PROVIDER_FAILED
        if code != winapi.NO_ERROR and not is_wsa_error(code):
            self.dispatch.fault(
                "NotWsaError",
                R.WSA_CODES,
                subject=subject,
                routine=call.routine,
                what=f"WSAProviderCompleteAsyncCall got iRetCode {code_name(code)}; it takes NO_ERROR or a "
                "Winsock error code (the MS sample never passes SOCKET_ERROR)",
            )
        if call.lookup is not None and call.lookup.ending and code not in CANCEL_CODES:
            self.dispatch.fault(
                "CancelIgnored",
                R.END_CANCELS_NEXT,
                subject=subject,
                routine=call.routine,
                what=f"NSPv2LookupServiceEnd arrived while NextEx {show(call.handle)} ran, yet NextEx "
                f"finished with {code_name(code)} instead of WSA_E_CANCELLED",
            )
        needed = call.length.value if call.length is not None else None
        if (
            code == winapi.WSAEFAULT
            and call.given_length is not None
            and not (isinstance(needed, int) and needed > call.given_length)
        ):
            self.dispatch.fault(
                "NoRequiredSize",
                R.REQUIRED_SIZE,
                subject=subject,
                routine=call.routine,
                what=f"NextEx {show(call.handle)} completed with WSAEFAULT but left *lpdwBufferLength at "
                f"{code_name(needed)} for a {call.given_length}-byte buffer; it must write the size it needs",
            )
        return code

    def _stale_completion(self, handle: int | None, subject: str, text: Any) -> None:
        how = self.finished.get(handle) if handle is not None else None
        if how in _STALE_RULES:
            name, rule, why = _STALE_RULES[how]
            self.dispatch.fault(
                name,
                rule,
                subject=subject,
                routine="WSAProviderCompleteAsyncCall",
                what=f"hAsyncCall {text} {why}",
            )
        else:  # the broker dropped the session without telling the provider: not the provider's fault
            self.dispatch.record(
                Kind.NOTE,
                "CompletionIgnored",
                actor="broker",
                subject=subject,
                args={"hAsyncCall": text, "why": f"the session was {how}"},
                rule=R.SESSION_END_ABANDONS,
            )

    def _finish_call(self, call: AsyncCall, code: int, *, rule: Rule) -> None:
        del self.pending[call.handle]
        call.session.calls.pop(call.handle, None)
        self.finished[call.handle] = "completed"
        call.outcome = R.COMPLETION_TO_CLIENT if rule is R.COMPLETE else rule
        args: dict[str, Any] = {"hAsyncCall": show(call.handle)}
        if call.length is not None:
            args["lpdwBufferLength"] = call.length.value
        if call.results is not None and code == winapi.NO_ERROR and hasattr(call.results.value, "summary"):
            args["lpqsResults"] = call.results.value.summary()
        self.dispatch.record(
            Kind.COMPLETE,
            call.routine,
            actor="broker",
            subject=call.subject,
            args=args,
            result=code,
            span=call.span,
            rule=rule,
        )
        lookup = call.lookup
        if lookup is not None:
            lookup.call = None
            if lookup.ending:
                new = CANCELLED if code in CANCEL_CODES else ENDED
                self.dispatch.set_lookup_state(lookup, new, rule=R.END_CANCELS_NEXT)
            else:
                self.dispatch.set_lookup_state(lookup, OPEN, rule=rule)
        call.done.succeed(code)

    def _overdue(self, call: AsyncCall) -> None:
        if call.handle in self.pending and not call.reported:
            call.reported = True
            self.dispatch.fault(
                "NeverCompleted",
                R.COMPLETE_DEADLINE,
                subject=call.subject,
                routine=call.routine,
                what=f"{call.routine} call {show(call.handle)} was not completed within "
                f"{self.deadline_ms:g} ms of virtual time; each call must be completed exactly once",
                hAsyncCall=show(call.handle),
            )

    def finish_run(self) -> None:
        """End of the run: every async call still open was never completed."""
        for call in list(self.pending.values()):
            if not call.reported:
                call.reported = True
                self.dispatch.fault(
                    "NeverCompleted",
                    R.EXACTLY_ONCE,
                    subject=call.subject,
                    routine=call.routine,
                    what=f"{call.routine} call {show(call.handle)} was still not completed when the run "
                    "ended",
                    hAsyncCall=show(call.handle),
                )

    def abandon(self, session: Session, how: str, *, notify: int | None, rule: Rule) -> None:
        """A session ended: the broker finishes its open calls itself, so no span stays open.

        A client still waiting gets ``notify`` as the completion code, which ``rule`` (what ended the
        session) decides; a crashed one gets nothing (the
        ``complete`` then has no result and says ``abandoned``). Either way the provider's own later
        completion of such a call is a fault (or a note, when the provider was never told).
        """
        for call in list(session.calls.values()):
            del self.pending[call.handle]
            self.finished[call.handle] = how
            call.outcome = rule
            self.dispatch.record(
                Kind.COMPLETE,
                call.routine,
                actor="broker",
                subject=call.subject,
                args={"hAsyncCall": show(call.handle), "abandoned": f"session {how}"},
                span=call.span,
                result=notify,
                rule=R.SESSION_END_ABANDONS,
            )
            if notify is not None:
                call.done.succeed(notify)
            if call.lookup is not None:
                call.lookup.call = None
                if call.lookup.ending:
                    self.dispatch.set_lookup_state(call.lookup, ENDED, rule=R.SESSION_END_ABANDONS)
        session.calls.clear()
