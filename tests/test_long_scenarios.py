"""The longer scenarios behind the bigger recorded traces: many clients, many groups, overlapping requests."""

import pandas as pd
import pytest

from labkit import cluster, nspv2, views
from labkit.cluster import GroupLayout, Scenario
from labkit.cluster.client import MoveGroup, NetworkLoss
from labkit.exceptions import SimulationError
from labkit.readback.offlines import offline_operations
from labkit.trace import Kind, TraceHeader, Tracer


def rows(frame):
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_many_clients_end_their_sessions_by_what_each_process_did():
    """Fifty processes, ten behaviours in turn: only the killed and crashed ones get Rundown (then the
    Cleanup their successful Startup is owed)."""
    table = views.summary(nspv2.simulate("many-clients").trace)
    shape = ["Cleanup"] * 4 + ["both"] * 2 + ["Cleanup"] * 4
    assert list(table["session"]) == [f"session:{1001 + n}" for n in range(50)]
    assert list(table["ended"]) == shape * 5
    assert list(table["client_state"]) == [{"Cleanup": "Exited", "both": "Crashed"}[e] for e in shape * 5]
    assert list(table["session_arg"]) == [f"session#{n}" for n in range(1, 51)]
    assert rows(table.iloc[:10][["lookups", "nexts", "sets", "arg_mismatches", "faults"]]) == [
        (1, 2, 0, 0, ""),  # a lookup that resolves: one result, then WSA_E_NO_MORE
        (1, 2, 0, 0, ""),  # the same, then WSACleanup
        (1, 2, 1, 0, ""),  # registers its own address, finds it
        (1, 3, 0, 0, ""),  # a 64-byte buffer: WSAEFAULT, the retry, WSA_E_NO_MORE
        (1, 1, 0, 0, ""),  # killed while its NextEx runs
        (1, 2, 0, 0, ""),  # crashes after its lookup
        (1, 1, 0, 0, ""),  # End from another thread cancels the NextEx
        (1, 1, 0, 0, ""),  # nobody@contoso.com: no result
        (1, 2, 1, 0, ""),  # adds an address to carol with SERVICE_MULTIPLE, finds her
        (2, 4, 0, 0, ""),  # two lookups, then WSACleanup
    ]
    assert (
        rows(table.iloc[10:][["lookups", "nexts", "sets"]])
        == rows(table.iloc[:10][["lookups", "nexts", "sets"]]) * 4
    )


def test_many_clients_cancel_exactly_the_lookups_end_raced():
    """Five lookups end Cancelled, one per process whose End raced its NextEx; the rest end normally."""
    trace = nspv2.simulate("many-clients").trace
    ends = {e.subject: e.name for e in trace.filter(kind="state") if e.subject.startswith("lookup:")}
    assert sorted(ends.values()).count("Cancelled") == 5
    assert set(ends.values()) == {"Ended", "Cancelled"}
    assert len(ends) == 55


def test_drain_and_failback_attributes_every_offline_to_its_own_group_request():
    """Three moves, a refused one, an offline of one resource and of a group overlap: each offline names
    the request of its own group, and each group goes dependents first and comes back."""
    table = views.summary(cluster.simulate("drain-and-failback").trace)
    assert rows(table[["resource", "t", "request", "DestinationNodeName", "result", "node"]]) == [
        ("SqlAgent", 1000.0, "MoveClusterGroupEx", "NODE2", "ERROR_IO_PENDING", "NODE1"),
        ("Share", 1000.0, "MoveClusterGroupEx", "NODE3", "ERROR_IO_PENDING", "NODE1"),
        ("Spooler", 1000.0, "MoveClusterGroupEx", "NODE2", "ERROR_IO_PENDING", "NODE1"),
        ("group:SqlGroup", 2000.0, "MoveClusterGroupEx", "NULL", "ERROR_CLUSTER_GROUP_BUSY", None),
        ("SqlServer", 2500.0, "MoveClusterGroupEx", "NODE2", "ERROR_IO_PENDING", "NODE1"),
        ("FileName", 2500.0, "MoveClusterGroupEx", "NODE3", "ERROR_IO_PENDING", "NODE1"),
        ("SpoolDisk", 2500.0, "MoveClusterGroupEx", "NODE2", "ERROR_IO_PENDING", "NODE1"),
        ("BackupAgent", 3000.0, "OfflineClusterResourceEx", "NULL", "ERROR_IO_PENDING", "NODE3"),
        ("SqlDisk", 4000.0, "MoveClusterGroupEx", "NODE2", "ERROR_IO_PENDING", "NODE1"),
        ("FileDisk", 4000.0, "MoveClusterGroupEx", "NODE3", "ERROR_IO_PENDING", "NODE1"),
        ("Dtc", 20000.0, "OfflineClusterGroupEx", "NULL", "ERROR_IO_PENDING", "NODE2"),
        ("DtcDisk", 21500.0, "OfflineClusterGroupEx", "NULL", "ERROR_IO_PENDING", "NODE2"),
        ("SqlAgent", 40000.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE2"),
        ("Share", 40000.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE3"),
        ("Spooler", 40000.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE2"),
        ("SqlServer", 41500.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE2"),
        ("FileName", 41500.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE3"),
        ("SpoolDisk", 41500.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE2"),
        ("SqlDisk", 43000.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE2"),
        ("FileDisk", 43000.0, "MoveClusterGroupEx", "NODE1", "ERROR_IO_PENDING", "NODE3"),
    ]
    outcome = cluster.simulate("drain-and-failback").outcome
    assert outcome["groups"] == {
        "SqlGroup": {"state": "ClusterGroupOnline", "node": "NODE1"},
        "FileServer": {"state": "ClusterGroupOnline", "node": "NODE1"},
        "PrintSpooler": {"state": "ClusterGroupOnline", "node": "NODE1"},
        "DtcGroup": {"state": "ClusterGroupOffline", "node": "NODE2"},
        "Backup": {"state": "ClusterGroupPartialOnline", "node": "NODE3"},
    }
    assert outcome["faults"] == {}


def test_vm_drain_then_network_loss_moves_every_vm_off_with_the_right_flags():
    """The drain's live migrations carry QUEUE_ENABLED; after the network loss NODE2's VMs leave with 0x20."""
    run = cluster.simulate("vm-drain-network-loss")
    table = views.summary(run.trace)
    live, lost = "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED", "CLUS_RESDLL_OFFLINE_IGNORE_NETWORK_CONNECTIVITY"
    assert rows(table[["resource", "t", "request", "effective", "DestinationNodeName", "checkpoints"]]) == [
        ("VM1", 9000.0, "MoveClusterGroupEx", live, "NODE2", "1, 2, 3, 4"),
        ("VM2", 9000.0, "MoveClusterGroupEx", live, "NODE3", "1, 2, 3, 4"),
        ("VM3", 9000.0, "MoveClusterGroupEx", live, "NODE2", "1, 2, 3, 4"),
        ("VM4", 9000.0, "MoveClusterGroupEx", live, "NODE3", "1, 2, 3, 4"),
        ("VM1", 38000.0, "(cluster)", lost, "NODE3", "1"),
        ("VM3", 40000.0, "(cluster)", lost, "NODE3", "1"),
        ("VM5", 42000.0, "(cluster)", lost, "NODE3", "1"),
        ("VM6", 44000.0, "(cluster)", lost, "NODE3", "1"),
        ("VM7", 46000.0, "(cluster)", lost, "NODE3", "1"),
        ("VM8", 48000.0, "(cluster)", lost, "NODE3", "1"),
    ]
    assert {g: s["node"] for g, s in run.outcome["groups"].items()} == {
        f"VM{n}": "NODE3" for n in range(1, 9)
    }


def overlapping_moves(params):
    """Two group moves in flight at once, then one OfflineV2 for a resource of each group."""
    tr = Tracer(TraceHeader(domain="cluster", scenario="inline", params=params, labkit="0.1.0"))
    for group in ("A", "B"):
        tr.record(
            Kind.CALL,
            "MoveClusterGroupEx",
            actor="client",
            subject=f"group:{group}",
            t=1,
            args={},
            evidence="documented",
        )
    for resource in ("DiskA", "DiskB"):
        call = tr.record(
            Kind.CALL,
            "OfflineV2",
            actor="rhs",
            subject=resource,
            t=2,
            args={"OfflineFlags": 0},
            evidence="documented",
        )
        tr.record(
            Kind.RETURN,
            "OfflineV2",
            actor="dll",
            subject=resource,
            span=call.span,
            t=2,
            result=0,
            evidence="documented",
        )
    return [(o.resource, o.request.subject) for o in offline_operations(tr.trace)]


def test_overlapping_requests_are_told_apart_by_the_layout_in_the_header():
    """With the header's groups each offline serves its own group's move; without, the latest open one."""
    layout = {"groups": {"A": {"node": "NODE1", "resources": ["DiskA"]}, "B": {"resources": ["DiskB"]}}}
    assert overlapping_moves(layout) == [("DiskA", "group:A"), ("DiskB", "group:B")]
    assert overlapping_moves({}) == [("DiskA", "group:B"), ("DiskB", "group:B")]


def test_a_later_move_may_bring_a_group_back_but_not_to_where_it_already_is():
    """Moves are checked in time order: a failback is fine, a second move to the same node is not."""
    layout = (GroupLayout("G", "NODE1", ("R",)),)
    back = Scenario(
        "x", "one line", "Generic", (MoveGroup(9, "G", "NODE1"), MoveGroup(1, "G", "NODE2")), groups=layout
    )
    assert back.steps[0].node == "NODE1"
    with pytest.raises(SimulationError, match=r"steps\[1\]: group 'G' already is on NODE2"):
        Scenario(
            "x",
            "one line",
            "Generic",
            (MoveGroup(1, "G", "NODE2"), MoveGroup(5, "G", "NODE2")),
            groups=layout,
        )
    after_loss = (NetworkLoss(1, "NODE1"), MoveGroup(5, "G", "NODE2"))
    assert len(Scenario("x", "one line", "Generic", after_loss, groups=layout).steps) == 2
