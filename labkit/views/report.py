"""One trace as one self-contained HTML file, for a support ticket or a handout (``labkit report``).

The file holds everything it shows and loads nothing: styles are inline, the timeline is inline SVG, and
a Content-Security-Policy forbids the page any script and any request, so it opens the same offline, from
a mail attachment or a ticket system. Every text from the trace (names a user chose, logged lines) is
escaped, in the tables and in the SVG alike. Sections:

1. what the trace is: domain, scenario, what produced it (labkit's version, or the imported logs),
   its span of time, its subjects, the parameters and policies in its header, any lines that could not be
   read;
2. the summary (one row per NSPv2 session or per cluster offline operation);
3. the timeline;
4. faults and contract violations, each with its rule and the source it rests on;
5. the rules the events cite (statement, evidence, source) and the sources behind them, with what each is
   and where to read it;
6. the events, one row each (the first `MAX_EVENTS` by default).
"""

from __future__ import annotations

import html
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd

from labkit import __version__
from labkit.text import args_text, duration_text, result_text
from labkit.trace import Trace
from labkit.trace.checks import Violation, violations
from labkit.trace.files import write_new
from labkit.views.plots import timeline
from labkit.views.rules import known_rule
from labkit.views.tables import faults_table, offline_summary, session_summary
from labkit.winapi.sources import CATALOGUE, Source, citations

MAX_EVENTS = 5000
"""Events listed by default; the rest are counted (the timeline and the other sections show them all)."""
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""No script, no request: the page shows only what the file holds."""


def report_html(trace: Trace, *, max_events: int | None = MAX_EVENTS, title: str | None = None) -> str:
    """The report of ``trace`` as one HTML document (``max_events=None`` lists every event)."""
    name = title or f"{trace.domain} trace {trace.header.scenario or '(no scenario)'}"
    found = violations(trace)
    refs = [e.ref for e in trace if e.ref]
    sections = [
        _section("what", "What this trace is", _what(trace, len(found))),
        _section("summary", "Summary", _summary(trace)),
        _section("timeline", "Timeline", _svg(trace)),
        _section("faults", "Faults and contract violations", _faults(trace, found)),
        _section("sources", "Rules and sources cited", _sources(refs)),
        _section("events", "Events", _events(trace, max_events)),
    ]
    return _PAGE.format(
        csp=CONTENT_SECURITY_POLICY,
        title=html.escape(f"labkit report: {name}"),
        style=_STYLE,
        heading=html.escape(f"labkit report: {name}"),
        body="\n".join(sections),
        version=html.escape(__version__),
    )


def write_report(
    trace: Trace,
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    max_events: int | None = MAX_EVENTS,
) -> Path:
    """Write `report_html` to ``path`` (never overwrites unless ``force``; missing folders are made)."""
    text = report_html(trace, max_events=max_events)
    return write_new(path, lambda out: out.write(text), force=force)


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>'


def _what(trace: Trace, violation_count: int) -> str:
    head, events = trace.header, list(trace)
    source = head.params.get("source") if isinstance(head.params.get("source"), dict) else None
    made_by = "imported from logs" if source else f"simulated by labkit {head.labkit or '(unknown version)'}"
    span = (events[-1].t - events[0].t) if events else 0.0
    subjects = sorted({e.subject for e in events if e.subject})
    rows = [
        ("domain", head.domain),
        ("scenario", head.scenario or "(none)"),
        ("produced", made_by),
        ("events", f"{len(events)} over {duration_text(span)} ({'virtual' if not source else 'log'} time)"),
        ("subjects", f"{len(subjects)}: {', '.join(subjects[:40])}" + (" …" if len(subjects) > 40 else "")),
        ("faults", str(len(trace.faults))),
        ("contract violations", str(violation_count)),
    ]
    if source:
        rows += _source_rows(source)
    params = {k: v for k, v in head.params.items() if k != "source"}
    rows += [(f"parameter {key}", _value(value)) for key, value in params.items()]
    if trace.problems:
        shown = [str(p) for p in trace.problems[:20]]
        more = f" (and {len(trace.problems) - 20} more)" if len(trace.problems) > 20 else ""
        rows.append(("lines not read", f"{len(trace.problems)}{more}: " + "; ".join(shown)))
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    return f"<dl>{items}</dl>"


def _source_rows(source: dict[str, Any]) -> list[tuple[str, str]]:
    listed = source.get("files")
    files: list[Any] = listed if isinstance(listed, list) else []
    named = [
        str(f.get("path", "?")) + (f" ({f['node']})" if f.get("node") else "")
        for f in files
        if isinstance(f, dict)
    ]
    rows = [("format", str(source.get("format", "?")))]
    if named:
        rows.append(("files", ", ".join(named)))
    for key in ("nodes", "utc_start", "utc_offset"):
        if source.get(key) not in (None, "", []):
            rows.append((key.replace("_", " "), _value(source[key])))
    return rows


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _summary(trace: Trace) -> str:
    frame = session_summary(trace) if trace.domain == "nspv2" else offline_summary(trace)
    what = "client session" if trace.domain == "nspv2" else "offline operation"
    if not len(frame):
        return f"<p>No {what} in this trace.</p>"
    return f"<p>One row per {what}.</p>" + _table(frame)


def _svg(trace: Trace) -> str:
    """The timeline as inline SVG: text stays text (escaped by matplotlib), and the same trace gives the
    same bytes (no date, fixed ids)."""
    figure = timeline(trace)
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "labkit-report"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return f'<div class="figure" role="img" aria-label="timeline">{svg}</div>'


def _faults(trace: Trace, found: Sequence[Violation]) -> str:
    faults = faults_table(trace)
    parts = []
    if len(faults):
        parts.append(f"<h3>{len(faults)} fault{'s' if len(faults) != 1 else ''} recorded</h3>")
        parts.append(_table(faults, links=("ref",)))
    else:
        parts.append("<p>No fault recorded.</p>")
    if found:
        frame = pd.DataFrame(
            {
                "seq": [v.seq for v in found],
                "t": [v.t for v in found],
                "rule": [v.rule for v in found],
                "subject": [v.subject for v in found],
                "what": [v.message for v in found],
            }
        )
        parts.append(
            f"<h3>{len(found)} contract violation{'s' if len(found) != 1 else ''} in the events</h3>"
        )
        parts.append(_table(frame))
    else:
        parts.append(
            "<p>No contract violation in the events (every call returned, every state change "
            "started from the state the subject was in, ...).</p>"
        )
    return "\n".join(parts)


def _sources(refs: Iterable[str]) -> str:
    """The rules the refs name (with their sources) and every source key cited, each with an anchor."""
    refs = list(dict.fromkeys(refs))
    rules = [rule for rule in map(known_rule, refs) if rule is not None]
    texts = [*refs, *(rule.source for rule in rules)]
    keys = list(dict.fromkeys(c.key for text in texts for c in citations(text)))
    if not rules and not keys:
        return "<p>The events cite no rule and no source key (an imported trace cites the lines it read).</p>"
    parts = []
    if rules:
        items = "".join(
            f'<li id="rule-{html.escape(rule.id)}"><b>{html.escape(rule.id)}</b> ({rule.evidence.value}): '
            f"{html.escape(rule.statement)} <i>{_linked(rule.source)}</i></li>"
            for rule in rules
        )
        parts.append(f"<h3>Rules the events follow</h3><ul>{items}</ul>")
    if keys:
        parts.append(f"<h3>Sources</h3><ul>{''.join(_source_item(CATALOGUE[key]) for key in keys)}</ul>")
    return "\n".join(parts)


def _source_item(source: Source) -> str:
    where = "".join(
        f' <a href="{html.escape(a)}">{html.escape(a.split("://", 1)[-1])}</a>'
        for a in (source.address, *source.more)
        if a
    )
    key, what = html.escape(source.key), html.escape(source.what)
    return f'<li id="src-{source.anchor}"><b>{key}</b>: {what}{where}</li>'


def _events(trace: Trace, max_events: int | None) -> str:
    events = list(trace)
    shown = events if max_events is None else events[:max_events]
    frame = pd.DataFrame(
        {
            "seq": [e.seq for e in shown],
            "t": [e.t for e in shown],
            "kind": [e.kind.value for e in shown],
            "name": [e.name for e in shown],
            "actor": [e.actor for e in shown],
            "subject": [e.subject for e in shown],
            "args": [args_text(e.args, e.name) for e in shown],
            "result": [result_text(e, trace.domain) for e in shown],
            "evidence": [e.evidence.value for e in shown],
            "ref": [e.ref or "" for e in shown],
        }
    )
    more = len(events) - len(shown)
    tail = f"<p>… and {more} more events (labkit report --max-events 0 lists them all).</p>" if more else ""
    return _table(frame, links=("ref",)) + tail


def _table(frame: pd.DataFrame, *, links: Sequence[str] = ()) -> str:
    """An escaped HTML table in a box that scrolls sideways when it must; numbers right-aligned, text left,
    source keys in ``links`` columns linked to the sources section."""
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(f"<th{_num(c in numeric)}>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text = _cell(value)
            shown = _linked(text) if column in links else _breakable(html.escape(text))
            cells.append(f"<td{_num(column in numeric)}>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows)
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _breakable(escaped: str) -> str:
    """Escaped text that may wrap after ``_`` and ``|``: SDK names and flag words are long single words."""
    return escaped.replace("_", "_<wbr>").replace("|", "|<wbr>")


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _linked(text: str) -> str:
    """Escaped ``text`` with a rule id linked to its rule, and each source key to its source, in the
    report's sources section."""
    rule = known_rule(text)
    if rule is not None:
        return f'<a href="#rule-{html.escape(rule.id)}">{html.escape(text)}</a>'
    pieces, at = [], 0
    for cited in citations(text):
        anchor = CATALOGUE[cited.key].anchor
        pieces.append(html.escape(text[at : cited.start]))
        pieces.append(f'<a href="#src-{anchor}">{html.escape(text[cited.start : cited.end])}</a>')
        at = cited.end
    return "".join(pieces) + html.escape(text[at:])


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="labkit {version}">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header><h1>{heading}</h1>
<nav><a href="#what">what</a> · <a href="#summary">summary</a> · <a href="#timeline">timeline</a> ·
<a href="#faults">faults</a> · <a href="#sources">sources</a> · <a href="#events">events</a></nav></header>
<main>
{body}
</main>
<footer>Written by labkit {version} (<code>labkit report</code>). Times are milliseconds from the trace's
start. This file loads nothing: it reads the same offline.</footer>
</body>
</html>
"""

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
  color: #1f2328; margin: 0 auto; padding: 0 1.5em 2em; max-width: 78em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em;
  border-bottom: 1px solid #d0d7de; } h3 { font-size: 1em; }
nav a, footer { color: #57606a; } footer { margin-top: 3em; font-size: 0.85em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
.table { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.5em; text-align: left; vertical-align: top;
  overflow-wrap: break-word; max-width: 36em; }
th { background: #f6f8fa; position: sticky; top: 0; } tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figure { max-width: 100%; overflow-x: auto; } .figure svg { max-width: 100%; height: auto; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
"""
