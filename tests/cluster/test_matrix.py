"""flag_matrix: one row per combination of the seven flags, per OS profile."""

from labkit import cluster
from labkit.cluster.matrix import COLUMNS
from labkit.winapi import OfflineFlags as F


def test_one_row_per_combination_and_profile():
    """128 rows per OS profile, flags 0..127 in order, requested flags by name."""
    table = cluster.flag_matrix("move-busy-dll", os=["2012", "2012r2", "2016"])
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 384
    assert list(table["os"].unique()) == ["2012", "2012r2", "2016"]
    assert list(table["flags"]) == list(range(128)) * 3
    assert list(table["requested"][:3]) == ["0", "IGNORE_RESOURCE_STATUS", "RETURN_TO_SOURCE_NODE_ON_ERROR"]


def test_on_2012_no_row_has_0x20_or_0x40_effective():
    """Windows Server 2012 knows neither IGNORE_NETWORK_CONNECTIVITY nor DO_NOT_UPDATE_PERSISTENT_STATE."""
    for scenario in ("move-busy-dll", "network-loss", "offline-keep-persistent-state", "vm-live-migration"):
        table = cluster.flag_matrix(scenario, os="2012")
        effective = [F.parse(text) for text in table["effective"]]
        assert not [
            f for f in effective if f & (F.IGNORE_NETWORK_CONNECTIVITY | F.DO_NOT_UPDATE_PERSISTENT_STATE)
        ]
    on_2016 = cluster.flag_matrix("network-loss", os="2016")
    assert set(on_2016["effective"]) == {"IGNORE_NETWORK_CONNECTIVITY"}


def test_the_locked_offline_table():
    """Without 0x01 every row is 5960 and no OfflineV2 call; with it the resource goes offline."""
    table = cluster.flag_matrix("locked-offline", os="2012")
    for row in table.itertuples():
        ignore, unknown = row.flags & 0x01, row.flags & ~0x1F
        if unknown:
            expected = ("ERROR_INVALID_PARAMETER", "Online", "OpenV2, OnlineV2")
        elif not ignore:
            expected = ("ERROR_CLUSTER_RESOURCE_LOCKED_STATUS", "Online", "OpenV2, OnlineV2")
        else:
            expected = ("ERROR_SUCCESS", "Offline", "OpenV2, OnlineV2, OfflineV2")
        assert (row.result, row.state, row.callbacks) == expected, row
    assert set(table["node"]) == {"NODE1"}
    assert set(table["faults"]) == {""}


def test_queue_enabled_decides_the_busy_move():
    """move-busy-dll on 2016: QUEUE_ENABLED alone gets the group to NODE2 after four OfflineV2 calls."""
    table = cluster.flag_matrix("move-busy-dll").set_index("flags")
    assert tuple(table.loc[0, ["result", "node", "callbacks"]]) == (
        "ERROR_CLUSTER_GROUP_BUSY",
        "NODE1",
        "OpenV2, OnlineV2, OfflineV2",
    )
    assert tuple(table.loc[4, ["result", "node", "callbacks", "end_ms"]]) == (
        "ERROR_SUCCESS",
        "NODE2",
        "OpenV2×2, OnlineV2×2, OfflineV2×4, Close",
        7000.0,
    )


def test_flag_effects_names_the_flag_that_decides_a_scenario():
    """In move-busy-dll only QUEUE_ENABLED and IGNORE_RESOURCE_STATUS change the outcome (half the pairs)."""
    from labkit.cluster import flag_effects

    effects = flag_effects(cluster.flag_matrix("move-busy-dll", os="2016"))
    changed = effects[effects["pairs changed"] > 0]
    assert changed[["flag", "value", "pairs changed"]].values.tolist() == [
        ["IGNORE_RESOURCE_STATUS", "0x01", 32],
        ["QUEUE_ENABLED", "0x04", 32],
    ]
    assert set(changed["example (without → with)"]) == {
        "result ERROR_CLUSTER_GROUP_BUSY → ERROR_SUCCESS; node NODE1 → NODE2"
    }
    assert len(effects) == 7


def test_flags_no_client_api_can_send_are_marked_what_if():
    """MoveClusterGroupEx carries 0x01, 0x02 and 0x04 only: a row asking for 0x08, 0x10, 0x20 or 0x40 is a
    what-if (passed to OfflineV2 by policy unmapped_flags=pass); OfflineClusterResourceEx can ask for 0x40."""
    move = cluster.flag_matrix("move-busy-dll").set_index("flags")
    assert [move.loc[b, "what_if"] for b in (0, 7, 8, 0x48)] == [
        "",
        "",
        "RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR",
        "RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR|DO_NOT_UPDATE_PERSISTENT_STATE",
    ]
    assert sum(1 for text in move["what_if"] if text) == 128 - 8
    offline = cluster.flag_matrix("offline-keep-persistent-state").set_index("flags")
    assert [offline.loc[b, "what_if"] for b in (0x40, 0x41, 0x02)] == [
        "",
        "",
        "RETURN_TO_SOURCE_NODE_ON_ERROR",
    ]
