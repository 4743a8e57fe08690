"""Run the benchmark suite and print the results table: ``python -m bench [--quick] [--only NAME ...]``.

Writes the table to ``bench/results/latest.md`` too (not committed), with the machine and the date.
``--quick`` shrinks every size so the whole suite runs in seconds: that is the smoke run inside
``make test``; its figures mean nothing. The exit status is 0 once the table is written; with
``--strict``, 1 when a full run misses a target.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

from bench.figures import FIGURES, Options
from bench.harness import Figure, render_table


def machine() -> str:
    """One line on where the figures come from: they mean little without it."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = f", load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement")
    parser.add_argument(
        "--only", action="append", choices=list(FIGURES), help="run only this figure (repeatable)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(__file__).parent / "results",
        help="folder for latest.md and the synthetic traces (default: bench/results)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a full run misses a target")
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, results=args.results)
    about = machine()
    started = datetime.datetime.now().astimezone()
    rows: list[Figure] = []
    start = time.perf_counter()
    for name in args.only or FIGURES:
        print(f"measuring {name} ...", end="", file=sys.stderr, flush=True)
        began = time.perf_counter()
        rows.extend(FIGURES[name](options))
        print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    kind = "quick smoke run (the figures mean nothing)" if args.quick else "full run"
    footer = (
        f"{kind}, {started:%Y-%m-%d %H:%M %Z}, {time.perf_counter() - start:.0f} s in all.\n"
        f"Machine: {about}.\n"
        "Ratio = labkit ÷ baseline: below 1, labkit is faster (or uses less memory). Times are medians of\n"
        "CPU time of the measuring process (user + system), except the notebooks' and the browser's (wall\n"
        "time: the kernel and the browser run in other processes, and waiting is what a reader sees)."
    )
    report = f"{render_table(rows)}\n\n{footer}\n"
    print(report, end="")
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.md").write_text(report)
    missed = [row.name for row in rows if not row.met]
    return 1 if args.strict and missed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
