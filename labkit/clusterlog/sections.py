"""The section tables at the top of newer cluster.log files, read into the trace header.

Since Windows Server 2016 a log opens with sections such as ``[=== Cluster ===]``, ``[=== Resources ===]``,
``[=== Groups ===]``, ``[=== Nodes ===]``, … and the log itself follows ``[=== Cluster Logs ===]``.
Sections whose title names an event-log channel (``… logs``, ``…/DiagnosticVerbose``) hold log lines and
are read as such; every other section is a table for the header.

The reference sheet (cluster-offline §8) does not show the bodies of these tables, so the reader accepts
the two layouts a table is found in: comma-separated with a header row (optionally in brackets), and
aligned columns under a dashed rule (PowerShell's Format-Table); ``Key: value`` lines are values. Every
line is kept (as a row, a value or a plain line), so the header accounts for each of them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Any

_MARKER = re.compile(r"\s*\[===\s*(?P<title>[^\]]*?)\s*===\]\s*")
_RULE = re.compile(r"-+")
_COLUMN = re.compile(r"[A-Za-z][\w ]{0,40}")
_KEY_VALUE = re.compile(r"(?P<key>[A-Za-z][\w .()/-]{0,60}?)\s*[:=]\s+(?P<value>.*)")
_CURRENT_NODE = re.compile(r"Current node:\s*name\s*\((?P<name>[^)]*)\)\s*id\s*\((?P<id>\d+)\)", re.I)
_RENDERED_BY = re.compile(r"^Rendered by (?P<by>labkit\b.*)$", re.M)
_BIAS = re.compile(r"time zone offset of this machine is\s*(?P<minutes>-?\d+)\s*minutes", re.I)
BODY = "Cluster Logs"
"""The section after which the log itself starts."""

RESOURCE_COLUMNS = {
    "name": ("Name", "Resource", "ResourceName"),
    "group": ("OwnerGroup", "Group", "Owner Group", "GroupName"),
    "type": ("ResourceType", "Type", "Resource Type"),
    "owner_node": ("OwnerNode", "Node", "Owner Node"),
    "state": ("State",),
}
"""Header fields of a resource and the column names each may come under (first found wins)."""
GROUP_COLUMNS = {
    "name": ("Name", "Group", "GroupName"),
    "owner_node": RESOURCE_COLUMNS["owner_node"],
    "state": ("State",),
}
NODE_COLUMNS = {"name": ("Name", "NodeName", "Node"), "id": ("Id", "NodeId", "Node Id"), "state": ("State",)}


def section_title(line: str) -> str | None:
    """``Resources`` for ``[=== Resources ===]``; None for any other line."""
    match = _MARKER.fullmatch(line)
    return match.group("title") if match else None


def is_log_section(title: str) -> bool:
    """Whether a section holds log lines (the log itself, an event-log channel) rather than a table."""
    lowered = title.lower()
    return lowered == BODY.lower() or lowered.endswith(" logs") or "/" in title


@dataclass
class Section:
    """One table section: its title, where it is, and its non-empty lines."""

    title: str
    first: int
    """Line number of the ``[=== … ===]`` marker."""
    last: int = 0
    lines: list[str] = field(default_factory=list)

    def add(self, number: int, line: str) -> None:
        self.lines.append(line)
        self.last = number

    def to_dict(self, file_name: str) -> dict[str, Any]:
        """The section for the header: ``title``, ``ref`` and its content (``columns``/``rows``,
        ``values``, ``lines``)."""
        last = max(self.last, self.first)
        ref = f"{file_name}:{self.first}" if last == self.first else f"{file_name}:{self.first}-{last}"
        result: dict[str, Any] = {"title": self.title, "ref": ref}
        found = read_table(self.lines)
        if found is not None:
            result["columns"], result["rows"], rest = found
        else:
            rest = self.lines
        values, plain = read_values(rest)
        if values:
            result["values"] = values
        if plain:
            result["lines"] = plain
        return result


def read_table(lines: list[str]) -> tuple[list[str], list[list[str]], list[str]] | None:
    """``(columns, rows, lines before the table)`` of a CSV or Format-Table table; None if there is none."""
    for index, line in enumerate(lines):
        after = lines[index + 1] if index + 1 < len(lines) else ""
        if after.strip() and all(_RULE.fullmatch(part) for part in after.split()):
            return (*_aligned(line, after, lines[index + 2 :]), lines[:index])
        header = line.strip()
        if header.startswith("[") and header.endswith("]"):
            header = header[1:-1]
        columns = [c.strip() for c in next(csv.reader([header]))] if "," in header else []
        if len(columns) >= 2 and all(_COLUMN.fullmatch(c) for c in columns) and index + 1 < len(lines):
            rows = [row for row in csv.reader(lines[index + 1 :]) if row]
            return columns, rows, lines[:index]
    return None


def _aligned(header: str, rule: str, rows: list[str]) -> tuple[list[str], list[list[str]]]:
    """Columns of a Format-Table table, cut where the dashes of the rule start."""
    starts = [m.start() for m in _RULE.finditer(rule)]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    columns = [header[a:b].strip() for a, b in bounds]
    return columns, [[row[a:b].strip() for a, b in bounds] for row in rows]


def read_values(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """``Key: value`` lines as a mapping; the other lines as they are."""
    values: dict[str, str] = {}
    plain: list[str] = []
    for line in lines:
        match = _KEY_VALUE.fullmatch(line.strip())
        if match and match.group("key") not in values:
            values[match.group("key")] = match.group("value").strip()
        else:
            plain.append(line)
    return values, plain


def cluster_facts(section: dict[str, Any]) -> dict[str, Any]:
    """What the ``[=== Cluster ===]`` section says about the node and the time stamps."""
    facts: dict[str, Any] = {}
    text = "\n".join(
        [*section.get("lines", []), *(f"{k}: {v}" for k, v in section.get("values", {}).items())]
    )
    node = _CURRENT_NODE.search(text)
    if node:
        facts["node"], facts["node_id"] = node.group("name"), int(node.group("id"))
    rendered = _RENDERED_BY.search(text)
    if rendered:  # labkit's rendering of a simulated trace (labkit.clusterlog.render): evidence inferred
        facts["rendered_by"] = rendered.group("by").strip()
    bias = _BIAS.search(text)
    if bias:
        facts["bias_minutes"] = int(bias.group("minutes"))
    lowered = text.lower()
    if "generated using local time" in lowered:
        facts["local_time"] = True
    elif "generated using utc" in lowered or "generated using gmt" in lowered:
        facts["local_time"] = False
    return facts


def records(section: dict[str, Any], wanted: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """The rows of a table section as records with the ``wanted`` fields that it has."""
    columns = [c.lower() for c in section.get("columns", [])]
    where: dict[str, int] = {}
    for key, names in wanted.items():
        for name in names:
            if name.lower() in columns:
                where[key] = columns.index(name.lower())
                break
    found = []
    for row in section.get("rows", []):
        record = {
            key: row[index].strip() for key, index in where.items() if index < len(row) and row[index].strip()
        }
        if record.get("name"):
            found.append(record)
    return found
