"""Many traces at once: a folder of Parquet files, queried with SQL through an embedded DuckDB.

    from labkit import store
    runs = store.open("runs/", create=True)
    runs.add(["data/traces/"])                       # JSON Lines traces, simulated or imported
    runs.sql("select name, count(*) from events group by name")
    runs.trace(runs.ids()[0])                        # any stored trace, equal to the one added
    store.add_trace("runs/", run.trace, origin="cluster.simulate('move-busy-dll')")

The files are plain Parquet partitioned Hive-style (``events/domain=cluster/source=simulation/``):
``dask.dataframe.read_parquet("runs/events")`` or Spark read them unchanged. docs/store-schema.md gives
every column. pyarrow and DuckDB load on first use, so ``import labkit.store`` costs nothing.
"""

from labkit.store.schema import SCHEMA_VERSION, TYPED_ARGS, TypedArg
from labkit.store.store import Added, Store, add_trace, open

__all__ = ["SCHEMA_VERSION", "TYPED_ARGS", "Added", "Store", "TypedArg", "add_trace", "open"]
