"""The columnar import: every line of a log set as one Parquet row, the same shapes recognised as the
full reader, the same UTC times; nothing dropped but blank lines, which are counted."""

from collections import Counter

import pyarrow.parquet as pq
import pytest

from labkit import clusterlog
from labkit.clusterlog import columnar
from labkit.exceptions import OutputExistsError
from labkit.trace import Kind


@pytest.mark.parametrize("name", ["ag-move", "isalive-failover", "witness-deadlock"])
def test_the_same_events_as_the_full_reader(name, tmp_path):
    out = tmp_path / "logs.parquet"
    scan = columnar.scan(f"data/clusterlogs/{name}", out)
    table = pq.read_table(out).to_pylist()
    trace = clusterlog.read(f"data/clusterlogs/{name}")
    source = trace.header.params["source"]
    assert scan.rows + scan.blank == source["totals"]["lines"]  # every line a row, or a counted blank
    assert scan.rows == len(table)
    recognised = [r for r in table if r["name"] != clusterlog.LOG_LINE]
    assert scan.recognised == len(recognised) == source["totals"]["recognised"]
    known = [e for e in trace if e.name != clusterlog.LOG_LINE]
    assert Counter((r["kind"], r["name"], r["subject"]) for r in recognised) == Counter(
        (e.kind.value, e.name, e.subject) for e in known
    )
    start = min(r["utc_ms"] for r in table if r["utc_ms"] is not None)
    times = {(r["file"], r["line"]): r["utc_ms"] - start for r in recognised}

    def place(ref):
        """``FILE:LINE`` or ``FILE:FIRST-LAST`` → (FILE, FIRST)."""
        file, lines = ref.rsplit(":", 1)
        return file, int(lines.split("-")[0])

    assert [times[place(e.ref)] for e in known] == [e.t for e in known]


def test_rows_keep_the_prefix_fields_and_lines_without_one(tmp_path):
    out = tmp_path / "x.parquet"
    scan = columnar.scan("data/clusterlogs/ag-move/SQL01_cluster.log", out)
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["text"] == "[=== Cluster ===]" and rows[0]["prefixed"] is False
    assert rows[0]["utc_ms"] is None and rows[0]["line"] == 1
    move = next(r for r in rows if r["name"] == "MoveGroup")
    assert {k: move[k] for k in ("node", "pid", "tid", "level", "component", "kind", "subject")} == {
        "node": "SQL01",
        "pid": "000011d0",
        "tid": "00000f80",
        "level": "INFO",
        "component": "RCM",
        "kind": Kind.NOTE.value,
        "subject": "group:ag",
    }
    assert move["text"] == "rcm::RcmApi::MoveGroup: (ag, 2)"
    assert scan.unprefixed == sum(1 for r in rows if not r["prefixed"]) > 0
    with pytest.raises(OutputExistsError):
        columnar.scan("data/clusterlogs/ag-move", out)


def test_a_large_generated_set_streams_in_blocks(tmp_path):
    from labkit.clusterlog.generate import write_large

    files = write_large(tmp_path / "logs", nodes=2, size=3 << 20, seed=1)
    scan = columnar.scan(tmp_path / "logs", tmp_path / "big.parquet")
    metadata = pq.ParquetFile(tmp_path / "big.parquet").metadata
    assert metadata.num_row_groups > 1  # written block by block, not held whole
    assert metadata.num_rows == scan.rows and scan.blank == 0
    assert scan.bytes_read == sum(p.stat().st_size for p in files)
    assert scan.recognised > 0 and scan.unprefixed == 0
