"""One log entry as one trace event: a recognised shape (`labkit.clusterlog.patterns`) or a ``LogLine``.

Every imported event is ``observed`` and cites its lines in ``ref`` (``FILE:LINE``, ``FILE:FIRST-LAST``
for an entry with continuation lines). Its ``args`` keep what the prefix said (``node``, ``level``,
``component``, ``function``, ``pid``, ``tid``, ``channel``) and the message (``text``), so nothing of the
line is lost; ``raw`` holds the line as written when pasting decorations were taken off,
``time_carried`` marks a time taken from another line, ``logged_at`` a stamp the entry could not keep.

Subjects follow the trace conventions: resources bare, ``group:<name>``, and ``node:<name>`` for lines
about no resource, so every line lands on a lane.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from labkit.clusterlog import stamps
from labkit.clusterlog.entries import Entry
from labkit.clusterlog.patterns import Found, recognise
from labkit.trace import Evidence, Kind, TraceEvent

LOG_LINE = "LogLine"
"""The name of the note that keeps a line no pattern recognises."""
ACTORS = {"RCM": "rcm", "RHS": "rhs", "RES": "dll"}
"""Actor of a line by its tag; other tags give their first word in lower case, no tag ``log``."""
_RES = re.compile(r"(?P<type>[^<>\[\]]+?) <(?P<resource>[^<>]+)>:[ \t]?(?P<rest>.*)", re.DOTALL)
_RES_TYPE_ONLY = re.compile(r"(?P<type>[^<>:\[\]]+):[ \t]?(?P<rest>\[.*)", re.DOTALL)
_SUBTAG = re.compile(r"\[(?P<subtag>[^\[\]\s]{1,40})\]")
_OBSERVED = Evidence.OBSERVED


def actor_of(component: str | None) -> str:
    """``rcm`` for RCM lines, ``rhs`` for RHS, ``dll`` for RES (a DLL's LogEvent), ``quorum`` for QUORUM."""
    if component is None:
        return "log"
    return ACTORS.get(component) or component.split()[0].lower()


def ref_of(file_name: str, entry: Entry) -> str:
    """``FILE:LINE``, or ``FILE:FIRST-LAST`` for an entry over several lines."""
    if entry.last > entry.first:
        return f"{file_name}:{entry.first}-{entry.last}"
    return f"{file_name}:{entry.first}"


def line_args(entry: Entry, node: str) -> dict[str, Any]:
    """What the prefix and the lines say, for the args of any imported event."""
    prefix = entry.prefix
    args: dict[str, Any] = {"node": node}
    if prefix.level is not None:
        args["level"] = prefix.level
    if prefix.component is not None:
        args["component"] = prefix.component
    if prefix.function is not None:
        args["function"] = prefix.function
    if prefix.pid is not None:
        args["pid"], args["tid"] = prefix.pid, prefix.tid
    if prefix.channel is not None:
        args["channel"] = prefix.channel
    args["text"] = entry.text
    if prefix.raw is not None:
        args["raw"] = prefix.raw
    if entry.carried:
        args["time_carried"] = True
    if entry.logged_at is not None:
        args["logged_at"] = stamps.iso(entry.logged_at)
    return args


def event_for(
    entry: Entry,
    *,
    seq: int,
    t: float,
    node: str,
    file_name: str,
    evidence: Evidence = _OBSERVED,
    calls: dict[int, int] | None = None,
) -> tuple[TraceEvent, bool]:
    """The event of one entry, and whether a pattern recognised it.

    ``evidence`` is ``observed`` for a real log, ``inferred`` for labkit's rendering of a simulated trace;
    ``calls`` (rendered files only) maps the line of each call to its seq, so that a return or completion
    naming the line of its call gets that call's span.
    """
    prefix = entry.prefix
    found = recognise(prefix.text, prefix.component)
    if found is None:
        return log_line(entry, seq=seq, t=t, node=node, file_name=file_name, evidence=evidence), False
    event = recognised(found[1], entry, seq=seq, t=t, node=node, file_name=file_name, evidence=evidence)
    if found[0].rendering and not found[1].subject:
        event = replace(event, subject="")  # labkit's rendering says "no subject" as the trace did
    if calls is not None:
        if event.kind is Kind.CALL:
            calls[entry.first] = seq
        elif found[1].call_line is not None:
            event = replace(event, span=calls.get(found[1].call_line))
    return event, True


def recognised(
    found: Found,
    entry: Entry,
    *,
    seq: int,
    t: float,
    node: str,
    file_name: str,
    evidence: Evidence = _OBSERVED,
) -> TraceEvent:
    """The event of an entry whose message a pattern recognised."""
    return TraceEvent(
        seq=seq,
        t=t,
        kind=found.kind,
        name=found.name,
        actor=found.actor or actor_of(entry.prefix.component),
        subject=found.subject or f"node:{node}",
        args={**found.args, **line_args(entry, node)},
        result=found.result,
        result_name=found.result_name,
        span=seq if found.kind is Kind.CALL else None,
        evidence=evidence,
        state=found.state,
        ref=ref_of(file_name, entry),
    )


def log_line(
    entry: Entry, *, seq: int, t: float, node: str, file_name: str, evidence: Evidence = _OBSERVED
) -> TraceEvent:
    """A ``LogLine`` note: a line kept as it was (a DLL's ``[RES]`` line on its resource's lane)."""
    component = entry.prefix.component
    args = line_args(entry, node)
    subject = f"node:{node}"
    if component == "RES":
        subject = _res_fields(entry.prefix.text, args) or subject
    return TraceEvent(
        seq=seq,
        t=t,
        kind=Kind.NOTE,
        name=LOG_LINE,
        actor=actor_of(component),
        subject=subject,
        args=args,
        evidence=evidence,
        ref=ref_of(file_name, entry),
    )


def _res_fields(text: str, args: dict[str, Any]) -> str | None:
    """``resource_type`` and ``subtag`` of a ``[RES] <type> <<resource>>: [subtag] text`` line into ``args``;
    returns the resource (None when the line names none)."""
    match = _RES.match(text) or _RES_TYPE_ONLY.match(text)
    if match is None:
        return None
    args["resource_type"] = match.group("type").strip()
    subtag = _SUBTAG.match(match.group("rest"))
    if subtag is not None:
        args["subtag"] = subtag.group("subtag")
    return match.groupdict().get("resource")
