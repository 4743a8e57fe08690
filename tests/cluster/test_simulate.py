"""simulate(): deterministic, self-describing header, clear errors for bad arguments."""

import pytest

from labkit import cluster
from labkit.cluster import GroupLayout, ResourceDll, Scenario
from labkit.cluster.client import MoveGroup
from labkit.exceptions import SimulationError, UnknownNameError
from labkit.winapi import ERROR_SUCCESS


class Jittery(ResourceDll):
    """Takes a random 0..999 ms (from self.random) to go offline."""

    def OfflineV2(self, *args):
        yield self.monitor.sleep(self.random.randrange(1000))
        return ERROR_SUCCESS


def test_same_inputs_give_byte_identical_traces():
    """Every scenario twice with the same arguments: the same bytes."""
    for name in cluster.scenarios.names():
        assert cluster.simulate(name).trace.to_jsonl() == cluster.simulate(name).trace.to_jsonl(), name


def test_the_seed_drives_the_dll_random_generator():
    """self.random is seeded from the run's seed: same seed same trace, other seed other timing."""
    runs = [cluster.simulate("pending-offline", dll=Jittery, seed=s).trace.to_jsonl() for s in (1, 1, 2)]
    assert runs[0] == runs[1] != runs[2]


def test_the_header_holds_everything_that_determines_the_run():
    """params: scenario, dll and options, os, seed, flags by name, policies, properties, layout, limits."""
    params = cluster.simulate("move-busy-dll-cancelled", os="2012r2", seed=7).trace.header.params
    assert params == {
        "scenario": "move-busy-dll-cancelled",
        "dll": "Busy",
        "dll_options": {"busy_times": 100},
        "os": "2012r2",
        "seed": 7,
        "flags": "QUEUE_ENABLED",
        "policies": {
            "unknown_flags": "refuse",
            "unmapped_flags": "pass",
            "terminated_state": "offline",
            "busy_with_ignore_status": "terminate",
            "error_return_rule": "teach",
            "queue_retry_ms": 1000,
        },
        "properties": {
            "PendingTimeout": 180000,
            "DeadlockTimeout": 300000,
            "LooksAlivePollInterval": 0xFFFFFFFF,
            "IsAlivePollInterval": 60000,
            "RestartAction": 2,
            "RestartThreshold": 3,
            "RestartPeriod": 900000,
            "RestartDelay": 500,
            "RetryPeriodOnFailure": 3600000,
            "SeparateMonitor": 0,
            "FailoverThreshold": 0xFFFFFFFF,
            "FailoverPeriod": 6,
        },
        "private": {},
        "nodes": ["NODE1", "NODE2", "NODE3"],
        "groups": {"VMGroup": {"node": "NODE1", "resources": ["VM"]}},
        "horizon_ms": 3600000,
        "health": False,
        "guard_limit_s": 5.0,
    }


def test_bad_arguments_are_clear_errors():
    """Unknown scenario, OS, DLL or property, and a bad horizon, each say what is valid."""
    with pytest.raises(UnknownNameError, match="unknown cluster scenario 'nope'; valid: plain-offline"):
        cluster.simulate("nope")
    with pytest.raises(UnknownNameError, match="valid: 2012, 2012r2, 2016"):
        cluster.simulate("plain-offline", os="2019")
    with pytest.raises(UnknownNameError, match="unknown resource DLL 'Nope'; valid: Generic"):
        cluster.simulate("plain-offline", dll="Nope")
    with pytest.raises(SimulationError, match="unknown resource or group property 'Pending'"):
        cluster.simulate("plain-offline", properties={"Pending": 5})
    with pytest.raises(SimulationError, match=r"PendingTimeout must be an integer in 10\.\.0xFFFFFFFF"):
        cluster.simulate("plain-offline", properties={"PendingTimeout": 5})
    with pytest.raises(SimulationError, match="horizon_ms must be a positive number"):
        cluster.simulate("plain-offline", horizon_ms=0)
    with pytest.raises(SimulationError, match=r"RestartAction must be an integer in 0\.\.2, not 3"):
        cluster.simulate("plain-offline", properties={"RestartAction": 3})
    with pytest.raises(
        SimulationError, match=r"RetryPeriodOnFailure \(60000\) may not be below RestartPeriod"
    ):
        cluster.simulate("plain-offline", properties={"RetryPeriodOnFailure": 60_000})


def test_a_scenario_checks_its_fields():
    """A scenario naming an unknown group, DLL or a move to where the group already is fails when made."""
    with pytest.raises(SimulationError, match=r"scenario 'x': steps\[0\]: unknown group 'Nope'"):
        Scenario("x", "one line", "Generic", (MoveGroup(0, "Nope"),))
    with pytest.raises(SimulationError, match="scenario 'x': dll: unknown resource DLL 'Nope'"):
        Scenario("x", "one line", "Nope", ())
    with pytest.raises(SimulationError, match=r"steps\[0\]: group 'Group' already is on NODE1"):
        Scenario("x", "one line", "Generic", (MoveGroup(0, "Group", "NODE1"),))
    with pytest.raises(
        SimulationError, match=r"groups: 'A' of group 'G' may depend only on resources listed"
    ):
        Scenario(
            "x", "one line", "Generic", (), groups=(GroupLayout("G", "NODE1", ("A", "B"), {"A": ("B",)}),)
        )
    with pytest.raises(SimulationError, match=r"steps\[0\]: in_buffer maps property names to DWORD values"):
        Scenario("x", "one line", "Generic", (MoveGroup(0, "Group", in_buffer={"Virtual Machine": "live"}),))


def test_at_least_twelve_scenarios_with_one_line_summaries():
    """The registry has the scenarios the issue names, each with a one-line summary."""
    names = cluster.scenarios.names()
    assert len(names) >= 12
    assert {"pending-timeout", "move-busy-dll", "move-return-to-source", "network-loss"} <= set(names)
    assert all(s.summary and "\n" not in s.summary for s in cluster.scenarios)
