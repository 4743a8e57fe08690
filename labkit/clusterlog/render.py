"""A simulated cluster trace rendered as cluster.log files: what the model predicts a log would show.

    from labkit import cluster, clusterlog

    run = cluster.simulate("pending-offline")
    clusterlog.render.write(run.trace, "predicted/")      # predicted/NODE1_cluster.log, one file per node
    clusterlog.read("predicted/")                          # reads back the same transitions, calls, reports

Each event becomes one line of the node it happened on, stamped ``start`` + its virtual time. Where the
reference sheet records a shape that says the event exactly (cluster-offline §8), the line takes that
shape: a resource's state change is RCM's ``TransitionToState(R) Old-->New.``, a status report is RHS's
``Resource R called SetResourceStatusEx: …``. Every other event is written in labkit's own shape
(``labkit: rhs calls OfflineV2 for "R" {…}``, rows ``labkit-*`` of `labkit.clusterlog.patterns`), which no
real log contains. The Cluster section of every file says that the log is labkit's rendering: the
importer then marks its events ``inferred``, never ``observed``. `digest` is what a round trip keeps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit import winapi
from labkit._version import __version__
from labkit.clusterlog.patterns import CLUSTER_STATES, PATTERNS
from labkit.clusterlog.stamps import second_ms
from labkit.clusterlog.writer import full_line, write_file
from labkit.exceptions import OutputExistsError
from labkit.trace import Kind, Trace, TraceEvent

START_MS = second_ms("2024/01/01", "00:00:00")
"""The UTC time a rendering puts at virtual time 0 unless told otherwise."""
_ROWS = {row.key: row for row in PATTERNS}
_PREFIX = "ClusterResource"
_REPORT_FIELDS = frozenset(
    {"ResourceHandle", "ResourceState", "CheckPoint", "StatusFlags", "ApplicationSpecificErrorCode"}
)
"""SetResourceStatusEx arguments RHS's report line carries (the handle is the monitor's own, not shown)."""
_COMPONENTS = {"rcm": "RCM", "rhs": "RHS", "dll": "RES", "client": "API"}
_VERBS = {
    Kind.CALL: "calls",
    Kind.NOTE: "notes",
    Kind.FAULT: "faults",
    Kind.RETURN: "returns",
    Kind.COMPLETE: "completes",
}
_CLUSSVC, _RHS = 0x11D0, 0x2CC4


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def component_of(actor: str) -> str:
    """The tag a line of ``actor`` goes under: RCM, RHS, RES for the DLL and its workers, API for clients
    (monitor processes write as RHS; any other actor as RCM, the cluster service)."""
    if actor.startswith("worker:"):
        return "RES"
    if actor.startswith("monitor"):
        return "RHS"
    return _COMPONENTS.get(actor, "RCM")


@dataclass
class _Node:
    name: str
    lines: list[str]


@dataclass
class _Renderer:
    """One pass over a trace: where each subject is, which node and line each call went to."""

    trace: Trace
    start_ms: int
    nodes: dict[str, _Node] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    """Subject → the node it was last seen on."""
    states: dict[str, str] = field(default_factory=dict)
    """Resource → its last CLUSTER_RESOURCE_STATE word (``Online``), for RHS's report lines."""
    calls: dict[int, tuple[str, int]] = field(default_factory=dict)
    """Call seq → (node, line number) of its line."""
    head_lines: int = 0
    """How many lines the sections take at the top of every file (the same for every node)."""

    def __post_init__(self) -> None:
        params = self.trace.header.params
        self.head_lines = len(self.sections("", 0))
        for node in params.get("nodes") or []:
            self._node(str(node))
        for group, spec in _groups(params).items():
            if isinstance(spec.get("node"), str):
                self.where[f"group:{group}"] = spec["node"]
                for resource in spec.get("resources") or []:
                    self.where[str(resource)] = spec["node"]

    def _node(self, name: str) -> _Node:
        found = self.nodes.get(name)
        if found is None:
            found = self.nodes[name] = _Node(name, [])
        return found

    def node_of(self, event: TraceEvent) -> str:
        """The node a line goes to: the call's for a return, else the event's, else its subject's."""
        if event.kind in (Kind.RETURN, Kind.COMPLETE) and event.span in self.calls:
            return self.calls[event.span][0]
        node = event.args.get("node")
        if isinstance(node, str):
            self.where[event.subject] = node
            return node
        return self.where.get(event.subject) or next(iter(self.nodes), "NODE1")

    def add(self, event: TraceEvent) -> None:
        node = self._node(self.node_of(event))
        component = component_of(event.actor)
        pid = _RHS if component in ("RHS", "RES") else _CLUSSVC
        level = "ERR" if event.kind is Kind.FAULT else "INFO"
        text, component = self.text(event, component)
        ms = self.start_ms + round(event.t)
        node.lines.append(full_line(ms, pid, 0xF80, level, component, text))
        if event.kind is Kind.CALL:
            self.calls[event.seq] = (node.name, self.head_lines + len(node.lines))

    def text(self, event: TraceEvent, component: str) -> tuple[str, str]:
        """The message of an event and the tag it goes under: an observed shape where one says it all."""
        observed = self.observed(event)
        if observed is not None:
            return observed
        subject = _json(event.subject)
        args = _json(_with_ref(event))
        actor = event.actor
        if event.kind is Kind.STATE:  # RCM's words for a resource's states, as its transition lines
            old = event.state.old if event.state and event.state.old is not None else "null"
            new = event.name
            if not event.subject.startswith("group:"):
                old, new = _word(old), _word(new)
            return f"labkit: {actor} sets {subject} from {old} to {new} {args}", component
        if event.kind in (Kind.RETURN, Kind.COMPLETE):
            line = self.calls.get(event.span, ("", 0))[1] if event.span is not None else 0
            result = "null" if event.result is None else str(event.result)
            return (
                f"labkit: {actor} {_VERBS[event.kind]} {event.name} for {subject} = {result} "
                f"({event.result_name or 'null'}), call on line {line} {args}",
                component,
            )
        return f"labkit: {actor} {_VERBS[event.kind]} {event.name} for {subject} {args}", component

    def observed(self, event: TraceEvent) -> tuple[str, str] | None:
        """RCM's transition line or RHS's report line, when the event is one and the line loses nothing."""
        if event.kind is Kind.STATE and _is_resource_state(event):
            assert event.state is not None and event.state.old is not None
            old, new = _word(event.state.old), _word(event.state.new)
            self.states[event.subject] = new
            row = _ROWS["rcm-transition"]
            return row.render(resource=event.subject, old=old, new=new), "RCM"
        if event.kind is Kind.STATE and event.name.startswith(_PREFIX):
            self.states[event.subject] = _word(event.name)
        if _is_plain_report(event):
            state = winapi.CLUSTER_RESOURCE_STATE(event.args["ResourceState"]).name
            row = _ROWS["rhs-set-resource-status-ex"]
            text = row.render(
                resource=event.subject,
                checkpoint=event.args.get("CheckPoint", 0),
                old=self.states.get(event.subject, "StateUnknown"),
                new=_word(state),
                app=event.args.get("ApplicationSpecificErrorCode", 0),
                flags=event.args.get("StatusFlags", 0),
                nores="false",
            )
            return text, "RHS"
        return None

    def files(self) -> dict[str, str]:
        """Node → the text of its log (sections, then the log body), CRLF line ends."""
        out = {}
        for index, node in enumerate(self.nodes.values(), start=1):
            head = self.sections(node.name, index)
            out[node.name] = "\r\n".join([*head, *node.lines]) + "\r\n"
        return out

    def sections(self, node: str, node_id: int) -> list[str]:
        params = self.trace.header.params
        scenario = self.trace.header.scenario or "(unnamed)"
        head = [
            "[=== Cluster ===]",
            "UTC = localtime + time zone offset; "
            "the time zone offset of this machine is 0 minutes, or 0 hours",
            "The logs were generated using UTC time",
            "Cluster name: LABKIT",
            f"Current node: name ({node}) id ({node_id})",
            f"Rendered by labkit {__version__} from the simulated trace of scenario {scenario} (seed "
            f"{params.get('seed', '?')}); every line below is the model's prediction (evidence inferred), "
            "not a record of a real cluster",
            "",
        ]
        groups = _groups(params)
        if groups:
            head += ["[=== Resources ===]", "Name,OwnerGroup,ResourceType,OwnerNode"]
            kind = str(params.get("dll") or "")
            for group, spec in groups.items():
                for resource in spec.get("resources") or []:
                    head.append(_csv([str(resource), group, kind, str(spec.get("node") or "")]))
            head += ["", "[=== Groups ===]", "Name,OwnerNode"]
            head += [_csv([group, str(spec.get("node") or "")]) for group, spec in groups.items()]
            head.append("")
        head.append("[=== Cluster Logs ===]")
        return head


def _csv(cells: Iterable[str]) -> str:
    return ",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells)


def _groups(params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    groups = params.get("groups")
    return {str(k): v for k, v in groups.items() if isinstance(v, dict)} if isinstance(groups, dict) else {}


def _word(state: str) -> str:
    """``ClusterResourceOnline`` → ``Online``: RCM's word for a CLUSTER_RESOURCE_STATE member."""
    return state.removeprefix(_PREFIX)


def _is_resource_state(event: TraceEvent) -> bool:
    state = event.state
    return (
        not event.subject.startswith("group:")
        and state is not None
        and state.old is not None
        and state.new == event.name
        and state.old.startswith(_PREFIX)
        and state.new.startswith(_PREFIX)
        and _word(state.old) in CLUSTER_STATES
        and _word(state.new) in CLUSTER_STATES
        and set(event.args) <= {"node"}
    )


def _is_plain_report(event: TraceEvent) -> bool:
    args = event.args
    state = args.get("ResourceState")
    return (
        event.kind is Kind.CALL
        and event.name == "SetResourceStatusEx"
        and set(args) <= _REPORT_FIELDS
        and isinstance(state, int)
        and state in {int(m) for m in winapi.CLUSTER_RESOURCE_STATE}
        and all(isinstance(args.get(k, 0), int) for k in _REPORT_FIELDS - {"ResourceHandle"})
    )


def _with_ref(event: TraceEvent) -> dict[str, Any]:
    """The event's arguments, and the rule it cites as ``model_ref`` (the line's own ref is its place)."""
    return {**event.args, "model_ref": event.ref} if event.ref else dict(event.args)


def render(trace: Trace, *, start_ms: int = START_MS) -> dict[str, str]:
    """Node → the text of its cluster.log: every event of ``trace`` as one line (see the module)."""
    if trace.domain != "cluster":
        raise ValueError(f"only a cluster trace renders as cluster.log (this one is {trace.domain})")
    renderer = _Renderer(trace, start_ms)
    for event in trace:
        renderer.add(event)
    return renderer.files()


def write(
    trace: Trace,
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    encoding: str = "utf-16",
    start_ms: int = START_MS,
) -> list[Path]:
    """Render ``trace`` into the directory ``out``: ``<node>_cluster.log`` per node, UTF-16 LE with a BOM
    and CRLF like Get-ClusterLog. Existing files are kept unless ``force`` (nothing is written then)."""
    texts = render(trace, start_ms=start_ms)
    target = Path(out)
    paths = {node: target / f"{node}_cluster.log" for node in texts}
    existing = [p for p in paths.values() if p.exists()]
    if existing and not force:
        raise OutputExistsError(f"{existing[0]}: file exists; pass force=True (--force) to overwrite it")
    return [write_file(paths[node], text, encoding, force=force) for node, text in texts.items()]


def digest(trace: Trace) -> dict[str, list[tuple[Any, ...]]]:
    """What a rendering keeps of a trace, in words both sides share, with times from the first event:

    - ``transitions``: (t, subject, from, to), states as CLUSTER_RESOURCE_STATE names where RCM's word
      names one (``Online`` and ``ClusterResourceOnline`` alike);
    - ``calls``: (t, subject, kind, name, result, result_name, t of the call it ends) for every call,
      return and completion but the status reports;
    - ``reports``: (t, subject, ResourceState, CheckPoint, StatusFlags, ApplicationSpecificErrorCode);
    - ``notes``: (t, subject, kind, name) of notes and faults.

    Each list is sorted: lines of different nodes at the same millisecond may merge in either order.
    """
    t0 = trace[0].t if len(trace) else 0.0
    by_seq = {e.seq: e for e in trace if e.kind is Kind.CALL}
    found: dict[str, list[tuple[Any, ...]]] = {"transitions": [], "calls": [], "reports": [], "notes": []}
    for e in trace:
        t = round(e.t - t0)
        if e.kind is Kind.STATE and e.state is not None:
            found["transitions"].append((t, e.subject, _cluster(e.state.old), _cluster(e.state.new)))
        elif e.kind is Kind.CALL and e.name == "SetResourceStatusEx":
            keys = ("ResourceState", "CheckPoint", "StatusFlags", "ApplicationSpecificErrorCode")
            found["reports"].append((t, e.subject, *(e.args.get(k) for k in keys)))
        elif e.kind in (Kind.CALL, Kind.RETURN, Kind.COMPLETE):
            call = by_seq.get(e.span) if e.span is not None else None
            called = None if call is None else round(call.t - t0)
            found["calls"].append((t, e.subject, e.kind.value, e.name, e.result, e.result_name, called))
        elif e.kind in (Kind.NOTE, Kind.FAULT):
            found["notes"].append((t, e.subject, e.kind.value, e.name))
    return {key: sorted(rows, key=repr) for key, rows in found.items()}


def _cluster(state: str | None) -> str | None:
    return CLUSTER_STATES.get(state, state) if state is not None else None
