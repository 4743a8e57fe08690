"""Client flags map onto OfflineV2 flags (§6.4); every flag matters somewhere; OS profiles gate them."""

import pytest

from labkit import cluster
from labkit.cluster.client import client_flags, forwarded
from labkit.exceptions import UnknownNameError
from labkit.winapi import GroupMoveFlags, GroupOfflineFlags, ResourceOfflineFlags
from labkit.winapi import OfflineFlags as F


def visible(run):
    """What a user sees of a run's end: result, where everything is, calls, faults, end time."""
    out = run.outcome
    return (out["result"], out["resources"], out["groups"], out["calls"], out["faults"], out["end_ms"])


def offline_calls(run):
    return [F(e.args["OfflineFlags"]) for e in run.trace if e.kind == "call" and e.name == "OfflineV2"]


def test_client_flag_words_for_each_api():
    """Each API carries its own flags; DO_NOT_UPDATE_PERSISTENT_STATE is 0x4 to clients, 0x40 to DLLs."""
    everything = F(0x7F)
    assert client_flags("MoveClusterGroupEx", everything) == (
        GroupMoveFlags.IGNORE_RESOURCE_STATUS
        | GroupMoveFlags.RETURN_TO_SOURCE_NODE_ON_ERROR
        | GroupMoveFlags.QUEUE_ENABLED,
        F(0x78),
    )
    assert client_flags("OfflineClusterResourceEx", everything) == (
        ResourceOfflineFlags.IGNORE_RESOURCE_STATUS | ResourceOfflineFlags.DO_NOT_UPDATE_PERSISTENT_STATE,
        F(0x3E),
    )
    assert client_flags("OfflineClusterGroupEx", everything) == (
        GroupOfflineFlags.IGNORE_RESOURCE_STATUS,
        F(0x7E),
    )
    assert forwarded("OfflineClusterResourceEx", 0x4) == F.DO_NOT_UPDATE_PERSISTENT_STATE
    assert forwarded("OfflineClusterResourceEx", ResourceOfflineFlags.FORCE_WITH_TERMINATION) == F(0)


@pytest.mark.parametrize(
    ("flag", "scenario"),
    [
        (F.IGNORE_RESOURCE_STATUS, "locked-offline"),
        (F.RETURN_TO_SOURCE_NODE_ON_ERROR, "move-destination-fails"),
        (F.QUEUE_ENABLED, "move-busy-dll-no-queue"),
        (F.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR, "vm-live-migration"),
        (F.DUE_TO_EMBEDDED_FAILURE, "vm-live-migration"),
        (F.DO_NOT_UPDATE_PERSISTENT_STATE, "offline-persistent-state"),
    ],
)
def test_asking_for_a_flag_changes_the_outcome(flag, scenario):
    """Asking for the flag on top of the scenario's own flags changes how the run ends."""
    base = cluster.scenarios.get(scenario).flags
    assert not base & flag
    assert visible(cluster.simulate(scenario, flags=base | flag)) != visible(cluster.simulate(scenario))


def test_the_cluster_sets_0x20_on_network_loss_only_where_the_os_knows_it():
    """0x20 is cluster-set: with it (2012 R2) the VM turns off; without (2012) it fails and is terminated."""
    old, new = cluster.simulate("network-loss", os="2012"), cluster.simulate("network-loss", os="2012r2")
    assert offline_calls(old) == [F(0)]
    assert offline_calls(new) == [F.IGNORE_NETWORK_CONNECTIVITY]
    assert "FlagNotSet" in old.trace.names()
    assert old.outcome["calls"]["Terminate"] == 1 and "Terminate" not in new.outcome["calls"]
    assert visible(old) != visible(new)


def test_every_cluster_set_flag_appears_where_the_cluster_sets_it():
    """0x08 on the return trip, 0x10 after an embedded failure, 0x20 on network loss."""
    assert F.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR in offline_calls(
        cluster.simulate("move-return-to-source")
    )
    assert offline_calls(cluster.simulate("embedded-failure")) == [F.DUE_TO_EMBEDDED_FAILURE]
    assert offline_calls(cluster.simulate("network-loss")) == [F.IGNORE_NETWORK_CONNECTIVITY]


def test_a_flag_the_os_does_not_know_is_refused():
    """0x40 on 2012: ERROR_INVALID_PARAMETER before OfflineV2 is called, with an inferred note."""
    run = cluster.simulate("offline-keep-persistent-state", os="2012")
    assert run.trace.names()[-4:] == [
        "OfflineClusterResourceEx",
        "FlagsForwarded",
        "FlagNotSupported",
        "OfflineClusterResourceEx",
    ]
    assert run.outcome["result_name"] == "ERROR_INVALID_PARAMETER"
    assert [e.evidence for e in run.trace if e.name == "FlagNotSupported"] == ["inferred"]
    assert offline_calls(run) == []


def test_policy_drop_removes_the_unknown_flag_instead():
    """unknown_flags=drop: the offline goes ahead on 2012 without 0x40, so PersistentState is updated."""
    run = cluster.simulate("offline-keep-persistent-state", os="2012", policy={"unknown_flags": "drop"})
    assert offline_calls(run) == [F(0)]
    assert run.outcome["resources"]["Share"]["PersistentState"] is False


def test_flags_without_a_client_flag_pass_as_a_what_if_or_are_refused():
    """0x10 has no CLUSAPI flag: passed to OfflineV2 by default, refused with unmapped_flags=refuse."""
    passed = cluster.simulate("plain-offline", flags=F.DUE_TO_EMBEDDED_FAILURE)
    refused = cluster.simulate(
        "plain-offline", flags="DUE_TO_EMBEDDED_FAILURE", policy={"unmapped_flags": "refuse"}
    )
    assert offline_calls(passed) == [F.DUE_TO_EMBEDDED_FAILURE]
    assert "FlagPassed" in passed.trace.names()
    assert (offline_calls(refused), refused.outcome["result_name"]) == ([], "ERROR_INVALID_PARAMETER")


def test_flags_parse_from_names_and_numbers():
    """Names joined by ',' and the number 0x6 ask for the same flags."""
    by_name = cluster.simulate("move-busy-dll", flags="QUEUE_ENABLED,RETURN_TO_SOURCE_NODE_ON_ERROR")
    by_number = cluster.simulate("move-busy-dll", flags="0x6")
    assert by_name.trace.to_jsonl() == by_number.trace.to_jsonl()
    assert by_name.trace.header.params["flags"] == "RETURN_TO_SOURCE_NODE_ON_ERROR|QUEUE_ENABLED"
    with pytest.raises(
        UnknownNameError, match="valid: IGNORE_RESOURCE_STATUS, RETURN_TO_SOURCE_NODE_ON_ERROR"
    ):
        cluster.simulate("move-busy-dll", flags="QUEUE_ENABLE")


def test_error_return_rule_literal_terminates_after_success_too():
    """G3 read literally: ERROR_SUCCESS from OfflineV2 also leads to an event and Terminate."""
    run = cluster.simulate("plain-offline", policy={"error_return_rule": "literal"})
    names = run.trace.names()
    request = names.index("OfflineClusterGroupEx")
    assert names[request + 2 : request + 7] == [
        "OfflineV2",
        "EventLog",
        "Terminate",
        "Terminate",
        "ClusterResourceOffline",
    ]


def test_terminated_state_policy_leaves_a_failed_offline_failed():
    """terminated_state=failed: the offline ended by Terminate leaves the resource Failed (Q8)."""
    run = cluster.simulate("offline-error", policy={"terminated_state": "failed"})
    assert run.outcome["resources"]["Share"]["state"] == "ClusterResourceFailed"


def test_ignore_status_terminates_a_busy_dll_unless_told_to_respect_it():
    """IGNORE_RESOURCE_STATUS overrides "not now" by Terminate; busy_with_ignore_status=respect keeps it."""
    forced = cluster.simulate("move-busy-dll-no-queue", flags=F.IGNORE_RESOURCE_STATUS)
    respected = cluster.simulate(
        "move-busy-dll-no-queue",
        flags=F.IGNORE_RESOURCE_STATUS,
        policy={"busy_with_ignore_status": "respect"},
    )
    assert (forced.outcome["result_name"], forced.outcome["groups"]["VMGroup"]["node"]) == (
        "ERROR_SUCCESS",
        "NODE2",
    )
    assert "IgnoreResourceStatus" in forced.trace.names()
    assert respected.outcome["result_name"] == "ERROR_CLUSTER_GROUP_BUSY"


def test_queue_retry_interval_is_a_policy():
    """queue_retry_ms sets how long a queued move waits before asking the DLL again."""
    run = cluster.simulate("move-busy-dll", policy={"queue_retry_ms": 250})
    assert [e.t for e in run.trace if e.kind == "call" and e.name == "OfflineV2"] == [1000, 1750, 2500, 3250]


def test_unknown_policies_and_values_list_the_valid_ones():
    """A misspelt policy or value is an UnknownNameError naming the valid choices."""
    with pytest.raises(UnknownNameError, match="valid: unknown_flags, unmapped_flags"):
        cluster.simulate("plain-offline", policy={"unknown_flag": "drop"})
    with pytest.raises(UnknownNameError, match="valid: refuse, drop"):
        cluster.simulate("plain-offline", policy={"unknown_flags": "ignore"})


def test_signal_failure_on_2012_reads_the_failure_type_as_a_bool():
    """Windows Server 2012's SignalFailure takes BOOL IsEmbeddedFailure (G11): the run notes the reading."""
    run = cluster.simulate("embedded-failure", os="2012")
    (note,) = [e for e in run.trace if e.name == "SignalFailureAsBool"]
    assert note.args["IsEmbeddedFailure"] is True
    assert offline_calls(run) == [F.DUE_TO_EMBEDDED_FAILURE]
