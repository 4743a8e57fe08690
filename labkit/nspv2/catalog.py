"""The namespace catalog: what WSCInstallNameSpaceEx records, and which providers a request selects.

NS_EMAIL providers declare the domains they serve in a NAPI_PROVIDER_INSTALLATION_BLOB, each domain
Primary or Secondary, plus whether they take any domain (fSupportsWildCard). A request for
``user@domain`` goes to the primary, then the secondaries, then the wildcards, each group in catalog
order (reference nspv2 §2.3). Other namespaces select every provider of the namespace, or of any
namespace for NS_ALL, as the v1 host does; lpNSProviderId narrows the choice to one provider.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from labkit import winapi
from labkit.winapi import NAPI_PROVIDER_LEVEL, NAPI_PROVIDER_TYPE

GUID_NAMESPACE = uuid.UUID("6c61626b-6974-4e53-5076-320000000000")
"""Scenario providers get GUIDs derived from their name, so traces are the same on every run."""


@dataclass(frozen=True)
class CatalogEntry:
    """One namespace provider as WSCInstallNameSpaceEx installs it."""

    lpszIdentifier: str
    """Display name; labkit also uses it to name the provider in traces (``provider:<name>``)."""
    dwNameSpace: int = winapi.NS_EMAIL
    domains: tuple[tuple[str, NAPI_PROVIDER_LEVEL], ...] = (
        ("contoso.com", NAPI_PROVIDER_LEVEL.ProviderLevel_Primary),
    )
    """NS_EMAIL only: the NAPI_DOMAIN_DESCRIPTION_BLOB entries (domain name, AuthLevel)."""
    fSupportsWildCard: bool = False
    """NS_EMAIL only: the provider takes domains it does not list."""
    dwProviderType: NAPI_PROVIDER_TYPE = NAPI_PROVIDER_TYPE.ProviderType_Application
    dwVersion: int = 1
    lpszPathName: str = ""
    """Empty, as in the MS sample: an NSPv2 provider is not a DLL the client loads (§5 D21)."""
    lpProviderId: uuid.UUID = field(default=uuid.UUID(int=0))
    """Derived from the identifier when left at zero."""

    def __post_init__(self) -> None:
        if self.lpProviderId.int == 0:
            object.__setattr__(self, "lpProviderId", uuid.uuid5(GUID_NAMESPACE, self.lpszIdentifier))

    def level_for(self, domain: str) -> NAPI_PROVIDER_LEVEL:
        """How this provider declared ``domain`` (ProviderLevel_None when it did not)."""
        for name, level in self.domains:
            if name.lower() == domain.lower():
                return level
        return NAPI_PROVIDER_LEVEL.ProviderLevel_None


def email_domain(name: str | None) -> str:
    """The domain part of an e-mail address; empty when there is none."""
    return name.rpartition("@")[2] if name and "@" in name else ""


def select(
    entries: Sequence[CatalogEntry], namespace: int, name: str | None, provider_id: uuid.UUID | None
) -> list[CatalogEntry]:
    """Installed providers a request reaches, in the order the broker must try them (§2.3, §6)."""
    if provider_id is not None:
        return [e for e in entries if e.lpProviderId == provider_id]
    if namespace != winapi.NS_EMAIL:
        return [e for e in entries if namespace in (winapi.NS_ALL, e.dwNameSpace)]
    domain = email_domain(name)
    email = [e for e in entries if e.dwNameSpace == winapi.NS_EMAIL]
    primary = [e for e in email if e.level_for(domain) is NAPI_PROVIDER_LEVEL.ProviderLevel_Primary]
    secondary = [e for e in email if e.level_for(domain) is NAPI_PROVIDER_LEVEL.ProviderLevel_Secondary]
    listed = {e.lpProviderId for e in primary + secondary}
    wildcard = [e for e in email if e.fSupportsWildCard and e.lpProviderId not in listed]
    return primary + secondary + wildcard
