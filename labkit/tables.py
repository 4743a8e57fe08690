"""pandas tables over traces: the events frame (one row per event) and the tables built on it.

Flags, states and codes are shown by SDK name (`labkit.display`); virtual times are milliseconds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from labkit.display import args_text, result_text
from labkit.replay import pair_calls, replay, subject_kind
from labkit.trace import Evidence, Kind, Trace


def events_frame(trace: Trace) -> pd.DataFrame:
    """One row per event, with dtypes that suit analysis.

    seq int64, t float64 (virtual ms), kind / name / actor / evidence categorical, subject / result_name /
    state_from / state_to / ref string, result and span nullable Int64, args the event's argument dict.
    """
    events = list(trace)

    def strings(values: list[str | None]) -> pd.api.extensions.ExtensionArray:
        return pd.array(values, dtype="string")

    return pd.DataFrame(
        {
            "seq": pd.array([e.seq for e in events], dtype="int64"),
            "t": pd.array([e.t for e in events], dtype="float64"),
            "kind": pd.Categorical([e.kind.value for e in events], categories=[k.value for k in Kind]),
            "name": pd.Categorical([e.name for e in events]),
            "actor": pd.Categorical([e.actor for e in events]),
            "subject": strings([e.subject for e in events]),
            "args": pd.Series([dict(e.args) for e in events], dtype=object),
            "result": pd.array([e.result for e in events], dtype="Int64"),
            "result_name": strings([e.result_name for e in events]),
            "span": pd.array([e.span for e in events], dtype="Int64"),
            "evidence": pd.Categorical(
                [e.evidence.value for e in events], categories=[v.value for v in Evidence]
            ),
            "state_from": strings([e.state.old if e.state else None for e in events]),
            "state_to": strings([e.state.new if e.state else None for e in events]),
            "ref": strings([e.ref for e in events]),
        }
    )


def _frame(columns: dict[str, tuple[Any, list[Any]]]) -> pd.DataFrame:
    """A DataFrame from ``{column: (dtype, values)}``; the dtypes hold even when there are no rows."""
    return pd.DataFrame({name: pd.array(values, dtype=dtype) for name, (dtype, values) in columns.items()})


def state_table(trace: Trace) -> pd.DataFrame:
    """One row per state interval of every subject (see `labkit.replay.replay`).

    Columns: subject, kind (session, lookup, resource, group, node, provider), state, from and to (virtual
    ms; ``to`` is missing while the subject is still in the state at the end of the trace), duration (ms,
    missing when open), entered_by (event name; missing when the state is known only from the ``from`` of
    the first change), entered_seq, left_by.
    """
    intervals = replay(trace).intervals
    return _frame(
        {
            "subject": ("string", [i.subject for i in intervals]),
            "kind": ("string", [i.kind for i in intervals]),
            "state": ("string", [i.state for i in intervals]),
            "from": ("Float64", [i.start for i in intervals]),
            "to": ("Float64", [i.end for i in intervals]),
            "duration": ("Float64", [i.duration for i in intervals]),
            "entered_by": ("string", [i.entered_by.name if i.entered_by else None for i in intervals]),
            "entered_seq": ("Int64", [i.entered_by.seq if i.entered_by else None for i in intervals]),
            "left_by": ("string", [i.left_by.name if i.left_by else None for i in intervals]),
        }
    )


def calls_table(trace: Trace) -> pd.DataFrame:
    """One row per call, paired with its return and completion by span.

    Columns: seq and t of the call, routine, actor, subject, kind (of the subject), args (flags and states
    by SDK name), result (return value by SDK name; empty for VOID), duration (call to return, ms; missing
    when it never returned), completed_by (name of the ``complete`` event), completion (its code by SDK
    name), completed_after (call to completion, ms).
    """
    calls = pair_calls(trace)
    domain = trace.domain
    return _frame(
        {
            "seq": ("int64", [c.call.seq for c in calls]),
            "t": ("float64", [c.call.t for c in calls]),
            "routine": ("string", [c.call.name for c in calls]),
            "actor": ("string", [c.call.actor for c in calls]),
            "subject": ("string", [c.call.subject for c in calls]),
            "kind": ("string", [subject_kind(c.call.subject) for c in calls]),
            "args": ("string", [args_text(c.call.args, c.call.name) for c in calls]),
            "result": ("string", [result_text(c.returned, domain) if c.returned else None for c in calls]),
            "duration": ("Float64", [c.duration for c in calls]),
            "completed_by": ("string", [c.completed.name if c.completed else None for c in calls]),
            "completion": (
                "string",
                [result_text(c.completed, domain) if c.completed else None for c in calls],
            ),
            "completed_after": ("Float64", [c.completed_after for c in calls]),
        }
    )


def faults_table(trace: Trace) -> pd.DataFrame:
    """One row per fault event: seq, t, fault (rule name), subject, routine, rule (the sentence), actor,
    evidence, ref."""
    faults = list(trace.faults)

    def arg(name: str) -> list[str | None]:
        return [None if e.args.get(name) is None else str(e.args[name]) for e in faults]

    return _frame(
        {
            "seq": ("int64", [e.seq for e in faults]),
            "t": ("float64", [e.t for e in faults]),
            "fault": ("string", [e.name for e in faults]),
            "subject": ("string", [e.subject for e in faults]),
            "routine": ("string", arg("routine")),
            "rule": ("string", arg("rule")),
            "actor": ("string", [e.actor for e in faults]),
            "evidence": ("string", [e.evidence.value for e in faults]),
            "ref": ("string", [e.ref for e in faults]),
        }
    )


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of ``frame`` (no index): missing values empty, times to the µs,
    ``|``, ``<``, ``>`` and line breaks inside cells escaped so any text from a trace keeps the table intact
    and renders as text."""

    def cell(value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return ""
        text = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        for special in "\\|<>":  # backslash first; \< keeps a renderer from reading a tag
            text = text.replace(special, "\\" + special)
        return text.replace("\r", " ").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(c) for c in frame.columns) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
