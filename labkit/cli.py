"""The ``labkit`` command line: the same functions as the Python API.

Every command turns a bad file or a bad name into a one-line error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from labkit import __version__
from labkit.exceptions import LabkitError, TraceFormatError, UsageError
from labkit.trace import Trace, read_trace
from labkit.trace.checks import violations

if TYPE_CHECKING:
    import pandas as pd

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that says what to do next when the input is wrong."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``labkit`` parser: each group of subcommands is added by its own function, in ``--help`` order."""
    parser = _Parser(prog="labkit", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"labkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_check(commands)
    _add_view_commands(commands)
    _add_scenarios(commands)
    simulate = _add_simulate(commands)
    # Each domain adds its `simulate <domain>` subcommand (and its own top-level commands).
    _add_nspv2_simulate(simulate)
    _add_cluster_commands(simulate, commands)
    _add_summary_commands(commands)
    _add_rules_command(commands)
    _add_import_commands(commands)
    _add_store_commands(commands)
    return parser


def _add_check(commands: argparse._SubParsersAction[_Parser]) -> None:
    check = commands.add_parser(
        "check",
        help="validate a trace file, list its faults and contract violations (exit 1 when there are any, "
        "2 when unreadable)",
        description="Validate a trace file line by line, list the fault events it records, then the contract "
        "violations the events show by themselves (calls that never return, completions of unknown spans, "
        "state changes from the wrong state, ...).",
    )
    check.add_argument("trace", help="a labkit trace (JSON Lines)")
    check.set_defaults(run=_check)


# --- views commands: table, export ---
def _add_view_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    table = commands.add_parser(
        "table",
        help="print a trace's state table (or its calls or faults) as markdown or CSV",
        description="Print one row per state interval of every subject (session, lookup, resource, group), "
        "or with --of calls / faults one row per call or fault. Flags and codes by SDK name.",
    )
    table.add_argument("trace", help="a labkit trace (JSON Lines)")
    table.add_argument("--format", choices=["md", "csv"], default="md", help="markdown (default) or CSV")
    table.add_argument("--of", choices=list(_TABLES), default="states", help="which table (default: states)")
    table.set_defaults(run=_table)
    export = commands.add_parser(
        "export",
        help="write a trace as Perfetto trace JSON or CSV",
        description="Write a trace in another format; an existing output file is kept unless --force.",
    )
    export_formats = export.add_subparsers(dest="format", metavar="FORMAT", parser_class=_Parser)
    export_formats.required = True
    for name, what in (
        ("perfetto", "Chrome / Perfetto trace JSON (open in ui.perfetto.dev): one track per subject"),
        ("csv", "CSV of the events frame: one row per event"),
    ):
        sub = export_formats.add_parser(name, help=what, description=what + ".")
        sub.add_argument("trace", help="a labkit trace (JSON Lines)")
        sub.add_argument("out", help="the file to write")
        sub.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
        sub.set_defaults(run=_export)


def _add_scenarios(commands: argparse._SubParsersAction[_Parser]) -> None:
    scenarios = commands.add_parser(
        "scenarios",
        help="list the named scenarios of both domains",
        description="List every named scenario: its domain (as `labkit simulate` spells it), name, summary.",
    )
    scenarios.add_argument(
        "--domain", choices=["nspv2", "cluster", "offline"], help="only this domain (offline: cluster)"
    )
    scenarios.set_defaults(run=_scenarios)


def _add_simulate(commands: argparse._SubParsersAction[_Parser]) -> argparse._SubParsersAction[_Parser]:
    simulate = commands.add_parser(
        "simulate",
        help="run a scenario and write its trace",
        description="Run a named scenario of one domain and write its trace as JSON Lines.",
    )
    domains = simulate.add_subparsers(dest="domain", metavar="DOMAIN", parser_class=_Parser)
    domains.required = True
    return domains


def _scenarios(args: argparse.Namespace) -> int:
    from labkit import cluster, nspv2

    wanted = "cluster" if args.domain == "offline" else args.domain
    for word, registry in (("nspv2", nspv2.scenarios), ("cluster", cluster.scenarios)):
        if wanted in (None, word):
            width = max(len(n) for n in registry.names())
            for scenario in registry:
                print(f"{word:8} {scenario.name:{width}}  {scenario.summary}")
    return 0


# --- nspv2 commands ---
def _add_nspv2_simulate(commands: argparse._SubParsersAction[_Parser]) -> None:
    nspv2 = commands.add_parser(
        "nspv2",
        help="the Winsock broker driving an NSPv2 provider through client sessions",
        description="Run a named NSPv2 scenario and write its trace (JSON Lines). Unknown names list "
        "the valid ones.",
    )
    nspv2.add_argument("--scenario", required=True, metavar="NAME", help="a scenario name")
    nspv2.add_argument("--provider", metavar="NAME", help="replace the first host's provider")
    nspv2.add_argument("--crash-policy", metavar="both|rundown|cleanup", help="what a client crash triggers")
    nspv2.add_argument("--startup-policy", metavar="first-use|wsastartup", help="when NSPv2Startup fires")
    nspv2.add_argument(
        "--unadvertise-policy",
        metavar="both|rundown|silent|drain",
        help="what unadvertising does to open sessions",
    )
    nspv2.add_argument("--os", metavar="vista|win7", help="NSPv2 OS profile (default: the scenario's)")
    nspv2.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _output_options(nspv2)
    nspv2.set_defaults(run=_simulate_nspv2)


def _simulate_nspv2(args: argparse.Namespace) -> int:
    from labkit import nspv2

    policy = {
        "crash": args.crash_policy,
        "startup": args.startup_policy,
        "unadvertise": args.unadvertise_policy,
    }
    run = nspv2.simulate(args.scenario, provider=args.provider, policy=policy, os=args.os, seed=args.seed)
    where = _save(run.trace, args, f"labkit simulate nspv2 --scenario {args.scenario}")
    print(f"{where}: {len(run.trace)} events, {len(run.faults)} faults")
    return 0


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", help="where to write the trace (JSON Lines)")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument(
        "--store", metavar="STORE", help="add the trace to this trace store (created if missing)"
    )


def _save(trace: Trace, args: argparse.Namespace, origin: str) -> str:
    """Write ``trace`` where the command line asks (--out, --store or both); says where it went."""
    if not args.out and not args.store:
        raise UsageError("say where the trace goes: --out FILE, --store STORE, or both")
    places = []
    if args.out:
        places.append(str(trace.write(args.out, force=args.force)))
    if args.store:
        from labkit import store

        trace_id = store.add_trace(args.store, trace, origin=origin)
        places.append(f"{args.store} (trace {trace_id})")
    return ", ".join(places)


# --- end nspv2 commands ---


def _check(args: argparse.Namespace) -> int:
    trace = read_trace(args.trace, strict=False)
    for problem in trace.problems:
        print(problem)
    if trace.problems:
        raise TraceFormatError(trace.problems)  # every problem is listed above; main() says it in one line
    faults = trace.faults
    for event in faults:
        rule = event.args.get("rule", "")
        ref = f" [{event.ref}]" if event.ref else ""
        line = f"seq {event.seq} t={event.t:g}ms {event.name} ({event.subject}) {rule}{ref}"
        print(f"{args.trace}: {_one_line(line)}")
    found = violations(trace)
    for violation in found:
        print(f"{args.trace}: {_one_line(str(violation))}")
    print(f"{args.trace}: {len(trace)} events, {len(faults)} faults, {len(found)} contract violations")
    return 1 if len(faults) or found else 0


_TABLES = ("states", "calls", "faults")


def _table(args: argparse.Namespace) -> int:
    from labkit.views import tables  # pandas loads only for the commands that need it

    trace = read_trace(args.trace)
    make = {"states": tables.state_table, "calls": tables.calls_table, "faults": tables.faults_table}
    _print_frame(make[args.of](trace), args.format)
    return 0


def _print_frame(frame: pd.DataFrame, form: str) -> None:
    """A table on stdout as CSV (``csv``) or markdown (``md``)."""
    from labkit.views import tables

    if form == "csv":
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    else:
        sys.stdout.write(tables.to_markdown(frame))


def _export(args: argparse.Namespace) -> int:
    from labkit.views import export

    trace = read_trace(args.trace)
    write = export.write_perfetto if args.format == "perfetto" else export.write_csv
    path = write(trace, args.out, force=args.force)
    print(f"{path}: {len(trace)} events exported as {args.format}")
    return 0


# --- cluster commands ---
def _add_cluster_commands(
    simulate: argparse._SubParsersAction[_Parser], commands: argparse._SubParsersAction[_Parser]
) -> None:
    offline = simulate.add_parser(
        "cluster",
        aliases=["offline"],
        help="the cluster and its Resource Monitors driving a resource DLL (offline is the old name)",
        description="Run a named cluster scenario and write its trace (JSON Lines): OfflineV2 and its flags, "
        "health checks, restarts, failovers, deadlocked monitors. Unknown names list the valid ones.",
    )
    offline.add_argument("--scenario", required=True, metavar="NAME", help="a cluster scenario name")
    offline.add_argument(
        "--flags",
        metavar="FLAGS",
        help="OfflineFlags the requests ask for: names joined by ',' or '|' (QUEUE_ENABLED,"
        "RETURN_TO_SOURCE_NODE_ON_ERROR) or a number (0x6); default: the scenario's",
    )
    _cluster_options(offline)
    offline.add_argument(
        "--property",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a resource or group common property, e.g. RestartAction=1 or FailoverThreshold=5 (repeatable)",
    )
    offline.add_argument(
        "--health",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="poll online resources with LooksAlive / IsAlive (default: the scenario's)",
    )
    _output_options(offline)
    offline.set_defaults(run=_simulate_offline)

    matrix = commands.add_parser(
        "matrix",
        help="run a cluster scenario with all 128 combinations of the seven OfflineV2 flags",
        description="One row per combination of the seven CLUS_RESDLL_OFFLINE_* flags: what was asked "
        "for, what OfflineV2 received on the OS profile, and how the run ended.",
    )
    matrix.add_argument("--scenario", required=True, metavar="NAME", help="a cluster scenario name")
    _cluster_options(matrix, several_os=True)
    matrix.add_argument("--out", metavar="FILE.csv", help="write CSV there instead of printing the table")
    matrix.add_argument("--force", action="store_true", help="overwrite FILE.csv if it exists")
    matrix.add_argument(
        "--store", metavar="STORE", help="also add every run's trace to this trace store (created if missing)"
    )
    matrix.set_defaults(run=_matrix)


def _cluster_options(parser: argparse.ArgumentParser, *, several_os: bool = False) -> None:
    parser.add_argument(
        "--os",
        default="2016",
        metavar="2012,2012r2,2016" if several_os else "2012|2012r2|2016",
        help="cluster OS profile" + (" or several joined by ','" if several_os else "") + " (default 2016)",
    )
    parser.add_argument("--dll", metavar="NAME", help="replace the scenario's resource DLL (a sample name)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch an inferred choice, e.g. unknown_flags=drop (repeatable)",
    )


def _policies(pairs: list[str]) -> dict[str, object]:
    from labkit.exceptions import UnknownNameError

    policies: dict[str, object] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise UnknownNameError("--policy setting", pair, ["NAME=VALUE"])
        policies[name.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return policies


def _properties(pairs: list[str]) -> dict[str, int]:
    from labkit.exceptions import UnknownNameError

    values: dict[str, int] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        try:
            if not equals:
                raise ValueError(pair)
            values[name.strip()] = int(value.strip(), 0)
        except ValueError:
            raise UnknownNameError("--property setting", pair, ["NAME=NUMBER"]) from None
    return values


def _simulate_offline(args: argparse.Namespace) -> int:
    from labkit import cluster

    run = cluster.simulate(
        args.scenario,
        flags=args.flags,
        os=args.os,
        dll=args.dll,
        seed=args.seed,
        policy=_policies(args.policy),
        properties=_properties(args.property),
        health=args.health,
    )
    where = _save(run.trace, args, f"labkit simulate offline --scenario {args.scenario}")
    print(f"{where}: {len(run.trace)} events, {len(run.faults)} faults, result {run.outcome['result_name']}")
    return 0


def _matrix(args: argparse.Namespace) -> int:

    from labkit import cluster
    from labkit.trace.files import write_new

    profiles = [p.strip() for p in args.os.split(",") if p.strip()]
    table = cluster.flag_matrix(
        args.scenario,
        os=profiles,
        dll=args.dll,
        seed=args.seed,
        policy=_policies(args.policy),
        store=args.store,
    )
    if args.store:
        print(f"{args.store}: {len(table)} runs stored", file=sys.stderr)
    if not args.out:
        print(table.to_string(index=False))
        return 0
    out = write_new(args.out, lambda f: table.to_csv(f, index=False, lineterminator="\n"), force=args.force)
    print(f"{out}: {len(table)} rows")
    return 0


# --- end cluster commands ---


# --- summary commands ---
def _add_summary_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    summary = commands.add_parser(
        "summary",
        help="print a trace's summary: one row per NSPv2 client session or per cluster offline operation",
        description="Print one row per client session (nspv2 trace: provider, session argument, lookups, "
        "sets, how it ended, faults) or per offline operation of a resource (cluster trace: requested and "
        "effective flags, result, pending time, checkpoints, Terminate, final state, persistent state).",
    )
    summary.add_argument("trace", help="a labkit trace (JSON Lines)")
    summary.add_argument("--format", choices=["md", "csv"], default="md", help="markdown (default) or CSV")
    summary.add_argument(
        "--health",
        action="store_true",
        help="cluster trace: one row per resource instead (polls, FALSE answers, failures, restarts, "
        "failovers, monitors, deadlocks)",
    )
    summary.set_defaults(run=_summary)
    diff = commands.add_parser(
        "diff",
        help="compare two traces: what changed, in one sentence, then every change",
        description="Compare trace A (the reference) with trace B: the header parameters that differ, the "
        "first event where they part ways, and what changed in the outcome (requests, final states, "
        "persistent state, callbacks, faults, duration). Exit code 1 when the traces differ.",
    )
    diff.add_argument("a", help="the reference trace")
    diff.add_argument("b", help="the trace to compare with it")
    diff.set_defaults(run=_diff)


def _summary(args: argparse.Namespace) -> int:
    from labkit import views

    trace = read_trace(args.trace)
    _print_frame(views.health_summary(trace) if args.health else views.summary(trace), args.format)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from labkit import views

    found = views.diff(read_trace(args.a), read_trace(args.b))
    print(found.summary())
    if found.divergence is not None:
        print(f"first divergence at seq {found.divergence.index}")
    if found.changes():
        print()
        _print_frame(views.changes_table(found), "md")
    return 0 if found.identical and not found.parameters else 1


# --- end summary commands ---


# --- rules commands ---
def _add_rules_command(commands: argparse._SubParsersAction[_Parser]) -> None:
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
    _print_frame(table, args.format)
    return 0


# --- end rules commands ---


# --- clusterlog commands ---
def _add_import_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    imports = commands.add_parser(
        "import",
        help="read logs from outside labkit into a trace",
        description="Read logs written outside labkit into a labkit trace.",
    )
    sources = imports.add_subparsers(dest="source", metavar="SOURCE", parser_class=_Parser)
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
    print(f"{args.out}: {job.events_read} events")
    print(f"labkit: {job.summary()}", file=sys.stderr)
    if args.store:
        from labkit import store

        done = store.open(args.store, create=True).add([args.out])
        print(f"{args.store}: trace {done.ids[0]} ({'added' if done.added else 'already stored'})")
    return 0


# --- end clusterlog commands ---


# --- store commands ---
def _add_store_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    store = commands.add_parser(
        "store",
        help="a trace store: many traces in one folder of Parquet files, queried with SQL",
        description="Manage a trace store (labkit.store): a folder of Parquet files that DuckDB, Dask and "
        "Spark read as they are.",
    )
    store_commands = store.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
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
    _print_frame(frame, args.format)
    return 0


# --- end store commands ---


def _one_line(text: str) -> str:
    """Text from a trace as one printable line: control characters (newlines, terminal escapes) escaped."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except LabkitError as exc:
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        more = f" (and {len(rest)} more problems)" if rest else ""
        print(f"labkit: error: {first}{more}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"labkit: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
