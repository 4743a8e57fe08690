"""What the broker keeps about provider instances, client sessions, lookups and async calls.

Plain mutable records, owned by `labkit.nspv2.broker.Broker`; each is dropped as soon as its subject ends,
so the cost per session stays flat however long a run gets.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import simpy

from labkit.nspv2.catalog import CatalogEntry
from labkit.nspv2.host import ProviderHost
from labkit.nspv2.provider import NSPV2_ROUTINE, Box
from labkit.nspv2.queryset import WSAQUERYSET2
from labkit.trace import Rule

InstanceKey = tuple[uuid.UUID, str, int]
"""(provider GUID, user, logon session): at most one advertised instance each (D-NAPIType)."""

STARTED = "Started"
NO_STARTUP = "NoStartup"
"""A session whose NSPv2Startup failed with WSAEOPNOTSUPP (the stub) or is NULL: no session argument."""
CLEANED_UP = "CleanedUp"
RUN_DOWN = "RunDown"
ORPHANED = "Orphaned"
LEAKED = "Leaked"
OPEN = "Open"
NEXT_PENDING = "NextPending"
ENDED = "Ended"
CANCELLED = "Cancelled"


@dataclass(eq=False)
class Instance:
    """One advertised provider instance: a host process of one user in one logon session."""

    name: str
    entry: CatalogEntry
    user: str
    logon: int
    provider: Any
    table: NSPV2_ROUTINE
    host: ProviderHost
    advertised: bool = True
    sessions: dict[int, Session] = field(default_factory=dict)
    """Open client sessions by client pid."""
    lookups: dict[Any, Lookup] = field(default_factory=dict)
    """Open lookups by hLookup."""

    @property
    def key(self) -> InstanceKey:
        return (self.entry.lpProviderId, self.user, self.logon)

    @property
    def subject(self) -> str:
        return f"provider:{self.name}"


@dataclass(eq=False)
class Session:
    """One client process using one provider instance, from NSPv2Startup to Cleanup or Rundown."""

    pid: int
    instance: Instance
    subject: str
    arg: Any = None
    """What NSPv2Startup stored in *ppvClientSessionArg (the very object)."""
    arg_text: str | None = None
    """How the trace shows it."""
    state: str = STARTED
    started: bool = True
    """NSPv2Startup succeeded: the session is owed its NSPv2Cleanup (nspv2 §2.1.6)."""
    lookups: dict[Any, Lookup] = field(default_factory=dict)
    calls: dict[int, AsyncCall] = field(default_factory=dict)
    """Async calls not yet completed."""

    @property
    def open(self) -> bool:
        """The session has not ended: it takes calls."""
        return self.state in (STARTED, NO_STARTUP)


@dataclass(eq=False)
class Lookup:
    """One provider-side query, from NSPv2LookupServiceBegin to NSPv2LookupServiceEnd."""

    session: Session
    handle: Any
    text: str
    subject: str
    state: str = OPEN
    ending: bool = False
    """End was called while a NextEx was running: the provider must finish it with WSA_E_CANCELLED."""
    call: AsyncCall | None = None


@dataclass(eq=False)
class AsyncCall:
    """One NextEx or SetServiceEx call, waiting for WSAProviderCompleteAsyncCall."""

    handle: int
    routine: str
    session: Session
    lookup: Lookup | None
    done: simpy.Event
    length: Box[int] | None = None
    results: Box[Any] | None = None
    span: int = -1
    given_length: int | None = None
    """NextEx: the buffer length the client gave (a WSAEFAULT completion must ask for more)."""
    reported: bool = False
    """NeverCompleted already recorded."""
    outcome: Rule | None = None
    """The rule that decided how the call finished, once it did (the code the client then sees)."""

    @property
    def subject(self) -> str:
        return self.lookup.subject if self.lookup else self.session.subject


@dataclass(eq=False)
class ClientLookup:
    """A client's WSALookupServiceBegin handle, spanning the providers it selected (§2.3)."""

    handle: int
    qs: WSAQUERYSET2
    flags: int
    authoritative: bool
    candidates: deque[Instance]
    """Providers not tried yet (authoritative NS_EMAIL queries try them one at a time)."""
    opened: list[Lookup] = field(default_factory=list)
    index: int = 0
    delivered: bool = False
    last_code: int = 0


@dataclass(eq=False)
class ClientRecord:
    """The broker's view of one client process."""

    pid: int
    user: str
    logon: int
    sessions: dict[InstanceKey, Session] = field(default_factory=dict)
    lookups: dict[int, ClientLookup] = field(default_factory=dict)
    initialised: bool = True
    """WSAStartup done and no WSACleanup since."""

    @property
    def actor(self) -> str:
        return f"client:{self.pid}"
