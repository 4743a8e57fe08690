"""Commands over a trace store: store add, query."""

from __future__ import annotations

import argparse

from labkit.cli.common import Commands, Parser, print_frame


def add_store_commands(commands: Commands) -> None:
    store = commands.add_parser(
        "store",
        help="a trace store: many traces in one folder of Parquet files, queried with SQL",
        description="Manage a trace store (labkit.store): a folder of Parquet files that DuckDB, Dask and "
        "Spark read as they are.",
    )
    store_commands = store.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    store_commands.required = True
    add = store_commands.add_parser(
        "add",
        help="add trace files (or folders of them) to a store, created if missing",
        description="Add JSON Lines traces to STORE, all at once or not at all. A trace already stored "
        "(same content) is not added twice. A folder stands for the *.jsonl files under it.",
    )
    add.add_argument("store", metavar="STORE", help="the store folder (created if missing)")
    add.add_argument("traces", nargs="+", metavar="TRACE", help="trace files or folders")
    add.add_argument(
        "--source", metavar="NAME", help="put every event in this source partition (default: see the docs)"
    )
    add.set_defaults(run=_store_add)
    sql = commands.add_parser(
        "query",
        help="run SQL over a trace store (views: events, traces) and print the result",
        description="Run one SQL query over STORE with DuckDB. Views: events (one row per event of every "
        "stored trace) and traces (one row per trace); docs/store-schema.md lists the columns. Flag words "
        "print by SDK name.",
    )
    sql.add_argument("store", metavar="STORE", help="the store folder")
    sql.add_argument(
        "sql", metavar="SQL", help='the query, e.g. "select name, count(*) from events group by name"'
    )
    sql.add_argument("--format", choices=["md", "csv"], default="md", help="markdown (default) or CSV")
    sql.set_defaults(run=_query)


def _store_add(args: argparse.Namespace) -> int:
    from labkit import store

    done = store.open(args.store, create=True).add(args.traces, source=args.source)
    print(
        f"{args.store}: {len(done.added)} traces added ({done.events} events), "
        f"{len(done.present)} already stored"
    )
    return 0


def _query(args: argparse.Namespace) -> int:
    from labkit import store
    from labkit.store.schema import FLAG_COLUMNS
    from labkit.text import arg_text

    frame = store.open(args.store).sql(args.sql)
    for column in frame.columns:
        if column in FLAG_COLUMNS:
            frame[column] = [None if v is None or v != v else arg_text(column, int(v)) for v in frame[column]]
    print_frame(frame, args.format)
    return 0
