"""The query structures a lookup or a registration carries: WSAQUERYSET (client), WSAQUERYSET2 (provider),
and how GUIDs, handles and pointers appear in a trace (`guid_text`, `show`).

Member names are the header's (winsock2.h). Pointers become Python values: strings for LPWSTR, a tuple of
`CSADDR_INFO` for ``lpcsaBuffer``, bytes for ``lpBlob``. The client API takes `WSAQUERYSET`; the broker
hands the provider a `WSAQUERYSET2`, which has no ``lpServiceClassId`` (reference nspv2 §3.6, §5 D11).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

from labkit import winapi

SIZEOF_WSAQUERYSET2 = 112
"""x64 size of WSAQUERYSET2W in bytes (reference nspv2 §3.6, computed with ctypes)."""
SIZEOF_WSAQUERYSET = 120
"""x64 size of WSAQUERYSETW: WSAQUERYSET2W plus lpServiceClassId."""
SIZEOF_CSADDR_INFO = 40
"""x64 size of CSADDR_INFO: two SOCKET_ADDRESS (16 bytes each) and two INTs."""
SIZEOF_SOCKADDR_IN6 = 28
_POINTER = 8

SOCK_STREAM = 1  # winsock2.h; the sample client registers TCP stream addresses (§6)
IPPROTO_TCP = 6


@dataclass(frozen=True)
class CSADDR_INFO:
    """One listening address of a service instance (only what the simulator compares)."""

    LocalAddr: str
    """The local socket address, as text (``[2001:db8::25]:25``)."""
    iSocketType: int = SOCK_STREAM
    """SOCK_STREAM for the sample's TCP addresses."""
    iProtocol: int = IPPROTO_TCP
    """IPPROTO_TCP for the sample's TCP addresses."""

    def __str__(self) -> str:
        return self.LocalAddr


def addresses(*local: str) -> tuple[CSADDR_INFO, ...]:
    """CSADDR_INFO entries for TCP stream addresses, as the sample client passes them."""
    return tuple(CSADDR_INFO(a) for a in local)


@dataclass(frozen=True)
class WSAQUERYSET2:
    """WSAQUERYSET2W in header member order. It has no lpServiceClassId (§3.6, D11)."""

    dwSize: int = SIZEOF_WSAQUERYSET2
    lpszServiceInstanceName: str | None = None
    """For NS_EMAIL: the e-mail address (``alice@contoso.com``)."""
    lpVersion: int | None = None
    lpszComment: str | None = None
    dwNameSpace: int = winapi.NS_EMAIL
    lpNSProviderId: uuid.UUID | None = None
    """Restricts a query to one provider; identifies the source in a result."""
    lpszContext: str | None = None
    """For the sample: the service name."""
    dwNumberOfProtocols: int = 0
    lpafpProtocols: tuple[tuple[int, int], ...] = ()
    lpszQueryString: str | None = None
    dwNumberOfCsAddrs: int = 0
    lpcsaBuffer: tuple[CSADDR_INFO, ...] = ()
    dwOutputFlags: int = 0
    lpBlob: bytes | None = None

    def __post_init__(self) -> None:
        # Keep the count members in step with the arrays, as a C caller must.
        object.__setattr__(self, "dwNumberOfCsAddrs", len(self.lpcsaBuffer))
        object.__setattr__(self, "dwNumberOfProtocols", len(self.lpafpProtocols))

    def summary(self) -> dict[str, Any]:
        """The members worth showing in a trace event (set ones only; GUIDs and addresses as text)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("dwSize", "dwNumberOfCsAddrs", "dwNumberOfProtocols") or value in (
                None,
                (),
                0,
                b"",
            ):
                continue
            if f.name == "lpcsaBuffer":
                value = [str(a) for a in value]
            elif isinstance(value, uuid.UUID):
                value = guid_text(value)
            elif f.name == "lpafpProtocols":
                value = [list(p) for p in value]
            elif f.name == "lpBlob":
                value = value.hex()
            out[f.name] = value
        if self.dwNameSpace == winapi.NS_ALL:
            out["dwNameSpace"] = 0
        return out


@dataclass(frozen=True)
class WSAQUERYSET(WSAQUERYSET2):
    """The client-side WSAQUERYSETW: WSAQUERYSET2W plus lpServiceClassId (after the instance name in C)."""

    dwSize: int = SIZEOF_WSAQUERYSET
    lpServiceClassId: uuid.UUID | None = None

    def to_queryset2(self) -> WSAQUERYSET2:
        """What the broker gives the provider: the same members without lpServiceClassId (§6 [INF])."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(WSAQUERYSET2)}
        values["dwSize"] = SIZEOF_WSAQUERYSET2
        return WSAQUERYSET2(**values)


def buffer_size(qs: WSAQUERYSET2) -> int:
    """Bytes a provider needs to return ``qs`` as one block, as the MS sample packs it (S-Utils).

    The structure first, then every string (UTF-16 with NUL) and array, each aligned to pointer size.
    """
    size = SIZEOF_WSAQUERYSET2
    for text in (qs.lpszServiceInstanceName, qs.lpszComment, qs.lpszContext, qs.lpszQueryString):
        if text is not None:
            size += _aligned(2 * (len(text) + 1))
    if qs.lpNSProviderId is not None:
        size += 16
    if qs.lpVersion is not None:
        size += 8
    size += _aligned(8 * len(qs.lpafpProtocols))
    size += len(qs.lpcsaBuffer) * (SIZEOF_CSADDR_INFO + _aligned(SIZEOF_SOCKADDR_IN6))
    if qs.lpBlob is not None:
        size += 16 + _aligned(len(qs.lpBlob))
    return size


def _aligned(n: int) -> int:
    return (n + _POINTER - 1) // _POINTER * _POINTER


def guid_text(guid: uuid.UUID) -> str:
    """A GUID as Windows prints it: ``{8AF0F0B7-...}``."""
    return "{" + str(guid).upper() + "}"


def show(value: Any) -> Any:
    """A handle or pointer as a trace shows it: hex for integers, text for strings, null for NULL, a GUID in
    braces, and any other object by its type name (never its address, which changes from run to run)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return f"{value:#x}"
    if isinstance(value, uuid.UUID):
        return guid_text(value)
    return f"<{type(value).__name__}>"
