"""The trace store: every golden trace in, the same traces out, atomic and idempotent adds, clear errors."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labkit import read_trace, store, winapi
from labkit.exceptions import StoreError, TraceFormatError
from labkit.store import convert, fast, layout, onepass
from labkit.text import arg_text
from labkit.trace import Kind, TraceHeader, Tracer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "data" / "traces").glob("*.jsonl"))


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """A store of every golden trace, and the ids the add gave, in file order."""
    runs = store.open(tmp_path_factory.mktemp("golden") / "runs", create=True)
    done = runs.add(GOLDEN)
    return runs, done


@pytest.fixture(params=["onepass", "duckdb"])
def read_canonical(request):
    """Each fast reader in turn: the one-pass C reader and the DuckDB one must take exactly the same files
    and give exactly the same columns."""
    import duckdb

    if request.param == "onepass":
        if not onepass.available():
            pytest.skip("labkit was built without its C reader (no compiler)")
        return onepass.read_canonical
    con = duckdb.connect()
    return lambda path: fast.read_with_duckdb(path, con)


def counts(runs):
    return runs.sql("SELECT count(*) AS n FROM events")["n"].iloc[0], len(runs.ids())


def test_golden_store_counts_every_event(golden):
    """`select count(*) from events` is the sum of the golden traces' events; one traces row each."""
    runs, done = golden
    assert len(GOLDEN) >= 39  # every registered scenario of both domains
    assert counts(runs) == (sum(len(read_trace(p)) for p in GOLDEN), len(GOLDEN))
    assert done.events == sum(len(read_trace(p)) for p in GOLDEN)
    assert done.present == ()


def test_every_stored_golden_trace_comes_back_equal(golden):
    """`store.trace(id) == read_trace(path)` for every golden trace, header included, and the same bytes."""
    runs, done = golden
    for path, trace_id in zip(GOLDEN, done.added, strict=True):
        original = read_trace(path)
        back = runs.trace(trace_id)
        assert back == original, path.name
        assert back.to_jsonl() == path.read_text(), path.name


def test_trace_ids_are_the_content_hash_of_the_trace(golden):
    """A trace's id is the SHA-256 of its JSON Lines text: the file's and the trace's in memory agree."""
    _, done = golden
    import hashlib

    assert list(done.added) == [hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in GOLDEN]
    assert list(done.added) == [convert.trace_id(read_trace(p)) for p in GOLDEN]


def test_traces_table_describes_each_trace(golden):
    """One row per trace: domain, scenario, source, params, version, origin, counts."""
    runs, done = golden
    table = runs.traces().set_index("trace_id")
    row = table.loc[done.added[GOLDEN.index(ROOT / "data/traces/cluster-plain-offline.jsonl")]]
    trace = read_trace(ROOT / "data/traces/cluster-plain-offline.jsonl")
    assert (row["domain"], row["scenario"], row["source"]) == ("cluster", "plain-offline", "simulation")
    assert json.loads(row["params"]) == trace.header.params
    assert (row["labkit"], row["version"]) == (trace.header.labkit, 1)
    assert row["origin"] == str(ROOT / "data/traces/cluster-plain-offline.jsonl")
    assert (row["events"], row["faults"], row["t_end"]) == (len(trace), len(trace.faults), trace[-1].t)
    assert sorted(table["domain"].unique()) == ["cluster", "nspv2"]


def test_events_are_partitioned_by_domain_and_source(golden):
    """Hive folders domain=/source=; a simulated trace is all 'simulation'."""
    runs, _ = golden
    folders = sorted(
        p.relative_to(runs.path / "events").as_posix() for p in (runs.path / "events").glob("*/*")
    )
    assert folders == ["domain=cluster/source=simulation", "domain=nspv2/source=simulation"]
    frame = runs.sql("SELECT domain, count(*) AS n FROM events GROUP BY domain ORDER BY domain")
    assert frame.values.tolist() == [
        ["cluster", sum(len(read_trace(p)) for p in GOLDEN if p.name.startswith("cluster"))],
        ["nspv2", sum(len(read_trace(p)) for p in GOLDEN if p.name.startswith("nspv2"))],
    ]


def test_typed_columns_hold_the_arguments_people_filter_on(golden):
    """OfflineFlags, CheckPoint, node, session_arg ... come from args, typed; args keeps everything."""
    runs, _ = golden
    rows = runs.arrow(
        "SELECT OfflineFlags, CheckPoint, node, session_arg, args FROM events WHERE OfflineFlags IS NOT NULL "
        "OR CheckPoint IS NOT NULL OR node IS NOT NULL OR session_arg IS NOT NULL"
    ).to_pylist()
    assert len(rows) > 100
    sessions = ("lpvClientSessionArg", "pvClientSessionArg", "ppvClientSessionArg")
    for row in rows:
        args = json.loads(row.pop("args"))
        session = next((args[k] for k in sessions if isinstance(args.get(k), str)), None)
        expected = {k: args.get(k) for k in ("OfflineFlags", "CheckPoint", "node")} | {"session_arg": session}
        assert row == expected
    assert {r["session_arg"] for r in rows} >= {"session#1", "session#2"}


def test_adding_again_adds_nothing(golden, tmp_path):
    """The same files, the same trace from memory, or a file twice in one call: stored once."""
    runs, done = golden
    again = runs.add(GOLDEN[:3])
    assert (again.added, again.present, again.events) == ((), done.added[:3], 0)
    assert runs.add_trace(read_trace(GOLDEN[0]), origin="memory") == done.added[0]
    fresh = store.open(tmp_path / "twice", create=True)
    twice = fresh.add([GOLDEN[0], GOLDEN[0]])
    assert (twice.added, twice.present) == ((done.added[0],), (done.added[0],))
    assert counts(fresh) == (len(read_trace(GOLDEN[0])), 1)
    assert counts(runs)[1] == len(GOLDEN)


def test_fast_path_and_event_path_give_the_same_rows(read_canonical):
    """A canonical file read by a fast reader gives exactly the columns built from its TraceEvents."""
    taken = 0
    for path in GOLDEN:
        result = read_canonical(path)
        if result is None:
            continue  # nested args: read_trace reads it
        taken += 1
        header, trace_id, columns = result
        trace = read_trace(path)
        assert (header, trace_id) == (trace.header, convert.trace_id(trace))
        a = convert.finish(trace_id, header, columns, "x").events
        b = convert.finish(trace_id, header, convert.event_columns(trace), "x").events
        assert a.equals(b), path.name
    assert taken >= 15  # the cluster scenarios with flat args


CANONICAL = (
    '{"seq":0,"t":0.0,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk",'
    '"args":{"OfflineFlags":4,"node":"N1"},"result":null,"result_name":null,"span":0,'
    '"evidence":"documented","ref":"cluster-offline \\u00a74"}'
)
HEADER = (
    '{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"x","params":{},"labkit":"0.1.0"}'
)


def write_trace(path, *lines):
    path.write_text(HEADER + "\n" + "".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("line", "valid"),
    [
        (CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"node":"N0",'), False),
        (CANONICAL.replace('"kind":"call",', '"kind":"call","kind":"call",'), False),
        (CANONICAL.replace('"span":0,', '"span":0,"extra":1,'), False),
        (CANONICAL.replace('"seq":0', '"seq":0.0'), False),
        (CANONICAL.replace('"OfflineFlags":4', '"OfflineFlags":256'), False),
        (CANONICAL.replace('"OfflineFlags":4', '"OfflineFlags":-4'), False),
        (CANONICAL.replace('"name":"OfflineV2"', '"name":""'), False),
        (CANONICAL.replace('"kind":"call"', '"kind":"cal"'), False),
        (CANONICAL.replace('"t":0.0', '"t":NaN'), False),
        (CANONICAL.replace('"node":"N1"', '"node":"\\ud800"'), False),
        (CANONICAL.replace('"args":{', '"args": {'), True),
        (CANONICAL.replace('"t":0.0', '"t":0'), True),
        (CANONICAL.replace('"t":0.0', '"t":0.00'), True),
        (CANONICAL.replace(',"ref":"cluster-offline \\u00a74"', ',"ref":null'), True),
        (CANONICAL.replace('"seq":0,"t":0.0,', '"t":0.0,"seq":0,'), True),
        (CANONICAL.replace('"node":"N1"', '"node":"\\u004e1"'), True),
        (CANONICAL.replace('"kind":"call"', '"kind":"c\\u0061ll"'), True),
        (CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"x":1e-5,'), True),
        (CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"x":0.00001,'), True),
        (CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"x":"\\u001F",'), True),
        (
            CANONICAL.replace(
                '"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"x":0.10000000000000001,'
            ),
            True,
        ),
        (CANONICAL.replace('"OfflineFlags":4', '"OfflineFlags":4.0'), False),
        (CANONICAL.replace('"OfflineFlags":4', '"OfflineFlags":true'), False),
        (
            CANONICAL.replace(
                '"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"x":9223372036854775808,'
            ),
            False,
        ),
        (CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"OfflineFlags":4,"OfflineFlags":4,'), False),
        (
            CANONICAL.replace('"args":{"OfflineFlags":4,', '"args":{"x":[1,{"y":2,"y":3}],"OfflineFlags":4,'),
            False,
        ),
        (
            CANONICAL.replace('"evidence":"documented"', '"evidence":"documented","state":{"from":null}'),
            False,
        ),
        (
            CANONICAL.replace(
                '"evidence":"documented"', '"evidence":"documented","state":{"from":null,"to":"A","to":"B"}'
            ),
            False,
        ),
        (CANONICAL.replace('"args":{"OfflineFlags":4,"node":"N1"}', '"args":[]'), False),
        (CANONICAL.replace('"name":"OfflineV2"', '"name":"Offline\x7fV2"'), True),
    ],
)
def test_only_canonical_lines_take_the_fast_path(tmp_path, line, valid, read_canonical):
    """Anything but labkit's own spelling goes through read_trace: a valid file is stored all the same
    (and comes back equal), a bad one is refused naming file, line and field, and nothing is added."""
    path = write_trace(tmp_path / "t.jsonl", line)
    assert read_canonical(path) is None
    runs = store.open(tmp_path / "runs", create=True)
    if valid:
        trace_id = runs.add([path]).added[0]
        assert runs.trace(trace_id) == read_trace(path)
        assert trace_id == convert.trace_id(read_trace(path))
    else:
        with pytest.raises(TraceFormatError, match=rf"{path}:2:"):
            runs.add([path])
        assert counts(runs) == (0, 0)


def test_a_header_read_trace_refuses_is_never_taken(tmp_path, read_canonical):
    """A lone surrogate in the header: JSON accepts it and labkit's encoder spells it back, but read_trace
    refuses it (half a character), so the fast readers must leave the file to read_trace (found by the
    fast-path oracle, tests/test_store_fast_oracle.py)."""
    path = tmp_path / "t.jsonl"
    path.write_text(HEADER.replace('"scenario":"x"', '"scenario":"\\ud800"') + "\n" + CANONICAL + "\n")
    assert read_canonical(path) is None
    with pytest.raises(TraceFormatError, match=rf"{path}:1: scenario:"):
        store.open(tmp_path / "runs", create=True).add([path])


def test_the_canonical_line_takes_the_fast_path(tmp_path, read_canonical):
    """The control for the test above: the unchanged line is taken by the fast readers."""
    path = write_trace(tmp_path / "t.jsonl", CANONICAL, CANONICAL.replace('"seq":0', '"seq":1'))
    result = read_canonical(path)
    assert result is not None and result[2].num_rows == 2


@pytest.mark.parametrize(
    "args",
    [
        '{"InBuffer":{"a":[1,2.5,null]},"OfflineFlags":4}',
        '{"x":1e-05,"y":1e+16,"z":0.0001,"w":-0.0}',
        '{"path":"C:\\\\Disk\\u00e9\\n\\"q\\"","tab":"\\t\\u001f\\u007f"}',
        '{"big":1234567890123456789,"neg":-9223372036854775808}',
    ],
)
def test_lines_the_reencoding_cannot_vouch_for_are_read_by_labkit(tmp_path, args, read_canonical):
    """Canonical lines whose args DuckDB may spell otherwise (nested values, exponents, escapes, long
    numbers) are vouched for by labkit's own reader, line by line: the file still takes the fast path,
    with exactly the rows the event path gives."""
    line = CANONICAL.replace('{"OfflineFlags":4,"node":"N1"}', args)
    path = write_trace(
        tmp_path / "t.jsonl",
        CANONICAL,
        line.replace('"seq":0', '"seq":1'),
        CANONICAL.replace('"seq":0', '"seq":2'),
    )
    trace = read_trace(path)
    assert trace.to_jsonl() == path.read_text()  # the lines are labkit's own spelling
    result = read_canonical(path)
    assert result is not None
    header, trace_id, columns = result
    assert (header, trace_id) == (trace.header, convert.trace_id(trace))
    a = convert.finish(trace_id, header, columns, "x").events
    b = convert.finish(trace_id, header, convert.event_columns(trace), "x").events
    assert a.equals(b)


# --- atomicity -------------------------------------------------------------------------------------------


def snapshot(runs):
    files = sorted(p.relative_to(runs.path).as_posix() for p in runs.path.rglob("*") if p.is_file())
    return counts(runs), runs.ids(), files


def test_a_failure_while_writing_leaves_the_store_as_it_was(golden, tmp_path, monkeypatch):
    """An add that fails before its commit point changes nothing and leaves no staging folder."""
    runs = store.open(tmp_path / "runs", create=True)
    runs.add(GOLDEN[:2])
    before = snapshot(runs)
    calls = []

    def failing(table, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        original(table, path)

    original = layout.write_parquet
    monkeypatch.setattr(layout, "write_parquet", failing)
    with pytest.raises(OSError, match="No space left"):
        runs.add(GOLDEN[2:30])
    assert snapshot(store.open(runs.path)) == before
    assert layout.pending(runs.path) == []


def test_a_failure_after_the_commit_point_is_finished_by_the_next_opening(tmp_path, monkeypatch):
    """Files half moved into place: the next opening moves the rest; the add happened, once."""
    runs = store.open(tmp_path / "runs", create=True)

    def failing(target):
        raise KeyboardInterrupt

    monkeypatch.setattr(layout, "move_hook", failing)
    with pytest.raises(KeyboardInterrupt):
        runs.add(GOLDEN[:2])
    assert [p.name[:8] for p in layout.pending(runs.path)] == [".commit-"]
    monkeypatch.undo()
    reopened = store.open(runs.path)
    assert counts(reopened) == (sum(len(read_trace(p)) for p in GOLDEN[:2]), 2)
    assert layout.pending(runs.path) == []
    assert reopened.trace(reopened.ids()[0]) in (read_trace(GOLDEN[0]), read_trace(GOLDEN[1]))


KILL = """
import os, signal, sys
from labkit import store
from labkit.store import layout
when = sys.argv[2]
if when == "staging":
    original = layout.write_parquet
    def write(table, path):
        if path.parent.name == "traces":
            os.kill(os.getpid(), signal.SIGKILL)
        original(table, path)
    layout.write_parquet = write
else:
    layout.move_hook = lambda target: os.kill(os.getpid(), signal.SIGKILL)
store.open(sys.argv[1]).add(sys.argv[3:])
"""


@pytest.mark.parametrize("when", ["staging", "moving"])
def test_a_killed_add_leaves_the_store_as_it_was_or_done(tmp_path, when):
    """A process killed (SIGKILL) while adding: before the commit point the store is as it was; after it,
    the next opening completes the add."""
    runs = store.open(tmp_path / "runs", create=True)
    runs.add(GOLDEN[:1])
    before = snapshot(runs)
    given = [str(p) for p in GOLDEN[1:6]]
    child = subprocess.run([sys.executable, "-c", KILL, str(runs.path), when, *given], cwd=ROOT, check=False)
    assert child.returncode == -9
    assert layout.pending(runs.path) != []
    reopened = store.open(runs.path)
    assert layout.pending(runs.path) == []
    if when == "staging":
        assert snapshot(reopened) == before
    else:
        assert counts(reopened) == (sum(len(read_trace(p)) for p in GOLDEN[:6]), 6)


# --- bad input ---------------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_trace_is_refused_by_name(tmp_path):
    """Not a trace: TraceFormatError naming the file; the other files of the add are not added either."""
    notes = tmp_path / "notes.jsonl"
    notes.write_text("hello\n")
    runs = store.open(tmp_path / "runs", create=True)
    with pytest.raises(TraceFormatError, match=rf"{notes}:1: cannot read the header"):
        runs.add([GOLDEN[0], notes])
    assert counts(runs) == (0, 0)


def test_a_damaged_parquet_file_is_named(golden, tmp_path):
    """A corrupt file in the store: the query fails with StoreError naming that file."""
    runs = store.open(tmp_path / "runs", create=True)
    runs.add(GOLDEN[:2])
    victim = next((runs.path / "events").glob("*/*/*.parquet"))
    victim.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(StoreError, match=rf"{victim}: damaged Parquet file"):
        runs.sql("SELECT count(*) FROM events")


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    """Opening a missing folder, a folder with other files, or a newer store's schema says so."""
    with pytest.raises(StoreError, match="does not exist"):
        store.open(tmp_path / "missing")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "a.txt").write_text("x")
    with pytest.raises(StoreError, match="not a labkit store"):
        store.open(tmp_path / "busy")
    with pytest.raises(StoreError, match="not empty and is not a labkit store"):
        store.open(tmp_path / "busy", create=True)
    runs = store.open(tmp_path / "new", create=True)
    (runs.path / "labkit-store.json").write_text('{"format": "labkit-store", "schema": 99}')
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        store.open(runs.path)


def test_an_unknown_trace_id_is_refused(golden):
    runs, _ = golden
    with pytest.raises(StoreError, match="no trace 'nope' in the store"):
        runs.trace("nope")


def test_an_empty_store_answers_queries(tmp_path):
    """A new store has both views, with every column, and no rows."""
    runs = store.open(tmp_path / "runs", create=True)
    assert counts(runs) == (0, 0)
    columns = list(runs.sql("SELECT * FROM events").columns)
    assert columns[:3] == ["trace_id", "seq", "t"] and columns[-2:] == ["domain", "source"]


# --- from memory, imported logs, views ---------------------------------------------------------------


def imported_trace():
    """A small imported-log trace: two nodes' lines, refs FILE:LINE."""
    header = TraceHeader(
        domain="cluster", scenario="clusterlog", params={"source": {"files": ["NODE1_cluster.log", "n2.log"]}}
    )
    tracer = Tracer(header)
    for seq, (ref, state) in enumerate(
        [
            ("NODE1_cluster.log:10", "ClusterResourceOnline"),
            ("logs/n2.log:7-9", "ClusterResourceOfflinePending"),
        ]
    ):
        tracer.record(
            Kind.STATE,
            state,
            actor="rcm",
            subject="Disk",
            t=float(seq),
            evidence="observed",
            ref=ref,
            state=(None, state),
        )
    tracer.record(Kind.NOTE, "LogLine", actor="rcm", t=2.0, evidence="observed")
    return tracer.trace


def test_imported_logs_are_partitioned_by_node(tmp_path):
    """`add_trace` (the importer's seam) puts each event under the node whose log it came from."""
    trace = imported_trace()
    trace_id = store.add_trace(tmp_path / "runs", trace, origin="labkit import clusterlog logs/")
    runs = store.open(tmp_path / "runs")
    assert runs.sql("SELECT source, seq FROM events ORDER BY seq").values.tolist() == [
        ["NODE1", 0],
        ["n2", 1],
        ["unknown", 2],
    ]
    assert runs.traces()["source"].tolist() == ["NODE1,n2,unknown"]
    assert runs.trace(trace_id) == read_trace(_written(trace, tmp_path))


def _written(trace, tmp_path):
    return trace.write(tmp_path / "written.jsonl", force=True)


def test_across_runs_puts_one_resource_of_every_run_in_one_trace(tmp_path):
    """The events of one resource in every stored run, one lane per run, spans kept, timeline-ready."""
    from labkit import cluster, views

    runs = store.open(tmp_path / "runs", create=True)
    cluster.flag_matrix("move-busy-dll", os="2016", store=runs)
    assert counts(runs)[1] == 128
    lanes = runs.across_runs("VM", where="scenario = 'move-busy-dll'")
    ids = runs.ids()
    assert len({e.subject for e in lanes}) == len(ids)
    assert all(e.subject.startswith("move-busy-dll ") and e.subject.endswith(": VM") for e in lanes)
    assert [e.seq for e in lanes] == list(range(len(lanes)))
    assert [e.t for e in lanes] == sorted(e.t for e in lanes)
    one = runs.trace(ids[0]).filter(subject="VM")
    mine = [e for e in lanes if e.args["trace_id"] == ids[0]]
    assert [e.name for e in mine] == [e.name for e in one]
    for event in lanes:
        if event.span is not None:
            assert lanes[event.span].args["trace_id"] == event.args["trace_id"]
            assert lanes[event.span].kind is Kind.CALL
    figure = views.runs_timeline(runs, "VM", where="scenario = 'move-busy-dll'", labels=False)
    assert figure.axes[0].get_ylim()[0] == pytest.approx(len(ids) - 0.5)  # one lane per run


def test_flag_names_macro_spells_flags_as_labkit_does(golden):
    """`flag_names('OfflineFlags', x)` in SQL gives the same text as every view, for all 128 words."""
    runs, _ = golden
    frame = runs.sql("SELECT v, flag_names('OfflineFlags', v) AS text FROM range(128) t(v)")
    assert frame["text"].tolist() == [arg_text("OfflineFlags", v) for v in range(128)]
    unnamed = runs.sql("SELECT flag_names('OfflineFlags', 256 + 4) AS text")["text"][0]
    assert unnamed == "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED|0x100"
    assert winapi.OfflineFlags(4).sdk_names() == ["CLUS_RESDLL_OFFLINE_QUEUE_ENABLED"]


def test_importing_labkit_store_loads_neither_duckdb_nor_pyarrow():
    """`import labkit.store` stays cheap: the engines load on first use."""
    code = textwrap.dedent(
        """
        import sys
        import labkit, labkit.store
        print(sorted(m for m in ("duckdb", "pyarrow", "pandas") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_schema_doc_lists_every_column():
    """docs/store-schema.md names every column of both tables and the schema version."""
    from labkit.store import schema

    doc = (ROOT / "docs" / "store-schema.md").read_text()
    columns = schema.BASE_COLUMNS + schema.DERIVED_COLUMNS + schema.TRACE_COLUMNS
    names = [n for n, _, _ in columns] + [a.column for a in schema.TYPED_ARGS]
    missing = [n for n in names + list(schema.PARTITIONS) if f"`{n}`" not in doc]
    assert missing == []
    assert f"Schema version: {schema.SCHEMA_VERSION}" in doc
    assert os.path.exists(ROOT / "docs" / "store-schema.md")
