"""The inferred choices of the cluster simulator, each switchable.

Where the reference sheet says [I], labkit takes the sheet's choice as the default, marks the events it
causes ``inferred``, and lets the user pick the alternative here. A run's header lists every policy in
``params["policies"]``; `labkit.engine.policy.Policy` gives the API both domains share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from labkit.engine import policy as engine_policy

CHOICES: Mapping[str, tuple[str, ...]] = {
    "unknown_flags": ("refuse", "drop"),
    "unmapped_flags": ("pass", "refuse"),
    "terminated_state": ("offline", "failed"),
    "busy_with_ignore_status": ("terminate", "respect"),
    "error_return_rule": ("teach", "literal"),
}
"""Allowed values of every text policy, default first."""


@dataclass(frozen=True)
class Policy(engine_policy.Policy):
    """Every inferred, switchable choice of one cluster run."""

    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = CHOICES

    unknown_flags: str = "refuse"
    """A client asks for an OfflineFlags bit the OS profile does not know: ``refuse`` the request with
    ERROR_INVALID_PARAMETER, or ``drop`` the bit and go on."""
    unmapped_flags: str = "pass"
    """A requested OfflineFlags bit that the client API has no flag for (0x08, 0x10, 0x20 always; 0x02 and
    0x04 on an offline; 0x40 on a group request): ``pass`` it to OfflineV2 as a what-if, or ``refuse`` the
    request with ERROR_INVALID_PARAMETER as a real client could not ask for it."""
    terminated_state: str = "offline"
    """The state after Terminate ends a failed or timed-out offline (Q8): ``offline`` or ``failed``."""
    busy_with_ignore_status: str = "terminate"
    """A DLL says "not now" although the request has IGNORE_RESOURCE_STATUS: ``terminate`` it (the flag
    "terminates the resource if necessary") or ``respect`` the answer as without the flag."""
    error_return_rule: str = "teach"
    """Which OfflineV2 returns make the monitor log an event and call Terminate (G3): ``teach`` = any
    return but ERROR_SUCCESS and ERROR_IO_PENDING; ``literal`` = any return but ERROR_IO_PENDING, as the
    V1 page reads literally."""
    queue_retry_ms: int = 1000
    """How long a queued move waits before the cluster asks the DLL again."""
