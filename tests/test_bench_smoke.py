"""The benchmark suite's smoke run: every figure measured at tiny sizes, the table well formed."""

import re
import subprocess
import sys

from bench import browser
from tests.lab import ROOT

MEASURED = re.compile(r" \((p90 \d+ ms|[\d.]+ redraws a drag)\)")
"""What a browser row's name says of its spread, which changes from run to run."""

QUICK_ROWS = [
    "record one callback, memory sink",
    "record one callback, JSON Lines file sink",
    "… the same outside a simulation run (no collector scope)",
    "open a 10,000-event trace into a DataFrame: labkit.read_frame, time",
    "open a 10,000-event trace into a DataFrame: labkit.read_frame, peak memory",
    "open a 10,000-event trace into a DataFrame: labkit.read_trace().to_frame(), time",
    "open a 10,000-event trace into a DataFrame: labkit.read_trace().to_frame(), peak memory",
    "simulate NSPv2: 10 client sessions",
    "simulate NSPv2: 30 client sessions",
    "simulate NSPv2: 100 client sessions",
    "flag matrix: 128 combinations × 1 OS profile, move-busy-dll",
    "timeline of 400 state intervals to PNG",
    "explorer update: one flag toggled → simulate, summary, comparison, SVG picture",
    *(
        [
            "browser: TraceReplayer: ▶, input → event line",
            "browser: OfflineFlagExplorer: a flag (click on its name), input → picture",
            "browser: TraceReplayer: drag the event slider, last move → settled",
            "browser: SessionExplorer: drag the clients slider, last move → settled",
        ]
        if browser.available()
        else []
    ),
    "execute 00-Contents.ipynb",
    "execute every notebook (1)",
    "import a 4 MiB 4-node log set (UTF-16): columnar scan to Parquet, CPU time",
    "… against a loop that leaves the stamp as text (the floor of a Python line loop)",
    "import a 4 MiB 4-node log set (UTF-16): full import to trace events, CPU time",
    "… throughput: columnar scan",
    "… throughput: full import",
    "… throughput: plain loop",
    "… peak memory: columnar scan",
    "… peak memory: full import to trace events",
    "store a 10,000-event trace (labkit store add), CPU time",
    "store a 10,000-event trace (labkit store add), wall time",
    "… the same without the C reader (DuckDB reads and proves the file), CPU time",
    "store a 10,000-event trace (labkit store add), peak memory",
    "offline outcomes per effective flag, 2 traces × 5,000 events: DuckDB on the store, time",
    "offline outcomes per effective flag, 2 traces × 5,000 events: DuckDB on the store, peak memory",
    "… offline outcomes per effective flag: pandas's own part (frame in memory)",
    "state time per resource, 2 traces × 5,000 events: DuckDB on the store, time",
    "state time per resource, 2 traces × 5,000 events: DuckDB on the store, peak memory",
    "… state time per resource: pandas's own part (frame in memory)",
]
VALUE = r"\d[\d.e+-]* (µs/event|s|MiB|µs/session|ms|MB/s)"
ROW = re.compile(
    rf"\| (?P<name>[^|]+) \| {VALUE} \| (—|{VALUE}( \([^|]+\))?) \| (—|\d+\.\d\d×) \| [^|]+ \| (yes|NO) \|"
)


def test_quick_run_measures_every_figure_into_a_well_formed_table(tmp_path):
    """``python -m bench --quick`` prints one well-formed row per figure and writes the same to latest.md."""
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["| figure | labkit | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    rows = lines[2 : lines.index("")]
    assert [ROW.fullmatch(row) is not None for row in rows] == [True] * len(rows), rows
    assert [MEASURED.sub("", ROW.fullmatch(row)["name"]) for row in rows] == QUICK_ROWS
    assert lines[lines.index("") + 1].startswith("quick smoke run (the figures mean nothing), ")
    assert (tmp_path / "latest.md").read_text() == out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "latest.md",
        "store-2x5000",
        "synthetic-10000-seed0.jsonl",
        "synthetic-5000-seed0.jsonl",
        "synthetic-5000-seed1.jsonl",
    ]
