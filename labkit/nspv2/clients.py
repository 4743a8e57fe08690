"""Scripted client processes: what an application does with the Winsock client API, step by step.

A `Client` is a process (``client:<pid>``) of one user in one logon session that calls WSAStartup, then
runs its script: `Lookup` (WSALookupServiceBegin / Next with buffer sizing and retry / End), `SetService`
(WSASetService), `Wait`, `Cleanup` (WSACleanup), `Exit` or `Crash`. A script that runs out exits in an
orderly way. ``kill_at_ms`` kills the process from outside at that virtual time, wherever it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from labkit import winapi
from labkit.nspv2 import rules as R
from labkit.nspv2.broker import Broker
from labkit.nspv2.catalog import GUID_NAMESPACE
from labkit.nspv2.queryset import CSADDR_INFO, WSAQUERYSET
from labkit.nspv2.records import ClientRecord
from labkit.trace import Kind, Rule, TraceEvent
from labkit.winapi import WSAESETSERVICEOP, LupFlags, SetServiceFlags

DEFAULT_LOOKUP_FLAGS = LupFlags.RETURN_NAME | LupFlags.RETURN_ADDR
MAX_BUFFER_RETRIES = 3
"""A client gives up after this many WSAEFAULT answers in a row."""
REGISTRATION_BLOB = b"\x01\x00\x00\x00"
"""The lpBlob a `SetService` carries unless told otherwise: NS_EMAIL registrations require one (D-SetSvc);
what is in it is the provider's business (labkit's sample providers only check it is there)."""


@dataclass(frozen=True)
class Lookup:
    """WSALookupServiceBegin, then WSALookupServiceNext until no more, then WSALookupServiceEnd."""

    name: str | None = "alice@contoso.com"
    """lpszServiceInstanceName: for NS_EMAIL the address to resolve."""
    context: str | None = None
    """lpszContext: for the sample, the service name."""
    namespace: int = winapi.NS_EMAIL
    flags: LupFlags = DEFAULT_LOOKUP_FLAGS
    """dwControlFlags of Begin (and of every Next unless ``next_flags`` says otherwise)."""
    next_flags: LupFlags | None = None
    """dwControlFlags of every WSALookupServiceNext: they combine with Begin's as restrictions (D-NextEx)."""
    flush_if_too_small: bool = False
    """On WSAEFAULT, skip the result with LUP_FLUSHPREVIOUS instead of retrying with a bigger buffer."""
    provider: str | None = None
    """Restrict to one provider (its catalog identifier becomes lpNSProviderId)."""
    service_class: uuid.UUID | None = None
    """lpServiceClassId: the client structure has it, WSAQUERYSET2 does not (§5 D11)."""
    buffer: int = 4096
    """Bytes of the first result buffer; too small gives WSAEFAULT and a retry with the size asked for."""
    pause_ms: float = 0
    """Virtual think time before each WSALookupServiceNext."""
    cancel_after_ms: float | None = None
    """Another thread calls WSALookupServiceEnd this long after Begin, racing a running Next (D-LSE)."""
    max_results: int = 16
    """Stop asking after this many results (a provider that never says WSA_E_NO_MORE)."""


@dataclass(frozen=True)
class SetService:
    """WSASetService: register, deregister or delete a service instance (§3.4)."""

    op: WSAESETSERVICEOP = WSAESETSERVICEOP.RNRSERVICE_REGISTER
    name: str = "alice@contoso.com"
    addresses: tuple[CSADDR_INFO, ...] = ()
    """lpcsaBuffer: the listening addresses (`labkit.nspv2.addresses` builds them)."""
    flags: SetServiceFlags = SetServiceFlags(0)  # noqa: RUF009 - an immutable int flag
    """SERVICE_MULTIPLE or 0."""
    blob: bytes | None = REGISTRATION_BLOB
    """lpBlob: required for NS_EMAIL (D-SetSvc); None leaves it out, as Microsoft's sample client does."""
    context: str | None = None
    namespace: int = winapi.NS_EMAIL
    provider: str | None = None


@dataclass(frozen=True)
class Wait:
    """Do nothing Winsock-related for ``ms`` virtual milliseconds."""

    ms: float


@dataclass(frozen=True)
class Cleanup:
    """WSACleanup: the orderly end of the process's sessions (NSPv2Cleanup each, §6 [INF])."""


@dataclass(frozen=True)
class Exit:
    """Orderly process exit (without WSACleanup the broker ends the sessions the same way)."""


@dataclass(frozen=True)
class Crash:
    """The process dies abnormally here (what the provider sees is the crash policy's choice)."""


Step = Lookup | SetService | Wait | Cleanup | Exit | Crash


@dataclass(frozen=True)
class Client:
    """One client process and its script."""

    pid: int
    script: tuple[Step, ...]
    user: str = "alice"
    logon: int = 1
    """Logon session: a client reaches only the provider instance of its own user and logon (D-NAPIType)."""
    start_ms: float = 0
    think_ms: float = 1
    """Virtual time the process spends before each Winsock call it makes (keeps timelines readable)."""
    kill_at_ms: float | None = None
    """Killed from outside at this virtual time (a crash wherever the script is)."""


class _Crashed(Exception):
    """The script reached a Crash step."""


class ClientProcess:
    """Runs one `Client` against the broker in virtual time."""

    def __init__(self, broker: Broker, spec: Client) -> None:
        self.broker = broker
        self.spec = spec
        self.record = ClientRecord(spec.pid, spec.user, spec.logon, initialised=False)
        self.actor = f"client:{spec.pid}"
        self.outcome = "not started"
        self._threads: list[simpy.Process] = []
        self._in_progress: dict[int, TraceEvent] = {}
        """Client API calls not yet returned, by span: a crash ends them (their threads die)."""
        env = broker.env
        self.process = env.process(self._main())
        if spec.kill_at_ms is not None:
            env.timeout(spec.kill_at_ms).callbacks.append(lambda _event: self._kill())

    # -- recording --------------------------------------------------------------------------------

    def _call(self, name: str, rule: Rule, **args: Any) -> TraceEvent:
        tracer = self.broker.tracer
        call = tracer.record(Kind.CALL, name, actor=self.actor, subject=self.actor, args=args, rule=rule)
        self._in_progress[call.seq] = call
        return call

    def _return(self, call: TraceEvent, code: int, rule: Rule, **args: Any) -> None:
        """WSA client APIs return 0, or SOCKET_ERROR with the code in WSAGetLastError."""
        del self._in_progress[call.seq]
        if code:
            args["lastError"] = winapi.error_name(code, "nspv2")
        self.broker.tracer.record(
            Kind.RETURN,
            call.name,
            actor=self.actor,
            subject=self.actor,
            args=args,
            result=winapi.SOCKET_ERROR if code else winapi.NO_ERROR,
            span=call.span,
            rule=rule,
        )

    def _process_state(self, old: str | None, new: str) -> None:
        self.outcome = new.lower()
        self.broker.tracer.record(
            Kind.STATE,
            new,
            actor=self.actor,
            subject=self.actor,
            state=(old, new),
            rule=R.CLIENT_PROCESS,
        )

    # -- the process --------------------------------------------------------------------------------

    def _main(self) -> Generator[simpy.Event, Any, None]:
        if self.spec.start_ms:
            yield self.broker.env.timeout(self.spec.start_ms)
        if self.outcome == "killed before start":
            return
        self._process_state(None, "Running")
        call = self._call("WSAStartup", R.CLIENT_WSASTARTUP, wVersionRequested="2.2")
        self.broker.client_startup(self.record)
        self._return(call, winapi.NO_ERROR, R.CLIENT_WSASTARTUP)
        try:
            for step in self.spec.script:
                if isinstance(step, Exit):
                    break
                if isinstance(step, Crash):
                    raise _Crashed
                yield from self._step(step)
        except (simpy.Interrupt, _Crashed):
            self._crash()
            return
        if self.record.initialised:
            self.broker.client_exit(self.record, crashed=False)
        self._process_state("Running", "Exited")

    def _kill(self) -> None:
        if self.outcome == "not started":
            self.outcome = "killed before start"
        elif self.process.is_alive and self.outcome == "running":
            self.process.interrupt("killed")

    def _crash(self) -> None:
        for thread in self._threads:
            if thread.is_alive:
                thread.interrupt("process died")
        self._process_state("Running", "Crashed")
        for call in self._in_progress.values():  # the threads that made them are gone
            self.broker.tracer.record(
                Kind.RETURN,
                call.name,
                actor=self.actor,
                subject=self.actor,
                args={"abandoned": "process crashed"},
                span=call.span,
                rule=R.CLIENT_PROCESS,
            )
        self._in_progress.clear()
        self.broker.client_exit(self.record, crashed=True)

    def _step(self, step: Step) -> Generator[simpy.Event, Any, None]:
        if isinstance(step, Wait):
            yield self.broker.env.timeout(step.ms)
        elif isinstance(step, Lookup):
            yield from self._lookup(step)
        elif isinstance(step, SetService):
            yield from self._set_service(step)
        elif isinstance(step, Cleanup):
            yield from self._think()
            call = self._call("WSACleanup", R.CLIENT_WSASTARTUP)
            code = winapi.WSANOTINITIALISED if not self.record.initialised else winapi.NO_ERROR
            if not code:
                self.broker.client_exit(self.record, crashed=False)
            self._return(call, code, R.CLIENT_WSASTARTUP)

    def _think(self) -> Generator[simpy.Event, Any, None]:
        if self.spec.think_ms:
            yield self.broker.env.timeout(self.spec.think_ms)

    def _provider_id(self, name: str | None) -> uuid.UUID | None:
        if name is None:
            return None
        for entry in self.broker.catalog.values():
            if entry.lpszIdentifier == name:
                return entry.lpProviderId
        return uuid.uuid5(GUID_NAMESPACE, name)  # not installed: the GUID it would have

    def _queryset(self, step: Lookup | SetService, **members: Any) -> WSAQUERYSET:
        return WSAQUERYSET(
            lpszServiceInstanceName=step.name,
            lpszContext=step.context,
            dwNameSpace=step.namespace,
            lpNSProviderId=self._provider_id(step.provider),
            **members,
        )

    def _lookup(self, step: Lookup) -> Generator[simpy.Event, Any, None]:
        qs = self._queryset(step, lpServiceClassId=step.service_class)
        flags = int(step.flags)
        yield from self._think()
        call = self._call(
            "WSALookupServiceBegin", R.CLIENT_LOOKUP, lpqsRestrictions=qs.summary(), dwControlFlags=flags
        )
        if not self.record.initialised:
            self._return(call, winapi.WSANOTINITIALISED, R.CLIENT_WSASTARTUP)
            return
        code, handle, rule = self.broker.lookup_begin(self.record, qs, flags)
        self._return(call, code, rule, lphLookup=None if handle is None else f"{handle:#x}")
        if handle is None:
            return
        if step.cancel_after_ms is not None:
            canceller = self.broker.env.process(self._cancel_later(handle, step.cancel_after_ms))
            self._threads.append(canceller)
        yield from self._next_loop(step, handle)
        if handle in self.record.lookups:
            yield from self._think()
        if handle in self.record.lookups:
            self._end(handle)

    def _next_loop(self, step: Lookup, handle: int) -> Generator[simpy.Event, Any, None]:
        """WSALookupServiceNext until no more; after WSAEFAULT ask again with the size given (or skip the
        result with LUP_FLUSHPREVIOUS), as D-LSN describes."""
        flags = int(step.flags if step.next_flags is None else step.next_flags)
        length, results, retries, rule = step.buffer, 0, 0, R.CLIENT_LOOKUP
        while results < step.max_results and handle in self.record.lookups:
            if step.pause_ms + self.spec.think_ms:
                yield self.broker.env.timeout(step.pause_ms + self.spec.think_ms)
            call = self._call(
                "WSALookupServiceNext",
                rule,
                hLookup=f"{handle:#x}",
                dwControlFlags=flags,
                lpdwBufferLength=length,
            )
            code, result, needed, decided = yield from self.broker.lookup_next(
                self.record, handle, flags, length
            )
            out: dict[str, Any] = {"lpdwBufferLength": needed}
            if code == winapi.NO_ERROR and result is not None and hasattr(result, "summary"):
                out["lpqsResults"] = result.summary()
            self._return(call, code, decided, **out)
            flags &= ~LupFlags.FLUSHPREVIOUS  # it applies to one call only
            rule = R.CLIENT_LOOKUP
            if code == winapi.WSAEFAULT and retries < MAX_BUFFER_RETRIES and needed > length:
                retries += 1
                if step.flush_if_too_small:
                    flags, rule = flags | LupFlags.FLUSHPREVIOUS, R.FLUSH_PREVIOUS
                else:
                    length, rule = needed, R.CLIENT_BUFFER
                continue
            if code != winapi.NO_ERROR:
                break
            results, retries = results + 1, 0

    def _end(self, handle: int) -> None:
        call = self._call("WSALookupServiceEnd", R.CLIENT_LOOKUP, hLookup=f"{handle:#x}")
        code, rule = self.broker.lookup_end(self.record, handle)
        self._return(call, code, rule)

    def _cancel_later(self, handle: int, ms: float) -> Generator[simpy.Event, Any, None]:
        try:
            yield self.broker.env.timeout(ms)
        except simpy.Interrupt:
            return
        if handle in self.record.lookups:
            self._end(handle)

    def _set_service(self, step: SetService) -> Generator[simpy.Event, Any, None]:
        qs = self._queryset(step, lpcsaBuffer=step.addresses, lpBlob=step.blob)
        flags = int(step.flags)
        yield from self._think()
        call = self._call(
            "WSASetService",
            R.CLIENT_SET_SERVICE,
            lpqsRegInfo=qs.summary(),
            essoperation=step.op.name,
            dwControlFlags=flags,
        )
        if not self.record.initialised:
            self._return(call, winapi.WSANOTINITIALISED, R.CLIENT_WSASTARTUP)
            return
        code, rule = yield from self.broker.set_service(self.record, qs, step.op, flags)
        self._return(call, code, rule)
