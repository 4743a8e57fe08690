"""The sections of the two reference sheets labkit was built from, as refs cite them (``nspv2 §2.2``,
``cluster-offline §6.4``).

The sheets themselves are working notes, not part of labkit: each section is described here in labkit's
words, with the public sources it rests on (their keys are explained on the same page).
"""

from __future__ import annotations

from labkit.winapi.sources.model import Source

NSPV2 = "nspv2"
CLUSTER = "cluster-offline"
SHEETS = {
    NSPV2: "the NSPv2 reference sheet, on the Winsock namespace provider version 2 contract (ws2spi.h)",
    CLUSTER: "the cluster reference sheet, on a resource DLL's life around OfflineV2 (resapi.h, clusapi.h)",
}


def _sections(sheet: str, rows: tuple[tuple[str, str], ...]) -> tuple[Source, ...]:
    return tuple(Source(f"{sheet} §{number}", "section", what) for number, what in rows)


NSPV2_SECTIONS = _sections(
    NSPV2,
    (
        ("0", "The list of sources the sheet rests on; every key it uses is explained on this page."),
        ("1", "The seven NSPv2 entry points: table, signatures, behaviour, and the host's helper APIs."),
        (
            "1.1",
            "NSPV2_ROUTINE: the order of the seven entry points in the provider's table, its size, which "
            "entries are mandatory (Begin, NextEx, End) and what an unimplemented one should be "
            "(D-Routine, D-Adv, H-ROS, H-MGW, S-Prov).",
        ),
        (
            "1.2",
            "The signatures as the headers declare them: Startup, Cleanup, Begin and End return INT; NextEx, "
            "SetServiceEx and ClientSessionRundown are VOID (H-ROS, H-SDK, SYN, WSYS; H-MGW disagrees).",
        ),
        (
            "1.3",
            "Each routine's behaviour: when the broker calls it, what it returns, the error codes its page "
            "lists, and what the session argument, hLookup and hAsyncCall are (the D- pages, S-Prov).",
        ),
        (
            "1.4",
            "The APIs the provider's host process calls: WSAAdvertiseProvider, WSAUnadvertiseProvider, "
            "WSAProviderCompleteAsyncCall, WSCInstallNameSpaceEx, WSCEnableNSProvider (D-Adv, D-Unadv, "
            "D-Complete, D-WSCInstEx, D-WSCEnable, S-Inst).",
        ),
        (
            "1.5",
            "How version 1 differs: a DLL loaded into every client, NSPStartup, no session argument, no "
            "asynchronous completion (D-NSPStartup, ROS-WS2).",
        ),
        ("2", "Sessions, threads and hosting."),
        (
            "2.1",
            "What the docs say about hosting, sessions and threads, item by item (2.1.1 to 2.1.8 below).",
        ),
        (
            "2.1.1",
            "Hosting: a provider lives in its own process, which advertises it; clients never start it "
            "(D-Adv).",
        ),
        (
            "2.1.2",
            "Winsock routes each call to the right provider and hides the cross-process call (D-Adv, "
            "D-Routine).",
        ),
        (
            "2.1.3",
            "The hosting type from the install blob: application-hosted, at most one instance per user "
            "session; service hosting is not supported (D-NAPIType).",
        ),
        (
            "2.1.4",
            "The sample's host: a console program that advertises, waits, then unadvertises (S-Prov, "
            "S-Inst).",
        ),
        (
            "2.1.5",
            "The session argument: Startup stores it; the broker passes it to Begin, SetServiceEx and "
            "finally Cleanup or Rundown (D-Startup, D-Begin, D-SetSvc, D-Cleanup, D-Rundown).",
        ),
        (
            "2.1.6",
            "Startup and Cleanup come in pairs; only the last Cleanup really cleans up, wording inherited "
            "from version 1 (D-Startup, D-Cleanup, D-NSPInit).",
        ),
        (
            "2.1.7",
            "Threads: End may arrive while NextEx runs and cancels it; Begin must be quick; completion may "
            "happen on the calling thread (D-NextEx, D-End, D-LSE, D-Begin, S-Prov).",
        ),
        (
            "2.1.8",
            "Asynchronous calls: NextEx and SetServiceEx take an hAsyncCall and finish through "
            "WSAProviderCompleteAsyncCall, exactly once (H-ROS, SYN, S-Prov, D-Complete).",
        ),
        (
            "2.2",
            "The session state machine labkit follows, and what in it is inferred: Rundown on a crash and "
            "Cleanup on an orderly exit, Startup on first use (no page says either).",
        ),
        (
            "2.3",
            "Which NS_EMAIL provider answers: the domain's primary, then secondaries, then wildcard "
            "providers; all of them with LUP_NON_AUTHORITATIVE (D-NAPIBlob; ROS-WS2 for other namespaces).",
        ),
        ("3", "Numeric values, read from real headers (H-MGW, H-ROS)."),
        ("3.1", "Status and error codes: NO_ERROR, SOCKET_ERROR (-1), the WSA codes, ERROR_IO_PENDING."),
        ("3.2", "Namespace identifiers (NS_EMAIL, NS_ALL, ...)."),
        (
            "3.3",
            "The LUP_* control flags, with FLUSHCACHE 0x1000 and FLUSHPREVIOUS 0x2000 as the headers have "
            "them.",
        ),
        (
            "3.4",
            "What WSASetService's operations do, with and without SERVICE_MULTIPLE (D-SetService, D-SetSvc).",
        ),
        ("3.5", "The NS_EMAIL install blob: its fields and provider types (H-MGW nsemail.h, D-NAPIBlob)."),
        (
            "3.6",
            "WSAQUERYSET2: its fields, which ones a query and a result use (H-MGW, D-QS2, D-Begin, "
            "D-NextEx).",
        ),
        (
            "4",
            "Version facts: NSPv2 needs Vista or Server 2008, where it serves NS_EMAIL only; nothing is "
            "documented for later releases (the D- pages' requirements and remarks, D-Complete).",
        ),
        (
            "5",
            "The discrepancies D1 to D23 between the pages, the headers and the sample (notebook 08 shows "
            "them).",
        ),
        (
            "6",
            "What each client action makes the broker call in the provider, from WSAStartup to a crash "
            "(D-LSB, D-LSN, D-LSE, D-SetService, S-Client; the mapping of exit and crash is inferred).",
        ),
        (
            "7",
            "Open questions Q1 to Q6 no public source answers, which is why labkit's crash, startup and "
            "unadvertise behaviours are switchable policies.",
        ),
    ),
)

CLUSTER_SECTIONS = _sections(
    CLUSTER,
    (
        ("0", "The list of sources the sheet rests on; every key it uses is explained on this page."),
        ("1", "Exact constant values, from the SDK headers."),
        ("1.1", "The Win32 error codes the resource API uses, each with its line in winerror.h (H:err)."),
        (
            "1.2",
            "Enumerations: CLUSTER_RESOURCE_STATE, RESOURCE_EXIT_STATE, FAILURE_TYPE, "
            "RESDLL_CONTEXT_OPERATION_TYPE and the two undocumented pseudo-states (H:res, H:clus).",
        ),
        (
            "1.3",
            "Versions: CLRES_VERSION_* and CLUSAPI_VERSION_*, and what sits under which (H:res, H:clus).",
        ),
        ("2", "The entry points of a V2 (or later) function table (H:res, V2, V3, V4, FTAB)."),
        (
            "2.1",
            "StartupEx: loading the DLL, version negotiation, the callback table (SUX, SU, "
            "W:implementing-startup).",
        ),
        ("2.2", "OpenV2: a new instance, left offline (OPEN2, OPEN, W:implementing-open)."),
        ("2.3", "Close: removing an instance (CLOSE, W:implementing-close)."),
        ("2.4", "OnlineV2 and its flags (ONV2, ON1)."),
        (
            "2.5",
            "OfflineV2, the focus: its parameters, return values and what an error return does (OV2, OFF1).",
        ),
        ("2.6", "Terminate: immediate, may overlap other calls (TERM, W:implementing-terminate)."),
        (
            "2.7",
            "LooksAlive and IsAlive: the health checks (LA, IA, W:implementing-looksalive, "
            "W:implementing-isalive).",
        ),
        ("2.8", "Arbitrate and Release, for quorum-capable resources only."),
        ("2.9", "Resource controls and their asynchronous completion (BRC, ECC)."),
        ("2.10", "Cancel, whose page says almost nothing of when it is called (CAN)."),
        (
            "2.11",
            "The callbacks a DLL makes into the monitor: SetResourceStatusEx, LogEvent, "
            "SetResourceLockedMode, SignalFailure (SRSX, LOCK, SF, H:res).",
        ),
        (
            "3",
            "Threading and blocking rules, numbered: no re-entrancy but Terminate (rules 1-2), 300 ms per "
            "entry point (3), workers for long work (4), cluster calls a DLL must not make (5), one shared "
            "rhs.exe and DeadlockTimeout (6) (W:recommended-practices-for-resource-dlls, "
            "W:implementing-pending-operations, W:function-calls-to-avoid-in-resource-dlls, "
            "W:resource-monitor, BLOG-RHS). Items are cited as rules or as §3.1 to §3.7.",
        ),
        (
            "3.1",
            "Rule 1: a DLL is not re-entered: while one entry point runs, the others wait, Terminate apart.",
        ),
        ("3.2", "Rule 2: Terminate may overlap any entry point but DllMain, Startup, Open and Close."),
        (
            "3.3",
            "Rule 3: every entry point returns within about 300 ms, IsAlive far sooner; longer work goes "
            "to a worker (W:recommended-practices-for-resource-dlls, W:implementing-isalive).",
        ),
        (
            "3.4",
            "Rule 4: pending work runs on a worker (ClusWorkerCreate), which stops when told "
            "(W:implementing-pending-operations, REX).",
        ),
        (
            "3.5",
            "Rule 5: the cluster API calls a DLL must never make, and where the others may be made "
            "(W:function-calls-to-avoid-in-resource-dlls).",
        ),
        (
            "3.6",
            "Rule 6: resources share one rhs.exe unless separated; a call past DeadlockTimeout gets the "
            "monitor killed and restarted and the resource moved to a monitor of its own "
            "(W:resource-monitor, "
            "W:deadlocktimeout, BLOG-RHS, SQLLOG).",
        ),
        (
            "3.7",
            "Item 7: when Cancel may arrive is not documented; the sheet models it like Terminate "
            "(inferred).",
        ),
        (
            "4",
            "The pending protocol: ERROR_IO_PENDING, status reports with rising CheckPoints, PendingTimeout "
            "between reports, Terminate, ResourceExitStateTerminate (SRS, RS, REX, "
            "W:resources-pendingtimeout, W:deadlocktimeout).",
        ),
        ("5", "The resource state machine."),
        ("5.1", "The states of CLUSTER_RESOURCE_STATE (CRS, H:clus)."),
        ("5.2", "Which transitions happen on which call or report (SRS, ON1, OFF1, TERM)."),
        (
            "5.3",
            "What the cluster does once an offline completes, fails or times out: restart, failover, "
            "persistent state (W:resource-failure, W:failover, W:resources-restartaction, "
            "W:resources-persistentstate).",
        ),
        ("6", "OfflineV2's parameters and flags."),
        (
            "6.1",
            "The seven CLUS_RESDLL_OFFLINE_* flags, their values and minimum releases (OV2, H:res:451-457).",
        ),
        ("6.2", "What each flag asks of the DLL and of the cluster (OV2, MCGX, ORX, CMRP-MGX, CMRP-ORX)."),
        ("6.3", "DestinationNodeName and InBuffer (OV2, MCGX, ORX)."),
        (
            "6.4",
            "Who sets which flag: the caller through a client API flag of the same name, or the cluster on "
            "its own; no page states this mapping, so it is inferred (H:clus, H:res, MS-CMRP).",
        ),
        ("6.5", "The CLUS_RESDLL_ONLINE_* flags of OnlineV2: same names, other bits (ONV2, H:res:432-436)."),
        ("7", "The documentation gaps and discrepancies G1 to G18 (notebook 08 shows them)."),
        (
            "8",
            "The cluster.log line format, as observed in public logs (SQLLOG, JTC-A, JTC-B, JTC-C, "
            "SQLHADR; time stamps per PSDOC).",
        ),
        (
            "9",
            "Open questions Q1 to Q9 no public source answers; labkit's choices there are inferred policies.",
        ),
        ("10", "Notes on where the sheet's material came from."),
    ),
)

SECTIONS = (*NSPV2_SECTIONS, *CLUSTER_SECTIONS)
