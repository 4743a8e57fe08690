"""A trace as store rows: its ``events`` columns, its ``traces`` row, and its id.

Two ways in, one result: `event_columns` builds the columns from `TraceEvent`s (any trace: read by
`labkit.read_trace`, or in memory from a simulator or the log importer), `labkit.store.fast` from a
canonical file without Python objects per event. Both give the same values, column for column (a test
holds them to it); `finish` adds the trace id and the partition every event goes to.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from labkit.store.derived import STATE_UNTIL, state_until
from labkit.store.schema import SIMULATED, TYPED_ARGS, UNKNOWN_SOURCE, events_schema, traces_schema
from labkit.trace import Kind, Trace, TraceEvent, TraceHeader

if TYPE_CHECKING:
    import pyarrow as pa

ID_DIGITS = 16
ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
"""The encoder of labkit's trace writer (`labkit.trace`): ``args`` text is exactly what a file holds."""
_REF_FILE = re.compile(r"^(?P<file>.+):[0-9]+(?:-[0-9]+)?$")
_LOG_NAME = re.compile(r"^(?P<node>.+?)_cluster\.log$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Converted:
    """One trace ready to be written: its id, header, origin and event columns."""

    trace_id: str
    header: TraceHeader
    origin: str
    events: pa.Table
    """`labkit.store.schema.events_schema` columns plus ``source`` (the partition of each event)."""

    def traces_row(self, added: datetime.datetime) -> dict[str, Any]:
        """The trace's row of the ``traces`` table."""
        import pyarrow.compute as pc

        events = self.events
        sources = sorted(pc.unique(events["source"]).to_pylist())
        return {
            "trace_id": self.trace_id,
            "domain": self.header.domain,
            "scenario": self.header.scenario,
            "source": ",".join(sources),
            "params": ENCODE(dict(self.header.params)),
            "labkit": self.header.to_dict()["labkit"],
            "version": self.header.version,
            "origin": self.origin,
            "events": events.num_rows,
            "faults": pc.sum(pc.equal(events["kind"].cast("string"), Kind.FAULT.value)).as_py() or 0,
            "t_end": pc.max(events["t"]).as_py() if events.num_rows else 0.0,
            "added": added,
        }


def trace_id(trace: Trace) -> str:
    """The id of a trace: the SHA-256 of its JSON Lines text as labkit writes it (first 16 hex digits).

    A file labkit wrote has exactly that text, so the file and the trace in memory share one id.
    """
    digest = hashlib.sha256()
    digest.update((ENCODE(trace.header.to_dict()) + "\n").encode())
    for event in trace:
        digest.update((event.to_json() + "\n").encode())
    return digest.hexdigest()[:ID_DIGITS]


def event_columns(events: Iterable[TraceEvent]) -> pa.Table:
    """The ``events`` columns of ``events`` (without trace id and partition), from the events."""
    import pyarrow as pa

    rows = list(events)
    states = [e.state for e in rows]
    args = [e.args for e in rows]
    columns: dict[str, Any] = {
        "seq": pa.array([e.seq for e in rows], pa.int64()),
        "t": pa.array([e.t for e in rows], pa.float64()),
        "kind": pa.array([e.kind.value for e in rows], pa.string()),
        "name": pa.array([e.name for e in rows], pa.string()),
        "actor": pa.array([e.actor for e in rows], pa.string()),
        "subject": pa.array([e.subject for e in rows], pa.string()),
        "args": pa.array([ENCODE(dict(a)) for a in args], pa.string()),
        "result": pa.array([e.result for e in rows], pa.int64()),
        "result_name": pa.array([e.result_name for e in rows], pa.string()),
        "span": pa.array([e.span for e in rows], pa.int64()),
        "evidence": pa.array([e.evidence.value for e in rows], pa.string()),
        "state_from": pa.array([s.old if s else None for s in states], pa.string()),
        "state_to": pa.array([s.new if s else None for s in states], pa.string()),
        "ref": pa.array([e.ref for e in rows], pa.string()),
    }
    for typed in TYPED_ARGS:
        kind = int if typed.type == "int" else str
        values = [_typed(a, typed.keys, kind) for a in args]
        columns[typed.column] = pa.array(values, pa.int64() if kind is int else pa.string())
    return pa.table(columns)


def _typed(args: Mapping[str, Any], keys: tuple[str, ...], kind: type) -> Any:
    """The first of ``keys`` whose value is of ``kind`` (an int is not a bool), else None."""
    for key in keys:
        value = args.get(key)
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
    return None


def finish(
    trace_id: str, header: TraceHeader, columns: pa.Table, origin: str, source: str | None = None
) -> Converted:
    """The columns with the trace id in front, the derived columns (`labkit.store.derived`) and the
    ``source`` partition of each event (see `event_sources`), cast to the store's schema."""
    import pyarrow as pa

    schema = events_schema()
    n = columns.num_rows
    present = columns.column_names
    values = [columns[f.name].cast(f.type) if f.name in present else _nulls(f, n) for f in schema]
    ends = state_until(columns["kind"], columns["subject"], columns["t"])
    values[schema.get_field_index(STATE_UNTIL)] = ends
    table = pa.table([pa.repeat(pa.scalar(trace_id, pa.string()), n), *values[1:]], schema=schema)
    if source is None and "source" in header.params:
        sources = pa.array(event_sources(header, columns["ref"].to_pylist()), pa.string())
    else:  # one partition for the whole trace: no list of a million names
        sources = pa.repeat(pa.scalar(event_sources(header, [None], source)[0], pa.string()), n)
    return Converted(trace_id, header, origin, table.append_column("source", sources))


def _nulls(field: pa.Field, n: int) -> pa.Array:
    import pyarrow as pa

    return pa.nulls(n, field.type)


def event_sources(header: TraceHeader, refs: list[str | None], source: str | None = None) -> list[str]:
    """The ``source`` partition of each event.

    A simulated trace (no ``params.source`` in its header) is all ``simulation``. An imported log's
    event goes to the node whose log line it came from: the file part of its ``ref`` (``FILE:LINE``),
    whose node the header's ``params.source.files`` gives (``labkit.clusterlog`` records it), else the
    file's name by Get-ClusterLog's ``<node>_cluster.log`` convention, else without its extension;
    ``unknown`` when the ref names no file. ``source`` puts every event in one partition instead.
    Partition names keep letters, digits, ``.``, ``_`` and ``-``; anything else becomes ``_``.
    """
    if source is not None:
        return [safe_name(source)] * len(refs)
    if "source" not in header.params:
        return [SIMULATED] * len(refs)
    nodes = _nodes_by_file(header.params["source"])
    cache: dict[str | None, str] = {}
    out = []
    for ref in refs:
        node = cache.get(ref)
        if node is None:
            node = cache[ref] = _node_of(ref, nodes)
        out.append(node)
    return out


def _nodes_by_file(source: Any) -> dict[str, str]:
    """The node of each log file an import names (``params.source.files``: ``{"path", "node"}``)."""
    files = source.get("files", []) if isinstance(source, Mapping) else []
    found = {}
    for entry in files if isinstance(files, list) else []:
        if (
            isinstance(entry, Mapping)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("node"), str)
        ):
            found[_file_name(entry["path"])] = entry["node"]
    return found


def _file_name(path: str) -> str:
    return PureWindowsPath(PurePosixPath(path).name).name


def _node_of(ref: str | None, nodes: Mapping[str, str]) -> str:
    match = _REF_FILE.match(ref or "")
    if match is None:
        return UNKNOWN_SOURCE
    name = _file_name(match["file"])
    log = _LOG_NAME.match(name)
    node = nodes.get(name) or (log["node"] if log else name.rsplit(".", 1)[0])
    return safe_name(node) if node else UNKNOWN_SOURCE


def safe_name(text: str) -> str:
    """``text`` as a partition directory name (see `event_sources`)."""
    name = _UNSAFE.sub("_", text)
    return name if name.strip(".") else UNKNOWN_SOURCE


def origin_of(path: str | os.PathLike[str]) -> str:
    """How a file is recorded as a trace's origin: its absolute path."""
    return os.path.abspath(path)


def traces_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    schema = traces_schema()
    return pa.table({f.name: pa.array([r[f.name] for r in rows], f.type) for f in schema}, schema=schema)
