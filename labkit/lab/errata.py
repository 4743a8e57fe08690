"""What the docs get wrong: the discrepancies the reference sheets list, as data the lab can show and test.

Each `Erratum` says what the documentation says, what is actually true and what that rests on
(header, sample, observed logs); where the truth is the reference sheets' inference, it says so. Notebook 08
renders them next to the rule catalogue: `Erratum.rules` names the catalogue rules each one bears on. Where
labkit's model can show the truth, `demonstration` names the scenario or value that does, and the tests
check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Erratum:
    """One documentation discrepancy."""

    id: str
    """The sheet's identifier: ``D1``…``D23`` (nspv2.md §5), ``G1``…``G18`` (cluster-offline.md §7)."""
    domain: str
    """``nspv2`` or ``cluster``."""
    topic: str
    """A few words."""
    docs_say: str
    """What the documentation says."""
    truth: str
    """What the headers, the sample or real logs show."""
    basis: str
    """What the truth rests on, by the sheet's source keys."""
    demonstration: str = ""
    """How to see it in labkit (a scenario, a value), when the model can show it."""
    scenario: str = ""
    """The scenario of `domain` that shows it, if one does (tests check it exists)."""

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the catalogue rules this erratum bears on (`labkit rules`)."""
        return RULES_OF.get(self.id, ())


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "D1",
        "nspv2",
        "VOID routines with a return value",
        "NSPv2LookupServiceNextEx, NSPv2SetServiceEx and NSPv2ClientSessionRundown return NO_ERROR or SOCKET_ERROR.",
        "All three are VOID in the header and in the docs' own Syntax blocks; NextEx and SetServiceEx report through "
        "WSAProviderCompleteAsyncCall, Rundown has no channel at all. mingw-w64 makes all seven return int.",
        "H-ROS, H-SDK, SYN-*, WSYS, S-Prov",
        "scenario happy-path: NextEx's return event has result null; its outcome is the complete event",
        scenario="happy-path",
    ),
    Erratum(
        "D2",
        "nspv2",
        "SOCKET_ERROR (that is, 1)",
        "Every NSPv2 page (and the French seed: « c'est-à-dire 1 ») says SOCKET_ERROR is 1.",
        "SOCKET_ERROR is -1 in the headers. The 2018 text read (â€“1), an en dash garbled into mojibake; the sheet "
        "infers that the minus was lost when the mojibake was cleaned up.",
        "H-MGW _socket_types.h, REV-OLD, REV-NEW",
        "labkit.winapi.SOCKET_ERROR == -1",
    ),
    Erratum(
        "D3",
        "nspv2",
        "Where hAsyncCall comes from",
        "hAsyncCall is returned from the previous call to NSPv2LookupServiceBegin.",
        "Begin returns no such handle; the host supplies a fresh hAsyncCall for every NextEx and SetServiceEx call, "
        "and SetServiceEx can run without any lookup.",
        "SYN-Begin, D-Complete",
        "every NextEx call in a trace carries a new hAsyncCall, and SetServiceEx has one without a Begin",
    ),
    Erratum(
        "D4",
        "nspv2",
        "Async calls on Vista",
        "Async NSPv2 calls are unsupported on Vista/2008 and WSAProviderCompleteAsyncCall does not apply.",
        "The VOID signatures and Microsoft's Vista sample complete every NextEx and SetServiceEx through it.",
        "H-ROS, S-Prov",
        "scenario happy-path with os='vista': completions go through WSAProviderCompleteAsyncCall",
        scenario="happy-path",
    ),
    Erratum(
        "D5",
        "nspv2",
        "Copy-paste in WSAAdvertiseProvider",
        "Its return section says 'WSAProviderCompleteAsyncCall returns zero'; the blob field is spelt dwProvideType.",
        "It is WSAAdvertiseProvider that returns zero; the field is dwProviderType.",
        "D-Adv, H-MGW nsemail.h",
    ),
    Erratum(
        "D6",
        "nspv2",
        "End page names the wrong routine",
        "The provider may receive an NSPv2LookupServiceBegin call on another thread while NextEx is running.",
        "It means NSPv2LookupServiceEnd: End racing a running NextEx cancels it with WSA_E_CANCELLED.",
        "D-NextEx, D-LSE",
        "scenario end-cancels-next",
        scenario="end-cancels-next",
    ),
    Erratum(
        "D7",
        "nspv2",
        "Parameter directions",
        "Begin's lpvClientSessionArg is [out]; Startup's ppvClientSessionArg is [in]; NextEx's lpdwBufferLength is "
        "[in,out].",
        "The header says in for the session argument, __deref_out for ppvClientSessionArg, and __in for "
        "lpdwBufferLength, although the sample writes through it (so in/out is the real behaviour).",
        "SYN vs H-ROS, H-SDK, WSYS, S-Prov",
        "scenario buffer-too-small: the provider writes the required size into lpdwBufferLength",
        scenario="buffer-too-small",
    ),
    Erratum(
        "D8",
        "nspv2",
        "Begin's example call",
        "The example passes lpClientSession in the 4th argument and names it like an output.",
        "It is the session value NSPv2Startup produced, passed in.",
        "D-Begin",
        "every Begin in a trace receives the lpvClientSessionArg Startup returned",
    ),
    Erratum(
        "D9",
        "nspv2",
        "Stub rules conflict",
        "Unimplemented routines must be stubs returning WSAEOPNOTSUPP; SetServiceEx's page also says a stub may "
        "always return NO_ERROR.",
        "WSAAdvertiseProvider rejects only NULL Begin/NextEx/End and the sample leaves Rundown NULL, so NULL is "
        "accepted for an optional routine. A VOID routine has no return value for WSAEOPNOTSUPP: labkit assumes "
        "its stub completes with it (SetServiceEx) or just returns (Rundown), and that a NULL entry is never called.",
        "D-Routine, D-SetSvc, D-Adv, S-Prov",
        "scenario no-optional-routines",
        scenario="no-optional-routines",
    ),
    Erratum(
        "D10",
        "nspv2",
        "Copied error text",
        "Rundown and SetServiceEx list an 'unrecognized dwControlCode'; Rundown's WSAEACCES talks of installing.",
        "Neither routine has a dwControlCode parameter: the text comes from NSPIoctl.",
        "D-Rundown, D-SetSvc, SEED",
    ),
    Erratum(
        "D11",
        "nspv2",
        "WSAQUERYSET2 has no lpServiceClassId",
        "LUP_RETURN_TYPE returns the type 'as lpServiceClassId'; the struct carries the 'service class ID'; "
        "dwNumberOfProtocols is a size in bytes.",
        "WSAQUERYSET2 has no lpServiceClassId (labkit assumes the broker drops the one in the client's "
        "WSAQUERYSET); dwNumberOfProtocols is a count (the sample multiplies it by sizeof(AFPROTOCOLS)).",
        "H-MGW struct, S-Utils",
        "labkit.nspv2's WSAQUERYSET2 has the header's members and no lpServiceClassId",
    ),
    Erratum(
        "D12",
        "nspv2",
        "LUP_RES_RESERVICE",
        "D-Begin lists LUP_RES_RESERVICE 0x8000.",
        "The headers call it LUP_RES_SERVICE, and LUP_SECURE shares the bit.",
        "H-MGW winsock2.h",
        "labkit.winapi.LupFlags.SECURE is LupFlags.RES_SERVICE",
    ),
    Erratum(
        "D13",
        "nspv2",
        "WSA_E_NOMORE",
        "Loop until WSA_E_NOMORE; the WSAEFAULT row names WSAQUERYSET.",
        "The constant is WSA_E_NO_MORE (10110); the provider fills a WSAQUERYSET2.",
        "D-NextEx",
        "labkit.winapi.error_name(10110) == 'WSA_E_NO_MORE'",
    ),
    Erratum(
        "D14",
        "nspv2",
        "FLUSHPREVIOUS and FLUSHCACHE swapped",
        "The client pages give LUP_FLUSHPREVIOUS = 0x1000 and LUP_FLUSHCACHE = 0x2000.",
        "The headers and D-Begin: LUP_FLUSHCACHE = 0x1000, LUP_FLUSHPREVIOUS = 0x2000. A simulator that trusted "
        "the client pages would mis-decode both.",
        "H-MGW",
        "str(labkit.winapi.LupFlags(0x2000)) == 'FLUSHPREVIOUS'",
    ),
    Erratum(
        "D15",
        "nspv2",
        "Links to the v1 page",
        "Every page links 'NSPv2LookupServiceBegin' to the NSPv1 page.",
        "The link target is nc-ws2spi-lpnsplookupservicebegin, the v1 routine.",
        "scraper links, REV-NEW",
    ),
    Erratum(
        "D16",
        "nspv2",
        "Cleanup or Rundown?",
        "Cleanup is for a session that 'has terminated', Rundown for one that 'is terminating'; Startup/Cleanup use "
        "v1's refcount wording.",
        "No page says which fires at process exit, or whether both do; the pages do say every successful Startup "
        "gets its own Cleanup. labkit assumes Rundown then Cleanup on a crash (keeping that pairing) and Cleanup on "
        "an orderly exit; the crash policy switches it, and 'rundown' alone breaks the pairing.",
        "D-Startup, D-Cleanup, D-Rundown, D-NSPInit",
        "scenario crash-during-lookup (the default) and crash-without-cleanup (crash policy 'rundown')",
        scenario="crash-during-lookup",
    ),
    Erratum(
        "D17",
        "nspv2",
        "Stray metadata",
        "Old revisions carry req.typenames SOCKADDR_INET, req.product Windows XP Professional x64 Edition.",
        "Cosmetic leftovers from other pages.",
        "REV-OLD",
    ),
    Erratum(
        "D18",
        "nspv2",
        "mingw's WSAAdvertiseProvider",
        "mingw-w64 takes a pointer to LPCNSPV2_ROUTINE.",
        "Microsoft, ReactOS and the docs take one pointer; the sample passes &NspRoutines.",
        "H-MGW vs H-ROS, SYN, S-Prov",
    ),
    Erratum(
        "D19",
        "nspv2",
        "The sample deviates from the spec",
        "Microsoft's NSPv2 sample is the reference implementation.",
        "Its Cleanup takes LPVOID*, its blob writes dwProviderType = 0, RemoveRegistration reports WSAHOST_NOT_FOUND, "
        "it ignores SERVICE_MULTIPLE and treats DEREGISTER like DELETE.",
        "S-Prov, S-Inst, S-Reg",
        "labkit's EmailDirectory follows §3.4: scenarios register-deregister-delete and service-multiple",
        scenario="register-deregister-delete",
    ),
    Erratum(
        "D20",
        "nspv2",
        "WSPAPI vs WSAAPI",
        "Older docs and mingw declare Unadvertise and CompleteAsyncCall WSPAPI.",
        "WSPAPI is #defined as WSAAPI: no ABI difference.",
        "H-MGW, D-Unadv",
    ),
    Erratum(
        "D21",
        "nspv2",
        "lpszPathName of an NSPv2 provider",
        "WSCInstallNameSpaceEx's lpszPathName is a DLL that ws2_32 loads.",
        "NSPv2 providers live in their own process; the sample installs with an empty path.",
        "D-WSCInstEx vs S-Inst",
    ),
    Erratum(
        "D22",
        "nspv2",
        "ProviderType_Service",
        "ProviderType_Service is not currently supported — with PNRP as its example.",
        "PNRP is an inbox component; the only documented host remains an application.",
        "D-NAPIType",
    ),
    Erratum(
        "D23",
        "nspv2",
        "Old and new cancel codes",
        "Providers should use WSA_E_CANCELLED / WSA_E_NO_MORE; clients should accept both generations.",
        "The ReactOS v1 host itself raises WSAECANCELLED (10103) on shutdown.",
        "ROS-WS2 nsquery.c",
    ),
    Erratum(
        "G1",
        "cluster",
        "The return table lost its codes",
        "The French OfflineV2 page shows a return table with empty first cells.",
        "The English source lists ERROR_SUCCESS (0) and ERROR_IO_PENDING (997).",
        "OV2@2cd469d, SEED",
        "labkit.winapi.ERROR_IO_PENDING == 997",
    ),
    Erratum(
        "G2",
        "cluster",
        "Client minimum: none supported",
        "Minimum client: none supported; an older revision's metadata gives req.typenames "
        "RENDEZVOUS_SESSION_FLAGS and req.product ADAM.",
        "'None supported' is the page's own requirement, beside a minimum server of Windows Server 2012: "
        "resapi.h declares OfflineV2 under CLUSAPI_VERSION_WINDOWS8 (Windows Server 2012). The typenames "
        "and product fields of the older revision name nothing of resapi.h.",
        "OV2 @2cd469d and @01397c9 (front matter), SEED, H:res:461-469",
    ),
    Erratum(
        "G3",
        "cluster",
        "What an error return does",
        "OfflineV2 has no remarks; V1 Offline says any return other than ERROR_IO_PENDING logs an event and calls "
        "Terminate — read literally, even ERROR_SUCCESS.",
        "Other than ERROR_SUCCESS or ERROR_IO_PENDING: the monitor logs an event and calls Terminate.",
        "OFF1, ON1",
        "scenario offline-error: OfflineV2 returns an error, the monitor logs and calls Terminate",
        scenario="offline-error",
    ),
    Erratum(
        "G4",
        "cluster",
        "Version skew",
        "OfflineV2 needs WS2012 but OnlineV2 WS2012 R2; flags 0x20/0x40 are 2012 R2/2016 only.",
        "The SDK header defines OnlineV2, OfflineV2 and CLRES_V3 for WS2012, and does not version-gate 0x20/0x40.",
        "OV2, ONV2, V3, H:res",
        "flag_matrix on os='2012' never makes 0x20 or 0x40 effective (labkit follows the docs, as inferred)",
    ),
    Erratum(
        "G5",
        "cluster",
        "Cancel is a copy-paste",
        "Cancel's success text is about releasing the quorum resource; its error row links to MSIPC codes.",
        "Nothing documents which operation Cancel cancels; labkit infers it reaches the DLL when a client cancels a "
        "queued or pending move.",
        "CAN",
        "scenario move-busy-dll-cancelled",
        scenario="move-busy-dll-cancelled",
    ),
    Erratum(
        "G6",
        "cluster",
        "Same flag, different bit",
        "IGNORE_RESOURCE_STATUS, RETURN_TO_SOURCE_NODE_ON_ERROR and IGNORE_NETWORK_CONNECTIVITY exist for online and "
        "offline.",
        "Online and offline use different bits (0x2/0x1, 0x4/0x2, 0x10/0x20); DO_NOT_UPDATE_PERSISTENT_STATE is 0x40 "
        "at the DLL but 0x4 at the client API.",
        "H:res, H:clus",
        "labkit.winapi.OnlineFlags vs OfflineFlags; the offline-keep-persistent-state scenario maps 0x4 to 0x40",
        scenario="offline-keep-persistent-state",
    ),
    Erratum(
        "G7",
        "cluster",
        "OfflineClusterResourceEx mixes namespaces",
        "It lists CLUSAPI_RESOURCE_OFFLINE_REASON_* values as dwOfflineFlags and names a non-existent "
        "..._IGNORE_RESOURCE_LOCKED_STATUS.",
        "REASON_UNKNOWN 0x1 collides with IGNORE_RESOURCE_STATUS, REASON_MOVING 0x2 with FORCE_WITH_TERMINATION; "
        "DO_NOT_UPDATE_PERSISTENT_STATE (0x4) is missing.",
        "ORX vs H:clus",
        "labkit.winapi.OfflineReason vs ResourceOfflineFlags",
    ),
    Erratum(
        "G8",
        "cluster",
        "What PendingTimeout bounds",
        "The failover page: the time a resource has to shut down before Terminate.",
        "The property page: the gap between status reports; a DLL that keeps reporting can stay pending longer.",
        "W:resources-pendingtimeout vs W:failover",
        "scenario pending-offline with PendingTimeout 1500 ms: reports every 1000 ms outlive it, no Terminate",
        scenario="pending-offline",
    ),
    Erratum(
        "G9",
        "cluster",
        "The async failure event",
        "Online's remarks: signalling makes the monitor call IsAlive. The async-detection page: it calls Terminate.",
        "Contradictory; labkit does not model the event handle.",
        "ON1 vs W:implementing-asynchronous-failure-detection",
    ),
    Erratum(
        "G10",
        "cluster",
        "WaitHint",
        "SetResourceStatus: increment CheckPoint and WaitHint.",
        "RESOURCE_STATUS(_EX) say WaitHint is unused; mingw's RESOURCE_STATUS_EX has no WaitHint (layout differs).",
        "SRS, RS, RSX, H:mingw",
    ),
    Erratum(
        "G11",
        "cluster",
        "SignalFailure changed signature",
        "The page describes BOOL IsEmbeddedFailure and FAILURE_TYPE with confusing notes.",
        "WS2012: BOOL IsEmbeddedFailure; 2012 R2 and later: FAILURE_TYPE. mingw ships the 2012 form.",
        "SF, H:res, H:mingw",
        "labkit.winapi.cluster_profile('2012').signal_failure_has_type is False",
    ),
    Erratum(
        "G12",
        "cluster",
        "Name drift",
        "STATUS_INVALID_PARAMETERS; 'ClusterResourceUnknown'.",
        "CLUSRESDLL_STATUS_INVALID_PARAMETERS; ClusterResourceStateUnknown. DO_NOT_COLLECT_WER_REPORT and DUMP_NOW "
        "are missing from the doc.",
        "RSX, RS, H:res, H:clus",
        "labkit.winapi.CLUSTER_RESOURCE_STATE(-1).name == 'ClusterResourceStateUnknown'",
    ),
    Erratum(
        "G13",
        "cluster",
        "Placeholder text",
        "'TBD' for OpenV2 flags, ApplicationSpecificErrorCode, callback table; 'only Resource API 1.0 is supported'.",
        "Stale text; the header defines the values.",
        "SU, SUX, OPEN2, RSX, GOC, ECC",
    ),
    Erratum(
        "G14",
        "cluster",
        "Header-only API",
        "No pages for SetResourceLockedModeEx, LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE, RequestDump, the "
        "126/127 pseudo-states.",
        "They exist in resapi.h.",
        "H:res",
        "labkit.winapi.ClusterResourceCannotComeOnlineOnThisNode == 127",
    ),
    Erratum(
        "G15",
        "cluster",
        "RestartPeriod default",
        "The table says 900000 ms, the remarks 90000 ms.",
        "The page contradicts itself and no other source settles it; labkit takes the table's 900000 ms "
        "(15 minutes) and says so where it uses it.",
        "W:resources-restartperiod @66168cf (table and remarks)",
        "labkit.cluster.model.RESOURCE_PROPERTIES['RestartPeriod'] == 900000; restarts counted within it in "
        "scenario isalive-failure-failover",
        scenario="isalive-failure-failover",
    ),
    Erratum(
        "G16",
        "cluster",
        "DeadlockTimeout",
        "The repo copy lacks 'PendingTimeout may not exceed DeadlockTimeout'; resource minimum 1000 ms vs type 30000 ms.",
        "The live page has the note; the smaller timeout governs.",
        "W:deadlocktimeout, DL-URL",
        "scenario pending-timeout-capped-by-deadlock: PendingTimeout 600000 ms, Terminate 300000 ms after the "
        "last report",
        scenario="pending-timeout-capped-by-deadlock",
    ),
    Erratum(
        "G17",
        "cluster",
        "GET_OPERATION_CONTEXT access",
        "The page says modify / write access and 'no parameters'.",
        "The header defines it read / no-modify (0x011020E9) with GET_OPERATION_CONTEXT_PARAMS.",
        "W:clusctl-resource-get-operation-context, H:clus",
    ),
    Erratum(
        "G18",
        "cluster",
        "LooksAlive default",
        "Property page: 0xFFFFFFFF (inherit the type's value); blog: every 5 seconds.",
        "Both hold: the resource's 0xFFFFFFFF means the resource type's value, whose own page gives 5000 ms "
        "as its default.",
        "W:resources-looksalivepollinterval, resource-types-looksalivepollinterval (Default 5000), BLOG-RHS",
        "scenario isalive-failure-restart: LooksAlive every 5000 ms with LooksAlivePollInterval 0xFFFFFFFF",
        scenario="isalive-failure-restart",
    ),
)


RULES_OF: dict[str, tuple[str, ...]] = {
    "D1": ("nspv2.void-routines",),
    "D2": ("nspv2.int-routine-returns",),
    "D3": ("nspv2.next-gets-async-handle",),
    "D4": ("nspv2.vista-async-unsupported", "nspv2.complete-exactly-once"),
    "D6": ("nspv2.end-cancels-running-next",),
    "D7": ("nspv2.efault-gives-required-size",),
    "D8": ("nspv2.begin-gets-session-arg",),
    "D9": (
        "nspv2.unimplemented-routine-stub",
        "nspv2.optional-routine-may-be-null",
        "nspv2.null-routine-not-called",
    ),
    "D11": ("nspv2.broker-drops-service-class-id",),
    "D13": ("nspv2.no-more-results",),
    "D14": ("nspv2.flushprevious-skips-result",),
    "D16": ("nspv2.crash-ends-session", "nspv2.startup-cleanup-pairing", "nspv2.orderly-exit-sends-cleanup"),
    "D19": (
        "nspv2.unknown-name-service-not-found",
        "nspv2.setservice-op-table",
        "nspv2.email-registration-needs-blob",
    ),
    "D21": ("nspv2.install-with-empty-path",),
    "D22": ("nspv2.service-hosting-unsupported",),
    "D23": ("nspv2.no-more-results",),
    "G3": ("cluster.error-return-terminates",),
    "G4": ("cluster.unknown-flags",),
    "G5": ("cluster.cancel-reaches-dll",),
    "G6": ("cluster.client-flags-forwarded", "cluster.online-flags-follow-request"),
    "G8": ("cluster.pending-timeout-terminates",),
    "G11": ("cluster.signal-failure",),
    "G14": ("cluster.pseudo-states-fail", "cluster.set-locked-mode-ex"),
    "G15": ("cluster.restart-after-failure",),
    "G16": ("cluster.pending-timeout-capped-by-deadlock-timeout",),
    "G18": ("cluster.looksalive-poll",),
}
"""Erratum id → the catalogue rules it bears on (tests check every id names a rule)."""


def errata(domain: str | None = None) -> list[Erratum]:
    """The errata, optionally of one domain."""
    return [e for e in ERRATA if domain is None or e.domain == domain]


def errata_frame(domain: str | None = None) -> pd.DataFrame:
    """The errata as a table: id, topic, docs say, truth, basis, how to see it in labkit, and the catalogue
    rules it bears on."""
    import pandas as pd

    rows = errata(domain)
    return pd.DataFrame(
        {
            "id": [e.id for e in rows],
            "topic": [e.topic for e in rows],
            "docs say": [e.docs_say for e in rows],
            "truth": [e.truth for e in rows],
            "basis": [e.basis for e in rows],
            "see it in labkit": [e.demonstration for e in rows],
            "rules": [", ".join(e.rules) for e in rows],
        }
    ).set_index("id")


def erratum_rules(erratum_id: str) -> pd.DataFrame:
    """The catalogue rules an erratum bears on, as rows of `labkit.views.rules_table` (id as index):
    statement, evidence, source, policy, the scenarios citing each."""
    from labkit.views.rules import rules_table

    found = [e for e in ERRATA if e.id == erratum_id]
    if not found:
        from labkit.exceptions import UnknownNameError

        raise UnknownNameError("erratum", erratum_id, [e.id for e in ERRATA])
    table = rules_table(found[0].domain).set_index("id")
    return table.loc[list(found[0].rules), ["statement", "evidence", "source", "policy", "scenarios"]]
