"""Every control of every explorer, through every value it offers: each change renders exactly once, and
what the explorer shows (picture, sentence, table, and `last`) is what a fresh model makes of the
controls as they stand. An explorer never shows a picture that does not match its controls."""

import pytest

from labkit import cluster, winapi
from labkit.explore import (
    OfflineExplorerModel,
    PendingExplorerModel,
    ReplayModel,
    SessionExplorerModel,
    data_traces,
)
from labkit.widgets import (
    OfflineFlagExplorer,
    PendingTimeoutExplorer,
    SessionExplorer,
    TraceReplayer,
    table_html,
    text_html,
)
from labkit.winapi import OfflineFlags

pytestmark = pytest.mark.slow


def values_of(control):
    """What a control offers: its options' values, a checkbox's two states, a slider's every position."""
    if hasattr(control, "options"):
        return [option[1] if isinstance(option, tuple) else option for option in control.options]
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    return list(range(control.min, control.max + 1))


def shows(explorer, view):
    """The explorer shows ``view`` and nothing else: its record, its picture, its sentence, its table."""
    rendered = view.rendered()
    assert explorer.last == rendered
    assert explorer.picture.value == rendered.picture != ""
    assert explorer.sentence.value == text_html(rendered.text)
    assert explorer.table.value == table_html(view.table)


def drive(explorer, control, check):
    """Set ``control`` to each value it offers (other than the current one): one rendering each, checked."""
    for value in values_of(control):
        if value == control.value or getattr(control, "disabled", False):
            continue
        before = explorer.renders
        control.value = value
        assert explorer.renders == before + 1, (control.description, value)
        check()


def test_the_offline_explorer_matches_its_controls_for_every_value():
    explorer = OfflineFlagExplorer("move-busy-dll")
    fresh = OfflineExplorerModel()

    def check():
        assert explorer.last.state == explorer.choice.normalised()
        shows(explorer, fresh.view(explorer.choice))

    drive(explorer, explorer.scenario, check)
    drive(explorer, explorer.dll, check)
    explorer.dll.value = ""
    for os_name in [p.name for p in winapi.CLUSTER_PROFILES.values()]:
        explorer.os.value = os_name
        check()
        for box in explorer.checkboxes.values():
            drive(explorer, box, check)
    assert explorer.last.state.scenario == cluster.scenarios.names()[-1]


def test_ticking_a_flag_name_is_ticking_its_box():
    """The name is the checkbox's own description: there is no separate label that a click could miss."""
    explorer = OfflineFlagExplorer("move-busy-dll")
    for flag, box in explorer.checkboxes.items():
        assert str(flag.name) in box.description and box.indent is False
    assert [type(w).__name__ for w in explorer.children[1].children] == ["Checkbox"] * 7


def test_the_session_explorer_matches_its_controls_for_every_value():
    explorer = SessionExplorer("crash-during-lookup")
    fresh = SessionExplorerModel()

    def check():
        assert explorer.last.state == explorer.choice
        low, high = fresh.clients_range(explorer.scenario.value)
        assert (explorer.clients.min, explorer.clients.max) == (low, high)
        shows(explorer, fresh.view(explorer.choice))

    drive(explorer, explorer.crash, check)
    drive(explorer, explorer.provider, check)
    explorer.provider.value = ""
    drive(explorer, explorer.clients, check)
    drive(explorer, explorer.scenario, check)
    explorer.scenario.value = "many-clients"
    drive(explorer, explorer.clients, check)


def test_the_pending_explorer_matches_its_controls_for_every_value():
    explorer = PendingTimeoutExplorer()
    fresh = PendingExplorerModel()

    def check():
        assert explorer.last.state == explorer.choice
        shows(explorer, fresh.view(explorer.choice))

    for dll in ("Hung", "SlowFlush"):
        explorer.dll.value = dll
        drive(explorer, explorer.pending_timeout, check)
        drive(explorer, explorer.report, check)


def test_the_replayer_matches_its_controls_for_every_value():
    replayer = TraceReplayer("data/traces/cluster-move-busy-dll.jsonl")

    def check():
        model = ReplayModel.open(replayer.model.path)
        model.follow = replayer.follow.value
        model.set_lanes(replayer.lanes.value)
        frame = model.seek(replayer.slider.value)
        expected = model.rendered(frame)
        assert replayer.last == expected
        controls = (replayer.slider.value, replayer.follow.value, replayer.lanes.value.strip())
        assert replayer.last.state == (replayer.model.path, *controls)
        assert replayer.picture.value == expected.picture
        assert replayer.table.value == table_html(frame.table, more=frame.more)

    drive(replayer, replayer.slider, check)
    for lanes in ("resource", "group", "VM, group:*", ""):
        before = replayer.renders
        replayer.lanes.value = lanes
        assert replayer.renders == before + 1
        check()
    drive(replayer, replayer.follow, check)
    for path in [str(p) for p in data_traces()]:
        before = replayer.renders
        replayer.file.value = path
        assert replayer.renders == before + 1 and replayer.slider.max == len(replayer.model) - 1
        check()
        replayer.slider.value = replayer.slider.max // 2
        check()


def test_flags_the_os_lacks_cannot_be_ticked_and_every_box_shows_why():
    """On 2012 the two newer flags are unticked and disabled, their names greyed and saying since when."""
    explorer = OfflineFlagExplorer("move-busy-dll", flags="IGNORE_NETWORK_CONNECTIVITY|QUEUE_ENABLED")
    explorer.os.value = "2012"
    newer = {OfflineFlags.IGNORE_NETWORK_CONNECTIVITY, OfflineFlags.DO_NOT_UPDATE_PERSISTENT_STATE}
    for flag, box in explorer.checkboxes.items():
        assert box.disabled == (flag in newer)
        assert ("Not on Windows Server 2012" in box.description) == (flag in newer)
    assert explorer.last.state.flags == OfflineFlags.QUEUE_ENABLED


def test_the_health_explorer_matches_its_controls_for_every_value():
    """Every drop-down value; the sliders at every step of a stride across their range and both ends
    (IsAlive alone offers 596 values, each a simulation of hours of polls)."""
    from labkit.explore import HealthExplorerModel
    from labkit.widgets import HealthExplorer

    explorer = HealthExplorer()
    fresh = HealthExplorerModel()

    def check():
        assert explorer.last.state == explorer.choice.normalised()
        shows(explorer, fresh.view(explorer.choice))

    for control in (explorer.scenario, explorer.action, explorer.failovers, explorer.retry):
        drive(explorer, control, check)
    for slider in (explorer.looks, explorer.is_alive, explorer.deadlock, explorer.threshold, explorer.period):
        stride = max(1, (slider.max - slider.min) // 8)
        for value in sorted({*range(slider.min, slider.max + 1, stride), slider.max}):
            if value != slider.value:
                before = explorer.renders
                slider.value = value
                assert explorer.renders == before + 1, (slider.description, value)
                check()
