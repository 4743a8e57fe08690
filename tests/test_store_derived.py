"""What the store works out when a trace is added (``state_until``), the question that uses it, and the
upgrade of a store written before it (schema version 1)."""

import json
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from labkit import read_trace, store
from labkit.store import layout, queries, schema
from labkit.trace import Kind, TraceHeader, Tracer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "data" / "traces").glob("*.jsonl"))


def state_ends(trace):
    """(seq, end) of each state event: the next state event of its subject, in plain Python."""
    last = {}
    ends = {}
    for event in trace:
        if event.kind is Kind.STATE:
            if event.subject in last:
                ends[last[event.subject].seq] = event.t
            last[event.subject] = event
            ends[event.seq] = None
    return ends


def state_time(traces):
    """`queries.STATE_TIME` in plain Python over traces read with read_trace."""
    totals = defaultdict(lambda: [0.0, 0])
    for trace in traces:
        if trace.header.domain != "cluster":
            continue
        ends = state_ends(trace)
        for event in trace:
            end = ends.get(event.seq)
            if event.kind is Kind.STATE and ":" not in event.subject and end is not None:
                totals[event.subject, event.state.new][0] += end - event.t
                totals[event.subject, event.state.new][1] += 1
    return sorted([subject, state, ms, n] for (subject, state), (ms, n) in totals.items())


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    runs = store.open(tmp_path_factory.mktemp("derived") / "runs", create=True)
    return runs, runs.add(GOLDEN)


def test_state_until_is_the_next_state_of_the_same_subject(golden):
    """Every state event's end, for every golden trace: the next state event of its subject, else null."""
    runs, done = golden
    for path, trace_id in zip(GOLDEN, done.added, strict=True):
        rows = runs.sql(
            "SELECT seq, state_until FROM events WHERE trace_id = ? AND kind = 'state' ORDER BY seq",
            [trace_id],
        )
        got = {int(s): (None if u != u else float(u)) for s, u in rows.values.tolist()}
        assert got == state_ends(read_trace(path)), path.name
        others = runs.sql("SELECT count(state_until) AS n FROM events WHERE kind <> 'state'")["n"].iloc[0]
        assert others == 0


def test_state_time_answers_from_the_stored_column(golden):
    """`queries.STATE_TIME` gives what the traces themselves give, resource by resource."""
    runs, _ = golden
    got = runs.sql(queries.STATE_TIME).values.tolist()
    expected = state_time(read_trace(p) for p in GOLDEN)
    assert len(got) == len(expected) > 10
    for row, want in zip(got, expected, strict=True):
        assert row[:2] == want[:2] and row[3] == want[3]
        assert row[2] == pytest.approx(want[2], rel=1e-12)


def test_a_state_ends_on_another_nodes_log(tmp_path):
    """An imported resource that changes state in one node's log and next in another's: the end is found
    across the two partitions, because it is worked out before the trace is split."""
    header = TraceHeader(
        domain="cluster",
        scenario="clusterlog",
        params={"source": {"files": ["A_cluster.log", "B_cluster.log"]}},
    )
    tracer = Tracer(header)
    steps = [
        ("A_cluster.log:1", "Online", 1.0),
        ("B_cluster.log:5", "Offline", 4.5),
        ("A_cluster.log:9", "Online", 7.0),
    ]
    for ref, state, t in steps:
        tracer.record(
            Kind.STATE,
            state,
            actor="rcm",
            subject="Disk",
            t=t,
            evidence="observed",
            ref=ref,
            state=(None, state),
        )
    runs = store.open(tmp_path / "runs", create=True)
    runs.add_trace(tracer.trace, origin="test")
    rows = runs.sql("SELECT source, seq, state_until FROM events ORDER BY seq").values.tolist()
    assert [r[:2] for r in rows] == [["A", 0], ["B", 1], ["A", 2]]
    assert [r[2] for r in rows[:2]] == [4.5, 7.0] and rows[2][2] != rows[2][2]  # the last: null (NaN)
    assert runs.sql(queries.STATE_TIME).values.tolist() == [
        ["Disk", "Offline", 2.5, 1],
        ["Disk", "Online", 3.5, 1],
    ]


def as_version_1(runs):
    """Make ``runs`` what a labkit of schema version 1 wrote: events files without state_until."""
    for path in sorted((runs.path / "events").glob("*/*/*.parquet")):
        table = pq.read_table(path).drop_columns(["state_until"])
        layout.write_parquet(table, path)
    (runs.path / schema.MARKER).write_text(json.dumps({"format": schema.FORMAT, "schema": 1}))


def test_a_version_1_store_is_upgraded_when_opened(golden, tmp_path):
    """Opening an older store adds the column to every file, the same values an add gives, then says so in
    the marker; the traces come back unchanged."""
    runs = store.open(tmp_path / "old", create=True)
    added = runs.add(GOLDEN[:12])
    as_version_1(runs)
    assert all("state_until" not in pq.read_schema(p).names for p in layout.data_files(runs.path)[:-1])
    reopened = store.open(runs.path)
    marker = json.loads((runs.path / schema.MARKER).read_text())
    assert marker == {"format": schema.FORMAT, "schema": schema.SCHEMA_VERSION}
    events = [p for p in layout.data_files(runs.path) if "events" in p.parts]
    assert all(pq.read_schema(p).names == schema.events_schema().names for p in events)
    fresh, _ = golden
    query = "SELECT trace_id, seq, state_until FROM events WHERE trace_id IN (SELECT unnest(?)) ORDER BY ALL"
    ids = list(added.added)
    assert reopened.sql(query, [ids]).equals(fresh.sql(query, [ids]))
    for path, trace_id in zip(GOLDEN[:12], added.added, strict=True):
        assert reopened.trace(trace_id) == read_trace(path)


def test_an_interrupted_upgrade_is_finished_by_the_next_opening(tmp_path, monkeypatch):
    """A crash after some files were rewritten (the marker still says 1): the next opening does the rest."""
    from labkit.store import upgrade

    runs = store.open(tmp_path / "old", create=True)
    for batch in (GOLDEN[:3], GOLDEN[3:6], GOLDEN[-3:]):
        runs.add(batch)  # a file per batch and partition
    as_version_1(runs)
    assert len(list((runs.path / "events").glob("*/*/*.parquet"))) >= 3
    calls = []
    original = upgrade._rewrite

    def crashing(path, ends):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        original(path, ends)

    monkeypatch.setattr(upgrade, "_rewrite", crashing)
    with pytest.raises(KeyboardInterrupt):
        store.open(runs.path)
    assert json.loads((runs.path / schema.MARKER).read_text())["schema"] == 1
    monkeypatch.undo()
    reopened = store.open(runs.path)
    assert json.loads((runs.path / schema.MARKER).read_text())["schema"] == schema.SCHEMA_VERSION
    assert not list(runs.path.rglob("*.upgrade"))
    assert reopened.sql("SELECT count(*) AS n FROM events WHERE state_until IS NOT NULL")["n"].iloc[0] > 0
