"""Run the benchmark suite and print the results table: ``python -m bench [--quick] [--only NAME ...]``.

Writes the table to ``bench/results/latest.md`` too (not committed). ``--quick`` shrinks every size so
the whole suite runs in seconds: that is the smoke run inside ``make test``; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from bench import figures
from bench.harness import Figure, render_table

FIGURES = {
    "tracer": figures.tracer_cost,
    "timeline": figures.timeline_png,
    "nspv2": figures.nspv2_sessions,
    "matrix": figures.flag_matrix_move,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement")
    parser.add_argument("--only", action="append", choices=list(FIGURES), help="run only these figures")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latest.md")
    args = parser.parse_args(argv)
    scale = 0.01 if args.quick else 1.0
    rows: list[Figure] = []
    start = time.perf_counter()
    for name in args.only or FIGURES:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.extend(FIGURES[name](scale))
    table = render_table(rows)
    about = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{'quick smoke run' if args.quick else 'full run'}, {time.perf_counter() - start:.0f} s in all"
    )
    print(table)
    print(f"\n{about}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"{table}\n\n{about}\n")
    return 0 if all(r.met for r in rows) or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
