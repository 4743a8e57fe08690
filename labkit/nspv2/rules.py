"""The NSPv2 rule catalogue: every behaviour the broker models, and the documented ones it does not.

Each constant is one `Rule`; the broker, the client processes and the provider host cite them on every
event they record (``tracer.record(..., rule=rules.BEGIN_CALL)``). Sources name the reference sheet's
section (shared/reference/nspv2.md) and its source keys: D-* a Microsoft doc page (the ws2spi / winsock2
page named after it), H-* a header, S-* Microsoft's NSPv2 sample, SEED the French Rundown page.

To add a rule, define a constant below in the section it belongs to; `RULES` collects every one.
"""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import Catalogue, Rule, collect

DOC, HDR, SMP, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.SAMPLE, Evidence.INFERRED


def _rule(
    words: str, statement: str, evidence: Evidence, source: str, *, policy: str = "", modelled: bool = True
) -> Rule:
    return Rule(f"nspv2.{words}", "nspv2", statement, evidence, source, policy, modelled)


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

# -- client sessions: Startup, Cleanup, Rundown -----------------------------------------------------------

STARTUP_TRIGGER = _rule(
    "startup-on-first-use",
    "labkit assumes NSPv2Startup runs when the startup policy says: by default at the client's first "
    "lookup or registration that reaches the provider.",
    INF,
    "nspv2 §2.2, §7 Q1; D-Startup (a new client session), D-Complete (providers are not activated by "
    "client activity)",
    policy="startup",
)
STARTUP_ARG = _rule(
    "startup-stores-session-arg",
    "NSPv2Startup may store a per-session value in *ppvClientSessionArg, or leave it NULL when the provider "
    "needs none.",
    DOC,
    "nspv2 §1.3, §2.1.5; D-Startup (nc-ws2spi-lpnspv2startup)",
)
STARTUP_FAILED = _rule(
    "failed-startup-gets-no-cleanup",
    "NSPv2Startup must succeed before NSPv2Cleanup is called, so a session whose Startup failed never gets "
    "NSPv2Cleanup.",
    DOC,
    "nspv2 §2.1.6; D-Startup, D-Cleanup (nc-ws2spi-lpnspv2cleanup)",
)
SESSION_WITHOUT_STARTUP = _rule(
    "session-without-startup",
    "labkit assumes a client still uses a provider whose NSPv2Startup fails with WSAEOPNOTSUPP (the stub) "
    "or is NULL, without a session argument.",
    INF,
    "nspv2 §2.2; D-Startup (the stub returns WSAEOPNOTSUPP); what the broker does next is not documented",
)
STARTUP_FAILURE_SKIPS = _rule(
    "startup-failure-skips-provider",
    "labkit assumes a provider whose NSPv2Startup fails with any other error is left out of that request.",
    INF,
    "nspv2 §2.2; D-Startup (error codes; what the broker does then is not documented)",
)
PAIRING = _rule(
    "startup-cleanup-pairing",
    "Every successful NSPv2Startup gets its own matching NSPv2Cleanup.",
    DOC,
    "nspv2 §2.1.6, §5 D16; D-Startup, D-Cleanup (called as pairs)",
)
CLEANUP_ARG = _rule(
    "cleanup-receives-startup-arg",
    "NSPv2Cleanup receives the session argument NSPv2Startup stored, once the client session has terminated.",
    DOC,
    "nspv2 §1.3, §2.1.5; D-Cleanup",
)
RUNDOWN_ARG = _rule(
    "rundown-receives-startup-arg",
    "NSPv2ClientSessionRundown receives the session argument NSPv2Startup stored, when the client session "
    "is terminating.",
    DOC,
    "nspv2 §1.3, §2.1.5; D-Rundown (nc-ws2spi-lpnspv2clientsessionrundown), SEED",
)
CRASH_POLICY = _rule(
    "crash-ends-session",
    "labkit assumes a crashed client's sessions end as the crash policy says: by default "
    "NSPv2ClientSessionRundown, then NSPv2Cleanup.",
    INF,
    "nspv2 §2.2, §5 D16, §7 Q1; D-Rundown (is terminating), D-Cleanup (has terminated); no page says "
    "which fires",
    policy="crash",
)
NULL_ROUTINE = _rule(
    "null-routine-not-called",
    "labkit assumes the broker never calls an optional routine whose table entry is NULL, and treats a NULL "
    "NSPv2Startup like one that failed with WSAEOPNOTSUPP.",
    INF,
    "nspv2 §1.1, §5 D9; S-Prov (NULL Rundown); what the broker does with a NULL entry is not documented",
)
STUB = _rule(
    "unimplemented-routine-stub",
    "An optional routine a provider does not implement is a stub that fails with WSAEOPNOTSUPP; the "
    "SetServiceEx stub completes with WSAEOPNOTSUPP and the Rundown stub just returns.",
    DOC,
    "nspv2 §1.1, §5 D9; D-Routine, D-Startup, D-Cleanup, D-SetSvc, D-Rundown",
)
SESSION_STATE_FREED = _rule(
    "session-state-freed",
    "labkit checks that a provider holds nothing for a session argument once NSPv2Cleanup or "
    "NSPv2ClientSessionRundown returned, nor for an hLookup once NSPv2LookupServiceEnd returned.",
    INF,
    "nspv2 §1.3; D-Cleanup (frees the session's resources); the check uses labkit's session_store and "
    "lookup_store",
)
NO_CALLS_AFTER_END = _rule(
    "no-completion-after-session-end",
    "labkit assumes a provider must not complete a call of a session that NSPv2Cleanup or "
    "NSPv2ClientSessionRundown already ended.",
    INF,
    "nspv2 §2.1.5; no page says what a late completion does",
)
SESSION_END_ABANDONS = _rule(
    "session-end-abandons-calls",
    "labkit assumes the broker finishes the calls still waiting in a session that ends, so no client waits "
    "forever, and ignores their later completion when the provider was never told.",
    INF,
    "nspv2 §7 Q2, Q6; not documented",
)

# -- the routines' contracts ------------------------------------------------------------------------------

BEGIN_CALL = _rule(
    "begin-gets-session-arg",
    "For each provider a lookup reaches, the broker calls NSPv2LookupServiceBegin with the query and the "
    "session argument NSPv2Startup stored.",
    DOC,
    "nspv2 §1.3, §5 D8; D-Begin (nc-ws2spi-lpnspv2lookupservicebegin)",
)
BEGIN_HANDLE = _rule(
    "begin-returns-handle",
    "An NSPv2LookupServiceBegin that returns NO_ERROR sets *lphLookup to a handle for the new query.",
    DOC,
    "nspv2 §1.3; D-Begin",
)
NEXT_CALL = _rule(
    "next-gets-async-handle",
    "For each WSALookupServiceNext the broker calls NSPv2LookupServiceNextEx with a fresh hAsyncCall and "
    "the provider's hLookup, never the session argument.",
    DOC,
    "nspv2 §1.3, §2.1.8, §5 D3; D-NextEx (nc-ws2spi-lpnspv2lookupservicenextex), D-Complete",
)
END_CALL = _rule(
    "end-frees-lookup",
    "WSALookupServiceEnd makes the broker call NSPv2LookupServiceEnd with the hLookup, which ends the query.",
    DOC,
    "nspv2 §1.3; D-End, D-LSE",
)
SET_SERVICE_CALL = _rule(
    "setservice-gets-session-arg",
    "For each provider a registration reaches, the broker calls NSPv2SetServiceEx with a fresh hAsyncCall, "
    "the registration and the session argument NSPv2Startup stored.",
    DOC,
    "nspv2 §1.3, §6; D-SetSvc (nc-ws2spi-lpnspv2setserviceex), D-SetService",
)
INT_RETURN = _rule(
    "int-routine-returns",
    "NSPv2Startup, NSPv2Cleanup, NSPv2LookupServiceBegin and NSPv2LookupServiceEnd return NO_ERROR, or "
    "SOCKET_ERROR (-1) after WSASetLastError with the error code.",
    DOC,
    "nspv2 §1.2, §1.3, §5 D2; the Return value of each page (which misprints -1 as 1), H-MGW _socket_types.h",
)
VOID_RETURN = _rule(
    "void-routines",
    "NSPv2LookupServiceNextEx, NSPv2SetServiceEx and NSPv2ClientSessionRundown are VOID, so nothing reads a "
    "value they return.",
    HDR,
    "nspv2 §1.2, §5 D1; H-ROS, H-SDK ws2spi.h, SYN-*",
)
CONTAINERS = _rule(
    "containers-no-data",
    "A namespace without containers answers LUP_CONTAINERS in NSPv2LookupServiceBegin with WSANO_DATA.",
    DOC,
    "nspv2 §1.3; D-Begin",
)
NEXT_RESTRICTIONS = _rule(
    "next-flags-restrict",
    "The flags of each NSPv2LookupServiceNextEx combine with Begin's as restrictions, so they only narrow "
    "that call's result, while LUP_FLUSHPREVIOUS and LUP_RES_SERVICE act whatever Begin said.",
    DOC,
    "nspv2 §1.3; D-NextEx (Remarks), D-LSN",
)
FLUSH_PREVIOUS = _rule(
    "flushprevious-skips-result",
    "LUP_FLUSHPREVIOUS makes the provider discard the result that did not fit the client's buffer and move "
    "to the next one.",
    DOC,
    "nspv2 §1.3, §6, §5 D14; D-NextEx (dwControlFlags), D-LSN",
)
REQUIRED_SIZE = _rule(
    "efault-gives-required-size",
    "A NextEx that fails with WSAEFAULT writes the buffer size it needs into *lpdwBufferLength.",
    DOC,
    "nspv2 §1.3; D-NextEx (lpdwBufferLength), S-Prov",
)
NO_MORE = _rule(
    "no-more-results",
    "A provider with no more results completes NextEx with WSA_E_NO_MORE, not the older WSAENOMORE.",
    DOC,
    "nspv2 §1.3, §5 D13, D23; D-NextEx",
)
UNKNOWN_NAME = _rule(
    "unknown-name-service-not-found",
    "A lookup of a name the provider does not know ends with WSASERVICE_NOT_FOUND, and one of a known name "
    "without matching data with WSANO_DATA (Microsoft's sample answers WSANO_DATA for both).",
    DOC,
    "nspv2 §1.3, §5 D19; D-NextEx (error table), S-Prov",
)
RESULT_SOURCE = _rule(
    "result-names-its-source",
    "A NextEx result names the namespace and the provider it came from in dwNameSpace and lpNSProviderId.",
    DOC,
    "nspv2 §3.6; D-NextEx (Query Results)",
)
RESULT_BLOCK = _rule(
    "result-is-one-block",
    "A result is one block of memory: the WSAQUERYSET2 first, then every string and array it points to, "
    "each aligned to pointer size.",
    SMP,
    "nspv2 §1.3; S-Utils (utils.c), D-NextEx (pointers valid in one process only)",
)
SET_SERVICE_TABLE = _rule(
    "setservice-op-table",
    "NSPv2SetServiceEx follows the operation and SERVICE_MULTIPLE table: register overwrites or adds "
    "addresses, deregister removes addresses but keeps the object, delete removes it, and a missing service "
    "gives WSASERVICE_NOT_FOUND.",
    DOC,
    "nspv2 §3.4; D-SetSvc, D-SetService (the same table)",
)
EMAIL_BLOB = _rule(
    "email-registration-needs-blob",
    "An NS_EMAIL registration must carry lpBlob, and a provider refuses one without it with WSAEINVAL "
    "(Microsoft's sample client passes none).",
    DOC,
    "nspv2 §3.4; D-SetSvc (Service Properties: lpBlob required for NS_EMAIL; WSAEINVAL for a missing "
    "parameter), S-Client",
)

# -- asynchronous completion ------------------------------------------------------------------------------

COMPLETE = _rule(
    "complete-finishes-call",
    "WSAProviderCompleteAsyncCall(hAsyncCall, iRetCode) tells the client that the NextEx or SetServiceEx "
    "call hAsyncCall names has finished with iRetCode.",
    DOC,
    "nspv2 §1.4, §2.1.8; D-Complete",
)
EXACTLY_ONCE = _rule(
    "complete-exactly-once",
    "Each NextEx and SetServiceEx call is completed exactly once, through WSAProviderCompleteAsyncCall, as "
    "Microsoft's sample does.",
    SMP,
    "nspv2 §1.3 (hAsyncCall), §2.1.8; S-Prov; no page says it",
)
KNOWN_HANDLE = _rule(
    "complete-known-handle",
    "A provider completes only an hAsyncCall the host handed it, as Microsoft's sample does.",
    SMP,
    "nspv2 §1.3 (hAsyncCall); S-Prov; D-Complete calls it the handle passed to the call being completed",
)
STALE_COMPLETION = _rule(
    "stale-completion-einval",
    "labkit assumes WSAProviderCompleteAsyncCall fails with WSAEINVAL for an hAsyncCall that is unknown or "
    "already finished.",
    INF,
    "nspv2 §1.4; D-Complete (WSAEINVAL is documented for a NULL hAsyncCall only)",
)
COMPLETE_DEADLINE = _rule(
    "complete-deadline",
    "labkit reports a NextEx or SetServiceEx call that is not completed within async_deadline_ms of "
    "virtual time (5 s by default) as NeverCompleted.",
    INF,
    "nspv2 §7 Q2; no page gives a deadline",
    policy="simulate(async_deadline_ms=...)",
)
WSA_CODES = _rule(
    "codes-are-winsock-errors",
    "labkit assumes iRetCode and the code given to WSASetLastError are NO_ERROR or a Winsock error code, "
    "never SOCKET_ERROR, as in Microsoft's sample.",
    INF,
    "nspv2 §1.3 ([INF] on iRetCode); S-Prov",
)

# -- provider code that misbehaves, and the run itself ----------------------------------------------------

PROVIDER_FAILED = _rule(
    "misbehaving-routine-fails-call",
    "labkit assumes the broker treats a provider routine that raised, blocked or returned nonsense as one "
    "that failed with WSASYSCALLFAILURE.",
    INF,
    "nspv2 §2.1.7; labkit's own choice (no page says what the broker does)",
)
USER_CODE_RAISED = _rule(
    "provider-code-raised",
    "labkit records provider code that raises an exception as a fault, and the run goes on.",
    INF,
    "nspv2 §2.1.7; labkit's own check",
)
USER_CODE_BLOCKED = _rule(
    "provider-code-blocked",
    "labkit stops provider code that blocks longer than the guard's real-time limit, as routines must "
    "return quickly and leave long work to a worker.",
    INF,
    "nspv2 §2.1.7; D-Begin (cannot be cancelled, so must be fast), S-Prov (client threads stay unblocked); "
    "the limit is labkit's",
)
WORKER_YIELDS = _rule(
    "worker-yields-events",
    "labkit stops a provider worker that yields anything but host.sleep(ms) or another simpy event.",
    INF,
    "nspv2 §2.1.7; labkit's worker model",
)
NO_PROGRESS = _rule(
    "runaway-no-progress",
    "labkit stops provider code that keeps virtual time from advancing, and blames the routine that ran "
    "last.",
    INF,
    "nspv2 §2.1.7; labkit's own limit",
)
TOO_MANY_STEPS = _rule(
    "runaway-too-many-steps",
    "labkit stops a run that takes more steps than its limit before reaching its horizon, and blames the "
    "routine that ran last.",
    INF,
    "nspv2 §2.1.7; labkit's own limit",
)
PROVIDER_LOG = _rule(
    "provider-log",
    "labkit shows what provider code writes with host.log as a note (Windows has no such channel).",
    INF,
    "nspv2 §2.1.7; labkit's own facility",
)
RUN_END = _rule(
    "run-end-abandons-calls",
    "labkit ends every call still open when a run stops (at its horizon, or a runaway) with an abandoned "
    "return or completion.",
    INF,
    "nspv2 §2.2; labkit's own convention",
)

# -- documented, not modelled -----------------------------------------------------------------------------

REFCOUNTED_STARTUP = _rule(
    "repeated-startup-refcounted",
    "A provider may get several NSPv2Startup calls if each gets its own NSPv2Cleanup, and only the final "
    "Cleanup really cleans up.",
    DOC,
    "nspv2 §2.1.6, §5 D16; D-Startup, D-Cleanup (wording inherited from NSPv1)",
    modelled=False,
)
BEGIN_QUICK = _rule(
    "begin-returns-quickly",
    "NSPv2LookupServiceBegin cannot be cancelled, so it may start a network query but must not wait for "
    "the reply.",
    DOC,
    "nspv2 §1.3, §2.1.7; D-Begin",
    modelled=False,
)
VISTA_NO_ASYNC = _rule(
    "vista-async-unsupported",
    "Asynchronous NSPv2 calls are not supported on Windows Vista and Server 2008, where "
    "WSAProviderCompleteAsyncCall does not apply.",
    DOC,
    "nspv2 §4, §5 D4; D-Complete (Remarks; the VOID signatures and the Vista sample disagree)",
    modelled=False,
)
SERVICE_HOSTING = _rule(
    "service-hosting-unsupported",
    "ProviderType_Service hosting is not supported: an NS_EMAIL provider is hosted by an application.",
    DOC,
    "nspv2 §2.1.3, §5 D22; D-NAPIType",
    modelled=False,
)
CATALOG_CHANGES_LATER = _rule(
    "catalog-changes-reach-new-processes",
    "Installing, enabling or disabling a namespace provider affects only the client processes started "
    "afterwards.",
    DOC,
    "nspv2 §1.4, §6; D-WSCInstEx, D-WSCEnable (nf-ws2spi-wscenablensprovider)",
    modelled=False,
)
INSTALL_ADMIN = _rule(
    "install-needs-administrator",
    "WSCInstallNameSpaceEx and WSCEnableNSProvider need an administrator (UAC elevation on Vista and Server "
    "2008) and fail with WSAEACCES otherwise.",
    DOC,
    "nspv2 §1.4; D-WSCInstEx, D-WSCEnable",
    modelled=False,
)
SEVERAL_PER_PROCESS = _rule(
    "several-providers-per-process",
    "One host process may advertise several providers, and Winsock routes each call to the right one.",
    DOC,
    "nspv2 §1.4, §2.1.2; D-Adv",
    modelled=False,
)
IPROTOCOL_ANY = _rule(
    "iprotocol-any-substituted",
    "A registration's CSADDR_INFO may carry IPROTOCOL_ANY, which the provider replaces with a real protocol.",
    DOC,
    "nspv2 §3.6; D-SetSvc (Service Properties)",
    modelled=False,
)
IDN_WIN8 = _rule(
    "disable-idn-encoding-win8",
    "LUP_DISABLE_IDN_ENCODING needs Windows 8 or Server 2012.",
    DOC,
    "nspv2 §4; D-Begin",
    modelled=False,
)

RULES = Catalogue("nspv2", collect(globals()))
"""Every NSPv2 rule, by id, in the order above."""
