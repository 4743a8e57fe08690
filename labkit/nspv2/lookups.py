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
from labkit.nspv2 import rules as R
from labkit.nspv2.catalog import CatalogEntry, select
from labkit.nspv2.completion import CANCEL_CODES, AsyncCalls
from labkit.nspv2.dispatch import Dispatcher
from labkit.nspv2.faults import code_name
from labkit.nspv2.policy import Policy
from labkit.nspv2.provider import Box
from labkit.nspv2.queryset import WSAQUERYSET, guid_text, show
from labkit.nspv2.records import (
    CANCELLED,
    ENDED,
    NEXT_PENDING,
    OPEN,
    AsyncCall,
    ClientLookup,
    ClientRecord,
    Instance,
    InstanceKey,
    Lookup,
    Session,
)
from labkit.trace import Rule
from labkit.winapi import LupFlags

Reply = tuple[int, Rule]
"""A client call's code, and the rule that decided it."""


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

    def _null_routine(self, instance: Instance, routine: str, subject: str) -> None:
        """A note that the broker does not call ``routine``: its table entry is NULL."""
        self.dispatch.note(
            "RoutineIsNull",
            subject,
            rule=R.NULL_ROUTINE,
            routine=routine,
            why=f"{routine} is NULL in the table {instance.name} advertised; the broker does not call it",
        )

    def _lookup_subject(self, instance: Instance, text: str) -> str:
        return f"lookup:{instance.name}/{text}" if self.qualify_subjects else f"lookup:{text}"

    def _check_lookup_leak(self, lookup: Lookup, store: Mapping[Any, Any], routine: str) -> None:
        if holds(store, lookup.handle):
            self.dispatch.fault(
                "SessionStateLeaked",
                R.SESSION_STATE_FREED,
                subject=lookup.subject,
                routine=routine,
                what=f"after {routine} the provider still holds state for hLookup {lookup.text}",
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
            draining = self.policy.unadvertise == "drain" and session is not None and session.open
            if instance.advertised or draining:
                out.append(instance)
        return out

    def lookup_begin(self, client: ClientRecord, qs: WSAQUERYSET, flags: int) -> tuple[int, int | None, Rule]:
        """WSALookupServiceBegin: NSPv2LookupServiceBegin on the selected providers (§2.3, §6).

        Returns the client's code, its lookup handle (None on failure) and the rule that decided the code.
        """
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
            return winapi.WSASERVICE_NOT_FOUND, None, R.NO_PROVIDER
        client.lookups[lookup.handle] = lookup
        return winapi.NO_ERROR, lookup.handle, R.CLIENT_RETURNS

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
            rule=R.BEGIN_CALL,
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
                R.BEGIN_HANDLE,
                subject=session.subject,
                routine="NSPv2LookupServiceBegin",
                what=f"NSPv2LookupServiceBegin {problem}",
            )
            return
        text = str(show(handle))
        opened = Lookup(session, handle, text, self._lookup_subject(instance, text))
        instance.lookups[handle] = opened
        session.lookups[handle] = opened
        lookup.opened.append(opened)
        self.dispatch.state(opened.subject, None, OPEN, rule=R.BEGIN_HANDLE, session=session.subject)

    def lookup_next(
        self, client: ClientRecord, handle: int, flags: int, length: int
    ) -> Generator[simpy.Event, Any, tuple[int, Any, int, Rule]]:
        """WSALookupServiceNext: NSPv2LookupServiceNextEx on the active provider (§2.3, §6).

        Returns (code, result, buffer length, the rule that decided the code); on WSAEFAULT the length is
        the size the provider needs.
        """
        lookup = client.lookups.get(handle)
        if lookup is None:
            return winapi.WSA_INVALID_HANDLE, None, length, R.CLIENT_RETURNS
        while True:
            if lookup.index >= len(lookup.opened):
                if lookup.authoritative and lookup.candidates and not lookup.delivered:
                    self._open(client, lookup, lookup.candidates.popleft())
                    continue
                code = winapi.WSA_E_NO_MORE if lookup.delivered or not lookup.last_code else lookup.last_code
                return code, None, length, R.NEXT_MOVES_ON
            opened = lookup.opened[lookup.index]
            if not opened.session.open or opened.state in (ENDED, CANCELLED):
                return winapi.WSASERVICE_NOT_FOUND, None, length, R.UNADVERTISE_POLICY
            call = self._next_ex(opened, flags, length)
            code = yield call.done
            assert call.length is not None and call.results is not None
            rule = call.outcome or R.COMPLETION_TO_CLIENT
            if code == winapi.NO_ERROR:
                lookup.delivered = True
                return code, call.results.value, call.length.value, rule
            if code == winapi.WSAEFAULT:
                return code, None, call.length.value, rule
            if code in CANCEL_CODES or opened.ending:
                return code, None, length, rule
            lookup.last_code = code
            if lookup.authoritative:
                if lookup.delivered or not lookup.candidates:
                    return code, None, length, rule  # the one that answered, or the last one, decides
                self._end_lookup(opened, rule=R.EMAIL_ORDER)  # it could not resolve: try the next one
            lookup.index += 1

    def _next_ex(self, lookup: Lookup, flags: int, length: int) -> AsyncCall:
        self.dispatch.set_lookup_state(lookup, NEXT_PENDING, rule=R.NEXT_CALL)
        length_box: Box[int] = Box(length)
        results: Box[Any] = Box(None)
        call = self.calls.start(
            lookup.session,
            lookup,
            "NSPv2LookupServiceNextEx",
            {"hLookup": lookup.text, "dwControlFlags": flags, "lpdwBufferLength": length},
            (lookup.handle, flags, length_box, results),
            rule=R.NEXT_CALL,
            length=length_box,
            results=results,
        )
        return call

    def lookup_end(self, client: ClientRecord, handle: int) -> Reply:
        """WSALookupServiceEnd: NSPv2LookupServiceEnd on every provider lookup still open."""
        lookup = client.lookups.pop(handle, None)
        if lookup is None:
            return winapi.WSA_INVALID_HANDLE, R.CLIENT_RETURNS
        self._end_client_lookup(lookup, rule=R.END_CALL)
        return winapi.NO_ERROR, R.CLIENT_RETURNS

    def _end_client_lookup(self, lookup: ClientLookup, *, rule: Rule) -> None:
        for opened in lookup.opened:
            if opened.state not in (ENDED, CANCELLED) and not opened.ending:
                self._end_lookup(opened, rule=rule)

    def _end_lookup(self, lookup: Lookup, *, rule: Rule) -> None:
        """NSPv2LookupServiceEnd (because of ``rule``); while a NextEx runs, it asks for its cancel."""
        session = lookup.session
        if not session.open:
            return  # the session is gone: nothing to tell the provider
        instance = session.instance
        if lookup.call is not None:
            rule = R.END_CANCELS_NEXT
        call = self.dispatch.call(
            "NSPv2LookupServiceEnd", lookup.subject, {"hLookup": lookup.text}, rule=rule
        )
        lookup.ending = lookup.call is not None
        value = self.dispatch.run(instance, "NSPv2LookupServiceEnd", lookup.subject, lookup.handle)
        self.dispatch.int_return(instance, "NSPv2LookupServiceEnd", lookup.subject, call, value, {})
        instance.lookups.pop(lookup.handle, None)
        session.lookups.pop(lookup.handle, None)
        if lookup.call is None:
            self.dispatch.set_lookup_state(lookup, ENDED, rule=rule)
        store = getattr(instance.provider, "lookup_store", None)
        if isinstance(store, Mapping):
            self._check_lookup_leak(lookup, store, "NSPv2LookupServiceEnd")

    def set_service(
        self, client: ClientRecord, qs: WSAQUERYSET, op: winapi.WSAESETSERVICEOP, flags: int
    ) -> Generator[simpy.Event, Any, Reply]:
        """WSASetService: NSPv2SetServiceEx on the selected providers (§6; NS_EMAIL order §2.3).

        Returns the client's code and the rule that decided it.
        """
        instances = self._route(client, qs)
        one_at_a_time = qs.dwNameSpace == winapi.NS_EMAIL and qs.lpNSProviderId is None
        qs2 = qs.to_queryset2()
        code, succeeded, decided = winapi.WSASERVICE_NOT_FOUND, False, R.NO_PROVIDER
        for instance in instances:
            session = self._session(client, instance)
            if session is None:
                continue
            if instance.table.routines["NSPv2SetServiceEx"] is None:
                self._null_routine(instance, "NSPv2SetServiceEx", session.subject)
                code, decided = winapi.WSAEOPNOTSUPP, R.NULL_ROUTINE
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
                rule=R.SET_SERVICE_CALL,
            )
            result = yield call.done
            decided = call.outcome or R.COMPLETION_TO_CLIENT
            if result == winapi.NO_ERROR:
                succeeded = True
                if one_at_a_time:
                    break
            else:
                code = result
        return (winapi.NO_ERROR if succeeded else code), decided

    # ------------------------------------------------------------------------------------------------


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def holds(store: Mapping[Any, Any], key: Any) -> bool:
    return hashable(key) and key in store
