"""How the monitor shows in the trace what DLL code hands it: handles, numbers, buffers, anything else.

DLL code is user code: a value may be of any type. Everything here is deterministic (no memory addresses)
so the same run gives the same trace.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TypeGuard

from labkit.cluster.resdll import PropertyList
from labkit.winapi import ResourceStatusFlags


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def as_int(value: object) -> int:
    """An int or bool as an int; anything else 0."""
    return int(value) if is_int(value) or isinstance(value, bool) else 0


def int_or_text(value: object) -> int | str:
    return int(value) if is_int(value) else described(value)


def flags_or_zero(value: object) -> int:
    """A status flag word with the bits ResourceStatusFlags knows; anything else 0."""
    return int(value) & ResourceStatusFlags.mask() if is_int(value) else 0


def described(value: object) -> str:
    """A deterministic description of a value for the trace (no memory addresses)."""
    if value is None or isinstance(value, bool | int | float | str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


def shown(value: object) -> str | None:
    """A handle or RESID as the trace shows it."""
    if value is None:
        return None
    if is_int(value):
        return hex(value)
    if isinstance(value, str):
        return value
    return f"<{type(value).__name__}>"


def shown_buffer(buffer: PropertyList | None) -> dict[str, int] | None:
    return None if buffer is None else {str(k): int(v) for k, v in buffer.items()}


def frozen(buffer: PropertyList | None) -> PropertyList | None:
    """A read-only copy of a property list for the DLL (it cannot change the caller's)."""
    return None if buffer is None else MappingProxyType(dict(buffer))


def property_list_size(buffer: PropertyList | None) -> int:
    """cbInBufferSize of a property list of DWORD values, as CLUSPROP encodes it.

    A DWORD count, then per property a CLUSPROP_PROPERTY_NAME (syntax, length, UTF-16 name with its NUL,
    padded to 4 bytes) and a CLUSPROP_DWORD (syntax, length, value), then an endmark.
    """
    if not buffer:
        return 0
    size = 4
    for name in buffer:
        name_bytes = (len(str(name)) + 1) * 2
        size += 8 + (name_bytes + 3) // 4 * 4 + 12 + 4
    return size
