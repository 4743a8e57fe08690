"""Every committed golden trace reads strictly and shows no structural contract violation."""

from pathlib import Path

import pytest

from labkit.checks import violations
from labkit.trace import read_trace

TRACES = sorted((Path(__file__).resolve().parent.parent / "data" / "traces").glob("*.jsonl"))


def test_there_are_golden_traces():
    assert len(TRACES) >= 18


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_golden_trace_is_valid_and_consistent(path):
    """Spans close, completions match calls, states chain: faults are recorded events, not broken traces."""
    trace = read_trace(path)
    assert violations(trace) == []
