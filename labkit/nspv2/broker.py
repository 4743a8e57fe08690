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
from collections.abc import Mapping
from typing import Any

import simpy

from labkit import winapi
from labkit.engine.guard import Misbehaviour, UserCodeGuard
from labkit.nspv2.catalog import CatalogEntry
from labkit.nspv2.completion import AsyncCalls
from labkit.nspv2.dispatch import DOCUMENTED, INFERRED, Dispatcher
from labkit.nspv2.host import ProviderHost, Worker
from labkit.nspv2.lookups import Lookups, holds
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import Box, routine_table
from labkit.nspv2.queryset import guid_text, show
from labkit.nspv2.records import (
    CLEANED_UP,
    ENDED,
    LEAKED,
    ORPHANED,
    RUN_DOWN,
    STARTED,
    ClientRecord,
    Instance,
    InstanceKey,
    Session,
)
from labkit.trace import Kind, Tracer
from labkit.winapi import NspOsProfile

FIRST_CLIENT_HANDLE = 0xC001


class Broker(Lookups):
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

    # -- what a provider host may use (`labkit.nspv2.host.HostServices`) -----------------------------------

    def complete_async_call(self, host: ProviderHost, hAsyncCall: int, iRetCode: int) -> int:
        return self.calls.complete(host, hAsyncCall, iRetCode)

    def provider_log(self, actor: str, subject: str, args: dict[str, Any]) -> None:
        self.tracer.record(Kind.NOTE, "ProviderLog", actor=actor, subject=subject, args=args)

    def user_code_started(self, routine: str, subject: str) -> None:
        self.dispatch.last_user_code = (routine, subject)

    def user_code_fault(self, fault: Misbehaviour, *, subject: str) -> None:
        self.dispatch.user_code_fault(fault, subject=subject)

    def bad_yield(self, worker: Worker, value: Any) -> None:
        self.dispatch.bad_yield(worker, value)

    def no_progress(self, worker: Worker, yields: int) -> None:
        self.dispatch.no_progress(worker, yields)

    def finish(self) -> None:
        """End of the run: every async call still open was never completed."""
        self.calls.finish_run()

    def _session_subject(self, pid: int, instance: Instance) -> str:
        return f"session:{pid}/{instance.name}" if self.qualify_subjects else f"session:{pid}"

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
        if session.arg is not None and isinstance(store, Mapping) and holds(store, session.arg):
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
