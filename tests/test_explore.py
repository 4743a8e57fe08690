"""The explorers' models, without Jupyter: choices in, figure + table + sentence out."""

import io
from pathlib import Path

import pytest
from matplotlib.image import imread

from labkit import nspv2
from labkit.exceptions import UnknownNameError
from labkit.explore import (
    OfflineChoice,
    OfflineExplorerModel,
    ReplayModel,
    SessionChoice,
    SessionExplorerModel,
    clients_for,
    data_traces,
    figure_png,
)
from labkit.winapi import OfflineFlags as F

QUEUE_TEXT = (
    "QUEUE_ENABLED: the move waited in the queue and succeeded instead of failing "
    "(ERROR_CLUSTER_GROUP_BUSY); VM ended on NODE2 instead of NODE1; OfflineV2 ran 4 times instead of "
    "once; and 4 more"
)


def test_offline_choice_drops_the_flags_the_os_lacks():
    """Windows Server 2012 knows 0x01…0x10: asking for 0x20 and 0x40 there keeps only the rest."""
    choice = OfflineChoice("move-busy-dll", os="2012", flags=F(0x64))
    assert choice.available == F(0x1F)
    assert choice.normalised() == OfflineChoice("move-busy-dll", os="2012", flags=F.QUEUE_ENABLED)
    assert choice.toggled(F.QUEUE_ENABLED, False).flags == F(0x60)
    assert choice.toggled(F.IGNORE_RESOURCE_STATUS, True).flags == F(0x65)


def test_offline_view_of_no_flags_then_one_flag():
    """No flags is the baseline; QUEUE_ENABLED is compared with it in one sentence; table and title follow."""
    model = OfflineExplorerModel()
    plain = model.view(OfflineChoice("move-busy-dll"))
    assert plain.text == "no flags: this is the run every flag choice is compared with"
    assert [r["completion"] for r in plain.rendered().rows] == ["ERROR_CLUSTER_GROUP_BUSY"]
    queued = model.view(OfflineChoice("move-busy-dll", flags=F.QUEUE_ENABLED))
    rendered = queued.rendered()
    assert rendered.text == QUEUE_TEXT
    assert rendered.title == "move-busy-dll · its DLL · Windows Server 2016 · flags QUEUE_ENABLED"
    assert [r["completion"] for r in rendered.rows] == ["ERROR_CLUSTER_GROUP_BUSY"] * 3 + ["ERROR_SUCCESS"]
    assert model.baseline(queued.choice) is model.baseline(queued.choice)  # one no-flag run, kept


def test_offline_view_is_deterministic_down_to_the_picture():
    """The same choice twice gives the same rows, sentence and PNG bytes."""
    model = OfflineExplorerModel()
    choice = OfflineChoice("pending-timeout", os="2012r2", flags=F.IGNORE_RESOURCE_STATUS)
    one, two = model.view(choice), model.view(choice)
    assert one.rendered() == two.rendered()
    assert figure_png(one.figure) == figure_png(two.figure)


def test_offline_model_names_what_does_not_exist():
    """Unknown scenarios and DLLs raise UnknownNameError listing the valid ones."""
    model = OfflineExplorerModel(["plain-offline"], dlls={"Generic": "Generic"})
    with pytest.raises(UnknownNameError, match="valid: plain-offline"):
        model.view(OfflineChoice("move-busy-dll"))
    with pytest.raises(UnknownNameError, match="valid: Generic"):
        model.view(OfflineChoice("plain-offline", dll="Busy"))
    assert (
        model.view(OfflineChoice("plain-offline", dll="Generic"))
        .rendered()
        .title.startswith("plain-offline · Generic")
    )


def test_clients_for_cuts_or_repeats_the_scripts():
    """Fewer clients keep the first ones; more repeat the scripts under new pids after the last."""
    scenario = nspv2.scenarios.get("crash-during-lookup")
    assert [c.pid for c in clients_for(scenario, 1)] == [101]
    more = clients_for(scenario, 5)
    assert [c.pid for c in more] == [101, 102, 103, 104, 105]
    first, second = (c.script for c in scenario.clients)
    assert [c.script for c in more[2:]] == [first, second, first]
    assert more[2].kill_at_ms == 100
    with pytest.raises(ValueError, match="at least 1"):
        clients_for(scenario, 0)


def test_session_view_with_more_clients_and_the_both_policy():
    """Four clients of crash-during-lookup with crash → both: two crashed sessions end by both routines."""
    view = SessionExplorerModel().view(SessionChoice("crash-during-lookup", crash="both", clients=4))
    assert [(r["session"], r["ended"]) for r in view.rendered().rows] == [
        ("session:101", "both"),
        ("session:102", "Cleanup"),
        ("session:103", "both"),
        ("session:104", "Cleanup"),
    ]
    assert view.text == "4 client sessions: 2 ended by Rundown + Cleanup, 2 by Cleanup · faults: none"
    assert view.rendered().title == "crash-during-lookup · slow · crash → both"
    leaky = SessionExplorerModel().view(SessionChoice("leaky-rundown", crash="rundown"))
    assert leaky.text == "2 client sessions: 1 leaked, 1 by Cleanup · faults: SessionStateLeaked"
    with pytest.raises(UnknownNameError):
        SessionExplorerModel(["happy-path"]).view(SessionChoice("two-clients"))


def test_replay_model_seeks_and_moves_only_the_cursor():
    """Seeking gives the states there and the event; the cursor line moves; the PNG changes with it."""
    model = ReplayModel.open("data/traces/cluster-move-busy-dll.jsonl")
    frame = model.seek(36)
    assert (
        frame.text == "seq 36 · t = 3000 ms · state VM ClusterResourceOfflinePending → ClusterResourceOnline"
    )
    assert [tuple(r.values()) for r in model.rendered(frame).rows] == [
        ("monitor:1", "monitor", "RmonIdle", 0.0, "RmonIdle"),
        ("VM", "resource", "ClusterResourceOnline", 3000.0, "ClusterResourceOnline"),
        ("group:VMGroup", "group", "ClusterGroupPending", 2500.0, "ClusterGroupPending"),
    ]
    assert list(model.line.get_xdata()) == [3000.0, 3000.0]
    at_36 = model.png()
    assert model.seek(-5).text == "before the first event" and model.seek(10_000).position == len(model) - 1
    assert model.png() != at_36
    assert model.seek(36).text == frame.text and model.png() == at_36
    pixels = imread(io.BytesIO(at_36))
    assert pixels.shape[1] == int(model.figure.get_figwidth() * 80)


def test_replay_model_of_an_nspv2_trace_names_client_processes():
    """Client processes are subjects of their own kind, beside sessions, lookups and providers."""
    model = ReplayModel.open("data/traces/nspv2-crash-during-lookup.jsonl")
    frame = model.seek(42)
    assert [(r["subject"], r["kind"], r["state"]) for r in model.rendered(frame).rows] == [
        ("provider:contoso-mail", "provider", "Advertised"),
        ("client:101", "client", "Crashed"),
        ("client:102", "client", "Running"),
        ("session:101", "session", "Started"),
        ("lookup:0x1001", "lookup", "Ended"),
        ("session:102", "session", "Started"),
        ("lookup:0x1002", "lookup", "NextPending"),
    ]


def test_replay_model_reads_a_damaged_file_leniently(tmp_path):
    """A bad line is listed in problems; the good events are replayed."""
    lines = Path("data/traces/nspv2-happy-path.jsonl").read_text(encoding="utf-8").splitlines()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join([*lines[:5], "{not json", *lines[5:]]) + "\n", encoding="utf-8")
    model = ReplayModel.open(damaged)
    assert [str(p) for p in model.problems] == [
        f"{damaged}:6: not valid JSON (Expecting property name enclosed in double quotes at column 2)"
    ]
    assert len(model) == len(lines) - 1


def test_data_traces_lists_recorded_traces_by_name(tmp_path):
    """labkit's own data/traces by default; any folder's .jsonl files otherwise."""
    names = [p.name for p in data_traces()]
    assert "nspv2-crash-during-lookup.jsonl" in names and names == sorted(names)
    (tmp_path / "b.jsonl").write_text("")
    (tmp_path / "a.jsonl").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert [p.name for p in data_traces(tmp_path)] == ["a.jsonl", "b.jsonl"]
    assert data_traces(tmp_path / "missing") == []


@pytest.fixture
def worked_out(monkeypatch):
    """Every trace readback replays or reads sessions from, in order (``replay`` / ``sessions`` work)."""
    import labkit.readback.replay as replay_module
    import labkit.readback.sessions as sessions_module

    done = []
    for module, name, label in (
        (replay_module, "_work_out", "replay"),
        (sessions_module, "_sessions", "sessions"),
    ):
        real = getattr(module, name)

        def counted(trace, real=real, label=label):
            done.append((label, trace))
            return real(trace)

        monkeypatch.setattr(module, name, counted)
    return done


def test_a_flag_toggle_replays_the_new_run_once(worked_out):
    """One toggle: the timeline, the offline summary and the diff against the kept no-flag run share
    one replay of the new run; the baseline, replayed when it was first shown, is not replayed again."""
    model = OfflineExplorerModel(["move-busy-dll"])
    first = model.view(OfflineChoice("move-busy-dll"))
    assert worked_out == [("replay", first.run.trace)]
    worked_out.clear()
    queued = model.view(first.choice.toggled(F.QUEUE_ENABLED, True))
    assert worked_out == [("replay", queued.run.trace)]
    worked_out.clear()
    both = model.view(queued.choice.toggled(F.IGNORE_RESOURCE_STATUS, True))
    assert worked_out == [("replay", both.run.trace)]


def test_a_session_view_reads_its_sessions_once(worked_out):
    """The lifecycle picture and the session summary read the same sessions of the run."""
    view = SessionExplorerModel(["crash-during-lookup"]).view(SessionChoice("crash-during-lookup"))
    assert worked_out == [("sessions", view.run.trace)]


def test_the_replay_model_replays_its_trace_once(worked_out):
    """The cursor and the timeline under it read one replay."""
    trace = nspv2.simulate("crash-during-lookup").trace
    model = ReplayModel(trace)
    model.seek(10)
    assert worked_out == [("replay", trace)]


def test_health_choice_turns_knobs_into_properties_and_keeps_the_retry_legal():
    """The knobs become resource and group common properties; RetryPeriodOnFailure below RestartPeriod is
    raised to it (its documented minimum), 'never' stays never."""
    from labkit.explore import HealthChoice

    choice = HealthChoice(restart_period_ms=1_200_000, retry_period_ms=600_000)
    assert choice.properties() == {
        "LooksAlivePollInterval": 5000,
        "IsAlivePollInterval": 60000,
        "DeadlockTimeout": 300000,
        "RestartAction": 2,
        "RestartThreshold": 3,
        "RestartPeriod": 1_200_000,
        "FailoverThreshold": 0xFFFFFFFF,
        "RetryPeriodOnFailure": 1_200_000,
    }
    assert HealthChoice(retry_period_ms=0xFFFFFFFF).normalised().retry_period_ms == 0xFFFFFFFF


def test_health_view_says_what_the_policy_did():
    """Default knobs: four failures, three restarts, a failover to NODE2. RestartAction 1: no failover, the
    group stays failed. A higher RestartThreshold: more restarts before the failover."""
    from labkit.explore import HealthChoice, HealthExplorerModel

    model = HealthExplorerModel()
    assert model.view(HealthChoice()).text == (
        "Disk: 4 failures, 3 restarts, 1 failover, monitors monitor:1 → monitor:2 · "
        "SqlGroup ends ClusterGroupOnline on NODE2"
    )
    assert model.view(HealthChoice(restart_action=1)).text == (
        "Disk: 4 failures, 3 restarts, 0 failovers · SqlGroup ends ClusterGroupFailed on NODE1"
    )
    more = model.view(HealthChoice(restart_threshold=5))
    assert [r["restarts"] for r in more.rendered().rows] == [5]
    assert more.figure.axes[0].get_title(loc="left").startswith("isalive-failure-failover · RestartAction")


def test_health_view_of_a_shorter_deadlock_timeout_kills_the_monitor_sooner():
    """DeadlockTimeout 60 s: the hung LooksAlive ends the monitor at 120 s instead of 360 s."""
    from labkit.explore import HealthChoice, HealthExplorerModel

    view = HealthExplorerModel().view(
        HealthChoice("looksalive-hang-separate-monitor", deadlock_timeout_ms=60_000)
    )
    assert [(f.name, f.t) for f in view.run.faults] == [("DeadlockTimeout", 120_000.0)]
    assert [r["monitors"] for r in view.rendered().rows] == [
        "monitor:1",
        "monitor:1 → monitor:2",
        "monitor:1",
    ]


def test_health_model_names_what_it_does_not_offer():
    """A scenario outside the explorer's list is refused with the valid names."""
    from labkit.explore import HealthChoice, HealthExplorerModel

    with pytest.raises(UnknownNameError, match="unknown cluster scenario 'plain-offline'; valid: isalive"):
        HealthExplorerModel().view(HealthChoice("plain-offline"))
