"""`labkit store add`, `labkit query`, and `--store` on simulate and matrix."""

from pathlib import Path

from labkit import read_trace, store
from labkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
TRACES = ROOT / "data" / "traces"


def test_store_add_then_query_markdown(tmp_path, capsys):
    """A folder of traces in, a markdown table out; flag words by SDK name; a second add adds nothing."""
    runs = tmp_path / "runs"
    golden = [read_trace(p) for p in sorted(TRACES.glob("*.jsonl"))]
    assert main(["store", "add", str(runs), str(TRACES)]) == 0
    added = f"{len(golden)} traces added ({sum(map(len, golden))} events)"
    assert capsys.readouterr().out == f"{runs}: {added}, 0 already stored\n"
    assert main(["store", "add", str(runs), str(TRACES / "cluster-move-busy-dll.jsonl")]) == 0
    assert capsys.readouterr().out == f"{runs}: 0 traces added (0 events), 1 already stored\n"
    query = (
        "select OfflineFlags, count(*) as calls from events where kind = 'call' and name = 'OfflineV2' "
        "and OfflineFlags in (0, 4) group by OfflineFlags order by OfflineFlags"
    )
    assert main(["query", str(runs), query]) == 0
    calls = [
        e.args.get("OfflineFlags") for t in golden for e in t if e.kind == "call" and e.name == "OfflineV2"
    ]
    assert calls.count(0) > 0 and calls.count(4) > 0
    assert capsys.readouterr().out.splitlines() == [
        "| OfflineFlags | calls |",
        "|---|---|",
        f"| 0 | {calls.count(0)} |",
        f"| CLUS_RESDLL_OFFLINE_QUEUE_ENABLED | {calls.count(4)} |",
    ]


def test_query_csv(tmp_path, capsys):
    runs = tmp_path / "runs"
    main(["store", "add", str(runs), str(TRACES / "nspv2-happy-path.jsonl")])
    capsys.readouterr()
    assert main(["query", str(runs), "select domain, scenario, events from traces", "--format", "csv"]) == 0
    events = len(read_trace(TRACES / "nspv2-happy-path.jsonl"))
    assert capsys.readouterr().out == f"domain,scenario,events\nnspv2,happy-path,{events}\n"


def test_bad_query_and_bad_store_are_one_line_errors(tmp_path, capsys):
    """A query DuckDB refuses, or a folder that is no store: exit 2 and one line naming the store."""
    runs = tmp_path / "runs"
    main(["store", "add", str(runs), str(TRACES / "nspv2-happy-path.jsonl")])
    capsys.readouterr()
    assert main(["query", str(runs), "select nope from events"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"labkit: error: {runs}: query failed: Binder Error") and err.count("\n") == 1
    assert main(["query", str(tmp_path / "nothing"), "select 1"]) == 2
    assert capsys.readouterr().err == f"labkit: error: {tmp_path / 'nothing'}: does not exist\n"


def test_store_add_of_a_bad_file_names_it_and_adds_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text((TRACES / "nspv2-happy-path.jsonl").read_text().replace('"seq":3,', '"seq":"3",'))
    runs = tmp_path / "runs"
    assert main(["store", "add", str(runs), str(TRACES / "cluster-plain-offline.jsonl"), str(bad)]) == 2
    assert capsys.readouterr().err == f"labkit: error: {bad}:5: seq: must be an integer, not a string\n"
    assert len(store.open(runs)) == 0


def test_simulate_with_store_and_out(tmp_path, capsys):
    """--store adds the run's trace; with --out too, the file and the stored trace are the same trace."""
    runs, out = tmp_path / "runs", tmp_path / "run.jsonl"
    args = ["simulate", "offline", "--scenario", "pending-offline", "--store", str(runs), "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    stored = store.open(runs)
    (trace_id,) = stored.ids()
    assert printed.startswith(f"{out}, {runs} (trace {trace_id}): ")
    assert stored.trace(trace_id) == read_trace(out)
    assert stored.traces()["origin"].tolist() == ["labkit simulate cluster --scenario pending-offline"]
    assert main(["simulate", "nspv2", "--scenario", "happy-path", "--store", str(runs)]) == 0
    assert len(stored) == 2


def test_simulate_needs_somewhere_to_put_the_trace(capsys):
    assert main(["simulate", "nspv2", "--scenario", "happy-path"]) == 2
    assert "say where the trace goes: --out FILE, --store STORE, or both" in capsys.readouterr().err


def test_matrix_with_store_keeps_every_run(tmp_path, capsys):
    """`labkit matrix --store` adds all 128 runs; each row's flags are in its trace's header."""
    runs = tmp_path / "runs"
    assert main(["matrix", "--scenario", "plain-offline", "--store", str(runs)]) == 0
    assert capsys.readouterr().err == f"{runs}: 128 runs stored\n"
    flags = store.open(runs).sql("select params::JSON->>'$.flags' as flags from traces")["flags"]
    assert len(set(flags)) == 128


def test_import_clusterlog_with_store_partitions_by_node(tmp_path, capsys):
    """`labkit import clusterlog --store`: the imported trace is stored, each event under its node."""
    out, runs = tmp_path / "ag.jsonl", tmp_path / "runs"
    logs = ROOT / "data" / "clusterlogs" / "ag-move"
    assert main(["import", "clusterlog", str(logs), "--out", str(out), "--store", str(runs)]) == 0
    stored = store.open(runs)
    (trace_id,) = stored.ids()
    assert capsys.readouterr().out.splitlines()[-1] == f"{runs}: trace {trace_id} (added)"
    trace = read_trace(out)
    assert stored.trace(trace_id) == trace
    by_node = stored.sql("select source, count(*) as n from events group by source order by source")
    expected = {}
    for event in trace:
        node = event.ref.split("_cluster.log:")[0] if event.ref else "unknown"
        expected[node] = expected.get(node, 0) + 1
    assert dict(zip(by_node["source"], by_node["n"], strict=True)) == expected
    assert sorted(expected) == ["SQL01", "SQL02"]
    assert stored.traces()["source"].tolist() == ["SQL01,SQL02"]
