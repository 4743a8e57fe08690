"""Commands over trace files: check, table, export, summary, diff and report."""

from __future__ import annotations

import argparse
import sys

from labkit.cli.common import Commands, Parser, count, error_line, one_line, print_frame
from labkit.exceptions import DomainMismatchError, LabkitError, TraceFormatError
from labkit.trace import Trace, read_trace
from labkit.trace.checks import violations

_TABLES = ("states", "calls", "faults")


def add_check(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="validate trace files, list their faults and contract violations (exit 1 when there are any, "
        "2 when one is unreadable)",
        description="Validate each trace file line by line, list the fault events it records, then the "
        "contract violations the events show by themselves (calls that never return, completions of unknown "
        "spans, state changes from the wrong state, ...) and, for a cluster trace (a simulation or an "
        "imported cluster.log), the timing and counting rules it breaks (pending past PendingTimeout without "
        "a Terminate, a call past DeadlockTimeout, restarts beyond RestartThreshold). Every file is checked, "
        "even after a bad one; the exit code is the worst: 2 when a file is unreadable, 1 when one has "
        "faults or violations.",
    )
    check.add_argument("traces", nargs="+", metavar="TRACE", help="labkit traces (JSON Lines)")
    check.set_defaults(run=_check)


def _check(args: argparse.Namespace) -> int:
    codes = []
    for path in args.traces:
        try:
            codes.append(_check_one(path))
        except (LabkitError, OSError) as exc:
            if len(args.traces) == 1:
                raise
            print(f"labkit: error: {error_line(exc)}", file=sys.stderr)
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
        print(f"{path}: {one_line(line)}")
    found = violations(trace)
    if trace.domain == "cluster":  # the timing and counting rules a log can break (PendingTimeout, ...)
        from labkit.readback.logchecks import log_violations

        found = sorted([*found, *log_violations(trace)], key=lambda v: v.seq)
    for violation in found:
        print(f"{path}: {one_line(str(violation))}")
    counts = (
        count(len(trace), "event"),
        count(len(faults), "fault"),
        count(len(found), "contract violation"),
    )
    print(f"{path}: {', '.join(counts)}")
    return 1 if len(faults) or found else 0


def add_view_commands(commands: Commands) -> None:
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
    export_formats = export.add_subparsers(dest="format", metavar="FORMAT", parser_class=Parser)
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
    _add_export_clusterlog(export_formats)


def _add_export_clusterlog(export_formats: Commands) -> None:
    what = (
        "cluster.log files, one per node, in the directory OUT: what the model predicts a log would show "
        "(marked as labkit's rendering; `labkit import clusterlog` reads it back as evidence inferred)"
    )
    sub = export_formats.add_parser("clusterlog", help=what, description=what + ".")
    sub.add_argument("trace", help="a cluster trace (JSON Lines)")
    sub.add_argument("out", help="the directory to write <node>_cluster.log files into")
    sub.add_argument("--force", action="store_true", help="overwrite files in OUT that exist")
    sub.add_argument(
        "--encoding",
        choices=["utf-16", "utf-8-sig", "utf-8"],
        default="utf-16",
        help="utf-16 (LE with BOM, as Get-ClusterLog writes; default), utf-8-sig or utf-8",
    )
    sub.set_defaults(run=_export)


def _table(args: argparse.Namespace) -> int:
    from labkit.views import tables  # pandas loads only for the commands that need it

    trace = read_trace(args.trace)
    make = {"states": tables.state_table, "calls": tables.calls_table, "faults": tables.faults_table}
    print_frame(make[args.of](trace), args.format)
    return 0


def _export(args: argparse.Namespace) -> int:
    from labkit.views import export

    trace = read_trace(args.trace)
    if args.format == "clusterlog":
        return _export_clusterlog(args, trace)
    if args.format == "csv":
        path, what = export.write_csv(trace, args.out, force=args.force), "CSV"
    elif args.json or str(args.out).endswith(".json"):
        path, what = export.write_perfetto(trace, args.out, force=args.force), "Perfetto JSON"
    else:
        from labkit.views import pftrace

        path, what = pftrace.write_pftrace(trace, args.out, force=args.force), "Perfetto protobuf"
    print(f"{path}: {count(len(trace), 'event')} exported as {what}")
    return 0


def _export_clusterlog(args: argparse.Namespace, trace: Trace) -> int:
    from labkit.views import export

    if trace.domain != "cluster":
        raise LabkitError(f"{args.trace}: only a cluster trace renders as cluster.log ({trace.domain})")
    paths = export.write_clusterlog(trace, args.out, force=args.force, encoding=args.encoding)
    for written in paths:
        print(f"{written}: rendered from {args.trace}")
    print(f"{args.out}: {count(len(trace), 'event')} exported as clusterlog ({len(paths)} nodes)")
    return 0


def add_summary_commands(commands: Commands) -> None:
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
    print_frame(views.health_summary(trace) if args.health else views.summary(trace), args.format)
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
        print_frame(views.changes_table(found), "md")
    return 0 if found.identical and not found.parameters else 1


def add_report(commands: Commands) -> None:
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
    problems = f", {count(len(trace.problems), 'line')} not read" if trace.problems else ""
    print(f"{path}: report of {count(len(trace), 'event')}{problems}")
    return 0
