"""The NSPv2 rule catalogue: every behaviour the broker models, and the documented ones it does not.

Each constant is one `Rule`; the broker, the client processes and the provider host cite them on every
event they record (``tracer.record(..., rule=rules.BEGIN_CALL)``). Sources name the reference sheet's
section (shared/reference/nspv2.md) and its source keys: D-* a Microsoft doc page (the ws2spi / winsock2
page named after it), H-* a header, S-* Microsoft's NSPv2 sample, SEED the French Rundown page.

The rules live in modules by topic (`hosting`, `sessions`, `completion`); every constant is re-exported
here. To add a rule, define a constant in the module of its topic; `RULES` collects every one. A new topic
is a new module, named in the imports below.
"""

from __future__ import annotations

from labkit.nspv2.rules import completion, hosting, sessions
from labkit.nspv2.rules.completion import *  # noqa: F403
from labkit.nspv2.rules.hosting import *  # noqa: F403
from labkit.nspv2.rules.sessions import *  # noqa: F403
from labkit.trace.rules import Catalogue, collect

RULES = Catalogue(
    "nspv2", [rule for module in (hosting, sessions, completion) for rule in collect(vars(module))]
)
"""Every nspv2 rule, by id, in the order of the modules above and of each module."""
