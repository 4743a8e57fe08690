"""Beyond one machine: Dask reads a store's Parquet files unchanged and counts what DuckDB counts.

A real `distributed.LocalCluster` of two worker processes on loopback reads ``STORE/events`` with
`dask.dataframe.read_parquet`, as a cluster of machines would read a shared folder.
"""

from pathlib import Path

import pytest

from labkit import store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A store of every golden trace plus a flag matrix: both domains, several batches."""
    from labkit import cluster

    built = store.open(tmp_path_factory.mktemp("dask") / "runs", create=True)
    built.add([ROOT / "data" / "traces"])
    cluster.flag_matrix("move-busy-dll", os="2016", store=built)
    return built


def test_dask_reads_the_events_folder_as_it_is(runs):
    """`dask.dataframe.read_parquet(STORE + "/events")`: every column, partitions included, same rows."""
    import dask.dataframe as dd

    frame = dd.read_parquet(str(runs.path / "events"))
    duck = runs.sql("SELECT count(*) AS n FROM events")["n"][0]
    assert len(frame) == duck
    expected = set(runs.sql("SELECT * FROM events LIMIT 0").columns)
    assert set(frame.columns) == expected


@pytest.mark.slow
def test_a_local_dask_cluster_counts_what_duckdb_counts(runs):
    """Events per domain, kind and name on a LocalCluster (processes, loopback) equal DuckDB's counts."""
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    sql = (
        "SELECT domain, kind, name, count(*) AS n FROM events "
        "GROUP BY domain, kind, name ORDER BY domain, kind, name"
    )
    duck = [tuple(row) for row in runs.sql(sql).itertuples(index=False)]
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        frame = dd.read_parquet(str(runs.path / "events"), columns=["domain", "kind", "name"])
        counted = frame.groupby(["domain", "kind", "name"], observed=True).size().compute()
        assert len(client.scheduler_info()["workers"]) == 2
    got = sorted((str(d), str(k), str(n), int(c)) for (d, k, n), c in counted.items())
    assert got == duck
    assert sum(c for *_, c in got) == runs.sql("SELECT count(*) AS n FROM events")["n"][0]
