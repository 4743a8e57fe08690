"""The trace store's figures (issue 15): questions over millions of events, and converting a trace.

Every measurement runs in a fresh interpreter (`harness.run_child`) so peak memory counts one engine
alone; pandas, labkit, DuckDB and pyarrow are imported in every child before the clock starts. Times are
CPU time of the child (all its threads: DuckDB uses both cores), with wall time reported beside it.
"""

from __future__ import annotations

import functools
import math
import shutil
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.harness import Figure, run_child, take_turns

if TYPE_CHECKING:
    from bench.figures import Options

IMPORTS = (
    "import time, json, pathlib, tempfile\n"
    "import pandas, labkit, labkit.store, duckdb, pyarrow, pyarrow.parquet\n"
)

CONVERT_CHILD = (
    IMPORTS
    + """
import labkit.store.onepass
path, scratch, reader = sys.argv[1], sys.argv[2], sys.argv[3]
if reader == "duckdb":  # as if labkit had been built without its C reader
    labkit.store.onepass.available = lambda: False
elif not labkit.store.onepass.available():
    raise SystemExit("labkit was built without its C reader (labkit/store/_canonical.c): no C compiler?")
with tempfile.TemporaryDirectory(dir=scratch) as tmp:
    runs = labkit.store.open(pathlib.Path(tmp) / "runs", create=True)
    start, wall = time.process_time(), time.perf_counter()
    added = runs.add([path])
    seconds, wall = time.process_time() - start, time.perf_counter() - wall
    result = {"seconds": seconds, "wall": wall, "rows": added.events}
"""
)
"""Convert one trace file into a new store (the fast path for a file labkit wrote), by the C reader or,
with ``duckdb``, the way a labkit built without a compiler does."""

FRAME_CHILD = (
    IMPORTS
    + """
path = sys.argv[1]
start, wall = time.process_time(), time.perf_counter()
frame = labkit.read_frame(path)
result = {"seconds": time.process_time() - start, "wall": time.perf_counter() - wall, "rows": len(frame)}
"""
)

BUILD_CHILD = (
    IMPORTS
    + """
added = labkit.store.open(sys.argv[1], create=True).add(sys.argv[2:])
result = {"events": added.events}
"""
)
"""Build the store the questions are asked of."""

DUCKDB_CHILD = (
    IMPORTS
    + """
from labkit.store import queries
runs = labkit.store.open(sys.argv[1])
start, wall = time.process_time(), time.perf_counter()
answer = runs.sql(getattr(queries, sys.argv[2]))
seconds, wall = time.process_time() - start, time.perf_counter() - wall
result = {"seconds": seconds, "wall": wall, "answer": json.loads(answer.to_json(orient="values"))}
"""
)
"""One question asked of the store, in a fresh process: DuckDB reads only what it needs."""

PANDAS_CHILD = (
    IMPORTS
    + """
from bench.store_figures import pandas_offline_outcomes, pandas_state_time, pandas_events
files = sys.argv[1:]
start, wall = time.process_time(), time.perf_counter()
events = pandas_events(files)
loaded, loaded_wall = time.process_time() - start, time.perf_counter() - wall
result = {"load": loaded, "load_wall": loaded_wall}
for name, ask in (("OFFLINE_OUTCOMES", pandas_offline_outcomes), ("STATE_TIME", pandas_state_time)):
    start, wall = time.process_time(), time.perf_counter()
    answer = ask(events)
    result[name] = time.process_time() - start
    result[name + "_wall"] = time.perf_counter() - wall
    result[name + "_answer"] = json.loads(answer.to_json(orient="values"))
"""
)
"""Both questions the way one answers them without the store: every trace's JSON Lines into pandas (with
labkit.read_frame, the fastest way there), the columns the questions need, then pandas."""


def pandas_events(files: list[str]) -> Any:
    """The events of ``files`` as one frame with the columns both questions need (the ``args`` dicts of each
    file are dropped once ``OfflineFlags`` is taken out, so only one file's dicts are alive at a time)."""
    import pandas as pd

    import labkit

    frames = []
    for number, path in enumerate(files):
        frame = labkit.read_frame(path)
        frame["OfflineFlags"] = pd.array(
            [
                a.get("OfflineFlags") if n == "OfflineV2" else None
                for a, n in zip(frame["args"], frame["name"], strict=True)
            ],
            dtype="Int64",
        )
        columns = ["seq", "t", "kind", "name", "subject", "result_name", "span", "state_to", "OfflineFlags"]
        frames.append(frame[columns].assign(trace=number))
        del frame
    return pd.concat(frames, ignore_index=True)


def pandas_offline_outcomes(events: Any) -> Any:
    """`labkit.store.queries.OFFLINE_OUTCOMES` in pandas."""
    from labkit.text import arg_text

    offline = events[events["name"] == "OfflineV2"]
    calls = offline[offline["kind"] == "call"][["trace", "seq", "OfflineFlags"]]
    ends = offline[offline["kind"].isin(["return", "complete"])]
    last = ends.sort_values("seq").groupby(["trace", "span"], observed=True)["result_name"].last()
    merged = calls.merge(last.rename("outcome"), left_on=["trace", "seq"], right_index=True, how="left")
    merged["outcome"] = merged["outcome"].fillna("")
    counted = (
        merged.groupby(["OfflineFlags", "outcome"], observed=True).size().rename("operations").reset_index()
    )
    counted.insert(0, "effective", [arg_text("OfflineFlags", int(v)) for v in counted.pop("OfflineFlags")])
    return counted.sort_values(["operations", "effective", "outcome"], ascending=[False, True, True])


def pandas_state_time(events: Any) -> Any:
    """`labkit.store.queries.STATE_TIME` in pandas."""
    states = events[(events["kind"] == "state") & ~events["subject"].str.contains(":", regex=False)]
    states = states.sort_values(["trace", "seq"])
    until = states.groupby(["trace", "subject"], observed=True)["t"].shift(-1)
    spans = states.assign(ms=until - states["t"]).dropna(subset=["ms"])
    table = spans.groupby(["subject", "state_to"], observed=True)["ms"].agg(["sum", "size"]).reset_index()
    return table.sort_values(["subject", "state_to"])


def _same(a: Any, b: Any) -> bool:
    """The two answers hold the same rows: text and counts equal, sums of milliseconds equal to 1e-9
    relative (the engines add millions of floats in different orders)."""

    def key(row: list[Any]) -> tuple[Any, ...]:
        return tuple(v for v in row if not isinstance(v, float))

    if len(a) != len(b):
        return False
    pairs = zip(sorted(a, key=key), sorted(b, key=key), strict=True)
    return all(
        key(x) == key(y)
        and all(math.isclose(u, v, rel_tol=1e-9) for u, v in zip(x, y, strict=True) if isinstance(u, float))
        for x, y in pairs
    )


def store_of(results: Path, files: list[Path]) -> Path:
    """A store of ``files`` in ``results``, built once and reused (a run killed while building leaves no
    store that looks finished)."""
    import labkit.store

    path = results / f"store-{len(files)}x{files[0].stem.split('-')[1]}"
    if not (path / "labkit-store.json").exists() or len(labkit.store.open(path)) != len(files):
        partial = path.with_name(path.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(path, ignore_errors=True)
        # In a child, so the parent stays small (the children's memory figures are their own either way:
        # `run_child` reads each child's VmHWM, which does not carry over from the parent).
        run_child(BUILD_CHILD, str(partial), *map(str, files))
        partial.rename(path)
    return path


def store_questions(options: Options) -> list[Figure]:
    """Two questions over a 10-million-event store against pandas on the same events from JSON Lines."""
    from bench.figures import synthetic_file

    traces, n = (2, 5_000) if options.quick else (10, 1_000_000)
    files = [synthetic_file(options.results, n, seed) for seed in range(traces)]
    path = store_of(options.results, files)
    turns = options.turns(3, warmup=0)
    duck = take_turns(
        {
            q: functools.partial(run_child, DUCKDB_CHILD, str(path), q)
            for q in ("OFFLINE_OUTCOMES", "STATE_TIME")
        },
        **turns,
    )
    pandas = take_turns({"pandas": functools.partial(run_child, PANDAS_CHILD, *map(str, files))}, **turns)[
        "pandas"
    ]
    rows = []
    what = f"{traces} traces × {n:,} events"
    for question, label in (
        ("OFFLINE_OUTCOMES", "offline outcomes per effective flag"),
        ("STATE_TIME", "state time per resource"),
    ):
        for result in pandas:
            if not all(_same(r["answer"], result[question + "_answer"]) for r in duck[question]):
                raise RuntimeError(f"DuckDB and pandas disagree on {question}")
        ours = statistics.median(r["seconds"] for r in duck[question])
        theirs = statistics.median(r["load"] + r[question] for r in pandas)
        ours_mem = statistics.median(r["peak_rss_mib"] for r in duck[question])
        theirs_mem = statistics.median(r["peak_rss_mib"] for r in pandas)
        base = "pandas on labkit.read_frame of the JSON Lines"
        rows += [
            Figure(
                f"{label}, {what}: DuckDB on the store, time",
                ours,
                theirs,
                "s",
                "≥ 20× faster",
                20 * ours <= theirs,
                base,
            ),
            Figure(
                f"{label}, {what}: DuckDB on the store, peak memory",
                ours_mem,
                theirs_mem,
                "MiB",
                "≥ 5× less",
                5 * ours_mem <= theirs_mem,
                base,
            ),
            Figure(
                f"… {label}: pandas's own part (frame in memory)",
                statistics.median(r[question] for r in pandas),
                theirs,
                "s",
                "(reported)",
                True,
                base + ", load included",
            ),
        ]
    return rows


def store_convert(options: Options) -> list[Figure]:
    """Converting a 1,000,000-event trace into a store against read_frame of the same file."""
    from bench.figures import synthetic_file

    n = 10_000 if options.quick else 1_000_000
    path = synthetic_file(options.results, n)
    runs = take_turns(
        {
            "store": functools.partial(run_child, CONVERT_CHILD, str(path), str(options.results), "onepass"),
            "duckdb": functools.partial(run_child, CONVERT_CHILD, str(path), str(options.results), "duckdb"),
            "read_frame": functools.partial(run_child, FRAME_CHILD, str(path)),
        },
        **options.turns(3, warmup=0),
    )
    if any(r["rows"] != n for results in runs.values() for r in results):
        raise RuntimeError(f"a conversion of {n} events gave another number of rows: {runs}")
    median = {
        name: {key: statistics.median(r[key] for r in rs) for key in ("seconds", "wall", "peak_rss_mib")}
        for name, rs in runs.items()
    }
    ours, base = median["store"], median["read_frame"]
    what = f"store a {n:,}-event trace (labkit store add)"
    name = "labkit.read_frame of the same file"
    return [
        Figure(
            f"{what}, CPU time",
            ours["seconds"],
            base["seconds"],
            "s",
            "≥ 2× faster",
            2 * ours["seconds"] <= base["seconds"],
            name,
        ),
        Figure(f"{what}, wall time", ours["wall"], base["wall"], "s", "(reported)", True, name),
        Figure(
            "… the same without the C reader (DuckDB reads and proves the file), CPU time",
            median["duckdb"]["seconds"],
            base["seconds"],
            "s",
            "(reported)",
            True,
            name,
        ),
        Figure(
            f"{what}, peak memory",
            ours["peak_rss_mib"],
            base["peak_rss_mib"],
            "MiB",
            "(reported)",
            True,
            name,
        ),
    ]
