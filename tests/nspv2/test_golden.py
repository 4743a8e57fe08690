"""What every NSPv2 golden trace shows about the session argument, and determinism."""

from pathlib import Path

from labkit import nspv2, read_trace
from labkit.trace import Kind

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "traces"
NAMES = nspv2.scenarios.names()
HLOOKUP_ONLY = ("NSPv2LookupServiceNextEx", "NSPv2LookupServiceEnd")


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
    """In every golden trace, Begin, SetServiceEx, Rundown and Cleanup carry the session's Startup value
    (NULL for a session whose Startup failed: NoStartup)."""
    checked = 0
    for path in sorted(GOLDEN.glob("nspv2-*.jsonl")):
        started = {}
        for event in read_trace(path):
            if event.kind is Kind.STATE and event.name in ("Started", "NoStartup"):
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
