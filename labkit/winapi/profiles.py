"""OS profiles: which Windows release supports which flag and behaviour, for each simulator."""

from __future__ import annotations

from dataclasses import dataclass

from labkit.exceptions import UnknownNameError
from labkit.winapi.clusapi import (
    CLUSAPI_VERSION_WINDOWS8,
    CLUSAPI_VERSION_WINDOWSBLUE,
    CLUSAPI_VERSION_WINTHRESHOLD,
    OfflineFlags,
)


@dataclass(frozen=True)
class ClusterOsProfile:
    """A Windows Server release as the cluster simulator sees it."""

    name: str
    """Short name used on the command line (``2012r2``)."""
    title: str
    """What people call it (``Windows Server 2012 R2``)."""
    clusapi_version: int
    """The CLUSAPI_VERSION_* of the release."""
    offline_flags: OfflineFlags
    """The CLUS_RESDLL_OFFLINE_* bits this release knows (OfflineV2 page, min OS per flag)."""
    signal_failure_has_type: bool
    """SignalFailure takes FAILURE_TYPE (2012 R2+) rather than BOOL IsEmbeddedFailure (2012): G11."""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class NspOsProfile:
    """A Windows client release as the NSPv2 simulator sees it."""

    name: str
    """Short name used on the command line (``vista``)."""
    title: str
    """What people call it."""
    email_only: bool
    """Vista / Server 2008: NSPv2 works with NS_EMAIL providers only (every NSPv2 page's remarks)."""

    def __str__(self) -> str:
        return self.name


_O = OfflineFlags
CLUSTER_PROFILES: dict[str, ClusterOsProfile] = {
    p.name: p
    for p in (
        ClusterOsProfile(
            "2012",
            "Windows Server 2012",
            CLUSAPI_VERSION_WINDOWS8,
            _O(0x1F),
            signal_failure_has_type=False,
        ),
        ClusterOsProfile(
            "2012r2",
            "Windows Server 2012 R2",
            CLUSAPI_VERSION_WINDOWSBLUE,
            _O(0x3F),
            signal_failure_has_type=True,
        ),
        ClusterOsProfile(
            "2016",
            "Windows Server 2016 and later",
            CLUSAPI_VERSION_WINTHRESHOLD,
            _O(0x7F),
            signal_failure_has_type=True,
        ),
    )
}
NSP_PROFILES: dict[str, NspOsProfile] = {
    p.name: p
    for p in (
        NspOsProfile("vista", "Windows Vista / Server 2008", email_only=True),
        NspOsProfile("win7", "Windows 7 / Server 2008 R2 and later", email_only=False),
    )
}


def cluster_profile(name: str | ClusterOsProfile) -> ClusterOsProfile:
    """Look up a cluster OS profile (``2012``, ``2012r2``, ``2016``); unknown names list the valid ones."""
    if isinstance(name, ClusterOsProfile):
        return name
    key = str(name).strip().lower().replace(" ", "").replace("-", "")
    if key not in CLUSTER_PROFILES:
        raise UnknownNameError("cluster OS profile", str(name), list(CLUSTER_PROFILES))
    return CLUSTER_PROFILES[key]


def nsp_profile(name: str | NspOsProfile) -> NspOsProfile:
    """Look up an NSPv2 OS profile (``vista``, ``win7``); unknown names list the valid ones."""
    if isinstance(name, NspOsProfile):
        return name
    key = str(name).strip().lower()
    if key not in NSP_PROFILES:
        raise UnknownNameError("NSPv2 OS profile", str(name), list(NSP_PROFILES))
    return NSP_PROFILES[key]
