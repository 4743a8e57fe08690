"""NSPv2 rules of the provider's host process, of the client's side, and of which providers a
request reaches."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, SMP, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.SAMPLE, Evidence.INFERRED

_rule = RuleMaker("nspv2")


# -- installing and advertising (the provider's host process) ---------------------------------------------

INSTALL = _rule(
    "install-adds-catalog-entry",
    "WSCInstallNameSpaceEx adds the provider's catalog entry, and installing a GUID that is already in the "
    "catalog fails with WSANO_RECOVERY.",
    DOC,
    "nspv2 §1.4; D-WSCInstEx (nf-ws2spi-wscinstallnamespaceex)",
)
INSTALL_EMPTY_PATH = _rule(
    "install-with-empty-path",
    "An NSPv2 provider is installed with an empty lpszPathName, because no client process loads it as a DLL.",
    SMP,
    'nspv2 §1.4, §5 D21; S-Inst (Install.c passes L""), D-WSCInstEx',
)
HOST_WSASTARTUP = _rule(
    "host-calls-wsastartup",
    "The provider's host process calls WSAStartup before WSAAdvertiseProvider, and WSACleanup after "
    "WSAUnadvertiseProvider, as Microsoft's sample host does.",
    SMP,
    "nspv2 §2.1.4; S-Prov (SampleProvider.c main)",
)
HOST_NOT_INITIALISED = _rule(
    "host-needs-wsastartup",
    "WSAAdvertiseProvider and WSAProviderCompleteAsyncCall fail with WSANOTINITIALISED in a host process "
    "that has not called WSAStartup, or has called WSACleanup since.",
    DOC,
    "nspv2 §1.4; D-Adv (nf-ws2spi-wsaadvertiseprovider), D-Complete (nf-ws2spi-wsaprovidercompleteasynccall)",
)
ADVERTISE = _rule(
    "advertise-reaches-same-user-session",
    "WSAAdvertiseProvider makes the provider instance available to the client processes of the same user "
    "in the same logon session.",
    DOC,
    "nspv2 §1.4, §2.1.1, §2.1.3; D-Adv, D-NAPIType (ne-nsemail-napi_provider_type)",
)
ADVERTISE_NOT_INSTALLED = _rule(
    "advertise-needs-catalog-entry",
    "WSAAdvertiseProvider fails with WSAEINVALIDPROVIDER for a GUID that is not in the namespace catalog.",
    DOC,
    "nspv2 §1.4; D-Adv",
)
ADVERTISE_MANDATORY = _rule(
    "advertise-needs-begin-nextex-end",
    "WSAAdvertiseProvider fails with WSAEINVAL when NSPv2LookupServiceBegin, NSPv2LookupServiceNextEx or "
    "NSPv2LookupServiceEnd is NULL in the routine table.",
    DOC,
    "nspv2 §1.1; D-Adv, D-Routine (ns-ws2spi-nspv2_routine)",
)
NULL_ACCEPTED = _rule(
    "optional-routine-may-be-null",
    "WSAAdvertiseProvider accepts NULL for the optional routines, as Microsoft's sample passes NULL for "
    "NSPv2ClientSessionRundown.",
    SMP,
    "nspv2 §1.1, §5 D9; S-Prov (NspRoutines), D-Adv (checks only Begin, NextEx and End)",
)
VISTA_EMAIL_ONLY = _rule(
    "vista-refuses-non-email",
    "labkit assumes that on Windows Vista and Server 2008, where NSPv2 works with NS_EMAIL providers only, "
    "WSAAdvertiseProvider refuses a provider of any other namespace with WSAEINVALIDPROVIDER.",
    INF,
    "nspv2 §4; remarks of every NSPv2 page (NS_EMAIL only on Vista/2008); where and with which code the "
    "broker refuses is not documented",
)
ONE_INSTANCE = _rule(
    "one-instance-per-user-session",
    "labkit assumes a second WSAAdvertiseProvider of one provider by the same user in the same logon "
    "session fails with WSAEINVAL, since there is at most one instance per user session.",
    INF,
    "nspv2 §2.1.3; D-NAPIType (at most one instance per user session; the error code is not documented)",
)
UNADVERTISE = _rule(
    "unadvertise-hides-provider",
    "WSAUnadvertiseProvider makes the provider unavailable, so new requests no longer reach it.",
    DOC,
    "nspv2 §1.4, §6; D-Unadv (nf-ws2spi-wsaunadvertiseprovider)",
)
UNADVERTISE_POLICY = _rule(
    "unadvertise-ends-open-sessions",
    "labkit assumes what the unadvertise policy says happens to the sessions still open: by default each "
    "gets NSPv2ClientSessionRundown then NSPv2Cleanup, and its calls still waiting fail with "
    "WSASERVICE_NOT_FOUND.",
    INF,
    "nspv2 §7 Q6; D-Unadv says nothing of open sessions",
    policy="unadvertise",
)

# -- the client's side ------------------------------------------------------------------------------------

CLIENT_WSASTARTUP = _rule(
    "client-calls-wsastartup",
    "A client process calls WSAStartup before the Winsock client functions, which fail with "
    "WSANOTINITIALISED without it (or after WSACleanup).",
    DOC,
    "nspv2 §6; D-LSB (nf-winsock2-wsalookupservicebeginw), D-SetService (nf-winsock2-wsasetservicew)",
)
CLIENT_LOOKUP = _rule(
    "client-lookup-sequence",
    "A client resolves a name with WSALookupServiceBegin, then WSALookupServiceNext until WSA_E_NO_MORE, "
    "then WSALookupServiceEnd.",
    DOC,
    "nspv2 §6; D-LSB, D-LSN (nf-winsock2-wsalookupservicenextw), D-LSE (nf-winsock2-wsalookupserviceend)",
)
CLIENT_BUFFER = _rule(
    "client-retries-with-required-size",
    "After WSAEFAULT a client calls WSALookupServiceNext again with a buffer of the size it was given.",
    DOC,
    "nspv2 §6; D-LSN (lpdwBufferLength), D-NextEx (typically called twice)",
)
CLIENT_SET_SERVICE = _rule(
    "client-set-service",
    "A client registers, deregisters or deletes a service instance with WSASetService.",
    DOC,
    "nspv2 §6, §3.4; D-SetService",
)
CLIENT_RETURNS = _rule(
    "client-api-returns",
    "The Winsock client functions return 0, or SOCKET_ERROR with the error code in WSAGetLastError.",
    DOC,
    "nspv2 §6; D-LSB, D-LSN, D-LSE, D-SetService (Return value)",
)
NO_PROVIDER = _rule(
    "no-provider-service-not-found",
    "WSALookupServiceBegin and WSASetService fail with WSASERVICE_NOT_FOUND when no advertised provider "
    "of the request's namespace (or its lpNSProviderId) takes the request.",
    DOC,
    "nspv2 §6, §2.3; D-LSB, D-SetService (WSASERVICE_NOT_FOUND)",
)
COMPLETION_TO_CLIENT = _rule(
    "completion-code-reaches-client",
    "labkit assumes the broker turns a provider's completion code into the client's result: 0 for "
    "NO_ERROR, else SOCKET_ERROR with that code in WSAGetLastError.",
    INF,
    "nspv2 §7 Q2; D-Complete (iRetCode is the call's return code), S-Prov (WSA codes, 0 for success)",
)
CLIENT_EXIT = _rule(
    "orderly-exit-sends-cleanup",
    "labkit assumes a client process that calls WSACleanup or exits in an orderly way ends each of its "
    "sessions with NSPv2Cleanup.",
    INF,
    "nspv2 §6; D-Cleanup (a session that has terminated); which client action triggers it is not documented",
)
CLIENT_PROCESS = _rule(
    "client-process-lifetime",
    "labkit shows each client process as Running, then Exited or Crashed, and a crash abandons the Winsock "
    "calls its threads were making.",
    INF,
    "nspv2 §6; labkit's own model of a process (no Microsoft page describes one)",
)
END_CANCELS_NEXT = _rule(
    "end-cancels-running-next",
    "WSALookupServiceEnd from another thread cancels a running WSALookupServiceNext: the broker calls "
    "NSPv2LookupServiceEnd and the provider finishes NextEx with WSA_E_CANCELLED.",
    DOC,
    "nspv2 §2.1.7, §5 D6; D-End (nc-ws2spi-lpnspv2lookupserviceend), D-NextEx, D-LSE",
)
SERVICE_CLASS_DROPPED = _rule(
    "broker-drops-service-class-id",
    "labkit assumes the broker hands the provider the client's WSAQUERYSET as a WSAQUERYSET2, which has no "
    "lpServiceClassId.",
    INF,
    "nspv2 §6, §3.6, §5 D11; H-MGW (WSAQUERYSET2W has no lpServiceClassId)",
)

# -- which providers a request reaches --------------------------------------------------------------------

EMAIL_ORDER = _rule(
    "email-provider-order",
    "An NS_EMAIL request goes to the domain's primary provider, then its secondaries, then the wildcard "
    "providers, each group in catalog order; an authoritative query stops at the first that answers.",
    DOC,
    "nspv2 §2.3; D-NAPIBlob (ns-nsemail-napi_provider_installation_blob)",
)
NON_AUTHORITATIVE = _rule(
    "non-authoritative-asks-all",
    "A query with LUP_NON_AUTHORITATIVE asks every NS_EMAIL provider of the domain, in the same order, and "
    "returns every result.",
    DOC,
    "nspv2 §2.3; D-NAPIBlob",
)
NAMESPACE_SELECTS = _rule(
    "namespace-selects-providers",
    "A request for one namespace reaches the providers of that namespace, NS_ALL reaches every provider, "
    "and lpNSProviderId narrows it to that one provider.",
    DOC,
    "nspv2 §3.6, §6; D-QS2 (dwNameSpace, lpNSProviderId), D-Begin",
)
NEXT_MOVES_ON = _rule(
    "next-moves-to-next-provider",
    "labkit assumes a lookup over several providers moves on to the next provider when the active one fails "
    "with anything but WSAEFAULT or a cancel, as the NSPv1 host does.",
    INF,
    "nspv2 §2.3; ROS-WS2 nsquery.c (the v1 host, not an NSPv2 broker)",
)
SET_SERVICE_SCOPE = _rule(
    "set-service-scope",
    "WSASetService reaches the provider named by lpNSProviderId, else the providers of its namespace, and "
    "for NS_EMAIL tries them in the domain's order until one succeeds.",
    DOC,
    "nspv2 §6, §2.3; D-SetService, D-NAPIBlob (the same order applies to register)",
)
