"""The golden traces in data/traces are what the simulator produces today, byte for byte."""

from pathlib import Path

from labkit import cluster
from labkit.golden import regenerate

DATA = Path(__file__).resolve().parents[2] / "data" / "traces"


def test_golden_traces_match(tmp_path):
    """Regenerating the cluster traces gives exactly the committed files, one per scenario."""
    written = regenerate(tmp_path, ("cluster",))
    assert sorted(p.name for p in written) == sorted(f"cluster-{n}.jsonl" for n in cluster.scenarios.names())
    assert sorted(p.name for p in DATA.glob("cluster-*.jsonl")) == sorted(p.name for p in written)
    for path in written:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), f"{path.name} differs: run make data"
