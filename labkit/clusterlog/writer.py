"""Writing cluster.log text: one node's lines in the full shape of cluster-offline §8, then a file in the
encoding and line ends a real log set comes in. Used by the generator of constructed log sets.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass, field
from pathlib import Path

from labkit.clusterlog.stamps import log_text
from labkit.exceptions import OutputExistsError

ENCODINGS = ("utf-16", "utf-8-sig", "utf-8")
"""``utf-16``: UTF-16 LE with a BOM (what Get-ClusterLog and Out-File write); ``utf-8-sig``: UTF-8 with
a BOM; ``utf-8``: without."""


def full_line(
    ms: int, pid: int, tid: int, level: str, component: str | None, text: str, function: str = ""
) -> str:
    """``0000023c.00001a4c::2024/03/14-09:00:00.000 INFO  [RCM] text`` (no tag: ``… INFO  text``; a
    function before the tag: ``… INFO  rcm::RcmMonitor::RestartResources[RCM] text``)."""
    tag = f"{function}[{component}] " if component else ""
    return f"{pid:08x}.{tid:08x}::{log_text(ms)} {level:<5} {tag}{text}"


@dataclass
class NodeLog:
    """One node's log being written: a clock in UTC ms, the processes that write, and the lines."""

    node: str
    now: int
    """UTC ms of the last line."""
    clussvc: int = 0x11D0
    """The cluster service's process id: RCM and the other clussvc components write as it."""
    rhs: int = 0x2CC4
    """The Resource Hosting Subsystem's process id: RHS and the DLLs' RES lines write as it."""
    lines: list[str] = field(default_factory=list)

    def log(
        self, after_ms: int, component: str | None, text: str, *, level: str = "INFO", function: str = ""
    ) -> None:
        """A full line ``after_ms`` after the last one (before it, when negative: a line out of order),
        from clussvc or, for RHS and RES, the rhs process."""
        self.now += after_ms
        pid, tid = (self.rhs, 0x1264) if component in ("RHS", "RES") else (self.clussvc, 0xF80)
        self.lines.append(full_line(self.now, pid, tid, level, component, text, function))

    def raw(self, text: str) -> None:
        """A line exactly as given (a table row, a continuation line, a pasted shape)."""
        self.lines.append(text)

    def text(self, newline: str = "\r\n") -> str:
        return newline.join(self.lines) + newline


def encode(text: str, encoding: str) -> bytes:
    """The bytes of a log file: UTF-16 LE with its BOM for ``utf-16`` (on any platform)."""
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding)


def write_file(path: str | os.PathLike[str], text: str, encoding: str, *, force: bool = False) -> Path:
    """Write one log file (newlines in ``text`` are kept as they are); an existing file only if ``force``."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"{target}: file exists; pass force=True (--force) to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(encode(text, encoding))
    partial.replace(target)
    return target
