"""The store on disk, and how an add reaches it all at once or not at all.

::

    STORE/labkit-store.json                              format and schema version
    STORE/traces/part-<batch>.parquet                    one row per trace
    STORE/events/domain=<d>/source=<s>/part-<batch>.parquet

Plain Parquet in Hive-style folders: DuckDB, Dask, Spark or pandas read ``STORE/events`` as it is.

An add writes its files into ``STORE/.staging-<batch>/`` (invisible to every reader), flushed to disk,
then renames that folder to ``.commit-<batch>``: the commit point. Only then are the files moved into
place, the ``traces`` file last. A crash before the commit point leaves a staging folder that the next
opening removes (the store is as it was); a crash after it leaves a commit folder that the next opening
finishes (the add happened). Adds take a lock file (``STORE/.lock``, released by the system when a
process dies), so two writers never interleave; readers take no lock.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.exceptions import StoreError
from labkit.store.schema import FORMAT, MARKER, SCHEMA_VERSION

if TYPE_CHECKING:
    import pyarrow as pa

STAGING = ".staging-"
COMMIT = ".commit-"
LOCK = ".lock"


def create(root: Path) -> None:
    """Make ``root`` an empty store (the folder may exist, but must hold nothing else)."""
    if root.exists() and not root.is_dir():
        raise StoreError(f"{root}: not a folder; a store is a folder")
    if root.is_dir() and any(p.name not in (LOCK,) for p in root.iterdir()):
        raise StoreError(
            f"{root}: the folder is not empty and is not a labkit store (no {MARKER}); "
            "give a new or empty folder"
        )
    (root / "events").mkdir(parents=True, exist_ok=True)
    (root / "traces").mkdir(exist_ok=True)
    write_marker(root)


def write_marker(root: Path) -> None:
    """Say that ``root`` is a store of this labkit's schema version (atomically)."""
    marker = {"format": FORMAT, "schema": SCHEMA_VERSION}
    tmp = root / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(marker) + "\n")
    os.replace(tmp, root / MARKER)
    _fsync_dir(root)


def check(root: Path) -> int:
    """The schema version of the store at ``root``; `StoreError` unless it is a store this labkit reads."""
    marker = root / MARKER
    if not marker.is_file():
        what = "does not exist" if not root.exists() else f"is not a labkit store (no {MARKER})"
        raise StoreError(f"{root}: {what}")
    try:
        found = json.loads(marker.read_text())
        schema = found["schema"]
        ok = found.get("format") == FORMAT and isinstance(schema, int)
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise StoreError(f"{marker}: not a labkit store marker (expected {{'format': '{FORMAT}', ...}})")
    if schema > SCHEMA_VERSION:
        raise StoreError(
            f"{root}: store schema version {schema} is newer than this labkit reads ({SCHEMA_VERSION})"
        )
    return int(schema)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the store's writer lock (blocking): one add at a time, across processes."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: adds are not serialised there
        yield
        return
    with open(root / LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def pending(root: Path) -> list[Path]:
    """Staging and commit folders an interrupted add left behind."""
    return sorted(p for p in root.iterdir() if p.name.startswith((STAGING, COMMIT)))


def recover(root: Path) -> None:
    """Undo adds that did not reach their commit point, finish those that did. Call under `locked`."""
    for folder in pending(root):
        if folder.name.startswith(STAGING):
            shutil.rmtree(folder)
        else:
            _move_into_place(folder, root)


def new_batch() -> str:
    """A name for one add's files: sorts by time, unique across processes."""
    now = datetime.datetime.now(datetime.UTC)
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def publish(root: Path, batch: str, events: Mapping[tuple[str, str], pa.Table], traces: pa.Table) -> None:
    """Write one add: the events of each (domain, source) partition and the traces rows, atomically."""
    staging = root / f"{STAGING}{batch}"
    staging.mkdir()
    try:
        for (domain, source), table in sorted(events.items()):
            folder = staging / "events" / f"domain={domain}" / f"source={source}"
            folder.mkdir(parents=True)
            write_parquet(table, folder / f"part-{batch}.parquet")
        (staging / "traces").mkdir()
        write_parquet(traces, staging / "traces" / f"part-{batch}.parquet")
        _sync_tree(staging)
        committed = root / f"{COMMIT}{batch}"
        os.rename(staging, committed)  # the commit point
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(root)
    _move_into_place(committed, root)


def write_parquet(table: pa.Table, path: Path) -> None:
    """One Parquet file: zstd, row groups small enough for DuckDB and Dask to skip what a filter rules
    out, dictionary-encoded columns where values repeat (names, subjects, the trace id)."""
    import pyarrow.parquet as pq

    unique = {"args", "seq", "t", "span"}  # nearly every value differs: a dictionary only costs time
    dictionary = [name for name in table.column_names if name not in unique]
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=256 * 1024,
        use_dictionary=dictionary,
        write_statistics=True,
    )


def _move_into_place(committed: Path, root: Path) -> None:
    """Move a committed add's files into the store, the traces file last, then drop the folder."""
    files = sorted(p for p in committed.rglob("*.parquet") if p.relative_to(committed).parts[0] == "events")
    files += sorted((committed / "traces").glob("*.parquet")) if (committed / "traces").is_dir() else []
    for path in files:
        target = root / path.relative_to(committed)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        move_hook(target)
    shutil.rmtree(committed)
    _fsync_dir(root)


def move_hook(target: Path) -> None:
    """Called after each file moved into place (a seam for the crash tests; does nothing)."""


def _sync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        _fsync_dir(path)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a system that cannot open folders (Windows)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def data_files(root: Path) -> list[Path]:
    """Every Parquet file the store's tables are made of."""
    return sorted((root / "events").glob("*/*/*.parquet")) + sorted((root / "traces").glob("*.parquet"))
