"""The NSPv2 behaviours the audit of issue 12 found wrong or missing, each checked against its rule."""

import pytest

from labkit import nspv2, winapi
from labkit.nspv2 import EmailDirectory, Lookup, Policy
from labkit.trace import Evidence, Kind
from labkit.winapi import LupFlags
from tests.nspv2.helpers import callbacks

SCENARIOS = nspv2.scenarios.names()


def client_returns(run, name):
    """(lastError or NO_ERROR, rule) of each return of the client API ``name``."""
    return [
        (e.args.get("lastError", "NO_ERROR"), e.ref)
        for e in run.trace.filter(name=name, kind="return")
        if e.actor.startswith("client:")
    ]


@pytest.mark.parametrize("crash", ["both", "rundown", "cleanup"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_session_gets_cleanup_after_a_failed_startup(scenario, crash):
    """nspv2.failed-startup-gets-no-cleanup: Startup must succeed before Cleanup, in every scenario under
    every crash policy."""
    run = nspv2.simulate(scenario, policy={"crash": crash})
    started = {e.subject for e in run.trace.filter(name="NSPv2Startup", kind="return") if e.result == 0}
    cleaned = {e.subject for e in run.trace.filter(name="NSPv2Cleanup", kind="call")}
    assert cleaned <= started


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_started_sessions_get_their_cleanup_or_say_which_policy_broke_it(scenario):
    """nspv2.startup-cleanup-pairing: each session whose Startup succeeded gets exactly one Cleanup, is
    still open when the run ends, or carries a NoMatchingCleanup note naming the policy."""
    run = nspv2.simulate(scenario)
    started = [e.subject for e in run.trace.filter(name="NSPv2Startup", kind="return") if e.result == 0]
    for subject in started:
        cleanups = len(run.trace.filter(name="NSPv2Cleanup", kind="call", subject=subject))
        broken = run.trace.filter(name="NoMatchingCleanup", subject=subject)
        last = run.trace.filter(kind="state", subject=subject)[-1].name
        assert (cleanups, len(broken)) in ((1, 0), (0, 1)) or (cleanups, last) == (0, "Started"), subject
        assert [e.args["policy"] for e in broken] in ([], ["crash=rundown"])


def test_a_failed_startup_starts_no_session_argument_and_no_cleanup():
    """nspv2.session-without-startup: the Minimal provider's Startup stub fails with WSAEOPNOTSUPP; its
    session runs without an argument (NoStartup) and ends without Cleanup (a documented note)."""
    run = nspv2.simulate("no-optional-routines")
    assert [
        (e.kind.value, e.name, e.ref) for e in run.trace.filter(subject="session:101") if e.kind != "call"
    ] == [
        ("return", "NSPv2Startup", "nspv2.startup-on-first-use"),
        ("state", "NoStartup", "nspv2.session-without-startup"),
        ("return", "NSPv2LookupServiceBegin", "nspv2.int-routine-returns"),
        ("complete", "NSPv2SetServiceEx", "nspv2.complete-finishes-call"),
        ("return", "WSAProviderCompleteAsyncCall", "nspv2.complete-finishes-call"),
        ("return", "NSPv2SetServiceEx", "nspv2.unimplemented-routine-stub"),
        ("note", "NoCleanup", "nspv2.failed-startup-gets-no-cleanup"),
        ("state", "Ended", "nspv2.orderly-exit-sends-cleanup"),
    ]
    assert run.outcome["sessions"] == {"Ended": 1, "RunDown": 1}


def test_the_sample_leaves_rundown_null_and_the_broker_does_not_call_it():
    """nspv2.null-routine-not-called and nspv2.unknown-name-service-not-found: Microsoft's sample has a NULL
    Rundown, so a crash gets only Cleanup; it answers an unknown name with WSANO_DATA."""
    run = nspv2.simulate("sample-null-rundown")
    assert run.trace.filter(name="NSPv2ClientSessionRundown").names() == []
    assert [(e.name, e.args["routine"], e.ref) for e in run.trace.filter(name="RoutineIsNull")] == [
        ("RoutineIsNull", "NSPv2ClientSessionRundown", "nspv2.null-routine-not-called")
    ]
    assert [e.name for e in run.trace.filter(subject="session:101", kind="call")][-1] == "NSPv2Cleanup"
    advertise = run.trace.filter(name="WSAAdvertiseProvider", kind="call")[0]
    assert advertise.args["pNSPv2Routine"]["null"] == ["NSPv2ClientSessionRundown"]
    assert client_returns(run, "WSALookupServiceNext")[0][0] == "WSANO_DATA"
    directory = nspv2.simulate("sample-null-rundown", provider="email-directory")
    assert client_returns(directory, "WSALookupServiceNext")[0][0] == "WSASERVICE_NOT_FOUND"


def test_flushprevious_skips_the_result_that_did_not_fit():
    """nspv2.flushprevious-skips-result: after WSAEFAULT the client passes LUP_FLUSHPREVIOUS (on that call
    only); the provider drops bob's one result and says there is no more."""
    run = nspv2.simulate("flush-previous")
    nexts = run.trace.filter(name="WSALookupServiceNext", kind="call")
    flush = int(LupFlags.FLUSHPREVIOUS)
    assert [(e.args["dwControlFlags"] & flush, e.ref) for e in nexts] == [
        (0, "nspv2.client-lookup-sequence"),
        (flush, "nspv2.flushprevious-skips-result"),
    ]
    assert [code for code, _ in client_returns(run, "WSALookupServiceNext")] == ["WSAEFAULT", "WSA_E_NO_MORE"]


def test_next_flags_narrow_what_begin_asked_for():
    """nspv2.next-flags-restrict: Begin asks for names and addresses, Next for names only: no addresses."""
    run = nspv2.simulate("next-flags-narrow")
    result = run.trace.filter(name="WSALookupServiceNext", kind="return")[0].args["lpqsResults"]
    assert result["lpszServiceInstanceName"] == "alice@contoso.com" and "lpcsaBuffer" not in result


def test_an_email_registration_without_a_blob_fails_like_the_sample_clients():
    """nspv2.email-registration-needs-blob: the sample client's registration (no lpBlob) is refused with
    WSAEINVAL; the same one with a blob succeeds."""
    run = nspv2.simulate("register-without-blob")
    sets = run.trace.filter(name="WSASetService", kind="call")
    assert ["lpBlob" in e.args["lpqsRegInfo"] for e in sets] == [False, True]
    assert [code for code, _ in client_returns(run, "WSASetService")] == ["WSAEINVAL", "NO_ERROR"]


def test_a_wsaefault_without_the_required_size_is_a_fault():
    """nspv2.efault-gives-required-size: NextEx failing with WSAEFAULT must say how much it needs; the
    well-behaved directory does, so the buffer-too-small scenario has no such fault."""
    run = nspv2.simulate("efault-without-size")
    assert [(e.name, e.ref, e.evidence) for e in run.trace.faults] == [
        ("NoRequiredSize", "nspv2.efault-gives-required-size", Evidence.DOCUMENTED)
    ]
    assert nspv2.simulate("buffer-too-small").trace.faults.names() == []


def test_the_host_process_calls_wsastartup_before_advertising():
    """nspv2.host-calls-wsastartup and nspv2.host-needs-wsastartup: the host's WSAStartup comes first;
    without it WSAAdvertiseProvider fails with WSANOTINITIALISED and no client reaches a provider."""
    assert nspv2.simulate("happy-path").trace.names()[2:5] == [
        "WSAStartup",
        "WSAStartup",
        "WSAAdvertiseProvider",
    ]
    run = nspv2.simulate("host-without-wsastartup")
    advertise = run.trace.filter(name="WSAAdvertiseProvider", kind="return")[0]
    assert (advertise.args["lastError"], advertise.ref) == (
        "WSANOTINITIALISED",
        "nspv2.host-needs-wsastartup",
    )
    assert client_returns(run, "WSALookupServiceBegin") == [
        ("WSASERVICE_NOT_FOUND", "nspv2.no-provider-service-not-found")
    ]


def test_a_completion_after_the_hosts_wsacleanup_fails():
    """nspv2.host-needs-wsastartup: the host called WSACleanup at 50 ms; the slow provider's completion at
    202 ms fails with WSANOTINITIALISED, the call stays open and is NeverCompleted (inferred deadline)."""
    run = nspv2.simulate("host-cleanup-too-early")
    assert [(e.t, e.name, e.ref) for e in run.trace.faults] == [
        (202.0, "HostNotInitialised", "nspv2.host-needs-wsastartup"),
        (5002.0, "NeverCompleted", "nspv2.complete-deadline"),
    ]
    complete = run.trace.filter(name="WSAProviderCompleteAsyncCall", kind="return")[0]
    assert complete.args["lastError"] == "WSANOTINITIALISED"


def test_completion_rules_rest_on_the_sample_and_the_deadline_is_inferred():
    """'Exactly once' is what Microsoft's sample does (sample); the 5 s deadline is labkit's (inferred)."""
    never = nspv2.simulate("never-completes").trace.faults[0]
    assert (never.name, never.ref, never.evidence) == (
        "NeverCompleted",
        "nspv2.complete-deadline",
        "inferred",
    )
    hung = [nspv2.Client(101, (Lookup(),))]
    late = nspv2.simulate(
        "never-completes", async_deadline_ms=None, clients=hung, horizon_ms=100
    ).trace.faults[0]
    assert (late.ref, late.evidence) == ("nspv2.complete-exactly-once", "sample")
    twice = nspv2.simulate("completes-twice").trace.faults[0]
    assert (twice.name, twice.ref, twice.evidence) == (
        "CompletedTwice",
        "nspv2.complete-exactly-once",
        "sample",
    )

    class WrongHandle(EmailDirectory):
        def NSPv2LookupServiceNextEx(self, hAsyncCall, hLookup, flags, length, results):
            self.host.WSAProviderCompleteAsyncCall(0xBAD, winapi.WSA_E_NO_MORE)
            super().NSPv2LookupServiceNextEx(hAsyncCall, hLookup, flags, length, results)

    unknown = nspv2.simulate("happy-path", provider=WrongHandle).trace.faults[0]
    assert (unknown.name, unknown.ref, unknown.evidence) == (
        "UnknownHandle",
        "nspv2.complete-known-handle",
        "sample",
    )


def test_every_event_a_policy_decides_is_inferred():
    """Notebook 02's promise: the Rundown and Cleanup an unadvertise sends, their returns, the abandoned
    completions and the WSASERVICE_NOT_FOUND the waiting clients then see are all inferred; a lookup begun
    after the provider is gone fails as documented (no provider left)."""
    run = nspv2.simulate("unadvertise-open-sessions")
    decided = [
        e
        for e in run.trace
        if e.name in ("NSPv2ClientSessionRundown", "NSPv2Cleanup")
        or (e.kind is Kind.COMPLETE and "abandoned" in e.args)
        or (e.args.get("lastError") == "WSASERVICE_NOT_FOUND" and e.name != "WSALookupServiceBegin")
    ]
    assert sorted({(e.kind.value, e.name) for e in decided}) == [
        ("call", "NSPv2Cleanup"),
        ("call", "NSPv2ClientSessionRundown"),
        ("complete", "NSPv2LookupServiceNextEx"),
        ("return", "NSPv2Cleanup"),
        ("return", "NSPv2ClientSessionRundown"),
        ("return", "WSALookupServiceNext"),
    ]
    assert {e.evidence for e in decided} == {Evidence.INFERRED}
    assert client_returns(run, "WSALookupServiceBegin")[-1] == (
        "WSASERVICE_NOT_FOUND",
        "nspv2.no-provider-service-not-found",
    )


def test_the_crash_policy_default_keeps_the_pairing_and_rundown_only_breaks_it():
    """nspv2.crash-ends-session (inferred, policy crash): by default Rundown then Cleanup; 'rundown' only
    is a choice that breaks nspv2.startup-cleanup-pairing, and the trace says so."""
    assert Policy().crash == "both"
    run = nspv2.simulate("crash-without-cleanup")
    assert [name for name, subject, _ in callbacks(run) if subject == "session:101"][
        -1
    ] == "NSPv2ClientSessionRundown"
    notes = run.trace.filter(name="NoMatchingCleanup")
    assert [(e.subject, e.args["policy"], e.evidence) for e in notes] == [
        ("session:101", "crash=rundown", "documented")
    ]


def test_a_lookup_can_restrict_next_separately_from_begin():
    """A client script may give WSALookupServiceNext its own flags; they are what the NextEx call carries."""
    script = (Lookup(flags=LupFlags.RETURN_NAME | LupFlags.RETURN_ADDR, next_flags=LupFlags.RETURN_ADDR),)
    run = nspv2.simulate("happy-path", clients=[nspv2.Client(101, script)])
    nextex = run.trace.filter(name="NSPv2LookupServiceNextEx", kind="call")
    assert {e.args["dwControlFlags"] for e in nextex} == {int(LupFlags.RETURN_ADDR)}
