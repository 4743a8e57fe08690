"""How codes, states and arguments read by name: `error_name`, `state_name`, `status_name`, and which
argument of which routine holds which flag word or enumeration."""

from __future__ import annotations

import enum
from typing import Literal

from labkit.winapi import clusapi, winsock
from labkit.winapi.clusapi import (
    CLUSTER_RESOURCE_STATE,
    FAILURE_TYPE,
    GroupMoveFlags,
    GroupStatusFlags,
    OfflineFlags,
    OnlineFlags,
    ResourceOfflineFlags,
    ResourceStatusFlags,
)
from labkit.winapi.flags import SdkFlag
from labkit.winapi.winsock import WSAESETSERVICEOP, LupFlags, SetServiceFlags

Domain = Literal["nspv2", "cluster"]
DOMAINS: tuple[Domain, ...] = ("nspv2", "cluster")


_CONSTANTS = {**vars(winsock), **vars(clusapi)}


def _codes(prefixes: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict[int, str]:
    table: dict[int, str] = {}
    for name, value in _CONSTANTS.items():
        if (name.startswith(prefixes) or name in extra) and isinstance(value, int) and name != "WSABASEERR":
            table.setdefault(value, name)
    return table


# Winsock names first for NSPv2 traces, Win32 names first for cluster traces: 0, 6, 8, 87 and 997 have both.
_WSA_CODES = _codes(("WSA",), ("NO_ERROR", "SOCKET_ERROR"))
_WIN32_CODES = _codes(("ERROR_",))
_WIN32_CODES[0] = "ERROR_SUCCESS"


def error_name(code: int | None, domain: Domain | None = None) -> str:
    """The SDK name of an error code for display; an unknown code displays as its number.

    `domain` picks the spelling where Winsock and Win32 share a value: ``error_name(997, "nspv2")`` is
    ``WSA_IO_PENDING``; ``error_name(997, "cluster")`` and ``error_name(997)`` are ``ERROR_IO_PENDING``.
    """
    if code is None:
        return ""
    first, second = (_WSA_CODES, _WIN32_CODES) if domain == "nspv2" else (_WIN32_CODES, _WSA_CODES)
    return first.get(code) or second.get(code) or str(code)


def state_name(state: int | None) -> str:
    """``ClusterResourceOnline`` for 2; the pseudo-states 126/127 by their macro names."""
    if state is None:
        return ""
    pseudo = {
        clusapi.ClusterResourceCannotComeOnlineOnThisNode: "ClusterResourceCannotComeOnlineOnThisNode",
        clusapi.ClusterResourceCannotComeOnlineOnAnyNode: "ClusterResourceCannotComeOnlineOnAnyNode",
    }
    if state in pseudo:
        return pseudo[state]
    try:
        return CLUSTER_RESOURCE_STATE(state).name
    except ValueError:
        return str(state)


def status_name(flags: int) -> str:
    """``CLUSRESDLL_STATUS_OFFLINE_BUSY`` for 1; several bits joined by ``|``; ``0`` for none."""
    return "|".join(ResourceStatusFlags(flags).sdk_names()) or "0"


# Arguments whose value is a flag word, by argument name: readers check their bits, views print names.
FLAG_ARGUMENTS: dict[str, type[SdkFlag]] = {
    "OfflineFlags": OfflineFlags,
    "OnlineFlags": OnlineFlags,
    "StatusFlags": ResourceStatusFlags,
    # Client API flag words (cluster traces). OfflineClusterGroupEx's dwOfflineFlags has only bit 0x1,
    # which ResourceOfflineFlags names the same way.
    "dwMoveFlags": GroupMoveFlags,
    "dwOfflineFlags": ResourceOfflineFlags,
    "StatusInformation": GroupStatusFlags,
}
# Where one parameter name means different flags in different routines (dwControlFlags).
ROUTINE_FLAG_ARGUMENTS: dict[tuple[str, str], type[SdkFlag]] = {
    **{
        (routine, "dwControlFlags"): LupFlags
        for routine in (
            "NSPv2LookupServiceBegin",
            "NSPv2LookupServiceNextEx",
            "WSALookupServiceBegin",
            "WSALookupServiceNext",
        )
    },
    **{(routine, "dwControlFlags"): SetServiceFlags for routine in ("NSPv2SetServiceEx", "WSASetService")},
}
# Arguments whose value is an enumeration member.
ENUM_ARGUMENTS: dict[str, type[enum.IntEnum]] = {
    "essOperation": WSAESETSERVICEOP,
    "essoperation": WSAESETSERVICEOP,
    "ResourceState": CLUSTER_RESOURCE_STATE,
    "FailureType": FAILURE_TYPE,
}


def flag_type(argument: str, routine: str = "") -> type[SdkFlag] | None:
    """The flag class of ``argument`` in ``routine`` (``dwControlFlags`` of a lookup is `LupFlags`)."""
    return ROUTINE_FLAG_ARGUMENTS.get((routine, argument)) or FLAG_ARGUMENTS.get(argument)


def namespace_name(value: int) -> str:
    """``NS_EMAIL`` for 37; unknown namespaces display as the number."""
    for name, number in vars(winsock).items():
        if name.startswith("NS_") and number == value:
            return name
    return str(value)
