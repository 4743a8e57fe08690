"""What a client's offline and move requests may change (issue 12): PersistentState only when an offline
was asked for, nothing at all when the answer is an error, MS-CMRP's codes for a resource that is not
online, dependents first."""

import pytest

from labkit import cluster
from labkit.cluster import GroupLayout, Scenario
from labkit.cluster.client import MoveGroup, NetworkLoss, OfflineGroup, OfflineResource
from labkit.winapi import ERROR_IO_PENDING, ERROR_SUCCESS
from tests.cluster import folded, story

OFFLINE_APIS = ("OfflineClusterResourceEx", "OfflineClusterGroupEx")


def requests_of(run):
    """(call, its end) of every client request, the end being its return or, after ERROR_IO_PENDING, its
    completion."""
    calls = {e.span: e for e in run.trace if e.actor == "client" and e.kind == "call"}
    ends = {}
    for e in run.trace:
        if e.span in calls and e.kind in ("return", "complete"):
            ends[e.span] = e
    return [(calls[span], ends.get(span)) for span in calls]


MOVING = [
    s.name
    for s in cluster.scenarios
    if any(isinstance(step, MoveGroup | NetworkLoss) for step in s.steps) or s.health
]


@pytest.mark.parametrize("name", MOVING)
def test_moves_failovers_and_restarts_never_touch_persistent_state(name):
    """cluster.move-keeps-persistent-state: in every scenario with a move, a failover or a restart, each
    PersistentState note falls inside an offline request that asked for it, and is about its resource."""
    run = cluster.simulate(name)
    windows = [
        (call.t, end.t if end else float("inf"), call.args.get("hResource") or call.args.get("hGroup"))
        for call, end in requests_of(run)
        if call.name in OFFLINE_APIS
    ]
    for note in (e for e in run.trace if e.name == "PersistentState"):
        assert any(start <= note.t <= stop for start, stop, _ in windows), (name, note)
    if not windows:
        assert all(r["PersistentState"] for r in run.outcome["resources"].values()), name


@pytest.mark.parametrize("name", cluster.scenarios.names())
def test_an_error_answer_means_nothing_changed(name):
    """cluster.offline-error-means-no-change: a request whose return (not completion) is an error left every
    resource state as it was; an accepted offline that did not end at once answered ERROR_IO_PENDING."""
    run = cluster.simulate(name)
    events = list(run.trace)
    for call, end in requests_of(run):
        if end is None or end.kind != "return" or end.result in (ERROR_SUCCESS, ERROR_IO_PENDING):
            continue
        between = events[call.seq + 1 : end.seq]
        assert [e for e in between if e.kind == "state" or e.name == "OfflineV2"] == [], (name, call, end)


def test_an_offline_that_terminated_answers_io_pending_then_completes_with_the_error():
    """OfflineV2 returns an error: the resource was terminated (its state changed), so the API's return is
    ERROR_IO_PENDING and the DLL's error is the completion."""
    run = cluster.simulate("offline-error")
    ((call, _),) = requests_of(run)
    answers = [(e.kind, e.result_name, e.ref) for e in run.trace if e.span == call.span and e.kind != "call"]
    assert answers == [
        ("return", "ERROR_IO_PENDING", "cluster.offline-error-means-no-change"),
        ("complete", "ERROR_OPERATION_ABORTED", "cluster.client-sees-operation-end"),
    ]


def test_offline_of_a_resource_that_is_not_online():
    """MS-CMRP ApiOfflineResource: an Offline resource answers ERROR_SUCCESS, a Failed one
    ERROR_RESOURCE_FAILED, both recording PersistentState; the resource state stays as it was."""
    run = cluster.simulate("offline-not-online")
    answers = [(call.t, call.args["hResource"], end.result_name) for call, end in requests_of(run)]
    assert answers == [
        (30000.0, "Disk", "ERROR_SUCCESS"),
        (31000.0, "Disk", "ERROR_SUCCESS"),
        (32000.0, "Share", "ERROR_RESOURCE_FAILED"),
    ]
    assert folded(story(run.trace))[-8:] == [
        "31000 client call OfflineClusterResourceEx",
        "31000 rcm note NotOnline",
        "31000 rcm note PersistentState",
        "31000 rcm return OfflineClusterResourceEx -> ERROR_SUCCESS",
        "32000 client call OfflineClusterResourceEx",
        "32000 rcm note NotOnline",
        "32000 rcm note PersistentState",
        "32000 rcm return OfflineClusterResourceEx -> ERROR_RESOURCE_FAILED",
    ]
    notes = [e for e in run.trace if e.name == "NotOnline"]
    assert {(e.ref, e.evidence) for e in notes} == {("cluster.offline-not-online-errors", "documented")}
    assert run.outcome["resources"]["Share"]["state"] == "ClusterResourceFailed"


def test_offline_of_a_pending_resource_is_error_invalid_state():
    """A second offline while the first is OfflinePending: ERROR_INVALID_STATE (5023), nothing recorded."""
    twice = Scenario(
        "offline-twice",
        "a second offline while the first one is pending",
        "SlowFlush",
        (OfflineResource(1000, "Disk"), OfflineResource(1500, "Disk")),
        groups=(GroupLayout("SqlGroup", "NODE1", ("Disk",)),),
    )
    run = cluster.simulate(twice)
    (first, _), (second, answer) = requests_of(run)
    assert (answer.kind, answer.result, answer.result_name) == ("return", 5023, "ERROR_INVALID_STATE")
    assert [e.name for e in run.trace if first.t < e.t and e.seq > second.seq and e.seq < answer.seq] == [
        "NotOnline"
    ]
    assert [e.t for e in run.trace if e.name == "PersistentState"] == [5000.0]


def test_dependents_go_offline_first_and_keep_their_persistent_state():
    """cluster.offline-dependents-first: OfflineClusterResourceEx on FileDisk takes Share (which depends on
    it) offline first, citing the rule; only FileDisk records PersistentState; FileName stays online."""
    run = cluster.simulate("offline-with-dependents")
    offlines = [(e.subject, e.ref) for e in run.trace if e.name == "OfflineV2" and e.kind == "call"]
    assert offlines == [
        ("Share", "cluster.offline-dependents-first"),
        ("FileDisk", "cluster.offline-call"),
    ]
    assert [e.subject for e in run.trace if e.name == "PersistentState"] == ["FileDisk"]
    states = {name: r["state"] for name, r in run.outcome["resources"].items()}
    assert states == {
        "FileDisk": "ClusterResourceOffline",
        "FileName": "ClusterResourceOnline",
        "Share": "ClusterResourceOffline",
    }
    assert run.outcome["groups"]["FileServer"]["state"] == "ClusterGroupPartialOnline"


def test_a_move_brings_a_resource_recorded_offline_to_its_persistent_state():
    """A resource an administrator took offline stays offline when its group moves (StaysOffline)."""
    layout = (GroupLayout("FileServer", "NODE1", ("FileDisk", "Share"), {"Share": ("FileDisk",)}),)
    scenario = Scenario(
        "offline-then-move",
        "Share is taken offline, then its group moves",
        "Generic",
        (OfflineResource(1000, "Share"), MoveGroup(2000, "FileServer", "NODE2")),
        groups=layout,
    )
    run = cluster.simulate(scenario)
    assert [(e.subject, e.ref) for e in run.trace if e.name == "StaysOffline"] == [
        ("Share", "cluster.move-keeps-persistent-state")
    ]
    assert [e.t for e in run.trace if e.name == "PersistentState"] == [1000.0]
    assert {n: (r["state"], r["node"]) for n, r in run.outcome["resources"].items()} == {
        "FileDisk": ("ClusterResourceOnline", "NODE2"),
        "Share": ("ClusterResourceOffline", "NODE2"),
    }


def test_a_group_offline_records_persistent_state_for_each_resource():
    """OfflineClusterGroupEx (ApiOfflineGroup) records PersistentState for every resource it took offline."""
    run = cluster.simulate("drain-and-failback")
    recorded = sorted(e.subject for e in run.trace if e.name == "PersistentState")
    assert recorded == ["BackupAgent", "Dtc", "DtcDisk"]
    assert isinstance(run.trace.header.params["groups"]["SqlGroup"]["depends"], dict)
    assert OfflineGroup.api == "OfflineClusterGroupEx"
