"""The benchmark figures of issue 8. Each measures labkit and its baseline in the same run, taking turns.

Every figure is a function of `Options` returning rows of the results table. ``quick`` shrinks every
size so the whole suite runs in seconds (the smoke run inside ``make test``): every code path runs, but
the numbers mean nothing.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from bench import browser
from bench.harness import Figure, medians, run_child, take_turns
from bench.logimport import log_import
from bench.store_figures import store_convert, store_questions
from labkit import cluster, nspv2
from labkit.engine.gcfreeze import freeze_survivors
from labkit.explore import OfflineChoice, OfflineExplorerModel, figure_png
from labkit.lab import notebooks
from labkit.nspv2 import Client, Exit, Lookup
from labkit.nspv2.rules import NEXT_CALL
from labkit.readback.replay import replay
from labkit.trace import JsonlFileSink, Kind, Trace, TraceHeader, Tracer
from labkit.trace.synthetic import write_synthetic_trace
from labkit.views.plots import state_colour, timeline
from labkit.widgets import table_html
from labkit.winapi import OfflineFlags

ROOT = Path(__file__).resolve().parent.parent
HEADER = TraceHeader(domain="nspv2", scenario="bench", params={}, labkit="bench")


@dataclass(frozen=True)
class Options:
    """How the suite runs."""

    quick: bool
    """Tiny sizes and one round: a smoke run, not a measurement."""
    results: Path
    """Folder for the results table and the synthetic trace files (built once, then reused)."""

    def turns(self, rounds: int, warmup: int = 1) -> dict[str, int]:
        """``rounds`` and ``warmup`` for `medians` and `take_turns`: one round, no warm-up when quick."""
        return {"rounds": 1, "warmup": 0} if self.quick else {"rounds": rounds, "warmup": warmup}


# --------------------------------------------------------------------------------------------------------
# Recording one traced callback
# --------------------------------------------------------------------------------------------------------


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
            rule=NEXT_CALL,  # as a simulator records it: the rule gives evidence and ref
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


def _in_a_run(record: Callable[[], None]) -> Callable[[], None]:
    """``record`` as a simulator records: inside the run's garbage-collector scope."""

    def run() -> None:
        with freeze_survivors():
            record()

    return run


def tracer_cost(options: Options) -> list[Figure]:
    """Cost of recording one traced callback: memory sink and JSON Lines file sink against logging."""
    n = 1_000 if options.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        paths = (Path(tmp) / f"{i}.jsonl" for i in itertools.count())

        def memory() -> None:
            _record_events(Tracer(HEADER), n)

        def file_sink() -> None:
            path = next(paths)
            tracer = Tracer(HEADER, sinks=[JsonlFileSink(path, HEADER)])
            _record_events(tracer, n)
            tracer.close()
            path.unlink()

        def logging_baseline() -> None:
            path = next(paths)
            logger = logging.Logger("labkit-bench")
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            _log_events(logger, n)
            handler.close()
            path.unlink()

        seconds = medians(
            {
                "logging": logging_baseline,
                "memory": _in_a_run(memory),
                "file": _in_a_run(file_sink),
                "file outside": file_sink,
            },
            **options.turns(7),
        )
    us = {name: s / n * 1e6 for name, s in seconds.items()}
    base, name = us["logging"], "logging.Logger.info(JSON) to a FileHandler"
    return [
        Figure("record one callback, memory sink", us["memory"], base, "µs/event", "(reported)", True, name),
        Figure(
            "record one callback, JSON Lines file sink",
            us["file"],
            base,
            "µs/event",
            "≤ 0.5× baseline",
            us["file"] <= 0.5 * base,
            name,
        ),
        Figure(
            "… the same outside a simulation run (no collector scope)",
            us["file outside"],
            base,
            "µs/event",
            "(reported)",
            True,
            name,
        ),
    ]


# --------------------------------------------------------------------------------------------------------
# Opening a recorded trace
# --------------------------------------------------------------------------------------------------------

READERS = {
    "pandas": ("pandas.read_json(path, lines=True)", 1),
    "read_frame": ("labkit.read_frame(path)", 0),
    "read_trace": ("labkit.read_trace(path).to_frame()", 0),
}
"""The ways to open a trace file into a DataFrame, each timed in a fresh interpreter, with the rows they
give beyond one per event (pandas makes the header line a row too)."""

READ_CHILD = """
import time
import pandas, labkit
path = sys.argv[1]
start = time.process_time()
frame = {call}
result = {{"seconds": time.process_time() - start, "rows": len(frame)}}
"""
"""CPU time of the read alone, as `medians` measures; both libraries are imported before the clock starts
in every child, so peak memory counts both."""


def synthetic_file(results: Path, n_events: int, seed: int = 0) -> Path:
    """The synthetic trace of ``n_events`` events in ``results``, built once and reused."""
    path = results / f"synthetic-{n_events}-seed{seed}.jsonl"
    if not path.exists():
        results.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        write_synthetic_trace(partial, n_events, seed=seed, force=True)
        partial.rename(path)  # a run killed while writing leaves no file that looks finished
    return path


def open_trace(options: Options) -> list[Figure]:
    """Open a 1 000 000-event trace into a DataFrame: time and peak memory against pandas.read_json."""
    n = 10_000 if options.quick else 1_000_000
    path = synthetic_file(options.results, n)
    runs = take_turns(
        {
            name: functools.partial(run_child, READ_CHILD.format(call=call), str(path))
            for name, (call, _) in READERS.items()
        },
        **options.turns(3, warmup=0),
    )
    for name, results in runs.items():
        call, extra = READERS[name]
        if any(r["rows"] != n + extra for r in results):
            raise RuntimeError(f"{call} gave {results[0]['rows']:g} rows for {n} events (+{extra} expected)")
    seconds = {name: statistics.median(r["seconds"] for r in results) for name, results in runs.items()}
    peak = {name: statistics.median(r["peak_rss_mib"] for r in results) for name, results in runs.items()}
    what = f"open a {n:,}-event trace into a DataFrame"
    pandas = "pandas.read_json(lines=True)"
    return [
        Figure(
            f"{what}: labkit.read_frame, time",
            seconds["read_frame"],
            seconds["pandas"],
            "s",
            "≥ 2× faster",
            2 * seconds["read_frame"] <= seconds["pandas"],
            pandas,
        ),
        Figure(
            f"{what}: labkit.read_frame, peak memory",
            peak["read_frame"],
            peak["pandas"],
            "MiB",
            "no higher",
            peak["read_frame"] <= peak["pandas"],
            pandas,
        ),
        Figure(
            f"{what}: labkit.read_trace().to_frame(), time",
            seconds["read_trace"],
            seconds["pandas"],
            "s",
            "(reported)",
            True,
            pandas,
        ),
        Figure(
            f"{what}: labkit.read_trace().to_frame(), peak memory",
            peak["read_trace"],
            peak["pandas"],
            "MiB",
            "(reported)",
            True,
            pandas,
        ),
    ]


# --------------------------------------------------------------------------------------------------------
# Simulating
# --------------------------------------------------------------------------------------------------------


def _sessions(n: int) -> list[Client]:
    """``n`` client processes, each one lookup then an orderly exit, four starting every 10 ms."""
    return [Client(1000 + i, (Lookup(), Exit()), start_ms=float(i // 4) * 10) for i in range(n)]


def _simulate_sessions(clients: list[Client]) -> None:
    # The scenario's horizon (60 s) would cut a long run short: give every client a minute after its start;
    # the runaway guard's step limit is sized for one scenario (~38 steps a session here), so scale it too.
    run = nspv2.simulate(
        "happy-path",
        clients=clients,
        horizon_ms=clients[-1].start_ms + 60_000,
        max_steps=100 * len(clients) + 10_000,
    )
    expected = {"sessions": {"CleanedUp": len(clients)}, "faults": {}, "clients": {"exited": len(clients)}}
    if {key: run.outcome[key] for key in expected} != expected:
        # A run cut short would make the cost per session look flat, or better, for the wrong reason.
        raise RuntimeError(f"{len(clients)} client sessions did not all end cleanly: {run.outcome}")


def nspv2_sessions(options: Options) -> list[Figure]:
    """Cost per client session at 1 000, 10 000 and 100 000 sessions against the same code at 1 000."""
    sizes = (10, 30, 100) if options.quick else (1_000, 10_000, 100_000)
    clients = {n: _sessions(n) for n in sizes}
    _simulate_sessions(clients[sizes[0]])  # imports and caches, untimed
    seconds = medians(
        {n: functools.partial(_simulate_sessions, clients[n]) for n in sizes},
        **options.turns(3, warmup=0),
    )
    per_session = {n: seconds[n] / n * 1e6 for n in sizes}
    base = per_session[sizes[0]]
    return [
        Figure(
            f"simulate NSPv2: {n:,} client sessions",
            per_session[n],
            base,
            "µs/session",
            f"≤ 1.2× the {sizes[0]:,}-session cost",
            per_session[n] <= 1.2 * base,
            f"same code at {sizes[0]:,} sessions",
        )
        for n in sizes
    ]


def flag_matrix_move(options: Options) -> list[Figure]:
    """The flag matrix of the move scenario (128 combinations × 3 OS profiles) against 384 single runs."""
    profiles = ["2016"] if options.quick else ["2012", "2012r2", "2016"]

    def single_runs() -> None:
        for os_name in profiles:
            for bits in range(OfflineFlags.mask() + 1):
                cluster.simulate("move-busy-dll", flags=OfflineFlags(bits), os=os_name)

    def matrix() -> None:
        cluster.flag_matrix("move-busy-dll", os=profiles)

    seconds = medians({"matrix": matrix, "single": single_runs}, **options.turns(5))
    ours, base = seconds["matrix"], seconds["single"]
    runs = len(profiles) * (OfflineFlags.mask() + 1)
    profiles_word = "profiles" if len(profiles) > 1 else "profile"
    return [
        Figure(
            f"flag matrix: 128 combinations × {len(profiles)} OS {profiles_word}, move-busy-dll",
            ours,
            base,
            "s",
            "≤ 1.1× of the single runs, under 2 s",
            ours <= 1.1 * base and ours < 2.0,
            f"{runs} single simulations",
        )
    ]


# --------------------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------------------


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
                Kind.STATE,
                new,
                actor="rhs",
                subject=f"res{lane:03d}",
                t=t,
                state=(previous.get(lane), new),
                evidence="documented",
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


def timeline_png(options: Options) -> list[Figure]:
    """Timeline of 100 000 state intervals to PNG against one ``barh`` call per interval."""
    trace = _state_trace(400 if options.quick else 100_000)

    def fresh() -> Trace:  # a new Trace object each turn: its replay is not memoised yet, so both pay it
        return Trace(trace.header, trace)

    ours = medians({"timeline": lambda: _png(timeline(fresh()))}, **options.turns(3))
    naive = medians({"naive": lambda: _png(_naive_timeline(fresh()))}, **options.turns(1, warmup=0))
    return [
        Figure(
            f"timeline of {len(replay(trace).intervals):,} state intervals to PNG",
            ours["timeline"],
            naive["naive"],
            "s",
            "≥ 10× faster",
            naive["naive"] >= 10 * ours["timeline"],
            "one barh per interval",
        )
    ]


def explorer_update(options: Options) -> list[Figure]:
    """One OfflineV2 flag toggled in the explorer's model: simulate, offline summary, comparison with no
    flags, SVG timeline and HTML table, as `labkit.widgets.OfflineFlagExplorer` does on a click (nothing
    kept from one toggle to the next), against what a click drew before: the matplotlib timeline of the
    same run, rasterised to PNG."""
    model = OfflineExplorerModel(keep=0)
    choice = OfflineChoice("move-busy-dll")
    flags = [flag for flag in OfflineFlags.single_flags() if flag & choice.available]
    toggles = itertools.cycle([(flag, on) for flag in flags for on in (True, False)])
    shown: list[OfflineChoice] = [choice]

    def update() -> None:
        flag, on = next(toggles)
        shown.append(shown[-1].toggled(flag, on))
        view = model.view(shown[-1])
        view.rendered()
        table_html(view.table)

    def png() -> None:
        run = model.run(shown[-1])
        figure_png(timeline(run.trace, title=shown[-1].title))

    seconds = medians({"update": update, "png": png}, **options.turns(2 * len(flags)))
    ms = {name: s * 1e3 for name, s in seconds.items()}
    return [
        Figure(
            "explorer update: one flag toggled → simulate, summary, comparison, SVG picture",
            ms["update"],
            ms["png"],
            "ms",
            "≤ 150 ms median",
            ms["update"] <= 150,
            "the same run's matplotlib timeline to PNG, as clicks drew before",
        )
    ]


def browser_clicks(options: Options) -> list[Figure]:
    """Every explorer control in JupyterLab + Chromium, input → changed picture, against the replayer's ▶
    (`bench.browser`); sliders dragged, last move → settled picture."""
    if not browser.available():
        missing = f"the browser figure needs Chromium at {browser.CHROMIUM} and Playwright"
        if options.quick:  # a smoke run on a machine without a browser measures everything else
            print(f" ({missing}: left out)", end="", file=sys.stderr)
            return []
        raise RuntimeError(missing)
    return browser.browser_figure(options.quick)


# --------------------------------------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------------------------------------


def execute_notebooks(options: Options) -> list[Figure]:
    """Execute every notebook of the lab as the tests do (`labkit.lab.notebooks.execute`): absolute times.

    Wall time, unlike the other figures: the work happens in a kernel process, and waiting for it is
    what a reader of the lab (or ``make test``) sees.
    """
    found = notebooks.find(ROOT / "notebooks")
    chosen = found[:1] if options.quick else found
    seconds = {}
    for path in chosen:
        start = time.perf_counter()
        notebooks.execute(path, ROOT)
        seconds[path.name] = time.perf_counter() - start
    rows = [Figure(f"execute {name}", s, None, "s", "(reported)", True) for name, s in seconds.items()]
    total = sum(seconds.values())
    return [
        *rows,
        Figure(f"execute every notebook ({len(chosen)})", total, None, "s", "report the total", True),
    ]


FIGURES: dict[str, Callable[[Options], list[Figure]]] = {
    "tracer": tracer_cost,
    "open-trace": open_trace,
    "nspv2": nspv2_sessions,
    "matrix": flag_matrix_move,
    "timeline": timeline_png,
    "explorer": explorer_update,
    "browser": browser_clicks,
    "notebooks": execute_notebooks,
    "clusterlog": log_import,
    "store-convert": store_convert,
    "store-questions": store_questions,
}
"""Every figure by the name ``--only`` takes, in the order of the issue's table."""
