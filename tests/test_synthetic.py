"""Synthetic traces for benchmarks: exact length, every kind, deterministic, valid, written like any trace."""

from collections import Counter

import pytest

from labkit.exceptions import OutputExistsError
from labkit.trace import read_trace
from labkit.trace.synthetic import synthetic_trace, write_synthetic_trace


def test_exact_length_and_a_mix_of_kinds():
    """4000 events of every kind, spans linking returns and completions to their calls, args of 2-4 keys."""
    trace = synthetic_trace(4000)
    assert [e.seq for e in trace] == list(range(4000))
    kinds = Counter(e.kind.value for e in trace)
    assert set(kinds) == {"call", "return", "complete", "state", "fault", "note"}
    calls = {e.seq: e for e in trace if e.kind == "call"}
    assert all(calls[e.span].name == e.name for e in trace if e.kind in ("return", "complete"))
    assert {len(e.args) for e in trace} <= {2, 3, 4}


def test_same_seed_same_bytes(tmp_path):
    """The file is a function of (n_events, seed): same inputs give byte-identical files."""
    a = write_synthetic_trace(tmp_path / "a.jsonl", 500, seed=7)
    b = write_synthetic_trace(tmp_path / "b.jsonl", 500, seed=7)
    c = write_synthetic_trace(tmp_path / "c.jsonl", 500, seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert list(read_trace(a)) == list(synthetic_trace(500, seed=7))


def test_never_overwrites_unless_forced(tmp_path):
    path = write_synthetic_trace(tmp_path / "t.jsonl", 10)
    with pytest.raises(OutputExistsError):
        write_synthetic_trace(path, 10)
    assert len(read_trace(write_synthetic_trace(path, 20, force=True))) == 20
