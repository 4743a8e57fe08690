"""The closed vocabularies of the trace format: its name and version, event kinds, evidence levels."""

from __future__ import annotations

from enum import StrEnum

FORMAT = "labkit-trace"
VERSION = 1


class Kind(StrEnum):
    """What an event records."""

    CALL = "call"
    """A routine was entered (host → provider/DLL, or provider/DLL → host helper)."""
    RETURN = "return"
    """A routine returned; ``result`` is its return value (None for VOID)."""
    COMPLETE = "complete"
    """An asynchronous call finished (WSAProviderCompleteAsyncCall, a pending offline settled)."""
    STATE = "state"
    """A subject changed state; ``state`` says from what to what."""
    FAULT = "fault"
    """A contract rule was broken, or user code misbehaved."""
    NOTE = "note"
    """Anything else worth seeing (a log line, a policy decision)."""


class Evidence(StrEnum):
    """What the modelled behaviour rests on: the reference sheets' [D]/[H]/[O]/[I], or Microsoft's sample."""

    DOCUMENTED = "documented"
    HEADER = "header"
    SAMPLE = "sample"
    """Microsoft's sample code does it and no page says it (added after version 1 traces were first
    written; a reader accepts traces with or without it)."""
    OBSERVED = "observed"
    INFERRED = "inferred"
