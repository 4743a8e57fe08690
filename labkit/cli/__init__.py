"""The ``labkit`` command line: the same functions as the Python API.

Every command turns a bad file or a bad name into a one-line error and exit code 2, never a traceback.
Each group of commands lives in its own module (`traces`, `simulate`, `catalog`); this one assembles the
parser and runs a command.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from labkit import __version__
from labkit.cli import catalog, simulate, stores, traces
from labkit.cli.common import Parser, error_line
from labkit.exceptions import LabkitError

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The ``labkit`` parser: each group of subcommands is added by its own function, in ``--help`` order."""
    parser = Parser(prog="labkit", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"labkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    traces.add_check(commands)
    traces.add_view_commands(commands)
    simulate.add_scenarios(commands)
    domains = simulate.add_simulate(commands)
    # Each domain adds its `simulate <domain>` subcommand (and its own top-level commands).
    simulate.add_nspv2_simulate(domains)
    simulate.add_cluster_commands(domains, commands)
    traces.add_summary_commands(commands)
    traces.add_report(commands)
    catalog.add_rules_command(commands)
    catalog.add_import_commands(commands)
    stores.add_store_commands(commands)
    return parser


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
        print(f"labkit: error: {error_line(exc)}", file=sys.stderr)
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
