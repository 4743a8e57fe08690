"""Misbehaving user code in both simulators, case by case: each is a fault naming the routine and the rule,
the run ends within its horizon, and the trace reads back strictly with no contract violation left.

The table `CASES` is the inventory the README's "Reliability" section counts: for each domain, a provider
or DLL that raises, returns the wrong type or an undefined code, never completes, completes twice, calls
back after Rundown / Terminate, loops forever in virtual time (a ticking worker, a zero-length sleep in a
loop, a worker that starts another worker forever) and blocks in real time.
"""

import time

import pytest

from labkit import cluster, nspv2, read_trace, winapi
from labkit.cluster import RESOURCE_STATUS_EX, ResourceDll
from labkit.exceptions import SimulationError
from labkit.nspv2 import Client, EmailDirectory, Lookup, Wait
from labkit.trace import Kind
from labkit.trace.checks import open_spans, violations
from labkit.winapi import CLUSTER_RESOURCE_STATE as S
from labkit.winapi import ERROR_IO_PENDING
from tests.cluster import story
from tests.lab import ROOT, executed

GUARD_S = 0.2
"""The wall-clock guard's limit in these tests (real seconds)."""
ONE_LOOKUP = (Client(101, (Lookup(),)),)


# -- NSPv2 providers ---------------------------------------------------------------------------------------


class BeginRaises(EmailDirectory):
    def NSPv2LookupServiceBegin(self, *args):
        raise KeyError("no such table")


class BeginReturnsText(EmailDirectory):
    def NSPv2LookupServiceBegin(self, *args):
        return "fine"


class BeginReturnsAnErrorCode(EmailDirectory):
    def NSPv2LookupServiceBegin(self, *args):
        return winapi.WSANO_DATA  # instead of SOCKET_ERROR after WSASetLastError


class CompletesWithNonsense(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, 42)


class NeverCompletes(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        pass


class CompletesTwice(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)


class CompletesLate(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        def later():
            yield self.host.sleep(200)  # long after the client died and Rundown ended its session
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)

        self.host.spawn(later())


class TicksForever(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        def tick():
            while True:
                yield self.host.sleep(1)

        self.host.spawn(tick())


class SpinsAtZero(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        def spin():
            while True:
                yield self.host.sleep(0)

        self.host.spawn(spin())


class SpawnsForever(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        def again():
            self.host.spawn(again())
            yield self.host.sleep(0)

        self.host.spawn(again())


class BeginBlocks(EmailDirectory):
    def NSPv2LookupServiceBegin(self, *args):
        time.sleep(30)


class WorkerBlocks(EmailDirectory):
    def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
        def work():
            yield self.host.sleep(5)
            while True:
                pass

        self.host.spawn(work())


CRASH_IN_NEXT = (Client(101, (Lookup(pause_ms=60),), kill_at_ms=100), Client(102, (Wait(400),)))


def nsp(provider, clients=ONE_LOOKUP, **options):
    return lambda: nspv2.simulate("happy-path", provider=provider, clients=clients, **options)


# -- cluster resource DLLs ---------------------------------------------------------------------------------


class OfflineRaises(ResourceDll):
    def OfflineV2(self, *args):
        raise RuntimeError("disk vanished")


class OfflineReturnsText(ResourceDll):
    def OfflineV2(self, *args):
        return "done"


class OfflineReturnsNoCode(ResourceDll):
    def OfflineV2(self, *args):
        return 0x1_0000  # not a Win32 error code


class NeverReports(ResourceDll):
    def OfflineV2(self, *args):
        return ERROR_IO_PENDING


class _Worker(ResourceDll):
    """OfflineV2 returns ERROR_IO_PENDING and leaves the work to ``self.work``."""

    def OfflineV2(self, *args):
        self.monitor.ClusWorkerCreate(self.work)
        return ERROR_IO_PENDING

    def report(self, state, checkpoint):
        return self.monitor.SetResourceStatusEx(self.ResourceHandle, RESOURCE_STATUS_EX(state, checkpoint))


class ReportsOfflineTwice(_Worker):
    def work(self, worker, parameter):
        yield self.monitor.sleep(10)
        self.report(S.ClusterResourceOffline, 1)
        self.report(S.ClusterResourceOffline, 2)


class IgnoresTerminate(_Worker):
    def work(self, worker, parameter):
        for checkpoint in (1, 2, 3):
            yield self.monitor.sleep(3000)
            self.report(S.ClusterResourceOfflinePending, checkpoint)


class WorkerTicksForever(_Worker):
    def work(self, worker, parameter):
        while True:
            yield self.monitor.sleep(1)


class ReportsEveryMillisecond(_Worker):
    def work(self, worker, parameter):
        checkpoint = 0
        while True:
            checkpoint += 1
            yield self.monitor.sleep(1)
            self.report(S.ClusterResourceOfflinePending, checkpoint)


class WorkerSpinsAtZero(_Worker):
    def work(self, worker, parameter):
        while True:
            yield self.monitor.sleep(0)


class WorkersForever(_Worker):
    def work(self, worker, parameter):
        self.monitor.ClusWorkerCreate(self.work)


class OfflineBlocks(ResourceDll):
    def OfflineV2(self, *args):
        time.sleep(30)


class WorkerBlocksForReal(_Worker):
    def work(self, worker, parameter):
        yield self.monitor.sleep(5)
        while True:
            pass


def offline(dll, **options):
    return lambda: cluster.simulate("pending-offline", dll=dll, **options)


SHORT = {"PendingTimeout": 2000}

CASES = {
    # NSPv2: (how the run is made, [(fault, routine), ...])
    "nspv2: a routine raises": (nsp(BeginRaises), [("UserCodeRaised", "NSPv2LookupServiceBegin")]),
    "nspv2: a routine returns the wrong type": (
        nsp(BeginReturnsText),
        [("BadReturnValue", "NSPv2LookupServiceBegin")],
    ),
    "nspv2: a routine returns an error code instead of SOCKET_ERROR": (
        nsp(BeginReturnsAnErrorCode),
        [("BadReturnValue", "NSPv2LookupServiceBegin")],
    ),
    "nspv2: a completion with an undefined code": (
        nsp(CompletesWithNonsense),
        [("NotWsaError", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a call never completed": (
        nsp(NeverCompletes, async_deadline_ms=100),
        [("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a call completed twice": (
        nsp(CompletesTwice),
        [("CompletedTwice", "WSAProviderCompleteAsyncCall")],
    ),
    "nspv2: a completion after Rundown": (
        nsp(CompletesLate, clients=CRASH_IN_NEXT),
        [("CalledAfterRundown", "WSAProviderCompleteAsyncCall")],
    ),
    "nspv2: a worker ticking forever in virtual time": (
        nsp(TicksForever, horizon_ms=2000, async_deadline_ms=None),
        [("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a worker waiting a millisecond at a time, forever": (
        nsp(TicksForever, horizon_ms=600_000, async_deadline_ms=None, max_steps=5000),
        [("TooManySteps", "worker:1"), ("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a worker sleeping 0 ms in a loop": (
        nsp(SpinsAtZero),
        [("NoProgress", "worker:1"), ("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a worker starting another worker, forever": (
        nsp(SpawnsForever),
        [("NoProgress", "worker:10000"), ("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    "nspv2: a routine blocks in real time": (
        nsp(BeginBlocks, guard_limit_s=GUARD_S),
        [("UserCodeBlocked", "NSPv2LookupServiceBegin")],
    ),
    "nspv2: a worker blocks in real time": (
        nsp(WorkerBlocks, guard_limit_s=GUARD_S),
        [("UserCodeBlocked", "worker"), ("NeverCompleted", "NSPv2LookupServiceNextEx")],
    ),
    # cluster
    "cluster: an entry point raises": (offline(OfflineRaises), [("UserCodeRaised", "OfflineV2")]),
    "cluster: an entry point returns the wrong type": (
        offline(OfflineReturnsText),
        [("BadReturnValue", "OfflineV2")],
    ),
    "cluster: an entry point returns no Win32 code": (
        offline(OfflineReturnsNoCode),
        [("BadReturnValue", "OfflineV2")],
    ),
    "cluster: a pending offline never completes": (
        offline(NeverReports, properties=SHORT),
        [("PendingTimeout", "OfflineV2")],
    ),
    "cluster: a pending offline completed twice": (
        offline(ReportsOfflineTwice),
        [("StatusWithoutPending", "SetResourceStatusEx")],
    ),
    "cluster: reports after Terminate": (
        offline(IgnoresTerminate, properties=SHORT),
        [("PendingTimeout", "OfflineV2"), ("IgnoredTerminate", "SetResourceStatusEx")],
    ),
    "cluster: a worker ticking forever in virtual time": (
        offline(WorkerTicksForever, properties=SHORT, horizon_ms=10_000),
        [("PendingTimeout", "OfflineV2")],
    ),
    "cluster: a worker reporting every millisecond, forever": (
        offline(ReportsEveryMillisecond, max_steps=5000),
        [("TooManySteps", "work")],
    ),
    "cluster: a worker sleeping 0 ms in a loop": (
        offline(WorkerSpinsAtZero, properties=SHORT),
        [("NoProgress", "work"), ("PendingTimeout", "OfflineV2")],
    ),
    "cluster: a worker starting another worker, forever": (
        offline(WorkersForever),
        [("NoProgress", "work")],
    ),
    "cluster: an entry point blocks in real time": (
        offline(OfflineBlocks, guard_limit_s=GUARD_S),
        [("UserCodeBlocked", "OfflineV2")],
    ),
    "cluster: a worker blocks in real time": (
        offline(WorkerBlocksForReal, properties=SHORT, guard_limit_s=GUARD_S),
        [("UserCodeBlocked", "work"), ("PendingTimeout", "OfflineV2")],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_misbehaving_user_code_is_a_fault_and_the_trace_stays_valid(case, tmp_path):
    """Each misbehaviour gives exactly the expected faults, each with a rule; the run ends by its horizon
    and its trace reads back strictly, with no call left open and no contract violation."""
    make, expected = CASES[case]
    run = make()
    assert [(f.name, f.args["routine"]) for f in run.faults] == expected
    assert all(f.args["rule"] for f in run.faults)
    assert run.trace[-1].t <= run.trace.header.params["horizon_ms"]
    assert read_trace(run.write(tmp_path / "run.jsonl")).to_jsonl() == run.trace.to_jsonl()
    assert violations(run.trace) == []


def test_the_inventory_covers_every_kind_of_misbehaviour_in_both_domains():
    """Raising, wrong type, undefined code, never / twice completed, late calls, virtual-time loops and
    real-time blocking each have a case in each domain."""
    kinds = (
        "raises",
        "wrong type",
        "code",
        "never complete",
        "twice",
        "after",
        "forever",
        "0 ms",
        "another worker",
        "blocks in real time",
    )
    for domain in ("nspv2", "cluster"):
        names = [c for c in CASES if c.startswith(domain)]
        assert [k for k in kinds if not any(k in n for n in names)] == []


def test_a_worker_spinning_at_zero_is_stopped_and_the_run_goes_on():
    """NSPv2: after 1000 resumptions at one instant the worker is stopped; the client is still served."""
    run = nspv2.simulate("happy-path", provider=SpinsAtZero, clients=ONE_LOOKUP, async_deadline_ms=50)
    assert [(e.t, e.kind, e.name) for e in run.trace if e.kind in (Kind.FAULT, Kind.COMPLETE)] == [
        (2.0, Kind.FAULT, "NoProgress"),
        (52.0, Kind.FAULT, "NeverCompleted"),
        (52.0, Kind.COMPLETE, "NSPv2LookupServiceNextEx"),
    ]
    assert run.faults[0].args["rule"] == (
        "worker:1 resumed 1000 times in a row without virtual time advancing "
        "(yield host.sleep(0) in a loop?); labkit stops the worker"
    )


def test_open_calls_are_closed_as_abandoned_when_the_run_ends():
    """A NextEx never completed and the client still waiting in WSALookupServiceNext: the run's end
    closes both, the broker's completion and the client's return marked abandoned."""
    run = nspv2.simulate("happy-path", provider=NeverCompletes, clients=ONE_LOOKUP, async_deadline_ms=None)
    assert [(e.seq, e.kind, e.name, e.actor, e.args) for e in run.trace[-3:]] == [
        (
            22,
            Kind.FAULT,
            "NeverCompleted",
            "broker",
            {
                "rule": "NSPv2LookupServiceNextEx call 0xa001 was still not completed when the run ended",
                "routine": "NSPv2LookupServiceNextEx",
                "hAsyncCall": "0xa001",
            },
        ),
        (
            23,
            Kind.RETURN,
            "WSALookupServiceNext",
            "client:101",
            {"abandoned": "the run ended: nothing more was scheduled"},
        ),
        (
            24,
            Kind.COMPLETE,
            "NSPv2LookupServiceNextEx",
            "broker",
            {"abandoned": "the run ended: nothing more was scheduled"},
        ),
    ]
    assert [e.span for e in run.trace[-2:]] == [18, 20]
    assert open_spans(run.trace) == []


def test_a_runaway_run_is_blamed_on_the_code_that_ran_last():
    """Workers starting workers at one instant: after 10000 events labkit stops the run and names the
    routine; the client's pending request and the pending OfflineV2 are completed as abandoned."""
    run = cluster.simulate("pending-offline", dll=WorkersForever)
    assert story(run.trace)[-6:] == [
        "1000 worker:10000 call ClusWorkerCreate",
        "1000 rhs return ClusWorkerCreate -> ERROR_SUCCESS",
        "1000 worker:10000 note WorkerEnded",
        "1000 rhs fault NoProgress",
        "1000 client complete OfflineClusterResourceEx",
        "1000 rhs complete OfflineV2",
    ]
    fault = run.faults[0]
    assert fault.args == {
        "rule": "10000 events at 1000 ms without virtual time advancing (user code that reschedules "
        "itself at once, forever?); labkit stops the run here; the last to run: work",
        "routine": "work",
    }
    assert [e.args for e in run.trace[-2:]] == [{"abandoned": "labkit stopped the run (NoProgress)"}] * 2
    assert run.outcome["finished"] is False


def test_a_worker_that_ignores_terminate_is_a_fault_once():
    """Told ResourceExitStateTerminate at 4000 ms, the worker reports twice more: one IgnoredTerminate."""
    run = cluster.simulate("pending-offline", dll=IgnoresTerminate, properties=SHORT)
    assert story(run.trace)[-8:] == [
        "4000 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=1",
        "4000 rhs return SetResourceStatusEx -> ResourceExitStateTerminate",
        "7000 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=2",
        "7000 worker:1 fault IgnoredTerminate",
        "7000 rhs return SetResourceStatusEx -> ResourceExitStateTerminate",
        "10000 worker:1 call SetResourceStatusEx ResourceState=OfflinePending CheckPoint=3",
        "10000 rhs return SetResourceStatusEx -> ResourceExitStateTerminate",
        "10000 worker:1 note WorkerEnded",
    ]
    assert run.faults[-1].args["rule"] == (
        "worker:1 reported again after SetResourceStatusEx answered ResourceExitStateTerminate at 4000 ms; "
        "the DLL must then end the operation and all its workers at once"
    )


@pytest.mark.parametrize("horizon", [0, -5, float("inf"), float("nan"), "60s", True])
def test_a_horizon_that_is_not_a_positive_number_is_refused(horizon):
    """NSPv2 checks its horizon as the cluster does: a run must end."""
    with pytest.raises(SimulationError) as info:
        nspv2.simulate("happy-path", horizon_ms=horizon)
    assert str(info.value) == f"horizon_ms must be a positive number of milliseconds, not {horizon!r}"


def test_a_notebook_keeps_working_after_misbehaving_code():
    """The misbehaving-code fixture runs top to bottom in a kernel: each cell prints its run's faults
    (checked for violations there), and the last cell's healthy run shows the kernel still works."""
    nb = executed(ROOT / "tests" / "notebooks" / "misbehaving-code.ipynb")
    printed = [
        output.text
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("name") == "stdout"
    ]
    assert "".join(printed).splitlines() == [
        "[('UserCodeRaised', 'NSPv2LookupServiceBegin')]",
        "[('UserCodeBlocked', 'NSPv2LookupServiceBegin')]",
        "[('NoProgress', 'worker:10000'), ('NeverCompleted', 'NSPv2LookupServiceNextEx')]",
        "[('TooManySteps', 'work')]",
        "[('UserCodeBlocked', 'OfflineV2')]",
        "0 faults in the happy path",
    ]
