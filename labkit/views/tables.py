"""pandas tables over traces: the events frame (one row per event) and the tables built on it.

Flags, states and codes are shown by SDK name (`labkit.text`); virtual times and durations are whole
milliseconds (``182000``, never ``182000.0``: `MS`), the unit a virtual clock counts in. Every
table is a `labkit.trace.literal.LiteralFrame`: its HTML keeps MathJax away, so text from a trace shows
literally in Jupyter, without changing any pandas option.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from labkit.readback.diff import TraceDiff
from labkit.readback.health import resource_health
from labkit.readback.offlines import offline_operations
from labkit.readback.replay import Interval, causes, replay, subject_kind
from labkit.readback.sessions import BEGIN, NEXT, SET, STARTUP, sessions
from labkit.text import LITERAL, arg_text, args_text, counted, persistent_text, result_text
from labkit.trace import Trace, TraceEvent
from labkit.trace.literal import LiteralFrame
from labkit.views.rules import RULES_LINK_BASE, known_rule
from labkit.winapi import OfflineFlags
from labkit.winapi.sources import LINK_BASE, link_html

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


def events_frame(trace: Trace) -> pd.DataFrame:
    """One row per event (`Trace.to_frame`): the frame every table starts from."""
    return trace.to_frame()


SOURCE_COLUMNS = ("ref", "basis", "source")
"""Columns whose text cites source keys: `readable` links each key to the sources page."""


def readable(
    frame: pd.DataFrame, *, sources: str | None = LINK_BASE, rules: str | None = RULES_LINK_BASE
) -> Styler:
    """``frame`` set out for reading in a notebook: every cell in full, text left-aligned, numbers as
    written (``4``, ``0.25``), missing values blank, no row numbers (a named index stays).

    pandas cuts each cell at 50 characters, and a fault's rule or an erratum is a sentence. Cells are
    HTML-escaped like any text from a trace and kept from MathJax; long SDK names may wrap after ``_`` and
    flag words after ``|``. In a ``ref``, ``basis`` or ``source`` column a rule id (a simulated event's
    ``ref``) links to the rule on the catalogue page at ``rules``, and every source key (``nspv2 §2.2``,
    ``H-ROS``) to its entry on the sources page at ``sources`` (both as a notebook of ``notebooks/`` reaches
    ``docs/``; None: no links). The frame itself is ``readable(frame).data``.
    """
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    shown: dict[Any, str | Callable[[object], str] | None] = {
        c: "{:g}" if pd.api.types.is_float_dtype(frame[c]) else _wrappable if c in text else None
        for c in frame
    }
    styler = frame.style.format(shown, na_rep="", escape="html").set_table_attributes(f'class="{LITERAL}"')
    cited: list[Hashable] = [c for c in text if c in SOURCE_COLUMNS]
    if sources is not None and cited:
        base, catalogue = sources, rules
        styler = styler.format(
            lambda v: _cited(str(v), base, catalogue), subset=cited, na_rep="", escape=None
        )
    top: list[tuple[str, str | float]] = [("vertical-align", "top")]
    left: list[tuple[str, str | float]] = [("text-align", "left")]
    styler = styler.set_table_styles(
        [{"selector": "td, th", "props": top}, {"selector": "th", "props": left}]
    )
    styler = styler.set_table_styles({c: [{"selector": "td", "props": left}] for c in text}, overwrite=False)
    return styler.hide(axis="index") if isinstance(frame.index, pd.RangeIndex) else styler


def _cited(text: str, sources: str, rules: str | None) -> str:
    """A cell's text as HTML: a rule id links to the rule (its statement as the link's title), any source
    key to its entry on the sources page."""
    rule = known_rule(text) if rules is not None else None
    if rule is None:
        return link_html(text, sources)
    title = html.escape(f"{rule.statement} ({rule.evidence.value}; {rule.source})")
    return f'<a href="{html.escape(rules or "")}#{rule.id}" title="{title}">{html.escape(text)}</a>'


def _wrappable(value: object) -> str:
    """A cell's (already escaped) text that may wrap after a ``|`` or ``_``: SDK names and flag words are
    long single words (CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR)."""
    return str(value).replace("|", "|<wbr>").replace("_", "_<wbr>")


MS: Final = "Int64"
"""The dtype of every time column: whole virtual ms, missing values allowed."""


def ms(values: Iterable[float | None]) -> list[int | None]:
    """Virtual times as whole milliseconds (rounded; None stays missing)."""
    return [None if v is None else round(v) for v in values]


def ms_between(pairs: Iterable[tuple[float | None, float | None]]) -> list[int | None]:
    """Durations as the difference of the rounded times, so that a row's ``to - from`` is its duration."""
    return [None if a is None or b is None else round(b) - round(a) for a, b in pairs]


def _frame(columns: dict[str, tuple[Any, list[Any]]]) -> pd.DataFrame:
    """A DataFrame from ``{column: (dtype, values)}``; the dtypes hold even when there are no rows."""
    return LiteralFrame({name: pd.array(values, dtype=dtype) for name, (dtype, values) in columns.items()})


def state_table(trace: Trace) -> pd.DataFrame:
    """One row per state interval of every subject (see `labkit.readback.replay.replay`).

    Columns: subject, kind (session, lookup, resource, group, node, provider), state, from and to (virtual
    ms; ``to`` is missing while the subject is still in the state at the end of the trace), duration (ms,
    missing when open), entered_by (the routine whose call caused the change, see
    `labkit.readback.replay.causes`; missing when an actor changed the state on its own, or when the state
    is known only from the ``from`` of the first change), entered_seq (the state event's seq), left_by
    (the state it left for).
    """
    intervals = replay(trace).intervals
    cause = causes(trace)
    return _frame(
        {
            "subject": ("string", [i.subject for i in intervals]),
            "kind": ("string", [i.kind for i in intervals]),
            "state": ("string", [i.state for i in intervals]),
            "from": (MS, ms(i.start for i in intervals)),
            "to": (MS, ms(i.end for i in intervals)),
            "duration": (MS, ms_between((i.start, i.end) for i in intervals)),
            "entered_by": ("string", [caused_by(i, cause) for i in intervals]),
            "entered_seq": ("Int64", [i.entered_by.seq if i.entered_by else None for i in intervals]),
            "left_by": ("string", [i.left_by.name if i.left_by else None for i in intervals]),
        }
    )


def caused_by(interval: Interval, cause: dict[int, TraceEvent]) -> str | None:
    """The routine whose call entered ``interval`` (None: no call did)."""
    call = cause.get(interval.entered_by.seq) if interval.entered_by is not None else None
    return call.name if call is not None else None


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
            "t": (MS, ms(c.call.t for c in calls)),
            "routine": ("string", [c.call.name for c in calls]),
            "actor": ("string", [c.call.actor for c in calls]),
            "subject": ("string", [c.call.subject for c in calls]),
            "kind": ("string", [subject_kind(c.call.subject) for c in calls]),
            "args": ("string", [args_text(c.call.args, c.call.name) for c in calls]),
            "result": ("string", [result_text(c.returned, domain) if c.returned else None for c in calls]),
            "duration": (MS, ms_between((c.call.t, c.returned.t if c.returned else None) for c in calls)),
            "completed_by": ("string", [c.completed.name if c.completed else None for c in calls]),
            "completion": (
                "string",
                [result_text(c.completed, domain) if c.completed else None for c in calls],
            ),
            "completed_after": (
                MS,
                ms_between((c.call.t, c.completed.t if c.completed else None) for c in calls),
            ),
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
            "t": (MS, ms(e.t for e in faults)),
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
            "started_at": (MS, ms(s.started_at for s in found)),
            "lookups": ("int64", [s.count(BEGIN) for s in found]),
            "nexts": ("int64", [s.count(NEXT) for s in found]),
            "sets": ("int64", [s.count(SET) for s in found]),
            "ended": ("string", [s.ended for s in found]),
            "ended_by": ("string", [", ".join(c.name for c in s.ended_by) for s in found]),
            "ended_at": (MS, ms(s.ended_at for s in found)),
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
            "t": (MS, ms(call.t for call, _, _ in rows)),
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
    checkpoints (the CheckPoint of each status report), terminated (Terminate called), state_after and
    node_after (the resource's state and node when this operation was over: a queued move's early tries
    end back Online), persistent_state (``online`` / ``offline`` as recorded, ``(not updated)`` when the
    cluster left it), faults, final_state and final_node (the resource's state and node at the end of the
    trace: how the whole story ended).
    """
    ops = offline_operations(trace)
    finals = _finals(trace)

    def flags(value: int | None) -> str | None:
        return None if value is None else arg_text("OfflineFlags", int(value))

    return _frame(
        {
            "resource": ("string", [o.resource for o in ops]),
            "t": (MS, ms(o.start.t for o in ops)),
            "request": ("string", [o.request.name if o.request else "(cluster)" for o in ops]),
            "routine": ("string", [o.routine for o in ops]),
            "requested": ("string", [flags(o.requested) for o in ops]),
            "effective": ("string", [flags(o.effective) for o in ops]),
            "DestinationNodeName": ("string", [arg_text("DestinationNodeName", o.destination) for o in ops]),
            "result": ("string", [_result(o.returned) for o in ops]),
            "completion": ("string", [_result(o.completed) for o in ops]),
            "pending_ms": (MS, ms(o.pending_ms for o in ops)),
            "checkpoints": ("string", [", ".join(map(str, o.checkpoints)) for o in ops]),
            "terminated": ("bool", [o.terminated for o in ops]),
            "state_after": ("string", [o.state for o in ops]),
            "node_after": ("string", [o.node for o in ops]),
            "persistent_state": (
                "string",
                [persistent_text(*o.persistent_state) if o.persistent_state else None for o in ops],
            ),
            "faults": ("string", [counted(e.name for e in o.faults) for o in ops]),
            "final_state": ("string", [finals.get(o.resource, (None, None))[0] for o in ops]),
            "final_node": ("string", [finals.get(o.resource, (None, None))[1] for o in ops]),
        }
    )


def _finals(trace: Trace) -> dict[str, tuple[str, str | None]]:
    """Each subject's last state and the node it was on then (the end of the trace's story)."""
    found: dict[str, tuple[str, str | None]] = {}
    for interval in replay(trace).intervals:
        event = interval.entered_by
        node = event.args.get("node") if event is not None else None
        found[interval.subject] = (interval.state, node if isinstance(node, str) else None)
    return found


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


def matrix_text(table: pd.DataFrame) -> str:
    """The matrix for a terminal: flag words in hex, their names in a legend, columns as wide as their
    longest cell."""

    def word(names: str) -> str:
        return f"{OfflineFlags.parse(names) if names else 0:#04x}"

    shown = {
        "os": list(table["os"]),
        "requested": [f"{int(v):#04x}" for v in table["flags"]],
        "effective": [word(v) for v in table["effective"]],
        **{c: [str(v) for v in table[c]] for c in ("result", "state", "node")},
        "persistent": ["yes" if v else "no" for v in table["persistent_state"]],
        "callbacks": list(table["callbacks"]),
        "faults": list(table["faults"]),
        "end_ms": [f"{v:g}" for v in table["end_ms"]],
    }
    widths = {c: max(len(c), *(len(v) for v in values)) for c, values in shown.items()}
    lines = ["  ".join(f"{c:{widths[c]}}" for c in shown).rstrip()]
    for row in zip(*shown.values(), strict=True):
        lines.append("  ".join(f"{v:{widths[c]}}" for c, v in zip(shown, row, strict=True)).rstrip())
    legend = [f"  {int(f):#04x} {f.name}" for f in OfflineFlags.single_flags()]
    return (
        "\n".join([*lines, "", "requested, effective: OfflineV2 flags (CLUS_RESDLL_OFFLINE_*)", *legend])
        + "\n"
    )
