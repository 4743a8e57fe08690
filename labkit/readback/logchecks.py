"""Checks that make sense on a cluster log: timing and counting rules of the resource contract, read off
the transitions, status reports, calls and faults a trace holds, whoever recorded it.

Each check is a row of `LOG_CHECKS`: its rule name, the common property it measures against (with the
sheet's default, used when the trace's header does not give the value), the sheet line it rests on and
a function that finds the events breaking it. A log of a real cluster can break them (a DLL that stalls
with no Terminate logged, a monitor that restarts a resource beyond its threshold); a simulation should
not, which the tests check for every scenario. `labkit check` prints them after the contract checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.text import duration_text
from labkit.trace import Kind, Trace, TraceEvent
from labkit.trace.checks import Violation

PENDING = frozenset(
    {
        "OnlinePending",
        "OfflinePending",
        "OnlineCallIssued",
        "OfflineCallIssued",
        "ClusterResourceOnlinePending",
        "ClusterResourceOfflinePending",
        "ClusterResourcePending",
    }
)
"""States in which RHS waits for the DLL: CLUSTER_RESOURCE_STATE's pending states and RCM's words for
them, with RCM's sub-states for a call it issued (cluster-offline §5.1, §5.2)."""
FAILED = frozenset({"Failed", "ClusterResourceFailed"})
ONLINE_ATTEMPT = frozenset(
    {"OnlineCallIssued", "OnlinePending", "Online", "ClusterResourceOnlinePending", "ClusterResourceOnline"}
)
"""States a resource enters when it is brought online: from Failed, a restart (cluster-offline §5.3)."""
TERMINATED_BY = frozenset({"Terminate", "PendingTimeout"})
"""A Terminate call, or the monitor's PendingTimeout fault (which calls Terminate)."""

Finder = Callable[[list[TraceEvent], Mapping[str, int]], Iterator[tuple[TraceEvent, str]]]


@dataclass(frozen=True)
class LogCheck:
    """One timing or counting rule a log can break."""

    rule: str
    """CamelCase name of the violation."""
    properties: Mapping[str, int]
    """The common properties it measures against, with the sheet's defaults (ms, or a count)."""
    source: str
    """The sheet line it rests on, with its evidence tag."""
    says: str
    """The rule in one sentence."""
    find: Finder


def _per_resource(events: list[TraceEvent]) -> dict[tuple[str, Any], list[TraceEvent]]:
    """Each resource's events on each node (a log set's nodes keep their own histories)."""
    found: dict[tuple[str, Any], list[TraceEvent]] = {}
    for event in events:
        if event.subject and not event.subject.startswith(("group:", "node:")):
            found.setdefault((event.subject, event.args.get("node")), []).append(event)
    return found


def _pending_without_terminate(
    events: list[TraceEvent], limits: Mapping[str, int]
) -> Iterator[tuple[TraceEvent, str]]:
    timeout = limits["PendingTimeout"]
    for history in _per_resource(events).values():
        for since, episode, until in _pending_episodes(history):
            if any(e.name in TERMINATED_BY for e in episode):
                continue
            last = since.t  # the last sign of life: entering pending, then each status report
            for event in [*episode, until]:
                t = history[-1].t if event is None else event.t
                if t - last > timeout:
                    at = history[-1] if event is None else event
                    how = "when the trace ends" if event is None else f"at {at.name}"
                    yield (
                        at,
                        (
                            f"pending ({since.name}) with no status report for {duration_text(t - last)} "
                            f"{how}, more than PendingTimeout ({duration_text(timeout)}); no Terminate"
                        ),
                    )
                    break
                if event is not None and event.kind is Kind.CALL and event.name == "SetResourceStatusEx":
                    last = event.t


def _pending_episodes(
    history: list[TraceEvent],
) -> Iterator[tuple[TraceEvent, list[TraceEvent], TraceEvent | None]]:
    """(the state event entering pending, the events while pending, the state event leaving it — None
    when the trace ends pending) for each time the resource was pending."""
    since: TraceEvent | None = None
    episode: list[TraceEvent] = []
    for event in history:
        if since is None:
            if event.kind is Kind.STATE and event.name in PENDING:
                since, episode = event, []
        elif event.kind is Kind.STATE and event.name not in PENDING:
            yield since, episode, event
            since = None
        else:
            episode.append(event)
    if since is not None:
        yield since, episode, None


def _past_deadlock_timeout(
    events: list[TraceEvent], limits: Mapping[str, int]
) -> Iterator[tuple[TraceEvent, str]]:
    timeout = limits["DeadlockTimeout"]
    returns = {e.span: e for e in events if e.kind is Kind.RETURN and e.span is not None}
    end = events[-1].t if events else 0.0
    for event in events:
        if event.kind is Kind.FAULT and event.name == "DeadlockTimeout":
            routine = event.args.get("routine") or "a call"
            yield event, f"{routine} ran past DeadlockTimeout ({duration_text(timeout)}), as the monitor logs"
        elif event.kind is Kind.CALL and event.actor == "rhs":
            returned = returns.get(event.seq)
            took = (returned.t if returned is not None else end) - event.t
            if took > timeout and (returned is not None or event.span == event.seq):
                what = f"returned after {duration_text(took)}" if returned else "never returned"
                yield event, f"{event.name} {what}: more than DeadlockTimeout ({duration_text(timeout)})"


def _restarts_beyond_threshold(
    events: list[TraceEvent], limits: Mapping[str, int]
) -> Iterator[tuple[TraceEvent, str]]:
    threshold, period = limits["RestartThreshold"], limits["RestartPeriod"]
    for (subject, _node), history in _per_resource(events).items():
        restarts: list[TraceEvent] = []
        failed = False
        for event in history:
            if event.kind is not Kind.STATE:
                continue
            if failed and event.name in ONLINE_ATTEMPT:
                restarts = [r for r in restarts if event.t - r.t < period] + [event]
                if len(restarts) == threshold + 1:
                    yield (
                        event,
                        (
                            f"{subject} restarted {len(restarts)} times within RestartPeriod "
                            f"({duration_text(period)}); RestartThreshold is {threshold}"
                        ),
                    )
            failed = event.name in FAILED


_S4, _S53 = "cluster-offline §4", "cluster-offline §5.3"
LOG_CHECKS: tuple[LogCheck, ...] = (
    LogCheck(
        "PendingPastTimeout",
        {"PendingTimeout": 180_000},
        f"{_S4}: PendingTimeout bounds the gap between status reports; past it the monitor calls Terminate "
        "[D: W:resources-pendingtimeout]",
        "A resource stays pending with no status report for longer than PendingTimeout, and no Terminate "
        "follows.",
        _pending_without_terminate,
    ),
    LogCheck(
        "CallPastDeadlockTimeout",
        {"DeadlockTimeout": 300_000},
        f"{_S4}: RHS waits DeadlockTimeout for an entry point to return [D: W:deadlocktimeout]; log form "
        "RhsCall::DeadlockMonitor [O: JTC-B]; cluster-offline §3.6",
        "An entry-point call returns later than DeadlockTimeout, or the monitor logs that it timed out.",
        _past_deadlock_timeout,
    ),
    LogCheck(
        "RestartsBeyondThreshold",
        {"RestartThreshold": 3, "RestartPeriod": 900_000},
        f"{_S53}: RestartThreshold restarts within RestartPeriod, then fail over "
        "[D: W:resources-restartthreshold, W:resources-restartperiod]",
        "A failed resource is brought online again more than RestartThreshold times within RestartPeriod.",
        _restarts_beyond_threshold,
    ),
)


def limits_of(trace: Trace) -> dict[str, int]:
    """Every property the checks use: the trace header's ``properties`` where it gives one (a
    simulation records them), else the sheet's default (a log does not say)."""
    given = trace.header.params.get("properties")
    given = given if isinstance(given, dict) else {}
    found: dict[str, int] = {}
    for check in LOG_CHECKS:
        for name, default in check.properties.items():
            value = given.get(name, default)
            found[name] = value if isinstance(value, int) and not isinstance(value, bool) else default
    return found


def log_violations(trace: Trace) -> list[Violation]:
    """Every break of a `LOG_CHECKS` rule in a cluster trace, in event order; each message cites its
    rule's source. An NSPv2 trace has none."""
    if trace.domain != "cluster":
        return []
    events = list(trace)
    limits = limits_of(trace)
    found = [
        Violation(check.rule, event.seq, event.t, event.subject, f"{message} ({check.source.split(':')[0]})")
        for check in LOG_CHECKS
        for event, message in check.find(events, limits)
    ]
    return sorted(found, key=lambda v: v.seq)
