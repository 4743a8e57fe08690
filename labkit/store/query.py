"""SQL over a store: an embedded DuckDB with the views ``events`` and ``traces`` and a few macros.

Nothing is loaded into memory first: DuckDB reads the Parquet files a query needs, the columns it names
and the row groups its filter cannot rule out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.exceptions import StoreError
from labkit.store.layout import data_files
from labkit.store.schema import FLAG_COLUMNS, PARTITIONS, events_schema, traces_schema

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection whose ``events`` and ``traces`` views read the store at ``root``."""
    import duckdb

    con = duckdb.connect()
    con.execute(_views(con, root))
    for macro in macros():
        con.execute(macro)
    return con


def _literal(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def _views(con: duckdb.DuckDBPyConnection, root: Path) -> str:
    files = data_files(root)
    statements = []
    if any(p.parent.parent.parent.name == "events" for p in files):
        pattern = _literal(root / "events" / "*" / "*" / "*.parquet")
        hive = ", ".join(f"'{p}': VARCHAR" for p in PARTITIONS)
        options = f"hive_partitioning = true, hive_types = {{{hive}}}, union_by_name = true"
        source = f"read_parquet({pattern}, {options})"
    else:
        source = _empty(con, "labkit_no_events", events_schema(), partitions=True)
    statements.append(f"CREATE VIEW events AS SELECT * FROM {source}")
    if (root / "traces").is_dir() and any((root / "traces").glob("*.parquet")):
        traces = f"read_parquet({_literal(root / 'traces' / '*.parquet')})"
    else:
        traces = _empty(con, "labkit_no_traces", traces_schema())
    statements.append(f"CREATE VIEW traces AS SELECT * FROM {traces}")
    return ";\n".join(statements)


def _empty(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema, *, partitions: bool = False) -> str:
    """A registered empty table with the columns of ``schema`` (a store with no traces yet)."""
    import pyarrow as pa

    if partitions:
        for column in PARTITIONS:
            schema = schema.append(pa.field(column, pa.string()))
    con.register(name, schema.empty_table())
    return name


def macros() -> list[str]:
    """``flag_names(argument, value)``: a flag word by SDK names joined by ``|`` (``0`` when empty; bits
    without a name in hex), as labkit shows flags everywhere: ``flag_names('OfflineFlags', OfflineFlags)``."""
    cases = []
    for column, flag_type in FLAG_COLUMNS.items():
        prefix = flag_type.sdk_prefix()
        parts = [
            f"CASE WHEN (value & {int(flag)}) <> 0 THEN '{prefix}{flag.name}' END"
            for flag in flag_type.single_flags()
        ]
        rest = ~flag_type.mask()
        unnamed = f"CASE WHEN (value & {rest}) <> 0 THEN printf('0x%x', value & {rest}) END"
        cases.append(f"WHEN '{column}' THEN nullif(concat_ws('|', {', '.join(parts)}, {unnamed}), '')")
    body = " ".join(cases)
    return [
        "CREATE OR REPLACE MACRO flag_names(argument, value) AS CASE WHEN value IS NULL THEN NULL "
        f"WHEN value = 0 THEN '0' ELSE CASE argument {body} ELSE value::VARCHAR END END"
    ]


_FILE = re.compile(r"[^\s'\"]+\.parquet")


def explain(error: Exception, root: Path) -> StoreError:
    """A DuckDB error as a `StoreError` naming the store, and the damaged file when one is to blame."""
    text = str(error).strip()
    damaged = damaged_file(root) if "parquet" in text.lower() or "magic" in text.lower() else None
    if damaged is not None:
        path, why = damaged
        return StoreError(f"{path}: damaged Parquet file in store {root} ({why}); query failed: {text}")
    return StoreError(f"{root}: query failed: {text.splitlines()[0] if text else type(error).__name__}")


def damaged_file(root: Path) -> tuple[Path, str] | None:
    """The first of the store's files whose Parquet footer cannot be read, and why."""
    import pyarrow.parquet as pq

    for path in data_files(root):
        try:
            pq.read_metadata(path)
        except Exception as exc:  # whatever pyarrow says, the file is unreadable
            return path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None
