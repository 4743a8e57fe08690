"""The cluster rule catalogue: every behaviour the RCM and Resource Monitor model, and documented ones they
do not.

Each constant is one `Rule`; `labkit.cluster.rcm` and `labkit.cluster.rhs` cite them on every event they
record (``ctx.note(name, rules.FLAGS_FORWARDED, ...)``). Sources name the reference sheet's section
(shared/reference/cluster-offline.md) and its source keys: OV2, ORX, MCGX, … a Microsoft doc page (§0 of
the sheet lists each page), W:<page> a page of the Failover Clustering guide, H:res / H:clus / H:err a
line of resapi.h / ClusApi.h / winerror.h, CMRP-* a section of MS-CMRP, BLOG-RHS the clustering team's blog.

The rules live in modules by topic (`monitor`, `reports`, `requests`, `moves`, `health`); every constant is
re-exported here. To add rules, define constants in the module of their topic; a new topic (health
monitoring, say) is a new module, named in the imports below; `RULES` collects every one.
"""

from __future__ import annotations

from labkit.cluster.rules import health, monitor, moves, reports, requests
from labkit.cluster.rules.health import *  # noqa: F403
from labkit.cluster.rules.monitor import *  # noqa: F403
from labkit.cluster.rules.moves import *  # noqa: F403
from labkit.cluster.rules.reports import *  # noqa: F403
from labkit.cluster.rules.requests import *  # noqa: F403
from labkit.trace.rules import Catalogue, collect

RULES = Catalogue(
    "cluster",
    [rule for module in (monitor, reports, requests, moves, health) for rule in collect(vars(module))],
)
"""Every cluster rule, by id, in the order of the modules above and of each module."""
