"""The header of an imported trace: where the events came from and what the logs' tables say.

``params.source`` holds, beside the layout:

- ``files``: per file its ``path`` (as refs name it), ``node``, ``encoding``, ``bom``, ``line_ends``,
  ``utc_offset`` and where that came from, the first and last stamp (UTC), the accounting of its lines
  (``lines`` = ``blank`` + ``header_lines`` + ``entries`` + ``continuations``; ``entries`` =
  ``recognised`` + ``log_lines``; ``out_of_order``, ``late``, ``time_carried``, ``untimed``), its
  ``sections`` (every table line kept) and its ``problems``;
- ``nodes``, ``utc_start`` (the zero of ``t``), ``utc_offset`` (when the same for every file);
- ``resources`` (group, type, owner node, state) and ``groups`` (owner node, state, resources) from the
  ``[=== Resources ===]`` and ``[=== Groups ===]`` tables.

Beside ``source``, ``nodes`` and ``groups`` repeat the layout in the form simulated cluster traces use
(``{"G": {"node": "NODE1", "resources": [...]}}``), so views that draw lanes per group work on both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.clusterlog import sections as sec
from labkit.clusterlog.stamps import iso, offset_text
from labkit.trace import TraceHeader
from labkit.trace.encode import dumps

if TYPE_CHECKING:
    from labkit.clusterlog.entries import LogFile

SCENARIO = "clusterlog"
"""The header's ``scenario`` of an imported trace."""
_COUNTED = (
    "lines",
    "blank",
    "header_lines",
    "entries",
    "recognised",
    "log_lines",
    "continuations",
    "out_of_order",
)


def json_line(header: TraceHeader) -> str:
    """The header as line 1 of a trace file (the same bytes `labkit.trace.Trace.write` writes)."""
    return dumps(header.to_dict()) + "\n"


def build(files: list[LogFile], nodes: list[str], utc_start: int | None) -> TraceHeader:
    """The header of an import of ``files`` (one per node of ``nodes``) whose time 0 is ``utc_start``."""
    source = source_of(files, nodes, utc_start)
    params: dict[str, Any] = {"source": source, "nodes": source["nodes"]}
    if source["groups"]:
        params["groups"] = {
            name: {"node": group.get("owner_node"), "resources": group.get("resources", [])}
            for name, group in source["groups"].items()
        }
    return TraceHeader(domain="cluster", scenario=SCENARIO, params=params)


def source_of(logs: list[LogFile], nodes: list[str], utc_start: int | None) -> dict[str, Any]:
    files = [_file(log, node) for log, node in zip(logs, nodes, strict=True)]
    offsets = {f["utc_offset"] for f in files}
    resources, groups = layout(logs)
    return {
        "format": "cluster.log",
        "files": files,
        "nodes": list(dict.fromkeys(nodes)),
        "utc_start": None if utc_start is None else iso(utc_start),
        "utc_offset": offsets.pop() if len(offsets) == 1 else None,
        "totals": {key: sum(f[key] for f in files) for key in _COUNTED},
        "resources": resources,
        "groups": groups,
    }


def _file(log: LogFile, node: str) -> dict[str, Any]:
    text, stats = log.text, log.stats
    return {
        "path": text.name,
        "node": node,
        "encoding": text.encoding,
        "bom": text.bom,
        "line_ends": "CRLF" if text.crlf else "LF",
        "utc_offset": offset_text(log.offset_minutes or 0),
        "offset_from": log.offset_from,
        "first": None if log.first_stamp is None else iso(log.first_stamp),
        "last": None if log.last_stamp is None else iso(log.last_stamp),
        "lines": text.lines_read,
        "blank": stats.blank,
        "header_lines": stats.header,
        "entries": stats.entries,
        "recognised": stats.recognised,
        "log_lines": stats.log_lines,
        "continuations": stats.continuations,
        "out_of_order": stats.reordered,
        "late": stats.late,
        "time_carried": stats.carried,
        "untimed": stats.untimed,
        **({"rendered_by": log.facts["rendered_by"]} if "rendered_by" in log.facts else {}),
        "sections": log.sections,
        "problems": [p.at(text.name) for p in text.problems.listed],
        "problem_count": text.problems.count,
    }


def layout(files: list[LogFile]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Resources and groups from every file's tables (the first file that describes one wins)."""
    resources: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for log in files:
        for section in log.sections:
            title = section["title"].lower()
            if title == "resources":
                for record in sec.records(section, sec.RESOURCE_COLUMNS):
                    resources.setdefault(record.pop("name"), dict(record))
            elif title == "groups":
                for record in sec.records(section, sec.GROUP_COLUMNS):
                    groups.setdefault(record.pop("name"), dict(record))
    for name, resource in resources.items():
        group = resource.get("group")
        if group:
            known = groups.setdefault(group, {})
            members = known.setdefault("resources", [])
            if name not in members:
                members.append(name)
            if "owner_node" not in known and resource.get("owner_node"):
                known["owner_node"] = resource["owner_node"]  # a group is where its resources are
    return resources, groups


def summary(logs: list[LogFile], nodes: list[str]) -> str:
    """``read N lines from F files (nodes …): R recognised, L kept as log lines, C joined as
    continuations, …``."""
    files = [_file(log, node) for log, node in zip(logs, nodes, strict=True)]
    total = {key: sum(f[key] for f in files) for key in (*_COUNTED, "late", "problem_count")}
    names = ", ".join(dict.fromkeys(nodes))
    text = (
        f"read {total['lines']} lines from {len(files)} file{'s' * (len(files) != 1)} (nodes {names}): "
        f"{total['recognised']} recognised, {total['log_lines']} kept as log lines, "
        f"{total['continuations']} joined as continuations, {total['header_lines']} in the header, "
        f"{total['blank']} blank"
    )
    if total["out_of_order"]:
        text += f"; {total['out_of_order']} out of order (sorted)"
    if total["late"]:
        text += f", {total['late']} too late to sort (kept at the time of the line above)"
    if total["problem_count"]:
        text += f"; {total['problem_count']} problems (listed in the header's params.source.files)"
    return text
