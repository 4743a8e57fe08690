"""The broker's inferred choices: what no Microsoft page says, made explicit and switchable.

Each choice is recorded in the trace header (``params["policies"]``) and on the events it drives, with
evidence ``inferred``. Defaults follow the reference sheet's recommendations (nspv2 §2.2, §6, §7);
`labkit.engine.policy.Policy` gives the API both domains share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from labkit.engine import policy as engine_policy

CRASH_CHOICES = ("rundown", "cleanup", "both")
"""What a crashing client process triggers: NSPv2ClientSessionRundown (RPC rundown analogy, §2.2),
NSPv2Cleanup, or Rundown then Cleanup (§7 Q1)."""
STARTUP_CHOICES = ("first-use", "wsastartup")
"""When NSPv2Startup fires: at the first lookup or set that selects the provider ("providers are not
activated by client activity", §2.2), or for every reachable provider when the client calls WSAStartup."""
UNADVERTISE_CHOICES = ("rundown", "silent", "drain")
"""What WSAUnadvertiseProvider does to open sessions (§7 Q6): ``rundown`` sends each one
NSPv2ClientSessionRundown and fails their further calls with WSASERVICE_NOT_FOUND; ``silent`` drops them
without telling the provider; ``drain`` lets them run until the client ends them, refusing only new ones."""


@dataclass(frozen=True)
class Policy(engine_policy.Policy):
    """The switchable inferred choices of one NSPv2 run."""

    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "crash": CRASH_CHOICES,
        "startup": STARTUP_CHOICES,
        "unadvertise": UNADVERTISE_CHOICES,
    }

    crash: str = "rundown"
    """One of `CRASH_CHOICES`."""
    startup: str = "first-use"
    """One of `STARTUP_CHOICES`."""
    unadvertise: str = "rundown"
    """One of `UNADVERTISE_CHOICES`."""
