"""Every exception labkit raises. Each mixes in the builtin a caller would naturally catch."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass


class LabkitError(Exception):
    """Base class of labkit's own errors."""


class UnknownNameError(LabkitError, ValueError):
    """A name (flag, OS profile, scenario, provider, DLL, policy) that does not exist; the message offers
    the closest valid names (a typo, another case) before listing them all."""

    def __init__(self, what: str, given: str, valid: Sequence[str]) -> None:
        self.what = what
        self.given = given
        self.valid = list(valid)
        self.suggestions = _close(str(given), self.valid)
        """The valid names closest to ``given``, best first (empty when none is close)."""
        maybe = " or ".join(repr(s) for s in self.suggestions)
        hint = f" (did you mean {maybe}?)" if maybe else ""
        super().__init__(f"unknown {what} {given!r}{hint}; valid: {', '.join(self.valid)}")


def _close(given: str, valid: Sequence[str]) -> list[str]:
    """Up to two valid names close to ``given`` (a typo, another case, the first word or words), best
    first."""
    folded = {name.casefold(): name for name in valid}
    key = given.casefold()
    found = difflib.get_close_matches(key, list(folded), n=2, cutoff=0.8)
    if not found and len(key) >= 3:
        found = [name for name in folded if name.startswith(key)][:2]
    return [folded[name] for name in found]


@dataclass(frozen=True)
class TraceProblem:
    """One thing wrong with a trace file, located by file and line (and field when there is one)."""

    path: str
    """The file as the caller named it."""
    line: int
    """1-based line number; line 1 is the header."""
    message: str
    """What is wrong, in words a person understands."""
    field: str | None = None
    """The JSON field at fault, if the problem is in one field."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:"
        return f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}"


class TraceFormatError(LabkitError, ValueError):
    """A trace file that does not follow the labkit-trace format; lists every problem found."""

    def __init__(self, problems: Sequence[TraceProblem]) -> None:
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            shown.append(f"... and {len(self.problems) - 20} more problems")
        super().__init__("\n".join(shown) or "invalid trace")


class OutputExistsError(LabkitError, FileExistsError):
    """Writing would replace an existing file (a trace, an export, a table) and the caller did not ask for
    that (``force``)."""

    def __init__(self, path: object, *, appeared: bool = False) -> None:
        self.path = str(path)
        self.appeared = appeared
        """True when the file appeared while labkit was writing (a check before writing found none)."""
        what = "file appeared while writing; not overwritten" if appeared else "file exists"
        super().__init__(f"{self.path}: {what}" + ("" if appeared else "; pass force=True to overwrite it"))


class DomainMismatchError(LabkitError, ValueError):
    """Two traces of different domains where one domain is needed (``labkit diff`` of an NSPv2 and a
    cluster trace)."""


class UsageError(LabkitError, ValueError):
    """A call or command line that asks for something contradictory or incomplete."""


class StoreError(LabkitError, ValueError):
    """A trace store that cannot be used as asked: not a store, a damaged file in it, a bad query. The
    message names the store and the file concerned."""


class WallClockTimeout(LabkitError, TimeoutError):
    """User code blocked in real time for longer than the wall-clock guard allows."""


class SimulationError(LabkitError, RuntimeError):
    """The simulation itself could not run (bad scenario, bad configuration); never user-code faults."""


class NotebookExecutionError(LabkitError, RuntimeError):
    """A notebook failed while running top to bottom; names the notebook and the failing cell."""

    def __init__(self, notebook: object, cell: int | None, detail: str) -> None:
        self.notebook = str(notebook)
        self.cell = cell
        where = f"{self.notebook}: cell {cell}" if cell is not None else self.notebook
        super().__init__(f"{where}: {detail}")


class SiteBuildError(LabkitError, RuntimeError):
    """The static documentation site could not be built (assets missing or altered, a remote reference)."""


class ClusterLogError(LabkitError, ValueError):
    """A file that cannot be read as a cluster.log at all (a binary file, no file at all); names the file and
    the line (0 when the problem is the file as a whole)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
