"""NSPv2 client sessions read back from a trace: one record per session with its provider, session
argument, lookups, sets, how it ended and its faults.

Works on any nspv2 trace that follows docs/trace-conventions.md, simulated or recorded elsewhere. Plain
frozen data: `labkit.views.tables.session_summary` and `labkit.views.plots.session_lifecycle` render it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.readback.memo import remembered
from labkit.readback.replay import subject_kind
from labkit.trace import Kind, Trace, TraceEvent

STARTUP = "NSPv2Startup"
CLEANUP = "NSPv2Cleanup"
RUNDOWN = "NSPv2ClientSessionRundown"
BEGIN = "NSPv2LookupServiceBegin"
NEXT = "NSPv2LookupServiceNextEx"
SET = "NSPv2SetServiceEx"
END_ROUTINES = (CLEANUP, RUNDOWN)
ARG_NAMES = ("lpvClientSessionArg", "pvClientSessionArg")
"""Where a routine receives the session argument (Begin and SetServiceEx; Cleanup and Rundown)."""
ENDINGS = ("Cleanup", "Rundown", "both", "leaked", "orphaned", "still open")
"""How a session can end, as `Session.ended` says it."""


@dataclass(frozen=True, slots=True)
class ArgPass:
    """The session argument handed to the provider in one call."""

    call: TraceEvent
    """The call (Begin, SetServiceEx, Cleanup or Rundown)."""
    value: Any
    """The argument it carried (None for NULL)."""
    matches: bool
    """Whether it is the value Startup produced for the session."""


@dataclass(frozen=True, slots=True)
class LookupLife:
    """When one lookup of a session was open."""

    subject: str
    """``lookup:<hLookup>``."""
    opened: float
    """Virtual ms of its first event (NSPv2LookupServiceBegin returned the handle)."""
    closed: float | None
    """Virtual ms it ended or was cancelled; None when still open at the end of the trace."""


@dataclass(frozen=True)
class Session:
    """One client session: a client process with one provider, from NSPv2Startup to its end."""

    subject: str
    """``session:<pid>`` or ``session:<pid>/<provider>``."""
    client: str
    """The client process (``client:<pid>``)."""
    provider: str
    """The provider instance, with its implementation when the header names one (``contoso-mail (slow)``)."""
    session_arg: Any
    """The value NSPv2Startup stored in *ppvClientSessionArg (None for NULL)."""
    started_at: float | None
    """Virtual ms of the Started (or NoStartup) state, or of the Startup call; None when the trace has
    none of them."""
    calls: tuple[TraceEvent, ...]
    """Every NSPv2 routine the broker called for the session or its lookups, in order."""
    lookups: tuple[str, ...]
    """The session's lookup subjects, in order of opening."""
    lookup_lives: tuple[LookupLife, ...]
    """When each lookup was open, in the same order."""
    arg_passes: tuple[ArgPass, ...]
    """Every call that handed the session argument back to the provider."""
    ended_by: tuple[TraceEvent, ...]
    """The NSPv2Cleanup / NSPv2ClientSessionRundown calls, in order."""
    final_state: str | None
    """The session's last state (Started, NoStartup, CleanedUp, RunDown, Ended, Leaked, Orphaned)."""
    states: tuple[TraceEvent, ...]
    """The session's state events."""
    faults: tuple[TraceEvent, ...]
    """Faults about the session or one of its lookups."""
    client_state: str | None
    """The client process's last state (Running, Exited, Crashed), when the trace records it."""

    def count(self, routine: str) -> int:
        """How many times the broker called ``routine`` for this session."""
        return sum(1 for c in self.calls if c.name == routine)

    @property
    def ended(self) -> str:
        """``Cleanup``, ``Rundown``, ``both``, ``leaked`` (the provider kept state after the end),
        ``orphaned`` (dropped without telling the provider), ``not told`` (ended with no routine to call:
        its Startup never succeeded and Rundown is NULL or not asked for) or ``still open``."""
        visited = {e.state.new for e in self.states if e.state is not None}
        if "Leaked" in visited:
            return "leaked"
        if self.final_state == "Orphaned":
            return "orphaned"
        if self.final_state == "Ended" and not self.ended_by:
            return "not told"
        routines = {c.name for c in self.ended_by}
        if routines == set(END_ROUTINES):
            return "both"
        if routines:
            return "Cleanup" if CLEANUP in routines else "Rundown"
        return "still open"

    @property
    def ended_at(self) -> float | None:
        """Virtual ms of the first end routine, or of the state that dropped the session."""
        if self.ended_by:
            return self.ended_by[0].t
        dropped = [e.t for e in self.states if e.state is not None and e.state.new in ("Orphaned", "Ended")]
        return dropped[0] if dropped else None

    @property
    def last_use(self) -> float | None:
        """Virtual ms of the last call that handed the session argument to the provider."""
        return self.arg_passes[-1].call.t if self.arg_passes else None


def sessions(trace: Trace) -> list[Session]:
    """Every client session of an nspv2 trace, in order of first appearance (worked out once per trace)."""
    return list(remembered(trace, "sessions", lambda t: tuple(_sessions(t))))


def _sessions(trace: Trace) -> list[Session]:
    by_subject: dict[str, list[TraceEvent]] = {}
    lookup_of: dict[str, str] = {}
    client_states: dict[str, str] = {}
    providers: dict[str, str] = {}  # lpProviderId → provider name
    for event in trace:
        kind = subject_kind(event.subject)
        by_subject.setdefault(event.subject, []).append(event)
        if kind == "lookup" and event.kind is Kind.STATE and isinstance(event.args.get("session"), str):
            lookup_of.setdefault(event.subject, event.args["session"])
        elif kind == "provider":
            guid = event.args.get("lpProviderId") or event.args.get("puuidProviderId")
            if isinstance(guid, str):
                providers.setdefault(guid, event.subject.partition(":")[2])
        elif event.subject.startswith("client:") and event.state is not None:
            client_states[event.subject] = event.state.new
    names = [s for s in by_subject if subject_kind(s) == "session"]
    for subject in names:  # lookups opened without a "session" argument: match lphLookup returned by Begin
        for event in by_subject[subject]:
            handle = event.args.get("lphLookup") if event.kind is Kind.RETURN else None
            if isinstance(handle, str):
                qualifier = subject.partition("/")[2]
                lookup = f"lookup:{qualifier}/{handle}" if qualifier else f"lookup:{handle}"
                lookup_of.setdefault(lookup, subject)
    lookups: dict[str, list[str]] = {}
    for lookup, session in lookup_of.items():
        lookups.setdefault(session, []).append(lookup)
    implementations = trace.header.params.get("providers")
    return [
        _session(
            subject,
            by_subject[subject],
            {lookup: by_subject.get(lookup, []) for lookup in lookups.get(subject, [])},
            providers,
            implementations if isinstance(implementations, Mapping) else {},
            client_states,
        )
        for subject in names
    ]


def _session(
    subject: str,
    own: list[TraceEvent],
    lookups: dict[str, list[TraceEvent]],
    providers: Mapping[str, str],
    implementations: Mapping[str, Any],
    client_states: Mapping[str, str],
) -> Session:
    states = tuple(e for e in own if e.kind is Kind.STATE)
    started = next(
        (e for e in states if e.state is not None and e.state.new in ("Started", "NoStartup")), None
    )
    startup = next((e for e in own if e.kind is Kind.CALL and e.name == STARTUP), None)
    produced = next((e for e in own if e.kind is Kind.RETURN and e.name == STARTUP), None)
    if started is not None and "pvClientSessionArg" in started.args:
        arg = started.args["pvClientSessionArg"]
    else:
        arg = produced.args.get("ppvClientSessionArg") if produced is not None else None
    everything = sorted([*own, *(e for events in lookups.values() for e in events)], key=lambda e: e.seq)
    calls = tuple(e for e in everything if e.kind is Kind.CALL and e.name.startswith("NSPv2"))
    passes = tuple(
        ArgPass(c, c.args[name], c.args[name] == arg) for c in calls for name in ARG_NAMES if name in c.args
    )
    pid, _, qualifier = subject.partition(":")[2].partition("/")
    return Session(
        subject=subject,
        client=f"client:{pid}",
        provider=_provider_name(qualifier, startup, providers, implementations),
        session_arg=arg,
        started_at=started.t if started is not None else (startup.t if startup is not None else None),
        calls=calls,
        lookups=tuple(lookups),
        lookup_lives=tuple(_life(lookup, events) for lookup, events in lookups.items() if events),
        arg_passes=passes,
        ended_by=tuple(c for c in calls if c.name in END_ROUTINES),
        final_state=states[-1].state.new if states and states[-1].state is not None else None,
        states=states,
        faults=tuple(e for e in everything if e.kind is Kind.FAULT),
        client_state=client_states.get(f"client:{pid}"),
    )


def _life(subject: str, events: list[TraceEvent]) -> LookupLife:
    closed = next(
        (e.t for e in events if e.state is not None and e.state.new in ("Ended", "Cancelled")), None
    )
    return LookupLife(subject, events[0].t, closed)


def _provider_name(
    qualifier: str,
    startup: TraceEvent | None,
    providers: Mapping[str, str],
    implementations: Mapping[str, Any],
) -> str:
    """The session's provider: the subject's qualifier, else the instance its Startup's lpProviderId
    names; with the implementation the header records for that instance when it has another name."""
    guid = startup.args.get("lpProviderId") if startup is not None else None
    name = qualifier
    if not name and isinstance(guid, str):
        name = providers.get(guid, "")
    if not name and len(implementations) == 1:
        name = str(next(iter(implementations)))
    if not name:
        return str(guid) if guid is not None else ""
    implementation = implementations.get(name)
    return f"{name} ({implementation})" if implementation and implementation != name else name
