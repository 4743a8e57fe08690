"""Simulate → render as cluster.log → import: the same transitions, calls and reports, for every scenario;
the rendering says it is labkit's, so what comes back is inferred, never observed."""

import pytest

from labkit import cluster, clusterlog, nspv2
from labkit.cli import main
from labkit.clusterlog import render
from labkit.trace import Evidence, Kind
from labkit.trace.checks import violations


@pytest.fixture(scope="module")
def traces():
    return {name: cluster.simulate(name).trace for name in cluster.scenarios.names()}


@pytest.mark.parametrize("name", cluster.scenarios.names())
def test_every_scenario_survives_the_round_trip(name, traces, tmp_path):
    simulated = traces[name]
    render.write(simulated, tmp_path)
    back = clusterlog.read(tmp_path)
    assert render.digest(back) == render.digest(simulated)
    assert len(back) == len(simulated)  # one line per event, each recognised
    assert [e.name for e in back if e.name == clusterlog.LOG_LINE] == []
    assert {e.evidence for e in back} == {Evidence.INFERRED}
    assert [(v.rule, v.subject) for v in violations(back)] == [
        (v.rule, v.subject) for v in violations(simulated)
    ]
    files = back.header.params["source"]["files"]
    assert all(f["rendered_by"].startswith("labkit ") for f in files)
    assert [f["node"] for f in files] == simulated.header.params["nodes"]


def test_the_digest_sees_a_change(traces):
    """The round trip compares something: one report's checkpoint changed shows in the digest."""
    simulated = traces["pending-offline"]
    first = render.digest(simulated)
    events = list(simulated)
    at = next(i for i, e in enumerate(events) if e.name == "SetResourceStatusEx")
    args = {**events[at].args, "CheckPoint": 99}
    from dataclasses import replace

    events[at] = replace(events[at], args=args)
    from labkit.trace import Trace

    assert render.digest(Trace(simulated.header, events))["reports"] != first["reports"]
    assert first["transitions"] and first["calls"] and first["reports"]


def test_observed_shapes_where_the_sheet_has_them(traces):
    """Resource transitions are RCM's TransitionToState lines, status reports RHS's SetResourceStatusEx
    lines; the rest is labkit's own shape."""
    text = render.render(traces["pending-offline"])["NODE1"]
    body = text.split("[=== Cluster Logs ===]\r\n")[1].splitlines()
    messages = [line.split("] ", 1)[1] for line in body]
    assert "TransitionToState(Disk) Online-->OfflinePending." in messages
    assert (
        "Resource Disk called SetResourceStatusEx: checkpoint 1. Old state OfflinePending, new state "
        "OfflinePending, AppSpErrorCode 0, Flags 0, nores=false"
    ) in messages
    opens = [line for line in body if 'labkit: rhs calls OpenV2 for "Disk" {' in line]
    assert len(opens) == 1
    assert opens[0].startswith("00002cc4.00000f80::2024/01/01-00:00:00.000 INFO  [RHS] labkit: ")
    assert "Rendered by labkit" in text.split("[=== Cluster Logs ===]")[0]


def test_imported_rendering_in_whole(traces, tmp_path):
    """The plain offline read back, event by event: calls paired with their returns by span."""
    render.write(traces["plain-offline"], tmp_path)
    back = clusterlog.read(tmp_path)
    assert [(e.kind.value, e.name, e.subject) for e in back] == [
        ("state", "RmonInitializing", "monitor:1"),
        ("state", "RmonIdle", "monitor:1"),
        ("note", "HostedBy", "Share"),
        ("call", "OpenV2", "Share"),
        ("return", "OpenV2", "Share"),
        ("state", "Offline", "Share"),
        ("state", "ClusterGroupOffline", "group:FileServer"),
        ("call", "OnlineV2", "Share"),
        ("return", "OnlineV2", "Share"),
        ("state", "Online", "Share"),
        ("state", "ClusterGroupOnline", "group:FileServer"),
        ("call", "OfflineClusterGroupEx", "group:FileServer"),
        ("call", "OfflineV2", "Share"),
        ("return", "OfflineV2", "Share"),
        ("state", "Offline", "Share"),
        ("state", "ClusterGroupOffline", "group:FileServer"),
        ("note", "PersistentState", "Share"),
        ("return", "OfflineClusterGroupEx", "group:FileServer"),
    ]
    spans = [(e.kind, e.span) for e in back if e.kind in (Kind.CALL, Kind.RETURN)]
    assert spans == [
        (Kind.CALL, 3),
        (Kind.RETURN, 3),
        (Kind.CALL, 7),
        (Kind.RETURN, 7),
        (Kind.CALL, 11),
        (Kind.CALL, 12),
        (Kind.RETURN, 12),
        (Kind.RETURN, 11),
    ]
    assert back[9].args["cluster_to"] == "ClusterResourceOnline"  # RCM's word, mapped
    offline = traces["plain-offline"][12]
    assert offline.name == "OfflineV2" and offline.ref  # the rule the prediction rests on, kept
    assert back[12].args["model_ref"] == offline.ref
    assert back[12].ref == "NODE1_cluster.log:29"


def test_files_are_utf16_with_bom_and_crlf(traces, tmp_path):
    paths = render.write(traces["plain-offline"], tmp_path)
    assert [p.name for p in paths] == ["NODE1_cluster.log", "NODE2_cluster.log", "NODE3_cluster.log"]
    raw = paths[0].read_bytes()
    assert raw[:2] == b"\xff\xfe" and "\r\n".encode("utf-16-le") in raw
    files = clusterlog.read(tmp_path).header.params["source"]["files"]
    assert {(f["encoding"], f["bom"], f["line_ends"]) for f in files} == {("utf-16-le", True, "CRLF")}


def test_export_clusterlog_command(traces, tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    traces["pending-timeout"].write(trace)
    out = tmp_path / "log"
    assert main(["export", "clusterlog", str(trace), str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"{out}: {len(traces['pending-timeout'])} events exported as clusterlog (3 nodes)"
    assert main(["export", "clusterlog", str(trace), str(out)]) == 2  # never overwrites
    assert "file exists" in capsys.readouterr().err
    assert main(["export", "clusterlog", str(trace), str(out), "--force", "--encoding", "utf-8"]) == 0
    assert (out / "NODE1_cluster.log").read_bytes()[:17] == b"[=== Cluster ===]"


def test_only_a_cluster_trace_renders(tmp_path, capsys):
    trace = tmp_path / "n.jsonl"
    nspv2.simulate("happy-path").trace.write(trace)
    assert main(["export", "clusterlog", str(trace), str(tmp_path / "out")]) == 2
    assert "only a cluster trace renders as cluster.log (nspv2)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_imported_trace_draws_on_the_logs_wall_clock():
    """The timeline of a log set reads the logs' clock (UTC start + offset), a simulation virtual time."""
    from labkit import views
    from labkit.readback.clock import WallClock, wall_clock

    trace = clusterlog.read("data/clusterlogs/ag-move")
    assert wall_clock(trace) == WallClock(1710407700120, 0)
    axes = views.timeline(trace).axes[0]
    assert axes.get_xlabel() == "wall clock (UTC), 2024-03-14"
    ticks = [label.get_text() for label in axes.get_xticklabels()]
    assert ticks[:3] == ["09:15:00", "09:15:00.500", "09:15:01"]
    assert WallClock(1710407700120, 120).at(0).isoformat() == "2024-03-14T11:15:00.120000"
    assert WallClock(0, -330).zone == "UTC-05:30"
    simulated = views.timeline(cluster.simulate("plain-offline").trace).axes[0]
    assert wall_clock(cluster.simulate("plain-offline").trace) is None
    assert simulated.get_xlabel().startswith("virtual time")


HEALTH = ["resource", "group", "polls", "LooksAlive", "IsAlive", "false", "failures", "restarts", "failovers"]


@pytest.mark.parametrize("name", cluster.scenarios.names())
def test_the_health_summary_reads_the_same_from_the_rendered_log(name, traces, tmp_path):
    """Polls, FALSE answers, failures, restarts, failovers and deadlocks per resource survive the round trip;
    the monitors too, as a set: lines of two nodes in the same millisecond merge in file order, so the
    order in which a resource's monitors took turns across nodes within one millisecond is not kept."""
    from labkit import views

    simulated = traces[name]
    render.write(simulated, tmp_path)
    back = clusterlog.read(tmp_path)
    a, b = views.health_summary(simulated), views.health_summary(back)
    assert b[[*HEALTH, "deadlocks"]].equals(a[[*HEALTH, "deadlocks"]])
    sets = (
        [set(str(m).split(" → ")) for m in a["monitors"]],
        [set(str(m).split(" → ")) for m in b["monitors"]],
    )
    assert sets[0] == sets[1]
