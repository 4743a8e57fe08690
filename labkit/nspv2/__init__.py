"""NSPv2 client sessions, runnable: a simulated Winsock broker drives a namespace provider written in Python.

    from labkit import nspv2
    run = nspv2.simulate("crash-during-lookup", provider=nspv2.providers.EmailDirectory())
    run.trace.names()

Write a provider by subclassing `NamespaceProvider` (SDK routine names, `Box` out parameters); pick a
scenario from `scenarios`, a sample provider from `providers`, switch the inferred choices with `Policy`.
"""

from labkit.nspv2.catalog import CatalogEntry
from labkit.nspv2.clients import Cleanup, Client, Crash, Exit, Lookup, SetService, Wait
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import NSPV2_ROUTINE, Box, NamespaceProvider
from labkit.nspv2.queryset import CSADDR_INFO, WSAQUERYSET, WSAQUERYSET2, addresses
from labkit.nspv2.sample_providers import (
    CompletesTwice,
    EmailDirectory,
    Leaky,
    Minimal,
    NeverCompletes,
    NoRequiredSize,
    SampleDirectory,
    Slow,
    providers,
)
from labkit.nspv2.scenarios import Host, Scenario, scenarios
from labkit.nspv2.simulation import simulate

__all__ = [
    "CSADDR_INFO",
    "NSPV2_ROUTINE",
    "WSAQUERYSET",
    "WSAQUERYSET2",
    "Box",
    "CatalogEntry",
    "Cleanup",
    "Client",
    "CompletesTwice",
    "Crash",
    "EmailDirectory",
    "Exit",
    "Host",
    "Leaky",
    "Lookup",
    "Minimal",
    "NamespaceProvider",
    "NeverCompletes",
    "NoRequiredSize",
    "Policy",
    "SampleDirectory",
    "Scenario",
    "SetService",
    "Slow",
    "Wait",
    "addresses",
    "providers",
    "scenarios",
    "simulate",
]
