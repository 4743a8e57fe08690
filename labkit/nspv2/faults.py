"""The NSPv2 contract rules the broker checks, and how a broken one lands in the trace.

Each rule is a ``fault`` event: ``name`` the rule, ``args["rule"]`` a sentence naming what went wrong,
``args["routine"]`` the routine concerned, ``ref`` the reference section the rule rests on.
"""

from __future__ import annotations

from typing import Any

from labkit import winapi
from labkit.trace import Evidence, Kind, TraceEvent, Tracer

RULES: dict[str, tuple[str, Evidence]] = {
    "NeverCompleted": ("nspv2 §1.3 hAsyncCall", Evidence.DOCUMENTED),
    "CompletedTwice": ("nspv2 §1.3 hAsyncCall", Evidence.DOCUMENTED),
    "CalledAfterRundown": ("nspv2 §2.1.5", Evidence.INFERRED),
    "CalledAfterCleanup": ("nspv2 §2.1.5", Evidence.INFERRED),
    "UnknownHandle": ("nspv2 §1.3 hAsyncCall", Evidence.DOCUMENTED),
    "BadHandle": ("nspv2 §1.3 hLookup", Evidence.DOCUMENTED),
    "SessionStateLeaked": ("nspv2 §1.3", Evidence.INFERRED),
    "BadReturnValue": ("nspv2 §1.2", Evidence.HEADER),
    "NoLastError": ("nspv2 §1.3", Evidence.DOCUMENTED),
    "NotWsaError": ("nspv2 §1.3 hAsyncCall", Evidence.INFERRED),
    "CancelIgnored": ("nspv2 §2.1.7", Evidence.DOCUMENTED),
    "UserCodeRaised": ("nspv2 §2.1.7", Evidence.INFERRED),
    "UserCodeBlocked": ("nspv2 §2.1.7", Evidence.DOCUMENTED),
    "NoProgress": ("nspv2 §2.1.7", Evidence.INFERRED),
    "TooManySteps": ("nspv2 §2.1.7", Evidence.INFERRED),
}
"""Rule name → (reference section, evidence). Blocking rests on "Begin must return quickly" (D-Begin)
and the sample's "client threads stay unblocked" (S-Prov); NoProgress and TooManySteps are labkit's own
limits on provider code that keeps virtual time from advancing or the run from ending."""

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
    tracer: Tracer, name: str, *, subject: str, routine: str, rule: str, **args: Any
) -> TraceEvent:
    """Record a broken rule as a ``fault`` event by the broker."""
    ref, evidence = RULES[name]
    return tracer.record(
        Kind.FAULT,
        name,
        actor="broker",
        subject=subject,
        args={"rule": rule, "routine": routine, **args},
        evidence=evidence,
        ref=ref,
    )
