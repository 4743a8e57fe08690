"""Writing whole files safely: through a temporary file, never replacing an existing one unless asked.

Traces, exports and tables all go through `write_new`, so they share one rule: an existing file is kept
(`OutputExistsError`) unless ``force``, even one that appears while writing; a failed or interrupted
write leaves the old file as it was and no temporary file behind. The file gets the permissions any
new file of the user gets (0666 less the umask), like a file the shell creates.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from labkit.exceptions import OutputExistsError


def write_new(
    path: str | os.PathLike[str],
    write: Callable[[IO[Any]], object],
    *,
    force: bool = False,
    mkdir: bool = True,
    binary: bool = False,
) -> Path:
    """Call ``write(out)`` on a temporary text file (bytes with ``binary``) beside ``path``, then give it
    the name ``path``.

    ``mkdir`` creates missing parent folders (otherwise a missing folder is `FileNotFoundError`); a
    ``path`` that is a folder is `IsADirectoryError`.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "is a folder; give a file name", str(target))
    if target.exists() and not force:
        raise OutputExistsError(target)
    if mkdir:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.parent.is_dir():
        raise FileNotFoundError(2, "No such directory", str(target.parent))
    fd, tmp = _temporary(target)
    try:
        opened = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with opened as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(tmp, target)
        else:
            _publish_new(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _temporary(target: Path) -> tuple[int, str]:
    """A new hidden file beside ``target``, opened for writing, created with mode 0666 so that the umask
    decides (``tempfile.mkstemp`` would make it 0600, and the published file would keep that)."""
    while True:
        tmp = str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:  # another writer's temporary file: draw another name
            continue


def _publish_new(tmp: str, target: Path) -> None:
    """Give the finished file at ``tmp`` the name ``target`` only if no file has that name yet.

    A hard link fails atomically when the name exists, which a check followed by a rename cannot promise.
    """
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputExistsError(target, appeared=True) from None
    except OSError:  # a file system without hard links: check, then rename (a small window remains)
        if target.exists():
            raise OutputExistsError(target, appeared=True) from None
        os.replace(tmp, target)
