"""Cluster offline operations read back from a trace: one record per time the cluster took a resource
offline (or tried to), with its flags, result, pending window, status reports, Terminate and outcome.

An operation is one of:

- an ``OfflineV2`` call, up to the resource's next lifecycle call (OfflineV2, OnlineV2, OpenV2, Close)
  or the end of the trace — each retry of a queued move is an operation of its own;
- a ``Terminate`` that served a client's offline request without OfflineV2 (FORCE_WITH_TERMINATION);
- a client offline or move request the cluster refused before calling the DLL (locked mode, a flag the
  OS lacks);
- in a trace imported from a cluster.log, which shows no OfflineV2 call: RCM's issuing an offline up to
  the resource's arrival in Offline or Failed (routine ``Offline``, `labkit.readback.logoffline`).

Works on any cluster trace that follows docs/trace-conventions.md. Plain frozen data:
`labkit.views.tables.offline_summary` renders it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from labkit import winapi
from labkit.readback import logoffline as log
from labkit.readback.memo import remembered
from labkit.trace import Kind, Trace, TraceEvent
from labkit.winapi import OfflineFlags

LOG_ROUTINE = "Offline"
"""The routine of an operation read from a log: RCM issued an offline; the log does not say which entry
point (Offline or OfflineV2) RHS called."""
LIFECYCLE = ("OfflineV2", "OnlineV2", "OpenV2", "Close", "Offline", "Online", "Open")
"""Entry points that start something new for a resource: an operation's window ends at the next one."""
CLIENT = "client"
"""The actor of client API calls (MoveClusterGroupEx, OfflineClusterResourceEx, ...)."""
_PENDING = winapi.ERROR_IO_PENDING


@dataclass(frozen=True)
class OfflineOperation:
    """One offline of one resource."""

    resource: str
    """The resource (or ``group:<name>`` for a group request refused before any DLL call)."""
    routine: str
    """``OfflineV2``, ``Terminate`` (called instead of OfflineV2), or empty when the request was refused
    before the DLL was called."""
    start: TraceEvent
    """The OfflineV2 or Terminate call, or the refused request."""
    request: TraceEvent | None
    """The client call the operation served; None when the cluster acted on its own."""
    requested: OfflineFlags | None
    """What the client asked for (the header's ``flags``); None when no client asked."""
    effective: OfflineFlags | None
    """The OfflineFlags OfflineV2 received; None when OfflineV2 was not called."""
    destination: str | None
    """DestinationNodeName (None: NULL, a plain offline)."""
    returned: TraceEvent | None
    """The return of OfflineV2 (or Terminate), or of the refused request."""
    completed: TraceEvent | None
    """The completion of a pending OfflineV2."""
    reports: tuple[TraceEvent, ...]
    """SetResourceStatusEx calls for the resource from the call until the operation settled."""
    terminated: bool
    """Whether Terminate was called for the resource during the operation."""
    state: str | None
    """The resource's state when the operation was over."""
    node: str | None
    """The node it was on then."""
    persistent_state: tuple[int, bool] | None
    """The PersistentState the cluster recorded during the operation, and whether it updated it."""
    faults: tuple[TraceEvent, ...]
    """Faults about the resource during the operation."""
    settled: TraceEvent | None = None
    """For an operation read from a log (routine ``Offline``): the state event it ended with."""

    @property
    def pending_ms(self) -> float | None:
        """Virtual ms from ERROR_IO_PENDING to the completion (for an operation read from a log, from
        RCM's issuing the offline to the resource's settling); None when OfflineV2 did not pend or the
        operation never settled."""
        if self.routine == LOG_ROUTINE:
            return None if self.settled is None else self.settled.t - self.start.t
        if self.returned is None or self.returned.result != _PENDING or self.completed is None:
            return None
        return self.completed.t - self.returned.t

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """The CheckPoint of each status report, in order."""
        return tuple(int(r.args.get("CheckPoint", 0)) for r in self.reports)


def offline_operations(trace: Trace) -> list[OfflineOperation]:
    """Every offline operation of a cluster trace, in trace order (worked out once per trace)."""
    return list(remembered(trace, "offline operations", lambda t: tuple(_operations(t))))


def requested_flags(trace: Trace) -> OfflineFlags | None:
    """The OfflineFlags the trace's client requests asked for: the header's ``flags`` parameter, read once
    into an `OfflineFlags` (None when the trace records none or the value names no known flag)."""
    return remembered(trace, "requested flags", _header_flags)


def _operations(trace: Trace) -> list[OfflineOperation]:
    events = list(trace)
    by_subject: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        by_subject.setdefault(event.subject, []).append(index)
    requests = _requests(events)
    requested = requested_flags(trace)
    groups = _group_of(trace)
    operations: list[tuple[int, OfflineOperation]] = []
    served: set[int] = set()  # requests that reached a DLL
    for index, event in enumerate(events):
        if event.kind is not Kind.CALL or event.name not in ("OfflineV2", "Terminate"):
            continue
        indices = by_subject[event.subject]
        request = _open_request(requests, event.seq, _concerning(event.subject, groups))
        if request is not None:
            served.add(request.seq)
        if event.name == "Terminate" and (
            request is None
            or not request.name.startswith("Offline")
            or _inside_offline(events, indices, index)
        ):
            continue  # part of an OfflineV2 operation, or recovery from a failed online
        window = _window(events, indices, index)
        before = _state_before(events, indices, index)
        operations.append((index, _operation(event, window, before, request, requested)))
    for index, (call, final) in requests.items():
        if final is None or call.seq in served or not call.name.startswith(("Offline", "Move")):
            continue
        if final.result not in (winapi.ERROR_SUCCESS, _PENDING, None):
            operations.append((index, _refused(call, final, requested)))
    operations += _log_operations(events, by_subject, groups)
    operations.sort(key=lambda item: item[0])
    return [op for _, op in operations]


def _log_operations(
    events: list[TraceEvent], by_subject: dict[str, list[int]], groups: dict[str, str]
) -> list[tuple[int, OfflineOperation]]:
    """Operations of resources whose offlines a log shows by RCM's transitions (`labkit.readback.logoffline`):
    only for resources with no OfflineV2 or Terminate call in the trace."""
    called = {e.subject for e in events if e.kind is Kind.CALL and e.name in ("OfflineV2", "Terminate")}
    found = []
    for index, event in enumerate(events):
        if event.subject in called or not log.starts_offline(event):
            continue
        window = log.window(events, by_subject[event.subject], index)
        last = window[-1] if window[-1].kind is Kind.STATE else None
        states = [e for e in window if e.kind is Kind.STATE]
        node = states[-1].args.get("node")
        found.append(
            (
                index,
                OfflineOperation(
                    resource=event.subject,
                    routine=LOG_ROUTINE,
                    start=event,
                    request=log.request_for(events, index, groups.get(event.subject)),
                    requested=None,
                    effective=None,
                    destination=log.destination_for(events, index, groups.get(event.subject)),
                    returned=None,
                    completed=None,
                    reports=tuple(
                        e for e in window if e.kind is Kind.CALL and e.name == "SetResourceStatusEx"
                    ),
                    terminated=any(e.kind is Kind.CALL and e.name == "Terminate" for e in window),
                    state=states[-1].name,
                    node=node if isinstance(node, str) else None,
                    persistent_state=None,
                    faults=tuple(e for e in window if e.kind is Kind.FAULT),
                    settled=last if last is not None and last.name in log.SETTLED else None,
                ),
            )
        )
    return found


def _header_flags(trace: Trace) -> OfflineFlags | None:
    text = trace.header.params.get("flags")
    try:
        return OfflineFlags.parse(text) if isinstance(text, str | int) else None
    except ValueError:
        return None


def _requests(events: list[TraceEvent]) -> dict[int, tuple[TraceEvent, TraceEvent | None]]:
    """Client calls by index, with the event that finished them (their completion when they returned
    pending; None while unfinished)."""
    calls = {e.seq: (index, e) for index, e in enumerate(events) if e.kind is Kind.CALL and e.actor == CLIENT}
    finals: dict[int, TraceEvent] = {}
    for event in events:
        finished = event.kind is Kind.COMPLETE or (event.kind is Kind.RETURN and event.result != _PENDING)
        if event.span in calls and finished:
            finals.setdefault(event.span, event)
    return {index: (call, finals.get(seq)) for seq, (index, call) in calls.items()}


def _group_of(trace: Trace) -> dict[str, str]:
    """Resource name → ``group:<name>``, from the header's layout (empty when the trace has none)."""
    layout = trace.header.params.get("groups")
    if not isinstance(layout, dict):
        return {}
    found = {}
    for group, spec in layout.items():
        members = spec.get("resources") if isinstance(spec, dict) else None
        for resource in members if isinstance(members, list) else ():
            found[str(resource)] = f"group:{group}"
    return found


def _concerning(resource: str, groups: dict[str, str]) -> set[str] | None:
    """The request subjects that can concern ``resource``: itself and its group; None when unknown."""
    return {resource, groups[resource]} if resource in groups else None


def _open_request(
    requests: dict[int, tuple[TraceEvent, TraceEvent | None]], seq: int, subjects: set[str] | None
) -> TraceEvent | None:
    """The latest client request made before ``seq``, not finished by then, about one of ``subjects``.

    Without a layout (``subjects`` None) any open request counts: right while requests do not overlap.
    """
    found = None
    for call, final in requests.values():
        about = subjects is None or call.subject in subjects
        if about and call.seq < seq and (final is None or final.seq > seq):
            found = call
    return found


def _inside_offline(events: list[TraceEvent], indices: list[int], index: int) -> bool:
    """Whether the event at ``index`` falls in the window of an earlier OfflineV2 of its subject."""
    k = bisect.bisect_left(indices, index)
    for j in reversed(indices[:k]):
        event = events[j]
        if event.kind is Kind.CALL and event.name in LIFECYCLE:
            return event.name == "OfflineV2"
    return False


def _window(events: list[TraceEvent], indices: list[int], index: int) -> list[TraceEvent]:
    """The subject's events from ``index`` up to (not including) its next lifecycle call."""
    k = bisect.bisect_right(indices, index)
    window = [events[index]]
    for j in indices[k:]:
        event = events[j]
        if event.kind is Kind.CALL and event.name in LIFECYCLE:
            break
        window.append(event)
    return window


def _operation(
    call: TraceEvent,
    window: list[TraceEvent],
    before: TraceEvent | None,
    request: TraceEvent | None,
    requested: OfflineFlags | None,
) -> OfflineOperation:
    returned = next((e for e in window if e.kind is Kind.RETURN and e.span == call.seq), None)
    completed = next((e for e in window if e.kind is Kind.COMPLETE and e.span == call.seq), None)
    settled = completed or (returned if returned is not None and returned.result != _PENDING else None)
    until = settled.seq if settled is not None else window[-1].seq
    states = [e for e in window if e.kind is Kind.STATE]
    last = states[-1] if states else before
    persistent = [e for e in window if e.kind is Kind.NOTE and e.name == "PersistentState"]
    flags = call.args.get("OfflineFlags") if call.name == "OfflineV2" else None
    node = last.args.get("node") if last is not None else call.args.get("node")
    return OfflineOperation(
        resource=call.subject,
        routine=call.name,
        start=call,
        request=request,
        requested=requested if request is not None else None,
        effective=OfflineFlags(flags) if isinstance(flags, int) else None,
        destination=call.args.get("DestinationNodeName"),
        returned=returned,
        completed=completed,
        reports=tuple(
            e for e in window if e.kind is Kind.CALL and e.name == "SetResourceStatusEx" and e.seq <= until
        ),
        terminated=any(e.kind is Kind.CALL and e.name == "Terminate" for e in window),
        state=last.state.new if last is not None and last.state is not None else None,
        node=node if isinstance(node, str) else None,
        persistent_state=(
            (
                int(persistent[-1].args.get("PersistentState", 0)),
                bool(persistent[-1].args.get("updated", True)),
            )
            if persistent
            else None
        ),
        faults=tuple(e for e in window if e.kind is Kind.FAULT),
    )


def _state_before(events: list[TraceEvent], indices: list[int], index: int) -> TraceEvent | None:
    """The last state event of the subject before the event at ``index``."""
    for j in reversed(indices[: bisect.bisect_left(indices, index)]):
        if events[j].kind is Kind.STATE:
            return events[j]
    return None


def _refused(call: TraceEvent, final: TraceEvent, requested: OfflineFlags | None) -> OfflineOperation:
    return OfflineOperation(
        resource=call.subject,
        routine="",
        start=call,
        request=call,
        requested=requested,
        effective=None,
        destination=None,
        returned=final,
        completed=None,
        reports=(),
        terminated=False,
        state=None,
        node=None,
        persistent_state=None,
        faults=(),
    )
