"""Measuring helpers: medians of runs taking turns, one run in a fresh interpreter, the results table."""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """One row of the results table: labkit against its baseline, measured in the same run."""

    name: str
    """What is measured."""
    labkit: float
    """labkit's value, in `unit`."""
    baseline: float | None
    """The baseline's value, in `unit`; None for an absolute figure."""
    unit: str
    """Unit of both values (``µs/event``, ``s``, ``MiB`` …)."""
    target: str
    """The target as the issue states it, or ``(reported)``."""
    met: bool
    """Whether the target is met in this run (True for a figure that is only reported)."""
    baseline_name: str = ""
    """What the baseline is."""

    @property
    def ratio(self) -> float | None:
        """labkit ÷ baseline: below 1, labkit is faster (or smaller)."""
        return self.labkit / self.baseline if self.baseline else None


def take_turns(runs: Mapping[K, Callable[[], T]], rounds: int, warmup: int = 0) -> dict[K, list[T]]:
    """What each of ``runs`` returns in ``rounds`` rounds, after ``warmup`` rounds whose results are dropped.

    The runs take turns round by round, so a noisy neighbour on the machine hurts them alike.
    """
    results: dict[K, list[T]] = {name: [] for name in runs}
    for round_ in range(warmup + rounds):
        for name, run in runs.items():
            value = run()
            if round_ >= warmup:
                results[name].append(value)
    return results


def medians(runs: Mapping[K, Callable[[], object]], rounds: int = 5, warmup: int = 1) -> dict[K, float]:
    """Median CPU time in seconds of each of ``runs``, taking turns (`take_turns`).

    CPU time of this process (user and system, so a write's system call counts), not wall time: on a
    shared machine the wall clock also counts whoever else had the core, and varied twofold from run to
    run where CPU time varied by a few percent. Each run starts after a full garbage collection, so none
    pays for the garbage of the one before.
    """

    def timed(run: Callable[[], object]) -> Callable[[], float]:
        def measure() -> float:
            gc.collect()
            start = time.process_time()
            run()
            return time.process_time() - start

        return measure

    times = take_turns({name: timed(run) for name, run in runs.items()}, rounds, warmup)
    return {name: statistics.median(values) for name, values in times.items()}


PEAK_MEMORY = """
def peak_rss_mib():
    # The high-water mark of this process's own memory since it started (VmHWM). Not ru_maxrss: Linux
    # carries a process's peak across exec into the new program's ru_maxrss, so a child would report
    # its parent's peak whenever the parent had been bigger.
    try:
        with open('/proc/self/status') as status:
            return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:')) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: not Linux
"""


def run_child(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter with ``sys.argv[1:] == args``; it sets a dict ``result``.

    Returns ``result`` with ``peak_rss_mib`` added: the child's own peak resident memory (VmHWM), so each
    measurement starts from an empty process and counts everything it needed, and nothing of the
    parent's (whatever the parent held before, such as a trace it generated).
    """
    wrapper = f"import json, sys\n{PEAK_MEMORY}\n{code}\nresult['peak_rss_mib'] = peak_rss_mib()\n"
    wrapper += "print(json.dumps(result))\n"
    out = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def render_table(figures: list[Figure]) -> str:
    """The results as a Markdown table: figure, labkit, baseline, ratio, target, met or not."""
    lines = [
        "| figure | labkit | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = "—" if f.baseline is None else f"{f.baseline:.4g} {f.unit}"
        if f.baseline_name:
            base += f" ({f.baseline_name})"
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}×"
        met = "yes" if f.met else "NO"
        lines.append(f"| {f.name} | {f.labkit:.4g} {f.unit} | {base} | {ratio} | {f.target} | {met} |")
    return "\n".join(lines)
