"""Contract violations a trace shows by itself, whoever recorded it: calls that never return, completions
of unknown spans or completing twice, returns before their call, state changes from the wrong state.

`labkit check` prints them after the fault events a simulator recorded. The rules follow
docs/trace-conventions.md and hold for both domains; domain rules (Rundown after Cleanup, a report
without pending) are the simulators' faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from labkit import winapi
from labkit.trace import Evidence, Kind, TraceEvent

_PENDING = winapi.ERROR_IO_PENDING  # the same value as WSA_IO_PENDING


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, located at the event that shows it."""

    rule: str
    """CamelCase rule name (``NeverReturned``)."""
    seq: int
    """The event that shows it."""
    t: float
    """Its virtual time (ms)."""
    subject: str
    """The session, lookup or resource concerned."""
    message: str
    """One sentence a person understands."""

    def __str__(self) -> str:
        return f"seq {self.seq} t={self.t:g}ms {self.rule} ({self.subject}) {self.message}"


def violations(trace: Iterable[TraceEvent], *, per_node: bool | None = None) -> list[Violation]:
    """Every contract violation in the trace, in event order.

    ``per_node`` reads the trace as a log set (the default for a trace imported from logs, whose header
    has ``params.source``): each node's lines keep their own state history, since lines of different
    nodes carry clocks that differ and stamps that tie; and a call a log shows (``observed``) without its
    return is not a violation, since logs seldom record returns.
    """
    if per_node is None:
        per_node = is_log(trace)
    return _checked(trace, per_node).finish()


def is_log(trace: Iterable[TraceEvent]) -> bool:
    """Whether ``trace`` was imported from logs (its header names a ``source``)."""
    header = getattr(trace, "header", None)
    return header is not None and isinstance(header.params.get("source"), dict)


class _Checker:
    """One pass over the events, remembering open spans and current states."""

    def __init__(self, per_node: bool = False) -> None:
        self.per_node = per_node
        self.found: list[Violation] = []
        self.calls: dict[int, TraceEvent] = {}
        self.returns: dict[int, TraceEvent] = {}
        self.completes: dict[int, TraceEvent] = {}
        self.unmatched: list[TraceEvent] = []  # returns / completes of spans no earlier call opened
        self.states: dict[str, str] = {}

    def add(self, rule: str, event: TraceEvent, message: str) -> None:
        self.found.append(Violation(rule, event.seq, event.t, event.subject, message))

    def see(self, event: TraceEvent) -> None:
        if event.kind is Kind.CALL:
            self.calls[event.seq] = event
            if event.span != event.seq:
                self.add(
                    "CallSpanMismatch",
                    event,
                    f"{event.name} opens span {event.span}; a call's span is its seq",
                )
        elif event.kind in (Kind.RETURN, Kind.COMPLETE):
            self.see_result(event)
        elif event.kind is Kind.STATE:
            self.see_state(event)

    def see_result(self, event: TraceEvent) -> None:
        is_return = event.kind is Kind.RETURN
        noun = "return" if is_return else "complete"
        if event.span is None:
            if self.per_node and event.evidence is Evidence.OBSERVED:
                return  # a log shows a result (IsAlive FALSE, an error) without the call it ends
            self.add(
                f"{noun.title()}WithoutSpan",
                event,
                f"{event.name} {noun} has no span to say which call it ends",
            )
            return
        call = self.calls.get(event.span)
        if call is None:
            self.unmatched.append(event)
            return
        seen = self.returns if is_return else self.completes
        if event.span in seen:
            self.add(
                "ReturnedTwice" if is_return else "CompletedTwice",
                event,
                f"{call.name} (span {event.span}) already {noun}d at seq {seen[event.span].seq}",
            )
            return
        seen[event.span] = event
        if is_return and event.name != call.name:
            self.add(
                "ReturnNameMismatch", event, f"return {event.name} carries the span of a call to {call.name}"
            )
        returned = self.returns.get(event.span)
        if not is_return and returned is not None and returned.result not in (None, _PENDING):
            result = returned.result_name or returned.result
            self.add(
                "CompletedWithoutPending",
                event,
                f"{call.name} returned {result} (not pending), then completed",
            )

    def see_state(self, event: TraceEvent) -> None:
        if event.state is None:
            self.add("StateWithoutChange", event, f"state event {event.name} has no state {{from, to}}")
            return
        old, new = event.state.old, event.state.new
        if new != event.name:
            self.add("StateNameMismatch", event, f"state event is named {event.name} but goes to {new}")
        key = event.subject
        if self.per_node:
            key = f"{event.subject}\x00{event.args.get('node', '')}"
        current = self.states.get(key)
        if current is not None and old != current:
            self.add(
                "StateFromMismatch",
                event,
                f"goes from {old or '(no state)'} to {new}, but the subject was in {current}",
            )
        self.states[key] = new

    def finish(self) -> list[Violation]:
        for event in self.unmatched:
            what = "returns" if event.kind is Kind.RETURN else "completes"
            later = event.span in self.calls
            self.add(
                f"{event.kind.value.title()}{'BeforeCall' if later else 'WithoutCall'}",
                event,
                f"{event.name} {what} span {event.span} "
                + ("before that call" if later else "which no call opened"),
            )
        for call, missing in self.waiting():
            if self.per_node and call.evidence is Evidence.OBSERVED:
                continue  # a log shows the call; that it shows no return is no violation
            if missing is Kind.RETURN:
                message = f"{call.name} never returned (no return with span {call.seq})"
                self.add("NeverReturned", call, message)
            else:
                how = (
                    "returned ERROR_IO_PENDING"
                    if self.returns[call.seq].result == _PENDING
                    else "is asynchronous (hAsyncCall)"
                )
                self.add(
                    "NeverCompleted",
                    call,
                    f"{call.name} {how} but never completed (no complete with span {call.seq})",
                )
        return sorted(self.found, key=lambda v: v.seq)

    def waiting(self) -> list[tuple[TraceEvent, Kind]]:
        """Calls without their return, and asynchronous calls without their complete, in call order."""
        found = []
        for seq, call in self.calls.items():
            returned = self.returns.get(seq)
            if returned is None:
                found.append((call, Kind.RETURN))
            elif seq not in self.completes and _is_async(call, returned):
                found.append((call, Kind.COMPLETE))
        return found


def open_spans(trace: Iterable[TraceEvent]) -> list[tuple[TraceEvent, Kind]]:
    """Calls still waiting at the end of the trace, with what would close each: (call, ``return``) for a
    call that never returned, (call, ``complete``) for an asynchronous one that returned but never
    completed; in call order."""
    return _checked(trace).waiting()


def _checked(trace: Iterable[TraceEvent], per_node: bool = False) -> _Checker:
    checker = _Checker(per_node)
    for event in trace:
        checker.see(event)
    return checker


def _is_async(call: TraceEvent, returned: TraceEvent) -> bool:
    """A pending return, or a host callback taking an hAsyncCall. Helper calls the provider / DLL makes
    (``WSAProviderCompleteAsyncCall(hAsyncCall, code)``) carry the handle but are synchronous."""
    return returned.result == _PENDING or (
        call.args.get("hAsyncCall") is not None and not _is_helper_caller(call.actor)
    )


def _is_helper_caller(actor: str) -> bool:
    return actor in ("provider", "dll") or actor.startswith("worker:")
