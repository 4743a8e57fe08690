"""Perfetto / Chrome trace JSON (validated structurally) and CSV exports."""

import csv
import io
import json

import pytest

from labkit.exceptions import OutputExistsError
from labkit.trace import Kind
from labkit.views.export import to_csv, to_perfetto, write_csv, write_perfetto
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session


def assert_valid(doc):
    """Every event is well formed, every tid is named, and X spans on each tid nest properly."""
    events = doc["traceEvents"]
    assert doc["displayTimeUnit"] == "ms"
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    for e in events:
        assert e["ph"] in {"M", "X", "i"} and e["pid"] == 1
        if e["ph"] != "M":
            assert e["tid"] in names and isinstance(e["ts"], float) and e["ts"] >= 0 and e["name"]
        if e["ph"] == "X":
            assert e["dur"] >= 0
        if e["ph"] == "i":
            assert e["s"] == "t"
    for tid in names:
        spans = sorted(
            ((e["ts"], e["ts"] + e["dur"]) for e in events if e["ph"] == "X" and e["tid"] == tid),
            key=lambda se: (se[0], -se[1]),
        )
        stack = []
        for start, end in spans:
            while stack and stack[-1] <= start:
                stack.pop()
            assert not stack or end <= stack[-1], f"span {start}-{end} crosses its parent on {names[tid]}"
            stack.append(end)
    return names


def spans(doc, tid):
    return [
        (e["name"], e["cat"], e["ts"], e["dur"])
        for e in doc["traceEvents"]
        if e["ph"] == "X" and e["tid"] == tid
    ]


def instants(doc):
    return [(e["tid"], e["name"], e["cat"], e["ts"]) for e in doc["traceEvents"] if e["ph"] == "i"]


def test_cluster_offline_as_perfetto():
    """One named track per subject; states and calls as spans in µs; completion and fault as instants."""
    doc = to_perfetto(cluster_offline())
    assert assert_valid(doc) == {1: "group:SQL", 2: "Disk"}
    assert doc["traceEvents"][0]["args"] == {"name": "labkit cluster: pending-timeout"}
    assert spans(doc, 1) == [
        ("Online", "state", 0.0, 10_000.0),
        ("Moving", "state", 10_000.0, 181_006_000.0),
        ("Offline", "state", 181_016_000.0, 0.0),
    ]
    assert spans(doc, 2) == [
        ("ClusterResourceOnline", "state", 0.0, 10_200.0),
        ("OfflineV2", "call", 10_000.0, 200.0),
        ("ClusterResourceOfflinePending", "state", 10_200.0, 181_004_800.0),
        ("SetResourceStatusEx", "call", 1_010_000.0, 0.0),
        ("Terminate", "call", 181_010_000.0, 5_000.0),
        ("ClusterResourceOffline", "state", 181_015_000.0, 1_000.0),
    ]
    assert instants(doc) == [
        (2, "PendingTimeout", "fault", 181_010_000.0),
        (2, "OfflineV2", "complete", 181_015_000.0),
    ]
    offline = next(e for e in doc["traceEvents"] if e["name"] == "OfflineV2" and e["ph"] == "X")
    assert offline["args"]["args"] == (
        "OfflineFlags=CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR|CLUS_RESDLL_OFFLINE_QUEUE_ENABLED, "
        "DestinationNodeName=node2"
    )
    assert offline["args"]["result"] == "ERROR_IO_PENDING"


def test_nspv2_session_as_perfetto():
    """Sessions and lookups get their own tracks; NextEx completions land on the lookup's track."""
    doc = to_perfetto(nspv2_session())
    assert assert_valid(doc) == {1: "session:4242", 2: "lookup:0x1001"}
    assert instants(doc) == [
        (2, "NSPv2LookupServiceNextEx", "complete", 3500.0),
        (2, "NSPv2LookupServiceNextEx", "complete", 6500.0),
        (1, "ClientProcessExited", "note", 8000.0),
    ]
    assert [name for name, cat, _, _ in spans(doc, 1)] == [
        "Started",
        "NSPv2Startup",
        "NSPv2LookupServiceBegin",
        "RunDown",
        "NSPv2ClientSessionRundown",
    ]


def test_spans_that_would_cross_move_to_a_second_track():
    """A call during which the state changes, and overlapping calls, go to 'Disk (2)', 'Disk (3)'."""
    tracer = make_tracer()
    tracer.record(
        Kind.STATE,
        "ClusterResourceOnline",
        actor="rhs",
        subject="Disk",
        state=(None, "ClusterResourceOnline"),
        t=0,
        evidence="documented",
    )
    offline = tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", t=10, evidence="documented")
    looks_alive = tracer.record(
        Kind.CALL, "LooksAlive", actor="rhs", subject="Disk", t=12, evidence="documented"
    )
    tracer.record(
        Kind.STATE,
        "ClusterResourceOfflinePending",
        actor="rhs",
        subject="Disk",
        state=("ClusterResourceOnline", "ClusterResourceOfflinePending"),
        t=20,
        evidence="documented",
    )
    terminate = tracer.record(
        Kind.CALL, "Terminate", actor="rhs", subject="Disk", t=25, evidence="documented"
    )
    tracer.record(
        Kind.RETURN,
        "OfflineV2",
        actor="dll",
        subject="Disk",
        span=offline.span,
        t=30,
        result=997,
        evidence="documented",
    )
    tracer.record(
        Kind.RETURN,
        "LooksAlive",
        actor="dll",
        subject="Disk",
        span=looks_alive.span,
        t=35,
        result=1,
        evidence="documented",
    )
    tracer.record(
        Kind.RETURN,
        "Terminate",
        actor="dll",
        subject="Disk",
        span=terminate.span,
        t=40,
        evidence="documented",
    )
    tracer.record(Kind.CALL, "IsAlive", actor="rhs", subject="", t=41, evidence="documented")
    doc = to_perfetto(tracer.trace)
    assert assert_valid(doc) == {1: "Disk", 2: "Disk (2)", 3: "Disk (3)", 4: "(no subject)"}
    assert spans(doc, 1) == [
        ("ClusterResourceOnline", "state", 0.0, 20_000.0),
        ("ClusterResourceOfflinePending", "state", 20_000.0, 21_000.0),
        ("Terminate", "call", 25_000.0, 15_000.0),
    ]
    assert spans(doc, 2) == [("OfflineV2", "call", 10_000.0, 20_000.0)]
    assert spans(doc, 3) == [("LooksAlive", "call", 12_000.0, 23_000.0)]
    assert spans(doc, 4)[0][0] == "IsAlive"


def test_write_perfetto_never_overwrites_without_force(tmp_path):
    """An existing file stays as it was unless force is given; nothing else is left in the folder."""
    target = tmp_path / "out.json"
    target.write_text("keep")
    with pytest.raises(OutputExistsError, match="file exists"):
        write_perfetto(nspv2_session(), target)
    assert target.read_text() == "keep"
    write_perfetto(nspv2_session(), target, force=True)
    assert_valid(json.loads(target.read_text()))
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_exports_are_deterministic(tmp_path):
    """The same trace gives the same bytes."""
    one = write_perfetto(cluster_offline(), tmp_path / "a.json").read_bytes()
    two = write_perfetto(cluster_offline(), tmp_path / "b.json").read_bytes()
    assert one == two
    assert to_csv(cluster_offline()) == to_csv(cluster_offline())


def test_csv_of_the_events_frame(tmp_path):
    """One row per event: args as JSON for machines and by SDK name for people."""
    path = write_csv(cluster_offline(), tmp_path / "events.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 14
    assert list(rows[0]) == [
        "seq",
        "t",
        "kind",
        "name",
        "actor",
        "subject",
        "args",
        "args_shown",
        "result",
        "result_name",
        "span",
        "evidence",
        "state_from",
        "state_to",
        "ref",
    ]
    offline = rows[3]
    assert (offline["kind"], offline["name"], json.loads(offline["args"])) == (
        "call",
        "OfflineV2",
        {"OfflineFlags": 6, "DestinationNodeName": "node2"},
    )
    assert offline["args_shown"].startswith(
        "OfflineFlags=CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR|"
    )
    assert rows[4]["result_name"] == "ERROR_IO_PENDING" and rows[4]["result"] == "997"
    with pytest.raises(OutputExistsError):
        write_csv(cluster_offline(), path)
