"""Sample providers, the routine table, the registry and NS_EMAIL provider selection, in isolation."""

import uuid

import pytest

from labkit import nspv2, winapi
from labkit.exceptions import UnknownNameError
from labkit.nspv2 import (
    WSAQUERYSET,
    WSAQUERYSET2,
    Box,
    CatalogEntry,
    EmailDirectory,
    SampleDirectory,
    addresses,
)
from labkit.nspv2.catalog import select
from labkit.nspv2.provider import routine_table
from labkit.nspv2.queryset import buffer_size
from labkit.winapi import NAPI_PROVIDER_LEVEL, WSAESETSERVICEOP, LupFlags

REG, DEREG, DEL = WSAESETSERVICEOP
A, B = addresses("[2001:db8::a]:25"), addresses("[2001:db8::b]:25")
MULTI = winapi.SERVICE_MULTIPLE
BLOB = b"\x01\x00\x00\x00"


def store_after(*operations):
    """Apply (op, addresses, flags) to carol's entry; return each code and the final entry."""
    directory = EmailDirectory({"alice@contoso.com": ("[2001:db8::25]:25",)})
    codes = []
    for op, local, flags in operations:
        codes.append(
            directory.apply(
                WSAQUERYSET2(lpszServiceInstanceName="Carol@contoso.com", lpcsaBuffer=local, lpBlob=BLOB),
                op,
                flags,
            )
        )
    entry = directory.registrations.get("carol@contoso.com")
    return codes, None if entry is None else (entry.addresses, entry.registered)


@pytest.mark.parametrize(
    ("operations", "codes", "entry"),
    [
        ([(REG, A, 0)], [0], (list(A), True)),
        ([(REG, A, 0), (REG, B, 0)], [0, 0], (list(B), True)),
        ([(REG, A, MULTI), (REG, B, MULTI)], [0, 0], (list(A + B), True)),
        ([(REG, A, 0), (REG, A, MULTI)], [0, 0], (list(A), True)),
        ([(REG, A + B, 0), (DEREG, (), 0)], [0, 0], ([], False)),
        ([(REG, A + B, 0), (DEREG, A, MULTI)], [0, 0], (list(B), True)),
        ([(REG, A, 0), (DEREG, A, MULTI)], [0, 0], ([], False)),
        ([(DEREG, A, 0)], [winapi.WSASERVICE_NOT_FOUND], None),
        ([(DEREG, A, MULTI)], [winapi.WSASERVICE_NOT_FOUND], None),
        ([(REG, A + B, 0), (DEL, (), 0)], [0, 0], None),
        ([(REG, A + B, 0), (DEL, A, MULTI)], [0, 0], (list(B), True)),
        ([(REG, A + B, 0), (DEL, A + B, MULTI)], [0, 0], None),
        ([(DEL, A, 0)], [winapi.WSASERVICE_NOT_FOUND], None),
        ([(DEL, A, MULTI)], [winapi.WSASERVICE_NOT_FOUND], None),
    ],
)
def test_email_directory_follows_the_set_service_table(operations, codes, entry):
    """Each row of reference nspv2 §3.4 (op × SERVICE_MULTIPLE × exists), names compared case-blind."""
    assert store_after(*operations) == (codes, entry)


def test_an_email_registration_without_a_blob_is_refused():
    """nspv2.email-registration-needs-blob: NS_EMAIL requires lpBlob in NSPv2SetServiceEx; without one
    EmailDirectory answers WSAEINVAL and stores nothing, whatever the operation."""
    directory = EmailDirectory()
    for op in (REG, DEREG, DEL):
        qs = WSAQUERYSET2(lpszServiceInstanceName="carol@contoso.com", lpcsaBuffer=A)
        assert directory.apply(qs, op, 0) == winapi.WSAEINVAL
    assert sorted(directory.registrations) == ["alice@contoso.com", "bob@contoso.com"]
    other = WSAQUERYSET2(lpszServiceInstanceName="carol", dwNameSpace=winapi.NS_DNS, lpcsaBuffer=A)
    assert directory.apply(other, REG, 0) == winapi.NO_ERROR  # only NS_EMAIL needs it


def lookup(provider, name, begin_flags, next_flags, length=4096):
    """Begin then one NextEx on ``provider`` outside a broker: the code, the result, the length box."""
    handle, size, result = Box(None), Box(length), Box(None)
    assert (
        provider.NSPv2LookupServiceBegin(
            None, WSAQUERYSET2(lpszServiceInstanceName=name), begin_flags, None, handle
        )
        == 0
    )
    code = provider.next_result(handle.value, next_flags, size, result)
    return code, result.value, size.value


def test_next_flags_combine_with_begin_flags_as_restrictions():
    """nspv2.next-flags-restrict: NextEx flags narrow what Begin asked for and never widen it; 0 asks for
    nothing (there is no 'no restriction' value)."""
    both = LupFlags.RETURN_NAME | LupFlags.RETURN_ADDR
    code, result, _ = lookup(EmailDirectory(), "bob@contoso.com", both, LupFlags.RETURN_NAME)
    assert code == 0 and (result.lpszServiceInstanceName, result.lpcsaBuffer) == ("bob@contoso.com", ())
    code, result, _ = lookup(EmailDirectory(), "bob@contoso.com", LupFlags.RETURN_ADDR, both)
    assert code == 0 and result.lpszServiceInstanceName is None and len(result.lpcsaBuffer) == 2
    code, result, _ = lookup(EmailDirectory(), "bob@contoso.com", both, 0)
    assert code == 0 and (result.lpszServiceInstanceName, result.lpcsaBuffer) == (None, ())


def test_flushprevious_acts_whatever_begin_said():
    """nspv2.flushprevious-skips-result: a behaviour flag, not a restriction: it skips the one result."""
    code, result, _ = lookup(
        EmailDirectory(), "bob@contoso.com", LupFlags.RETURN_NAME, LupFlags.FLUSHPREVIOUS
    )
    assert (code, result) == (winapi.WSA_E_NO_MORE, None)


def test_unknown_and_deregistered_names_get_the_documented_codes():
    """nspv2.unknown-name-service-not-found: an unknown name is WSASERVICE_NOT_FOUND, a known one without
    data WSANO_DATA; the sample-like provider answers WSANO_DATA for both, as Microsoft's sample does."""
    directory = EmailDirectory()
    directory.registrations["bob@contoso.com"].registered = False
    flags = LupFlags.RETURN_NAME
    assert lookup(EmailDirectory(), "nobody@contoso.com", flags, flags)[0] == winapi.WSASERVICE_NOT_FOUND
    assert lookup(directory, "bob@contoso.com", flags, flags)[0] == winapi.WSANO_DATA
    assert lookup(SampleDirectory(), "nobody@contoso.com", flags, flags)[0] == winapi.WSANO_DATA


def test_a_routine_set_to_none_is_a_null_table_entry():
    """nspv2.optional-routine-may-be-null: the sample-like provider's Rundown is NULL, not a stub; a NULL
    mandatory routine is missing."""
    table = routine_table(SampleDirectory())
    assert table.routines["NSPv2ClientSessionRundown"] is None
    assert (table.nulls, table.stubs, table.missing) == (["NSPv2ClientSessionRundown"], frozenset(), [])

    class NoEnd(EmailDirectory):
        NSPv2LookupServiceEnd = None

    assert routine_table(NoEnd()).missing == ["NSPv2LookupServiceEnd"]


def test_routine_table_marks_stubs_and_missing_mandatory_routines():
    """Minimal leaves four routines to the documented stubs; a bare base class lacks the mandatory three."""
    table = routine_table(nspv2.Minimal())
    assert (table.cbSize, table.dwMajorVersion, table.dwMinorVersion) == (72, 1, 0)
    assert sorted(table.stubs) == [
        "NSPv2Cleanup",
        "NSPv2ClientSessionRundown",
        "NSPv2SetServiceEx",
        "NSPv2Startup",
    ]
    assert table.missing == []
    assert routine_table(nspv2.NamespaceProvider()).missing == [
        "NSPv2LookupServiceBegin",
        "NSPv2LookupServiceNextEx",
        "NSPv2LookupServiceEnd",
    ]
    assert routine_table(EmailDirectory()).stubs == frozenset()


def test_provider_registry_by_name_and_by_class_name():
    """providers.get('slow') and providers.Slow are the same class; unknown names list the valid ones."""
    assert nspv2.providers.get("slow") is nspv2.providers.Slow is nspv2.Slow
    assert nspv2.providers.names() == [
        "email-directory",
        "minimal",
        "slow",
        "never-completes",
        "completes-twice",
        "leaky",
        "sample-directory",
        "no-required-size",
    ]
    with pytest.raises(UnknownNameError, match="unknown provider 'fast'"):
        nspv2.providers.get("fast")
    with pytest.raises(AttributeError):
        nspv2.providers.Fast  # noqa: B018


def test_email_selection_order_is_primary_secondaries_then_wildcards():
    """§2.3: the primary for the domain, then secondaries and wildcards each in catalog order."""
    wild = CatalogEntry("wild", domains=(), fSupportsWildCard=True)
    second_1 = CatalogEntry(
        "second-1", domains=(("contoso.com", NAPI_PROVIDER_LEVEL.ProviderLevel_Secondary),)
    )
    primary = CatalogEntry("primary")
    other = CatalogEntry("other", domains=(("fabrikam.com", NAPI_PROVIDER_LEVEL.ProviderLevel_Primary),))
    second_2 = CatalogEntry(
        "second-2", domains=(("CONTOSO.com", NAPI_PROVIDER_LEVEL.ProviderLevel_Secondary),)
    )
    dns = CatalogEntry("dns", winapi.NS_DNS, domains=())
    catalog = [wild, second_1, primary, other, second_2, dns]
    names = [e.lpszIdentifier for e in select(catalog, winapi.NS_EMAIL, "bob@contoso.com", None)]
    assert names == ["primary", "second-1", "second-2", "wild"]
    assert [e.lpszIdentifier for e in select(catalog, winapi.NS_ALL, "x", None)] == [
        e.lpszIdentifier for e in catalog
    ]
    assert select(catalog, winapi.NS_EMAIL, "bob@contoso.com", dns.lpProviderId) == [dns]


def test_the_broker_drops_lpserviceclassid():
    """WSAQUERYSET → WSAQUERYSET2 keeps every member but lpServiceClassId, and sets dwSize (§6 [INF])."""
    smtp = uuid.UUID("0000000d-0000-0000-c000-000000000046")
    qs = WSAQUERYSET(lpszServiceInstanceName="bob@contoso.com", lpServiceClassId=smtp, lpcsaBuffer=A)
    qs2 = qs.to_queryset2()
    assert type(qs2) is WSAQUERYSET2 and not hasattr(qs2, "lpServiceClassId")
    assert (qs2.dwSize, qs2.lpszServiceInstanceName, qs2.lpcsaBuffer, qs2.dwNumberOfCsAddrs) == (
        112,
        "bob@contoso.com",
        A,
        1,
    )
    assert buffer_size(qs2) == 112 + 32 + (40 + 32)
