"""NSPv2 rules of asynchronous completion, of provider code that misbehaves and of the run itself,
and the documented ones labkit does not model."""

from __future__ import annotations

from labkit.trace import Evidence
from labkit.trace.rules import RuleMaker

DOC, HDR, SMP, INF = Evidence.DOCUMENTED, Evidence.HEADER, Evidence.SAMPLE, Evidence.INFERRED

_rule = RuleMaker("nspv2")


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
