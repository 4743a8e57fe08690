"""The golden traces in data/traces: exactly what the simulators produce today, valid and consistent."""

from pathlib import Path

import pytest

from labkit.lab.golden import DOMAINS, regenerate
from labkit.trace import read_trace
from labkit.trace.checks import violations

DATA = Path(__file__).resolve().parent.parent / "data" / "traces"
TRACES = sorted(DATA.glob("*.jsonl"))


def test_regenerating_gives_the_committed_files(tmp_path):
    """One file per scenario of each domain, each byte-identical to the committed one (else: make data)."""
    written = regenerate(tmp_path, tuple(DOMAINS))
    assert sorted(p.name for p in written) == [p.name for p in TRACES]
    changed = [p.name for p in written if p.read_bytes() != (DATA / p.name).read_bytes()]
    assert changed == [], "golden traces changed: review the diff, then run make data"


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_golden_trace_is_valid_and_consistent(path):
    """Strict read, exact round trip, and no structural violation: faults are recorded, spans close."""
    trace = read_trace(path)
    assert trace.header.domain + "-" + trace.header.scenario == path.stem
    assert trace.to_jsonl().encode() == path.read_bytes()
    assert violations(trace) == []
