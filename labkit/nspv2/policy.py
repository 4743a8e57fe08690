"""The broker's inferred choices: what no Microsoft page says, made explicit and switchable.

Each choice is recorded in the trace header (``params["policies"]``), and every event it drives cites the
choice's rule in `labkit.nspv2.rules` (evidence ``inferred``). Defaults follow the reference sheet's
recommendations (nspv2 §2.2, §6, §7) where they do not break a documented rule: every successful
NSPv2Startup gets its NSPv2Cleanup (§2.1.6). The choices that break that pairing are listed in `BREAKS`,
and a run that takes one records a ``NoMatchingCleanup`` note for each session it leaves without Cleanup.
`labkit.engine.policy.Policy` gives the API both domains share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from labkit.engine import policy as engine_policy
from labkit.nspv2 import rules as R
from labkit.trace import Rule

CRASH_CHOICES = ("both", "rundown", "cleanup")
"""What a crashing client process triggers: NSPv2ClientSessionRundown (the RPC rundown analogy, §2.2) then
NSPv2Cleanup (the documented pairing, §2.1.6); Rundown only; or Cleanup only (§7 Q1)."""
STARTUP_CHOICES = ("first-use", "wsastartup")
"""When NSPv2Startup fires: at the first lookup or set that selects the provider ("providers are not
activated by client activity", §2.2), or for every reachable provider when the client calls WSAStartup."""
UNADVERTISE_CHOICES = ("both", "rundown", "silent", "drain")
"""What WSAUnadvertiseProvider does to open sessions (§7 Q6): ``both`` sends each one
NSPv2ClientSessionRundown then NSPv2Cleanup and fails their calls still waiting with WSASERVICE_NOT_FOUND;
``rundown`` does the same without Cleanup; ``silent`` drops them without telling the provider; ``drain``
lets them run until the client ends them, refusing only new ones."""
BREAKS: Mapping[tuple[str, str], tuple[Rule, ...]] = {
    ("crash", "rundown"): (R.PAIRING,),
    ("unadvertise", "rundown"): (R.PAIRING,),
    ("unadvertise", "silent"): (R.PAIRING,),
}
"""(policy, choice) → the documented rules that choice breaks: each leaves a successfully started
session without its NSPv2Cleanup."""


@dataclass(frozen=True)
class Policy(engine_policy.Policy):
    """The switchable inferred choices of one NSPv2 run."""

    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "crash": CRASH_CHOICES,
        "startup": STARTUP_CHOICES,
        "unadvertise": UNADVERTISE_CHOICES,
    }

    crash: str = "both"
    """One of `CRASH_CHOICES`."""
    startup: str = "first-use"
    """One of `STARTUP_CHOICES`."""
    unadvertise: str = "both"
    """One of `UNADVERTISE_CHOICES`."""

    def breaks(self) -> dict[str, tuple[Rule, ...]]:
        """The choices of this policy that break a documented rule: ``{"crash=rundown": (rule, ...)}``."""
        chosen = self.as_params()
        return {f"{name}={value}": rules for (name, value), rules in BREAKS.items() if chosen[name] == value}
