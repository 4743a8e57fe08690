"""pandas tables over traces: the events frame (one row per event) and the tables built on it.

Flags, states and codes are shown by SDK name (`labkit.text`); virtual times are milliseconds. Every
table is a `labkit.trace.literal.LiteralFrame`: its HTML keeps MathJax away, so text from a trace shows
literally in Jupyter, without changing any pandas option.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from labkit.readback.diff import TraceDiff
from labkit.readback.health import resource_health
from labkit.readback.offlines import offline_operations
from labkit.readback.replay import replay, subject_kind
from labkit.readback.sessions import BEGIN, NEXT, SET, STARTUP, sessions
from labkit.text import LITERAL, arg_text, args_text, counted, persistent_text, result_text
from labkit.trace import Trace, TraceEvent
from labkit.trace.literal import LiteralFrame

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


def events_frame(trace: Trace) -> pd.DataFrame:
    """One row per event (`Trace.to_frame`): the frame every table starts from."""
    return trace.to_frame()


def readable(frame: pd.DataFrame) -> Styler:
    """``frame`` set out for reading in a notebook: every cell in full, text left-aligned, numbers as
    written (``4``, ``0.25``), missing values blank, no row numbers (a named index stays).

    pandas cuts each cell at 50 characters, and a fault's rule or an erratum is a sentence. Cells are
    HTML-escaped like any text from a trace and kept from MathJax; long SDK names may wrap after ``_`` and
    flag words after ``|``. The frame itself is ``readable(frame).data``.
    """
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    shown: dict[Any, str | Callable[[object], str] | None] = {
        c: "{:g}" if pd.api.types.is_float_dtype(frame[c]) else _wrappable if c in text else None
        for c in frame
    }
    styler = frame.style.format(shown, na_rep="", escape="html").set_table_attributes(f'class="{LITERAL}"')
    top: list[tuple[str, str | float]] = [("vertical-align", "top")]
    left: list[tuple[str, str | float]] = [("text-align", "left")]
    styler = styler.set_table_styles(
        [{"selector": "td, th", "props": top}, {"selector": "th", "props": left}]
    )
    styler = styler.set_table_styles({c: [{"selector": "td", "props": left}] for c in text}, overwrite=False)
    return styler.hide(axis="index") if isinstance(frame.index, pd.RangeIndex) else styler


def _wrappable(value: object) -> str:
    """A cell's (already escaped) text that may wrap after a ``|`` or ``_``: SDK names and flag words are
    long single words (CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR)."""
    return str(value).replace("|", "|<wbr>").replace("_", "_<wbr>")


def _frame(columns: dict[str, tuple[Any, list[Any]]]) -> pd.DataFrame:
    """A DataFrame from ``{column: (dtype, values)}``; the dtypes hold even when there are no rows."""
    return LiteralFrame({name: pd.array(values, dtype=dtype) for name, (dtype, values) in columns.items()})


def state_table(trace: Trace) -> pd.DataFrame:
    """One row per state interval of every subject (see `labkit.readback.replay.replay`).

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
    calls = replay(trace).calls
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


def session_summary(trace: Trace) -> pd.DataFrame:
    """NSPv2: one row per client session (see `labkit.readback.sessions`).

    Columns: session (subject), client (process), provider (instance, with its implementation),
    session_arg (what NSPv2Startup produced; ``NULL`` for none), started_at (ms), lookups
    (NSPv2LookupServiceBegin calls), nexts (NSPv2LookupServiceNextEx calls), sets (NSPv2SetServiceEx
    calls), ended (``Cleanup``, ``Rundown``, ``both``, ``leaked``, ``orphaned`` or ``still open``),
    ended_by (the end routines in order), ended_at (ms), final_state, client_state (the process's last
    state), arg_mismatches (calls that handed the provider another session argument than Startup
    produced), faults (rule names, ``×n`` when repeated).
    """
    found = sessions(trace)
    return _frame(
        {
            "session": ("string", [s.subject for s in found]),
            "client": ("string", [s.client for s in found]),
            "provider": ("string", [s.provider for s in found]),
            "session_arg": ("string", [arg_text("pvClientSessionArg", s.session_arg) for s in found]),
            "started_at": ("Float64", [s.started_at for s in found]),
            "lookups": ("int64", [s.count(BEGIN) for s in found]),
            "nexts": ("int64", [s.count(NEXT) for s in found]),
            "sets": ("int64", [s.count(SET) for s in found]),
            "ended": ("string", [s.ended for s in found]),
            "ended_by": ("string", [", ".join(c.name for c in s.ended_by) for s in found]),
            "ended_at": ("Float64", [s.ended_at for s in found]),
            "final_state": ("string", [s.final_state for s in found]),
            "client_state": ("string", [s.client_state for s in found]),
            "arg_mismatches": ("int64", [sum(not p.matches for p in s.arg_passes) for s in found]),
            "faults": ("string", [counted(e.name for e in s.faults) for s in found]),
        }
    )


def session_args_table(trace: Trace) -> pd.DataFrame:
    """NSPv2: one row per call into the provider, and the session argument it carried.

    Columns: seq, t, routine, subject (the session, or the lookup for calls that name one), session_arg
    (what the call received; for NSPv2Startup what it produced; ``(not passed)`` for the routines that
    identify their query by hLookup only), matches (whether it is the value Startup produced; missing
    where nothing was passed).
    """
    rows: list[tuple[TraceEvent, str, bool | None]] = []
    for session in sessions(trace):
        passes = {p.call.seq: p for p in session.arg_passes}
        produced = arg_text("pvClientSessionArg", session.session_arg)
        for call in session.calls:
            if call.name == STARTUP:
                rows.append((call, f"{produced} (produced)", None))
            elif call.seq in passes:
                passed = passes[call.seq]
                rows.append((call, arg_text("pvClientSessionArg", passed.value), passed.matches))
            else:
                rows.append((call, "(not passed)", None))
    rows.sort(key=lambda row: row[0].seq)
    return _frame(
        {
            "seq": ("int64", [call.seq for call, _, _ in rows]),
            "t": ("float64", [call.t for call, _, _ in rows]),
            "routine": ("string", [call.name for call, _, _ in rows]),
            "subject": ("string", [call.subject for call, _, _ in rows]),
            "session_arg": ("string", [text for _, text, _ in rows]),
            "matches": ("boolean", [matches for _, _, matches in rows]),
        }
    )


def offline_summary(trace: Trace) -> pd.DataFrame:
    """Cluster: one row per offline operation of a resource (see `labkit.readback.offlines`).

    Columns: resource, t (ms of the call), request (the client API call served; ``(cluster)`` when the
    cluster acted on its own), routine (``OfflineV2``, ``Terminate``, or empty when the request was refused
    before the DLL was called), requested and effective (OfflineFlags by SDK name: what the client asked
    for, what OfflineV2 received), DestinationNodeName, result (what OfflineV2 — or the refused request —
    returned, by SDK name), completion (the code a pending OfflineV2 settled with), pending_ms,
    checkpoints (the CheckPoint of each status report), terminated (Terminate called), state and node
    (the resource's when the operation was over), persistent_state (``online`` / ``offline`` as recorded,
    ``(not updated)`` when the cluster left it), faults.
    """
    ops = offline_operations(trace)

    def flags(value: int | None) -> str | None:
        return None if value is None else arg_text("OfflineFlags", int(value))

    return _frame(
        {
            "resource": ("string", [o.resource for o in ops]),
            "t": ("float64", [o.start.t for o in ops]),
            "request": ("string", [o.request.name if o.request else "(cluster)" for o in ops]),
            "routine": ("string", [o.routine for o in ops]),
            "requested": ("string", [flags(o.requested) for o in ops]),
            "effective": ("string", [flags(o.effective) for o in ops]),
            "DestinationNodeName": ("string", [arg_text("DestinationNodeName", o.destination) for o in ops]),
            "result": ("string", [_result(o.returned) for o in ops]),
            "completion": ("string", [_result(o.completed) for o in ops]),
            "pending_ms": ("Float64", [o.pending_ms for o in ops]),
            "checkpoints": ("string", [", ".join(map(str, o.checkpoints)) for o in ops]),
            "terminated": ("bool", [o.terminated for o in ops]),
            "state": ("string", [o.state for o in ops]),
            "node": ("string", [o.node for o in ops]),
            "persistent_state": (
                "string",
                [persistent_text(*o.persistent_state) if o.persistent_state else None for o in ops],
            ),
            "faults": ("string", [counted(e.name for e in o.faults) for o in ops]),
        }
    )


def health_summary(trace: Trace) -> pd.DataFrame:
    """Cluster: one row per resource (see `labkit.readback.health`).

    Columns: resource, group, polls (LooksAlive and IsAlive calls), LooksAlive, IsAlive, false (checks
    that answered FALSE), failures (times it went Failed), restarts, failovers (of its group), monitors
    (the Resource Monitors that hosted it, in order), monitor_changes, deadlocks (its calls past
    DeadlockTimeout), state (its last).
    """
    rows = resource_health(trace)
    return _frame(
        {
            "resource": ("string", [r.resource for r in rows]),
            "group": ("string", [r.group for r in rows]),
            "polls": ("int64", [r.polls for r in rows]),
            "LooksAlive": ("int64", [r.looks_alive for r in rows]),
            "IsAlive": ("int64", [r.is_alive for r in rows]),
            "false": ("int64", [r.false_answers for r in rows]),
            "failures": ("int64", [r.failures for r in rows]),
            "restarts": ("int64", [r.restarts for r in rows]),
            "failovers": ("int64", [r.failovers for r in rows]),
            "monitors": ("string", [" → ".join(r.monitors) for r in rows]),
            "monitor_changes": ("int64", [r.monitor_changes for r in rows]),
            "deadlocks": ("int64", [r.deadlocks for r in rows]),
            "state": ("string", [r.state for r in rows]),
        }
    )


def changes_table(found: TraceDiff) -> pd.DataFrame:
    """What `labkit.views.diff` found, as a table: one row per parameter, then per outcome change, with
    columns aspect, what, a, b (empty: absent in that trace)."""
    rows = found.changes()
    return _frame(
        {
            "aspect": ("string", [c.aspect for c in rows]),
            "what": ("string", [c.subject for c in rows]),
            "a": ("string", [c.a for c in rows]),
            "b": ("string", [c.b for c in rows]),
        }
    )


def _result(event: TraceEvent | None) -> str | None:
    return (result_text(event, "cluster") or None) if event is not None else None


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
