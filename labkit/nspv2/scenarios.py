"""Named NSPv2 scenarios: who hosts which provider, which clients run which scripts, on which OS.

``scenarios`` is the registry ``labkit scenarios`` lists and the golden traces come from; each scenario
is a frozen `Scenario` with a one-line ``summary``. Hosts install (WSCInstallNameSpaceEx) and advertise a
provider; clients run scripts of `labkit.nspv2.clients` steps.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from labkit import winapi
from labkit.engine.registry import Registry
from labkit.nspv2.catalog import CatalogEntry
from labkit.nspv2.clients import Cleanup, Client, Crash, Lookup, SetService, Step, Wait
from labkit.nspv2.policy import Policy
from labkit.nspv2.queryset import addresses
from labkit.nspv2.sample_providers import EmailDirectory
from labkit.winapi import NAPI_PROVIDER_LEVEL, WSAESETSERVICEOP, LupFlags, SetServiceFlags

PRIMARY = NAPI_PROVIDER_LEVEL.ProviderLevel_Primary
SECONDARY = NAPI_PROVIDER_LEVEL.ProviderLevel_Secondary
REGISTER = WSAESETSERVICEOP.RNRSERVICE_REGISTER
DEREGISTER = WSAESETSERVICEOP.RNRSERVICE_DEREGISTER
DELETE = WSAESETSERVICEOP.RNRSERVICE_DELETE
MULTIPLE = SetServiceFlags.SERVICE_MULTIPLE
CONTOSO_MAIL = CatalogEntry("contoso-mail")
SMTP_SERVICE = uuid.UUID("0000000d-0000-0000-c000-000000000046")
"""A service class GUID for the client's lpServiceClassId (which WSAQUERYSET2 drops)."""

ProviderSpec = str | Callable[[], Any] | Any
"""A registered provider name, a class or factory (one new instance per host), or an instance."""


@dataclass(frozen=True)
class Host:
    """A provider host process: installs its catalog entry, advertises, maybe unadvertises."""

    provider: ProviderSpec = "email-directory"
    entry: CatalogEntry = CONTOSO_MAIL
    name: str = ""
    """The instance's name in traces (``provider:<name>``); the catalog identifier when empty."""
    user: str = "alice"
    logon: int = 1
    install: bool = True
    """False: nobody ran WSCInstallNameSpaceEx, so advertising fails with WSAEINVALIDPROVIDER."""
    advertise_at_ms: float = 0
    unadvertise_at_ms: float | None = None
    wsastartup: bool = True
    """The host process calls WSAStartup before advertising, as Microsoft's sample host does; False makes
    WSAAdvertiseProvider fail with WSANOTINITIALISED."""
    wsacleanup_at_ms: float | None = None
    """When the host process calls WSACleanup (None: not within the run; the sample host calls it last,
    after WSAUnadvertiseProvider, when the sessions it drains are over)."""

    @property
    def label(self) -> str:
        return self.name or self.entry.lpszIdentifier


@dataclass(frozen=True)
class Scenario:
    """One named run: hosts, clients, OS profile and policies."""

    name: str
    summary: str
    """One line: what the scenario shows."""
    clients: tuple[Client, ...]
    hosts: tuple[Host, ...] = (Host(),)
    os: str = "win7"
    policy: Policy = field(default_factory=Policy)
    horizon_ms: float = 60_000
    """Virtual time after which nothing more happens."""


scenarios: Registry[Scenario] = Registry("scenario")


def _add(name: str, summary: str, *clients: Client, **options: Any) -> None:
    scenarios.add(name, Scenario(name, summary, tuple(clients), **options))


def _client(pid: int, *script: Step, **options: Any) -> Client:
    return Client(pid, tuple(script), **options)


BOB = "bob@contoso.com"
CAROL = "carol@contoso.com"
ADDR_A, ADDR_B = addresses("[2001:db8::c1]:25"), addresses("[2001:db8::c2]:25")

_add(
    "happy-path",
    "One client resolves an address: Startup, Begin, NextEx (a result, then WSA_E_NO_MORE), End, Cleanup.",
    _client(101, Lookup(service_class=SMTP_SERVICE)),
)
_add(
    "two-clients",
    "Two client processes at once against a slow provider: two sessions, each with its own argument.",
    _client(101, Lookup(pause_ms=10), Wait(30), Lookup(BOB)),
    _client(102, Wait(50), Lookup(BOB, pause_ms=5)),
    hosts=(Host("slow"),),
)
_add(
    "crash-during-lookup",
    "A client dies while its NextEx is running: Rundown gets exactly the value Startup produced.",
    _client(101, Lookup(pause_ms=60), kill_at_ms=100),
    _client(102, Lookup(BOB), Wait(400)),
    hosts=(Host("slow"),),
)
_add(
    "normal-exit",
    "Orderly ends: one client calls WSACleanup, one just exits; both sessions get Cleanup, not Rundown.",
    _client(101, Lookup(), Wait(10), Cleanup(), Wait(10), Lookup()),
    _client(102, Wait(5), Lookup(BOB)),
)
_add(
    "buffer-too-small",
    "A 64-byte buffer: NextEx fails with WSAEFAULT and the size it needs; the client retries with that size.",
    _client(101, Lookup(BOB, buffer=64)),
)
_add(
    "end-cancels-next",
    "WSALookupServiceEnd from another thread races a running NextEx, which finishes with WSA_E_CANCELLED.",
    _client(101, Lookup(cancel_after_ms=50)),
    hosts=(Host("slow"),),
)
_add(
    "register-deregister-delete",
    "WSASetService without SERVICE_MULTIPLE (§3.4): overwrite, deregister keeps the object, delete.",
    _client(
        101,
        SetService(REGISTER, CAROL, ADDR_A),
        SetService(REGISTER, CAROL, ADDR_B),
        Lookup(CAROL),
        SetService(DEREGISTER, CAROL),
        Lookup(CAROL),
        SetService(DELETE, CAROL),
        SetService(DELETE, CAROL),
    ),
)
_add(
    "service-multiple",
    "WSASetService with SERVICE_MULTIPLE: addresses add up; deregister and delete remove only those given.",
    _client(
        101,
        SetService(REGISTER, CAROL, ADDR_A, MULTIPLE),
        SetService(REGISTER, CAROL, ADDR_B, MULTIPLE),
        Lookup(CAROL),
        SetService(DEREGISTER, CAROL, ADDR_A, MULTIPLE),
        Lookup(CAROL),
        SetService(DELETE, CAROL, ADDR_B, MULTIPLE),
        Lookup(CAROL),
        SetService(DEREGISTER, CAROL, ADDR_A, MULTIPLE),
    ),
)
_add(
    "no-optional-routines",
    "Only Begin, NextEx and End: the documented stubs answer WSAEOPNOTSUPP; there is no session argument.",
    _client(101, Lookup(), SetService(REGISTER, CAROL, ADDR_A)),
    _client(102, Wait(5), Lookup(BOB), Crash()),
    hosts=(Host("minimal"),),
)
_add(
    "unadvertise-open-sessions",
    "The host unadvertises while two sessions are open: each gets Rundown, then Cleanup; calls find no one.",
    _client(101, Lookup(pause_ms=50)),
    _client(102, Lookup(BOB), Wait(200), Lookup(BOB)),
    hosts=(Host("slow", unadvertise_at_ms=100),),
)
_add(
    "vista-non-email",
    "On Vista only NS_EMAIL providers may advertise: a DNS provider is refused and the client finds nothing.",
    _client(101, Lookup("www.contoso.com", namespace=winapi.NS_DNS)),
    hosts=(Host(entry=CatalogEntry("contoso-dns", winapi.NS_DNS, domains=())),),
    os="vista",
)
_add(
    "advertise-uninstalled",
    "A host advertises a GUID nobody installed: WSAEINVALIDPROVIDER, and clients find no provider.",
    _client(101, Wait(10), Lookup()),
    hosts=(Host(install=False),),
)
_add(
    "email-fallback",
    "NS_EMAIL order (§2.3): the primary cannot resolve, the secondary does; LUP_NON_AUTHORITATIVE asks all.",
    _client(
        101,
        Lookup(BOB),
        Lookup(flags=LupFlags.RETURN_NAME | LupFlags.RETURN_ADDR | LupFlags.NON_AUTHORITATIVE),
    ),
    hosts=(
        Host(
            partial(EmailDirectory, {"alice@contoso.com": ("[2001:db8::1:25]:25",)}),
            CatalogEntry("contoso-primary"),
        ),
        Host("email-directory", CatalogEntry("contoso-backup", domains=(("contoso.com", SECONDARY),))),
        Host("minimal", CatalogEntry("any-domain", domains=(), fSupportsWildCard=True)),
    ),
)
_add(
    "two-users",
    "One provider instance per user and logon session: each client reaches only its own user's instance.",
    _client(101, Lookup()),
    _client(201, Lookup(BOB), user="bob", logon=2),
    _client(301, Wait(5), Lookup(), user="carol", logon=3),
    hosts=(Host(name="contoso-mail@alice"), Host(name="contoso-mail@bob", user="bob", logon=2)),
)
_add(
    "startup-at-wsastartup",
    "Startup policy 'wsastartup': sessions start at WSAStartup, even for a client that never looks up.",
    _client(101, Lookup()),
    _client(102, Wait(20)),
    policy=Policy(startup="wsastartup"),
)
_add(
    "never-completes",
    "Misbehaving provider: NextEx never completes (NeverCompleted); the hung client is killed.",
    _client(101, Lookup(), kill_at_ms=6_000),
    hosts=(Host("never-completes"),),
)
_add(
    "completes-twice",
    "Misbehaving provider: NextEx completes its call twice; the second one is refused (CompletedTwice).",
    _client(101, Lookup()),
    hosts=(Host("completes-twice"),),
)
_add(
    "leaky-rundown",
    "Misbehaving provider: crash policy 'rundown' (no Cleanup), and a Rundown that leaves state behind.",
    _client(101, Lookup(), Crash()),
    _client(102, Lookup(BOB)),
    hosts=(Host("leaky"),),
    policy=Policy(crash="rundown"),
)
_add(
    "crash-without-cleanup",
    "Crash policy 'rundown': the crashed session gets Rundown only, so Startup gets no matching Cleanup.",
    _client(101, Lookup(pause_ms=60), kill_at_ms=100),
    hosts=(Host("slow"),),
    policy=Policy(crash="rundown"),
)
_add(
    "flush-previous",
    "A 64-byte buffer, and the client skips the result with LUP_FLUSHPREVIOUS instead of asking again.",
    _client(101, Lookup(BOB, buffer=64, flush_if_too_small=True)),
)
_add(
    "next-flags-narrow",
    "Next asks for LUP_RETURN_NAME only: the flags combine with Begin's, so the result has no addresses.",
    _client(101, Lookup(next_flags=LupFlags.RETURN_NAME)),
)
_add(
    "register-without-blob",
    "An NS_EMAIL registration without lpBlob, as Microsoft's sample client sends it: WSAEINVAL.",
    _client(101, SetService(REGISTER, CAROL, ADDR_A, blob=None), SetService(REGISTER, CAROL, ADDR_A)),
)
_add(
    "sample-null-rundown",
    "Microsoft's sample leaves Rundown NULL: a crash gets only Cleanup; an unknown name gets WSANO_DATA.",
    _client(101, Lookup(CAROL), Lookup(), Crash()),
    hosts=(Host("sample-directory"),),
)
_add(
    "efault-without-size",
    "Misbehaving provider: NextEx fails with WSAEFAULT without writing the size it needs (NoRequiredSize).",
    _client(101, Lookup(BOB, buffer=64)),
    hosts=(Host("no-required-size"),),
)
_add(
    "host-without-wsastartup",
    "The host process never called WSAStartup: WSAAdvertiseProvider fails with WSANOTINITIALISED.",
    _client(101, Wait(10), Lookup()),
    hosts=(Host(wsastartup=False),),
)
_add(
    "host-cleanup-too-early",
    "The host calls WSACleanup while a NextEx runs: its completion fails with WSANOTINITIALISED.",
    _client(101, Lookup(), kill_at_ms=6_000),
    hosts=(Host("slow", wsacleanup_at_ms=50),),
)


def _busy_morning(count: int) -> tuple[Client, ...]:
    """``count`` client processes starting 20 ms apart, each doing one of ten everyday things (by index).

    Lookups that resolve, miss, need a bigger buffer or are cancelled by End; registrations with and
    without SERVICE_MULTIPLE; WSACleanup and plain exits; a crash after a lookup and a kill during one.
    """
    clients = []
    for index in range(count):
        start, own = index * 20.0, f"user{index}@contoso.com"
        scripts: tuple[tuple[Step, ...], ...] = (
            (Lookup(),),
            (Lookup(BOB), Cleanup()),
            (SetService(REGISTER, own, addresses(f"[2001:db8::{index:x}]:25")), Lookup(own)),
            (Lookup(BOB, buffer=64),),
            (Lookup(pause_ms=10),),  # killed while its first NextEx runs, below
            (Lookup(), Crash()),
            (Lookup(BOB, cancel_after_ms=100),),
            (Lookup("nobody@contoso.com"),),
            (SetService(REGISTER, CAROL, addresses(f"[2001:db8::c{index:x}]:25"), MULTIPLE), Lookup(CAROL)),
            (Lookup(), Wait(200), Lookup(BOB), Cleanup()),
        )
        role = index % len(scripts)
        kill = start + 100 if role == 4 else None
        clients.append(Client(1001 + index, scripts[role], start_ms=start, kill_at_ms=kill))
    return tuple(clients)


_add(
    "many-clients",
    "Fifty client processes against a slow provider: lookups, registrations, cancels, exits and crashes.",
    *_busy_morning(50),
    hosts=(Host("slow"),),
)
