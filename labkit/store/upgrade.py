"""Bringing a store of an older schema version up to this labkit's, in place, when it is opened.

Each events file that lacks a column of this version is rewritten with it and replaced atomically, so a
reader sees the old file or the new one, never half of one; the marker is written last, so an upgrade
that is interrupted is finished by the next opening. Version 2 added ``state_until``
(`labkit.store.derived`), worked out here from the whole store: an imported trace's events are spread
over one partition per node.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.store import layout
from labkit.store.derived import STATE_UNTIL
from labkit.store.schema import SCHEMA_VERSION, events_schema

if TYPE_CHECKING:
    import pyarrow as pa

_ENDS = """
SELECT trace_id, seq, lead(t) OVER (PARTITION BY trace_id, subject ORDER BY seq) AS state_until
FROM read_parquet({files}, union_by_name = true)
WHERE kind = 'state'
"""
"""Each state event's end, as `labkit.store.derived.state_until` works it out for one trace."""


def upgrade(root: Path) -> None:
    """Bring the store at ``root`` to `SCHEMA_VERSION`; does nothing to a current one. Call under
    `layout.locked`."""
    import pyarrow.parquet as pq

    if layout.check(root) >= SCHEMA_VERSION:
        return
    files = sorted((root / "events").glob("*/*/*.parquet"))
    lacking = [p for p in files if STATE_UNTIL not in pq.read_schema(p).names]
    if lacking:
        ends = _state_ends(files)
        for path in lacking:
            _rewrite(path, ends)
    layout.write_marker(root)


def _state_ends(files: list[Path]) -> pa.Table:
    import duckdb

    listed = "[" + ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in files) + "]"
    con = duckdb.connect()
    try:
        return con.sql(_ENDS.format(files=listed)).to_arrow_table()
    finally:
        con.close()


def _rewrite(path: Path, ends: pa.Table) -> None:
    """``path`` with ``state_until`` from ``ends``, rows in their order, replaced atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    table = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    joined = table.join(ends, keys=["trace_id", "seq"], join_type="left outer").sort_by("__row")
    schema = events_schema()
    upgraded = joined.select(schema.names).cast(schema)
    tmp = path.with_name(path.name + ".upgrade")
    layout.write_parquet(upgraded, tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
