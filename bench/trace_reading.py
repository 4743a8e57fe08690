"""Benchmark: open a 1 000 000-event trace into a DataFrame, against ``pandas.read_json(path, lines=True)``.

    python bench/trace_reading.py                 # 1M events, 3 rounds
    python bench/trace_reading.py --events 100000 --rounds 5

The trace is built once by `labkit.synthetic.write_synthetic_trace` (kept in bench/results/, reused while
its size and seed match). Every measurement runs in a fresh Python process, so peak memory (the child's
peak RSS) and time (perf_counter around the read alone, imports excluded) are not affected by earlier
runs; the methods take turns round by round, so a noisy neighbour hurts them alike. Medians are printed
with min-max and the ratio to pandas.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

METHODS = {
    "pandas.read_json(lines=True)": "pandas.read_json(path, lines=True)",
    "labkit.read_frame": "labkit.read_frame(path)",
    "labkit.read_trace().to_frame()": "labkit.read_trace(path).to_frame()",
}

CHILD = """
import resource, sys, time
import pandas, labkit
path = sys.argv[1]
start = time.perf_counter()
frame = {call}
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, peak_mb, len(frame))
"""


def trace_file(n_events: int, seed: int = 0) -> Path:
    """The synthetic trace of ``n_events`` events, built once and reused."""
    from labkit.synthetic import write_synthetic_trace

    path = RESULTS / f"synthetic-{n_events}-seed{seed}.jsonl"
    if not path.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        write_synthetic_trace(path, n_events, seed=seed)
    return path


def measure(call: str, path: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and row count of one read in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(call=call), str(path)], capture_output=True, text=True, check=True
    )
    seconds, peak, rows = out.stdout.split()
    return float(seconds), float(peak), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = trace_file(args.events)
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in METHODS}
    for round_ in range(args.rounds):
        for name, call in METHODS.items():
            runs[name].append(measure(call, path))
            print(f"round {round_ + 1}: {name}: {runs[name][-1][0]:.2f} s", file=sys.stderr)
    base = statistics.median(s for s, _, _ in runs["pandas.read_json(lines=True)"])
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, {args.events} events, {args.rounds} rounds")
    print(f"{'method':34} {'median s':>9} {'min-max s':>13} {'peak MB':>8} {'pandas/this':>12}")
    summary = {}
    for name, results in runs.items():
        seconds = [s for s, _, _ in results]
        peak = max(p for _, p, _ in results)
        median = statistics.median(seconds)
        spread = f"{min(seconds):6.2f}-{max(seconds):<6.2f}"
        print(f"{name:34} {median:9.2f} {spread} {peak:8.0f} {base / median:11.2f}x")
        summary[name] = {"seconds": seconds, "peak_mb": peak, "rows": results[0][2]}
    (RESULTS / f"trace_reading-{args.events}.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
