"""The offline flag guide and the G6 bits table, checked whole against the reference sheet's §6."""

import pandas as pd

from labkit.trace import Evidence
from labkit.views.flagguide import flag_bits_table, flag_guide, flag_info
from labkit.winapi import OfflineFlags as F


def records(frame):
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_flag_guide_has_one_row_per_flag_with_values_os_and_who_sets_it():
    """Seven rows in bit order, minimum OS from the profiles; the cluster sets 0x08, 0x10, 0x20 (§6.4)."""
    guide = flag_guide()
    assert list(guide.columns) == [
        "value",
        "name",
        "meaning",
        "effect",
        "min_os",
        "set_by",
        "client_flags",
        "evidence",
        "rules",
    ]
    ws = "Windows Server "
    assert records(guide[["value", "name", "min_os", "set_by"]]) == [
        ("0x01", "CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS", ws + "2012", "caller"),
        ("0x02", "CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR", ws + "2012", "caller"),
        ("0x04", "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED", ws + "2012", "caller"),
        ("0x08", "CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR", ws + "2012", "cluster"),
        ("0x10", "CLUS_RESDLL_OFFLINE_DUE_TO_EMBEDDED_FAILURE", ws + "2012", "cluster"),
        ("0x20", "CLUS_RESDLL_OFFLINE_IGNORE_NETWORK_CONNECTIVITY", ws + "2012 R2", "cluster"),
        ("0x40", "CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE", ws + "2016", "caller"),
    ]
    assert guide["meaning"].str.len().min() > 20 and guide["effect"].str.len().min() > 40


def test_flag_info_names_the_client_twins_with_their_own_bits():
    """DO_NOT_UPDATE_PERSISTENT_STATE is 0x40 at the DLL but 0x4 at the client API (G6)."""
    info = flag_info(F.DO_NOT_UPDATE_PERSISTENT_STATE)
    assert info.client_flags == ("CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE (0x4)",)
    assert info.profiles == ("2016",)
    assert flag_info(F.IGNORE_RESOURCE_STATUS).client_flags == (
        "CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS (0x1)",
        "CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS (0x1)",
        "CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS (0x1)",
    )
    assert flag_info(F.DUE_TO_EMBEDDED_FAILURE).client_flags == ()


def test_flag_effects_say_what_the_sheet_tags_them():
    """§6.2: only IGNORE_RESOURCE_STATUS's effect is documented through and through; every other effect
    rests on at least one of the sheet's inferences (0x08 on the return trip, OFFLINE_BUSY as 'not now',
    PersistentState), and names the rules it rests on."""
    guide = flag_guide()
    effect = guide["evidence"].str.extract(r"effect (\w+)")[0]
    assert list(effect) == ["documented"] + ["inferred"] * 6
    assert list(guide["rules"])[:3] == [
        "cluster.locked-mode-refuses-request",
        "cluster.return-to-source-on-error, cluster.returning-flag-on-return-trip",
        "cluster.queue-enabled-waits, cluster.not-now-queues-move",
    ]


def test_tooltip_says_value_meaning_setter_os_and_evidence():
    """The checkbox tooltip is one paragraph a person can act on, with the evidence of each part."""
    info = flag_info(F.IGNORE_NETWORK_CONNECTIVITY)
    assert info.effect_evidence is Evidence.INFERRED
    assert info.tooltip == (
        "CLUS_RESDLL_OFFLINE_IGNORE_NETWORK_CONNECTIVITY = 0x20: Carry out the offline even though the "
        "network is unreachable. The cluster sets it when it moves a resource because its node lost the "
        "network; the DLL must not fail the offline only because the network is gone. Set by the cluster. "
        "Since Windows Server 2012 R2. Evidence: meaning documented · value header · effect inferred · "
        "who sets it inferred (cluster-offline §6.1, §6.2, §6.4)."
    )


def test_flag_bits_table_shows_same_names_with_different_bits():
    """G6: IGNORE_RESOURCE_STATUS is 0x01 offline but 0x02 online; QUEUE_ENABLED is 0x04 in both words."""
    table = flag_bits_table()
    assert list(table.columns) == [
        "name",
        "OfflineV2",
        "OnlineV2",
        "MoveClusterGroupEx",
        "OfflineClusterResourceEx",
        "OfflineClusterGroupEx",
        "OnlineClusterResourceEx",
        "same_bit",
    ]
    assert records(table) == [
        ("IGNORE_RESOURCE_STATUS", "0x01", "0x02", "0x01", "0x01", "0x01", "0x01", False),
        ("RETURN_TO_SOURCE_NODE_ON_ERROR", "0x02", "0x04", "0x02", "", "", "", False),
        ("QUEUE_ENABLED", "0x04", "", "0x04", "", "", "", True),
        ("IGNORE_NETWORK_CONNECTIVITY", "0x20", "0x10", "", "", "", "", False),
        ("DO_NOT_UPDATE_PERSISTENT_STATE", "0x40", "", "", "0x04", "", "0x02", False),
    ]
