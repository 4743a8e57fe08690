"""labkit.winapi: SDK names carry exactly the header values, flags print by name, profiles gate flags."""

import enum

import pytest

from labkit import winapi
from labkit.exceptions import UnknownNameError
from labkit.winapi import LupFlags, OfflineFlags, OnlineFlags, ResourceStatusFlags
from tests.sdk_values import ALL


def public_int_constants():
    return {
        name: value
        for name, value in vars(winapi).items()
        if not name.startswith("_") and isinstance(value, int) and not isinstance(value, enum.Enum | bool)
    }


def test_every_sdk_constant_has_the_header_value():
    """Every public integer constant of winapi is in the sheet-derived table, with the same value."""
    constants = public_int_constants()
    unknown = sorted(set(constants) - set(ALL))
    assert unknown == []
    wrong = {n: (constants[n], ALL[n]) for n in constants if constants[n] != ALL[n]}
    assert wrong == {}


def test_every_sheet_value_is_exported():
    """Every value transcribed from the sheets is available under its SDK name."""
    assert sorted(set(ALL) - set(public_int_constants())) == []


def test_spot_values_from_the_issue():
    """The values the issue names, and SOCKET_ERROR is -1 although the docs say 1."""
    assert winapi.ERROR_IO_PENDING == 997
    assert winapi.CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE == 0x40
    assert winapi.SOCKET_ERROR == -1
    assert winapi.CLUSTER_RESOURCE_STATE.ClusterResourceOnline == 2
    assert winapi.LUP_FLUSHCACHE == 0x1000 and winapi.LUP_FLUSHPREVIOUS == 0x2000


def test_offline_flags_print_by_name_in_bit_order():
    """str() of a flag word lists member names, never a bare number."""
    assert str(OfflineFlags(6)) == "RETURN_TO_SOURCE_NODE_ON_ERROR|QUEUE_ENABLED"
    assert f"{OfflineFlags.QUEUE_ENABLED}" == "QUEUE_ENABLED"
    assert str(OfflineFlags(0)) == "0"
    assert OfflineFlags(0x41).sdk_names() == [
        "CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS",
        "CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE",
    ]


def test_unnamed_bits_show_as_hex():
    """Bits outside the mask are not hidden."""
    assert str(OfflineFlags(0x84)) == "QUEUE_ENABLED|0x80"


def test_online_and_offline_flags_differ_in_bits():
    """Same names, different bits (G6)."""
    assert OfflineFlags.IGNORE_RESOURCE_STATUS == 0x1 and OnlineFlags.IGNORE_RESOURCE_STATUS == 0x2
    assert (
        OfflineFlags.IGNORE_NETWORK_CONNECTIVITY == 0x20 and OnlineFlags.IGNORE_NETWORK_CONNECTIVITY == 0x10
    )
    assert OfflineFlags is not OnlineFlags


def test_seven_offline_flags_and_their_mask():
    assert [f.name for f in OfflineFlags.single_flags()] == [
        "IGNORE_RESOURCE_STATUS",
        "RETURN_TO_SOURCE_NODE_ON_ERROR",
        "QUEUE_ENABLED",
        "RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR",
        "DUE_TO_EMBEDDED_FAILURE",
        "IGNORE_NETWORK_CONNECTIVITY",
        "DO_NOT_UPDATE_PERSISTENT_STATE",
    ]
    assert OfflineFlags.mask() == 0x7F


def test_lup_alias_keeps_one_name_per_bit():
    """LUP_SECURE shares 0x8000 with LUP_RES_SERVICE; the composite RETURN_ALL is not a single flag."""
    assert LupFlags.SECURE is LupFlags.RES_SERVICE
    assert str(LupFlags(0x8000 | 0x10)) == "RETURN_NAME|RES_SERVICE"


@pytest.mark.parametrize(
    "text",
    [
        "QUEUE_ENABLED,RETURN_TO_SOURCE_NODE_ON_ERROR",
        "QUEUE_ENABLED|RETURN_TO_SOURCE_NODE_ON_ERROR",
        "0x6",
        "6",
        "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED, clus_resdll_offline_return_to_source_node_on_error",
    ],
)
def test_parse_offline_flags(text):
    assert OfflineFlags.parse(text) == 6


def test_parse_unknown_flag_lists_valid_names():
    with pytest.raises(UnknownNameError) as err:
        OfflineFlags.parse("QUEUE_ENABLE")
    assert "unknown OfflineFlags flag 'QUEUE_ENABLE'" in str(err.value)
    assert "QUEUE_ENABLED" in str(err.value) and "DO_NOT_UPDATE_PERSISTENT_STATE" in str(err.value)


def test_parse_refuses_bits_outside_the_mask():
    with pytest.raises(UnknownNameError):
        OfflineFlags.parse("0x80")


def test_error_names():
    assert winapi.error_name(10108) == "WSASERVICE_NOT_FOUND"
    assert winapi.error_name(997, "nspv2") == "WSA_IO_PENDING"
    assert winapi.error_name(997, "cluster") == "ERROR_IO_PENDING"
    assert winapi.error_name(0, "nspv2") == "NO_ERROR"
    assert winapi.error_name(0, "cluster") == "ERROR_SUCCESS"
    assert winapi.error_name(-1) == "SOCKET_ERROR"
    assert winapi.error_name(5960) == "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS"
    assert winapi.error_name(123456) == "123456"
    assert winapi.error_name(None) == ""


def test_status_and_state_names():
    assert winapi.status_name(1) == "CLUSRESDLL_STATUS_OFFLINE_BUSY"
    assert winapi.status_name(0x3) == (
        "CLUSRESDLL_STATUS_OFFLINE_BUSY|CLUSRESDLL_STATUS_OFFLINE_SOURCE_THROTTLED"
    )
    assert winapi.status_name(0) == "0"
    assert winapi.state_name(130) == "ClusterResourceOfflinePending"
    assert winapi.state_name(127) == "ClusterResourceCannotComeOnlineOnThisNode"
    assert winapi.state_name(77) == "77"
    assert str(ResourceStatusFlags(0x100)) == "NETWORK_NOT_AVAILABLE"


def test_cluster_profiles_gate_flags():
    """0x20 from 2012 R2, 0x40 from 2016 (OfflineV2 page)."""
    assert winapi.cluster_profile("2012").offline_flags == 0x1F
    assert winapi.cluster_profile("2012r2").offline_flags == 0x3F
    assert winapi.cluster_profile("2016").offline_flags == 0x7F
    assert winapi.cluster_profile("2012 R2").name == "2012r2"
    assert not winapi.cluster_profile("2012").signal_failure_has_type


def test_nsp_profiles():
    assert winapi.nsp_profile("vista").email_only
    assert not winapi.nsp_profile("win7").email_only


def test_unknown_profile_lists_valid_ones():
    with pytest.raises(UnknownNameError, match="valid: 2012, 2012r2, 2016"):
        winapi.cluster_profile("2008")
    with pytest.raises(UnknownNameError, match="valid: vista, win7"):
        winapi.nsp_profile("xp")
