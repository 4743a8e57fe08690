"""Commands over what labkit knows and reads from outside: the rule catalogue and log imports."""

from __future__ import annotations

import argparse
import re
import sys

from labkit.cli.common import Commands, Parser, count, print_frame


def add_rules_command(commands: Commands) -> None:
    rules = commands.add_parser(
        "rules",
        help="print the rule catalogue: every modelled behaviour with its evidence and source",
        description="Print one row per rule of the catalogue: id, domain, statement, evidence (documented, "
        "header, sample, observed, inferred), source (reference sheet section and Microsoft page, header "
        "line or protocol section), policy (for an inferred choice that can be switched), whether labkit "
        "models it, and the scenarios whose golden traces cite it.",
    )
    rules.add_argument("--domain", choices=["nspv2", "cluster"], help="only this domain's rules")
    rules.add_argument("--format", choices=["md", "csv"], default="md", help="markdown (default) or CSV")
    rules.set_defaults(run=_rules)


def _rules(args: argparse.Namespace) -> int:
    from labkit.views.rules import rules_table

    table = rules_table(args.domain)
    table["modelled"] = table["modelled"].map({True: "yes", False: "not modelled"})
    print_frame(table, args.format)
    return 0


def add_import_commands(commands: Commands) -> None:
    imports = commands.add_parser(
        "import",
        help="read logs from outside labkit into a trace",
        description="Read logs written outside labkit into a labkit trace.",
    )
    sources = imports.add_subparsers(dest="source", metavar="SOURCE", parser_class=Parser)
    sources.required = True
    clusterlog = sources.add_parser(
        "clusterlog",
        help="cluster.log files from every node, merged onto one timeline",
        description="Read cluster.log files (or directories of them, one file per node) into one cluster "
        "trace: recognised lines as typed events, every other line as a LogLine note, the section tables "
        "into the header. A summary line goes to stderr.",
    )
    clusterlog.add_argument(
        "paths", nargs="+", metavar="FILE_OR_DIR", help="cluster.log files or directories"
    )
    clusterlog.add_argument("--out", required=True, metavar="TRACE", help="where to write the trace")
    clusterlog.add_argument("--force", action="store_true", help="overwrite TRACE if it exists")
    clusterlog.add_argument(
        "--store", metavar="STORE", help="also add the trace to this trace store (created if missing)"
    )
    clusterlog.add_argument(
        "--utc-offset",
        metavar="±HH:MM",
        help="the stamps' offset from UTC (logs written with -UseLocalTime); default: what each log's "
        "Cluster section says, else UTC",
    )
    clusterlog.add_argument(
        "--node", metavar="NAME", help="the node of every file (default: from the file name)"
    )
    clusterlog.set_defaults(run=_import_clusterlog)
    # argparse takes "-05:00" for an option; let an offset west of UTC be a value, as it takes "-5".
    clusterlog._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d{1,2}:?\d{2}$")


def _import_clusterlog(args: argparse.Namespace) -> int:
    from labkit import clusterlog

    job = clusterlog.import_logs(
        args.paths, args.out, force=args.force, utc_offset=args.utc_offset, node=args.node
    )
    print(f"{args.out}: {count(job.events_read, 'event')}")
    print(f"labkit: {job.summary()}", file=sys.stderr)
    if args.store:
        from labkit import store

        done = store.open(args.store, create=True).add([args.out])
        print(f"{args.store}: trace {done.ids[0]} ({'added' if done.added else 'already stored'})")
    return 0
