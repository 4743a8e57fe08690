"""Executed notebooks kept by content, so that ``make docs`` runs again only what changed.

A notebook's outputs depend on the notebook, on labkit's code and on the data it reads, so the key is a
digest of all three (and of the versions of Python and of the packages that draw the outputs). Change a
notebook, a line of labkit or a trace in ``data/`` and the notebooks run again; change nothing and the
build reuses what it ran last time. One executed copy per notebook is kept.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from labkit import __version__
from labkit.lab import notebooks

LABKIT = Path(__file__).resolve().parents[2]
"""labkit's own code: part of every key."""
PACKAGES = ("ipykernel", "ipywidgets", "matplotlib", "nbclient", "nbformat", "numpy", "pandas", "simpy")
"""Packages whose versions are part of every key (a new matplotlib draws other pixels)."""


def key(notebook: Path, root: Path) -> str:
    """The digest that stands for everything ``notebook``'s outputs depend on."""
    digest = hashlib.sha256()
    _add(digest, "notebook", notebook.read_bytes())
    for folder in (LABKIT, *(root / name for name in notebooks.DATA_FOLDERS)):
        for path in _files(folder):
            _add(digest, path.relative_to(folder.parent).as_posix(), path.read_bytes())
    versions = [sys.version, __version__, *(f"{p} {_version(p)}" for p in PACKAGES)]
    _add(digest, "versions", "\n".join(versions).encode())
    return digest.hexdigest()


def _files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    skip = {"__pycache__", ".ipynb_checkpoints"}
    return sorted(p for p in folder.rglob("*") if p.is_file() and not skip & set(p.parts))


def _add(digest: hashlib._Hash, name: str, data: bytes) -> None:
    digest.update(f"{name}\0{len(data)}\0".encode())
    digest.update(data)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def executed(notebook: Path, root: Path, cache: Path | None) -> tuple[NotebookNode, bool]:
    """``notebook`` run top to bottom (`labkit.lab.notebooks.execute`), from ``cache`` when it holds a
    run with the same key; True when it came from the cache. Without ``cache`` it always runs."""
    if cache is None:
        return notebooks.execute(notebook, root), False
    name = notebook.stem
    stored = cache / f"{name}.{key(notebook, root)}.ipynb"
    if stored.is_file():
        try:
            return notebooks.read(stored), True
        except ValueError:  # a damaged cache file: run again and replace it
            stored.unlink()
    nb = notebooks.execute(notebook, root)
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{name}.*.ipynb"):
        old.unlink()
    partial = stored.with_suffix(".partial")
    nbformat.write(nb, partial)  # type: ignore[no-untyped-call]
    partial.replace(stored)
    return nb, False
