"""Providers written inline, as a notebook user would: every broken rule is a fault, the run goes on."""

import time

from labkit import nspv2, read_trace, winapi
from labkit.nspv2 import Client, Crash, EmailDirectory, Lookup, Slow
from tests.nspv2.helpers import callbacks

ONE_LOOKUP = (Client(101, (Lookup(),)),)


def run_valid(tmp_path, provider, clients=ONE_LOOKUP, **options):
    """Simulate with ``provider`` and check the trace is valid on disk."""
    run = nspv2.simulate("happy-path", provider=provider, clients=clients, **options)
    assert read_trace(run.write(tmp_path / "run.jsonl")) == run.trace
    return run


def test_rundown_receives_the_very_object_startup_produced():
    """A crashed client's Rundown gets the same object Startup stored, not a copy, and the trace says so."""

    class Recorder(EmailDirectory):
        def __init__(self):
            super().__init__()
            self.produced, self.rundown = [], []

        def NSPv2Startup(self, lpProviderId, ppvClientSessionArg):
            token = object()
            self.produced.append(token)
            self.session_store[token] = set()
            ppvClientSessionArg.value = token
            return winapi.NO_ERROR

        def NSPv2ClientSessionRundown(self, lpProviderId, pvClientSessionArg):
            self.rundown.append(pvClientSessionArg)
            self.forget(pvClientSessionArg)

    provider = Recorder()
    run = nspv2.simulate("crash-during-lookup", provider=provider)
    assert len(provider.rundown) == 1 and provider.rundown[0] is provider.produced[0]
    assert callbacks(run)[:2] == [
        ("NSPv2Startup", "session:101", "<object#1>"),
        ("NSPv2LookupServiceBegin", "session:101", "<object#1>"),
    ]
    assert ("NSPv2ClientSessionRundown", "session:101", "<object#1>") in callbacks(run)
    assert run.faults.names() == []


def test_a_routine_that_raises_is_a_fault_and_the_client_finds_no_provider(tmp_path):
    """Begin raising is UserCodeRaised naming the line; the client's lookup fails, the session still ends."""

    class Raises(EmailDirectory):
        def NSPv2LookupServiceBegin(self, *args):
            raise KeyError("no such table")

    run = run_valid(tmp_path, Raises)
    assert callbacks(run) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("fault UserCodeRaised", "session:101", "NSPv2LookupServiceBegin"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]
    rule = run.faults[0].args["rule"]
    assert rule.startswith("NSPv2LookupServiceBegin raised KeyError: 'no such table' at ")
    assert "test_contract.py" in rule
    begin = run.trace.filter(name="WSALookupServiceBegin", kind="return")[0]
    assert begin.args["lastError"] == "WSASERVICE_NOT_FOUND"


def test_nonsense_return_values_are_faults(tmp_path):
    """Returning a code instead of SOCKET_ERROR, SOCKET_ERROR without a last error, a value from a VOID
    routine, a string, and a non-Winsock completion code: one fault each, and the run finishes."""

    class Sloppy(EmailDirectory):
        def NSPv2Startup(self, lpProviderId, ppvClientSessionArg):
            super().NSPv2Startup(lpProviderId, ppvClientSessionArg)
            return "ok"

        def NSPv2LookupServiceNextEx(self, hAsyncCall, hLookup, flags, length, results):
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.SOCKET_ERROR)
            return winapi.SOCKET_ERROR  # the docs' "Return value" section, though the header says VOID

        def NSPv2LookupServiceEnd(self, hLookup):
            super().NSPv2LookupServiceEnd(hLookup)
            return winapi.WSA_INVALID_HANDLE  # should be SOCKET_ERROR after WSASetLastError

        def NSPv2Cleanup(self, lpProviderId, pvClientSessionArg):
            self.forget(pvClientSessionArg)
            return winapi.SOCKET_ERROR  # without WSASetLastError

    run = run_valid(tmp_path, Sloppy)
    assert callbacks(run) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("fault BadReturnValue", "session:101", "NSPv2Startup"),
    ]
    assert run.trace.filter(name="WSALookupServiceBegin", kind="return")[0].args["lastError"] == (
        "WSASERVICE_NOT_FOUND"
    )

    class SloppyLater(Sloppy):
        def NSPv2Startup(self, lpProviderId, ppvClientSessionArg):
            return EmailDirectory.NSPv2Startup(self, lpProviderId, ppvClientSessionArg)

    run = run_valid(tmp_path / "later", SloppyLater)
    assert callbacks(run) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("fault NotWsaError", "lookup:0x1001", "NSPv2LookupServiceNextEx"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 SOCKET_ERROR"),
        ("fault BadReturnValue", "lookup:0x1001", "NSPv2LookupServiceNextEx"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("fault BadReturnValue", "lookup:0x1001", "NSPv2LookupServiceEnd"),
        ("NSPv2Cleanup", "session:101", "session#1"),
        ("fault NoLastError", "session:101", "NSPv2Cleanup"),
    ]
    assert "VOID in the header" in run.faults.filter(name="BadReturnValue")[0].args["rule"]


def test_a_provider_that_never_completes_is_reported_at_the_deadline_and_at_the_end(tmp_path):
    """With a deadline the fault comes at call time + deadline; without one, when the run ends."""

    class Forgets(EmailDirectory):
        def NSPv2LookupServiceNextEx(self, *args):
            pass

    run = run_valid(tmp_path, Forgets, async_deadline_ms=100)
    fault = run.faults[0]
    assert (fault.name, fault.t, fault.args["hAsyncCall"]) == ("NeverCompleted", 102.0, "0xa001")
    assert run.outcome["clients"] == {"running": 1}
    run = run_valid(tmp_path / "end", Forgets, async_deadline_ms=None)
    assert [(f.name, f.t) for f in run.faults] == [("NeverCompleted", 2.0)]
    assert "when the run ended" in run.faults[0].args["rule"]


def test_a_routine_that_blocks_in_real_time_is_stopped(tmp_path):
    """Begin sleeping for real is stopped by the guard: UserCodeBlocked, and the run finishes quickly."""

    class Blocks(EmailDirectory):
        def NSPv2LookupServiceBegin(self, *args):
            time.sleep(30)

    run = run_valid(tmp_path, Blocks, guard_limit_s=0.2)
    assert callbacks(run) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("fault UserCodeBlocked", "session:101", "NSPv2LookupServiceBegin"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]
    assert "limit of 0.2 s and was stopped" in run.faults[0].args["rule"]


def test_a_worker_that_raises_is_a_fault_and_its_call_stays_open(tmp_path):
    """An exception inside a worker is UserCodeRaised for that worker; its call is then never completed."""

    class BrokenWorker(EmailDirectory):
        def NSPv2LookupServiceNextEx(self, hAsyncCall, hLookup, flags, length, results):
            def work():
                yield self.host.sleep(10)
                raise RuntimeError("lost the connection")

            self.host.spawn(work(), routine="NSPv2LookupServiceNextEx")

    run = run_valid(tmp_path, BrokenWorker, async_deadline_ms=50)
    assert [(f.name, f.t, f.args["routine"]) for f in run.faults] == [
        ("UserCodeRaised", 12.0, "NSPv2LookupServiceNextEx"),
        ("NeverCompleted", 52.0, "NSPv2LookupServiceNextEx"),
    ]


def test_completing_an_unknown_handle_is_a_fault(tmp_path):
    """A made-up hAsyncCall is refused with SOCKET_ERROR and reported as UnknownHandle."""

    class MadeUp(EmailDirectory):
        def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
            assert self.host.WSAProviderCompleteAsyncCall(0xBEEF, 0) == winapi.SOCKET_ERROR
            super().NSPv2LookupServiceNextEx(hAsyncCall, *args)

    run = run_valid(tmp_path, MadeUp)
    unknown = ("UnknownHandle", "hAsyncCall 0xbeef was never handed to the provider")
    assert [(f.name, f.args["rule"]) for f in run.faults] == [unknown, unknown]  # one per NextEx
    assert run.outcome["faults"] == {"UnknownHandle": 2}


def test_completing_after_rundown_and_ignoring_end_are_faults(tmp_path):
    """A slow provider that cancels nothing: its late completions after Rundown and after End are faults."""

    class Careless(Slow):
        def NSPv2LookupServiceEnd(self, hLookup):
            return EmailDirectory.NSPv2LookupServiceEnd(self, hLookup)

        def forget(self, session):
            EmailDirectory.forget(self, session)

    clients = (
        Client(101, (Lookup(), Crash()), kill_at_ms=50),
        Client(102, (Lookup(cancel_after_ms=50),)),
    )
    run = run_valid(tmp_path, Careless, clients=clients)
    assert [(f.name, f.subject) for f in run.faults] == [
        ("CalledAfterRundown", "lookup:0x1001"),
        ("CancelIgnored", "lookup:0x1002"),
    ]


def test_state_left_behind_after_end_is_a_leak(tmp_path):
    """End that keeps its lookup in lookup_store is reported, naming the lookup."""

    class KeepsLookups(EmailDirectory):
        def NSPv2LookupServiceEnd(self, hLookup):
            return winapi.NO_ERROR

    run = run_valid(tmp_path, KeepsLookups)
    assert [(f.name, f.subject, f.args["routine"]) for f in run.faults] == [
        ("SessionStateLeaked", "lookup:0x1001", "NSPv2LookupServiceEnd"),
    ]


def test_advertising_without_a_mandatory_routine_fails_with_wsaeinval(tmp_path):
    """A table without NSPv2LookupServiceEnd is refused (D-Adv); clients then find no provider."""

    class NoEnd(nspv2.NamespaceProvider):
        def NSPv2LookupServiceBegin(self, *args):
            return 0

        def NSPv2LookupServiceNextEx(self, *args):
            pass

    run = run_valid(tmp_path, NoEnd)
    advertise = run.trace.filter(name="WSAAdvertiseProvider", kind="return")[0]
    assert (advertise.result_name, advertise.args) == (
        "SOCKET_ERROR",
        {"lastError": "WSAEINVAL", "why": "NULL mandatory routine: NSPv2LookupServiceEnd"},
    )
    assert callbacks(run) == []


def test_a_plain_class_without_the_base_class_works_with_documented_stubs(tmp_path):
    """Duck typing: any object with the three mandatory routines is a provider; the rest are stubs, so
    its Startup fails with WSAEOPNOTSUPP and the session gets no Cleanup
    (nspv2.failed-startup-gets-no-cleanup)."""

    class Plain:
        def NSPv2LookupServiceBegin(self, lpProviderId, lpqsRestrictions, dwControlFlags, arg, lphLookup):
            lphLookup.value = 1
            return winapi.NO_ERROR

        def NSPv2LookupServiceNextEx(self, hAsyncCall, hLookup, flags, length, results):
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)

        def NSPv2LookupServiceEnd(self, hLookup):
            return winapi.NO_ERROR

    run = run_valid(tmp_path, Plain)
    assert callbacks(run) == [
        ("NSPv2Startup", "session:101", None),
        ("NSPv2LookupServiceBegin", "session:101", None),
        ("NSPv2LookupServiceNextEx", "lookup:0x1", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1", "0xa001 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1", "0x1"),
    ]
    assert [(e.name, e.ref) for e in run.trace.filter(subject="session:101", kind=["state", "note"])] == [
        ("NoStartup", "nspv2.session-without-startup"),
        ("NoCleanup", "nspv2.failed-startup-gets-no-cleanup"),
        ("Ended", "nspv2.orderly-exit-sends-cleanup"),
    ]
    assert run.faults.names() == []


def test_a_run_ends_at_its_horizon_whatever_the_provider_does(tmp_path):
    """A worker that ticks forever cannot keep the run going: it stops at the horizon, the call unfinished."""

    class Ticks(EmailDirectory):
        def NSPv2LookupServiceNextEx(self, hAsyncCall, *args):
            def tick():
                while True:
                    yield self.host.sleep(10)

            self.host.spawn(tick())

    run = run_valid(tmp_path, Ticks, horizon_ms=1000, async_deadline_ms=None)
    assert run.trace[-1].t <= 1000
    assert run.faults.names() == ["NeverCompleted"]
    assert run.outcome["clients"] == {"running": 1}
