"""DLLs written inline, as in a notebook: every kind of misbehaviour becomes a traced fault, never a crash."""

import time

import pytest

from labkit import cluster
from labkit.cluster import RESOURCE_STATUS_EX, ResourceDll
from labkit.trace import read_trace
from labkit.winapi import CLUSTER_RESOURCE_STATE as S
from labkit.winapi import ERROR_IO_PENDING, ERROR_SUCCESS
from tests.cluster import story

OFFLINE_REQUEST = [
    "1000 client call OfflineClusterResourceEx",
    "1000 rhs call OfflineV2 OfflineFlags=0 DestinationNodeName=None",
]
TERMINATED = [
    "1000 rhs note EventLog",
    "1000 rhs call Terminate",
    "1000 dll return Terminate",
    "1000 rhs state ClusterResourceOffline Disk @NODE1",
    "1000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
    "1000 rcm note PersistentState",
]
ACCEPTED = "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING"
"""An offline that changed the resource answers ERROR_IO_PENDING; its end is the completion (ORX)."""


def after_setup(run):
    """The story from the client's request on (the eleven setup events are the same in every test: the
    monitor starts, OpenV2, OnlineV2, the resource's and the group's states)."""
    lines = story(run.trace)
    assert lines[2:5] == ["0 rcm note HostedBy", "0 rhs call OpenV2", "0 dll return OpenV2"]
    return lines[11:]


def offline(dll, **options):
    """Run the pending-offline scenario (OfflineClusterResourceEx of Disk at 1000 ms) with ``dll``."""
    return cluster.simulate("pending-offline", dll=dll, **options)


def test_an_entry_point_that_raises_is_a_fault_then_terminate():
    """OfflineV2 raising is UserCodeRaised with the exception; the monitor treats it as an error return."""

    class Raises(ResourceDll):
        def OfflineV2(self, *args):
            raise RuntimeError("disk vanished")

    run = offline(Raises)
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 dll fault UserCodeRaised",
        "1000 dll return OfflineV2",
        *TERMINATED,
        ACCEPTED,
        "1000 rcm complete OfflineClusterResourceEx -> ERROR_RESOURCE_FAILED",
    ]
    (fault,) = run.faults
    assert fault.args["routine"] == "OfflineV2"
    assert fault.args["rule"].startswith("OfflineV2 raised RuntimeError: disk vanished at ")


def test_a_nonsense_return_value_is_bad_return_value():
    """A string (or a number that is no Win32 code) from OfflineV2 is BadReturnValue, then Terminate."""

    class Nonsense(ResourceDll):
        def OfflineV2(self, *args):
            return "done"

    class TooBig(ResourceDll):
        def OfflineV2(self, *args):
            return 0x1_0000

    for dll, shown in ((Nonsense, "'done'"), (TooBig, "65536")):
        run = offline(dll)
        assert after_setup(run) == [
            *OFFLINE_REQUEST,
            "1000 rhs fault BadReturnValue",
            "1000 dll return OfflineV2",
            *TERMINATED,
            ACCEPTED,
            "1000 rcm complete OfflineClusterResourceEx -> ERROR_RESOURCE_FAILED",
        ]
        assert run.faults[0].args["rule"] == (
            f"OfflineV2 returned {shown}; it must return a Win32 error code (0..65535)"
        )


def test_a_pending_offline_that_never_reports_times_out():
    """ERROR_IO_PENDING without any report: PendingTimeout after the return, then Terminate."""

    class NeverReports(ResourceDll):
        def OfflineV2(self, *args):
            return ERROR_IO_PENDING

    run = offline(NeverReports, properties={"PendingTimeout": 2000})
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 dll return OfflineV2 -> ERROR_IO_PENDING",
        "1000 rhs state ClusterResourceOfflinePending Disk @NODE1",
        "1000 rcm state ClusterGroupPending group:SqlGroup @NODE1",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING",
        "3000 rhs fault PendingTimeout",
        "3000 rhs complete OfflineV2 -> ERROR_TIMEOUT",
        "3000 rhs call Terminate",
        "3000 dll return Terminate",
        "3000 rhs state ClusterResourceOffline Disk @NODE1",
        "3000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "3000 rcm note PersistentState",
        "3000 rcm complete OfflineClusterResourceEx -> ERROR_TIMEOUT",
    ]


def test_a_worker_reporting_after_terminate_is_told_to_stop():
    """A worker that ignores Terminate and reports later gets ResourceExitStateTerminate, to no effect."""

    class Stubborn(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.ClusWorkerCreate(self.work)
            return ERROR_IO_PENDING

        def work(self, worker, parameter):
            yield self.monitor.sleep(5000)
            self.answer = self.monitor.SetResourceStatusEx(
                self.ResourceHandle, RESOURCE_STATUS_EX(S.ClusterResourceOffline, CheckPoint=1)
            )

    run = offline(Stubborn, properties={"PendingTimeout": 1000})
    assert after_setup(run)[-6:] == [
        "2000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "2000 rcm note PersistentState",
        "2000 rcm complete OfflineClusterResourceEx -> ERROR_TIMEOUT",
        "6000 worker:1 call SetResourceStatusEx ResourceState=Offline CheckPoint=1",
        "6000 rhs return SetResourceStatusEx -> ResourceExitStateTerminate",
        "6000 worker:1 note WorkerEnded",
    ]
    assert [f.name for f in run.faults] == ["PendingTimeout"]


def test_blocking_in_real_time_is_stopped_by_the_guard():
    """An entry point stuck in real time is stopped at the guard's limit; the fault text is deterministic."""

    class Blocks(ResourceDll):
        def OfflineV2(self, *args):
            time.sleep(10)
            return ERROR_SUCCESS

    run = offline(Blocks, guard_limit_s=0.2)
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 dll fault UserCodeBlocked",
        "1000 dll return OfflineV2",
        *TERMINATED,
        ACCEPTED,
        "1000 rcm complete OfflineClusterResourceEx -> ERROR_RESOURCE_FAILED",
    ]
    assert run.faults[0].args["rule"] == (
        "OfflineV2 ran longer than 0.2 s of real time and was stopped; "
        "a routine must return quickly and leave long work to a worker"
    )


def test_reports_outside_a_pending_operation_are_ignored():
    """A report from inside OfflineV2, and one after the operation settled, are StatusWithoutPending."""

    class Chatty(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.SetResourceStatusEx(
                self.ResourceHandle, RESOURCE_STATUS_EX(S.ClusterResourceOffline, 1)
            )
            return ERROR_SUCCESS

    run = offline(Chatty)
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 dll call SetResourceStatusEx ResourceState=Offline CheckPoint=1",
        "1000 rhs fault StatusWithoutPending",
        "1000 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "1000 dll return OfflineV2 -> ERROR_SUCCESS",
        "1000 rhs state ClusterResourceOffline Disk @NODE1",
        "1000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "1000 rcm note PersistentState",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_SUCCESS",
    ]


def test_a_checkpoint_that_does_not_change_is_not_a_new_report():
    """cluster.checkpoint-changed: CheckPoint 1 twice: the monitor does not see the second report
    (CheckPointUnchanged), which does not end the offline."""

    class Repeats(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.ClusWorkerCreate(self.work)
            return ERROR_IO_PENDING

        def work(self, worker, parameter):
            for state, checkpoint in ((S.ClusterResourceOfflinePending, 1), (S.ClusterResourceOffline, 1)):
                yield self.monitor.sleep(100)
                self.monitor.SetResourceStatusEx(self.ResourceHandle, RESOURCE_STATUS_EX(state, checkpoint))

    run = offline(Repeats, properties={"PendingTimeout": 500})
    assert after_setup(run)[8:14] == [
        "1100 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=1",
        "1100 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "1200 worker:1 call SetResourceStatusEx ResourceState=Offline CheckPoint=1",
        "1200 rhs fault CheckPointUnchanged",
        "1200 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "1200 worker:1 note WorkerEnded",
    ]
    assert [(f.name, f.t) for f in run.faults] == [
        ("CheckPointUnchanged", 1200.0),
        ("PendingTimeout", 1600.0),
    ]


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        # A settling report needs only a changed CheckPoint, even a smaller one.
        (
            ((S.ClusterResourceOfflinePending, 5), (S.ClusterResourceOffline, 2)),
            ["ClusterResourceOfflinePending", "ClusterResourceOffline"],
        ),
        # A report that the resource is still pending needs a greater one.
        (
            ((S.ClusterResourceOfflinePending, 5), (S.ClusterResourceOfflinePending, 2)),
            ["ClusterResourceOfflinePending", "CheckPointNotIncreasing"],
        ),
    ],
)
def test_pending_reports_need_a_greater_checkpoint_others_a_changed_one(reports, expected):
    """cluster.pending-checkpoint-greater and cluster.checkpoint-changed, as the RESOURCE_STATUS page has
    them: OfflinePending must grow the CheckPoint; Offline only has to change it."""

    class Reports(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.ClusWorkerCreate(self.work)
            return ERROR_IO_PENDING

        def work(self, worker, parameter):
            for state, checkpoint in reports:
                yield self.monitor.sleep(100)
                self.monitor.SetResourceStatusEx(self.ResourceHandle, RESOURCE_STATUS_EX(state, checkpoint))

    run = offline(Reports, properties={"PendingTimeout": 500})
    seen = [e.name for e in run.trace.filter(subject="Disk", kind=["state", "fault"]) if e.t >= 1000]
    assert seen[: len(expected)] == expected
    assert {e.name: e.ref for e in run.trace.faults if e.name.startswith("CheckPoint")} == (
        {"CheckPointNotIncreasing": "cluster.pending-checkpoint-greater"}
        if len(reports) == 2 and reports[1][0] == S.ClusterResourceOfflinePending
        else {}
    )


def test_a_slow_entry_point_is_a_warning():
    """An entry point that itself spends 500 ms of virtual time is a SlowEntryPoint warning; it works. While
    it blocks, its monitor is RmonOfflineResource and the client has its ERROR_IO_PENDING."""

    class SlowCall(ResourceDll):
        def OfflineV2(self, *args):
            yield self.monitor.sleep(500)
            return ERROR_SUCCESS

    run = offline(SlowCall)
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 rhs state RmonOfflineResource monitor:1 @NODE1",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING",
        "1500 dll return OfflineV2 -> ERROR_SUCCESS",
        "1500 rhs fault SlowEntryPoint",
        "1500 rhs state RmonIdle monitor:1 @NODE1",
        "1500 rhs state ClusterResourceOffline Disk @NODE1",
        "1500 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "1500 rcm note PersistentState",
        "1500 rcm complete OfflineClusterResourceEx -> ERROR_SUCCESS",
    ]
    assert run.faults[0].args["severity"] == "warning"


def test_an_offline_past_deadlock_timeout_kills_the_monitor_and_ends_as_terminated():
    """An OfflineV2 that does not return within DeadlockTimeout: the monitor is RmonDeadlocked, the call
    abandoned, the resource marked to run in a separate monitor, the process restarted; the offline ends
    as one by termination does (terminated_state), and the client sees ERROR_RESOURCE_CALL_TIMED_OUT."""

    class Deadlocks(ResourceDll):
        def OfflineV2(self, *args):
            while True:
                yield self.monitor.sleep(60_000)

    run = offline(Deadlocks, properties={"DeadlockTimeout": 1000})
    assert after_setup(run) == [
        *OFFLINE_REQUEST,
        "1000 rhs state RmonOfflineResource monitor:1 @NODE1",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_IO_PENDING",
        "2000 rhs fault DeadlockTimeout",
        "2000 rhs state RmonDeadlocked monitor:1 @NODE1",
        "2000 rhs return OfflineV2",
        "2000 rcm note CrashedOrDeadlocked",
        "2000 rcm state ClusterResourceOffline Disk @NODE1",
        "2000 rcm state ClusterGroupOffline group:SqlGroup @NODE1",
        "2000 rcm state RmonInitializing monitor:1 @NODE1",
        "2000 rhs state RmonIdle monitor:1 @NODE1",
        "2000 rcm note MonitorRestart",
        "2000 rcm note PersistentState",
        "2000 rcm complete OfflineClusterResourceEx -> ERROR_RESOURCE_CALL_TIMED_OUT",
    ]


def test_worker_misbehaviour_stops_the_worker_only():
    """A worker yielding nonsense, spinning on sleep(0) or using a wrong handle: a fault each."""

    class Odd(ResourceDll):
        def OfflineV2(self, *args):
            for routine in (self.nonsense, self.spin, self.wrong_handle):
                self.monitor.ClusWorkerCreate(routine)
            return ERROR_IO_PENDING

        def nonsense(self, worker, parameter):
            yield 5

        def spin(self, worker, parameter):
            while True:
                yield self.monitor.sleep(0)

        def wrong_handle(self, worker, parameter):
            yield self.monitor.sleep(10)
            self.monitor.SetResourceStatusEx("0xdead", RESOURCE_STATUS_EX(S.ClusterResourceOffline, 1))

    run = offline(Odd, properties={"PendingTimeout": 100})
    assert [(f.name, f.actor, f.t) for f in run.faults] == [
        ("BadReturnValue", "worker:1", 1000.0),
        ("NoProgress", "worker:2", 1000.0),
        ("UnknownHandle", "rhs", 1010.0),
        ("PendingTimeout", "rhs", 1100.0),
    ]
    assert run.faults[0].args["rule"] == "nonsense yielded 5; workers may only yield monitor.sleep(ms)"
    assert run.outcome["finished"]


def test_a_worker_that_never_ends_stops_at_the_horizon():
    """A worker looping forever in virtual time ends at the run's horizon, and the trace says so."""

    class Forever(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.ClusWorkerCreate(self.loop)
            return ERROR_SUCCESS

        def loop(self, worker, parameter):
            while True:
                yield self.monitor.sleep(1000)

    run = offline(Forever, horizon_ms=10_000)
    assert story(run.trace)[-2:] == [
        "1000 rcm return OfflineClusterResourceEx -> ERROR_SUCCESS",
        "10000 rcm note HorizonReached",
    ]
    assert run.outcome["finished"] is False


def test_a_factory_that_fails_leaves_the_resource_failed(tmp_path):
    """A DLL whose constructor raises is a StartupEx fault; the resource is Failed and the run still ends."""

    class Broken(ResourceDll):
        def __init__(self):
            raise ValueError("missing configuration")

    run = offline(Broken)
    assert story(run.trace) == [
        "0 rcm state RmonInitializing monitor:1 @NODE1",
        "0 rhs state RmonIdle monitor:1 @NODE1",
        "0 rcm note HostedBy",
        "0 dll fault UserCodeRaised",
        "0 rhs state ClusterResourceFailed Disk @NODE1",
        "0 rcm state ClusterGroupFailed group:SqlGroup @NODE1",
        "1000 client call OfflineClusterResourceEx",
        "1000 rcm note NotOnline",
        "1000 rcm note PersistentState",
        "1000 rcm return OfflineClusterResourceEx -> ERROR_RESOURCE_FAILED",
    ]
    assert read_trace(run.write(tmp_path / "t.jsonl")).header.params["dll"].endswith("Broken")


def test_an_instance_is_copied_for_every_node():
    """A configured DLL object is a template: each node gets its own copy, so state does not leak."""
    template = cluster.dlls.get("Busy")(busy_times=1)
    run = cluster.simulate("move-busy-dll", dll=template)
    assert run.outcome["calls"]["OfflineV2"] == 2
    assert template.attempts == 0


def test_a_hand_made_negative_sleep_is_refused():
    """Yielding a hand-made Sleep(-1) is BadReturnValue; monitor.sleep(-1) raises inside user code."""

    class Negative(ResourceDll):
        def OfflineV2(self, *args):
            self.monitor.ClusWorkerCreate(self.work)
            self.monitor.ClusWorkerCreate(self.asks)
            return ERROR_SUCCESS

        def work(self, worker, parameter):
            yield cluster.Sleep(-1)

        def asks(self, worker, parameter):
            yield self.monitor.sleep(-1)

    run = offline(Negative)
    assert [(f.name, f.actor) for f in run.faults] == [
        ("BadReturnValue", "worker:1"),
        ("UserCodeRaised", "worker:2"),
    ]
    assert "monitor.sleep needs a number of milliseconds >= 0, not -1" in run.faults[1].args["rule"]


def test_open_v2_reads_private_properties_through_resource_key():
    """A scenario's private properties reach OpenV2 as the read-only ResourceKey mapping."""
    seen = []

    class Reads(ResourceDll):
        def OpenV2(self, ResourceName, ResourceKey, ResourceHandle, OpenFlags):
            seen.append(dict(ResourceKey))
            return super().OpenV2(ResourceName, ResourceKey, ResourceHandle, OpenFlags)

    base = cluster.scenarios.get("plain-offline")
    scenario = cluster.Scenario(
        "with-key",
        base.summary,
        "Generic",
        base.steps,
        groups=base.groups,
        private={"Share": {"Path": "D:\\share"}},
    )
    cluster.simulate(scenario, dll=Reads)
    assert seen == [{"Path": "D:\\share"}]


def test_locked_mode_drops_a_queued_move_unless_told_to_keep_it():
    """Busy, then locked while queued: the move ends 5960; with DONT_REMOVE_FROM_MOVE_QUEUE it waits on."""
    busy = cluster.dlls.get("Busy")

    class LocksWhenBusy(busy):
        def attempt(self, worker, attempt):
            yield from super().attempt(worker, attempt)
            self.monitor.SetResourceLockedModeEx(self.ResourceHandle, True, 7, self.lock_flags)

    class Drops(LocksWhenBusy):
        lock_flags = 0

    class Keeps(LocksWhenBusy):
        lock_flags = 1  # LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE

    dropped = cluster.simulate("move-busy-dll", dll=Drops)
    kept = cluster.simulate("move-busy-dll", dll=Keeps)
    assert story(dropped.trace)[-8:] == [
        "1500 rhs return SetResourceStatusEx -> ResourceExitStateContinue",
        "1500 worker:1 call SetResourceLockedModeEx",
        "1500 rhs return SetResourceLockedModeEx -> ERROR_SUCCESS",
        "1500 worker:1 note WorkerEnded",
        "1500 rcm note StatusInformation",
        "2500 rcm note StatusInformation",
        "2500 rcm note LockedStatus",
        "2500 rcm complete MoveClusterGroupEx -> ERROR_CLUSTER_RESOURCE_LOCKED_STATUS",
    ]
    assert dropped.outcome["result_name"] == "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS"
    assert (kept.outcome["result_name"], kept.outcome["groups"]["VMGroup"]["node"]) == (
        "ERROR_SUCCESS",
        "NODE2",
    )
