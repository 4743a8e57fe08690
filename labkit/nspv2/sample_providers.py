"""Sample providers: well-behaved ones to learn the contract from, misbehaving ones to see the checks.

- `EmailDirectory`: like Microsoft's NSPv2 sample, but following the documented rules where the sample
  does not: the op × SERVICE_MULTIPLE table of reference nspv2 §3.4 exactly, lpBlob required for an
  NS_EMAIL registration (WSAEINVAL without it), WSASERVICE_NOT_FOUND for an unknown name and WSANO_DATA
  for a deregistered one, NextEx flags combined with Begin's as restrictions; one result then
  WSA_E_NO_MORE, WSAEFAULT plus the required size when the client's buffer is too small.
- `SampleDirectory`: what Microsoft's sample does instead: NSPv2ClientSessionRundown NULL in the table,
  WSANO_DATA for any name it does not find.
- `Minimal`: only the three mandatory routines; everything else is the documented stub.
- `Slow`: answers after a delay in virtual time from a worker; End cancels a running NextEx with
  WSA_E_CANCELLED, a session's end cancels its workers silently.
- `NeverCompletes`, `CompletesTwice`, `Leaky`, `NoRequiredSize`: each breaks one rule, for teaching.

``providers`` registers them by name (``email-directory``, ...); ``providers.EmailDirectory`` works too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from labkit import winapi
from labkit.engine.registry import Registry
from labkit.exceptions import UnknownNameError
from labkit.nspv2.host import Worker
from labkit.nspv2.provider import Box, NamespaceProvider
from labkit.nspv2.queryset import CSADDR_INFO, WSAQUERYSET2, addresses, buffer_size
from labkit.winapi import WSAESETSERVICEOP, LupFlags, SetServiceFlags

DIRECTORY = {
    "alice@contoso.com": ("[2001:db8::25]:25",),
    "bob@contoso.com": ("[2001:db8::26]:25", "[2001:db8::27]:587"),
}
"""What an `EmailDirectory` knows before any registration."""


@dataclass
class Registration:
    """One service instance in the store (§3.4)."""

    addresses: list[CSADDR_INFO]
    registered: bool = True
    """REGISTERED, or DEREGISTERED (kept, but not found by lookups)."""


@dataclass
class Query:
    """One open lookup: what Begin was asked."""

    session: Any
    provider_id: uuid.UUID
    name: str
    context: str | None
    flags: int
    delivered: bool = False


class EmailDirectory(NamespaceProvider):
    """An NS_EMAIL directory: e-mail address → listening addresses, with a registration store."""

    UNKNOWN_NAME = winapi.WSASERVICE_NOT_FOUND
    """What a lookup of a name the directory does not know ends with (Microsoft's sample: WSANO_DATA)."""

    def __init__(self, entries: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__()
        self.registrations = {
            name.lower(): Registration(list(addresses(*local)))
            for name, local in (entries or DIRECTORY).items()
        }
        self.session_store: dict[str, set[int]] = {}  # session argument → its open hLookups
        self.lookup_store: dict[int, Query] = {}
        self._sessions = 0
        self._handles = 0x1000

    def fail(self, code: int) -> int:
        """Set the last error and return SOCKET_ERROR, as an INT routine must (§1.3)."""
        self.host.WSASetLastError(code)
        return winapi.SOCKET_ERROR

    # -- sessions ---------------------------------------------------------------------------------------

    def NSPv2Startup(self, lpProviderId: uuid.UUID, ppvClientSessionArg: Box[Any]) -> int:
        self._sessions += 1
        arg = f"session#{self._sessions}"
        self.session_store[arg] = set()
        ppvClientSessionArg.value = arg
        return winapi.NO_ERROR

    def NSPv2Cleanup(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> int:
        self.forget(pvClientSessionArg)
        return winapi.NO_ERROR

    def NSPv2ClientSessionRundown(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> None:
        self.forget(pvClientSessionArg)

    def forget(self, session: Any) -> None:
        """Drop a session and the lookups it left open (nobody will call End for them)."""
        for handle in self.session_store.pop(session, ()):
            self.lookup_store.pop(handle, None)

    # -- lookups ----------------------------------------------------------------------------------------

    def NSPv2LookupServiceBegin(
        self,
        lpProviderId: uuid.UUID,
        lpqsRestrictions: WSAQUERYSET2,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
        lphLookup: Box[Any],
    ) -> int:
        if dwControlFlags & LupFlags.CONTAINERS:
            return self.fail(winapi.WSANO_DATA)  # a namespace without containers (D-Begin)
        name = lpqsRestrictions.lpszServiceInstanceName
        if not name:
            return self.fail(winapi.WSAEINVAL)
        self._handles += 1
        handle = self._handles
        self.lookup_store[handle] = Query(
            lpvClientSessionArg, lpProviderId, name, lpqsRestrictions.lpszContext, dwControlFlags
        )
        self.session_store.get(lpvClientSessionArg, set()).add(handle)
        lphLookup.value = handle
        return winapi.NO_ERROR

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        code = self.next_result(hLookup, dwControlFlags, lpdwBufferLength, lpqsResults)
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, code)

    def next_result(self, hLookup: Any, flags: int, length: Box[int], results: Box[Any]) -> int:
        """One result, then WSA_E_NO_MORE; WSANO_DATA for an unknown name; WSAEFAULT when it does not fit."""
        query = self.lookup_store.get(hLookup)
        if query is None:
            return winapi.WSA_INVALID_HANDLE
        if query.delivered:
            return winapi.WSA_E_NO_MORE
        found = self.registrations.get(query.name.lower())
        if found is None:
            return self.UNKNOWN_NAME  # the service is unknown (D-NextEx)
        if not found.registered:
            return winapi.WSANO_DATA  # the name is known, with no data (deregistered)
        if flags & LupFlags.FLUSHPREVIOUS:
            query.delivered = True  # skip the result the client could not take (D-NextEx)
            return winapi.WSA_E_NO_MORE
        wanted = query.flags & flags  # restrictions combine: Next can narrow Begin, never widen (D-NextEx)
        result = WSAQUERYSET2(
            lpszServiceInstanceName=query.name if wanted & LupFlags.RETURN_NAME else None,
            dwNameSpace=winapi.NS_EMAIL,
            lpNSProviderId=query.provider_id,
            lpszContext=query.context,
            lpcsaBuffer=tuple(found.addresses) if wanted & LupFlags.RETURN_ADDR else (),
        )
        needed = buffer_size(result)
        if length.value < needed:
            length.value = needed
            return winapi.WSAEFAULT
        results.value = result
        query.delivered = True
        return winapi.NO_ERROR

    def NSPv2LookupServiceEnd(self, hLookup: Any) -> int:
        query = self.lookup_store.pop(hLookup, None)
        if query is None:
            return self.fail(winapi.WSA_INVALID_HANDLE)
        self.session_store.get(query.session, set()).discard(hLookup)
        return winapi.NO_ERROR

    # -- registration -----------------------------------------------------------------------------------

    def NSPv2SetServiceEx(
        self,
        hAsyncCall: int,
        lpProviderId: uuid.UUID,
        lpqsRegInfo: WSAQUERYSET2,
        essOperation: WSAESETSERVICEOP,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
    ) -> None:
        self.host.WSAProviderCompleteAsyncCall(
            hAsyncCall, self.apply(lpqsRegInfo, essOperation, dwControlFlags)
        )

    def apply(self, qs: WSAQUERYSET2, op: WSAESETSERVICEOP, flags: int) -> int:
        """The op × SERVICE_MULTIPLE table of §3.4, row by row; lpBlob is required for NS_EMAIL."""
        if not qs.lpszServiceInstanceName:
            return winapi.WSAEINVAL
        if qs.dwNameSpace == winapi.NS_EMAIL and not qs.lpBlob:
            return winapi.WSAEINVAL  # a parameter this provider needs is missing (D-SetSvc)
        key = qs.lpszServiceInstanceName.lower()
        multiple = bool(flags & SetServiceFlags.SERVICE_MULTIPLE)
        supplied = list(qs.lpcsaBuffer)
        found = self.registrations.get(key)
        if op is WSAESETSERVICEOP.RNRSERVICE_REGISTER:
            if found is None or not multiple:
                self.registrations[key] = Registration(supplied)
            else:
                found.addresses += [a for a in supplied if a not in found.addresses]
                found.registered = True
            return winapi.NO_ERROR
        if found is None:
            return winapi.WSASERVICE_NOT_FOUND
        if op is WSAESETSERVICEOP.RNRSERVICE_DEREGISTER:
            found.addresses = [a for a in found.addresses if a not in supplied] if multiple else []
            found.registered = bool(found.addresses)
        elif multiple:  # RNRSERVICE_DELETE with SERVICE_MULTIPLE: exact CSADDR_INFO matches only
            found.addresses = [a for a in found.addresses if a not in supplied]
            if not found.addresses:
                del self.registrations[key]
        else:
            del self.registrations[key]
        return winapi.NO_ERROR


class SampleDirectory(EmailDirectory):
    """An `EmailDirectory` that does what Microsoft's sample provider does where it departs from the docs:
    NSPv2ClientSessionRundown is NULL in its table, and a name it does not find gets WSANO_DATA."""

    UNKNOWN_NAME = winapi.WSANO_DATA
    NSPv2ClientSessionRundown = None  # type: ignore[assignment]  # NULL in the sample's NSPV2_ROUTINE


class Minimal(NamespaceProvider):
    """Only Begin, NextEx and End: no session argument, and SetServiceEx is the documented stub."""

    ADDRESS = addresses("[::1]:25")

    def __init__(self) -> None:
        super().__init__()
        self._handles = 0

    def NSPv2LookupServiceBegin(
        self,
        lpProviderId: uuid.UUID,
        lpqsRestrictions: WSAQUERYSET2,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
        lphLookup: Box[Any],
    ) -> int:
        self._handles += 1
        self.lookup_store[self._handles] = lpqsRestrictions.lpszServiceInstanceName
        lphLookup.value = self._handles
        return winapi.NO_ERROR

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        if hLookup not in self.lookup_store:
            code = winapi.WSA_INVALID_HANDLE
        elif self.lookup_store[hLookup] is None:
            code = winapi.WSA_E_NO_MORE
        else:
            result = WSAQUERYSET2(
                lpszServiceInstanceName=self.lookup_store[hLookup], lpcsaBuffer=self.ADDRESS
            )
            code = winapi.WSAEFAULT if lpdwBufferLength.value < buffer_size(result) else winapi.NO_ERROR
            if code:
                lpdwBufferLength.value = buffer_size(result)
            else:
                lpqsResults.value = result
                self.lookup_store[hLookup] = None  # delivered: the next call says no more
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, code)

    def NSPv2LookupServiceEnd(self, hLookup: Any) -> int:
        self.lookup_store.pop(hLookup, None)
        return winapi.NO_ERROR


@dataclass
class _InFlight:
    lookup: Any
    worker: Worker


class Slow(EmailDirectory):
    """An `EmailDirectory` that answers ``delay_ms`` later from a worker, and honours cancellation."""

    def __init__(self, delay_ms: float = 200, entries: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(entries)
        self.delay_ms = delay_ms
        self.in_flight: dict[Any, dict[int, _InFlight]] = {}
        """Session argument → its running workers by hAsyncCall."""

    def later(self, session: Any, hAsyncCall: int, lookup: Any, answer: Callable[[], int]) -> None:
        """Complete ``hAsyncCall`` with ``answer()`` after the delay, unless cancelled first."""

        def work() -> Generator[simpy.Event, Any, None]:
            try:
                yield self.host.sleep(self.delay_ms)
            except simpy.Interrupt as cancel:
                if cancel.cause == "end":  # End raced this NextEx (D-End)
                    self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_CANCELLED)
                return  # "rundown": the session is gone, there is nobody to complete for
            finally:
                self.in_flight.get(session, {}).pop(hAsyncCall, None)
            self.host.WSAProviderCompleteAsyncCall(hAsyncCall, answer())

        worker = self.host.spawn(
            work(), routine="NSPv2LookupServiceNextEx" if lookup is not None else "NSPv2SetServiceEx"
        )
        self.in_flight.setdefault(session, {})[hAsyncCall] = _InFlight(lookup, worker)

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        query = self.lookup_store.get(hLookup)
        session = query.session if query else None
        self.later(
            session,
            hAsyncCall,
            hLookup,
            lambda: self.next_result(hLookup, dwControlFlags, lpdwBufferLength, lpqsResults),
        )

    def NSPv2SetServiceEx(
        self,
        hAsyncCall: int,
        lpProviderId: uuid.UUID,
        lpqsRegInfo: WSAQUERYSET2,
        essOperation: WSAESETSERVICEOP,
        dwControlFlags: int,
        lpvClientSessionArg: Any,
    ) -> None:
        self.later(
            lpvClientSessionArg,
            hAsyncCall,
            None,
            lambda: self.apply(lpqsRegInfo, essOperation, dwControlFlags),
        )

    def NSPv2LookupServiceEnd(self, hLookup: Any) -> int:
        query = self.lookup_store.get(hLookup)
        if query is not None:
            for running in list(self.in_flight.get(query.session, {}).values()):
                if running.lookup == hLookup:
                    running.worker.cancel("end")
        return super().NSPv2LookupServiceEnd(hLookup)

    def forget(self, session: Any) -> None:
        for running in self.in_flight.pop(session, {}).values():
            running.worker.cancel("rundown")
        super().forget(session)


class NeverCompletes(EmailDirectory):
    """Misbehaves: NextEx returns without ever calling WSAProviderCompleteAsyncCall."""

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        self.host.log("NextEx: forgot to complete", hAsyncCall=f"{hAsyncCall:#x}")


class CompletesTwice(EmailDirectory):
    """Misbehaves: NextEx completes its call, then completes it again with WSA_E_NO_MORE."""

    def NSPv2LookupServiceNextEx(
        self,
        hAsyncCall: int,
        hLookup: Any,
        dwControlFlags: int,
        lpdwBufferLength: Box[int],
        lpqsResults: Box[Any],
    ) -> None:
        super().NSPv2LookupServiceNextEx(hAsyncCall, hLookup, dwControlFlags, lpdwBufferLength, lpqsResults)
        self.host.WSAProviderCompleteAsyncCall(hAsyncCall, winapi.WSA_E_NO_MORE)


class NoRequiredSize(EmailDirectory):
    """Misbehaves: when the client's buffer is too small, NextEx fails with WSAEFAULT but does not write the
    size it needs into *lpdwBufferLength."""

    def next_result(self, hLookup: Any, flags: int, length: Box[int], results: Box[Any]) -> int:
        given = length.value
        code = super().next_result(hLookup, flags, length, results)
        if code == winapi.WSAEFAULT:
            length.value = given  # forgets to say how much it needs
        return code


class Leaky(EmailDirectory):
    """Misbehaves: Rundown forgets to free the session (Cleanup still does), so a crash leaks its state."""

    def NSPv2ClientSessionRundown(self, lpProviderId: uuid.UUID, pvClientSessionArg: Any) -> None:
        self.host.log("Rundown: nothing to do (wrong: the session's state stays behind)")


ProviderFactory = Callable[[], Any]


class ProviderRegistry(Registry[ProviderFactory]):
    """Provider classes by name; ``providers.EmailDirectory`` also finds a class by its own name."""

    def __getattr__(self, name: str) -> ProviderFactory:
        if name.startswith("_"):
            raise AttributeError(name)
        for factory in self:
            if getattr(factory, "__name__", None) == name:
                return factory
        raise AttributeError(name)

    def create(self, name: str | ProviderFactory) -> Any:
        """A new provider from a registered name or a class."""
        factory = self.get(name)
        if not callable(factory):
            raise UnknownNameError(self.what, str(name), self.names())
        return factory()


providers = ProviderRegistry("provider")
for _name, _cls in (
    ("email-directory", EmailDirectory),
    ("minimal", Minimal),
    ("slow", Slow),
    ("never-completes", NeverCompletes),
    ("completes-twice", CompletesTwice),
    ("leaky", Leaky),
    ("sample-directory", SampleDirectory),
    ("no-required-size", NoRequiredSize),
):
    providers.add(_name, _cls)

__all__ = [
    "CompletesTwice",
    "EmailDirectory",
    "Leaky",
    "Minimal",
    "NeverCompletes",
    "NoRequiredSize",
    "ProviderRegistry",
    "SampleDirectory",
    "Slow",
    "providers",
]
