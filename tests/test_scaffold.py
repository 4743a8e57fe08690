"""The run scaffold both simulators share: one horizon, one outcome vocabulary, one policy API."""

import pytest
import simpy

import labkit
from labkit import cluster, nspv2
from labkit.engine import scaffold
from labkit.engine.runloop import Runaway
from labkit.exceptions import SimulationError, UnknownNameError


def events_at(times, horizon_ms):
    """A SimPy run with one event at each of ``times``: which ran, and where the clock stopped."""
    env = simpy.Environment()
    ran = []

    def at(t):
        yield env.timeout(t)
        ran.append(t)

    for t in times:
        env.process(at(t))
    ending = scaffold.run_to_horizon(env, horizon_ms)
    return ran, env.now, ending


def test_an_event_at_the_horizon_happens_and_a_later_one_does_not():
    """The horizon is inclusive; with work left the clock stops at the horizon."""
    ran, now, ending = events_at([10, 100, 101], 100)
    assert (ran, now, ending.work_left, ending.finished) == ([10, 100], 100, True, False)
    assert ending.why == "the run reached its horizon of 100 ms"


def test_a_run_that_comes_to_rest_ends_at_its_last_event():
    """Nothing left to happen: the clock stays at the last event and the run is finished."""
    ran, now, ending = events_at([10, 40], 100)
    assert (ran, now, ending.work_left, ending.finished) == ([10, 40], 40, False, True)
    assert ending.why == "the run ended: nothing more was scheduled"


def test_a_runaway_is_not_finished_and_says_why():
    ending = scaffold.Ending(100, Runaway("NoProgress", "too many"), work_left=False)
    assert (ending.finished, ending.why) == (False, "labkit stopped the run (NoProgress)")


@pytest.mark.parametrize("horizon", [0, -1, True, "10", float("nan"), 1e12])
def test_a_horizon_must_be_a_positive_number(horizon):
    with pytest.raises(SimulationError, match="horizon_ms must be a positive number of milliseconds"):
        scaffold.check_horizon(horizon)


def test_both_domains_reject_a_bad_horizon_the_same_way():
    for simulate, scenario in ((nspv2.simulate, "happy-path"), (cluster.simulate, "plain-offline")):
        with pytest.raises(SimulationError, match=r"positive number of milliseconds, not 0$"):
            simulate(scenario, horizon_ms=0)


def test_the_instant_counter_stops_a_generator_after_its_limit_of_yields_at_one_instant():
    """Yields at one instant count up to the limit; a yield after time advanced starts again at 0."""
    counter = scaffold.InstantCounter(5.0)
    stalled = [counter.stalled(5.0) for _ in range(scaffold.MAX_YIELDS_AT_ONE_INSTANT)]
    assert stalled == [False] * (scaffold.MAX_YIELDS_AT_ONE_INSTANT - 1) + [True]
    assert (counter.stalled(6.0), counter.count) == (False, 0)


def test_both_domains_share_the_outcome_keys():
    """end_ms (time of the last event), finished, and faults by name with counts."""
    for run in (nspv2.simulate("happy-path"), cluster.simulate("plain-offline")):
        assert run.outcome["end_ms"] == run.trace[-1].t
        assert run.outcome["finished"] is True
        assert run.outcome["faults"] == {}
    run = cluster.simulate("pending-timeout")
    assert run.outcome["faults"] == {"PendingTimeout": 1}


def test_a_run_read_back_equals_the_run_in_both_domains(tmp_path):
    """The in-memory header carries the labkit version as the file does, so the traces are equal."""
    for domain, run in (
        ("nspv2", nspv2.simulate("happy-path")),
        ("cluster", cluster.simulate("plain-offline")),
    ):
        path = run.write(tmp_path / f"{domain}.jsonl")
        assert run.trace.header.labkit == labkit.__version__
        assert labkit.read_trace(path) == run.trace


def test_both_policies_have_one_api():
    """as_params for the header, with_choices for a changed copy, of for what simulate accepts."""
    for policy, name, value in (
        (nspv2.Policy(), "crash", "rundown"),
        (cluster.Policy(), "terminated_state", "failed"),
    ):
        changed = policy.with_choices({name: value})
        assert changed.as_params()[name] == value
        assert policy.as_params()[name] != value
        assert type(policy).of({name: value}) == changed
        assert type(policy).of(changed) is changed
        assert policy.with_choices({name: None}) == policy
        with pytest.raises(UnknownNameError, match="unknown policy 'nope'"):
            policy.with_choices({"nope": 1})


def test_a_policy_checks_its_values_when_made():
    with pytest.raises(
        UnknownNameError, match="unknown terminated_state policy 'gone'; valid: offline, failed"
    ):
        cluster.Policy(terminated_state="gone")
    with pytest.raises(UnknownNameError, match="valid: a positive integer"):
        cluster.Policy(queue_retry_ms=0)
    with pytest.raises(TypeError, match="a Policy is needed here"):
        cluster.Policy.of(nspv2.Policy())


def test_cluster_simulate_takes_a_policy_like_nspv2():
    """policy= takes a Policy or a mapping of the choices that differ: the same run either way."""
    rules = cluster.Policy(queue_retry_ms=250)
    runs = [
        cluster.simulate("move-busy-dll", policy=rules),
        cluster.simulate("move-busy-dll", policy={"queue_retry_ms": 250}),
    ]
    assert len({run.trace.to_jsonl() for run in runs}) == 1
    assert runs[0].trace.header.params["policies"]["queue_retry_ms"] == 250
