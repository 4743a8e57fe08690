"""The store's tables as data: the columns of ``events`` and ``traces``, the typed argument columns, the
partition rule. docs/store-schema.md describes the same (a test keeps the two in step).

pyarrow loads only when a schema is asked for, so importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from labkit import winapi

if TYPE_CHECKING:
    import pyarrow as pa

FORMAT = "labkit-store"
SCHEMA_VERSION = 2
"""Version of the store layout and of both tables. A store of a newer version is refused; an older one is
upgraded in place when opened (`labkit.store.upgrade`). 2: ``events.state_until``."""
MARKER = "labkit-store.json"
"""The file at the top of a store that says it is one, and which schema version it holds."""
SIMULATED = "simulation"
"""The ``source`` partition of every event of a simulated trace."""
UNKNOWN_SOURCE = "unknown"
"""The ``source`` of an imported event whose ``ref`` names no log file."""


@dataclass(frozen=True)
class TypedArg:
    """One argument that also gets a column of its own, so a filter on it needs no JSON."""

    column: str
    """Column name: the SDK parameter name, or labkit's own name when several parameters are merged."""
    keys: tuple[str, ...]
    """The ``args`` keys it comes from; the first one present in an event wins."""
    type: Literal["int", "str"]
    """``int`` (int64) or ``str``. A value of another JSON type leaves the column null (``args`` keeps it)."""
    about: str
    """What it holds, for docs/store-schema.md."""


TYPED_ARGS: tuple[TypedArg, ...] = (
    TypedArg("OfflineFlags", ("OfflineFlags",), "int", "CLUS_RESDLL_OFFLINE_* word OfflineV2 received"),
    TypedArg("OnlineFlags", ("OnlineFlags",), "int", "CLUS_RESDLL_ONLINE_* word OnlineV2 received"),
    TypedArg("StatusFlags", ("StatusFlags",), "int", "RESOURCE_STATUS_EX.Flags of a status report"),
    TypedArg("dwMoveFlags", ("dwMoveFlags",), "int", "CLUSAPI_GROUP_MOVE_* of MoveClusterGroupEx"),
    TypedArg("dwOfflineFlags", ("dwOfflineFlags",), "int", "CLUSAPI_RESOURCE_OFFLINE_* of a client request"),
    TypedArg("dwControlFlags", ("dwControlFlags",), "int", "LUP_* control flags of an NSPv2 lookup call"),
    TypedArg("CheckPoint", ("CheckPoint",), "int", "RESOURCE_STATUS_EX.CheckPoint"),
    TypedArg("ResourceState", ("ResourceState",), "int", "a CLUSTER_RESOURCE_STATE number"),
    TypedArg("node", ("node",), "str", "the node a resource or group is on (labkit's convention)"),
    TypedArg("DestinationNodeName", ("DestinationNodeName",), "str", "OfflineV2's destination of a move"),
    TypedArg(
        "session_arg",
        ("lpvClientSessionArg", "pvClientSessionArg", "ppvClientSessionArg"),
        "str",
        "the NSPv2 client session argument a call carried, under whichever parameter name",
    ),
    TypedArg("hLookup", ("hLookup",), "str", "the NSPv2 lookup handle"),
    TypedArg("routine", ("routine",), "str", "the routine a fault concerns"),
)

FLAG_COLUMNS: dict[str, type[winapi.SdkFlag]] = {
    a.column: winapi.FLAG_ARGUMENTS[a.column] for a in TYPED_ARGS if a.column in winapi.FLAG_ARGUMENTS
}
"""Typed columns that hold a flag word, with its flag class (the SQL macro ``flag_names`` spells them)."""

BASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("seq", "int64", "position in the trace: 0, 1, 2, ..."),
    ("t", "float64", "virtual milliseconds (imported logs: ms since the header's UTC start)"),
    ("kind", "string", "call, return, complete, state, fault or note"),
    ("name", "string", "exact Windows name, or a state / fault name"),
    ("actor", "string", "who acts (broker, provider, rhs, dll, worker:<n>, ...)"),
    ("subject", "string", "what it is about: session, lookup, resource, group, node"),
    ("args", "string", "the event's arguments as JSON text, exactly as labkit writes them"),
    ("result", "int64", "return value or completion code (null for VOID and non-results)"),
    ("result_name", "string", "SDK name of result"),
    ("span", "int64", "seq of the call a return / completion belongs to"),
    ("evidence", "string", "documented, header, observed or inferred"),
    ("state_from", "string", "state event: the state before (null for a new subject)"),
    ("state_to", "string", "state event: the new state (null for every other kind)"),
    ("ref", "string", "rule id / sheet section, or FILE:LINE of an imported log line"),
)
"""The trace's own fields, flattened: what `labkit.store.Store.trace` rebuilds a trace from."""

DERIVED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "state_until",
        "float64",
        "state event: when the state it entered ended, the time of the subject's next state event in "
        "the trace (null for the subject's last state and for every other kind)",
    ),
)
"""Worked out from the whole trace when it is added (`labkit.store.derived`), after the typed columns."""

TRACE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("trace_id", "string", "content hash: SHA-256 of the trace as labkit writes it (first 16 hex digits)"),
    ("domain", "string", "nspv2 or cluster"),
    ("scenario", "string", "the header's scenario (what produced the trace)"),
    ("source", "string", "'simulation', or the nodes of an imported log (comma-separated)"),
    ("params", "string", "the header's params as JSON text"),
    ("labkit", "string", "labkit version that wrote the trace"),
    ("version", "int64", "trace format version"),
    ("origin", "string", "where it came from: the file's absolute path, or what produced it in memory"),
    ("events", "int64", "number of events"),
    ("faults", "int64", "number of fault events"),
    ("t_end", "float64", "time of the last event (ms)"),
    ("added", "timestamp[us, tz=UTC]", "when it was added to the store"),
)
PARTITIONS = ("domain", "source")
"""The ``events`` directory levels (Hive style: ``events/domain=cluster/source=simulation/``)."""


def events_schema() -> pa.Schema:
    """``events`` as written in each Parquet file (the partition columns live in the directory names)."""
    import pyarrow as pa

    typed = [(a.column, pa.int64() if a.type == "int" else pa.string()) for a in TYPED_ARGS]
    fields = [("trace_id", pa.string())] + [(n, _arrow(t)) for n, t, _ in BASE_COLUMNS] + typed
    fields += [(n, _arrow(t)) for n, t, _ in DERIVED_COLUMNS]
    return pa.schema(fields, metadata={"labkit.store.schema": str(SCHEMA_VERSION)})


def base_schema() -> pa.Schema:
    """The flattened trace fields alone (what both converters produce)."""
    import pyarrow as pa

    return pa.schema([(n, _arrow(t)) for n, t, _ in BASE_COLUMNS])


def traces_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [(n, _arrow(t)) for n, t, _ in TRACE_COLUMNS], metadata={"labkit.store.schema": str(SCHEMA_VERSION)}
    )


def _arrow(name: str) -> pa.DataType:
    import pyarrow as pa

    if name == "timestamp[us, tz=UTC]":
        return pa.timestamp("us", tz="UTC")
    return pa.type_for_alias(name)
