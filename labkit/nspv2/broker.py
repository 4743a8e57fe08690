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
from labkit.nspv2 import rules as R
from labkit.nspv2.catalog import CatalogEntry
from labkit.nspv2.completion import AsyncCalls
from labkit.nspv2.dispatch import Dispatcher
from labkit.nspv2.host import ProviderHost, Worker
from labkit.nspv2.lookups import Lookups, holds
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import Box, routine_table
from labkit.nspv2.queryset import guid_text, show
from labkit.nspv2.records import (
    CLEANED_UP,
    ENDED,
    LEAKED,
    NO_STARTUP,
    ORPHANED,
    RUN_DOWN,
    STARTED,
    ClientRecord,
    Instance,
    InstanceKey,
    Session,
)
from labkit.trace import Kind, Rule, Tracer
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
        self.initialised_hosts: set[str] = set()
        """Provider host processes (by instance name) that called WSAStartup and no WSACleanup since."""
        self._next_client_handle = FIRST_CLIENT_HANDLE
        self._next_worker = 1
        self._object_args = 0

    def next_worker_id(self) -> int:
        self._next_worker += 1
        return self._next_worker - 1

    # -- what a provider host may use (`labkit.nspv2.host.HostServices`) -----------------------------------

    def complete_async_call(self, host: ProviderHost, hAsyncCall: int, iRetCode: int) -> int:
        initialised = host.name in self.initialised_hosts
        return self.calls.complete(host, hAsyncCall, iRetCode, initialised=initialised)

    def provider_log(self, actor: str, subject: str, args: dict[str, Any]) -> None:
        self.tracer.record(
            Kind.NOTE, "ProviderLog", actor=actor, subject=subject, args=args, rule=R.PROVIDER_LOG
        )

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
            rule=R.INSTALL,
        )
        code = winapi.WSANO_RECOVERY if entry.lpProviderId in self.catalog else winapi.NO_ERROR
        if not code:
            self.catalog[entry.lpProviderId] = entry
        why = "already installed" if code else None
        self.dispatch.api_return(
            call, "WSCInstallNameSpaceEx", "admin", subject, code, why=why, rule=R.INSTALL
        )
        return code

    def host_startup(self, name: str) -> None:
        """WSAStartup in the host process of provider instance ``name``, as the MS sample host does."""
        self._host_call("WSAStartup", name, {"wVersionRequested": "2.2"})
        self.initialised_hosts.add(name)

    def host_cleanup(self, name: str) -> None:
        """WSACleanup in the host process of ``name``: its later Winsock calls fail with WSANOTINITIALISED."""
        code = winapi.NO_ERROR if name in self.initialised_hosts else winapi.WSANOTINITIALISED
        self._host_call("WSACleanup", name, {}, code)
        self.initialised_hosts.discard(name)

    def _host_call(self, api: str, name: str, args: dict[str, Any], code: int = winapi.NO_ERROR) -> None:
        subject = f"provider:{name}"
        rule = R.HOST_WSASTARTUP
        call = self.dispatch.record(Kind.CALL, api, actor="provider", subject=subject, args=args, rule=rule)
        self.dispatch.api_return(call, api, "provider", subject, code, rule=rule)

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
                    **({"null": table.nulls} if table.nulls else {}),
                },
                "user": user,
                "logon": logon,
            },
            rule=R.ADVERTISE,
        )
        existing = self.instances.get((entry.lpProviderId, user, logon))
        code, why, rule = self._advertise_refusal(entry, table, name, existing)
        if code:
            self.dispatch.api_return(
                call, "WSAAdvertiseProvider", "provider", subject, code, why=why, rule=rule
            )
            return None
        host = ProviderHost(self, name)
        # A provider that cannot take ``host`` still runs; its helper calls then fail as faults.
        with contextlib.suppress(AttributeError):
            provider.host = host
        instance = Instance(name, entry, user, logon, provider, table, host)
        self.instances[instance.key] = instance
        self.dispatch.api_return(
            call, "WSAAdvertiseProvider", "provider", subject, winapi.NO_ERROR, rule=R.ADVERTISE
        )
        self.dispatch.state(
            subject, None if existing is None else "Unadvertised", "Advertised", rule=R.ADVERTISE
        )
        return instance

    def _advertise_refusal(
        self, entry: CatalogEntry, table: Any, name: str, existing: Instance | None
    ) -> tuple[int, str | None, Rule]:
        """Why WSAAdvertiseProvider fails (code, reason, rule), or NO_ERROR."""
        if name not in self.initialised_hosts:
            return (
                winapi.WSANOTINITIALISED,
                "the host process has not called WSAStartup",
                R.HOST_NOT_INITIALISED,
            )
        if entry.lpProviderId not in self.catalog:
            why = "the GUID is not in the catalog (WSCInstallNameSpaceEx first)"
            return winapi.WSAEINVALIDPROVIDER, why, R.ADVERTISE_NOT_INSTALLED
        if table.missing:
            return (
                winapi.WSAEINVAL,
                "NULL mandatory routine: " + ", ".join(table.missing),
                R.ADVERTISE_MANDATORY,
            )
        if self.profile.email_only and entry.dwNameSpace != winapi.NS_EMAIL:
            why = f"{self.profile.title}: NSPv2 works with NS_EMAIL providers only"
            return winapi.WSAEINVALIDPROVIDER, why, R.VISTA_EMAIL_ONLY
        if existing is not None and existing.advertised:
            why = "already advertised for this user and logon session (at most one instance each)"
            return winapi.WSAEINVAL, why, R.ONE_INSTANCE
        return winapi.NO_ERROR, None, R.ADVERTISE

    def unadvertise(self, instance: Instance) -> None:
        """WSAUnadvertiseProvider: new clients cannot reach it; open sessions per the policy (§7 Q6)."""
        call = self.dispatch.record(
            Kind.CALL,
            "WSAUnadvertiseProvider",
            actor="provider",
            subject=instance.subject,
            args={"puuidProviderId": guid_text(instance.entry.lpProviderId)},
            rule=R.UNADVERTISE,
        )
        instance.advertised = False
        self.dispatch.api_return(
            call, "WSAUnadvertiseProvider", "provider", instance.subject, winapi.NO_ERROR, rule=R.UNADVERTISE
        )
        self.dispatch.state(instance.subject, "Advertised", "Unadvertised", rule=R.UNADVERTISE)
        how = self.policy.unadvertise
        gone = winapi.WSASERVICE_NOT_FOUND
        for session in list(instance.sessions.values()):
            if how in ("both", "rundown"):
                routines = ("NSPv2ClientSessionRundown", "NSPv2Cleanup")[: 2 if how == "both" else 1]
                self._end_session(session, routines, R.UNADVERTISE_POLICY, f"unadvertise={how}", notify=gone)
            elif how == "silent":
                self._drop_session(session, ORPHANED, notify=gone, rule=R.UNADVERTISE_POLICY)
                self.dispatch.set_session_state(session, ORPHANED, rule=R.UNADVERTISE_POLICY)
                self._pairing_broken(session, f"unadvertise={how}")
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
        if session is not None and session.open:
            return session
        if not instance.advertised:
            return None
        subject = self._session_subject(client.pid, instance)
        guid = instance.entry.lpProviderId
        if instance.table.routines["NSPv2Startup"] is None:
            self._null_routine(instance, "NSPv2Startup", subject)
            code, arg, text = winapi.WSAEOPNOTSUPP, None, None
        else:
            args = {"lpProviderId": guid_text(guid)}
            call = self.dispatch.call("NSPv2Startup", subject, args, rule=R.STARTUP_TRIGGER)
            box: Box[Any] = Box(None)
            value = self.dispatch.run(instance, "NSPv2Startup", subject, guid, box)
            arg, text = box.value, self._arg_text(box.value)
            out = {"ppvClientSessionArg": text}
            code = self.dispatch.int_return(instance, "NSPv2Startup", subject, call, value, out)
        if code == winapi.WSAEOPNOTSUPP:
            arg, text = None, None  # [INF] §2.2: a provider without Startup has no session argument
        elif code:
            return None  # [INF] a provider that cannot take the session is left out of the request
        started = code == winapi.NO_ERROR
        state = STARTED if started else NO_STARTUP
        session = Session(client.pid, instance, subject, arg, text, state=state, started=started)
        client.sessions[instance.key] = session
        instance.sessions[client.pid] = session
        self.dispatch.session_states[state] += 1
        rule = R.STARTUP_ARG if started else R.SESSION_WITHOUT_STARTUP
        self.dispatch.state(subject, None, state, rule=rule, pvClientSessionArg=session.arg_text)
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
            rule, policy = R.CRASH_POLICY, f"crash={self.policy.crash}"
        else:
            for lookup in list(client.lookups.values()):
                self._end_client_lookup(lookup, rule=R.CLIENT_EXIT)
            routines, rule, policy = ("NSPv2Cleanup",), R.CLIENT_EXIT, ""
        for session in list(client.sessions.values()):
            if session.open:
                self._end_session(session, routines, rule, policy)
        client.sessions.clear()
        client.lookups.clear()
        client.initialised = False

    def _end_session(
        self,
        session: Session,
        routines: tuple[str, ...],
        rule: Rule,
        policy: str,
        *,
        notify: int | None = None,
    ) -> None:
        """End a session with Rundown and / or Cleanup (as ``rule`` decides), never Cleanup after a failed
        Startup nor a NULL routine; then check nothing is left behind."""
        instance = session.instance
        called = ""
        for routine in routines:
            if routine == "NSPv2Cleanup" and not session.started:
                why = "NSPv2Startup did not succeed for this session, so it gets no NSPv2Cleanup"
                self.dispatch.note("NoCleanup", session.subject, rule=R.STARTUP_FAILED, why=why)
                continue
            if instance.table.routines[routine] is None:
                self._null_routine(instance, routine, session.subject)
                continue
            self._send_end(session, routine, rule, notify, first=not called)
            called = routine
        if not called:
            self._drop_session(session, ENDED, notify=notify, rule=rule)
            self.dispatch.set_session_state(session, ENDED, rule=rule)
        if session.started and "NSPv2Cleanup" not in routines:
            self._pairing_broken(session, policy)
        self._check_leaks(session, called or routines[-1])

    def _send_end(
        self, session: Session, routine: str, rule: Rule, notify: int | None, *, first: bool
    ) -> None:
        """Call Rundown or Cleanup with the session argument; the first one ends the session's calls."""
        instance = session.instance
        guid = instance.entry.lpProviderId
        args = {"lpProviderId": guid_text(guid), "pvClientSessionArg": session.arg_text}
        call = self.dispatch.call(routine, session.subject, args, rule=rule)
        value = self.dispatch.run(instance, routine, session.subject, guid, session.arg)
        if routine == "NSPv2Cleanup":
            self.dispatch.int_return(instance, routine, session.subject, call, value, {})
        else:
            self.dispatch.void_return(instance, routine, session.subject, call, value)
        new = CLEANED_UP if routine == "NSPv2Cleanup" else RUN_DOWN
        if first:
            self._drop_session(session, new, notify=notify, rule=rule)
        self.dispatch.set_session_state(session, new, rule=rule)

    def _pairing_broken(self, session: Session, policy: str) -> None:
        """A session whose NSPv2Startup succeeded ends without NSPv2Cleanup: say which policy broke it."""
        self.dispatch.note(
            "NoMatchingCleanup",
            session.subject,
            rule=R.PAIRING,
            policy=policy,
            why=f"the policy {policy} ends this session without the NSPv2Cleanup its successful "
            "NSPv2Startup is documented to get",
        )

    def _drop_session(self, session: Session, how: str, *, notify: int | None, rule: Rule) -> None:
        """Forget a session's async calls and lookups (a waiting client gets ``notify``)."""
        self.calls.abandon(session, how, notify=notify, rule=rule)
        instance = session.instance
        for lookup in session.lookups.values():
            instance.lookups.pop(lookup.handle, None)
            if lookup.state != ENDED:
                self.dispatch.set_lookup_state(lookup, ENDED, rule=R.SESSION_END_ABANDONS)
        instance.sessions.pop(session.pid, None)

    def _check_leaks(self, session: Session, routine: str) -> None:
        """The introspection hook: ``session_store`` / ``lookup_store`` must have let go of the session."""
        provider = session.instance.provider
        store = getattr(provider, "session_store", None)
        if session.arg is not None and isinstance(store, Mapping) and holds(store, session.arg):
            self.dispatch.fault(
                "SessionStateLeaked",
                R.SESSION_STATE_FREED,
                subject=session.subject,
                routine=routine,
                what=f"after {routine} the provider still holds state for session argument "
                f"{session.arg_text}",
            )
            self.dispatch.set_session_state(session, LEAKED, rule=R.SESSION_STATE_FREED)
        lookups = getattr(provider, "lookup_store", None)
        if isinstance(lookups, Mapping):
            for lookup in session.lookups.values():
                self._check_lookup_leak(lookup, lookups, routine)
        session.lookups.clear()
