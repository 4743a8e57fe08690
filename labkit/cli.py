"""The ``labkit`` command line: the same functions as the Python API.

Every command turns a bad file or a bad name into a one-line error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from labkit import __version__
from labkit.exceptions import DomainMismatchError, LabkitError, OutputExistsError, TraceFormatError
from labkit.trace import read_trace
from labkit.trace.checks import violations

if TYPE_CHECKING:
    import pandas as pd

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that says what to do next when the input is wrong, and shows help as plain text (a
    docstring's reStructuredText literals lose their backticks)."""

    def format_help(self) -> str:
        return _plain(super().format_help())

    def format_usage(self) -> str:
        return _plain(super().format_usage())

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


_LITERAL = re.compile(r"``(.+?)``|`([^`]+)`")


def _plain(text: str) -> str:
    """Help text without reStructuredText literals: a name in double backquotes reads plain, one in single
    backquotes reads in single quotes."""
    return _LITERAL.sub(lambda m: m.group(1) or f"'{m.group(2)}'", text)


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
    _add_report(commands)
    _add_rules_command(commands)
    _add_import_commands(commands)
    return parser


def _add_check(commands: argparse._SubParsersAction[_Parser]) -> None:
    check = commands.add_parser(
        "check",
        help="validate trace files, list their faults and contract violations (exit 1 when there are any, "
        "2 when one is unreadable)",
        description="Validate each trace file line by line, list the fault events it records, then the "
        "contract violations the events show by themselves (calls that never return, completions of unknown "
        "spans, state changes from the wrong state, ...). Every file is checked, even after a bad one; the "
        "exit code is the worst: 2 when a file is unreadable, 1 when one has faults or violations.",
    )
    check.add_argument("traces", nargs="+", metavar="TRACE", help="labkit traces (JSON Lines)")
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
        help="write a trace for Perfetto (protobuf or JSON) or as CSV",
        description="Write a trace in another format; an existing output file is kept unless --force, "
        "missing folders are made.",
    )
    export_formats = export.add_subparsers(dest="format", metavar="FORMAT", parser_class=_Parser)
    export_formats.required = True
    for name, what in (
        (
            "perfetto",
            "Perfetto's protobuf trace (.pftrace; open in ui.perfetto.dev): a track per subject, its states "
            "and calls as slices, completions, faults and notes as instants, a flow from each asynchronous "
            "call to its completion; with --json (or an OUT ending in .json) Chrome trace JSON instead",
        ),
        ("csv", "CSV of the events frame: one row per event"),
    ):
        sub = export_formats.add_parser(name, help=what.split(";")[0], description=what + ".")
        sub.add_argument("trace", help="a labkit trace (JSON Lines)")
        sub.add_argument("out", help="the file to write")
        sub.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
        if name == "perfetto":
            sub.add_argument("--json", action="store_true", help="Chrome trace JSON (µs, no absolute time)")
        sub.set_defaults(run=_export)


def _add_scenarios(commands: argparse._SubParsersAction[_Parser]) -> None:
    scenarios = commands.add_parser(
        "scenarios",
        help="list the named scenarios of both domains",
        description="List every named scenario: its domain (as 'labkit simulate' spells it), name and what "
        "it shows.",
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
    from labkit.text import sentence

    wanted = "cluster" if args.domain == "offline" else args.domain
    rows = [
        (word, scenario.name, sentence(scenario.summary))
        for word, registry in (("nspv2", nspv2.scenarios), ("cluster", cluster.scenarios))
        if wanted in (None, word)
        for scenario in registry
    ]
    domain_width = max(len(word) for word, _, _ in rows)
    name_width = max(len(name) for _, name, _ in rows)
    for word, name, summary in rows:
        print(f"{word:{domain_width}}  {name:{name_width}}  {summary}")
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
    nspv2.add_argument("--out", required=True, metavar="FILE", help="where to write the trace")
    nspv2.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    nspv2.set_defaults(run=_simulate_nspv2)


def _simulate_nspv2(args: argparse.Namespace) -> int:
    from labkit import nspv2

    policy = {
        "crash": args.crash_policy,
        "startup": args.startup_policy,
        "unadvertise": args.unadvertise_policy,
    }
    run = nspv2.simulate(args.scenario, provider=args.provider, policy=policy, os=args.os, seed=args.seed)
    path = run.write(args.out, force=args.force)
    print(f"{path}: {_count(len(run.trace), 'event')}, {_count(len(run.faults), 'fault')}")
    return 0


# --- end nspv2 commands ---


def _check(args: argparse.Namespace) -> int:
    codes = []
    for path in args.traces:
        try:
            codes.append(_check_one(path))
        except (LabkitError, OSError) as exc:
            if len(args.traces) == 1:
                raise
            print(f"labkit: error: {_error_line(exc)}", file=sys.stderr)
            codes.append(2)
    return max(codes)


def _check_one(path: str) -> int:
    trace = read_trace(path, strict=False)
    for problem in trace.problems:
        print(problem)
    if trace.problems:
        raise TraceFormatError(trace.problems)  # every problem is listed above; main() says it in one line
    faults = trace.faults
    for event in faults:
        rule = event.args.get("rule", "")
        ref = f" [{event.ref}]" if event.ref else ""
        line = f"seq {event.seq} t={event.t:g}ms {event.name} ({event.subject}) {rule}{ref}"
        print(f"{path}: {_one_line(line)}")
    found = violations(trace)
    for violation in found:
        print(f"{path}: {_one_line(str(violation))}")
    counts = (
        _count(len(trace), "event"),
        _count(len(faults), "fault"),
        _count(len(found), "contract violation"),
    )
    print(f"{path}: {', '.join(counts)}")
    return 1 if len(faults) or found else 0


def _count(n: int, word: str) -> str:  # 1 fault, 2 faults, 0 faults
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
    if args.format == "csv":
        path, what = export.write_csv(trace, args.out, force=args.force), "CSV"
    elif args.json or str(args.out).endswith(".json"):
        path, what = export.write_perfetto(trace, args.out, force=args.force), "Perfetto JSON"
    else:
        from labkit.views import pftrace

        path, what = pftrace.write_pftrace(trace, args.out, force=args.force), "Perfetto protobuf"
    print(f"{path}: {_count(len(trace), 'event')} exported as {what}")
    return 0


# --- cluster commands ---
def _add_cluster_commands(
    simulate: argparse._SubParsersAction[_Parser], commands: argparse._SubParsersAction[_Parser]
) -> None:
    offline = simulate.add_parser(
        "cluster",
        aliases=["offline"],
        help="the cluster and its Resource Monitor driving a resource DLL through OfflineV2",
        description="Run a named cluster scenario and write its trace (JSON Lines). Unknown names list "
        "the valid ones.",
    )
    offline.add_argument("--scenario", required=True, metavar="NAME", help="a cluster scenario name")
    offline.add_argument(
        "--flags",
        metavar="FLAGS",
        help="OfflineFlags the requests ask for: names joined by ',' or '|' (QUEUE_ENABLED,"
        "RETURN_TO_SOURCE_NODE_ON_ERROR) or a number (0x6); default: the scenario's",
    )
    _cluster_options(offline)
    offline.add_argument("--out", required=True, metavar="FILE", help="where to write the trace")
    offline.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
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


def _simulate_offline(args: argparse.Namespace) -> int:
    from labkit import cluster

    run = cluster.simulate(
        args.scenario,
        flags=args.flags,
        os=args.os,
        dll=args.dll,
        seed=args.seed,
        policy=_policies(args.policy),
    )
    path = run.write(args.out, force=args.force)
    counts = f"{_count(len(run.trace), 'event')}, {_count(len(run.faults), 'fault')}"
    print(f"{path}: {counts}, result {run.outcome['result_name']}")
    return 0


def _matrix(args: argparse.Namespace) -> int:

    from labkit import cluster
    from labkit.trace.files import write_new
    from labkit.views.tables import matrix_text

    profiles = [p.strip() for p in args.os.split(",") if p.strip()]
    table = cluster.flag_matrix(
        args.scenario, os=profiles, dll=args.dll, seed=args.seed, policy=_policies(args.policy)
    )
    if not args.out:
        sys.stdout.write(matrix_text(table))
        return 0
    out = write_new(args.out, lambda f: table.to_csv(f, index=False, lineterminator="\n"), force=args.force)
    print(f"{out}: {_count(len(table), 'row')}")
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

    _print_frame(views.summary(read_trace(args.trace)), args.format)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from labkit import views

    a, b = read_trace(args.a), read_trace(args.b)
    if a.domain != b.domain:
        raise DomainMismatchError(
            f"{args.a} is an {a.domain} trace and {args.b} a {b.domain} trace: only "
            "traces of one domain can be compared"
        )
    found = views.diff(a, b)
    print(found.summary())
    if found.divergence is not None:
        print(f"first divergence at seq {found.divergence.index}")
    if found.changes():
        print()
        _print_frame(views.changes_table(found), "md")
    return 0 if found.identical and not found.parameters else 1


# --- end summary commands ---


# --- report command ---
def _add_report(commands: argparse._SubParsersAction[_Parser]) -> None:
    report = commands.add_parser(
        "report",
        help="write one self-contained HTML report of a trace (for a ticket or a handout)",
        description="Write one HTML file that holds everything it shows and loads nothing: what the trace "
        "is, its summary, the timeline (SVG), faults and contract violations with their rules and sources, "
        "and the events. Works on any trace, simulated or imported; lines that cannot be read are listed "
        "in the report.",
    )
    report.add_argument("trace", help="a labkit trace (JSON Lines)")
    report.add_argument("--out", required=True, metavar="REPORT.html", help="where to write the report")
    report.add_argument("--force", action="store_true", help="overwrite REPORT.html if it exists")
    report.add_argument(
        "--max-events",
        type=int,
        default=5000,
        metavar="N",
        help="list at most N events (default 5000; 0 lists them all)",
    )
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    from labkit.views import report

    trace = read_trace(args.trace, strict=False)
    path = report.write_report(trace, args.out, force=args.force, max_events=args.max_events or None)
    problems = f", {_count(len(trace.problems), 'line')} not read" if trace.problems else ""
    print(f"{path}: report of {_count(len(trace), 'event')}{problems}")
    return 0


# --- end report command ---


def _error_line(exc: Exception) -> str:
    """An error as the one line ``main`` prints after ``labkit: error:``."""
    if isinstance(exc, OutputExistsError):  # the API's wording names its keyword; here the option says it
        what = "exists; add --force to replace it"
        if exc.appeared:
            what = "appeared while writing; not overwritten"
        return f"{exc.path}: file {what}"
    if isinstance(exc, LabkitError):
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        return first + (f" (and {len(rest)} more problems)" if rest else "")
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}"
    return str(exc)


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
    print(f"{args.out}: {_count(job.events_read, 'event')}")
    print(f"labkit: {job.summary()}", file=sys.stderr)
    return 0


# --- end clusterlog commands ---


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
    except BrokenPipeError:  # `labkit table T | head`: the reader has gone, which is not an error
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command its pipe stopped
    except (LabkitError, OSError) as exc:
        print(f"labkit: error: {_error_line(exc)}", file=sys.stderr)
        return 2
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that flushing it at exit cannot raise BrokenPipeError again."""
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError):  # a stdout without a file descriptor (captured): nothing to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
