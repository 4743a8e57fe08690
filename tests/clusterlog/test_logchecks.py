"""Reading a log against the model: the timing and counting rules `labkit check` applies to a cluster
trace, the offline operations a log shows, and the views on an imported trace."""

import pytest

from labkit import cluster, clusterlog, views
from labkit.cli import main
from labkit.readback.logchecks import LOG_CHECKS, limits_of, log_violations
from labkit.readback.offlines import offline_operations
from labkit.trace import Kind

from .helpers import line, write_log

RHS = 0x2CC4


def _read(tmp_path, lines, name="N1_cluster.log"):
    write_log(tmp_path, name, lines)
    return clusterlog.read(tmp_path / name)


def _status(ms, checkpoint, old="OfflinePending", new="OfflinePending"):
    text = (
        f"Resource Disk called SetResourceStatusEx: checkpoint {checkpoint}. Old state {old}, "
        f"new state {new}, AppSpErrorCode 0, Flags 0, nores=false"
    )
    return line(ms, "RHS", text, pid=RHS)


def test_every_rule_is_data_citing_the_sheet():
    assert [c.rule for c in LOG_CHECKS] == [
        "PendingPastTimeout",
        "CallPastDeadlockTimeout",
        "RestartsBeyondThreshold",
    ]
    for check in LOG_CHECKS:
        assert check.source.startswith("cluster-offline §") and "[D:" in check.source
    frame = views.log_checks_table()
    assert list(frame["rule"]) == [c.rule for c in LOG_CHECKS]
    assert list(frame["properties"]) == [
        "PendingTimeout=180000",
        "DeadlockTimeout=300000",
        "RestartThreshold=3, RestartPeriod=900000",
    ]


@pytest.mark.parametrize("name", cluster.scenarios.names())
def test_a_simulation_breaks_a_log_rule_only_where_it_records_the_fault(name):
    """The model keeps its own timing rules: the only log violations of a simulated trace are the
    deadlocks its misbehaving DLLs cause, each at the DeadlockTimeout fault the simulator recorded."""
    trace = cluster.simulate(name).trace
    deadlocks = [e.seq for e in trace if e.kind is Kind.FAULT and e.name == "DeadlockTimeout"]
    assert [(v.rule, v.seq) for v in log_violations(trace)] == [
        ("CallPastDeadlockTimeout", s) for s in deadlocks
    ]


def test_pending_past_timeout_without_terminate(tmp_path):
    trace = _read(
        tmp_path,
        [
            line(0, "RCM", "TransitionToState(Disk) Online-->OfflineCallIssued."),
            _status(1_000, 1),
            _status(200_000, 2),  # 199 s after the last report: past the default 180 s
            line(200_500, "RCM", "TransitionToState(Disk) OfflineCallIssued-->Offline."),
        ],
    )
    found = log_violations(trace)
    assert [(v.rule, v.seq, v.subject) for v in found] == [("PendingPastTimeout", 2, "Disk")]
    assert found[0].message == (
        "pending (OfflineCallIssued) with no status report for 3.32 min at SetResourceStatusEx, more than "
        "PendingTimeout (3 min); no Terminate (cluster-offline §4)"
    )


def test_reports_keep_a_pending_resource_alive_and_the_end_of_the_log_counts(tmp_path):
    """PendingTimeout bounds the gap between reports, not the whole wait; still pending at the end of
    the log past the timeout is a break too."""
    reports = [_status(k * 100_000, k) for k in range(1, 6)]
    kept = _read(
        tmp_path,
        [line(0, "RCM", "TransitionToState(Disk) Online-->OfflineCallIssued."), *reports],
    )
    assert log_violations(kept) == []
    stalled = _read(
        tmp_path,
        [
            line(0, "RCM", "TransitionToState(Disk) Offline-->OnlineCallIssued."),
            line(400_000, "RHS", "Resource Disk IsAlive has indicated failure.", pid=RHS),
        ],
        "N2_cluster.log",
    )
    assert [(v.rule, v.seq) for v in log_violations(stalled)] == [("PendingPastTimeout", 1)]


def test_restarts_beyond_the_threshold(tmp_path):
    lines = []
    for k in range(5):  # fails and comes back five times within a minute
        lines += [
            line(k * 10_000, "RCM", "TransitionToState(Disk) Online-->Failed."),
            line(k * 10_000 + 100, "RCM", "TransitionToState(Disk) Failed-->OnlineCallIssued."),
            line(k * 10_000 + 200, "RCM", "TransitionToState(Disk) OnlineCallIssued-->Online."),
        ]
    trace = _read(tmp_path, lines)
    found = log_violations(trace)
    assert [(v.rule, v.seq) for v in found] == [("RestartsBeyondThreshold", 10)]
    assert "restarted 4 times within RestartPeriod (15 min); RestartThreshold is 3" in found[0].message


def test_the_deadlock_monitor_line_is_a_call_past_deadlock_timeout():
    trace = clusterlog.read("data/clusterlogs/witness-deadlock")
    found = log_violations(trace)
    assert [(v.rule, v.subject) for v in found] == [("CallPastDeadlockTimeout", "File Share Witness")]
    assert limits_of(trace)["DeadlockTimeout"] == 300_000  # a log does not say: the sheet's default


def test_labkit_check_lists_log_rules(tmp_path, capsys):
    out = tmp_path / "w.jsonl"
    assert main(["import", "clusterlog", "data/clusterlogs/witness-deadlock", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["check", str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert any("CallPastDeadlockTimeout (File Share Witness) LooksAlive ran past DeadlockTimeout" in p
               for p in printed)  # fmt: skip
    assert printed[-1].endswith(": 21 events, 2 faults, 1 contract violation")


def test_offline_operations_a_log_shows(tmp_path):
    """No OfflineV2 line in a real log: the operation runs from RCM's OfflineCallIssued to Offline."""
    trace = clusterlog.read("data/clusterlogs/ag-move")
    ops = offline_operations(trace)
    assert [(o.resource, o.routine, o.request.name, o.destination, o.state, o.node) for o in ops] == [
        ("ag", "Offline", "GroupOfflineFirst", "SQL02", "Offline", "SQL01"),
        ("ag_listener", "Offline", "GroupOfflineFirst", "SQL02", "Offline", "SQL01"),
    ]
    assert [(o.pending_ms, o.checkpoints) for o in ops] == [(458.0, (1,)), (411.0, ())]
    frame = views.summary(trace)
    assert list(frame["resource"]) == ["ag", "ag_listener"] and list(frame["pending_ms"]) == [458.0, 411.0]


def test_state_table_and_timeline_work_on_an_import():
    trace = clusterlog.read("data/clusterlogs/isalive-failover")
    table = views.state_table(trace)
    assert len(table) and set(table["subject"]) >= {"ag"}
    assert views.timeline(trace).axes[0].get_xlabel().startswith("wall clock (UTC)")


def test_diff_names_the_files_an_import_was_read_from():
    """A log's header is its files' accounting: the diff says which files, not every count in them."""
    a = clusterlog.read("data/clusterlogs/ag-move")
    b = clusterlog.read("data/clusterlogs/witness-deadlock")
    changed = {c.subject: (c.a, c.b) for c in views.diff(a, b).parameters}
    assert changed["read from"] == (
        "SQL01_cluster.log, SQL02_cluster.log",
        "SVR13_cluster.log, SVR14_cluster.log",
    )
    assert not [s for s in changed if s.startswith("source")]
