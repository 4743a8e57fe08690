"""Lookups and registrations: the client calls the broker passes on to providers (nspv2 §1.3, §2.3, §6).

WSALookupServiceBegin / Next / End run NSPv2LookupServiceBegin → NextEx* → End on the providers the
catalog selects for the request (the NS_EMAIL rules of §2.3: an authoritative lookup tries one provider
after another); WSASetService runs NSPv2SetServiceEx. `Lookups` is the part of the `Broker` that does
it; the broker owns the sessions these calls run in.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Generator, Mapping
from typing import Any

import simpy

from labkit import winapi
from labkit.nspv2.catalog import CatalogEntry, select
from labkit.nspv2.completion import CANCEL_CODES, AsyncCalls
from labkit.nspv2.dispatch import DOCUMENTED, Dispatcher
from labkit.nspv2.faults import code_name
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import Box
from labkit.nspv2.queryset import WSAQUERYSET, guid_text, show
from labkit.nspv2.records import (
    CANCELLED,
    ENDED,
    NEXT_PENDING,
    OPEN,
    STARTED,
    AsyncCall,
    ClientLookup,
    ClientRecord,
    Instance,
    InstanceKey,
    Lookup,
    Session,
)
from labkit.winapi import LupFlags


class Lookups:
    """The broker's lookups and registrations (`labkit.nspv2.broker.Broker` owns the state named here)."""

    dispatch: Dispatcher
    calls: AsyncCalls
    catalog: dict[uuid.UUID, CatalogEntry]
    instances: dict[InstanceKey, Instance]
    policy: Policy
    qualify_subjects: bool
    _next_client_handle: int

    def _session(self, client: ClientRecord, instance: Instance) -> Session | None:
        """The client's session with ``instance``, started on first use (the broker's)."""
        raise NotImplementedError

    def _lookup_subject(self, instance: Instance, text: str) -> str:
        return f"lookup:{instance.name}/{text}" if self.qualify_subjects else f"lookup:{text}"

    def _check_lookup_leak(self, lookup: Lookup, store: Mapping[Any, Any], routine: str) -> None:
        if holds(store, lookup.handle):
            self.dispatch.fault(
                "SessionStateLeaked",
                subject=lookup.subject,
                routine=routine,
                rule=f"after {routine} the provider still holds state for hLookup {lookup.text}",
            )

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
        elif not hashable(handle):
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


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def holds(store: Mapping[Any, Any], key: Any) -> bool:
    return hashable(key) and key in store
