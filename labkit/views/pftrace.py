"""Perfetto's own trace format (``.pftrace``, protobuf), written with the trace builder of the ``perfetto``
package.

Open the file in ui.perfetto.dev (or any Perfetto tool). Compared with the Chrome JSON export
(`labkit.views.export`), the protobuf keeps nanosecond times without µs rounding, and an imported log's
absolute time: a clock snapshot ties the trace's zero to its UTC start (``params.source.utc_start``), so
the viewer can show wall-clock time. What it holds:

- a root track named after the trace (``labkit cluster: move-busy-dll``) with one child track per subject,
  and a further child track per extra lane where spans would otherwise cross (see `labkit.views.lanes`);
- slices (begin / end pairs): the subject's state intervals and the calls made about it, with the call's
  seq, actor, arguments by SDK name and result as debug annotations;
- instants: completions, faults (with their rule, ref and evidence) and notes;
- flows: each call that completes asynchronously is linked to its completion (``flow_ids`` on the call,
  ``terminating_flow_ids`` on the completion), so the viewer draws an arrow from one to the other.

Only the package's protobuf classes are used: its trace processor downloads a native binary on first use
and is never imported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import BuiltinClock, TracePacket, TrackEvent
from perfetto.trace_builder.proto_builder import TraceProtoBuilder

from labkit.text import NO_SUBJECT, args_text, result_text
from labkit.trace import Kind, Trace, TraceEvent
from labkit.trace.files import write_new
from labkit.views.lanes import Span, lanes

SEQUENCE = 1
"""The one packet sequence every packet of the file belongs to."""
ROOT = 1
"""The root track's uuid; subjects' tracks count up from 2."""
NS_PER_MS = 1_000_000


def _ns(t_ms: float) -> int:
    """Virtual (or imported) ms → the trace's ns."""
    return round(t_ms * NS_PER_MS)


def to_pftrace(trace: Trace) -> bytes:
    """The trace as Perfetto protobuf bytes (see the module's docstring for what they hold)."""
    builder = TraceProtoBuilder()
    for packet in _packets(trace):
        builder.trace.packet.append(packet)
    data: bytes = builder.serialize()
    return data


def write_pftrace(trace: Trace, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write `to_pftrace` to ``path`` (never overwrites unless ``force``; missing folders are made)."""
    data = to_pftrace(trace)
    return write_new(path, lambda out: out.write(data), force=force, binary=True)


def _packets(trace: Trace) -> Iterator[TracePacket]:
    """Clock snapshot (imported traces), track descriptors, then every track event in time order."""
    start = _utc_start(trace)
    if start is not None:
        yield _clock_snapshot(start)
    subject_lanes = lanes(trace)
    for event in trace:  # a subject with instants only still gets its track
        if event.kind in _INSTANTS:
            subject_lanes.setdefault(event.subject or NO_SUBJECT, [[]])
    tracks = _track_uuids(subject_lanes)
    yield _descriptor(ROOT, f"labkit {trace.domain}: {trace.header.scenario or 'trace'}", None)
    for (subject, n), uuid in tracks.items():
        parent = ROOT if n == 0 else tracks[(subject, 0)]
        yield _descriptor(uuid, subject if n == 0 else f"{subject} ({n + 1})", parent)
    flows = {e.span for e in trace if e.kind is Kind.COMPLETE and e.span is not None}
    timed: list[tuple[float, TracePacket]] = []
    for (subject, n), uuid in tracks.items():
        timed.extend(_slices(subject_lanes[subject][n], uuid, flows))
    timed.extend((e.t, _instant(e, trace, tracks)) for e in trace if e.kind in _INSTANTS)
    timed.sort(key=lambda item: item[0])  # stable: each track keeps its begin / end order at equal times
    for _, packet in timed:
        yield packet


_INSTANTS = (Kind.COMPLETE, Kind.FAULT, Kind.NOTE)


def _track_uuids(subject_lanes: dict[str, list[list[Span]]]) -> dict[tuple[str, int], int]:
    """A uuid for each (subject, lane), in order."""
    keys = [(subject, n) for subject, found in subject_lanes.items() for n in range(len(found))]
    return {key: ROOT + 1 + i for i, key in enumerate(keys)}


def _descriptor(uuid: int, name: str, parent: int | None) -> TracePacket:
    packet = TracePacket()
    packet.trusted_packet_sequence_id = SEQUENCE
    packet.track_descriptor.uuid = uuid
    packet.track_descriptor.name = name
    if parent is not None:
        packet.track_descriptor.parent_uuid = parent
    else:  # subjects in the order they first appear, as in labkit's timeline
        packet.track_descriptor.child_ordering = packet.track_descriptor.CHRONOLOGICAL
    return packet


def _slices(lane: list[Span], uuid: int, flows: set[int]) -> Iterator[tuple[float, TracePacket]]:
    """Begin and end packets of one lane's spans, properly nested (a span ends before a later sibling
    begins, and a child before its parent)."""
    open_spans: list[Span] = []
    for span in lane:
        while open_spans and open_spans[-1].end <= span.start:
            ended = open_spans.pop()
            yield ended.end, _event(ended.end, uuid, TrackEvent.TYPE_SLICE_END)
        begin = _event(span.start, uuid, TrackEvent.TYPE_SLICE_BEGIN, span.name, span.cat, span.args)
        if span.span is not None and span.span in flows:
            begin.track_event.flow_ids.append(span.span)
        yield span.start, begin
        open_spans.append(span)
    while open_spans:
        ended = open_spans.pop()
        yield ended.end, _event(ended.end, uuid, TrackEvent.TYPE_SLICE_END)


def _instant(event: TraceEvent, trace: Trace, tracks: dict[tuple[str, int], int]) -> TracePacket:
    """A completion, fault or note on its subject's first track."""
    shown: dict[str, Any] = {"seq": event.seq, "actor": event.actor}
    shown["args"] = args_text(event.args, event.name)
    if event.kind is Kind.COMPLETE:
        shown |= {"span": event.span, "result": result_text(event, trace.domain)}
    if event.kind is Kind.FAULT:
        shown |= {"rule": event.args.get("rule"), "ref": event.ref, "evidence": event.evidence.value}
    uuid = tracks[(event.subject or NO_SUBJECT, 0)]
    packet = _event(event.t, uuid, TrackEvent.TYPE_INSTANT, event.name, event.kind.value, shown)
    if event.kind is Kind.COMPLETE and event.span is not None:
        packet.track_event.terminating_flow_ids.append(event.span)
    return packet


def _event(
    t_ms: float,
    uuid: int,
    kind: int,
    name: str = "",
    category: str = "",
    shown: dict[str, Any] | None = None,
) -> TracePacket:
    packet = TracePacket()
    packet.timestamp = _ns(t_ms)
    packet.trusted_packet_sequence_id = SEQUENCE
    event = packet.track_event
    event.type = kind
    event.track_uuid = uuid
    if name:
        event.name = name
    if category:
        event.categories.append(category)
    for key, value in (shown or {}).items():
        if value is None or value == "":
            continue
        annotation = event.debug_annotations.add()
        annotation.name = key
        if isinstance(value, bool):
            annotation.bool_value = value
        elif isinstance(value, int):
            annotation.int_value = value
        else:
            annotation.string_value = str(value)
    return packet


def _utc_start(trace: Trace) -> int | None:
    """An imported trace's zero as ns since 1970 (``params.source.utc_start``), or None."""
    source = trace.header.params.get("source")
    stamp = source.get("utc_start") if isinstance(source, dict) else None
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return round(moment.timestamp() * 1000) * NS_PER_MS


def _clock_snapshot(utc_start_ns: int) -> TracePacket:
    """Trace time 0 (the default BOOTTIME clock) is ``utc_start_ns`` on the REALTIME clock."""
    packet = TracePacket()
    packet.trusted_packet_sequence_id = SEQUENCE
    snapshot = packet.clock_snapshot
    clocks = ((BuiltinClock.BUILTIN_CLOCK_BOOTTIME, 0), (BuiltinClock.BUILTIN_CLOCK_REALTIME, utc_start_ns))
    for clock, value in clocks:
        entry = snapshot.clocks.add()
        entry.clock_id = clock
        entry.timestamp = value
    snapshot.primary_trace_clock = BuiltinClock.BUILTIN_CLOCK_BOOTTIME
    return packet
