"""The facts the issue asks to see, checked on the events themselves (not only their order)."""

from labkit import cluster
from labkit.trace import read_trace
from labkit.winapi import (
    CLUSTER_GROUP_STATE,
    ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
    RESOURCE_EXIT_STATE,
    RESOURCE_MONITOR_STATE,
    OfflineFlags,
)


def events(run, name, kind=None):
    return [e for e in run.trace if e.name == name and (kind is None or e.kind == kind)]


def test_terminate_comes_exactly_pending_timeout_after_the_last_report():
    """Terminate comes PendingTimeout ms after the last accepted SetResourceStatusEx, not after OfflineV2."""
    run = cluster.simulate("pending-timeout")
    timeout = run.trace.header.params["properties"]["PendingTimeout"]
    reports = [e.t for e in events(run, "SetResourceStatusEx", "return") if e.result == 0]
    (terminate,) = events(run, "Terminate", "call")
    (fault,) = run.faults
    assert timeout == 180_000
    assert reports == [2000.0, 3000.0]
    assert terminate.t == reports[-1] + timeout
    assert (fault.name, fault.t, fault.args["PendingTimeout"]) == ("PendingTimeout", terminate.t, timeout)


def test_a_shorter_pending_timeout_moves_terminate_with_it():
    """PendingTimeout is a per-resource property: 5000 ms puts Terminate at 3000 + 5000."""
    run = cluster.simulate("pending-timeout", properties={"PendingTimeout": 5000})
    assert [e.t for e in events(run, "Terminate", "call")] == [8000.0]


def test_a_report_after_terminate_is_answered_resource_exit_state_terminate():
    """The hung worker wakes after Terminate; its report gets ResourceExitStateTerminate, changes nothing."""
    run = cluster.simulate("pending-timeout")
    last = events(run, "SetResourceStatusEx", "return")[-1]
    assert (last.t, last.result_name) == (243_000.0, "ResourceExitStateTerminate")
    assert last.result == RESOURCE_EXIT_STATE.ResourceExitStateTerminate
    assert run.outcome["resources"]["Disk"]["state"] == "ClusterResourceOffline"


def test_locked_without_ignore_status_is_5960_and_no_offline_v2():
    """Locked mode refuses the client with 5960 before OfflineV2 is called."""
    run = cluster.simulate("locked-offline")
    (answer,) = events(run, "OfflineClusterResourceEx", "return")
    assert (answer.result, answer.result_name) == (5960, "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS")
    assert ERROR_CLUSTER_RESOURCE_LOCKED_STATUS == 5960
    assert events(run, "OfflineV2") == []
    assert run.outcome["calls"] == {"OpenV2": 1, "OnlineV2": 1}


def test_locked_with_ignore_status_reaches_offline_v2_with_0x01():
    """IGNORE_RESOURCE_STATUS lets the offline through and OfflineV2 receives bit 0x01."""
    run = cluster.simulate("locked-offline-ignore-status")
    (call,) = events(run, "OfflineV2", "call")
    assert call.args["OfflineFlags"] == OfflineFlags.IGNORE_RESOURCE_STATUS == 0x01
    assert run.outcome["result_name"] == "ERROR_SUCCESS"


def test_return_trip_offline_has_0x08_and_the_source_as_destination():
    """The return trip's OfflineV2 runs on the destination with 0x08 and names the source node."""
    run = cluster.simulate("move-return-to-source")
    calls = [
        (e.args["node"], e.args["DestinationNodeName"], e.args["OfflineFlags"])
        for e in events(run, "OfflineV2", "call")
    ]
    assert calls == [
        ("NODE1", "NODE2", OfflineFlags.RETURN_TO_SOURCE_NODE_ON_ERROR),
        ("NODE2", "NODE1", OfflineFlags.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR),
    ]
    assert run.outcome["groups"]["SqlGroup"] == {"state": "ClusterGroupOnline", "node": "NODE1"}


def test_destination_node_name_is_none_on_a_plain_offline_and_the_target_on_a_move():
    """DestinationNodeName: NULL for an offline, the chosen node for a move without a destination."""
    plain = events(cluster.simulate("plain-offline"), "OfflineV2", "call")
    best = cluster.simulate("move-to-best-node")
    assert [e.args["DestinationNodeName"] for e in plain] == [None]
    assert [e.args["DestinationNodeName"] for e in events(best, "OfflineV2", "call")] == ["NODE2"]
    assert [e.args["node"] for e in events(best, "BestNode")] == ["NODE2"]


def test_client_0x4_becomes_0x40_and_keeps_the_persistent_state():
    """CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE (0x4) is forwarded as OfflineV2 0x40."""
    keep = cluster.simulate("offline-keep-persistent-state")
    (client,) = events(keep, "OfflineClusterResourceEx", "call")
    (call,) = events(keep, "OfflineV2", "call")
    assert (client.args["dwOfflineFlags"], call.args["OfflineFlags"]) == (0x4, 0x40)
    assert [dict(e.args) for e in events(keep, "PersistentState")] == [
        {"PersistentState": 1, "updated": False}
    ]
    update = cluster.simulate("offline-persistent-state")
    assert [dict(e.args) for e in events(update, "PersistentState")] == [
        {"PersistentState": 0, "updated": True}
    ]


def test_every_state_event_names_its_node_and_evidence():
    """State events carry the node in args and an SDK name: CLUSTER_RESOURCE_STATE for a resource,
    CLUSTER_GROUP_STATE for a group, RESOURCE_MONITOR_STATE for a monitor, in every scenario."""
    for name in cluster.scenarios.names():
        for e in cluster.simulate(name).trace.filter(kind="state"):
            assert e.args["node"].startswith("NODE"), (name, e)
            assert e.evidence in ("documented", "inferred"), (name, e)
            assert e.state.new == e.name
            if e.subject.startswith("group:"):
                assert e.name in CLUSTER_GROUP_STATE.__members__, (name, e)
            elif e.subject.startswith("monitor:"):
                assert e.name in RESOURCE_MONITOR_STATE.__members__, (name, e)
            else:
                assert e.name.startswith("ClusterResource"), (name, e)


def test_every_scenario_trace_reads_back_strictly(tmp_path):
    """Each scenario's trace passes the strict reader (flag words within their masks, seq and time order)."""
    for name in cluster.scenarios.names():
        path = cluster.simulate(name).write(tmp_path / f"{name}.jsonl")
        assert len(read_trace(path)) > 0


def test_inferred_choices_are_marked_inferred():
    """Queueing and flag forwarding rest on the sheet's inferences and say so, each citing its rule; the
    move records no PersistentState at all (cluster.move-keeps-persistent-state)."""
    run = cluster.simulate("move-busy-dll")
    shown = ("StatusInformation", "FlagsForwarded", "PersistentState")
    cited = {(e.name, e.ref, e.evidence) for e in run.trace if e.name in shown}
    assert cited == {
        ("StatusInformation", "cluster.not-now-queues-move", "inferred"),
        ("StatusInformation", "cluster.queue-retry-interval", "inferred"),
        ("FlagsForwarded", "cluster.client-flags-forwarded", "inferred"),
    }
