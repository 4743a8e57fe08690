"""Measuring helpers: medians of repeated runs, peak memory of a child process, the results table."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One row of the results table: labkit against its baseline, measured in the same run."""

    name: str
    """What is measured."""
    labkit: float
    """labkit's value, in `unit`."""
    baseline: float
    """The baseline's value, in `unit`."""
    unit: str
    """Unit of both values (``µs/event``, ``s``, ``MiB`` …)."""
    target: str
    """The target as the issue states it."""
    met: bool
    """Whether the target is met in this run."""
    baseline_name: str = ""
    """What the baseline is."""

    @property
    def ratio(self) -> float:
        return self.labkit / self.baseline if self.baseline else float("nan")


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_child(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it must print one JSON object last. Adds ``peak_rss_mib``.

    Peak memory is the child's maximum resident set size, so each measurement starts from an empty process.
    """
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "result['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def render_table(figures: list[Figure]) -> str:
    """The results as a Markdown table: figure, labkit, baseline, ratio, target, met or not."""
    lines = [
        "| figure | labkit | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = f"{f.baseline:.4g} {f.unit}" + (f" ({f.baseline_name})" if f.baseline_name else "")
        ratio = f"{f.ratio:.2f}×" if f.baseline else "—"
        met = "yes" if f.met else "NO"
        lines.append(f"| {f.name} | {f.labkit:.4g} {f.unit} | {base} | {ratio} | {f.target} | {met} |")
    return "\n".join(lines)
