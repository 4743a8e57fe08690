"""The golden traces in data/traces are what the simulator produces today, byte for byte, and valid."""

from pathlib import Path

import pytest

from labkit import nspv2, read_trace
from labkit.golden import regenerate
from labkit.trace import Kind

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "traces"
NAMES = nspv2.scenarios.names()
HLOOKUP_ONLY = ("NSPv2LookupServiceNextEx", "NSPv2LookupServiceEnd")


def test_every_scenario_has_a_golden_trace_and_nothing_else(tmp_path):
    """Regenerating gives one file per scenario, each byte-identical to the committed one."""
    written = regenerate(tmp_path, ("nspv2",))
    assert sorted(p.name for p in written) == sorted(p.name for p in GOLDEN.glob("nspv2-*.jsonl"))
    for path in written:
        assert path.read_bytes() == (GOLDEN / path.name).read_bytes(), f"{path.name} changed: run make data"


@pytest.mark.parametrize("name", NAMES)
def test_golden_trace_is_valid(name):
    """Each golden trace reads back strictly and round-trips byte for byte."""
    path = GOLDEN / f"nspv2-{name}.jsonl"
    trace = read_trace(path)
    assert trace.header.scenario == name
    assert trace.to_jsonl().encode() == path.read_bytes()


def test_no_nextex_or_end_ever_receives_a_session_argument():
    """Across every golden trace, NextEx and End identify the query by hLookup only (§1.3)."""
    seen = 0
    for path in sorted(GOLDEN.glob("nspv2-*.jsonl")):
        for event in read_trace(path):
            if event.kind is Kind.CALL and event.name in HLOOKUP_ONLY:
                seen += 1
                assert not {"lpvClientSessionArg", "pvClientSessionArg"} & set(event.args), (path, event.seq)
                assert "hLookup" in event.args
    assert seen > 50


def test_every_session_routine_gets_the_value_startup_produced():
    """In every golden trace, Begin, SetServiceEx, Rundown and Cleanup carry the session's Startup value."""
    checked = 0
    for path in sorted(GOLDEN.glob("nspv2-*.jsonl")):
        started = {}
        for event in read_trace(path):
            if event.kind is Kind.STATE and event.name == "Started":
                started[event.subject] = event.args["pvClientSessionArg"]
            for key in ("lpvClientSessionArg", "pvClientSessionArg"):
                if event.kind is Kind.CALL and key in event.args:
                    assert event.args[key] == started[event.subject], (path, event.seq)
                    checked += 1
    assert checked > 50


def test_same_inputs_give_byte_identical_traces():
    """Simulating twice with the same scenario, options and seed writes the same bytes."""
    for name in NAMES:
        first = nspv2.simulate(name, seed=7, policy={"crash": "both"}).trace.to_jsonl()
        assert nspv2.simulate(name, seed=7, policy={"crash": "both"}).trace.to_jsonl() == first
