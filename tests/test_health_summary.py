"""The health summary: per resource, its polls, FALSE answers, failures, restarts, failovers, monitors and
deadlocks, read back from any cluster trace (`labkit.readback.health`, `views.health_summary`)."""

from labkit import cluster, views
from labkit.cli import main
from labkit.readback.health import resource_health
from labkit.trace import Kind
from tests.conftest import make_tracer


def rows(trace):
    frame = views.health_summary(trace)
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_a_deadlocked_monitor_shows_in_every_resource_it_hosted():
    """looksalive-hang-separate-monitor: each resource failed and restarted once; only SqlServer moved
    monitor and deadlocked; the polls and answers as the trace holds them."""
    assert rows(cluster.simulate("looksalive-hang-separate-monitor").trace) == [
        ("SqlDisk", "SqlGroup", 191, 178, 13, 0, 1, 1, 0, "monitor:1", 0, 0, "ClusterResourceOnline"),
        (
            "SqlServer",
            "SqlGroup",
            127,
            119,
            8,
            0,
            1,
            1,
            0,
            "monitor:1 → monitor:2",
            1,
            1,
            "ClusterResourceOnline",
        ),
        ("Share", "FileServer", 191, 178, 13, 0, 1, 1, 0, "monitor:1", 0, 0, "ClusterResourceOnline"),
    ]


def test_failovers_count_for_the_group_and_false_answers_for_both_checks():
    """failover-threshold-reached: twelve failures (each LooksAlive then IsAlive FALSE), nine restarts, two
    failovers, three monitors on three nodes, the resource left failed."""
    (health,) = resource_health(cluster.simulate("failover-threshold-reached").trace)
    assert (health.failures, health.false_answers, health.restarts, health.failovers) == (12, 24, 9, 2)
    assert (health.monitors, health.monitor_changes, health.state) == (
        ("monitor:1", "monitor:2", "monitor:3"),
        2,
        "ClusterResourceFailed",
    )
    assert health.polls == health.looks_alive + health.is_alive == 60


def test_an_imported_log_with_answers_only_is_read_too():
    """A trace with only IsAlive answers (as a cluster.log shows them) and a failure: counted from the
    returns; no layout in the header, so no group."""
    tracer = make_tracer(scenario="imported")
    for t, result in ((1000, 1), (2000, 1), (3000, 0)):
        tracer.record(
            Kind.RETURN, "IsAlive", actor="dll", subject="ag", result=result, t=t, evidence="observed"
        )
    tracer.record(
        Kind.STATE,
        "ClusterResourceFailed",
        actor="rcm",
        subject="ag",
        state=("Online", "ClusterResourceFailed"),
        t=3000,
        evidence="observed",
        args={"node": "N1"},
    )
    (health,) = resource_health(tracer.trace)
    assert (health.resource, health.group, health.is_alive, health.false_answers, health.failures) == (
        "ag",
        None,
        3,
        1,
        1,
    )


def test_summary_health_on_the_command_line(capsys):
    """`labkit summary --health FILE` prints the per-resource table."""
    assert main(["summary", "--health", "data/traces/cluster-isalive-failure-restart.jsonl"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| resource | group | polls | LooksAlive | IsAlive | false | failures | restarts | failovers "
        "| monitors | monitor_changes | deadlocks | state |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        "| Disk | SqlGroup | 129 | 119 | 10 | 2 | 1 | 1 | 0 | monitor:1 | 0 | 0 | ClusterResourceOnline |",
    ]
