"""Small log files written inline for the clusterlog tests."""

from pathlib import Path

from labkit.clusterlog.stamps import second_ms
from labkit.clusterlog.writer import full_line

T0 = second_ms("2024/03/14", "09:15:00")


def line(ms_after: int, component: str | None, text: str, *, level: str = "INFO", pid: int = 0x11D0) -> str:
    """A full-shape line ``ms_after`` ms after 2024-03-14 09:15:00."""
    return full_line(T0 + ms_after, pid, 0xF80, level, component, text)


def write_log(directory: Path, name: str, lines, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write ``lines`` (strings) as one log file; ``encoding`` ``utf-16`` writes LE with a BOM."""
    from labkit.clusterlog.writer import encode

    path = directory / name
    path.write_bytes(encode(newline.join(lines) + newline, encoding))
    return path


def accounted(header) -> list[str]:
    """The accounting identity of every file in an import's header, as broken sentences (empty: holds)."""
    broken = []
    for f in header.params["source"]["files"]:
        if f["lines"] != f["blank"] + f["header_lines"] + f["entries"] + f["continuations"]:
            broken.append(f"{f['path']}: lines {f['lines']} != blank + header + entries + continuations")
        if f["entries"] != f["recognised"] + f["log_lines"]:
            broken.append(f"{f['path']}: entries {f['entries']} != recognised + log lines")
    return broken
