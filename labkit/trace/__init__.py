"""The trace: labkit's central contract.

A trace file is JSON Lines. Line 1 is a header object; every further line is one `TraceEvent`:

    {"format":"labkit-trace","version":1,"domain":"cluster","scenario":"plain-offline","params":{...},"labkit":"0.1.0"}
    {"seq":0,"t":0.0,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk","args":{...},...}

`Tracer` records events (thread-safe, strictly increasing ``seq``) into sinks: memory, and a JSON Lines
file flushed after every event so a killed process loses at most the line being written. `Trace` is the
immutable, ordered result. `read_trace` validates a file line by line; strict mode raises
`TraceFormatError` listing every problem as ``path:line: what is wrong``, lenient mode keeps every good
event and lists the bad lines in `Trace.problems`.

Writing is deterministic: the same events always give the same bytes, and read → write round-trips a
file labkit wrote byte for byte.

Modules: `vocab` (format name, kinds, evidence), `events` (TraceEvent, TraceHeader, Trace), `encode` (the
one JSON encoding, hot path), `record` (Tracer and sinks), `parse` (one line validated), `read`
(read_trace, read_frame), `fastread` (the fast path of both), `frame` (the events DataFrame), `checks`
(violations the events show by themselves), `synthetic` (large generated traces), `files` (writing a new
file without ever replacing one), `rules` (the Rule every simulated event cites, and a domain's catalogue).
"""

from labkit.trace.events import StateChange, Trace, TraceEvent, TraceHeader
from labkit.trace.parse import MAX_DEPTH, MAX_LINE_BYTES, gc_paused
from labkit.trace.read import MAX_PROBLEMS, read_exactly, read_frame, read_trace
from labkit.trace.record import JsonlFileSink, MemorySink, Sink, Tracer
from labkit.trace.rules import Catalogue, Rule
from labkit.trace.vocab import FORMAT, VERSION, Evidence, Kind

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "MAX_PROBLEMS",
    "VERSION",
    "Catalogue",
    "Evidence",
    "JsonlFileSink",
    "Kind",
    "MemorySink",
    "Rule",
    "Sink",
    "StateChange",
    "Trace",
    "TraceEvent",
    "TraceHeader",
    "Tracer",
    "gc_paused",
    "read_exactly",
    "read_frame",
    "read_trace",
]
