"""What every command of the ``labkit`` command line shares: its parser class, counts in words, text
from a trace on one line, tables on stdout."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, TypeAlias

from labkit.exceptions import LabkitError, OutputExistsError

if TYPE_CHECKING:
    import pandas as pd


class Parser(argparse.ArgumentParser):
    """argparse that says what to do next when the input is wrong, and shows help as plain text (a
    docstring's reStructuredText literals lose their backticks)."""

    def format_help(self) -> str:
        return _plain(super().format_help())

    def format_usage(self) -> str:
        return _plain(super().format_usage())

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


Commands: TypeAlias = "argparse._SubParsersAction[Parser]"
"""Where a group of subcommands is added."""
_LITERAL = re.compile(r"``(.+?)``|`([^`]+)`")


def _plain(text: str) -> str:
    """Help text without reStructuredText literals: a name in double backquotes reads plain, one in single
    backquotes reads in single quotes."""
    return _LITERAL.sub(lambda m: m.group(1) or f"'{m.group(2)}'", text)


def count(n: int, word: str) -> str:
    """``1 fault``, ``2 faults``, ``0 faults``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def one_line(text: str) -> str:
    """Text from a trace as one printable line: control characters (newlines, terminal escapes) escaped."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def print_frame(frame: pd.DataFrame, form: str) -> None:
    """A table on stdout as CSV (``csv``) or markdown (``md``)."""
    from labkit.views import tables

    if form == "csv":
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    else:
        sys.stdout.write(tables.to_markdown(frame))


def error_line(exc: Exception) -> str:
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
