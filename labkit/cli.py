"""The ``labkit`` command line: the same functions as the Python API.

Every command turns a bad file or a bad name into a one-line error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from labkit import __version__
from labkit.exceptions import LabkitError, TraceFormatError
from labkit.trace import read_trace

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that says what to do next when the input is wrong."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labkit", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"labkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check",
        help="validate a trace file and list its faults (exit 1 when there are any, 2 when unreadable)",
        description="Validate a trace file line by line and list the fault events it records.",
    )
    check.add_argument("trace", help="a labkit trace (JSON Lines)")
    check.set_defaults(run=_check)

    simulate = commands.add_parser(
        "simulate",
        help="run a scenario and write its trace",
        description="Run a named scenario of one domain and write its trace as JSON Lines.",
    )
    simulate_commands = simulate.add_subparsers(dest="domain", metavar="DOMAIN", parser_class=_Parser)
    simulate_commands.required = True
    # Each domain adds its `simulate <domain>` subcommand (and its own top-level commands) below.
    # --- nspv2 commands ---
    # --- cluster commands ---
    return parser


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
    print(f"{args.trace}: {len(trace)} events, {len(faults)} faults")
    return 1 if len(faults) else 0


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
