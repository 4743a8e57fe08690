"""How values from a trace are shown to a person: flag words, resource states and codes by SDK name.

Tables, pictures, exports and the command line all go through these few functions, so a value reads the
same everywhere (``CLUS_RESDLL_OFFLINE_QUEUE_ENABLED``, never ``4``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from labkit import winapi


class _Change(Protocol):
    @property
    def old(self) -> str | None: ...
    @property
    def new(self) -> str: ...


class EventLike(Protocol):
    """What these functions read of an event (a `labkit.trace.TraceEvent`; text sits below the trace)."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def args(self) -> Mapping[str, Any]: ...
    @property
    def result(self) -> int | None: ...
    @property
    def result_name(self) -> str | None: ...
    @property
    def state(self) -> _Change | None: ...


LITERAL = "mathjax_ignore tex2jax_ignore"
"""The HTML class that keeps MathJax away: JupyterLab typesets ``$...$`` in HTML outputs and widget values,
so a provider named ``$\\alpha$`` would show as a Greek letter. Every labkit HTML wrapper carries it
(MathJax 3 skips ``mathjax_ignore``, MathJax 2 ``tex2jax_ignore``)."""
NO_SUBJECT = "(no subject)"
"""How an empty subject is named where it needs a name (a timeline lane, a Perfetto track)."""


def arg_text(name: str, value: Any, routine: str = "") -> str:
    """One argument's value as a person reads it: flags, enumerations and namespaces by SDK name, NULL for
    null. ``routine`` disambiguates parameters whose meaning depends on it (``dwControlFlags``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        flag_type = winapi.flag_type(name, routine)
        if flag_type is not None and value >= 0:
            return "|".join(flag_type(value).sdk_names()) or "0"
        if name == "ResourceState":
            return winapi.state_name(value)
        if name == "dwNameSpace":
            return winapi.namespace_name(value)
        enum_type = winapi.ENUM_ARGUMENTS.get(name)
        if enum_type is not None and value in enum_type._value2member_map_:
            return enum_type(value).name
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def args_text(args: Mapping[str, Any], routine: str = "") -> str:
    """``OfflineFlags=CLUS_RESDLL_OFFLINE_QUEUE_ENABLED, DestinationNodeName=node2``."""
    return ", ".join(f"{name}={arg_text(name, value, routine)}" for name, value in args.items())


def result_text(event: EventLike | None, domain: winapi.Domain | None = None) -> str:
    """The event's result by SDK name (its recorded ``result_name`` first); empty for VOID / no result."""
    if event is None or event.result is None:
        return ""
    return event.result_name or winapi.error_name(event.result, domain)


def time_unit(span_ms: float) -> tuple[str, float]:
    """The unit a time axis spanning ``span_ms`` virtual ms reads best in: ``(name, ms per unit)``."""
    if span_ms < 2_000:
        return "ms", 1.0
    if span_ms < 120_000:
        return "s", 1_000.0
    if span_ms < 7_200_000:
        return "min", 60_000.0
    return "h", 3_600_000.0


def duration_text(ms: float) -> str:
    """A virtual duration in the unit that reads best: ``250 ms``, ``1.5 s``, ``3 min``, ``2 h``."""
    unit, per_unit = time_unit(abs(ms))
    return f"{round(ms / per_unit, 2):g} {unit}"


def event_text(event: EventLike, domain: winapi.Domain | None = None, *, limit: int = 160) -> str:
    """One event on one line: ``call OfflineV2 (VM) OfflineFlags=…``, ``return OfflineV2 (VM) =
    ERROR_IO_PENDING``, ``state group:G Moving → Queued``; arguments cut at ``limit`` characters."""
    where = f" ({event.subject})" if event.subject else ""
    if event.kind == "state" and event.state is not None:
        return f"state {event.subject or NO_SUBJECT} {event.state.old or '(none)'} → {event.state.new}"
    text = f"{event.kind} {event.name}{where}"
    result = result_text(event, domain)
    if result:
        text += f" = {result}"
    args = args_text(event.args, event.name)
    if args:
        text += " " + (args if len(args) <= limit else args[: limit - 1] + "…")
    return text


def persistent_text(value: Any, updated: Any = True) -> str:
    """A resource's PersistentState as recorded: ``online`` (TRUE) or ``offline`` (FALSE), with
    ``(not updated)`` when the cluster left it as it was (DO_NOT_UPDATE_PERSISTENT_STATE)."""
    return ("online" if value else "offline") + ("" if updated else " (not updated)")


def counted(names: Iterable[str]) -> str:
    """``PendingTimeout, CompletedTwice×2``: names in order of first appearance, with repeat counts."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name if n == 1 else f"{name}×{n}" for name, n in counts.items())
