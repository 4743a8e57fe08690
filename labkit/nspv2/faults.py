"""How a broken NSPv2 contract rule lands in the trace, and the Winsock error codes the checks know.

A broken rule is a ``fault`` event: ``name`` says what happened (``CompletedTwice``), ``args["rule"]`` a
sentence naming what went wrong, ``args["routine"]`` the routine concerned, and ``ref`` / ``evidence``
the catalogue `Rule` that was broken (`labkit.nspv2.rules`).
"""

from __future__ import annotations

from typing import Any

from labkit import winapi
from labkit.trace import Kind, Rule, TraceEvent, Tracer

_WSA_CODES = frozenset(
    value
    for name, value in vars(winapi).items()
    if name.startswith("WSA") and isinstance(value, int) and name != "WSABASEERR" and value > 0
)


def is_wsa_error(code: object) -> bool:
    """A Winsock error code a provider may report (WSASetLastError, iRetCode): WSAE*, WSA_*, WSANO_*."""
    return isinstance(code, int) and not isinstance(code, bool) and code in _WSA_CODES


def code_name(code: object) -> str:
    """``WSANO_DATA`` for 11004; a plain value as its repr; any other object by its type name (its repr
    may hold a memory address, which would make traces differ from run to run)."""
    if isinstance(code, int) and not isinstance(code, bool):
        return winapi.error_name(code, "nspv2")
    if code is None or isinstance(code, bool | str | float):
        return repr(code)
    return f"<{type(code).__name__}>"


def record_fault(
    tracer: Tracer, name: str, rule: Rule, *, subject: str, routine: str, what: str, **args: Any
) -> TraceEvent:
    """Record that ``rule`` was broken, as a ``fault`` event by the broker saying ``what`` happened."""
    return tracer.record(
        Kind.FAULT,
        name,
        actor="broker",
        subject=subject,
        args={"rule": what, "routine": routine, **args},
        rule=rule,
    )
