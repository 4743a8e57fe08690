"""How values from a trace are shown to a person: flag words, resource states and codes by SDK name.

Tables, pictures, exports and the command line all go through these few functions, so a value reads the
same everywhere (``CLUS_RESDLL_OFFLINE_QUEUE_ENABLED``, never ``4``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labkit import winapi
from labkit.trace import TraceEvent

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


def result_text(event: TraceEvent | None, domain: winapi.Domain | None = None) -> str:
    """The event's result by SDK name (its recorded ``result_name`` first); empty for VOID / no result."""
    if event is None or event.result is None:
        return ""
    return event.result_name or winapi.error_name(event.result, domain)
