"""Exports: Chrome / Perfetto trace JSON (open in ui.perfetto.dev or chrome://tracing) and CSV.

The Perfetto file has one track per subject: its state intervals and the calls made about it are complete
spans (``ph: "X"``), completions, faults and notes are instants (``ph: "i"``). Times are virtual: 1 ms of
simulated time is 1000 µs on the viewer's clock. Spans on one track must nest, so where a call overlaps a
state change (or another call) without nesting, it moves to a second track of the same subject, named
``Disk (2)`` and kept next to the first.

Both writers refuse to overwrite a file unless asked (``force``) and write through a temporary file, so a
failed export never leaves half a file behind.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.readback.replay import replay
from labkit.text import NO_SUBJECT, args_text, result_text
from labkit.trace import Kind, Trace
from labkit.trace.files import write_new
from labkit.views.tables import events_frame

PID = 1


def _us(t_ms: float) -> float:
    """Virtual ms → the viewer's µs (rounded so that equal times stay equal)."""
    return round(t_ms * 1000.0, 3)


@dataclass(order=True)
class _Span:
    start: float
    neg_end: float  # sorts longer spans first among equal starts: a parent before its children
    rank: int  # states before calls when both cover the same time
    name: str = field(compare=False)
    cat: str = field(compare=False)
    args: dict[str, Any] = field(compare=False)

    @property
    def end(self) -> float:
        return -self.neg_end


def to_perfetto(trace: Trace) -> dict[str, Any]:
    """The trace as a Chrome trace-event object: ``{"traceEvents": [...], "displayTimeUnit": "ms", ...}``."""
    tracks = _Tracks(trace)
    body = [*_span_events(_spans(trace), tracks), *_instants(trace, tracks)]
    return {
        "traceEvents": tracks.metadata + body,
        "displayTimeUnit": "ms",
        "otherData": {
            "format": "labkit-trace export",
            "domain": trace.domain,
            "scenario": trace.header.scenario,
            "clock": "virtual time: 1 ms simulated = 1000 us here",
        },
    }


def _spans(trace: Trace) -> dict[str, list[_Span]]:
    """Each subject's spans: its state intervals, then the calls made about it (a call or an interval still
    open at the end of the trace runs to the last event)."""
    history = replay(trace)
    t_end = history.end
    spans: dict[str, list[_Span]] = {s: [] for s in history.subjects}
    for interval in history.intervals:
        end = t_end if interval.end is None else interval.end
        shown = {
            "entered_by": interval.entered_by.seq if interval.entered_by else None,
            "left_by": interval.left_by.seq if interval.left_by else None,
            "open_at_end": interval.end is None,
        }
        spans[interval.subject].append(
            _Span(_us(interval.start), -_us(end), 0, interval.state, "state", shown)
        )
    for call in history.calls:
        end = t_end if call.returned is None else call.returned.t
        call_args = {
            "seq": call.call.seq,
            "actor": call.call.actor,
            "args": args_text(call.call.args, call.call.name),
            "result": result_text(call.returned, trace.domain),
            "returned": call.returned is not None,
        }
        subject = call.call.subject or NO_SUBJECT
        spans.setdefault(subject, []).append(
            _Span(_us(call.call.t), -_us(end), 1, call.call.name, "call", call_args)
        )
    return spans


class _Tracks:
    """The viewer's tracks (threads of one process): their metadata events, in order of creation, and each
    subject's first track, where its instants go."""

    def __init__(self, trace: Trace) -> None:
        self.metadata: list[dict[str, Any]] = [
            {"ph": "M", "pid": PID, "name": "process_name", "args": {"name": _process_name(trace)}}
        ]
        self.first: dict[str, int] = {}
        self._tids = itertools.count(1)

    def new(self, name: str) -> int:
        tid = next(self._tids)
        self.metadata.append(
            {"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}}
        )
        self.metadata.append(
            {"ph": "M", "pid": PID, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}}
        )
        return tid

    def of(self, subject: str) -> int:
        """The subject's first track (made now when it has none)."""
        if subject not in self.first:
            self.first[subject] = self.new(subject)
        return self.first[subject]


def _span_events(spans: dict[str, list[_Span]], tracks: _Tracks) -> list[dict[str, Any]]:
    """Complete events (``ph: "X"``), each subject's spans dealt onto as many tracks as nesting needs."""
    body: list[dict[str, Any]] = []
    for subject, subject_spans in spans.items():
        for n, track in enumerate(_nest(sorted(subject_spans)) or [[]]):
            tid = tracks.new(subject if n == 0 else f"{subject} ({n + 1})")
            tracks.first.setdefault(subject, tid)
            body.extend(
                {
                    "ph": "X",
                    "pid": PID,
                    "tid": tid,
                    "ts": s.start,
                    "dur": round(s.end - s.start, 3),
                    "name": s.name,
                    "cat": s.cat,
                    "args": s.args,
                }
                for s in track
            )
    return body


def _instants(trace: Trace, tracks: _Tracks) -> list[dict[str, Any]]:
    """Completions, faults and notes as instants (``ph: "i"``) on their subject's first track."""
    body: list[dict[str, Any]] = []
    for event in trace:
        if event.kind not in (Kind.COMPLETE, Kind.FAULT, Kind.NOTE):
            continue
        tid = tracks.of(event.subject or NO_SUBJECT)
        args: dict[str, Any] = {
            "seq": event.seq,
            "actor": event.actor,
            "args": args_text(event.args, event.name),
        }
        if event.kind is Kind.COMPLETE:
            args |= {"span": event.span, "result": result_text(event, trace.domain)}
        if event.kind is Kind.FAULT:
            args |= {"rule": event.args.get("rule"), "ref": event.ref, "evidence": event.evidence.value}
        body.append(
            {
                "ph": "i",
                "s": "t",
                "pid": PID,
                "tid": tid,
                "ts": _us(event.t),
                "name": event.name,
                "cat": event.kind.value,
                "args": args,
            }
        )
    return body


def _process_name(trace: Trace) -> str:
    return f"labkit {trace.domain}: {trace.header.scenario or 'trace'}"


def _nest(spans: list[_Span]) -> list[list[_Span]]:
    """Deal sorted spans onto as few tracks as needed so that spans on each track nest properly."""
    tracks: list[list[_Span]] = []
    stacks: list[list[_Span]] = []
    for span in spans:
        for track, stack in zip(tracks, stacks, strict=True):
            while stack and stack[-1].end <= span.start:  # ended before this one starts: a sibling
                stack.pop()
            if not stack or stack[-1].end >= span.end:
                stack.append(span)
                track.append(span)
                break
        else:
            tracks.append([span])
            stacks.append([span])
    return tracks


def write_perfetto(trace: Trace, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write `to_perfetto` as JSON to ``path`` (never overwrites unless ``force``)."""
    text = json.dumps(to_perfetto(trace), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return write_new(path, lambda out: out.write(text + "\n"), force=force, mkdir=False)


def to_csv(trace: Trace) -> str:
    """The events frame as CSV: one row per event, ``args`` as JSON, and ``args_shown`` with flags and
    states by SDK name for a person reading the sheet."""
    frame = events_frame(trace)
    shown = [args_text(a, str(n)) for a, n in zip(frame["args"], frame["name"], strict=True)]
    frame["args"] = [json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in frame["args"]]
    frame.insert(list(frame.columns).index("args") + 1, "args_shown", shown)
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text


def write_csv(trace: Trace, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write `to_csv` to ``path`` (never overwrites unless ``force``)."""
    return write_new(path, lambda out: out.write(to_csv(trace)), force=force, mkdir=False)
