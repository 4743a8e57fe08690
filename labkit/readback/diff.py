"""Compare two traces: what differs in how they were made, where their events first part ways, and what
changed in the outcome (client request results, final states, states gone through, callbacks made,
faults, duration).

A notebook says what flipping one flag changed::

    d = views.diff(without_queue.trace, with_queue.trace)
    d.summary()    # "QUEUE_ENABLED: the move waited in the queue and succeeded instead of failing (…)"
    d              # in Jupyter: the sentence, the first divergence and every change as a table
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.readback.offlines import requested_flags
from labkit.readback.replay import Interval, replay, subject_kind
from labkit.text import LITERAL, arg_text, duration_text, event_text, persistent_text, result_text
from labkit.trace import Kind, Trace, TraceEvent
from labkit.winapi import OfflineFlags

SUCCESS = ("ERROR_SUCCESS", "NO_ERROR")
"""Result names that mean a request succeeded."""
REQUEST_NOUNS = {
    "MoveClusterGroupEx": "the move",
    "OfflineClusterResourceEx": "the offline",
    "OfflineClusterGroupEx": "the group offline",
    "OnlineClusterResourceEx": "the online",
    "CancelClusterGroupOperation": "the cancel",
}
"""How the sentence names a client request."""
STATE_PHRASES = {"Queued": "waited in the queue", "RmonDeadlocked": "deadlocked"}
"""How the sentence says that a subject went through a state (default: ``went through <state>``); a group
whose StatusInformation had WAITING_IN_QUEUE_FOR_MOVE went through ``Queued``."""
_WAITING_IN_QUEUE = 0x4  # CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
_MONITOR_STATES_SHOWN = ("RmonDeadlocked",)
"""A Resource Monitor's states are bookkeeping, except a deadlock: only that one is an outcome."""
_NOT_CALLBACKS = ("client", "provider", "dll", "worker:", "admin")  # actors whose calls are not callbacks
_MAX_CLAUSES = 3


@dataclass(frozen=True, slots=True)
class Change:
    """One thing that differs between trace a and trace b."""

    aspect: str
    """``parameter``, ``request``, ``final state``, ``went through``, ``persistent state``, ``callbacks``,
    ``faults`` or ``duration``."""
    subject: str
    """What differs: a header parameter, a request (``MoveClusterGroupEx group:G``), a subject, a routine
    or a fault name."""
    a: str
    """Its value in trace a (empty: absent)."""
    b: str
    """Its value in trace b (empty: absent)."""


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first position where the two traces hold different events."""

    index: int
    """Position in both traces (the seq of labkit traces)."""
    a: TraceEvent | None
    """The event of trace a there; None when a had already ended."""
    b: TraceEvent | None
    """The event of trace b there; None when b had already ended."""


@dataclass(frozen=True)
class TraceDiff:
    """What `diff` found; shows itself in Jupyter and as one sentence with `summary`."""

    domain: str
    """The domain of trace b (``nspv2`` or ``cluster``)."""
    parameters: tuple[Change, ...]
    """Header parameters that differ (flags, OS, policies, provider / DLL, …)."""
    divergence: Divergence | None
    """Where the events first differ; None when every event is the same."""
    outcome: tuple[Change, ...]
    """What changed in the outcome, most telling first."""
    flags: tuple[OfflineFlags | None, OfflineFlags | None] = (None, None)
    """The OfflineFlags the requests of trace a and of trace b asked for (None: no flags recorded)."""

    @property
    def identical(self) -> bool:
        """Whether the two traces hold the same events (their headers may still differ)."""
        return self.divergence is None

    def changes(self) -> tuple[Change, ...]:
        """Every parameter change, then every outcome change (`labkit.views.changes_table` is the same as
        a table: aspect, what, a, b)."""
        return (*self.parameters, *self.outcome)

    def label(self) -> str:
        """The parameters that differ, shortly: ``QUEUE_ENABLED``, ``without QUEUE_ENABLED``,
        ``os 2012 → 2016``."""
        labels: dict[str, None] = {}
        seen: set[tuple[str, str]] = set()
        for change in self.parameters:
            if (change.a, change.b) not in seen:  # providers.<host> repeats provider: say it once
                seen.add((change.a, change.b))
                labels[_parameter_label(change, self.flags)] = None
        return ", ".join(labels)

    def summary(self) -> str:
        """One sentence: the label, then what changed (at most three clauses, most telling first)."""
        label = self.label()
        head = f"{label}: " if label else ""
        if self.divergence is None:
            return head + ("no difference: the runs are identical" if label else "the traces are identical")
        clauses = _clauses(self.outcome)
        if not clauses:
            return (
                head
                + f"same outcome; the events differ from seq {self.divergence.index}: "
                + _how(self.divergence, self.domain)
            )
        more = len(clauses) - _MAX_CLAUSES
        text = "; ".join(clauses[:_MAX_CLAUSES]) + (f"; and {more} more" if more > 0 else "")
        return head + text

    def _repr_html_(self) -> str:
        def table(head: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
            cells = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            heads = "".join(f"<th>{html.escape(h)}</th>" for h in head)
            return f"<table><thead><tr>{heads}</tr></thead><tbody>{cells}</tbody></table>"

        parts = [f"<p><b>{html.escape(self.summary())}</b></p>"]
        if self.divergence is not None:
            d = self.divergence
            parts.append(f"<p>First divergence at seq {d.index}:</p>")
            parts.append(
                table(("", "event"), [("a", _short(d.a, self.domain)), ("b", _short(d.b, self.domain))])
            )
        changes = [(c.aspect, c.subject, c.a, c.b) for c in (*self.parameters, *self.outcome)]
        if changes:
            parts.append(table(("aspect", "what", "a", "b"), changes))
        return f"<div class='labkit-diff {LITERAL}'>" + "".join(parts) + "</div>"


def diff(a: Trace, b: Trace) -> TraceDiff:
    """Compare trace ``a`` (the reference) with trace ``b``."""
    return TraceDiff(
        domain=b.domain,
        parameters=tuple(_parameters(a.header.params, b.header.params)),
        divergence=_divergence(a, b),
        outcome=tuple(_outcome(a, b)),
        flags=(requested_flags(a), requested_flags(b)),
    )


def _short(event: TraceEvent | None, domain: Any) -> str:
    return "(the trace had ended)" if event is None else event_text(event, domain, limit=80)


def _how(first: Divergence, domain: Any) -> str:
    """What differs in the first differing events: their arguments when they are the same call."""
    x, y = first.a, first.b
    if x is not None and y is not None and (x.kind, x.name, x.subject) == (y.kind, y.name, y.subject):
        keys = [k for k in dict.fromkeys([*x.args, *y.args]) if x.args.get(k) != y.args.get(k)]
        if keys:
            shown = ", ".join(
                f"{k} {arg_text(k, x.args.get(k), x.name)} → {arg_text(k, y.args.get(k), y.name)}"
                for k in keys
            )
            return f"{x.kind} {x.name} ({x.subject}) with {shown}"
    return f"{_short(x, domain)} instead of {_short(y, domain)}"


def _same(x: TraceEvent, y: TraceEvent) -> bool:
    """Equal in everything but seq (a trace recorded elsewhere may number its events differently)."""
    return (x.t, x.kind, x.name, x.actor, x.subject, x.result, x.result_name, x.span, x.state) == (
        y.t,
        y.kind,
        y.name,
        y.actor,
        y.subject,
        y.result,
        y.result_name,
        y.span,
        y.state,
    ) and dict(x.args) == dict(y.args)


def _divergence(a: Trace, b: Trace) -> Divergence | None:
    for index in range(max(len(a), len(b))):
        x = a[index] if index < len(a) else None
        y = b[index] if index < len(b) else None
        if x is None or y is None or not _same(x, y):
            return Divergence(index, x, y)
    return None


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _parameters(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    x, y = _flatten(_sourced(a)), _flatten(_sourced(b))
    keys = list(dict.fromkeys([*x, *y]))
    return [
        Change("parameter", key, _text(x.get(key)), _text(y.get(key)))
        for key in keys
        if x.get(key) != y.get(key)
    ]


def _sourced(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """An imported trace's parameters with its ``source`` (every file's accounting and tables) said as
    the files it was read from: what made the trace, as a simulation's parameters say it."""
    source = params.get("source")
    if not isinstance(source, Mapping):
        return params
    files = [f.get("path") for f in source.get("files", []) if isinstance(f, Mapping)]
    return {**{k: v for k, v in params.items() if k != "source"}, "read from": ", ".join(map(str, files))}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _parameter_label(change: Change, flags: tuple[OfflineFlags | None, OfflineFlags | None]) -> str:
    if change.subject == "flags":
        old, new = flags
        if (old is None and change.a) or (new is None and change.b):
            return f"flags {change.a} → {change.b}"  # a value that names no OfflineFlags
        old, new = old or OfflineFlags(0), new or OfflineFlags(0)
        parts = [
            *OfflineFlags(new & ~old).names(),
            *(f"without {n}" for n in OfflineFlags(old & ~new).names()),
        ]
        return " + ".join(parts) or "flags unchanged"
    name = change.subject.rpartition(".")[2]
    return f"{name} {change.a or '(none)'} → {change.b or '(none)'}"


# --------------------------------------------------------------------------------------------------------
# Outcome
# --------------------------------------------------------------------------------------------------------


def _outcome(a: Trace, b: Trace) -> list[Change]:
    changes = _requests(a, b)
    history_a, history_b = replay(a), replay(b)
    finals_a, finals_b = _finals(history_a.intervals), _finals(history_b.intervals)
    for subject in dict.fromkeys([*finals_a, *finals_b]):
        if subject_kind(subject) == "monitor":
            continue
        if finals_a.get(subject, "") != finals_b.get(subject, ""):
            changes.append(
                Change("final state", subject, finals_a.get(subject, ""), finals_b.get(subject, ""))
            )
    visited_a = {**_visited(history_a.intervals), **_queued(a)}
    visited_b = {**_visited(history_b.intervals), **_queued(b)}
    for subject, state in visited_b:
        if (subject, state) not in visited_a:
            changes.append(Change("went through", subject, "", state))
    for subject, state in visited_a:
        if (subject, state) not in visited_b:
            changes.append(Change("went through", subject, state, ""))
    kept_a, kept_b = _persistent(a), _persistent(b)
    for subject in dict.fromkeys([*kept_a, *kept_b]):
        if kept_a.get(subject, "") != kept_b.get(subject, ""):
            changes.append(
                Change("persistent state", subject, kept_a.get(subject, ""), kept_b.get(subject, ""))
            )
    changes += _counts("callbacks", _callbacks(a), _callbacks(b))
    changes += _counts("faults", Counter(e.name for e in a.faults), Counter(e.name for e in b.faults))
    end_a, end_b = (a[-1].t if len(a) else 0.0), (b[-1].t if len(b) else 0.0)
    if end_a != end_b:
        changes.append(Change("duration", "last event", duration_text(end_a), duration_text(end_b)))
    return changes


def _requests(a: Trace, b: Trace) -> list[Change]:
    """Client requests (calls by ``client``) whose results differ, paired by name, subject and order."""
    found_a, found_b = _request_results(a), _request_results(b)
    return [
        Change("request", f"{key[0]} {key[1]}", found_a.get(key, ""), found_b.get(key, ""))
        for key in dict.fromkeys([*found_a, *found_b])
        if found_a.get(key, "") != found_b.get(key, "")
    ]


def _request_results(trace: Trace) -> dict[tuple[str, str, int], str]:
    calls: dict[int, tuple[str, str, int]] = {}
    seen: Counter[tuple[str, str]] = Counter()
    results: dict[tuple[str, str, int], str] = {}
    for event in trace:
        if event.kind is Kind.CALL and event.actor == "client":
            seen[(event.name, event.subject)] += 1
            key = (event.name, event.subject, seen[(event.name, event.subject)])
            calls[event.seq] = key
            results[key] = "(unfinished)"
        elif event.span in calls and event.kind in (Kind.RETURN, Kind.COMPLETE):
            text = result_text(event, trace.domain)
            if event.kind is Kind.COMPLETE or text not in ("ERROR_IO_PENDING", "WSA_IO_PENDING"):
                results[calls[event.span]] = text or "(no result)"
    return results


def _finals(intervals: Iterable[Interval]) -> dict[str, str]:
    """Each subject's last state, with the node it is on when the trace records one."""
    out: dict[str, str] = {}
    for interval in intervals:
        node = interval.entered_by.args.get("node") if interval.entered_by is not None else None
        out[interval.subject] = interval.state + (f" on {node}" if isinstance(node, str) else "")
    return out


def _queued(trace: Trace) -> dict[tuple[str, str], None]:
    """Groups whose StatusInformation said WAITING_IN_QUEUE_FOR_MOVE, as if they went through Queued."""
    return {
        (e.subject, "Queued"): None
        for e in trace
        if e.kind is Kind.NOTE
        and e.name == "StatusInformation"
        and isinstance(e.args.get("StatusInformation"), int)
        and e.args["StatusInformation"] & _WAITING_IN_QUEUE
    }


def _visited(intervals: Iterable[Interval]) -> dict[tuple[str, str], None]:
    return dict.fromkeys(
        (i.subject, i.state)
        for i in intervals
        if subject_kind(i.subject) != "monitor" or i.state in _MONITOR_STATES_SHOWN
    )


def _persistent(trace: Trace) -> dict[str, str]:
    """Each resource's last recorded PersistentState (cluster traces: ``PersistentState`` notes)."""
    out: dict[str, str] = {}
    for event in trace:
        if event.kind is Kind.NOTE and event.name == "PersistentState" and "PersistentState" in event.args:
            out[event.subject] = persistent_text(
                event.args["PersistentState"], event.args.get("updated", True)
            )
    return out


def _callbacks(trace: Trace) -> Counter[str]:
    """How many times the host called each routine of the provider / DLL."""
    return Counter(e.name for e in trace if e.kind is Kind.CALL and not e.actor.startswith(_NOT_CALLBACKS))


def _counts(aspect: str, a: Counter[str], b: Counter[str]) -> list[Change]:
    """Names whose counts differ, the biggest difference first."""
    names = [n for n in dict.fromkeys([*a, *b]) if a.get(n, 0) != b.get(n, 0)]
    names.sort(key=lambda n: -abs(a.get(n, 0) - b.get(n, 0)))
    return [Change(aspect, name, str(a.get(name, 0)), str(b.get(name, 0))) for name in names]


# --------------------------------------------------------------------------------------------------------
# The sentence
# --------------------------------------------------------------------------------------------------------


def _clauses(outcome: tuple[Change, ...]) -> list[str]:
    """Short clauses, most telling first: requests (with the telling states their subject went through,
    `STATE_PHRASES`), final states of other subjects, persistent state, callbacks, faults, states other
    subjects went through, duration."""
    used: set[str] = set()
    clauses: list[str] = []
    went = [c for c in outcome if c.aspect == "went through"]
    for change in (c for c in outcome if c.aspect == "request"):
        routine, _, subject = change.subject.partition(" ")
        path = [_went(c) for c in went if c.subject == subject and (c.a or c.b) in STATE_PHRASES]
        used.add(subject)
        clauses.append(f"{REQUEST_NOUNS.get(routine, routine)} {' and '.join([*path, _result(change)])}")
    for change in went:  # a monitor that deadlocked (or no longer does) comes next: it fails all it hosts
        if subject_kind(change.subject) == "monitor" and change.subject not in used:
            used.add(change.subject)
            clauses.append(f"{change.subject} {_went(change)}")
    for change in outcome:
        if change.aspect == "final state" and change.subject not in used:
            used.add(change.subject)
            clauses.append(f"{change.subject} {_final(change)}")
    clauses += [
        f"{c.subject} kept its persistent state {c.b.removesuffix(' (not updated)')}"
        if c.b.endswith("(not updated)")
        else f"{c.subject} persistent state {c.b or '(none)'} instead of {c.a or '(none)'}"
        for c in outcome
        if c.aspect == "persistent state" and c.subject not in used
    ]
    clauses += [_callback(c) for c in outcome if c.aspect == "callbacks"]
    clauses += [_fault(c) for c in outcome if c.aspect == "faults"]
    clauses += [f"{c.subject} {_went(c)}" for c in went if c.subject not in used]
    clauses += [f"it took {c.b} instead of {c.a}" for c in outcome if c.aspect == "duration"]
    return clauses


def _result(change: Change) -> str:
    ok_a, ok_b = change.a in SUCCESS, change.b in SUCCESS
    if not change.a:
        return f"was made ({change.b})"
    if not change.b:
        return "was not made"
    if ok_b and not ok_a:
        return f"succeeded instead of failing ({change.a})"
    if ok_a and not ok_b:
        return f"failed with {change.b} instead of succeeding"
    return f"ended with {change.b} instead of {change.a}"


def _went(change: Change) -> str:
    if change.b:
        return STATE_PHRASES.get(change.b, f"went through {_state(change.b)}")
    phrase = STATE_PHRASES.get(change.a, f"went through {_state(change.a)}")
    return "no longer " + phrase


def _state(text: str) -> str:
    return text.removeprefix("ClusterResource").removeprefix("ClusterGroup")


def _final(change: Change) -> str:
    old, new = _state(change.a), _state(change.b)
    if not old:
        return f"ended {new}"
    if not new:
        return f"no longer ended {old}"
    old_state, _, old_node = old.partition(" on ")
    new_state, _, new_node = new.partition(" on ")
    if old_state == new_state and old_node and new_node:
        return f"ended on {new_node} instead of {old_node}"
    if old_node == new_node:
        return f"ended {new_state} instead of {old_state}"
    return f"ended {new} instead of {old}"


def _times(count: str) -> str:
    return {"1": "once", "2": "twice"}.get(count, f"{count} times")


def _callback(change: Change) -> str:
    if change.a == "0":
        return f"{change.subject} was called" + ("" if change.b == "1" else f" {_times(change.b)}")
    if change.b == "0":
        return f"{change.subject} was no longer called"
    return f"{change.subject} ran {_times(change.b)} instead of {_times(change.a)}"


def _fault(change: Change) -> str:
    if change.a == "0":
        return (
            f"a {change.subject} fault appeared" if change.b == "1" else f"{change.b} {change.subject} faults"
        )
    if change.b == "0":
        return f"no {change.subject} fault any more"
    return f"{change.b} {change.subject} faults instead of {change.a}"
