"""Asynchronous provider calls: hAsyncCall handles, WSAProviderCompleteAsyncCall and its rules.

NextEx and SetServiceEx are VOID; each call gets an hAsyncCall from the host and finishes only when the
provider passes it to WSAProviderCompleteAsyncCall, exactly once (reference nspv2 §1.3, §2.1.8). `AsyncCalls`
hands out the handles, wakes the waiting client on completion, and records every broken rule: a call never
completed (by the deadline or the end of the run), completed twice, after its session ended, with an unknown
handle or a code that is not a Winsock error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simpy

from labkit import winapi
from labkit.nspv2.dispatch import DOCUMENTED, INFERRED, PROVIDER_FAILED, Dispatcher
from labkit.nspv2.faults import code_name, is_wsa_error
from labkit.nspv2.host import FAILED, ProviderHost
from labkit.nspv2.provider import Box
from labkit.nspv2.queryset import show
from labkit.nspv2.records import CANCELLED, CLEANED_UP, ENDED, OPEN, RUN_DOWN, AsyncCall, Lookup, Session
from labkit.trace import Evidence, Kind

CANCEL_CODES = (winapi.WSA_E_CANCELLED, winapi.WSAECANCELLED)
STALE_HANDLE = winapi.WSAEINVAL
"""[INF] What WSAProviderCompleteAsyncCall sets for an unknown or finished hAsyncCall (D-Complete lists
WSAEINVAL for a NULL one)."""
FIRST_ASYNC_HANDLE = 0xA001
_STALE_RULES: dict[str | None, tuple[str, str]] = {
    None: ("UnknownHandle", "was never handed to the provider"),
    "completed": ("CompletedTwice", "was already completed; each call is completed exactly once"),
    RUN_DOWN: ("CalledAfterRundown", "belongs to a session that NSPv2ClientSessionRundown already ended"),
    CLEANED_UP: ("CalledAfterCleanup", "belongs to a session that NSPv2Cleanup already ended"),
}
"""How a finished hAsyncCall ended → the rule a further completion breaks."""


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
        length: Box[int] | None = None,
        results: Box[Any] | None = None,
    ) -> AsyncCall:
        handle = self._next
        self._next += 1
        call = AsyncCall(handle, routine, session, lookup, self.env.event(), length, results)
        self.pending[handle] = call
        session.calls[handle] = call
        if lookup is not None:
            lookup.call = call
        event = self.dispatch.call(
            routine,
            call.subject,
            {"hAsyncCall": show(handle), **args},
            evidence=DOCUMENTED,
            ref="nspv2 §2.1.8",
        )
        call.span = event.seq
        value = self.dispatch.run(session.instance, routine, call.subject, handle, *rest)
        self.dispatch.void_return(session.instance, routine, call.subject, event, value)
        if value is FAILED and handle in self.pending:
            self._finish_call(call, PROVIDER_FAILED, evidence=INFERRED)
        if handle in self.pending and self.deadline_ms is not None:
            self.env.timeout(self.deadline_ms).callbacks.append(lambda _event: self._overdue(call))
        return call

    def complete(self, host: ProviderHost, handle: Any, code: Any) -> int:
        """WSAProviderCompleteAsyncCall(hAsyncCall, iRetCode) from provider code (D-Complete)."""
        known = isinstance(handle, int) and not isinstance(handle, bool)
        call = self.pending.get(handle) if known else None
        subject = call.subject if call else host.subject
        event = self.dispatch.record(
            Kind.CALL,
            "WSAProviderCompleteAsyncCall",
            actor=host.actor,
            subject=subject,
            args={"hAsyncCall": show(handle), "iRetCode": code if isinstance(code, int) else show(code)},
            ref="nspv2 §1.4",
        )
        if call is None:
            self._stale_completion(handle if known else None, subject, show(handle))
            host.last_error = STALE_HANDLE
            self.dispatch.api_return(
                event, "WSAProviderCompleteAsyncCall", host.actor, subject, STALE_HANDLE, evidence=INFERRED
            )
            return winapi.SOCKET_ERROR
        if not (isinstance(code, int) and not isinstance(code, bool)):
            self.dispatch.fault(
                "NotWsaError",
                subject=subject,
                routine=call.routine,
                rule=f"WSAProviderCompleteAsyncCall got iRetCode {code_name(code)}; "
                "it takes NO_ERROR or a Winsock error code",
            )
            code = PROVIDER_FAILED
        elif code != winapi.NO_ERROR and not is_wsa_error(code):
            self.dispatch.fault(
                "NotWsaError",
                subject=subject,
                routine=call.routine,
                rule=f"WSAProviderCompleteAsyncCall got iRetCode {code_name(code)}; it takes NO_ERROR or a "
                "Winsock error code (the MS sample never passes SOCKET_ERROR)",
            )
        if call.lookup is not None and call.lookup.ending and code not in CANCEL_CODES:
            self.dispatch.fault(
                "CancelIgnored",
                subject=subject,
                routine=call.routine,
                rule=f"NSPv2LookupServiceEnd arrived while NextEx {show(handle)} ran, "
                "yet NextEx finished with "
                f"{code_name(code)} instead of WSA_E_CANCELLED",
            )
        self._finish_call(call, code)
        self.dispatch.api_return(event, "WSAProviderCompleteAsyncCall", host.actor, subject, winapi.NO_ERROR)
        return winapi.NO_ERROR

    def _stale_completion(self, handle: int | None, subject: str, text: Any) -> None:
        how = self.finished.get(handle) if handle is not None else None
        if how in _STALE_RULES:
            name, why = _STALE_RULES[how]
            self.dispatch.fault(
                name, subject=subject, routine="WSAProviderCompleteAsyncCall", rule=f"hAsyncCall {text} {why}"
            )
        else:  # the broker dropped the session without telling the provider: not the provider's fault
            self.dispatch.record(
                Kind.NOTE,
                "CompletionIgnored",
                actor="broker",
                subject=subject,
                args={"hAsyncCall": text, "why": f"the session was {how}"},
                evidence=INFERRED,
            )

    def _finish_call(self, call: AsyncCall, code: int, *, evidence: Evidence = DOCUMENTED) -> None:
        del self.pending[call.handle]
        call.session.calls.pop(call.handle, None)
        self.finished[call.handle] = "completed"
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
            evidence=evidence,
        )
        lookup = call.lookup
        if lookup is not None:
            lookup.call = None
            if lookup.ending:
                self.dispatch.set_lookup_state(lookup, CANCELLED if code in CANCEL_CODES else ENDED)
            else:
                self.dispatch.set_lookup_state(lookup, OPEN)
        call.done.succeed(code)

    def _overdue(self, call: AsyncCall) -> None:
        if call.handle in self.pending and not call.reported:
            call.reported = True
            self.dispatch.fault(
                "NeverCompleted",
                subject=call.subject,
                routine=call.routine,
                rule=f"{call.routine} call {show(call.handle)} was not completed within "
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
                    subject=call.subject,
                    routine=call.routine,
                    rule=f"{call.routine} call {show(call.handle)} "
                    "was still not completed when the run ended",
                    hAsyncCall=show(call.handle),
                )

    def abandon(self, session: Session, how: str, *, notify: int | None, ref: str) -> None:
        """A session ended: the broker finishes its open calls itself, so no span stays open.

        A client still waiting gets ``notify`` as the completion code; a crashed one gets nothing (the
        ``complete`` then has no result and says ``abandoned``). Either way the provider's own later
        completion of such a call is a fault (or a note, when the provider was never told).
        """
        for call in list(session.calls.values()):
            del self.pending[call.handle]
            self.finished[call.handle] = how
            self.dispatch.record(
                Kind.COMPLETE,
                call.routine,
                actor="broker",
                subject=call.subject,
                args={"hAsyncCall": show(call.handle), "abandoned": f"session {how}"},
                span=call.span,
                result=notify,
                evidence=INFERRED,
                ref=ref,
            )
            if notify is not None:
                call.done.succeed(notify)
            if call.lookup is not None:
                call.lookup.call = None
                if call.lookup.ending:
                    self.dispatch.set_lookup_state(call.lookup, ENDED, evidence=INFERRED)
        session.calls.clear()
