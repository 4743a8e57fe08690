"""The benchmark figures of issue 8. Each function measures labkit and its baseline in the same run.

``scale`` shrinks every size for the smoke run inside ``make test`` (the figures are then meaningless,
but every code path runs).
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from bench.harness import Figure, median_seconds
from labkit import cluster, nspv2
from labkit.nspv2 import Client, Exit, Lookup
from labkit.plots import state_colour, timeline
from labkit.replay import replay
from labkit.trace import JsonlFileSink, Kind, Trace, TraceHeader, Tracer
from labkit.winapi import OfflineFlags

HEADER = TraceHeader(domain="nspv2", scenario="bench", params={}, labkit="bench")


def _record_events(tracer: Tracer, n: int) -> None:
    record = tracer.record
    for i in range(n):
        record(
            Kind.CALL,
            "NSPv2LookupServiceNextEx",
            actor="broker",
            subject="lookup:0x1001",
            args={"hAsyncCall": "0x2001", "hLookup": "0x1001", "dwControlFlags": 16},
            t=float(i),
        )


def _log_events(logger: logging.Logger, n: int) -> None:
    info = logger.info
    for i in range(n):
        info(
            json.dumps(
                {
                    "seq": i,
                    "t": float(i),
                    "kind": "call",
                    "name": "NSPv2LookupServiceNextEx",
                    "actor": "broker",
                    "subject": "lookup:0x1001",
                    "args": {"hAsyncCall": "0x2001", "hLookup": "0x1001", "dwControlFlags": 16},
                    "result": None,
                    "result_name": None,
                    "span": i,
                    "evidence": "documented",
                }
            )
        )


def tracer_cost(scale: float = 1.0) -> list[Figure]:
    """Cost of recording one traced callback: memory sink and JSON Lines file sink against logging."""
    n = max(100, int(100_000 * scale))
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1_000_000))

        def memory() -> None:
            _record_events(Tracer(HEADER), n)

        def file_sink() -> None:
            path = Path(tmp) / f"t{next(counter)}.jsonl"
            tracer = Tracer(HEADER, sinks=[JsonlFileSink(path, HEADER)])
            _record_events(tracer, n)
            tracer.close()
            path.unlink()

        def baseline() -> None:
            path = Path(tmp) / f"log{next(counter)}.jsonl"
            logger = logging.Logger("labkit-bench")
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            _log_events(logger, n)
            handler.close()
            path.unlink()

        base = median_seconds(baseline) / n * 1e6
        mem = median_seconds(memory) / n * 1e6
        fil = median_seconds(file_sink) / n * 1e6
    name = "logging.Logger.info(JSON) to a FileHandler"
    return [
        Figure("record one callback, memory sink", mem, base, "µs/event", "(reported)", True, name),
        Figure(
            "record one callback, JSON Lines file sink",
            fil,
            base,
            "µs/event",
            "≤ 0.5× baseline",
            fil <= 0.5 * base,
            name,
        ),
    ]


def _state_trace(intervals: int, lanes: int = 200) -> Trace:
    """A cluster trace whose resources cycle through four states: ``intervals`` state intervals in all."""
    states = (
        "ClusterResourceOnline",
        "ClusterResourceOfflinePending",
        "ClusterResourceOffline",
        "ClusterResourceOnlinePending",
    )
    tracer = Tracer(TraceHeader(domain="cluster", scenario="bench-states", labkit="bench"))
    per_lane = max(1, intervals // lanes)
    t = 0.0
    previous: dict[int, str | None] = {}
    for step in range(per_lane):
        for lane in range(lanes):
            new = states[step % len(states)]
            tracer.record(
                Kind.STATE, new, actor="rhs", subject=f"res{lane:03d}", t=t, state=(previous.get(lane), new)
            )
            previous[lane] = new
            t += 1.0
    return tracer.trace


def _naive_timeline(trace: Trace) -> MplFigure:
    """What one would write without labkit: one ``barh`` per state interval."""
    fig = MplFigure(figsize=(11, 8))
    ax = fig.add_subplot()
    for interval in replay(trace).intervals:
        end = interval.end if interval.end is not None else interval.start + 1
        ax.barh(
            interval.subject, end - interval.start, left=interval.start, color=state_colour(interval.state)
        )
    return fig


def _png(fig: MplFigure) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(io.BytesIO(), format="png", dpi=80)


def timeline_png(scale: float = 1.0) -> list[Figure]:
    """Timeline of 100 000 state intervals to PNG against one ``barh`` call per interval."""
    trace = _state_trace(max(400, int(100_000 * scale)))
    ours = median_seconds(lambda: _png(timeline(trace)), repeats=3)
    naive = median_seconds(lambda: _png(_naive_timeline(trace)), repeats=1, warmup=0)
    return [
        Figure(
            f"timeline of {len(replay(trace).intervals):,} state intervals to PNG",
            ours,
            naive,
            "s",
            "≥ 10× faster",
            naive >= 10 * ours,
            "one barh per interval",
        )
    ]


def _sessions(n: int) -> list[Client]:
    """``n`` client processes, each one lookup then an orderly exit, a few at a time."""
    return [Client(1000 + i, (Lookup(), Exit()), start_ms=float(i // 4) * 10) for i in range(n)]


def nspv2_sessions(scale: float = 1.0) -> list[Figure]:
    """Cost per client session at 1 000, 10 000 and 100 000 sessions against the same code at 1 000."""
    sizes = [max(10, int(n * scale)) for n in (1_000, 10_000, 100_000)]
    per_session = {}
    for n in sizes:
        clients = _sessions(n)
        repeats = 3 if n <= 10_000 else 1
        per_session[n] = (
            median_seconds(lambda c=clients: nspv2.simulate("happy-path", clients=c), repeats) / n
        )
    base = per_session[sizes[0]]
    return [
        Figure(
            f"simulate NSPv2: {n:,} client sessions",
            per_session[n] * 1e6,
            base * 1e6,
            "µs/session",
            "≤ 1.2× the 1k cost per session",
            per_session[n] <= 1.2 * base,
            f"same code at {sizes[0]:,} sessions",
        )
        for n in sizes
    ]


def flag_matrix_move(scale: float = 1.0) -> list[Figure]:
    """The flag matrix of the move scenario (128 combinations × 3 OS profiles) against 384 single runs."""
    profiles = ["2012", "2012r2", "2016"] if scale >= 1 else ["2016"]

    def single_runs() -> None:
        for os_name in profiles:
            for bits in range(128):
                cluster.simulate("move-busy-dll", flags=OfflineFlags(bits), os=os_name)

    def matrix() -> None:
        cluster.flag_matrix("move-busy-dll", os=profiles)

    runs = len(profiles) * 128
    ours = median_seconds(matrix, repeats=5)
    base = median_seconds(single_runs, repeats=5)
    return [
        Figure(
            f"flag matrix: 128 combinations × {len(profiles)} OS profiles, move-busy-dll",
            ours,
            base,
            "s",
            "≤ 1.1× of the single runs, under 2 s",
            ours <= 1.1 * base and ours < 2.0,
            f"{runs} single simulations",
        )
    ]
