"""Writing whole files safely: through a temporary file, never replacing an existing one unless asked.

Traces, exports and tables all go through `write_new`, so they share one rule: an existing file is kept
(`OutputExistsError`) unless ``force``, even one that appears while writing; a failed or interrupted
write leaves the old file as it was and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from labkit.exceptions import OutputExistsError


def write_new(
    path: str | os.PathLike[str],
    write: Callable[[IO[str]], object],
    *,
    force: bool = False,
    mkdir: bool = True,
) -> Path:
    """Call ``write(out)`` on a temporary text file beside ``path``, then give it the name ``path``.

    ``mkdir`` creates missing parent folders (otherwise a missing folder is `FileNotFoundError`).
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"{target}: file exists; pass force=True (--force) to overwrite it")
    if mkdir:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.parent.is_dir():
        raise FileNotFoundError(2, "No such directory", str(target.parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
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


def _publish_new(tmp: str, target: Path) -> None:
    """Give the finished file at ``tmp`` the name ``target`` only if no file has that name yet.

    A hard link fails atomically when the name exists, which a check followed by a rename cannot promise.
    """
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputExistsError(f"{target}: file appeared while writing; not overwritten") from None
    except OSError:  # a file system without hard links: check, then rename (a small window remains)
        if target.exists():
            raise OutputExistsError(f"{target}: file appeared while writing; not overwritten") from None
        os.replace(tmp, target)
