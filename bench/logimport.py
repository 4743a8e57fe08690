"""The cluster.log import figure of issue 14: a generated 4-node log set of 1 GB read by labkit's two
import paths, against a plain Python loop over the same files, each run in a fresh interpreter.

- ``columnar``: `labkit.clusterlog.columnar.scan`, every line to a Parquet table (pyarrow);
- ``trace``: `labkit.clusterlog.import_logs`, every entry to a trace event (JSON Lines), as
  ``labkit import clusterlog`` does: run once, it takes minutes;
- ``loop``: the baseline, a plain loop with ``re`` per line giving the same fields (pid, tid, level,
  function, component, text, the stamp as UTC ms with ``datetime.strptime``), writing nothing;
- ``bare``: the same loop without the stamp conversion, the floor of any line-by-line Python reader.

Times are the children's CPU time (all their threads), MB are bytes on disk (UTF-16, as Get-ClusterLog
writes), peak memory the child's peak resident set.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Protocol

from bench.harness import Figure, run_child, take_turns
from labkit.clusterlog.generate import write_large


class Options(Protocol):
    """What this figure needs of `bench.figures.Options`."""

    @property
    def quick(self) -> bool: ...
    @property
    def results(self) -> Path: ...
    def turns(self, rounds: int, warmup: int = 1) -> dict[str, int]: ...


LOOP = r"""
import re, time
from datetime import datetime
from pathlib import Path
LINE = re.compile(
    r"(?P<pid>[0-9A-Fa-f]+)\.(?P<tid>[0-9A-Fa-f]+)::(?P<second>\d{4}/\d\d/\d\d-\d\d:\d\d:\d\d)\.(?P<ms>\d+) "
    r"(?P<level>\w+) +(?:(?P<function>\S*?)\[(?P<component>[^\]]+)\] )?(?P<text>.*)"
)
convert = sys.argv[2] == "1"
start = time.process_time()
lines = 0
for path in sorted(Path(sys.argv[1]).glob("*_cluster.log")):
    with open(path, encoding="utf-16") as stream:
        for line in stream:
            match = LINE.match(line.rstrip("\r\n"))
            lines += 1
            if match is not None:
                pid, tid, second, ms, level, function, component, text = match.groups()
                if convert:
                    utc = int(datetime.strptime(second + "Z", "%Y/%m/%d-%H:%M:%S%z").timestamp()) * 1000
                    utc += int(ms)
result = {"seconds": time.process_time() - start, "lines": lines}
"""

COLUMNAR = """
import time
from labkit.clusterlog import columnar
start = time.process_time()
scan = columnar.scan(sys.argv[1], sys.argv[2], force=True)
result = {"seconds": time.process_time() - start, "lines": scan.rows + scan.blank}
"""

TRACE = """
import time
from labkit import clusterlog
start = time.process_time()
job = clusterlog.import_logs(sys.argv[1], sys.argv[2], force=True)
result = {"seconds": time.process_time() - start, "lines": job.events_read}
"""


def log_import(options: Options) -> list[Figure]:
    """Import throughput and peak memory on a generated 4-node log set of 1 GB (4 MB when quick)."""
    size = (4 << 20) if options.quick else (1 << 30)
    rounds = options.turns(3, warmup=0)["rounds"]
    with tempfile.TemporaryDirectory(dir=options.results if options.results.exists() else None) as tmp:
        logs, out = Path(tmp) / "logs", Path(tmp) / "out"
        out.mkdir()
        files = write_large(logs, nodes=4, size=size, seed=0)
        total = sum(p.stat().st_size for p in files)
        runs = {
            "columnar": lambda: run_child(COLUMNAR, str(logs), str(out / "logs.parquet")),
            "loop": lambda: run_child(LOOP, str(logs), "1"),
            "bare": lambda: run_child(LOOP, str(logs), "0"),
        }
        measured = take_turns(runs, rounds)
        measured["trace"] = [run_child(TRACE, str(logs), str(out / "logs.jsonl"))]
    return _figures(measured, total, "4 MiB" if options.quick else "1 GiB")


def _figures(measured: dict[str, list[dict[str, float]]], total: int, label: str) -> list[Figure]:
    seconds = {name: statistics.median(r["seconds"] for r in runs) for name, runs in measured.items()}
    peak = {name: max(r["peak_rss_mib"] for r in runs) for name, runs in measured.items()}
    loop = "plain loop, re per line, the same fields, stamp as UTC ms"
    input_mib = total / (1 << 20)
    what = f"import a {label} 4-node log set (UTF-16)"
    rows = [
        Figure(
            f"{what}: columnar scan to Parquet, CPU time",
            seconds["columnar"],
            seconds["loop"],
            "s",
            "≥ 5× faster than the plain loop",
            seconds["columnar"] * 5 <= seconds["loop"],
            loop,
        ),
        Figure(
            "… against a loop that leaves the stamp as text (the floor of a Python line loop)",
            seconds["columnar"],
            seconds["bare"],
            "s",
            "(reported)",
            True,
            "plain loop, re per line, stamp not converted",
        ),
        Figure(
            f"{what}: full import to trace events, CPU time",
            seconds["trace"],
            seconds["loop"],
            "s",
            "(reported)",
            True,
            loop,
        ),
    ]
    for name, shown in (("columnar", "columnar scan"), ("trace", "full import"), ("loop", "plain loop")):
        rows.append(
            Figure(f"… throughput: {shown}", total / 1e6 / seconds[name], None, "MB/s", "(reported)", True)
        )
    for name, shown in (("columnar", "columnar scan"), ("trace", "full import to trace events")):
        rows.append(
            Figure(
                f"… peak memory: {shown}",
                peak[name],
                input_mib,
                "MiB",
                "well under the input size (≤ 0.25×)",
                peak[name] <= 0.25 * input_mib,
                "the input's size",
            )
        )
    return rows
