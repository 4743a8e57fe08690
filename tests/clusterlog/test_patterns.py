"""The pattern table: every row recognises its sheet example, builds the event of the model's vocabulary,
and writes the message back; a row is data (needle, regex, template, source)."""

import re

import pytest

from labkit import winapi
from labkit.clusterlog.patterns import CLUSTER_STATES, PATTERNS, recognise
from labkit.trace import Kind, StateChange

ROWS = {row.key: row for row in PATTERNS}

# key → (kind, name, actor, subject, args, result, result_name, state) of the example's event
EXPECTED = {
    "labkit-event": (
        Kind.CALL,
        "OfflineV2",
        "rhs",
        "Share",
        {"DestinationNodeName": "NODE2", "OfflineFlags": 1},
        None,
        None,
        None,
    ),
    "labkit-result": (Kind.RETURN, "OfflineV2", "dll", "Share", {}, 997, "ERROR_IO_PENDING", None),
    "labkit-state": (
        Kind.STATE,
        "Offline",
        "rcm",
        "group:FileServer",
        {"node": "NODE1"},
        None,
        None,
        StateChange("Online", "Offline"),
    ),
    "rcm-transition": (
        Kind.STATE,
        "OfflineCallIssued",
        "rcm",
        "ag",
        {"cluster_from": "ClusterResourceOnline"},
        None,
        None,
        StateChange("Online", "OfflineCallIssued"),
    ),
    "rcm-res-transition": (
        Kind.STATE,
        "OnlineCallIssued",
        "rcm",
        "File Share Witness",
        {"cluster_from": "ClusterResourceOffline", "reason": "StateUnknown"},
        None,
        None,
        StateChange("Offline", "OnlineCallIssued"),
    ),
    "rcm-move-group": (Kind.NOTE, "MoveGroup", "rcm", "group:ag", {"argument": 2}, None, None, None),
    "rcm-group-offline-first": (Kind.NOTE, "GroupOfflineFirst", "rcm", "group:ag", {}, None, None, None),
    "rcm-group-move": (
        Kind.NOTE,
        "GroupMove",
        "rcm",
        "group:ag",
        {
            "source_node": "SQL01",
            "source_id": 1,
            "target_node": "SQL02",
            "target_id": 2,
            "MoveType": "NodeDown",
            "outcome": "is about to succeed",
            "failoverCount": 0,
            "lastFailoverTime": None,
            "targeted": False,
        },
        None,
        None,
        None,
    ),
    "rhs-came-offline": (
        Kind.NOTE,
        "ResourceCameOffline",
        "rhs",
        "ag",
        {"cluster_state": "ClusterResourceOffline"},
        None,
        None,
        None,
    ),
    "rhs-came-online": (
        Kind.NOTE,
        "ResourceCameOnline",
        "rhs",
        "agMyDatabaseProd_MyListenerName",
        {"cluster_state": "ClusterResourceOnline"},
        None,
        None,
        None,
    ),
    "rhs-isalive-failure": (Kind.RETURN, "IsAlive", "dll", "myAgName", {}, 0, "FALSE", None),
    "rhs-deadlock-monitor": (
        Kind.FAULT,
        "DeadlockTimeout",
        "rhs",
        "File Share Witness",
        {"routine": "LooksAlive", "call": "LOOKSALIVE", "late_ms": 16},
        None,
        None,
        None,
    ),
    "rhs-set-resource-status-ex": (
        Kind.CALL,
        "SetResourceStatusEx",
        "dll",
        "IP Address 10.0.1.0",
        {
            "ResourceState": 129,
            "CheckPoint": 5,
            "StatusFlags": 0,
            "ApplicationSpecificErrorCode": 0,
            "old_state": "OnlinePending",
            "new_state": "OnlinePending",
            "nores": False,
        },
        None,
        None,
        None,
    ),
    "rcm-crashed-or-deadlocked": (
        Kind.FAULT,
        "CrashedOrDeadlocked",
        "rcm",
        "File Share Witness",
        {"routine": ""},
        None,
        None,
        None,
    ),
    "rcm-separate-monitor-changed": (
        Kind.NOTE,
        "SeparateMonitorChanged",
        "rcm",
        "File Share Witness",
        {"rhs_process": 0},
        None,
        None,
        None,
    ),
    "rcm-monitor-restart": (Kind.NOTE, "MonitorRestart", "rcm", "File Share Witness", {}, None, None, None),
    "rcm-reattach": (
        Kind.NOTE,
        "ReattachToMonitorProcess",
        "rcm",
        "File Share Witness",
        {"state": "Online", "cluster_state": "ClusterResourceOnline"},
        None,
        None,
        None,
    ),
    "rcm-operation-error": (Kind.RETURN, "Arbitrate", "dll", "File Share Witness", {}, 121, "121", None),
    "returned-error": None,  # the same example: the specific row above comes first
    "rcm-not-failing-over": (
        Kind.NOTE,
        "NotFailingOver",
        "rcm",
        "group:ag",
        {"failoverCount": 3, "failoverThresholdSetting": 1, "computedFailoverThreshold": 2},
        None,
        None,
        None,
    ),
}


def test_every_row_is_expected_here():
    """A new row needs its expected event in this file."""
    assert list(ROWS) == list(EXPECTED)


@pytest.mark.parametrize("key", [k for k, v in EXPECTED.items() if v is not None])
def test_each_example_becomes_its_event(key):
    """The sheet's example of a row is recognised by that row and gives the event in the model's words."""
    row = ROWS[key]
    found = recognise(row.example, row.components[0] if row.components else None)
    assert found is not None and found[0] is row
    event = found[1]
    kind, name, actor, subject, args, result, result_name, state = EXPECTED[key]
    assert (event.kind, event.name, event.actor, event.subject) == (kind, name, actor, subject)
    shown = {k: v for k, v in event.args.items() if k != "rule"}
    assert shown == args
    assert (event.result, event.result_name, event.state) == (result, result_name, state)


@pytest.mark.parametrize("row", PATTERNS, ids=lambda r: r.key)
def test_each_row_writes_its_example_back(row):
    """``template`` filled with the example's groups is the example: the seam for rendering."""
    match = row.regex.search(row.example)
    assert match is not None
    assert row.render(**match.groupdict()) == row.example


@pytest.mark.parametrize("row", PATTERNS, ids=lambda r: r.key)
def test_each_row_is_data_with_its_source(row):
    """The needle is in the example (the pre-filter cannot miss it); the source names a sheet section and
    the evidence tag of the public sample, or says that the shape is labkit's own rendering."""
    assert row.needle in row.example
    assert re.search(r"cluster-offline §\d", row.source)
    if row.rendering:
        assert "[I: labkit]" in row.source and "[O:" not in row.source
    else:
        assert "[O:" in row.source


def test_rendered_rows_come_first_so_text_in_their_arguments_is_never_read_as_a_shape():
    """A line of labkit's rendering whose arguments quote another shape is still that one event."""
    text = 'labkit: rhs faults Odd for "R" {"rule":"Arbitrating resource \'R\' returned error 121"}'
    row, found = recognise(text, "RHS")
    assert (row.key, found.kind, found.name, found.subject) == ("labkit-event", Kind.FAULT, "Odd", "R")
    assert found.args == {"rule": "Arbitrating resource 'R' returned error 121"}
    keys = [r.key for r in PATTERNS]
    assert keys[:3] == ["labkit-event", "labkit-result", "labkit-state"]


def test_a_rendered_result_names_the_line_of_its_call_and_subjects_are_json_strings():
    row, found = recognise(
        'labkit: rhs completes OfflineV2 for "Disk \\"A\\"" = null (null), call on line 42 {"x":[1]}', "RHS"
    )
    assert (row.key, found.kind, found.subject, found.result, found.result_name, found.call_line) == (
        "labkit-result",
        Kind.COMPLETE,
        'Disk "A"',
        None,
        None,
        42,
    )
    assert found.args == {"x": [1]}


def test_the_generic_error_row_covers_other_components():
    """``returned error N`` under any tag: a note with the code and its SDK name."""
    event = recognise("FmpOnlineResource: resource 'Disk Q:' returned error 5019", "FM")[1]
    assert (event.kind, event.name, event.subject, event.result, event.result_name) == (
        Kind.NOTE,
        "ReturnedError",
        "Disk Q:",
        5019,
        "ERROR_RESOURCE_ONLINE",
    )


def test_an_unknown_verb_of_rcm_is_a_note_not_a_guessed_entry_point():
    """Only verbs with a known entry point become returns."""
    event = recognise("Releasing resource 'Disk' returned error 5910", "RCM")[1]
    assert (event.kind, event.name, event.args, event.result_name) == (
        Kind.NOTE,
        "ReturnedError",
        {"operation": "Releasing"},
        "ERROR_RESOURCE_CALL_TIMED_OUT",
    )


def test_a_row_bound_to_a_tag_ignores_lines_of_another_tag():
    """A DLL quoting RCM's words in a [RES] line is not an RCM transition; without a tag it may be."""
    text = "TransitionToState(ag) Online-->OfflineCallIssued."
    assert recognise(text, "RES") is None
    assert recognise(text, None) is not None
    assert recognise(text, "RCM") is not None


def test_text_without_any_needle_is_not_recognised():
    """The pre-filter answers for nearly every line."""
    assert recognise("Node 1: Executing locally gumId: 357, updates: 1", "GUM") is None
    assert recognise("", None) is None


def test_state_words_map_only_where_clusapi_has_the_same_word():
    """RCM's own sub-states get no CLUSTER_RESOURCE_STATE; the shared words map to the members."""
    assert CLUSTER_STATES["OfflinePending"] == "ClusterResourceOfflinePending"
    assert CLUSTER_STATES["StateUnknown"] == "ClusterResourceStateUnknown"
    assert "OfflineCallIssued" not in CLUSTER_STATES and "ProcessingFailure" not in CLUSTER_STATES
    assert set(CLUSTER_STATES.values()) == set(winapi.CLUSTER_RESOURCE_STATE.__members__)
    event = recognise("TransitionToState(ag) OfflineCallIssued-->OfflinePending.", "RCM")[1]
    assert event.args == {"cluster_to": "ClusterResourceOfflinePending"}


def test_status_flags_outside_the_sdk_mask_are_kept_apart():
    """Flags with bits no CLUSRESDLL_STATUS_* names: the named bits in StatusFlags, the rest beside."""
    text = (
        "Resource R called SetResourceStatusEx: checkpoint 6. Old state OnlinePending, new state Failed, "
        "AppSpErrorCode 10048, Flags 0x40001001"
    )
    event = recognise(text, "RHS")[1]
    assert event.args["StatusFlags"] == 0x40000001 and event.args["unknown_flag_bits"] == 0x1000
    assert event.args["ResourceState"] == winapi.ClusterResourceFailed
    assert "nores" not in event.args


def test_a_group_move_with_a_time_keeps_it_and_a_resource_name_with_spaces_stays_whole():
    text = (
        "move of group SQL Group 1 from N1(1) to N2(2) of type MoveType::Failover is about to succeed, "
        "failoverCount=2, lastFailoverTime=2024/03/14-09:00:00.000 targeted=false"
    )
    event = recognise(text, "RCM")[1]
    assert event.subject == "group:SQL Group 1"
    assert (event.args["failoverCount"], event.args["lastFailoverTime"]) == (2, "2024/03/14-09:00:00.000")


def test_names_with_parentheses_and_quotes_stay_whole():
    event = recognise("TransitionToState(SQL Server (MSSQLSERVER)) Online-->OfflineCallIssued.", "RCM")[1]
    assert (event.subject, event.state) == (
        "SQL Server (MSSQLSERVER)",
        StateChange("Online", "OfflineCallIssued"),
    )
    event = recognise("Res SQL Network Name (SQLVS1): Offline -> OnlineCallIssued( StateUnknown )", "RCM")[1]
    assert event.subject == "SQL Network Name (SQLVS1)"
    event = recognise(
        "RhsCall::DeadlockMonitor: Call ISALIVE timed out by 5 milliseconds for resource 'it's'.", "RHS"
    )
    assert event[1].subject == "it's"
