"""Perfetto protobuf export (.pftrace): decoded with the perfetto package's own protobuf classes, never its
trace processor (which would download a binary)."""

import subprocess
import sys

import pytest
from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import BuiltinClock, Trace, TrackEvent

from labkit import cluster
from labkit.cli import main
from labkit.exceptions import OutputExistsError
from labkit.trace import Kind, TraceHeader, Tracer, read_trace
from labkit.views.pftrace import to_pftrace, write_pftrace
from tests.traces import cluster_offline, nspv2_session

BEGIN, END, INSTANT = TrackEvent.TYPE_SLICE_BEGIN, TrackEvent.TYPE_SLICE_END, TrackEvent.TYPE_INSTANT
TYPES = {BEGIN: "B", END: "E", INSTANT: "i"}


def decode(trace):
    """(tracks {uuid: (name, parent)}, events [(track name, type, name, ts ns, flows, terminating)])."""
    packets = Trace.FromString(to_pftrace(trace)).packet
    assert {p.trusted_packet_sequence_id for p in packets} == {1}
    tracks = {
        p.track_descriptor.uuid: (p.track_descriptor.name, p.track_descriptor.parent_uuid)
        for p in packets
        if p.HasField("track_descriptor")
    }
    events = [
        (
            tracks[p.track_event.track_uuid][0],
            TYPES[p.track_event.type],
            p.track_event.name,
            p.timestamp,
            list(p.track_event.flow_ids),
            list(p.track_event.terminating_flow_ids),
        )
        for p in packets
        if p.HasField("track_event")
    ]
    return tracks, events


def assert_nested(events):
    """Times never go back; on each track every end closes an open slice, and none stays open."""
    assert [e[3] for e in events] == sorted(e[3] for e in events)
    open_slices = {}
    for track, kind, name, *_ in events:
        if kind == "B":
            open_slices.setdefault(track, []).append(name)
        elif kind == "E":
            assert open_slices.get(track), f"an end without a begin on {track}"
            open_slices[track].pop()
    assert all(not names for names in open_slices.values())


def test_cluster_offline_as_pftrace():
    """A root track with one child per subject; states and calls as nested slices in ns; the fault and the
    completion as instants, the completion closing the flow OfflineV2 opened."""
    tracks, events = decode(cluster_offline())
    assert tracks == {1: ("labkit cluster: pending-timeout", 0), 2: ("group:SQL", 1), 3: ("Disk", 1)}
    assert_nested(events)
    ms = 1_000_000
    offline_span = next(e[4] for e in events if e[2] == "OfflineV2" and e[1] == "B")
    assert len(offline_span) == 1
    assert [e[:4] for e in events] == [
        ("group:SQL", "B", "Online", 0),
        ("Disk", "B", "ClusterResourceOnline", 0),
        ("group:SQL", "E", "", 10 * ms),
        ("group:SQL", "B", "Moving", 10 * ms),
        ("Disk", "B", "OfflineV2", 10 * ms),
        ("Disk", "E", "", 10_200_000),
        ("Disk", "E", "", 10_200_000),
        ("Disk", "B", "ClusterResourceOfflinePending", 10_200_000),
        ("Disk", "B", "SetResourceStatusEx", 1010 * ms),
        ("Disk", "E", "", 1010 * ms),
        ("Disk", "B", "Terminate", 181_010 * ms),
        ("Disk", "i", "PendingTimeout", 181_010 * ms),
        ("Disk", "E", "", 181_015 * ms),
        ("Disk", "E", "", 181_015 * ms),
        ("Disk", "B", "ClusterResourceOffline", 181_015 * ms),
        ("Disk", "i", "OfflineV2", 181_015 * ms),
        ("group:SQL", "E", "", 181_016 * ms),
        ("group:SQL", "B", "Offline", 181_016 * ms),
        ("group:SQL", "E", "", 181_016 * ms),
        ("Disk", "E", "", 181_016 * ms),
    ]
    completion = next(e for e in events if e[2] == "OfflineV2" and e[1] == "i")
    assert (completion[4], completion[5]) == ([], offline_span)


def test_the_call_carries_its_arguments_and_the_fault_its_rule():
    """Debug annotations: seq, actor, arguments by SDK name, result; a fault's rule, ref and evidence."""
    packets = Trace.FromString(to_pftrace(cluster_offline())).packet
    shown = {
        (TYPES[p.track_event.type], p.track_event.name): {
            a.name: getattr(a, a.WhichOneof("value")) for a in p.track_event.debug_annotations
        }
        for p in packets
        if p.HasField("track_event") and p.track_event.type in (BEGIN, INSTANT)
    }
    assert shown[("B", "OfflineV2")] == {
        "seq": 3,
        "actor": "rhs",
        "args": "OfflineFlags=CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR|CLUS_RESDLL_OFFLINE_QUEUE_"
        "ENABLED, DestinationNodeName=node2",
        "result": "ERROR_IO_PENDING",
        "returned": True,
    }
    fault = shown[("i", "PendingTimeout")]
    assert (fault["rule"], fault["ref"], fault["evidence"]) == (
        "no status report within PendingTimeout (180000 ms)",
        "cluster-offline §4",
        "documented",
    )


def test_nspv2_flows_link_each_nextex_to_its_completion():
    """Each asynchronous NextEx opens a flow that its completion (and only it) terminates; calls that
    return synchronously open none."""
    _, events = decode(nspv2_session())
    assert_nested(events)
    opened = [(e[2], e[4]) for e in events if e[1] == "B" and e[4]]
    closed = [(e[2], e[5]) for e in events if e[1] == "i" and e[5]]
    assert [name for name, _ in opened] == ["NSPv2LookupServiceNextEx"] * 2
    assert closed == opened
    assert len({tuple(flow) for _, flow in opened}) == 2


def test_a_simulated_run_decodes_with_every_slice_closed():
    """A real run with overlapping calls: extra lanes are child tracks of their subject; all nest."""
    trace = cluster.simulate("move-busy-dll").trace
    tracks, events = decode(trace)
    assert_nested(events)
    names = [name for name, _ in tracks.values()]
    assert names[0] == "labkit cluster: move-busy-dll"
    assert {"VM", "group:VMGroup"} <= set(names) and all(parent for name, parent in list(tracks.values())[1:])
    for name, parent in tracks.values():
        if name.endswith(")"):
            assert tracks[parent][0] == name.rsplit(" (", 1)[0]
    completions = [e for e in events if e[1] == "i" and e[5]]
    assert len(completions) == len([e for e in trace if e.kind is Kind.COMPLETE])


def test_an_imported_log_keeps_its_wall_clock_time():
    """params.source.utc_start becomes a clock snapshot: trace time 0 is that instant on REALTIME."""
    header = TraceHeader(
        "cluster",
        "cluster.log",
        {"source": {"format": "cluster.log", "utc_start": "2011-08-05T13:47:42.543Z"}},
    )
    tracer = Tracer(header)
    tracer.record(Kind.NOTE, "LogLine", actor="rhs", subject="Disk", t=0, evidence="observed", ref="a.log:3")
    packets = Trace.FromString(to_pftrace(tracer.trace)).packet
    clocks = {c.clock_id: c.timestamp for c in packets[0].clock_snapshot.clocks}
    assert clocks == {
        BuiltinClock.BUILTIN_CLOCK_BOOTTIME: 0,
        BuiltinClock.BUILTIN_CLOCK_REALTIME: 1312552062543000000,
    }
    simulated = Trace.FromString(to_pftrace(cluster_offline())).packet
    assert not any(p.HasField("clock_snapshot") for p in simulated)


def test_written_never_overwrites_and_is_deterministic(tmp_path):
    """The same trace gives the same bytes; an existing file is kept unless force."""
    path = write_pftrace(cluster_offline(), tmp_path / "sub" / "t.pftrace")
    assert path.read_bytes() == to_pftrace(cluster_offline())
    with pytest.raises(OutputExistsError):
        write_pftrace(cluster_offline(), path)
    write_pftrace(nspv2_session(), path, force=True)
    assert path.read_bytes() == to_pftrace(nspv2_session())


def test_the_command_writes_protobuf_by_default_and_json_on_request(tmp_path, capsys):
    """`export perfetto` writes .pftrace; --json (or an OUT ending .json) the Chrome JSON as before."""
    trace = cluster_offline().write(tmp_path / "t.jsonl")
    assert main(["export", "perfetto", str(trace), str(tmp_path / "t.pftrace")]) == 0
    assert main(["export", "perfetto", str(trace), str(tmp_path / "t.json")]) == 0
    assert main(["export", "perfetto", "--json", str(trace), str(tmp_path / "t.trace")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path}/t.pftrace: 14 events exported as Perfetto protobuf",
        f"{tmp_path}/t.json: 14 events exported as Perfetto JSON",
        f"{tmp_path}/t.trace: 14 events exported as Perfetto JSON",
    ]
    assert (tmp_path / "t.pftrace").read_bytes() == to_pftrace(read_trace(trace))
    assert (tmp_path / "t.json").read_text().startswith('{"traceEvents"')
    assert (tmp_path / "t.trace").read_text() == (tmp_path / "t.json").read_text()


def test_exporting_never_loads_the_trace_processor(tmp_path):
    """The package's trace processor downloads a native binary on first use: it is never even imported."""
    trace, out = str(tmp_path / "a.jsonl"), str(tmp_path / "a.pftrace")
    code = (
        "import sys; from labkit.cli import main; "
        f"main(['simulate', 'cluster', '--scenario', 'plain-offline', '--out', {trace!r}]); "
        f"main(['export', 'perfetto', {trace!r}, {out!r}]); "
        "loaded = sorted(m for m in sys.modules if m.startswith('perfetto')); print(loaded); "
        "assert not [m for m in loaded if 'processor' in m or 'batch' in m]"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "perfetto.trace_builder.proto_builder" in done.stdout
