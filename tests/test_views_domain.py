"""views: the summaries by domain, the diff of real runs, the flag matrix and the flag guides."""

import pandas as pd
from matplotlib.figure import Figure

from labkit import cluster, nspv2, read_trace, views

CLUSTER = "data/traces/cluster-{}.jsonl"
QUEUE = "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED"


def records(frame):
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_summary_dispatches_on_the_domain():
    """An nspv2 trace gets the session summary, a cluster trace the offline summary."""
    assert list(views.summary(nspv2.simulate("happy-path").trace).columns)[:2] == ["session", "client"]
    assert list(views.summary(cluster.simulate("plain-offline").trace).columns)[:2] == ["resource", "t"]


def test_offline_summary_of_the_queued_move_golden_trace():
    """move-busy-dll: three busy tries queue, the fourth goes offline (a move records no PersistentState);
    every row also says how the move ended: the VM Online on NODE2."""
    busy = (
        "ERROR_IO_PENDING",
        "ERROR_CLUSTER_GROUP_BUSY",
        500,
        "1",
        False,
        "ClusterResourceOnline",
        "NODE1",
    )
    head = ("VM", "MoveClusterGroupEx", "OfflineV2", QUEUE, QUEUE, "NODE2")
    table = views.summary(read_trace(CLUSTER.format("move-busy-dll")))
    final = ("ClusterResourceOnline", "NODE2")
    assert records(table.drop(columns="t")) == [
        (*head, *busy, None, "", *final),
        (*head, *busy, None, "", *final),
        (*head, *busy, None, "", *final),
        (*head, "ERROR_IO_PENDING", "ERROR_SUCCESS", 1500, "1, 2", False, "ClusterResourceOffline", "NODE1",
         None, "", *final),
    ]  # fmt: skip
    assert table["t"].tolist() == [1000, 2500, 4000, 5500]


def test_offline_summary_of_golden_traces_refused_timed_out_and_cluster_initiated():
    """Locked mode refuses the request before OfflineV2; a PendingTimeout ends in Terminate; a network
    loss makes the cluster take the VM offline on its own with IGNORE_NETWORK_CONNECTIVITY."""
    locked = views.summary(read_trace(CLUSTER.format("locked-offline")))
    assert records(locked[["routine", "requested", "effective", "result"]]) == [
        ("", "0", None, "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS")
    ]
    timeout = views.summary(read_trace(CLUSTER.format("pending-timeout")))
    assert records(timeout[["completion", "pending_ms", "checkpoints", "terminated", "faults"]]) == [
        ("ERROR_TIMEOUT", 182000, "1, 2", True, "PendingTimeout")
    ]
    network = views.summary(read_trace(CLUSTER.format("network-loss")))
    assert records(network[["request", "requested", "effective", "DestinationNodeName"]]) == [
        ("(cluster)", None, "CLUS_RESDLL_OFFLINE_IGNORE_NETWORK_CONNECTIVITY", "NODE2")
    ]


def test_diff_of_one_flag_on_the_cluster_simulator():
    """QUEUE_ENABLED on the busy move; DO_NOT_UPDATE_PERSISTENT_STATE on an administrator's offline."""
    without = cluster.simulate("move-busy-dll", flags=0).trace
    assert views.diff(without, cluster.simulate("move-busy-dll").trace).summary() == (
        "QUEUE_ENABLED: the move waited in the queue and succeeded instead of failing "
        "(ERROR_CLUSTER_GROUP_BUSY); VM ended on NODE2 instead of NODE1; OfflineV2 ran 4 times instead of "
        "once; and 4 more"
    )
    plain = cluster.simulate("offline-keep-persistent-state", flags=0).trace
    kept = cluster.simulate("offline-keep-persistent-state").trace
    assert (
        views.diff(plain, kept).summary()
        == "DO_NOT_UPDATE_PERSISTENT_STATE: Share kept its persistent state online"
    )
    locked = views.diff(
        cluster.simulate("locked-offline").trace, cluster.simulate("locked-offline", flags=1).trace
    )
    assert locked.summary() == (
        "IGNORE_RESOURCE_STATUS: the offline succeeded instead of failing "
        "(ERROR_CLUSTER_RESOURCE_LOCKED_STATUS); group:SqlGroup ended Offline instead of Online; "
        "OfflineV2 was called; and 1 more"
    )


def test_flag_matrix_through_views_runs_the_scenario_and_draws_it():
    """views.flag_matrix is the cluster matrix; views.flag_matrix_figure runs a scenario name first."""
    frame = views.flag_matrix("plain-offline", os="2012")
    assert len(frame) == 128 and set(frame["os"]) == {"2012"}
    fig = views.flag_matrix_figure("plain-offline", os=["2012", "2016"])
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_images()[0].get_array().shape[:2] == (10, 128)


def test_views_gathers_every_user_facing_call():
    """One module to import views from: the summaries, diff, pictures and guides are all there."""
    assert {
        "summary",
        "session_summary",
        "offline_summary",
        "diff",
        "flag_matrix",
        "flag_matrix_figure",
        "session_lifecycle",
        "flag_guide",
        "flag_bits_table",
        "timeline",
        "state_table",
    } <= set(views.__all__)
    assert all(callable(getattr(views, name)) for name in views.__all__ if name[0].islower())
    assert len(views.flag_guide()) == 7 and len(views.flag_bits_table()) == 5
