"""Cluster health read back from a trace: per resource, its health checks, failures, restarts, failovers
and the Resource Monitors that hosted it.

Works on any cluster trace that follows docs/trace-conventions.md, simulated or imported from a
cluster.log: a poll is a ``LooksAlive`` / ``IsAlive`` call (or, where a log shows only the answer, its
return); a FALSE answer is a return with result 0; a failure is a state change into
``ClusterResourceFailed`` (RCM's ``Failed`` in a log); restarts and failovers are the cluster's
``Restart`` and ``Failover`` notes (a failover counts for every resource of the group; a log, which has
no Restart note, counts the returns from Failed to an online attempt); the hosting monitor is the
``monitor`` argument of the monitor's calls. Plain frozen data: `labkit.views.tables.health_summary`
renders it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from labkit.clusterlog.patterns import CLUSTER_STATES
from labkit.readback.logchecks import FAILED as FAILED_WORDS
from labkit.readback.logchecks import ONLINE_ATTEMPT
from labkit.readback.memo import remembered
from labkit.readback.replay import subject_kind
from labkit.trace import Kind, Trace, TraceEvent

CHECKS = ("LooksAlive", "IsAlive")
FAILED = "ClusterResourceFailed"


@dataclass(frozen=True)
class ResourceHealth:
    """What one resource went through."""

    resource: str
    group: str | None
    """Its group, from the trace header's layout (None when the header does not say)."""
    looks_alive: int
    """LooksAlive polls."""
    is_alive: int
    """IsAlive polls."""
    false_answers: int
    """Health checks that answered FALSE."""
    failures: int
    """Times it went to ClusterResourceFailed."""
    restarts: int
    """Restarts the cluster decided after a failure."""
    failovers: int
    """Failovers of its group."""
    monitors: tuple[str, ...]
    """The monitors that hosted it, in the order they did (``monitor:1``, ``monitor:2``)."""
    deadlocks: int
    """Its calls that passed DeadlockTimeout."""
    state: str | None
    """Its last state in the trace."""

    @property
    def polls(self) -> int:
        return self.looks_alive + self.is_alive

    @property
    def monitor_changes(self) -> int:
        """How many times it moved to another monitor."""
        return max(len(self.monitors) - 1, 0)


def resource_health(trace: Trace) -> list[ResourceHealth]:
    """One `ResourceHealth` per resource of a cluster trace, in order of first appearance (worked out once
    per trace)."""
    return list(remembered(trace, "resource health", lambda t: tuple(_health(t))))


def _health(trace: Trace) -> Iterable[ResourceHealth]:
    group_of = _groups(trace.header.params.get("groups"))
    by_resource: dict[str, list[TraceEvent]] = {}
    failovers: dict[str, int] = {}
    for event in trace:
        if event.kind is Kind.NOTE and event.name == "Failover" and event.subject.startswith("group:"):
            moved = event.subject.removeprefix("group:")
            failovers[moved] = failovers.get(moved, 0) + 1
        elif event.subject and subject_kind(event.subject) == "resource":
            by_resource.setdefault(event.subject, []).append(event)
    for name, events in by_resource.items():
        group = group_of.get(name)
        yield _one(name, group, events, failovers.get(group or "", 0))


def _one(name: str, group: str | None, events: list[TraceEvent], failovers: int) -> ResourceHealth:
    counts = {check: _polls(events, check) for check in CHECKS}
    states = [e.state.new for e in events if e.kind is Kind.STATE and e.state is not None]
    monitors: list[str] = []
    for event in events:
        monitor = event.args.get("monitor") if event.kind is Kind.CALL and event.actor == "rhs" else None
        if isinstance(monitor, str) and (not monitors or monitors[-1] != monitor):
            monitors.append(monitor)
    return ResourceHealth(
        resource=name,
        group=group,
        looks_alive=counts["LooksAlive"],
        is_alive=counts["IsAlive"],
        false_answers=sum(1 for e in events if e.kind is Kind.RETURN and e.name in CHECKS and e.result == 0),
        failures=sum(1 for state in states if CLUSTER_STATES.get(state, state) == FAILED),
        restarts=_restarts(events, states),
        failovers=failovers,
        monitors=tuple(monitors),
        deadlocks=sum(1 for e in events if e.kind is Kind.FAULT and e.name == "DeadlockTimeout"),
        state=states[-1] if states else None,
    )


def _restarts(events: list[TraceEvent], states: list[str]) -> int:
    """The cluster's Restart notes; in a log, which has none, the times the resource was brought online
    again straight after Failed (RCM's ``Failed-->OnlineCallIssued``)."""
    notes = sum(1 for e in events if e.kind is Kind.NOTE and e.name == "Restart")
    if notes:
        return notes
    pairs = itertools.pairwise(states)
    return sum(1 for old, new in pairs if old in FAILED_WORDS and new in ONLINE_ATTEMPT)


def _polls(events: list[TraceEvent], check: str) -> int:
    """Calls of ``check``, or its returns where a log recorded only the answers."""
    calls = sum(1 for e in events if e.kind is Kind.CALL and e.name == check)
    returns = sum(1 for e in events if e.kind is Kind.RETURN and e.name == check)
    return max(calls, returns)


def _groups(layout: object) -> dict[str, str]:
    """Resource → group from the header's ``groups`` parameter (``{group: {"resources": [...]}}``)."""
    if not isinstance(layout, Mapping):
        return {}
    found: dict[str, str] = {}
    for group, spec in layout.items():
        members = spec.get("resources", []) if isinstance(spec, Mapping) else []
        for member in members if isinstance(members, list) else []:
            found[str(member)] = str(group)
    return found
