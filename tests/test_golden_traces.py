"""The golden traces in data/traces: exactly what the simulators produce today, valid and consistent."""

from pathlib import Path

import pytest

from labkit.lab.golden import DOMAINS, regenerate
from labkit.trace import read_trace
from labkit.trace.checks import violations
from labkit.views.rules import catalogues

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


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_every_golden_event_cites_a_known_rule_with_its_evidence(path):
    """Each event's ref is the id of a rule in its domain's catalogue, and its evidence is that rule's."""
    trace = read_trace(path)
    catalogue = catalogues()[trace.header.domain]
    unknown = sorted({e.ref for e in trace if e.ref not in catalogue})
    assert unknown == []
    assert [e.seq for e in trace if e.evidence is not catalogue[e.ref].evidence] == []


def test_the_rule_catalogue_document_is_up_to_date():
    """docs/rules.md is what `make data` writes from the catalogues and the golden traces."""
    from labkit.views.rules import catalogue_document

    document = DATA.parent.parent / "docs" / "rules.md"
    assert document.read_text(encoding="utf-8") == catalogue_document(DATA), "run make data"
