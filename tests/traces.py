"""Realistic small traces of both domains, built inline with `Tracer` the way the simulators record them."""

from labkit import winapi
from labkit.trace import Kind
from tests.conftest import make_tracer

GUID = "{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}"


def nspv2_session(*, crash=True):
    """One client session: Startup, a lookup with two NextEx (the second ends the data), End, then the client
    crashes (Rundown) or exits (Cleanup)."""
    tr = make_tracer("nspv2", scenario="crash-during-lookup" if crash else "one-lookup")

    def call(name, subject, t, result=None, actor="broker", **args):
        c = tr.record(Kind.CALL, name, actor=actor, subject=subject, args=args, t=t, evidence="documented")
        returner = "provider" if actor == "broker" else "broker"
        tr.record(
            Kind.RETURN,
            name,
            actor=returner,
            subject=subject,
            result=result,
            span=c.span,
            t=t,
            evidence="documented",
        )
        return c

    def state(subject, old, new, t):
        tr.record(
            Kind.STATE,
            new,
            actor="broker",
            subject=subject,
            state=(old, new),
            t=t,
            ref="nspv2 §2.2",
            evidence="documented",
        )

    session, lookup = "session:4242", "lookup:0x1001"
    call("NSPv2Startup", session, 0, 0, lpProviderId=GUID, ppvClientSessionArg="session#1")
    state(session, None, "Started", 0)
    call("NSPv2LookupServiceBegin", session, 1, 0, lpvClientSessionArg="session#1", dwControlFlags=0x10)
    state(lookup, None, "Open", 1)
    for t, code in ((2, winapi.NO_ERROR), (5, winapi.WSA_E_NO_MORE)):
        nextex = call("NSPv2LookupServiceNextEx", lookup, t, hAsyncCall=f"0x20{t:02d}", hLookup="0x1001")
        state(lookup, "Open", "NextPending", t)
        call("WSAProviderCompleteAsyncCall", lookup, t + 1.5, 0, actor="provider", iRetCode=code)
        tr.record(
            Kind.COMPLETE,
            "NSPv2LookupServiceNextEx",
            actor="broker",
            subject=lookup,
            result=code,
            span=nextex.span,
            t=t + 1.5,
            evidence="documented",
        )
        state(lookup, "NextPending", "Open", t + 1.5)
    call("NSPv2LookupServiceEnd", lookup, 7, 0, hLookup="0x1001")
    state(lookup, "Open", "Ended", 7)
    if crash:
        tr.record(
            Kind.NOTE,
            "ClientProcessExited",
            actor="client:4242",
            subject=session,
            t=8,
            args={"how": "crash"},
            evidence="documented",
        )
        call("NSPv2ClientSessionRundown", session, 8, lpvClientSessionArg="session#1")
        state(session, "Started", "RunDown", 8)
    else:
        call("NSPv2Cleanup", session, 8, 0, lpvClientSessionArg="session#1")
        state(session, "Started", "CleanedUp", 8)
    return tr.trace


def cluster_offline(*, timeout=True):
    """Disk goes Online → OfflinePending (OfflineV2 returns ERROR_IO_PENDING) and reports through
    SetResourceStatusEx; with ``timeout`` the reports stop, PendingTimeout fires, RHS calls Terminate and
    the pending offline settles as Offline; without, the DLL reports ClusterResourceOffline."""
    tr = make_tracer("cluster", scenario="pending-timeout" if timeout else "plain-offline")
    S = winapi.CLUSTER_RESOURCE_STATE

    def state(subject, old, new, t, actor="rhs"):
        tr.record(
            Kind.STATE,
            new,
            actor=actor,
            subject=subject,
            state=(old, new),
            t=t,
            args={"node": "node1"},
            evidence="documented",
        )

    state("group:SQL", None, "Online", 0, actor="rcm")
    state("Disk", None, "ClusterResourceOnline", 0)
    state("group:SQL", "Online", "Moving", 10, actor="rcm")
    offline = tr.record(
        Kind.CALL,
        "OfflineV2",
        actor="rhs",
        subject="Disk",
        t=10,
        args={"OfflineFlags": 6, "DestinationNodeName": "node2"},
        ref="cluster-offline §2.5",
        evidence="documented",
    )
    tr.record(
        Kind.RETURN,
        "OfflineV2",
        actor="dll",
        subject="Disk",
        result=winapi.ERROR_IO_PENDING,
        span=offline.span,
        t=10.2,
        evidence="documented",
    )
    state("Disk", "ClusterResourceOnline", "ClusterResourceOfflinePending", 10.2)
    reports = [(1010, S.ClusterResourceOfflinePending, 1)]
    if not timeout:
        reports.append((2010, S.ClusterResourceOffline, 2))
    for t, resource_state, checkpoint in reports:
        report = tr.record(
            Kind.CALL,
            "SetResourceStatusEx",
            actor="worker:1",
            subject="Disk",
            t=t,
            args={"ResourceState": int(resource_state), "CheckPoint": checkpoint, "StatusFlags": 0},
            evidence="documented",
        )
        tr.record(
            Kind.RETURN,
            "SetResourceStatusEx",
            actor="rhs",
            subject="Disk",
            result=winapi.ResourceExitStateContinue,
            result_name="ResourceExitStateContinue",
            span=report.span,
            t=t,
            evidence="documented",
        )
    if timeout:
        end = 1010 + 180000
        tr.record(
            Kind.FAULT,
            "PendingTimeout",
            actor="rhs",
            subject="Disk",
            t=end,
            evidence="documented",
            ref="cluster-offline §4",
            args={"rule": "no status report within PendingTimeout (180000 ms)", "routine": "OfflineV2"},
        )
        term = tr.record(Kind.CALL, "Terminate", actor="rhs", subject="Disk", t=end, evidence="documented")
        tr.record(
            Kind.RETURN,
            "Terminate",
            actor="dll",
            subject="Disk",
            span=term.span,
            t=end + 5,
            evidence="documented",
        )
    else:
        end = 2010
    tr.record(
        Kind.COMPLETE,
        "OfflineV2",
        actor="rhs",
        subject="Disk",
        span=offline.span,
        t=end + 5,
        result=winapi.ERROR_SUCCESS if not timeout else winapi.ERROR_TIMEOUT,
        evidence="documented",
    )
    state("Disk", "ClusterResourceOfflinePending", "ClusterResourceOffline", end + 5)
    state("group:SQL", "Moving", "Offline", end + 6, actor="rcm")
    return tr.trace
