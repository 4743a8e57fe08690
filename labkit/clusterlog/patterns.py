"""The cluster.log messages labkit recognises: one row per shape, each citing the sheet line it comes from.

Every row has a ``needle`` (a literal every message of that shape contains: a cheap substring pre-filter
that spares the regular expressions almost every line), the ``regex`` with named groups, a ``build``
that turns a match into an event of the model's vocabulary, a ``template`` that writes the message back
from those groups (the seam for rendering a simulated trace as cluster.log), an ``example`` as the sheet
quotes it and the ``source``: where on the sheet (cluster-offline.md) the shape is recorded. A new shape
is one new row. What no row recognises stays a ``LogLine`` note (`labkit.clusterlog.events`).

Names follow the trace conventions: resources bare, groups ``group:<name>``; RCM's state names are kept
as written and mapped to CLUSTER_RESOURCE_STATE where the same word names a member
(``OfflinePending`` → ``ClusterResourceOfflinePending``); RCM's own sub-states (``OfflineCallIssued``)
are not CLUSTER_RESOURCE_STATE values (cluster-offline §5.2) and get no mapping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit import winapi
from labkit.trace import Kind, StateChange

SHEET = "cluster-offline"
NEVER = "1601/01/01-00:00:00.000"
"""A FILETIME of zero as RCM writes it: never (cluster-offline §8, move line)."""

CLUSTER_STATES: Mapping[str, str] = {
    name.removeprefix("ClusterResource"): name for name in winapi.CLUSTER_RESOURCE_STATE.__members__
}
"""RCM's word for a state → the CLUSTER_RESOURCE_STATE member it names (``Online`` →
``ClusterResourceOnline``, ``StateUnknown`` → ``ClusterResourceStateUnknown``)."""

ENTRY_POINTS: Mapping[str, str] = {
    name.upper(): name
    for name in (
        "Open", "Close", "Online", "Offline", "Terminate", "LooksAlive", "IsAlive",
        "Arbitrate", "Release", "ResourceControl", "ResourceTypeControl", "Cancel",
    )
}  # fmt: skip
"""A call as RHS's deadlock monitor names it (``LOOKSALIVE``) → the function-table entry (§2)."""

OPERATIONS: Mapping[str, str] = {"Arbitrating": "Arbitrate"}
"""RCM's verb for an entry-point call in ``<Verb> resource 'R' returned error N`` → the entry point."""


@dataclass(frozen=True)
class Found:
    """The event a recognised message stands for (the reader adds time, node, line and prefix fields)."""

    kind: Kind
    name: str
    actor: str
    subject: str
    args: dict[str, Any] = field(default_factory=dict)
    result: int | None = None
    result_name: str | None = None
    state: StateChange | None = None
    call_line: int | None = None
    """For a return or completion in labkit's rendering: the line (same file) of the call it ends."""


@dataclass(frozen=True)
class Pattern:
    """One recognised message shape."""

    key: str
    """Short name of the row (``rcm-transition``)."""
    needle: str
    """A literal every message of this shape contains: tested before the regex."""
    regex: re.Pattern[str]
    build: Callable[[re.Match[str]], Found]
    template: str
    """The message written from the regex's groups (``str.format`` fields): how labkit would log it."""
    example: str
    """A message of this shape as the sheet quotes it."""
    source: str
    """Where on the sheet the shape is recorded, with its evidence tag."""
    components: tuple[str, ...] = ()
    """Tags the message comes under; a line with another tag is not this shape (a line without a tag
    may be). Empty: any tag."""
    rendering: bool = False
    """A shape of labkit's own rendering of a simulated trace (`labkit.clusterlog.render`), for events no
    observed shape can say: never seen in a real log, so its ``source`` is labkit, not the sheet."""

    def render(self, **fields: object) -> str:
        """The message for these field values (the regex's group names)."""
        return self.template.format(**fields)


# --------------------------------------------------------------------------------------------------------
# What each row builds
# --------------------------------------------------------------------------------------------------------


def _group(name: str) -> str:
    return f"group:{name}"


def _mapped(states: Mapping[str, str]) -> dict[str, Any]:
    """``cluster_<which>`` → CLUSTER_RESOURCE_STATE name, for each RCM state word that names one."""
    return {
        f"cluster_{which}": CLUSTER_STATES[word] for which, word in states.items() if word in CLUSTER_STATES
    }


def _transition(match: re.Match[str]) -> Found:
    old, new = match.group("old"), match.group("new")
    args = _mapped({"from": old, "to": new})
    if "reason" in match.re.groupindex and match.group("reason"):
        args["reason"] = match.group("reason")
    return Found(Kind.STATE, new, "rcm", match.group("resource"), args, state=StateChange(old, new))


def _note(
    name: str, actor: str, subject: Callable[[re.Match[str]], str], **ints: str
) -> Callable[[re.Match[str]], Found]:
    """A builder of a ``note``: ``ints`` maps an argument name to the group holding its number."""

    def build(match: re.Match[str]) -> Found:
        return Found(
            Kind.NOTE, name, actor, subject(match), {key: int(match.group(g)) for key, g in ints.items()}
        )

    return build


def _resource(match: re.Match[str]) -> str:
    return match.group("resource")


def _group_of(match: re.Match[str]) -> str:
    return _group(match.group("group"))


def _came(state: str) -> Callable[[re.Match[str]], Found]:
    def build(match: re.Match[str]) -> Found:
        name = "ResourceCameOnline" if state == "Online" else "ResourceCameOffline"
        return Found(Kind.NOTE, name, "rhs", match.group("resource"), _mapped({"state": state}))

    return build


def _move(match: re.Match[str]) -> Found:
    args: dict[str, Any] = {
        "source_node": match.group("source"),
        "source_id": int(match.group("source_id")),
        "target_node": match.group("target"),
        "target_id": int(match.group("target_id")),
        "MoveType": match.group("move_type"),
        "outcome": match.group("outcome"),
    }
    for key, value in re.findall(r"(\w+)=(\S+?)(?=,|\s|$)", match.group("details") or ""):
        if value.isdigit():
            args[key] = int(value)
        elif value in ("true", "false"):
            args[key] = value == "true"
        else:
            args[key] = None if value == NEVER else value
    return Found(Kind.NOTE, "GroupMove", "rcm", _group(match.group("group")), args)


def _is_alive_failed(match: re.Match[str]) -> Found:
    return Found(Kind.RETURN, "IsAlive", "dll", match.group("resource"), result=0, result_name="FALSE")


def _deadlock(match: re.Match[str]) -> Found:
    call, late = match.group("call"), int(match.group("late_ms"))
    routine = ENTRY_POINTS.get(call.upper(), call)
    rule = (
        f"the call to {routine} did not return within DeadlockTimeout: RHS's deadlock monitor reports it "
        f"{late} ms late (cluster-offline §4)"
    )
    args = {"rule": rule, "routine": routine, "call": call, "late_ms": late}
    return Found(Kind.FAULT, "DeadlockTimeout", "rhs", match.group("resource"), args)


def _status_ex(match: re.Match[str]) -> Found:
    old, new = match.group("old"), match.group("new")
    flags = int(match.group("flags"), 0)
    args: dict[str, Any] = {}
    if new in CLUSTER_STATES:
        args["ResourceState"] = int(winapi.CLUSTER_RESOURCE_STATE[CLUSTER_STATES[new]])
    args["CheckPoint"] = int(match.group("checkpoint"))
    args["StatusFlags"] = flags & winapi.ResourceStatusFlags.mask()
    if flags & ~winapi.ResourceStatusFlags.mask():
        args["unknown_flag_bits"] = flags & ~winapi.ResourceStatusFlags.mask()
    args["ApplicationSpecificErrorCode"] = int(match.group("app"))
    args.update(old_state=old, new_state=new)
    if match.group("nores") is not None:
        args["nores"] = match.group("nores") == "true"
    return Found(Kind.CALL, "SetResourceStatusEx", "dll", match.group("resource"), args)


def _crashed(match: re.Match[str]) -> Found:
    rule = (
        "RCM found the resource's monitor crashed or deadlocked and moves the resource to a monitor of its "
        "own (cluster-offline §3.6)"
    )
    return Found(
        Kind.FAULT, "CrashedOrDeadlocked", "rcm", match.group("resource"), {"rule": rule, "routine": ""}
    )


def _reattach(match: re.Match[str]) -> Found:
    state = match.group("state")
    args: dict[str, Any] = {"state": state, **_mapped({"state": state})}
    return Found(Kind.NOTE, "ReattachToMonitorProcess", "rcm", match.group("resource"), args)


def _operation_error(match: re.Match[str]) -> Found:
    verb, code = match.group("verb"), int(match.group("code"))
    name = winapi.error_name(code, "cluster")
    routine = OPERATIONS.get(verb)
    if routine is None:
        return Found(
            Kind.NOTE, "ReturnedError", "rcm", match.group("resource"), {"operation": verb}, code, name
        )
    return Found(Kind.RETURN, routine, "dll", match.group("resource"), result=code, result_name=name)


def _returned_error(match: re.Match[str]) -> Found:
    code = int(match.group("code"))
    quoted = re.search(r"'([^']+)'", match.group("what"))
    subject = quoted.group(1) if quoted else ""
    return Found(Kind.NOTE, "ReturnedError", "", subject, {}, code, winapi.error_name(code, "cluster"))


def _not_failing_over(match: re.Match[str]) -> Found:
    args = {
        "failoverCount": int(match.group("count")),
        "failoverThresholdSetting": int(match.group("setting")),
        "computedFailoverThreshold": int(match.group("computed")),
    }
    return Found(Kind.NOTE, "NotFailingOver", "rcm", _group(match.group("group")), args)


_VERBS = {
    "calls": Kind.CALL,
    "notes": Kind.NOTE,
    "faults": Kind.FAULT,
    "returns": Kind.RETURN,
    "completes": Kind.COMPLETE,
}
"""The verb of a line of labkit's rendering → the kind of the event it writes."""


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _rendered_args(match: re.Match[str]) -> dict[str, Any]:
    args = _json(match.group("args"))
    return args if isinstance(args, dict) else {"args_text": match.group("args")}


def _rendered_subject(match: re.Match[str]) -> str:
    subject = _json(match.group("subject"))
    return subject if isinstance(subject, str) else match.group("subject")


def _rendered_event(match: re.Match[str]) -> Found:
    kind = _VERBS[match.group("verb")]
    args = _rendered_args(match)
    return Found(kind, match.group("name"), match.group("actor"), _rendered_subject(match), args)


def _rendered_result(match: re.Match[str]) -> Found:
    result = _json(match.group("result"))
    name = match.group("result_name")
    return Found(
        _VERBS[match.group("verb")],
        match.group("name"),
        match.group("actor"),
        _rendered_subject(match),
        _rendered_args(match),
        result if isinstance(result, int) else None,
        None if name == "null" else name,
        call_line=int(match.group("line")),
    )


def _rendered_state(match: re.Match[str]) -> Found:
    old, new = match.group("old"), match.group("new")
    state = StateChange(None if old == "null" else old, new)
    return Found(
        Kind.STATE, new, match.group("actor"), _rendered_subject(match), _rendered_args(match), state=state
    )


# --------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------

_S8 = f"{SHEET} §8"
_RENDERED = (
    f"labkit's rendering of a simulated event that no observed shape of {_S8} can say [I: labkit]; "
    "never found in a real log"
)
_SUBJECT = r'(?P<subject>"(?:[^"\\]|\\.)*")'
PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "labkit-event",
        "labkit: ",
        re.compile(
            r"^labkit: (?P<actor>\S+) (?P<verb>calls|notes|faults) (?P<name>\S+) for "
            + _SUBJECT
            + r" (?P<args>\{.*\})$"
        ),
        _rendered_event,
        "labkit: {actor} {verb} {name} for {subject} {args}",
        'labkit: rhs calls OfflineV2 for "Share" {"DestinationNodeName":"NODE2","OfflineFlags":1}',
        _RENDERED,
        rendering=True,
    ),
    Pattern(
        "labkit-result",
        "labkit: ",
        re.compile(
            r"^labkit: (?P<actor>\S+) (?P<verb>returns|completes) (?P<name>\S+) for "
            + _SUBJECT
            + r" = (?P<result>-?\d+|null) \((?P<result_name>[^()]*)\), call on line (?P<line>\d+) "
            r"(?P<args>\{.*\})$"
        ),
        _rendered_result,
        "labkit: {actor} {verb} {name} for {subject} = {result} ({result_name}), call on line {line} {args}",
        'labkit: dll returns OfflineV2 for "Share" = 997 (ERROR_IO_PENDING), call on line 57 {}',
        _RENDERED,
        rendering=True,
    ),
    Pattern(
        "labkit-state",
        "labkit: ",
        re.compile(
            r"^labkit: (?P<actor>\S+) sets " + _SUBJECT + r" from (?P<old>\S+) to (?P<new>\S+) "
            r"(?P<args>\{.*\})$"
        ),
        _rendered_state,
        "labkit: {actor} sets {subject} from {old} to {new} {args}",
        'labkit: rcm sets "group:FileServer" from Online to Offline {"node":"NODE1"}',
        _RENDERED,
        rendering=True,
    ),
    Pattern(
        "rcm-transition",
        "TransitionToState(",
        re.compile(r"TransitionToState\((?P<resource>.+)\) (?P<old>\w+)-->(?P<new>\w+)\.?\s*$"),
        _transition,
        "TransitionToState({resource}) {old}-->{new}.",
        "TransitionToState(ag) Online-->OfflineCallIssued.",
        f"{_S8} RCM state-transition shapes: TransitionToState [O: SQLLOG, JTC-A]",
        ("RCM",),
    ),
    Pattern(
        "rcm-res-transition",
        " -> ",
        re.compile(r"\bRes (?P<resource>.+): (?P<old>\w+) -> (?P<new>\w+)\(\s*(?P<reason>[^()]*?)\s*\)\s*$"),
        _transition,
        "Res {resource}: {old} -> {new}( {reason} )",
        "Res File Share Witness: Offline -> OnlineCallIssued( StateUnknown )",
        f"{_S8} RCM state-transition shapes: Res R: A -> B( reason ) [O: JTC-A]",
        ("RCM",),
    ),
    Pattern(
        "rcm-move-group",
        "RcmApi::MoveGroup",
        re.compile(r"RcmApi::MoveGroup: \((?P<group>.+), (?P<argument>\d+)\)\s*$"),
        _note("MoveGroup", "rcm", _group_of, argument="argument"),
        "rcm::RcmApi::MoveGroup: ({group}, {argument})",
        "rcm::RcmApi::MoveGroup: (ag, 2)",
        f"{_S8} moves: rcm::RcmApi::MoveGroup [O: SQLLOG]",
        ("RCM",),
    ),
    Pattern(
        "rcm-group-offline-first",
        "RcmGroup::Move",
        re.compile(r"RcmGroup::Move: Bringing group '(?P<group>.+)' offline first\.*\s*$"),
        _note("GroupOfflineFirst", "rcm", _group_of),
        "rcm::RcmGroup::Move: Bringing group '{group}' offline first...",
        "rcm::RcmGroup::Move: Bringing group 'ag' offline first...",
        f"{_S8} moves: rcm::RcmGroup::Move [O: SQLLOG]",
        ("RCM",),
    ),
    Pattern(
        "rcm-group-move",
        "move of group ",
        re.compile(
            r"move of group (?P<group>.+) from (?P<source>[^\s()]+)\((?P<source_id>\d+)\) to "
            r"(?P<target>[^\s()]+)\((?P<target_id>\d+)\) of type MoveType::(?P<move_type>\w+) "
            r"(?P<outcome>[^,]*?)(?:, (?P<details>.*))?\s*$"
        ),
        _move,
        "move of group {group} from {source}({source_id}) to {target}({target_id}) of type "
        "MoveType::{move_type} {outcome}, {details}",
        "move of group ag from SQL01(1) to SQL02(2) of type MoveType::NodeDown is about to succeed, "
        "failoverCount=0, lastFailoverTime=1601/01/01-00:00:00.000 targeted=false",
        f"{_S8} moves: move of group G from N1(id) to N2(id) of type MoveType::X [O: JTC-A]",
        ("RCM",),
    ),
    Pattern(
        "rhs-came-offline",
        "has come offline",
        re.compile(r"Resource (?P<resource>.+) has come offline\.(?P<rest>.*)$"),
        _came("Offline"),
        "Resource {resource} has come offline.{rest}",
        "Resource ag has come offline. RHS is about to report resource status to RCM.",
        f"{_S8} RHS shapes: has come offline [O: SQLLOG]",
        ("RHS",),
    ),
    Pattern(
        "rhs-came-online",
        "has come online",
        re.compile(r"Resource (?P<resource>.+) has come online\.(?P<rest>.*)$"),
        _came("Online"),
        "Resource {resource} has come online.{rest}",
        "Resource agMyDatabaseProd_MyListenerName has come online. "
        "RHS is about to report status change to RCM",
        f"{_S8} RHS shapes: has come online [O: JTC-B]",
        ("RHS",),
    ),
    Pattern(
        "rhs-isalive-failure",
        "IsAlive has indicated failure",
        re.compile(r"Resource (?P<resource>.+) IsAlive has indicated failure\.?\s*$"),
        _is_alive_failed,
        "Resource {resource} IsAlive has indicated failure.",
        "Resource myAgName IsAlive has indicated failure.",
        f"{_S8} RHS shapes: IsAlive has indicated failure (WARN) [O: JTC-C]; IsAlive FALSE (§2.7)",
        ("RHS",),
    ),
    Pattern(
        "rhs-deadlock-monitor",
        "DeadlockMonitor: Call ",
        re.compile(
            r"RhsCall::DeadlockMonitor: Call (?P<call>\w+) timed out by (?P<late_ms>\d+) milliseconds "
            r"for resource '(?P<resource>.+)'\.?\s*$"
        ),
        _deadlock,
        "RhsCall::DeadlockMonitor: Call {call} timed out by {late_ms} milliseconds "
        "for resource '{resource}'.",
        "RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out by 16 milliseconds "
        "for resource 'File Share Witness'.",
        f"{_S8} RHS shapes: RhsCall::DeadlockMonitor (ERR) [O: JTC-B]; DeadlockTimeout (§4)",
        ("RHS",),
    ),
    Pattern(
        "rhs-set-resource-status-ex",
        "called SetResourceStatusEx: ",
        re.compile(
            r"Resource (?P<resource>.+) called SetResourceStatusEx: checkpoint (?P<checkpoint>\d+)\. "
            r"Old state (?P<old>\w+), new state (?P<new>\w+), AppSpErrorCode (?P<app>\d+), "
            r"Flags (?P<flags>0x[0-9A-Fa-f]+|\d+)(?:, nores=(?P<nores>\w+))?\s*$"
        ),
        _status_ex,
        "Resource {resource} called SetResourceStatusEx: checkpoint {checkpoint}. Old state {old}, "
        "new state {new}, AppSpErrorCode {app}, Flags {flags}, nores={nores}",
        "Resource IP Address 10.0.1.0 called SetResourceStatusEx: checkpoint 5. Old state OnlinePending, "
        "new state OnlinePending, AppSpErrorCode 0, Flags 0, nores=false",
        f"{_S8} RHS shapes: called SetResourceStatusEx (tag not shown) [O: SQLHADR]; "
        "RESOURCE_STATUS_EX (§2.11)",
    ),
    Pattern(
        "rcm-crashed-or-deadlocked",
        "has crashed or deadlocked",
        re.compile(
            r"HandleMonitorReply: Resource '(?P<resource>.+)' has crashed or deadlocked; "
            r"marking it to run in a separate monitor\.?\s*$"
        ),
        _crashed,
        "rcm::RcmResource::HandleMonitorReply: Resource '{resource}' has crashed or deadlocked; "
        "marking it to run in a separate monitor.",
        "rcm::RcmResource::HandleMonitorReply: Resource 'File Share Witness' has crashed or deadlocked; "
        "marking it to run in a separate monitor.",
        f"{_S8} failure handling: HandleMonitorReply (WARN) [O: JTC-B]; SeparateMonitor (§3.6)",
        ("RCM",),
    ),
    Pattern(
        "rcm-separate-monitor-changed",
        "Separate monitor flag has changed",
        re.compile(
            r"Separate monitor flag has changed for resource '(?P<resource>.+)'\.\s+"
            r"Now hosted by RHS process (?P<process>\d+)\.?\s*$"
        ),
        _note("SeparateMonitorChanged", "rcm", _resource, rhs_process="process"),
        "Separate monitor flag has changed for resource '{resource}'.  Now hosted by RHS process {process}",
        "Separate monitor flag has changed for resource 'File Share Witness'.  Now hosted by RHS process 0",
        f"{_S8} failure handling: Separate monitor flag has changed [O: JTC-B]",
        ("RCM",),
    ),
    Pattern(
        "rcm-monitor-restart",
        "Monitor restart for resource ",
        re.compile(r"Monitor restart for resource (?P<resource>.+?)\s*$"),
        _note("MonitorRestart", "rcm", _resource),
        "rcm::RcmMonitor::RestartResources: Monitor restart for resource {resource}",
        "rcm::RcmMonitor::RestartResources: Monitor restart for resource File Share Witness",
        f"{_S8} function prefix rcm::RcmMonitor::RestartResources [O: JTC-B]; RHS restart (§3.6)",
        ("RCM",),
    ),
    Pattern(
        "rcm-reattach",
        "ReattachToMonitorProcess: (",
        re.compile(r"ReattachToMonitorProcess: \((?P<resource>.+), (?P<state>\w+)\)\s*$"),
        _reattach,
        "rcm::RcmResource::ReattachToMonitorProcess: ({resource}, {state})",
        "rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)",
        f"{_S8} failure handling: ReattachToMonitorProcess [O: JTC-B]",
        ("RCM",),
    ),
    Pattern(
        "rcm-operation-error",
        "returned error ",
        re.compile(
            r"\b(?P<verb>[A-Z][a-z]+ing) resource '(?P<resource>.+)' returned error (?P<code>\d+)\.?\s*$"
        ),
        _operation_error,
        "{verb} resource '{resource}' returned error {code}",
        "Arbitrating resource 'File Share Witness' returned error 121",
        f"{_S8} failure handling: Arbitrating resource 'R' returned error 121 (ERR) [O: JTC-B]",
        ("RCM",),
    ),
    Pattern(
        "returned-error",
        "returned error ",
        re.compile(r"(?P<what>.*?)\s*returned error (?P<code>\d+)(?P<rest>.*)$"),
        _returned_error,
        "{what} returned error {code}{rest}",
        "Arbitrating resource 'File Share Witness' returned error 121",
        f"{_S8} failure handling: returned error N [O: JTC-B] (any component)",
    ),
    Pattern(
        "rcm-not-failing-over",
        "Not failing over group ",
        re.compile(
            r"Not failing over group (?P<group>.+?), failoverCount (?P<count>\d+), failoverThresholdSetting "
            r"(?P<setting>\d+), computedFailoverThreshold (?P<computed>\d+)\.?\s*$"
        ),
        _not_failing_over,
        "Not failing over group {group}, failoverCount {count}, failoverThresholdSetting {setting}, "
        "computedFailoverThreshold {computed}.",
        "Not failing over group ag, failoverCount 3, failoverThresholdSetting 1, "
        "computedFailoverThreshold 2.",
        f"{SHEET} §5.3 failover threshold: Not failing over group … failoverCount … [O: SQLHADR]",
        ("RCM",),
    ),
)

_BY_NEEDLE: dict[str, list[Pattern]] = {}
for _row in PATTERNS:
    _BY_NEEDLE.setdefault(_row.needle, []).append(_row)
_NEEDLES = re.compile("|".join(re.escape(n) for n in sorted(_BY_NEEDLE, key=len, reverse=True)))


def recognise(text: str, component: str | None = None) -> tuple[Pattern, Found] | None:
    """The first row (in table order) whose shape ``text`` has, with its event; None when no row fits.

    ``component`` is the line's tag; a row bound to other tags does not apply (a line without a tag may
    be any shape: copies often drop the tag).
    """
    hits = _NEEDLES.findall(text)
    if not hits:
        return None
    for row in PATTERNS:
        if row.needle not in hits or (
            component is not None and row.components and component not in row.components
        ):
            continue
        match = row.regex.search(text)
        if match is not None:
            return row, row.build(match)
    return None
