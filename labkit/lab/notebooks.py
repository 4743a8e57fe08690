"""The lab's notebooks as files: find them, check they are committed clean, strip them, run them.

Notebooks are committed without outputs or widget state (small diffs, no stale pictures) and executed top
to bottom by the tests and by ``make docs``. Execution always happens in a scratch copy of the notebook's
folder and of ``data/``, so a notebook that writes files never touches the working tree and the committed
file is never rewritten.

    python -m labkit.lab.notebooks check notebooks/*.ipynb    # exit 1 and one line per problem
    python -m labkit.lab.notebooks strip notebooks/*.ipynb    # clear outputs and widget state in place
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode

from labkit.exceptions import NotebookExecutionError

DATA_FOLDERS = ("data",)
"""Folders (relative to the project root) copied beside every notebook run: the notebooks read them."""
KERNEL = "python3"
"""Notebooks always run on the current environment's Python, whatever kernel name they were saved with."""
CELL_TIMEOUT = 300
"""Seconds one cell may run before the run fails (generous: CI has two slow cores)."""

_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_PATTERNS = (
    re.compile(
        r"!?\[[^\]]*\]\(\s*(?:<([^>]*)>|([^)\s]+))(?:\s+[\"'][^\"']*[\"'])?\s*\)"
    ),  # [text](target "title")
    re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M),  # [ref]: target
    re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I),  # <a href="..."> <img src="...">
)


@dataclass(frozen=True)
class NotebookProblem:
    """One thing wrong with a committed notebook, located by file, cell and field."""

    path: str
    """The notebook as the caller named it."""
    cell: int | None
    """1-based cell number, None when the problem is the notebook's own metadata."""
    field: str
    """The notebook field at fault (``outputs``, ``metadata.widgets``, a link target, ...)."""
    message: str
    """What is wrong and how to put it right."""

    def __str__(self) -> str:
        where = f"{self.path}: cell {self.cell}" if self.cell is not None else self.path
        return f"{where}: {self.field}: {self.message}"


def find(directory: str | Path) -> list[Path]:
    """The notebooks directly in ``directory``, sorted by name (``NN-`` prefixes give the reading order)."""
    return sorted(Path(directory).glob("*.ipynb"))


def read(path: str | Path) -> NotebookNode:
    """A valid notebook file as nbformat 4; anything else raises ValueError naming the file."""
    try:
        nb: NotebookNode = nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)  # type: ignore[no-untyped-call]
        nbformat.validate(nb)
    except OSError:
        raise
    except Exception as exc:  # nbformat rejects malformed files with many exception types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a valid notebook: {first_line}") from exc
    return nb


def title(nb: NotebookNode) -> str | None:
    """The text of the ``# Title`` line that opens the first cell, if the notebook has one."""
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        return None
    lines = [line for line in nb.cells[0].source.splitlines() if line.strip()]
    if lines and lines[0].startswith("# "):
        return str(lines[0][2:]).strip()
    return None


def links(markdown: str) -> list[str]:
    """Every link and image target in a markdown text (code spans and fenced code are not prose)."""
    prose = _INLINE_CODE.sub("", _FENCED_CODE.sub("", markdown))
    found = [(m.start(), m) for pattern in _LINK_PATTERNS for m in pattern.finditer(prose)]
    return [next(group for group in m.groups() if group) for _, m in sorted(found, key=lambda f: f[0])]


def local_target(target: str) -> str | None:
    """The file path a relative link points at, or None for URLs, mail addresses and in-page anchors."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return unquote(parts.path)


def problems(path: str | Path) -> list[NotebookProblem]:
    """Everything that keeps a notebook from being committed as it is, in cell order.

    A committed notebook opens with a ``# Title`` markdown cell, has no outputs, execution counts or
    widget state, and every relative link in its markdown resolves to an existing file.
    """
    path = Path(path)
    shown = str(path)
    try:
        nb = read(path)
    except OSError as exc:
        return [NotebookProblem(shown, None, "file", f"cannot be read: {exc.strerror or exc}")]
    except ValueError as exc:
        return [NotebookProblem(shown, None, "file", str(exc).removeprefix(f"{shown}: "))]
    found: list[NotebookProblem] = []
    if title(nb) is None:
        found.append(
            NotebookProblem(shown, 1, "source", "the first cell must be markdown opening with '# Title'")
        )
    strip_hint = f"run `python -m labkit.lab.notebooks strip {shown}`"
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and cell.get("outputs"):
            found.append(NotebookProblem(shown, number, "outputs", f"has outputs; {strip_hint}"))
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            found.append(NotebookProblem(shown, number, "execution_count", f"is set; {strip_hint}"))
        if cell.cell_type != "markdown":
            continue
        for target in links(cell.source):
            file = local_target(target)
            if file is not None and not (path.parent / file).exists():
                found.append(NotebookProblem(shown, number, f"link {target}", "points at a missing file"))
    if "widgets" in nb.metadata:
        found.append(
            NotebookProblem(shown, None, "metadata.widgets", f"holds saved widget state; {strip_hint}")
        )
    return found


def strip(nb: NotebookNode) -> bool:
    """Remove outputs, execution counts, run timings and widget state in place; True if anything changed."""
    before = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # JupyterLab's per-cell run timings
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return bool(nb != before)


@contextmanager
def scratch_copy(notebook: str | Path, root: str | Path) -> Iterator[Path]:
    """A temporary copy of the notebook's folder and of ``root``'s data folders, laid out as under ``root``.

    Yields the copied notebook's path; relative paths such as ``../data/traces/x.jsonl`` work in the copy
    as they do in the working tree. The copy is deleted afterwards.
    """
    notebook, root = Path(notebook).resolve(), Path(root).resolve()
    if not notebook.is_relative_to(root):
        raise ValueError(f"{notebook}: not inside the project folder {root}, so its data cannot come along")
    folder = notebook.parent.relative_to(root)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    with tempfile.TemporaryDirectory(prefix="labkit-notebook-") as tmp:
        for name in {str(folder), *DATA_FOLDERS}:
            if (root / name).is_dir():
                shutil.copytree(root / name, Path(tmp) / name, ignore=ignore, dirs_exist_ok=True)
        yield Path(tmp) / folder / notebook.name


def execute(notebook: str | Path, root: str | Path, *, timeout: int = CELL_TIMEOUT) -> NotebookNode:
    """Run a notebook top to bottom in a scratch copy and return it with outputs and widget state.

    The file itself is never written. A failing cell raises `NotebookExecutionError` naming the
    notebook, the cell number and the error, with the cell's traceback.
    """
    read(notebook)  # a missing or broken file is reported under its own name, not the copy's
    with scratch_copy(notebook, root) as scratch:
        nb = read(scratch)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(scratch.parent)}},
            store_widget_state=True,
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            detail = _ANSI_COLOUR.sub("", str(exc))  # tracebacks come coloured for terminals
            raise NotebookExecutionError(notebook, _failed_cell(nb), detail) from exc
    return nb


def _failed_cell(nb: NotebookNode) -> int | None:
    for number, cell in enumerate(nb.cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return number
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labkit.lab.notebooks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("action", choices=["check", "strip"], help="list problems, or strip in place")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.action == "strip":
        for path in args.notebooks:
            try:
                nb = read(path)
            except OSError as exc:
                print(f"{path}: cannot be read: {exc.strerror or exc}", file=sys.stderr)
                return 2
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 2
            if strip(nb):
                nbformat.write(nb, path)  # type: ignore[no-untyped-call]
                print(f"stripped {path}")
        return 0
    found = [problem for path in args.notebooks for problem in problems(path)]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
