"""The errata catalogue: complete, and every demonstration it promises holds in labkit's model."""

import dataclasses

import pytest

from labkit import cluster, nspv2, winapi
from labkit.lab.errata import ERRATA, errata, errata_frame
from labkit.trace import Kind

REGISTRIES = {"nspv2": nspv2.scenarios, "cluster": cluster.scenarios}


def test_every_discrepancy_of_both_sheets_is_listed_once():
    """D1-D23 (nspv2 §5) and G1-G18 (cluster-offline §7), no more, no fewer."""
    assert [e.id for e in errata("nspv2")] == [f"D{i}" for i in range(1, 24)]
    assert [e.id for e in errata("cluster")] == [f"G{i}" for i in range(1, 19)]
    assert len(errata_frame()) == len(ERRATA) == 41


@pytest.mark.parametrize("erratum", [e for e in ERRATA if e.scenario], ids=lambda e: e.id)
def test_named_scenarios_exist(erratum):
    assert erratum.scenario in REGISTRIES[erratum.domain]


def test_value_demonstrations():
    """D2, D11, D12, D13, D14, G1, G6, G7, G11, G12, G14 as the catalogue states them."""
    assert winapi.SOCKET_ERROR == -1
    assert "lpServiceClassId" not in {f.name for f in dataclasses.fields(nspv2.WSAQUERYSET2)}
    assert "lpServiceClassId" in {f.name for f in dataclasses.fields(nspv2.WSAQUERYSET)}
    assert winapi.LupFlags.SECURE is winapi.LupFlags.RES_SERVICE
    assert winapi.error_name(10110) == "WSA_E_NO_MORE"
    assert (str(winapi.LupFlags(0x1000)), str(winapi.LupFlags(0x2000))) == ("FLUSHCACHE", "FLUSHPREVIOUS")
    assert winapi.ERROR_IO_PENDING == 997
    assert winapi.OnlineFlags.IGNORE_RESOURCE_STATUS != winapi.OfflineFlags.IGNORE_RESOURCE_STATUS
    assert winapi.OfflineReason.UNKNOWN == winapi.ResourceOfflineFlags.IGNORE_RESOURCE_STATUS
    assert winapi.OfflineReason.MOVING == winapi.ResourceOfflineFlags.FORCE_WITH_TERMINATION
    assert not winapi.cluster_profile("2012").signal_failure_has_type
    assert winapi.CLUSTER_RESOURCE_STATE(-1).name == "ClusterResourceStateUnknown"
    assert winapi.ClusterResourceCannotComeOnlineOnThisNode == 127


def test_d1_nextex_is_void_and_completes_separately():
    """NextEx's return has no result; its outcome is the complete event of the same span."""
    trace = nspv2.simulate("happy-path").trace
    returns = trace.filter(name="NSPv2LookupServiceNextEx", kind="return")
    completes = trace.filter(name="NSPv2LookupServiceNextEx", kind="complete")
    assert [e.result for e in returns] == [None, None]
    assert [e.result_name for e in completes] == ["NO_ERROR", "WSA_E_NO_MORE"]
    assert [e.span for e in returns] == [e.span for e in completes]


def test_d3_every_nextex_gets_a_fresh_hasynccall():
    trace = nspv2.simulate("two-clients").trace
    handles = [e.args["hAsyncCall"] for e in trace.filter(name="NSPv2LookupServiceNextEx", kind=Kind.CALL)]
    assert len(handles) == len(set(handles)) > 2


def test_d6_end_cancels_a_running_nextex():
    trace = nspv2.simulate("end-cancels-next").trace
    assert "WSA_E_CANCELLED" in [e.result_name for e in trace.filter(kind="complete")]


def test_d9_stubs_answer_wsaeopnotsupp():
    trace = nspv2.simulate("no-optional-routines").trace
    stubbed = {e.name for e in trace if e.args.get("stub")}
    assert "NSPv2Startup" in stubbed
    assert winapi.WSAEOPNOTSUPP in {e.args.get("lastError") for e in trace if e.args.get("stub")} | {
        e.result for e in trace.filter(kind="complete")
    }


def test_d16_crash_policy_decides_rundown_or_cleanup():
    def ends(policy):
        run = nspv2.simulate("crash-during-lookup", policy={"crash": policy})
        crashed = run.trace.filter(subject="session:101")  # client 101 crashes; client 102 exits in order
        return crashed.filter(name=["NSPv2ClientSessionRundown", "NSPv2Cleanup"], kind=Kind.CALL).names()

    assert ends("rundown") == ["NSPv2ClientSessionRundown"]
    assert ends("cleanup") == ["NSPv2Cleanup"]
    assert ends("both") == ["NSPv2ClientSessionRundown", "NSPv2Cleanup"]


def test_g3_error_return_is_logged_and_terminated():
    trace = cluster.simulate("offline-error").trace
    offline = trace.filter(name="OfflineV2", kind="return")[0]
    assert offline.result not in (winapi.ERROR_SUCCESS, winapi.ERROR_IO_PENDING)
    after = trace.filter(where=lambda e: e.seq > offline.seq and e.kind is Kind.CALL).names()
    assert "Terminate" in after


def test_g8_pending_timeout_bounds_the_gap_not_the_total():
    """Reports every 1000 ms keep a 1500 ms PendingTimeout from firing although the offline takes longer."""
    run = cluster.simulate("pending-offline", properties={"PendingTimeout": 1500})
    reports = run.trace.filter(name="SetResourceStatusEx", kind=Kind.CALL)
    assert reports[-1].t - run.trace.filter(name="OfflineV2", kind=Kind.CALL)[0].t > 1500
    assert "Terminate" not in run.trace.names()
    assert run.outcome["resources"]["Disk"]["state"] == "ClusterResourceOffline"


def test_errata_name_rules_of_the_catalogue():
    """Every rule an erratum bears on is in the catalogue of its domain."""
    from labkit.views.rules import catalogues

    named = {(e.domain, rule) for e in ERRATA for rule in e.rules}
    assert len(named) >= 25
    assert sorted(rule for domain, rule in named if rule not in catalogues()[domain]) == []
    assert errata_frame("nspv2").loc["D16", "rules"].split(", ")[:2] == [
        "nspv2.crash-ends-session",
        "nspv2.startup-cleanup-pairing",
    ]


@pytest.mark.parametrize("erratum_id", ["D2", "D9", "D11", "D16"])
def test_inferences_in_the_errata_are_said_to_be_inferences(erratum_id):
    """D2, D9, D11 and D16 rest partly on inferences: their text says whose ('the sheet infers', 'labkit
    assumes') instead of stating them as fact."""
    truth = next(e.truth for e in ERRATA if e.id == erratum_id)
    assert "infers" in truth or "labkit assumes" in truth


def test_g15_g16_g18_hold_in_the_model():
    """G15: RestartPeriod is the table's 900000; G16: the smaller timeout governs; G18: LooksAlive every
    5000 ms, the type's value, for a resource whose own is 0xFFFFFFFF."""
    assert cluster.simulate("plain-offline").trace.header.params["properties"]["RestartPeriod"] == 900_000
    capped = cluster.simulate("pending-timeout-capped-by-deadlock")
    assert [f.t for f in capped.faults] == [3000 + 300_000]
    polls = cluster.simulate("isalive-failure-restart", horizon_ms=16_000)
    assert polls.trace.header.params["properties"]["LooksAlivePollInterval"] == 0xFFFFFFFF
    assert [e.t for e in polls.trace.filter(name="LooksAlive", kind=Kind.CALL)] == [5000.0, 10000.0, 15000.0]
