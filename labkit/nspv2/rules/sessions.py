"""NSPv2 rules of client sessions (Startup, Cleanup, Rundown) and of the routines' contracts."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, SMP, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.SAMPLE, Evidence.INFERRED

_rule = RuleMaker("nspv2")


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
