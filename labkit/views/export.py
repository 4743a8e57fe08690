"""Exports: Chrome / Perfetto trace JSON (open in ui.perfetto.dev or chrome://tracing), CSV, and a cluster
trace rendered as cluster.log files (`write_clusterlog`: what the model predicts a log would show).

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
from pathlib import Path
from typing import Any

from labkit.text import NO_SUBJECT, args_text, result_text
from labkit.trace import Kind, Trace
from labkit.trace.files import write_new
from labkit.views.lanes import Span, lanes
from labkit.views.tables import events_frame

PID = 1


def _us(t_ms: float) -> float:
    """Virtual ms → the viewer's µs (rounded so that equal times stay equal)."""
    return round(t_ms * 1000.0, 3)


def to_perfetto(trace: Trace) -> dict[str, Any]:
    """The trace as a Chrome trace-event object: ``{"traceEvents": [...], "displayTimeUnit": "ms", ...}``."""
    tracks = _Tracks(trace)
    body = [*_span_events(lanes(trace), tracks), *_instants(trace, tracks)]
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


def _span_events(subjects: dict[str, list[list[Span]]], tracks: _Tracks) -> list[dict[str, Any]]:
    """Complete events (``ph: "X"``), one track per lane of each subject."""
    body: list[dict[str, Any]] = []
    for subject, subject_lanes in subjects.items():
        for n, lane in enumerate(subject_lanes):
            tid = tracks.new(subject if n == 0 else f"{subject} ({n + 1})")
            tracks.first.setdefault(subject, tid)
            body.extend(
                {
                    "ph": "X",
                    "pid": PID,
                    "tid": tid,
                    "ts": _us(s.start),
                    "dur": round(_us(s.end) - _us(s.start), 3),
                    "name": s.name,
                    "cat": s.cat,
                    "args": s.args,
                }
                for s in lane
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


def write_perfetto(trace: Trace, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write `to_perfetto` as JSON to ``path`` (never overwrites unless ``force``)."""
    text = json.dumps(to_perfetto(trace), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return write_new(path, lambda out: out.write(text + "\n"), force=force)


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
    return write_new(path, lambda out: out.write(to_csv(trace)), force=force)


def write_clusterlog(
    trace: Trace, out: str | os.PathLike[str], *, force: bool = False, encoding: str = "utf-16"
) -> list[Path]:
    """Render a cluster trace as one ``<node>_cluster.log`` per node in the directory ``out``
    (`labkit.clusterlog.render`): RCM and RHS shapes where the sheet records one, labkit's own shape for
    the rest, every file marked as labkit's rendering so that reading it back gives ``inferred`` events."""
    from labkit.clusterlog import render

    return render.write(trace, out, force=force, encoding=encoding)
