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
from labkit.plots import state_colour, timeline
from labkit.replay import replay
from labkit.trace import JsonlFileSink, Kind, Trace, TraceHeader, Tracer

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
        Figure("record one callback, JSON Lines file sink", fil, base, "µs/event", "≤ 0.5× baseline", fil <= 0.5 * base, name),
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
        ax.barh(interval.subject, end - interval.start, left=interval.start, color=state_colour(interval.state))
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
