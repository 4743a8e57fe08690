"""Scenarios whose every free-form name is an attack on whoever displays it, as a user could build them.

Names a user chooses freely: cluster node, group and resource names, the DLL (a class's name), what a
DLL logs; NSPv2 scenario, provider instance and catalog names, the provider class, the user, the address
a client looks up, what a provider logs. (A cluster scenario's own name must be kebab-case, and NSPv2
client pids are numbers: those cannot carry markup.)
"""

from labkit import cluster, nspv2, winapi
from labkit.cluster import GroupLayout, ResourceDll
from labkit.cluster.client import MoveGroup, OfflineResource
from labkit.nspv2 import CatalogEntry, Client, EmailDirectory, Host, Lookup

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
MATH = "$\\alpha$"
QUOTE = '" onmouseover=alert(3) x="'
"""Breaks out of a double-quoted attribute (a tooltip) if it is not escaped."""
PAYLOADS = (IMG, SCRIPT, MATH, QUOTE)

RESOURCE = IMG
GROUP = f"{SCRIPT} group"
NODES = (f"{MATH} node", f"{QUOTE}node2", "NODE3")
DLL_NAME = f"{MATH} {SCRIPT} Dll"


class HostileDll(ResourceDll):
    """Goes offline at once and logs a line made of every payload."""

    def OfflineV2(self, *args):
        self.monitor.LogEvent(self.ResourceHandle, winapi.LOG_LEVEL.LOG_INFORMATION, " ".join(PAYLOADS))
        return winapi.ERROR_SUCCESS


HostileDll.__name__ = HostileDll.__qualname__ = DLL_NAME

CLUSTER = cluster.Scenario(
    name="hostile-names",
    summary="Every name a user chooses is markup, a script or mathtext.",
    dll="Generic",
    steps=(OfflineResource(1000, RESOURCE), MoveGroup(2000, GROUP, NODES[1])),
    groups=(GroupLayout(GROUP, NODES[0], (RESOURCE,)),),
    nodes=NODES,
)


def cluster_run(**options):
    """The hostile cluster scenario with the hostile DLL."""
    return cluster.simulate(CLUSTER, dll=HostileDll, **options)


PROVIDER = f"{MATH} {IMG}"
CATALOG = f"{SCRIPT}{QUOTE}"


class HostileProvider(EmailDirectory):
    """The sample directory, logging every payload when a lookup begins."""

    def NSPv2LookupServiceBegin(self, *args):
        self.host.log(" ".join(PAYLOADS), who=IMG)
        return super().NSPv2LookupServiceBegin(*args)


HostileProvider.__name__ = HostileProvider.__qualname__ = f"{SCRIPT}Provider"

NSPV2 = nspv2.Scenario(
    name=f"{SCRIPT} {MATH}",
    summary=f"{IMG}: every name a user chooses is markup, a script or mathtext.",
    clients=(Client(101, (Lookup(f"{IMG}@contoso.com", context=MATH),), user=QUOTE),),
    hosts=(Host(HostileProvider, entry=CatalogEntry(CATALOG), name=PROVIDER, user=QUOTE),),
)


def nspv2_run(**options):
    """The hostile NSPv2 scenario."""
    return nspv2.simulate(NSPV2, **options)
