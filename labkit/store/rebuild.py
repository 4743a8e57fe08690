"""Traces back out of the store: one stored trace as it was added, and one subject across every run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from labkit.trace import Evidence, Kind, StateChange, Trace, TraceEvent, TraceHeader

if TYPE_CHECKING:
    import pyarrow as pa

EVENT_FIELDS = (
    "seq",
    "t",
    "kind",
    "name",
    "actor",
    "subject",
    "args",
    "result",
    "result_name",
    "span",
    "evidence",
    "state_from",
    "state_to",
    "ref",
)
"""The ``events`` columns a `TraceEvent` is made of, in its field order (state as two columns)."""


def header(row: dict[str, Any]) -> TraceHeader:
    """The header of a ``traces`` row."""
    return TraceHeader(
        domain=row["domain"],
        scenario=row["scenario"],
        params=json.loads(row["params"]),
        labkit=row["labkit"],
        version=int(row["version"]),
    )


def events(table: pa.Table) -> Iterator[TraceEvent]:
    """The events of ``table`` (the `EVENT_FIELDS` columns, in trace order)."""
    import msgspec

    columns = {name: table[name].to_pylist() for name in EVENT_FIELDS}
    kinds = {k.value: k for k in Kind}
    evidence = {e.value: e for e in Evidence}
    decode = msgspec.json.decode  # the stored args are valid JSON without repeated keys: same values
    states = (
        None if new is None else StateChange(old, new)
        for old, new in zip(columns["state_from"], columns["state_to"], strict=True)
    )
    rows = zip(
        columns["seq"],
        columns["t"],
        map(kinds.__getitem__, columns["kind"]),
        columns["name"],
        columns["actor"],
        columns["subject"],
        map(decode, columns["args"]),
        columns["result"],
        columns["result_name"],
        columns["span"],
        map(evidence.__getitem__, columns["evidence"]),
        states,
        columns["ref"],
        strict=True,
    )
    return (
        TraceEvent(
            seq,
            t,
            kind,
            name,
            actor,
            subject,
            args,
            result,
            result_name,
            span,
            evidence=ev,
            state=st,
            ref=ref,
        )
        for seq, t, kind, name, actor, subject, args, result, result_name, span, ev, st, ref in rows
    )


def trace(row: dict[str, Any], table: pa.Table) -> Trace:
    """The trace of a ``traces`` row and its events."""
    return Trace(header(row), events(table))


def across_runs(
    subject: str, domain: str, rows: dict[str, dict[str, Any]], table: pa.Table, labels: dict[str, str]
) -> Trace:
    """One subject's events from several traces as one trace, a lane per run.

    ``table`` holds the subject's events (with ``trace_id``) in trace order within each run. Each run's
    events keep their times and get the subject ``<label>: <subject>``; they are merged by time (then
    run, then seq), renumbered, and every span is mapped to the new seq of its call (null when the call
    was not the subject's own).
    """
    ids = table["trace_id"].to_pylist()
    old_seq, times = table["seq"].to_pylist(), table["t"].to_pylist()
    order = sorted(range(len(ids)), key=lambda i: (times[i], labels[ids[i]], old_seq[i]))
    renumber = {(ids[i], old_seq[i]): new for new, i in enumerate(order)}
    source = list(events(table))
    merged = []
    for new, i in enumerate(order):
        event = source[i]
        span = None if event.span is None else renumber.get((ids[i], event.span))
        merged.append(
            TraceEvent(
                seq=new,
                t=event.t,
                kind=event.kind,
                name=event.name,
                actor=event.actor,
                subject=f"{labels[ids[i]]}: {subject}",
                args={**event.args, "trace_id": ids[i]},
                result=event.result,
                result_name=event.result_name,
                span=span,
                evidence=event.evidence,
                state=event.state,
                ref=event.ref,
            )
        )
    params = {"subject": subject, "traces": sorted(rows)}
    head = TraceHeader(domain=domain, scenario=f"{subject} across {len(rows)} runs", params=params)  # type: ignore[arg-type]
    return Trace(head, merged)
