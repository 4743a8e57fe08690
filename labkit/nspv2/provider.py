"""The provider side of NSPv2: the NSPV2_ROUTINE table a namespace provider hands to WSAAdvertiseProvider.

A provider is a Python object whose methods carry the SDK names and the header's parameters
(reference nspv2 §1.2). Out parameters are `Box` objects (``ppvClientSessionArg.value = ...``).
Four routines return INT: NO_ERROR, or SOCKET_ERROR after ``self.host.WSASetLastError(code)``. Three are
VOID; NextEx and SetServiceEx finish only through ``self.host.WSAProviderCompleteAsyncCall(hAsyncCall,
code)``, at once or later from a worker (``self.host.spawn(generator)``).

Subclass `NamespaceProvider` and override what you implement. Routines left out behave as the documented
stub (D-Routine, §5 D9): the INT ones fail with WSAEOPNOTSUPP, SetServiceEx completes with WSAEOPNOTSUPP,
Rundown just returns. A routine set to None is a NULL entry in the table, as Microsoft's sample leaves
NSPv2ClientSessionRundown: accepted for an optional routine, which the broker then never calls (labkit's
assumption). Begin, NextEx and End are mandatory: advertising without them fails with WSAEINVAL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from labkit import winapi
from labkit.nspv2.queryset import WSAQUERYSET2

if TYPE_CHECKING:
    from labkit.nspv2.host import ProviderHost

T = TypeVar("T")

ROUTINES = (
    "NSPv2Startup",
    "NSPv2Cleanup",
    "NSPv2LookupServiceBegin",
    "NSPv2LookupServiceNextEx",
    "NSPv2LookupServiceEnd",
    "NSPv2SetServiceEx",
    "NSPv2ClientSessionRundown",
)
"""The seven entry points in NSPV2_ROUTINE field order (§1.1)."""
MANDATORY = ("NSPv2LookupServiceBegin", "NSPv2LookupServiceNextEx", "NSPv2LookupServiceEnd")
"""WSAAdvertiseProvider rejects a table without these with WSAEINVAL (D-Adv, D-Routine)."""
VOID_ROUTINES = ("NSPv2LookupServiceNextEx", "NSPv2SetServiceEx", "NSPv2ClientSessionRundown")
"""No return value in the header (§5 D1)."""


class Box(Generic[T]):
    """An out (or in/out) parameter: the routine reads and writes ``value``."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Box({self.value!r})"


class NamespaceProvider:
    """Base class of NSPv2 providers: documented stubs for the optional routines.

    ``host`` is set by WSAAdvertiseProvider: it offers WSASetLastError, WSAProviderCompleteAsyncCall,
    ``spawn``/``sleep`` for workers in virtual time, ``log`` and ``random``.

    Introspection hook (labkit's own, optional): keep per-session state in ``session_store`` keyed by the
    session argument, and per-lookup state in ``lookup_store`` keyed by hLookup. The broker checks that a
    session's key is gone once NSPv2Cleanup / NSPv2ClientSessionRundown returns and a lookup's once
    NSPv2LookupServiceEnd returns; what is still there is a `SessionStateLeaked` fault.
    """

    host: ProviderHost
    session_store: dict[Any, Any]
    lookup_store: dict[Any, Any]

    def __init__(self) -> None:
        self.session_store = {}
        self.lookup_store = {}

    def NSPv2Startup(self, lpProviderId: uuid.UUID, ppvClientSessionArg: Box[Any]) -> int:
        """Optional. A new client session starts using the provider; store a session argument."""
        return _stub_int(self)

    def NSPv2Cleanup(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> int:
        """Optional. The client session has terminated in an orderly way; free its state."""
        return _stub_int(self)

    def NSPv2SetServiceEx(
        self,
        hAsyncCall: int,
        lpProviderId: uuid.UUID,
        lpqsRegInfo: WSAQUERYSET2,
        essOperation: winapi.WSAESETSERVICEOP,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
    ) -> None:
        """Optional, VOID. Register, deregister or delete; finish with WSAProviderCompleteAsyncCall."""
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSAEOPNOTSUPP)

    def NSPv2ClientSessionRundown(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> None:
        """Optional, VOID. The client session is terminating abnormally; free its state."""

    # Begin, NextEx and End are mandatory: the base class leaves them out on purpose, so that a
    # provider which forgets one is refused by WSAAdvertiseProvider as the SDK does.


def _stub_int(provider: NamespaceProvider) -> int:
    provider.host.WSASetLastError(winapi.WSAEOPNOTSUPP)
    return winapi.SOCKET_ERROR


_STUBS = {
    NamespaceProvider.NSPv2Startup,
    NamespaceProvider.NSPv2Cleanup,
    NamespaceProvider.NSPv2SetServiceEx,
    NamespaceProvider.NSPv2ClientSessionRundown,
}


@dataclass(frozen=True)
class NSPV2_ROUTINE:
    """The table WSAAdvertiseProvider receives. A routine is None when the provider leaves it out."""

    cbSize: int
    dwMajorVersion: int
    dwMinorVersion: int
    routines: dict[str, Callable[..., Any] | None]
    """Entry points by SDK name, in field order."""
    stubs: frozenset[str]
    """Routines the provider left out, which run as the documented stub."""

    @property
    def missing(self) -> list[str]:
        """Mandatory routines that are NULL: WSAAdvertiseProvider fails with WSAEINVAL."""
        return [name for name in MANDATORY if self.routines.get(name) is None]

    @property
    def nulls(self) -> list[str]:
        """Optional routines the provider set to None: NULL entries the broker never calls."""
        return [name for name, fn in self.routines.items() if fn is None and name not in MANDATORY]


_ABSENT = object()
SIZEOF_NSPV2_ROUTINE = 72
"""x64 size of NSPV2_ROUTINE (§1.1)."""


def routine_table(provider: object) -> NSPV2_ROUTINE:
    """Fill NSPV2_ROUTINE from a provider object, as the MS sample fills it (Major 1, Minor 0).

    A routine set to None is NULL. One that is missing or the base class's stub becomes the documented
    stub (optional routines) or NULL (mandatory ones).
    """
    routines: dict[str, Callable[..., Any] | None] = {}
    stubs: set[str] = set()
    for name in ROUTINES:
        fn = getattr(provider, name, _ABSENT)
        if fn is None:
            routines[name] = None  # a NULL entry, as the provider asked
            continue
        if not callable(fn):
            fn = None
        is_stub = fn is None or getattr(fn, "__func__", None) in _STUBS
        if is_stub and name not in MANDATORY:
            stubs.add(name)
            fn = _stub_for(provider, name)
        routines[name] = fn
    return NSPV2_ROUTINE(SIZEOF_NSPV2_ROUTINE, 1, 0, routines, frozenset(stubs))


def _stub_for(provider: object, name: str) -> Callable[..., Any]:
    """The documented stub bound to ``provider`` (which may not subclass NamespaceProvider)."""
    stub = getattr(NamespaceProvider, name)

    def bound(*args: Any) -> Any:
        return stub(provider, *args)

    return bound
