"""`Store`: many traces in one folder of Parquet files, added atomically, queried with SQL."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.exceptions import StoreError
from labkit.store import convert, layout, query, rebuild, upgrade
from labkit.store.schema import MARKER, SCHEMA_VERSION
from labkit.trace import Trace, read_trace

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from labkit.store.convert import Converted

Source = str | os.PathLike[str]


@dataclass(frozen=True)
class Added:
    """What one add did."""

    added: tuple[str, ...]
    """Ids of the traces added, in the order given."""
    present: tuple[str, ...]
    """Ids of the traces that were in the store already (or given twice): not added again."""
    events: int
    """Events written."""

    @property
    def ids(self) -> tuple[str, ...]:
        """Every trace given, by id, in the order given."""
        return self.added + self.present


class Store:
    """A trace store: ``events`` and ``traces`` tables as Parquet under one folder (`labkit.store.layout`).

    `add` files or `add_trace` traces in memory; `sql` queries them with DuckDB; `trace` gives any stored
    trace back, equal to the one added.
    """

    def __init__(self, path: Source) -> None:
        self.path = Path(path)
        version = layout.check(self.path)
        if layout.pending(self.path) or version < SCHEMA_VERSION:
            with layout.locked(self.path):
                layout.recover(self.path)
                upgrade.upgrade(self.path)

    def __repr__(self) -> str:
        return f"<labkit Store {os.fspath(self.path)!r}: {len(self)} traces>"

    def __len__(self) -> int:
        return int(self.sql("SELECT count(*) AS n FROM traces")["n"].iloc[0])

    # --- adding ---------------------------------------------------------------------------------------

    def add(self, paths: Iterable[Source], *, source: str | None = None) -> Added:
        """Add trace files (JSON Lines, simulated or imported), all at once or not at all.

        A folder stands for the ``*.jsonl`` files under it. A bad file raises `TraceFormatError` naming
        it, line and field, and nothing is added. ``source``: see `labkit.store.convert.event_sources`.
        """
        files = _expand(paths)

        def convert_all(known: set[str]) -> Iterable[Converted | str]:
            con = _duckdb()
            for path in files:
                yield _convert_file(path, con, known, source)

        return self._add(convert_all)

    def add_trace(self, trace: Trace, *, origin: str, source: str | None = None) -> str:
        """Add one trace from memory (a simulation's, the log importer's); returns its id.

        ``origin`` says where it came from (the command, or the log files). Adding a trace that is
        already stored does nothing.
        """
        return self.add_traces([(trace, origin)], source=source).ids[0]

    def add_traces(self, traces: Iterable[tuple[Trace, str]], *, source: str | None = None) -> Added:
        """Add traces from memory, each with its origin, all at once or not at all."""
        given = list(traces)

        def convert_all(known: set[str]) -> Iterable[Converted | str]:
            for trace, origin in given:
                trace_id = convert.trace_id(trace)
                if trace_id in known:
                    yield trace_id
                    continue
                yield convert.finish(trace_id, trace.header, convert.event_columns(trace), origin, source)

        return self._add(convert_all)

    def _add(self, convert_all: Callable[[set[str]], Iterable[Converted | str]]) -> Added:
        """Convert under the writer lock (``convert_all`` yields a trace's rows, or the id of one already
        stored) and publish every new trace in one batch."""
        with layout.locked(self.path):
            layout.recover(self.path)
            known = set(self.ids())
            added: list[Converted] = []
            present: list[str] = []
            for item in convert_all(known):
                if isinstance(item, str) or item.trace_id in known:
                    present.append(item if isinstance(item, str) else item.trace_id)
                    continue
                known.add(item.trace_id)
                added.append(item)
            if added:
                _write(self.path, added)
        return Added(tuple(c.trace_id for c in added), tuple(present), sum(c.events.num_rows for c in added))

    # --- reading --------------------------------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the views ``events`` and ``traces`` (and the macro ``flag_names``)."""
        return query.connect(self.path)

    def sql(self, text: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """The result of a SQL query over the views ``events`` and ``traces``, as a DataFrame."""
        frame: pd.DataFrame = self.arrow(text, params).to_pandas()
        return frame

    def arrow(self, text: str, params: Sequence[Any] | None = None) -> pa.Table:
        """The result of a SQL query as an Arrow table (no pandas in between)."""
        import duckdb

        try:
            con = self.connect()
        except duckdb.Error as exc:
            raise query.explain(exc, self.path) from None
        try:
            return con.sql(text, params=list(params) if params else None).to_arrow_table()
        except duckdb.Error as exc:
            raise query.explain(exc, self.path) from None
        finally:
            con.close()

    def ids(self) -> list[str]:
        """Every stored trace's id, in the order they were added."""
        return [
            str(i)
            for i in self.arrow("SELECT trace_id FROM traces ORDER BY added, trace_id")[
                "trace_id"
            ].to_pylist()
        ]

    def traces(self) -> pd.DataFrame:
        """The ``traces`` table: one row per stored trace."""
        return self.sql("SELECT * FROM traces ORDER BY added, trace_id")

    def trace(self, trace_id: str) -> Trace:
        """The stored trace ``trace_id``, equal to the trace that was added (header included)."""
        row = self._row(trace_id)
        columns = ", ".join(rebuild.EVENT_FIELDS)
        table = self.arrow(f"SELECT {columns} FROM events WHERE trace_id = ? ORDER BY seq", [trace_id])
        if table.num_rows != row["events"]:
            raise StoreError(
                f"{self.path}: trace {trace_id} has {table.num_rows} events stored, its row says "
                f"{row['events']} (was a file removed from the store?)"
            )
        return rebuild.trace(row, table)

    def across_runs(self, subject: str, *, domain: str | None = None, where: str = "true") -> Trace:
        """``subject``'s events in every stored run, as one trace with a lane per run (``<scenario>
        <id>: <subject>``), on each run's own clock: ``views.timeline(store.across_runs("Disk"))``.

        ``where`` narrows the runs with SQL on ``traces`` (``"scenario = 'move-busy-dll'"``).
        """
        runs = {r["trace_id"]: r for r in self.arrow(f"SELECT * FROM traces WHERE {where}").to_pylist()}
        domains = {r["domain"] for r in runs.values()} if domain is None else {domain}
        if len(domains) > 1:
            raise StoreError(f"{self.path}: {subject!r} is in traces of several domains; pass domain=")
        chosen = sorted(i for i, r in runs.items() if r["domain"] in domains)
        columns = ", ".join(("trace_id", *rebuild.EVENT_FIELDS))
        table = self.arrow(
            f"SELECT {columns} FROM events WHERE subject = ? AND trace_id IN (SELECT unnest(?)) "
            "ORDER BY trace_id, seq",
            [subject, chosen],
        )
        found = sorted(set(table["trace_id"].to_pylist()))
        if not found:
            raise StoreError(f"{self.path}: no stored run has events about {subject!r}")
        labels = {i: f"{runs[i]['scenario']} {i[:6]}" for i in found}
        return rebuild.across_runs(subject, domains.pop(), {i: runs[i] for i in found}, table, labels)

    def _row(self, trace_id: str) -> dict[str, Any]:
        rows = self.arrow("SELECT * FROM traces WHERE trace_id = ?", [trace_id]).to_pylist()
        if not rows:
            raise StoreError(f"{self.path}: no trace {trace_id!r} in the store")
        row: dict[str, Any] = rows[0]
        return row


def open(path: Source, *, create: bool = False) -> Store:
    """The store at ``path``; ``create=True`` makes a new one when the folder is missing or empty."""
    root = Path(path)
    if create and not (root / MARKER).exists():
        layout.create(root)
    return Store(root)


def add_trace(store: Store | Source, trace: Trace, *, origin: str, source: str | None = None) -> str:
    """Add ``trace`` to ``store`` (a `Store` or a path; a missing store is created); returns its id.

    The seam for producers of traces in memory: ``labkit import clusterlog --store``, simulations.
    """
    chosen = store if isinstance(store, Store) else open(store, create=True)
    return chosen.add_trace(trace, origin=origin, source=source)


# --- helpers ------------------------------------------------------------------------------------------


def _duckdb() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect()


def _expand(paths: Iterable[Source]) -> list[Path]:
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.rglob("*.jsonl"))
            if not found:
                raise StoreError(f"{path}: no *.jsonl trace files in this folder")
            files.extend(found)
        elif not path.exists():
            raise FileNotFoundError(2, "No such file or directory", str(path))
        else:
            files.append(path)
    return files


def _convert_file(
    path: Path, con: duckdb.DuckDBPyConnection, known: set[str], source: str | None
) -> Converted | str:
    """A file's rows (by the fast path when the file is canonical, else through `read_trace`), or its id
    when it is stored already."""
    from labkit.store import fast

    origin = convert.origin_of(path)
    canonical = fast.read_canonical(path, con)
    if canonical is not None:
        header, trace_id, columns = canonical
        if trace_id in known:
            return trace_id
        return convert.finish(trace_id, header, columns, origin, source)
    trace = read_trace(path)  # strict: a bad file raises, naming file, line and field
    trace_id = convert.trace_id(trace)
    if trace_id in known:
        return trace_id
    return convert.finish(trace_id, trace.header, convert.event_columns(trace), origin, source)


def _write(root: Path, added: list[Converted]) -> None:
    """One atomic publish of every added trace: one file per partition, one traces file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    now = datetime.datetime.now(datetime.UTC)
    rows = [c.traces_row(now) for c in added]
    parts: dict[tuple[str, str], list[pa.Table]] = {}
    for item in added:
        table = item.events
        sources = sorted(pc.unique(table["source"]).to_pylist())
        for source in sources:
            chosen = table if len(sources) == 1 else table.filter(pc.equal(table["source"], source))
            parts.setdefault((item.header.domain, source), []).append(chosen.drop_columns(["source"]))
    tables = {key: pa.concat_tables(value) for key, value in parts.items()}
    layout.publish(root, layout.new_batch(), tables, convert.traces_table(rows))
