"""Health checks and failure: the seven health scenarios, whole callback sequences (healthy polls folded into
one line per run by `folded`), and the facts issue 13 asks to see on the events themselves."""

from labkit import cluster
from labkit.cluster.rules import RULES
from tests.cluster import folded, story

NODE = "NODE1"


def started(*resources, node=NODE, monitor=1):
    """A monitor starts and brings ``resources`` ((name, group) pairs, dependencies first) online one by
    one at 0 ms; a group is PartialOnline until its last resource is online."""
    lines = [
        f"0 rcm state RmonInitializing monitor:{monitor} @{node}",
        f"0 rhs state RmonIdle monitor:{monitor} @{node}",
    ]
    for name, group in resources:
        members = [n for n, g in resources if g == group]
        first, last = members[0] == name, members[-1] == name
        lines += [
            "0 rcm note HostedBy",
            "0 rhs call OpenV2",
            "0 dll return OpenV2",
            f"0 rhs state ClusterResourceOffline {name} @{node}",
            *([f"0 rcm state ClusterGroupOffline group:{group} @{node}"] if first else []),
            "0 rhs call OnlineV2 OnlineFlags=0",
            "0 dll return OnlineV2 -> ERROR_SUCCESS",
            f"0 rhs state ClusterResourceOnline {name} @{node}",
        ]
        if last or first:
            lines.append(
                f"0 rcm state ClusterGroup{'Online' if last else 'PartialOnline'} group:{group} @{node}"
            )
    return lines


def is_alive_false(t, name, group, node=NODE, *, looks=True):
    """LooksAlive (when it sees it) then IsAlive say FALSE: logged, Failed, Terminate."""
    return [
        *([f"{t} rhs call LooksAlive", f"{t} dll return LooksAlive -> FALSE"] if looks else []),
        f"{t} rhs call IsAlive",
        f"{t} dll call LogEvent",
        f"{t} rhs return LogEvent",
        f"{t} dll return IsAlive -> FALSE",
        f"{t} rhs note IsAliveFailed",
        f"{t} rhs state ClusterResourceFailed {name} @{node}",
        f"{t} rcm state ClusterGroupFailed group:{group} @{node}",
        f"{t} rhs call Terminate",
        f"{t} dll return Terminate",
    ]


def restarted(t, name, group, node=NODE):
    """The Restart note, and OnlineV2 RestartDelay (500 ms) later."""
    return [
        f"{t} rcm note Restart",
        f"{t + 500} rhs call OnlineV2 OnlineFlags=0",
        f"{t + 500} dll return OnlineV2 -> ERROR_SUCCESS",
        f"{t + 500} rhs state ClusterResourceOnline {name} @{node}",
        f"{t + 500} rcm state ClusterGroupOnline group:{group} @{node}",
    ]


def failed_over(t, name, group, node, monitor):
    """Failover: Close on the old node, a monitor starts on ``node``, OpenV2 and OnlineV2 there."""
    return [
        f"{t} rcm note Failover",
        f"{t} rhs call Close",
        f"{t} dll return Close",
        f"{t} rcm state RmonInitializing monitor:{monitor} @{node}",
        f"{t} rhs state RmonIdle monitor:{monitor} @{node}",
        f"{t} rcm note HostedBy",
        f"{t} rhs call OpenV2",
        f"{t} dll return OpenV2",
        f"{t} rhs state ClusterResourceOffline {name} @{node}",
        f"{t} rcm state ClusterGroupOffline group:{group} @{node}",
        f"{t} rhs call OnlineV2 OnlineFlags=0",
        f"{t} dll return OnlineV2 -> ERROR_SUCCESS",
        f"{t} rhs state ClusterResourceOnline {name} @{node}",
        f"{t} rcm state ClusterGroupOnline group:{group} @{node}",
    ]


def test_isalive_failure_restart():
    """LooksAlive sees the outage at 20 s and IsAlive confirms it at once: Failed, Terminate, restarted in
    place RestartDelay later; the outage is over, so the polls go on TRUE to the horizon."""
    assert folded(story(cluster.simulate("isalive-failure-restart").trace)) == [
        *started(("Disk", "SqlGroup")),
        "5000-15000 polls LooksAlive×3",
        *is_alive_false(20000, "Disk", "SqlGroup"),
        *restarted(20000, "Disk", "SqlGroup"),
        "25500-595500 polls LooksAlive×115 IsAlive×9",
        "600000 rcm note HorizonReached",
    ]


def test_isalive_failure_failover():
    """LooksAlive misses it (TRUE), the minute's IsAlive finds it: three restarts within RestartPeriod, the
    fourth failure fails the group over to NODE2, where it stays healthy."""
    lines = folded(story(cluster.simulate("isalive-failure-failover").trace))
    expected = [*started(("Disk", "SqlGroup")), "5000-60000 polls LooksAlive×12"]
    t = 60000
    for _ in range(3):
        expected += [*is_alive_false(t, "Disk", "SqlGroup", looks=False), *restarted(t, "Disk", "SqlGroup")]
        expected.append(f"{t + 5500}-{t + 60500} polls LooksAlive×12")
        t += 60500
    expected += [
        *is_alive_false(t, "Disk", "SqlGroup", looks=False),
        *failed_over(t, "Disk", "SqlGroup", "NODE2", 2),
        "246500-896500 polls LooksAlive×131 IsAlive×10",
        "900000 rcm note HorizonReached",
    ]
    assert lines == expected


def test_failover_threshold_reached():
    """Sick everywhere: four failures per node, two failovers (FailoverThreshold 0xFFFFFFFF = three nodes
    minus one), then 'Not failing over group' with the counts; the group stays failed."""
    run = cluster.simulate("failover-threshold-reached")
    expected = started(("Disk", "SqlGroup"))
    t = 20000
    for node in ("NODE1", "NODE2", "NODE3"):
        for attempt in range(4):
            expected += [
                f"{t - 15000}-{t - 5000} polls LooksAlive×3",
                *is_alive_false(t, "Disk", "SqlGroup", node),
            ]
            if attempt < 3:
                expected += restarted(t, "Disk", "SqlGroup", node)
                t += 20500
        if node != "NODE3":
            following = {"NODE1": ("NODE2", 2), "NODE2": ("NODE3", 3)}[node]
            expected += failed_over(t, "Disk", "SqlGroup", *following)
            t += 20000
    expected += [f"{t} rcm note NotFailingOver", "1.8e+06 rcm note HorizonReached"]
    assert folded(story(run.trace)) == expected
    (refused,) = [e for e in run.trace if e.name == "NotFailingOver"]
    assert {
        k: refused.args[k] for k in ("failoverCount", "failoverThresholdSetting", "computedFailoverThreshold")
    } == {
        "failoverCount": 3,
        "failoverThresholdSetting": 0xFFFFFFFF,
        "computedFailoverThreshold": 2,
    }
    assert refused.args["log"] == (
        "Not failing over group SqlGroup, failoverCount 3, failoverThresholdSetting 4294967295, "
        "computedFailoverThreshold 2."
    )
    assert refused.args["retry_at_ms"] == t + 3_600_000
    assert run.outcome["groups"]["SqlGroup"] == {"state": "ClusterGroupFailed", "node": "NODE3"}


def test_a_higher_failover_threshold_lets_the_group_fail_over_again():
    """FailoverThreshold 3: the third failover happens (back to NODE1), the fourth is refused."""
    run = cluster.simulate("failover-threshold-reached", properties={"FailoverThreshold": 3})
    nodes = [e.args["node"] for e in run.trace if e.name == "Failover"]
    (refused,) = [e for e in run.trace if e.name == "NotFailingOver"]
    assert nodes == ["NODE2", "NODE3", "NODE1"]
    assert (refused.args["failoverCount"], refused.args["computedFailoverThreshold"]) == (4, 3)


HOSTED = (("SqlDisk", "SqlGroup"), ("SqlServer", "SqlGroup"), ("Share", "FileServer"))
"""The health layout: two groups, three resources, one Resource Monitor on NODE1."""


def killed(t, *, offline_offender=None):
    """The monitor:1 deadlock at ``t``: the fault, RmonDeadlocked, the abandoned call, the offender marked
    for a separate monitor, every hosted resource failed (an offender being taken offline ends Offline),
    the process started again, a MonitorRestart note for each resource it hosted."""
    ended = [
        f"{t} rcm state ClusterResourceFailed SqlDisk @NODE1",
        f"{t} rcm state ClusterGroupFailed group:SqlGroup @NODE1",
        f"{t} rcm state ClusterResourceFailed SqlServer @NODE1",
    ]
    if offline_offender:
        ended += [
            f"{t} rcm state ClusterResourceOffline Share @NODE1",
            f"{t} rcm state ClusterGroupOffline group:FileServer @NODE1",
        ]
    else:
        ended += [
            f"{t} rcm state ClusterResourceFailed Share @NODE1",
            f"{t} rcm state ClusterGroupFailed group:FileServer @NODE1",
        ]
    return [
        f"{t} rhs fault DeadlockTimeout",
        f"{t} rhs state RmonDeadlocked monitor:1 @NODE1",
        f"{t} rhs return {offline_offender or 'LooksAlive'}",
        f"{t} rcm note CrashedOrDeadlocked",
        *ended,
        f"{t} rcm state RmonInitializing monitor:1 @NODE1",
        f"{t} rhs state RmonIdle monitor:1 @NODE1",
        *(f"{t} rcm note MonitorRestart" for _ in HOSTED),
    ]


def reopened(t, name, group, state):
    """A failed resource whose instance died with its monitor: OpenV2 again, then OnlineV2."""
    return [
        f"{t} rhs call OpenV2",
        f"{t} dll return OpenV2",
        f"{t} rhs state ClusterResourceOffline {name} @NODE1",
        *([f"{t} rcm state {state} group:{group} @NODE1"] if state else []),
        f"{t} rhs call OnlineV2 OnlineFlags=0",
        f"{t} dll return OnlineV2 -> ERROR_SUCCESS",
        f"{t} rhs state ClusterResourceOnline {name} @NODE1",
    ]


def test_looksalive_hang_separate_monitor():
    """SqlServer's LooksAlive hangs at 60 s and blocks monitor:1 (RmonLooksAlivePoll) while the other
    resources' polls go on; at 60 s + DeadlockTimeout the monitor is killed: all three resources fail and
    are restarted, the two co-hosted ones in the restarted monitor:1, SqlServer in a new monitor:2."""
    run = cluster.simulate("looksalive-hang-separate-monitor")
    assert folded(story(run.trace)) == [
        *started(*HOSTED),
        "5000-60000 polls LooksAlive×34 IsAlive×1",
        "60000 rhs call LooksAlive",
        "60000 rhs state RmonLooksAlivePoll monitor:1 @NODE1",
        "60000-355000 polls LooksAlive×119 IsAlive×9",
        *killed(360000),
        "360000 rcm note Restart",
        "360000 rcm note Restart",
        *reopened(360500, "SqlDisk", "SqlGroup", None),
        "360500 rcm note Restart",
        *reopened(360500, "Share", "FileServer", "ClusterGroupOffline"),
        "360500 rcm state ClusterGroupOnline group:FileServer @NODE1",
        "361000 rcm state RmonInitializing monitor:2 @NODE1",
        "361000 rhs state RmonIdle monitor:2 @NODE1",
        "361000 rcm note HostedBy",
        *reopened(361000, "SqlServer", "SqlGroup", "ClusterGroupPartialOnline"),
        "361000 rcm state ClusterGroupOnline group:SqlGroup @NODE1",
        "365500-896000 polls LooksAlive×321 IsAlive×24",
        "900000 rcm note HorizonReached",
    ]


def test_every_resource_of_the_killed_monitor_fails_and_restarts_and_the_offender_moves_monitor():
    """Each resource monitor:1 hosted fails at the deadlock and is restarted; the offender's calls come
    from monitor:1 before and from monitor:2 after, the others' from monitor:1 (its second process)."""
    run = cluster.simulate("looksalive-hang-separate-monitor")
    deadlock = 360_000.0
    for name in ("SqlDisk", "SqlServer", "Share"):
        failed = [e.t for e in run.trace if e.subject == name and e.name == "ClusterResourceFailed"]
        restarts = [e.t for e in run.trace if e.subject == name and e.name == "Restart"]
        assert (failed, len(restarts)) == ([deadlock], 1), name
        monitors = {
            (e.t > deadlock, e.args["monitor"])
            for e in run.trace
            if e.subject == name and e.kind == "call" and e.actor == "rhs"
        }
        after = "monitor:2" if name == "SqlServer" else "monitor:1"
        assert monitors == {(False, "monitor:1"), (True, after)}, name
    lane = [(e.t, e.name, e.args["process"]) for e in run.trace if e.subject == "monitor:1"]
    assert lane == [
        (0.0, "RmonInitializing", 1),
        (0.0, "RmonIdle", 1),
        (60_000.0, "RmonLooksAlivePoll", 1),
        (deadlock, "RmonDeadlocked", 1),
        (deadlock, "RmonInitializing", 2),
        (deadlock, "RmonIdle", 2),
    ]
    (fault,) = run.faults
    assert (fault.t, fault.subject, fault.args["call"], fault.ref) == (
        deadlock,
        "SqlServer",
        "LOOKSALIVE",
        "cluster.deadlock-timeout",
    )
    assert fault.args["log"] == (
        "RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out by 0 milliseconds for resource 'SqlServer'."
    )
    (separate,) = [e for e in run.trace if e.name == "CrashedOrDeadlocked"]
    assert (separate.subject, separate.args["SeparateMonitor"], separate.evidence) == (
        "SqlServer",
        1,
        "documented",
    )
    assert separate.args["log"].startswith("rcm::RcmResource::HandleMonitorReply: Resource 'SqlServer'")


def test_offline_hang_deadlock():
    """Share's OfflineV2 works on the calling thread past DeadlockTimeout: the client had ERROR_IO_PENDING
    as soon as it blocked; the monitor is killed, Share ends Offline (its offline was asked for) and the
    co-hosted SqlGroup restarts, dependencies first."""
    assert folded(story(cluster.simulate("offline-hang-deadlock").trace)) == [
        *started(*HOSTED),
        "1000 client call OfflineClusterResourceEx",
        "1000 rhs call OfflineV2 OfflineFlags=0 DestinationNodeName=None",
        "1000 rhs state RmonOfflineResource monitor:1 @NODE1",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING",
        *killed(301000, offline_offender="OfflineV2"),
        "301000 rcm note PersistentState",
        "301000 rcm complete OfflineClusterResourceEx -> ERROR_RESOURCE_CALL_TIMED_OUT",
        "301000 rcm note Restart",
        *reopened(301500, "SqlDisk", "SqlGroup", None),
        "301500 rcm note Restart",
        *reopened(302000, "SqlServer", "SqlGroup", "ClusterGroupPartialOnline"),
        "302000 rcm state ClusterGroupOnline group:SqlGroup @NODE1",
    ]


def test_pending_timeout_capped_by_deadlock():
    """PendingTimeout 600 s above DeadlockTimeout 300 s: the silent offline ends 300 s after the last report,
    the fault citing the cap; a PendingTimeout below DeadlockTimeout governs itself."""
    run = cluster.simulate("pending-timeout-capped-by-deadlock")
    assert folded(story(run.trace)) == [
        *started(("Disk", "SqlGroup")),
        "1000 client call OfflineClusterResourceEx",
        "1000 rhs call OfflineV2 OfflineFlags=0 DestinationNodeName=None",
        "1000 dll call ClusWorkerCreate",
        "1000 rhs return ClusWorkerCreate -> ERROR_SUCCESS",
        "1000 dll return OfflineV2 -> ERROR_IO_PENDING",
        "1000 rhs state ClusterResourceOfflinePending Disk @NODE1",
        "1000 rcm state ClusterGroupPending group:SqlGroup @NODE1",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING",
        "2000 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=1",
        "2000 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "3000 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=2",
        "3000 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "303000 rhs fault PendingTimeout",
        "303000 rhs complete OfflineV2 -> ERROR_TIMEOUT",
        "303000 rhs call Terminate",
        "303000 dll call ClusWorkerTerminate",
        "303000 rhs return ClusWorkerTerminate",
        "303000 dll return Terminate",
        "303000 rhs state ClusterResourceOffline Disk @NODE1",
        "303000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "303000 rcm note PersistentState",
        "303000 rcm complete OfflineClusterResourceEx -> ERROR_TIMEOUT",
        "903000 worker:1 call SetResourceStatusEx ResourceState=Offline CheckPoint=3",
        "903000 rhs return SetResourceStatusEx -> ResourceExitStateTerminate",
        "903000 worker:1 note WorkerEnded",
    ]
    (fault,) = run.faults
    (terminate,) = [e for e in run.trace if e.name == "Terminate" and e.kind == "call"]
    assert (fault.ref, fault.args["PendingTimeout"], fault.args["DeadlockTimeout"]) == (
        "cluster.pending-timeout-capped-by-deadlock-timeout",
        600_000,
        300_000,
    )
    assert terminate.ref == fault.ref and terminate.t == 3000 + 300_000
    below = cluster.simulate("pending-timeout-capped-by-deadlock", properties={"PendingTimeout": 200_000})
    assert [(f.t, f.ref) for f in below.faults] == [(203_000.0, "cluster.pending-timeout-terminates")]


def test_retry_after_failure_period():
    """An outage until 30 min: four failures, RestartAction 1 leaves the resource failed ('NoFailover'),
    RetryPeriodOnFailure (1 h) later the cluster's final attempt brings it online for good."""
    run = cluster.simulate("retry-after-failure-period")
    expected = [*started(("Disk", "SqlGroup"))]
    t = 20000
    for attempt in range(4):
        expected += [f"{t - 15000}-{t - 5000} polls LooksAlive×3", *is_alive_false(t, "Disk", "SqlGroup")]
        if attempt < 3:
            expected += restarted(t, "Disk", "SqlGroup")
            t += 20500
    retry = t + 3_600_000
    expected += [
        f"{t} rcm note NoFailover",
        "3.6815e+06 rcm note RetryAfterFailure",
        "3.6815e+06 rhs call OnlineV2 OnlineFlags=0",
        "3.6815e+06 dll return OnlineV2 -> ERROR_SUCCESS",
        "3.6815e+06 rhs state ClusterResourceOnline Disk @NODE1",
        "3.6815e+06 rcm state ClusterGroupOnline group:SqlGroup @NODE1",
        "3.6865e+06-5.3965e+06 polls LooksAlive×343 IsAlive×28",
        "5.4e+06 rcm note HorizonReached",
    ]
    assert folded(story(run.trace)) == expected
    (online,) = [e for e in run.trace if e.name == "OnlineV2" and e.kind == "call" and e.t == retry]
    assert online.ref == "cluster.retry-period-on-failure"
    never = cluster.simulate("retry-after-failure-period", properties={"RetryPeriodOnFailure": 0xFFFFFFFF})
    assert [e.name for e in never.trace if e.name.startswith("Retry")] == []
    assert never.outcome["resources"]["Disk"]["state"] == "ClusterResourceFailed"


def test_dont_restart_leaves_the_resource_failed_without_a_retry():
    """RestartAction 0 (ClusterResourceDontRestart): no restart, no failover, no retry."""
    run = cluster.simulate("isalive-failure-restart", properties={"RestartAction": 0})
    (note,) = [e for e in run.trace if e.name == "NoRestart"]
    assert (note.ref, note.args["retry_at_ms"]) == ("cluster.restart-action-dont-restart", None)
    assert [e.name for e in run.trace if e.name in ("Restart", "Failover", "RetryAfterFailure")] == []


def test_poll_intervals_follow_the_properties_and_the_type_defaults():
    """LooksAlivePollInterval 0xFFFFFFFF means the type's 5000 ms; IsAlivePollInterval 60000 by default;
    both follow the resource's values when set."""

    def polls(run, name):
        return [e.t for e in run.trace if e.name == name and e.kind == "call"][:3]

    default = cluster.simulate("isalive-failure-restart", horizon_ms=19_000)
    assert (polls(default, "LooksAlive"), polls(default, "IsAlive")) == ([5000.0, 10000.0, 15000.0], [])
    custom = cluster.simulate(
        "isalive-failure-restart",
        horizon_ms=19_000,
        properties={"LooksAlivePollInterval": 2000, "IsAlivePollInterval": 7000},
    )
    assert polls(custom, "LooksAlive") == [2000.0, 4000.0, 6000.0]
    assert polls(custom, "IsAlive") == [7000.0, 14000.0]


def test_no_polls_without_health_checks():
    """A run without health checks (every OfflineV2 scenario by default) calls neither check."""
    quiet = cluster.simulate("isalive-failure-restart", health=False)
    assert quiet.outcome["calls"] == {"OpenV2": 1, "OnlineV2": 1}


def test_every_event_of_every_cluster_scenario_cites_a_rule_with_its_evidence():
    """Each event's ref names a rule of the cluster catalogue, and its evidence is the rule's."""
    for name in cluster.scenarios.names():
        for event in cluster.simulate(name).trace:
            rule = RULES.get(event.ref or "")
            assert rule is not None, (name, event)
            assert (event.evidence, rule.modelled) == (rule.evidence, True), (name, event)


def test_the_log_lines_on_model_events_read_back_as_the_same_events():
    """Every health event that carries the line a cluster.log would hold (`args["log"]`) is the event the
    cluster.log importer makes of that line: same name (IsAliveFailed is the importer's IsAlive FALSE) and
    subject, so model traces and imported logs line up."""
    from labkit.clusterlog import recognise

    same = {"IsAliveFailed": "IsAlive"}
    seen = set()
    for name in (
        "looksalive-hang-separate-monitor",
        "isalive-failure-failover",
        "failover-threshold-reached",
    ):
        for e in cluster.simulate(name).trace:
            if "log" not in e.args:
                continue
            _, found = recognise(e.args["log"])
            assert (found.name, found.subject) == (same.get(e.name, e.name), e.subject)
            seen.add(e.name)
    logged = ("DeadlockTimeout", "CrashedOrDeadlocked", "MonitorRestart", "IsAliveFailed", "NotFailingOver")
    assert seen == set(logged)
