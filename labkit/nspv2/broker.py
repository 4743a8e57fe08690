"""The simulated Winsock broker: it installs and advertises providers and drives them for clients.

It follows reference nspv2 §2.2: a client process's first use of an advertised provider starts a client
session (NSPv2Startup); lookups run Begin → NextEx* → End and registrations SetServiceEx; an orderly exit
ends the session with NSPv2Cleanup, a crash with what the crash policy says. The session argument
Startup produced goes to Begin, SetServiceEx, Rundown and Cleanup, never to NextEx or End.
Every call, return, completion and state change lands in the trace; every broken rule is a ``fault``.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections import deque
from collections.abc import Generator, Mapping
from typing import Any

import simpy

from labkit import winapi
from labkit.engine.guard import UserCodeGuard
from labkit.nspv2.catalog import CatalogEntry, select
from labkit.nspv2.completion import CANCEL_CODES, AsyncCalls
from labkit.nspv2.dispatch import DOCUMENTED, INFERRED, Dispatcher
from labkit.nspv2.faults import code_name
from labkit.nspv2.host import ProviderHost
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import Box, routine_table
from labkit.nspv2.queryset import WSAQUERYSET, guid_text, show
from labkit.nspv2.records import (
    CANCELLED,
    CLEANED_UP,
    ENDED,
    LEAKED,
    NEXT_PENDING,
    OPEN,
    ORPHANED,
    RUN_DOWN,
    STARTED,
    AsyncCall,
    ClientLookup,
    ClientRecord,
    Instance,
    InstanceKey,
    Lookup,
    Session,
)
from labkit.trace import Kind, Tracer
from labkit.winapi import LupFlags, NspOsProfile

FIRST_CLIENT_HANDLE = 0xC001


class Broker:
    """ws2_32 and the NSPv2 broker of one simulated machine."""

    def __init__(
        self,
        env: simpy.Environment,
        tracer: Tracer,
        guard: UserCodeGuard,
        *,
        profile: NspOsProfile,
        policy: Policy,
        rng: random.Random,
        async_deadline_ms: float | None,
        qualify_subjects: bool,
    ) -> None:
        self.env = env
        self.tracer = tracer
        self.guard = guard
        self.profile = profile
        self.policy = policy
        self.random = rng
        self.qualify_subjects = qualify_subjects
        """Several provider instances in the run: subjects name the instance (``session:7/<name>``)."""
        self.dispatch = Dispatcher(tracer, guard)
        self.calls = AsyncCalls(env, self.dispatch, async_deadline_ms)
        self.catalog: dict[uuid.UUID, CatalogEntry] = {}
        self.instances: dict[InstanceKey, Instance] = {}
        self._next_client_handle = FIRST_CLIENT_HANDLE
        self._next_worker = 1
        self._object_args = 0

    def next_worker_id(self) -> int:
        self._next_worker += 1
        return self._next_worker - 1

    def finish(self) -> None:
        """End of the run: every async call still open was never completed."""
        self.calls.finish_run()

    def _session_subject(self, pid: int, instance: Instance) -> str:
        return f"session:{pid}/{instance.name}" if self.qualify_subjects else f"session:{pid}"

    def _lookup_subject(self, instance: Instance, text: str) -> str:
        return f"lookup:{instance.name}/{text}" if self.qualify_subjects else f"lookup:{text}"

    # ------------------------------------------------------------------------------------------------
    # Catalog and advertising (host side)
    # ------------------------------------------------------------------------------------------------

    def install(self, entry: CatalogEntry) -> int:
        """WSCInstallNameSpaceEx by an administrator: the provider's catalog entry (D-WSCInstEx)."""
        blob: dict[str, Any] = {}
        if entry.dwNameSpace == winapi.NS_EMAIL:
            blob = {
                "dwProviderType": entry.dwProviderType.name,
                "fSupportsWildCard": entry.fSupportsWildCard,
                "domains": [[domain, level.name] for domain, level in entry.domains],
            }
        subject = f"provider:{entry.lpszIdentifier}"
        call = self.dispatch.record(
            Kind.CALL,
            "WSCInstallNameSpaceEx",
            actor="admin",
            subject=subject,
            args={
                "lpszIdentifier": entry.lpszIdentifier,
                "lpszPathName": entry.lpszPathName,
                "dwNameSpace": entry.dwNameSpace,
                "dwVersion": entry.dwVersion,
                "lpProviderId": guid_text(entry.lpProviderId),
                "lpProviderSpecific": blob,
            },
            ref="nspv2 §1.4",
        )
        code = winapi.WSANO_RECOVERY if entry.lpProviderId in self.catalog else winapi.NO_ERROR
        if not code:
            self.catalog[entry.lpProviderId] = entry
        self.dispatch.api_return(
            call, "WSCInstallNameSpaceEx", "admin", subject, code, why="already installed" if code else None
        )
        return code

    def advertise(
        self, entry: CatalogEntry, provider: Any, *, name: str, user: str, logon: int
    ) -> Instance | None:
        """WSAAdvertiseProvider from the host process of ``user`` in logon session ``logon`` (D-Adv)."""
        table = routine_table(provider)
        subject = f"provider:{name}"
        call = self.dispatch.record(
            Kind.CALL,
            "WSAAdvertiseProvider",
            actor="provider",
            subject=subject,
            args={
                "puuidProviderId": guid_text(entry.lpProviderId),
                "pNSPv2Routine": {
                    "cbSize": table.cbSize,
                    "dwMajorVersion": table.dwMajorVersion,
                    "dwMinorVersion": table.dwMinorVersion,
                    "implemented": [
                        r for r, fn in table.routines.items() if fn is not None and r not in table.stubs
                    ],
                },
                "user": user,
                "logon": logon,
            },
            ref="nspv2 §1.4",
        )
        code, why, evidence, ref = winapi.NO_ERROR, None, DOCUMENTED, "nspv2 §1.4"
        existing = self.instances.get((entry.lpProviderId, user, logon))
        if entry.lpProviderId not in self.catalog:
            code, why = (
                winapi.WSAEINVALIDPROVIDER,
                "the GUID is not in the catalog (WSCInstallNameSpaceEx first)",
            )
        elif table.missing:
            code, why = winapi.WSAEINVAL, "NULL mandatory routine: " + ", ".join(table.missing)
        elif self.profile.email_only and entry.dwNameSpace != winapi.NS_EMAIL:
            code, evidence, ref = winapi.WSAEINVALIDPROVIDER, INFERRED, "nspv2 §4"
            why = f"{self.profile.title}: NSPv2 works with NS_EMAIL providers only"
        elif existing is not None and existing.advertised:
            code, evidence, ref = winapi.WSAEINVAL, INFERRED, "nspv2 §2.1.3"
            why = "already advertised for this user and logon session (at most one instance each)"
        if code:
            self.dispatch.api_return(
                call, "WSAAdvertiseProvider", "provider", subject, code, why=why, evidence=evidence, ref=ref
            )
            return None
        host = ProviderHost(self, name)
        # A provider that cannot take ``host`` still runs; its helper calls then fail as faults.
        with contextlib.suppress(AttributeError):
            provider.host = host
        instance = Instance(name, entry, user, logon, provider, table, host)
        self.instances[instance.key] = instance
        self.dispatch.api_return(call, "WSAAdvertiseProvider", "provider", subject, winapi.NO_ERROR)
        self.dispatch.state(subject, None if existing is None else "Unadvertised", "Advertised")
        return instance

    def unadvertise(self, instance: Instance) -> None:
        """WSAUnadvertiseProvider: new clients cannot reach it; open sessions per the policy (§7 Q6)."""
        call = self.dispatch.record(
            Kind.CALL,
            "WSAUnadvertiseProvider",
            actor="provider",
            subject=instance.subject,
            args={"puuidProviderId": guid_text(instance.entry.lpProviderId)},
            ref="nspv2 §1.4",
        )
        instance.advertised = False
        self.dispatch.api_return(
            call, "WSAUnadvertiseProvider", "provider", instance.subject, winapi.NO_ERROR
        )
        self.dispatch.state(instance.subject, "Advertised", "Unadvertised")
        how = self.policy.unadvertise
        ref = f"nspv2 §7 Q6; policy unadvertise={how}"
        for session in list(instance.sessions.values()):
            if how == "rundown":
                self._end_session(
                    session, ("NSPv2ClientSessionRundown",), ref=ref, notify=winapi.WSASERVICE_NOT_FOUND
                )
            elif how == "silent":
                self._drop_session(session, ORPHANED, notify=winapi.WSASERVICE_NOT_FOUND, ref=ref)
                self.dispatch.set_session_state(session, ORPHANED, evidence=INFERRED)
                session.lookups.clear()

    # ------------------------------------------------------------------------------------------------
    # Client sessions
    # ------------------------------------------------------------------------------------------------

    def client_startup(self, client: ClientRecord) -> None:
        """WSAStartup: with the ``wsastartup`` policy, start a session with every reachable provider."""
        client.initialised = True
        if self.policy.startup != "wsastartup":
            return
        for instance in list(self.instances.values()):
            if instance.advertised and (instance.user, instance.logon) == (client.user, client.logon):
                self._session(client, instance)

    def _session(self, client: ClientRecord, instance: Instance) -> Session | None:
        """The client's session with ``instance``, starting it (NSPv2Startup) on first use."""
        session = client.sessions.get(instance.key)
        if session is not None and session.state == STARTED:
            return session
        if not instance.advertised:
            return None
        subject = self._session_subject(client.pid, instance)
        guid = instance.entry.lpProviderId
        call = self.dispatch.call(
            "NSPv2Startup",
            subject,
            {"lpProviderId": guid_text(guid)},
            evidence=INFERRED,
            ref=f"nspv2 §2.2; policy startup={self.policy.startup}",
        )
        box: Box[Any] = Box(None)
        value = self.dispatch.run(instance, "NSPv2Startup", subject, guid, box)
        arg, text = box.value, self._arg_text(box.value)
        code = self.dispatch.int_return(
            instance, "NSPv2Startup", subject, call, value, {"ppvClientSessionArg": text}
        )
        if code == winapi.WSAEOPNOTSUPP:
            arg, text = None, None  # [INF] §2.2: a provider without Startup has no session argument
        elif code:
            return None
        session = Session(client.pid, instance, subject, arg, text)
        client.sessions[instance.key] = session
        instance.sessions[client.pid] = session
        self.dispatch.session_states[STARTED] += 1
        self.dispatch.state(subject, None, STARTED, pvClientSessionArg=session.arg_text)
        return session

    def _arg_text(self, arg: Any) -> Any:
        if arg is None or isinstance(arg, bool | str | int | uuid.UUID):
            return show(arg)
        self._object_args += 1
        return f"<{type(arg).__name__}#{self._object_args}>"

    def client_exit(self, client: ClientRecord, *, crashed: bool) -> None:
        """WSACleanup or orderly exit (Cleanup, §6 [INF]), or a crash (the crash policy, §2.2)."""
        if crashed:
            routines = {
                "rundown": ("NSPv2ClientSessionRundown",),
                "cleanup": ("NSPv2Cleanup",),
                "both": ("NSPv2ClientSessionRundown", "NSPv2Cleanup"),
            }[self.policy.crash]
            ref = f"nspv2 §2.2; policy crash={self.policy.crash}"
        else:
            for lookup in list(client.lookups.values()):
                self._end_client_lookup(lookup, ref="nspv2 §6")
            routines, ref = ("NSPv2Cleanup",), "nspv2 §6"
        for session in list(client.sessions.values()):
            if session.state == STARTED:
                self._end_session(session, routines, ref=ref)
        client.sessions.clear()
        client.lookups.clear()
        client.initialised = False

    def _end_session(
        self, session: Session, routines: tuple[str, ...], *, ref: str, notify: int | None = None
    ) -> None:
        """Send Cleanup and/or Rundown with the session argument, then check nothing is left behind."""
        instance = session.instance
        guid = instance.entry.lpProviderId
        for routine in routines:
            args = {"lpProviderId": guid_text(guid), "pvClientSessionArg": session.arg_text}
            call = self.dispatch.call(routine, session.subject, args, evidence=INFERRED, ref=ref)
            value = self.dispatch.run(instance, routine, session.subject, guid, session.arg)
            if routine == "NSPv2Cleanup":
                self.dispatch.int_return(instance, routine, session.subject, call, value, {})
            else:
                self.dispatch.void_return(instance, routine, session.subject, call, value)
            new = CLEANED_UP if routine == "NSPv2Cleanup" else RUN_DOWN
            if routine == routines[0]:
                self._drop_session(session, new, notify=notify, ref=ref)
            self.dispatch.set_session_state(session, new, evidence=INFERRED)
        self._check_leaks(session, routines[-1])

    def _drop_session(self, session: Session, how: str, *, notify: int | None, ref: str) -> None:
        """Forget a session's async calls and lookups (a waiting client gets ``notify``)."""
        self.calls.abandon(session, how, notify=notify, ref=ref)
        instance = session.instance
        for lookup in session.lookups.values():
            instance.lookups.pop(lookup.handle, None)
            if lookup.state != ENDED:
                self.dispatch.set_lookup_state(lookup, ENDED, evidence=INFERRED)
        instance.sessions.pop(session.pid, None)

    def _check_leaks(self, session: Session, routine: str) -> None:
        """The introspection hook: ``session_store`` / ``lookup_store`` must have let go of the session."""
        provider = session.instance.provider
        store = getattr(provider, "session_store", None)
        if session.arg is not None and isinstance(store, Mapping) and _holds(store, session.arg):
            self.dispatch.fault(
                "SessionStateLeaked",
                subject=session.subject,
                routine=routine,
                rule=f"after {routine} the provider still holds state for session argument "
                f"{session.arg_text}",
            )
            self.dispatch.set_session_state(session, LEAKED, evidence=INFERRED)
        lookups = getattr(provider, "lookup_store", None)
        if isinstance(lookups, Mapping):
            for lookup in session.lookups.values():
                self._check_lookup_leak(lookup, lookups, routine)
        session.lookups.clear()

    def _check_lookup_leak(self, lookup: Lookup, store: Mapping[Any, Any], routine: str) -> None:
        if _holds(store, lookup.handle):
            self.dispatch.fault(
                "SessionStateLeaked",
                subject=lookup.subject,
                routine=routine,
                rule=f"after {routine} the provider still holds state for hLookup {lookup.text}",
            )

    # ------------------------------------------------------------------------------------------------
    # Lookups (client API → provider)
    # ------------------------------------------------------------------------------------------------

    def _route(self, client: ClientRecord, qs: WSAQUERYSET) -> list[Instance]:
        """Reachable provider instances for a request, in the order to try them (§2.3, D-NAPIType)."""
        entries = select(
            list(self.catalog.values()), qs.dwNameSpace, qs.lpszServiceInstanceName, qs.lpNSProviderId
        )
        out = []
        for entry in entries:
            instance = self.instances.get((entry.lpProviderId, client.user, client.logon))
            if instance is None:
                continue
            session = client.sessions.get(instance.key)
            draining = self.policy.unadvertise == "drain" and session is not None and session.state == STARTED
            if instance.advertised or draining:
                out.append(instance)
        return out

    def lookup_begin(self, client: ClientRecord, qs: WSAQUERYSET, flags: int) -> tuple[int, int | None]:
        """WSALookupServiceBegin: NSPv2LookupServiceBegin on the selected providers (§2.3, §6)."""
        instances = self._route(client, qs)
        authoritative = (
            qs.dwNameSpace == winapi.NS_EMAIL
            and qs.lpNSProviderId is None
            and not flags & LupFlags.NON_AUTHORITATIVE
        )
        lookup = ClientLookup(
            self._new_client_handle(), qs.to_queryset2(), flags, authoritative, deque(instances)
        )
        while lookup.candidates and not (authoritative and lookup.opened):
            self._open(client, lookup, lookup.candidates.popleft())
        if not lookup.opened:
            return winapi.WSASERVICE_NOT_FOUND, None
        client.lookups[lookup.handle] = lookup
        return winapi.NO_ERROR, lookup.handle

    def _new_client_handle(self) -> int:
        self._next_client_handle += 1
        return self._next_client_handle - 1

    def _open(self, client: ClientRecord, lookup: ClientLookup, instance: Instance) -> None:
        session = self._session(client, instance)
        if session is None:
            return
        guid = instance.entry.lpProviderId
        call = self.dispatch.call(
            "NSPv2LookupServiceBegin",
            session.subject,
            {
                "lpProviderId": guid_text(guid),
                "lpqsRestrictions": lookup.qs.summary(),
                "dwControlFlags": lookup.flags,
                "lpvClientSessionArg": session.arg_text,
            },
            evidence=DOCUMENTED,
            ref="nspv2 §1.3",
        )
        box: Box[Any] = Box(None)
        value = self.dispatch.run(
            instance,
            "NSPv2LookupServiceBegin",
            session.subject,
            guid,
            lookup.qs,
            lookup.flags,
            session.arg,
            box,
        )
        handle = box.value
        code = self.dispatch.int_return(
            instance, "NSPv2LookupServiceBegin", session.subject, call, value, {"lphLookup": show(handle)}
        )
        if code:
            return
        problem = None
        if handle is None:
            problem = "returned NO_ERROR without setting *lphLookup"
        elif not _hashable(handle):
            problem = f"returned an unusable hLookup {code_name(handle)} (a handle must be a plain value)"
        elif handle in instance.lookups:
            problem = f"returned hLookup {show(handle)}, which is still open"
        if problem:
            self.dispatch.fault(
                "BadHandle",
                subject=session.subject,
                routine="NSPv2LookupServiceBegin",
                rule=f"NSPv2LookupServiceBegin {problem}",
            )
            return
        text = str(show(handle))
        opened = Lookup(session, handle, text, self._lookup_subject(instance, text))
        instance.lookups[handle] = opened
        session.lookups[handle] = opened
        lookup.opened.append(opened)
        self.dispatch.state(opened.subject, None, OPEN, session=session.subject)

    def lookup_next(
        self, client: ClientRecord, handle: int, flags: int, length: int
    ) -> Generator[simpy.Event, Any, tuple[int, Any, int]]:
        """WSALookupServiceNext: NSPv2LookupServiceNextEx on the active provider (§2.3, §6).

        Returns (code, result, buffer length); on WSAEFAULT the length is the size the provider needs.
        """
        lookup = client.lookups.get(handle)
        if lookup is None:
            return winapi.WSA_INVALID_HANDLE, None, length
        while True:
            if lookup.index >= len(lookup.opened):
                if lookup.authoritative and lookup.candidates and not lookup.delivered:
                    self._open(client, lookup, lookup.candidates.popleft())
                    continue
                code = winapi.WSA_E_NO_MORE if lookup.delivered or not lookup.last_code else lookup.last_code
                return code, None, length
            opened = lookup.opened[lookup.index]
            if opened.session.state != STARTED or opened.state in (ENDED, CANCELLED):
                return winapi.WSASERVICE_NOT_FOUND, None, length
            call = self._next_ex(opened, flags, length)
            code = yield call.done
            assert call.length is not None and call.results is not None
            if code == winapi.NO_ERROR:
                lookup.delivered = True
                return code, call.results.value, call.length.value
            if code == winapi.WSAEFAULT:
                return code, None, call.length.value
            if code in CANCEL_CODES or opened.ending:
                return code, None, length
            lookup.last_code = code
            if lookup.authoritative:
                if lookup.delivered or not lookup.candidates:
                    return code, None, length  # the one that answered, or the last one, has the last word
                self._end_lookup(opened, ref="nspv2 §2.3")  # it could not resolve: try the next one
            lookup.index += 1

    def _next_ex(self, lookup: Lookup, flags: int, length: int) -> AsyncCall:
        self.dispatch.set_lookup_state(lookup, NEXT_PENDING)
        length_box: Box[int] = Box(length)
        results: Box[Any] = Box(None)
        call = self.calls.start(
            lookup.session,
            lookup,
            "NSPv2LookupServiceNextEx",
            {"hLookup": lookup.text, "dwControlFlags": flags, "lpdwBufferLength": length},
            (lookup.handle, flags, length_box, results),
            length_box,
            results,
        )
        return call

    def lookup_end(self, client: ClientRecord, handle: int) -> int:
        """WSALookupServiceEnd: NSPv2LookupServiceEnd on every provider lookup still open."""
        lookup = client.lookups.pop(handle, None)
        if lookup is None:
            return winapi.WSA_INVALID_HANDLE
        self._end_client_lookup(lookup, ref="nspv2 §1.3")
        return winapi.NO_ERROR

    def _end_client_lookup(self, lookup: ClientLookup, *, ref: str) -> None:
        for opened in lookup.opened:
            if opened.state not in (ENDED, CANCELLED) and not opened.ending:
                self._end_lookup(opened, ref=ref)

    def _end_lookup(self, lookup: Lookup, *, ref: str) -> None:
        session = lookup.session
        if session.state != STARTED:
            return  # the session is gone: nothing to tell the provider
        instance = session.instance
        call = self.dispatch.call(
            "NSPv2LookupServiceEnd",
            lookup.subject,
            {"hLookup": lookup.text},
            evidence=DOCUMENTED,
            ref=ref,
        )
        lookup.ending = lookup.call is not None
        value = self.dispatch.run(instance, "NSPv2LookupServiceEnd", lookup.subject, lookup.handle)
        self.dispatch.int_return(instance, "NSPv2LookupServiceEnd", lookup.subject, call, value, {})
        instance.lookups.pop(lookup.handle, None)
        session.lookups.pop(lookup.handle, None)
        if lookup.call is None:
            self.dispatch.set_lookup_state(lookup, ENDED)
        store = getattr(instance.provider, "lookup_store", None)
        if isinstance(store, Mapping):
            self._check_lookup_leak(lookup, store, "NSPv2LookupServiceEnd")

    # ------------------------------------------------------------------------------------------------
    # Registration
    # ------------------------------------------------------------------------------------------------

    def set_service(
        self, client: ClientRecord, qs: WSAQUERYSET, op: winapi.WSAESETSERVICEOP, flags: int
    ) -> Generator[simpy.Event, Any, int]:
        """WSASetService: NSPv2SetServiceEx on the selected providers (§6; NS_EMAIL order §2.3)."""
        instances = self._route(client, qs)
        one_at_a_time = qs.dwNameSpace == winapi.NS_EMAIL and qs.lpNSProviderId is None
        qs2 = qs.to_queryset2()
        code, succeeded = winapi.WSASERVICE_NOT_FOUND, False
        for instance in instances:
            session = self._session(client, instance)
            if session is None:
                continue
            guid = instance.entry.lpProviderId
            call = self.calls.start(
                session,
                None,
                "NSPv2SetServiceEx",
                {
                    "lpProviderId": guid_text(guid),
                    "lpqsRegInfo": qs2.summary(),
                    "essOperation": op.name,
                    "dwControlFlags": flags,
                    "lpvClientSessionArg": session.arg_text,
                },
                (guid, qs2, op, flags, session.arg),
            )
            result = yield call.done
            if result == winapi.NO_ERROR:
                succeeded = True
                if one_at_a_time:
                    break
            else:
                code = result
        return winapi.NO_ERROR if succeeded else code

    # ------------------------------------------------------------------------------------------------
    # Async calls and WSAProviderCompleteAsyncCall
    # ------------------------------------------------------------------------------------------------


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _holds(store: Mapping[Any, Any], key: Any) -> bool:
    return _hashable(key) and key in store
