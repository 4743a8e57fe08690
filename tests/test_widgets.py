"""The three explorers driven like a person would, by setting their controls; checked through `.last`."""

from pathlib import Path

from labkit import cluster
from labkit.cluster.client import OfflineResource
from labkit.views.flagguide import flag_info
from labkit.widgets import OfflineFlagExplorer, SessionExplorer, TraceReplayer, labelled
from labkit.winapi import OfflineFlags as F

EVIL = "<img src=x onerror=alert(1)>"


def test_offline_explorer_has_a_checkbox_per_flag_with_its_meaning_as_tooltip():
    """Seven checkboxes named by flag, in bit order, each with the flag's meaning and evidence on hover
    (boxes without description: ipywidgets drops a Checkbox tooltip when it has one)."""
    explorer = OfflineFlagExplorer("move-busy-dll")
    assert [name.value for name in explorer.names.values()] == [
        labelled(str(f.name), flag_info(f).tooltip) for f in F.single_flags()
    ]
    assert explorer.checkboxes[F.QUEUE_ENABLED].tooltip == flag_info(F.QUEUE_ENABLED).tooltip
    assert all(box.description == "" for box in explorer.checkboxes.values())
    assert labelled("A&B", 'say "<b>"') == (
        '<span class="mathjax_ignore tex2jax_ignore" title="say &quot;&lt;b&gt;&quot;" '
        'style="color: inherit">A&amp;B</span>'
    )
    assert explorer.renders == 1
    assert explorer.last.state.flags == F(0)
    assert explorer.last.text == "no flags: this is the run every flag choice is compared with"


def test_ticking_a_flag_redraws_once_and_says_what_changed():
    """One toggle, one rendering: the summary rows and the sentence follow the flag."""
    explorer = OfflineFlagExplorer("move-busy-dll")
    explorer.checkboxes[F.QUEUE_ENABLED].value = True
    assert explorer.renders == 2
    assert explorer.last.state.flags == F.QUEUE_ENABLED
    assert explorer.last.text.startswith("QUEUE_ENABLED: the move waited in the queue and succeeded")
    assert [r["completion"] for r in explorer.last.rows] == ["ERROR_CLUSTER_GROUP_BUSY"] * 3 + [
        "ERROR_SUCCESS"
    ]
    assert "CLUS_RESDLL_OFFLINE_QUEUE_ENABLED" in explorer.table.value
    explorer.set_flags("IGNORE_RESOURCE_STATUS|QUEUE_ENABLED")
    assert explorer.renders == 3 and explorer.last.state.flags == F(0x05)


def test_an_older_os_disables_and_unticks_the_flags_it_lacks():
    """Windows Server 2012 lacks 0x20 and 0x40: their boxes are unticked, disabled, and say why."""
    explorer = OfflineFlagExplorer("offline-keep-persistent-state", flags="DO_NOT_UPDATE_PERSISTENT_STATE")
    assert explorer.last.state.flags == F.DO_NOT_UPDATE_PERSISTENT_STATE
    explorer.os.value = "2012"
    assert explorer.renders == 2
    assert [(box.value, box.disabled) for box in explorer.checkboxes.values()] == [(False, False)] * 5 + [
        (False, True)
    ] * 2
    box = explorer.checkboxes[F.IGNORE_NETWORK_CONNECTIVITY]
    assert box.tooltip.startswith(
        "Not on Windows Server 2012: since Windows Server 2012 R2. CLUS_RESDLL_OFFLINE_"
    )
    assert explorer.last.state.flags == F(0) and explorer.last.state.os == "2012"
    explorer.set_flags(F.DO_NOT_UPDATE_PERSISTENT_STATE | F.QUEUE_ENABLED)
    assert explorer.last.state.flags == F.QUEUE_ENABLED
    explorer.os.value = "2016"
    assert not any(box.disabled for box in explorer.checkboxes.values())


def test_scenario_and_dll_selectors_rerun_the_choice():
    """Picking another scenario or DLL renders that run; the scenario's DLL is the default."""
    explorer = OfflineFlagExplorer("plain-offline", scenarios=["plain-offline", "pending-offline"])
    assert list(explorer.scenario.options) == ["plain-offline", "pending-offline"]
    explorer.scenario.value = "pending-offline"
    assert explorer.last.state.scenario == "pending-offline"
    assert explorer.last.rows[0]["checkpoints"] == "1, 2, 3, 4"
    explorer.dll.value = "Generic"
    assert explorer.last.title.startswith("pending-offline · Generic")
    assert explorer.last.rows[0]["result"] == "ERROR_SUCCESS"


def test_a_choice_that_cannot_run_shows_an_error_instead_of_raising():
    """A DLL the simulator does not know is reported in red in the sentence, and recorded as an error."""
    explorer = OfflineFlagExplorer("plain-offline", dlls={"Missing": "NoSuchDll"})
    explorer.dll.value = "Missing"
    assert explorer.last.error and "NoSuchDll" in explorer.last.text
    assert "#C62828" in explorer.sentence.value and explorer.last.rows == ()


def test_markup_in_a_resource_name_shows_as_text():
    """A resource named like an HTML tag is escaped in the table and the sentence, never interpreted."""
    evil = cluster.Scenario(
        "markup-resource",
        "a resource whose name is markup",
        "Generic",
        (OfflineResource(1000, EVIL),),
        groups=(cluster.GroupLayout("G", "NODE1", (EVIL,)),),
    )
    explorer = OfflineFlagExplorer(evil, scenarios=[])
    assert explorer.last.rows[0]["resource"] == EVIL
    explorer.checkboxes[F.IGNORE_RESOURCE_STATUS].value = True
    for value in (explorer.table.value, explorer.sentence.value):
        assert "<img" not in value
    assert "&lt;img src=x onerror=alert(1)&gt;" in explorer.table.value


def test_session_explorer_follows_crash_policy_provider_and_clients():
    """Each control renders once; a new scenario starts with its own number of clients."""
    explorer = SessionExplorer("crash-during-lookup")
    assert (
        explorer.last.text == "2 client sessions: 1 ended by Rundown + Cleanup, 1 by Cleanup · faults: none"
    )
    explorer.crash.value = "rundown"
    assert [r["ended"] for r in explorer.last.rows] == ["Rundown", "Cleanup"]
    explorer.crash.value = "both"
    assert [r["ended"] for r in explorer.last.rows] == ["both", "Cleanup"]
    explorer.clients.value = 3
    assert explorer.last.state.clients == 3 and len(explorer.last.rows) == 3
    explorer.provider.value = "leaky"  # its Rundown forgets nothing, but the Cleanup after it does
    assert (
        explorer.last.text == "3 client sessions: 2 ended by Rundown + Cleanup, 1 by Cleanup · faults: none"
    )
    explorer.crash.value = "rundown"  # each leaked session keeps its own state and its lookup's
    assert explorer.last.text == "3 client sessions: 2 leaked, 1 by Cleanup · faults: SessionStateLeaked×4"
    before = explorer.renders
    explorer.scenario.value = "happy-path"
    assert explorer.renders == before + 1 and explorer.clients.value == 1
    assert explorer.last.state.scenario == "happy-path"


def test_replayer_steps_through_a_recorded_trace():
    """The slider and the step buttons move the cursor; the state table and the event follow."""
    replayer = TraceReplayer("data/traces/cluster-move-busy-dll.jsonl")
    assert replayer.slider.max == 81 and replayer.last.state[1] == 0
    assert replayer.file.value.endswith("cluster-move-busy-dll.jsonl")
    replayer.slider.value = 36
    assert (
        replayer.last.text
        == "seq 36 · t = 3000 ms · state VM ClusterResourceOfflinePending → ClusterResourceOnline"
    )
    assert [(r["subject"], r["state"]) for r in replayer.last.rows] == [
        ("monitor:1", "RmonIdle"),
        ("VM", "ClusterResourceOnline"),
        ("group:VMGroup", "ClusterGroupPending"),
    ]
    replayer.step(-1)
    assert replayer.last.state[1] == 35 and replayer.last.text.startswith(
        "seq 35 · t = 3000 ms · complete OfflineV2"
    )
    replayer.back.click()
    replayer.forward.click()
    replayer.forward.click()
    assert replayer.last.state[1] == 36
    replayer.step(1000)
    assert replayer.last.state[1] == 81


def test_replayer_opens_files_from_its_list_or_a_path_and_reports_bad_ones(tmp_path):
    """The dropdown lists a folder's traces; a bad path or bad lines are reported, never raised."""
    source = Path("data/traces/nspv2-happy-path.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "good.jsonl").write_text("\n".join(source) + "\n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text("\n".join([*source, '{"seq": "x"}']) + "\n", encoding="utf-8")
    replayer = TraceReplayer(directory=tmp_path)
    assert [label for label, _ in replayer.file.options] == [
        "(choose a recorded trace)",
        "bad.jsonl",
        "good.jsonl",
    ]
    assert replayer.last.state == (str(tmp_path / "bad.jsonl"), 0)
    assert "1 bad line skipped" in replayer.notice.value
    replayer.file.value = str(tmp_path / "good.jsonl")
    assert replayer.notice.value == "" and replayer.last.state == (str(tmp_path / "good.jsonl"), 0)
    outside = tmp_path / "elsewhere" / "copy.jsonl"
    outside.parent.mkdir()
    outside.write_text("\n".join(source) + "\n", encoding="utf-8")
    replayer.load(outside)
    assert (replayer.file.value, replayer.path.value) == ("", str(outside))
    replayer.load(tmp_path / "good.jsonl")
    assert (replayer.file.value, replayer.path.value) == (str(tmp_path / "good.jsonl"), "")
    replayer.path.value = str(tmp_path / "missing.jsonl")
    replayer.open_button.click()
    assert "No such file" in replayer.notice.value and replayer.last.state[0].endswith("good.jsonl")


def test_replayer_of_a_trace_object_escapes_its_subjects():
    """A trace given as an object replays too; a subject written as markup shows as text."""
    from labkit.trace import Kind
    from tests.conftest import make_tracer

    tracer = make_tracer("cluster")
    tracer.record(
        Kind.STATE,
        "ClusterResourceOnline",
        actor="rhs",
        subject=EVIL,
        state=(None, "ClusterResourceOnline"),
        evidence="documented",
    )
    replayer = TraceReplayer(tracer.trace)
    assert replayer.last.rows[0]["subject"] == EVIL
    assert "<img" not in replayer.table.value and "&lt;img" in replayer.table.value


def test_health_explorer_renders_each_knob_once():
    """Each knob renders once; RestartAction 1 stops the failover; the scenario selector reruns."""
    from labkit.widgets import HealthExplorer

    explorer = HealthExplorer()
    assert (explorer.renders, explorer.last.state.restart_action) == (1, 2)
    assert explorer.last.text.endswith("SqlGroup ends ClusterGroupOnline on NODE2")
    explorer.action.value = 1
    assert explorer.renders == 2
    assert explorer.last.text.endswith("SqlGroup ends ClusterGroupFailed on NODE1")
    explorer.threshold.value = 1
    assert (explorer.renders, [r["restarts"] for r in explorer.last.rows]) == (3, [1])
    explorer.scenario.value = "looksalive-hang-separate-monitor"
    assert [r["resource"] for r in explorer.last.rows] == ["SqlDisk", "SqlServer", "Share"]
    assert explorer.last.state.properties()["RestartThreshold"] == 1
    assert "SqlServer" in explorer.table.value and not explorer.last.error
