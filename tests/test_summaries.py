"""Session and offline summaries: whole tables, flags and codes by SDK name, on golden and inline traces."""

import pandas as pd
import pytest

from labkit import nspv2, read_trace, views, winapi
from labkit.readback.offlines import offline_operations
from labkit.readback.sessions import sessions
from labkit.text import counted
from labkit.trace import Kind, TraceHeader, Tracer
from labkit.views.tables import offline_summary, session_summary
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session

GOLDEN = "data/traces/nspv2-{}.jsonl"


def records(frame):
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


SESSION_COLUMNS = [
    "session",
    "client",
    "provider",
    "session_arg",
    "started_at",
    "lookups",
    "nexts",
    "sets",
    "ended",
    "ended_by",
    "ended_at",
    "final_state",
    "client_state",
    "arg_mismatches",
    "faults",
]


def test_session_summary_of_crash_during_lookup():
    """The crashed client's session ends by Rundown then Cleanup, the other by Cleanup; each keeps its own
    argument."""
    table = session_summary(read_trace(GOLDEN.format("crash-during-lookup")))
    assert list(table.columns) == SESSION_COLUMNS
    assert records(table) == [
        ("session:101", "client:101", "contoso-mail (slow)", "session#1", 1.0, 1, 1, 0, "both",
         "NSPv2ClientSessionRundown, NSPv2Cleanup", 100.0, "CleanedUp", "Crashed", 0, ""),
        ("session:102", "client:102", "contoso-mail (slow)", "session#2", 1.0, 1, 2, 0, "Cleanup",
         "NSPv2Cleanup", 804.0, "CleanedUp", "Exited", 0, ""),
    ]  # fmt: skip


def test_session_summary_names_leaks_and_faults_of_lookups():
    """A Rundown that leaves state behind reads 'leaked'; faults on a session's lookups count for it."""
    leaky = session_summary(read_trace(GOLDEN.format("leaky-rundown")))
    assert records(leaky[["session", "ended", "final_state", "faults"]]) == [
        ("session:101", "leaked", "Leaked", "SessionStateLeaked"),
        ("session:102", "Cleanup", "CleanedUp", ""),
    ]
    twice = session_summary(read_trace(GOLDEN.format("completes-twice")))
    assert records(twice[["session", "nexts", "faults"]]) == [("session:101", 2, "CompletedTwice×2")]


def test_session_summary_with_several_providers_and_null_arguments():
    """Qualified sessions name their provider instance; a stub Startup leaves the argument NULL, and the
    session then ends with no routine to call (no Cleanup after a failed Startup)."""
    table = session_summary(read_trace(GOLDEN.format("email-fallback")))
    assert records(table[["session", "provider", "session_arg", "lookups", "ended"]]) == [
        ("session:101/contoso-primary", "contoso-primary (EmailDirectory(...))", "session#1", 2, "Cleanup"),
        ("session:101/contoso-backup", "contoso-backup (email-directory)", "session#1", 2, "Cleanup"),
        ("session:101/any-domain", "any-domain (minimal)", "NULL", 1, "not told"),
    ]


def test_session_summary_reads_each_crash_policy_and_a_silent_unadvertise():
    """Policy 'rundown' ends a crashed session with Rundown only; a silent unadvertise orphans it."""
    rundown = session_summary(nspv2.simulate("crash-during-lookup", policy={"crash": "rundown"}).trace)
    assert records(rundown[["session", "ended", "ended_by"]]) == [
        ("session:101", "Rundown", "NSPv2ClientSessionRundown"),
        ("session:102", "Cleanup", "NSPv2Cleanup"),
    ]
    silent = nspv2.simulate("unadvertise-open-sessions", policy={"unadvertise": "silent"}).trace
    assert records(session_summary(silent)[["session", "ended", "ended_by", "ended_at"]]) == [
        ("session:101", "orphaned", "", 100.0),
        ("session:102", "orphaned", "", 100.0),
    ]


def test_session_summary_of_a_foreign_trace_finds_lookups_and_wrong_arguments():
    """Without a 'session' argument lookups are matched by the handle Begin returned; a call that hands
    the provider another argument is counted; a session with no end is still open."""
    tr = make_tracer("nspv2")
    start = tr.record(
        Kind.CALL, "NSPv2Startup", actor="broker", subject="session:7", t=0, evidence="documented"
    )
    tr.record(
        Kind.RETURN,
        "NSPv2Startup",
        actor="provider",
        subject="session:7",
        span=start.span,
        result=0,
        args={"ppvClientSessionArg": "ctx-A"},
        evidence="documented",
    )
    begin = tr.record(
        Kind.CALL, "NSPv2LookupServiceBegin", actor="broker", subject="session:7", t=1,
        args={"lpvClientSessionArg": "ctx-B"}, evidence="documented",
    )  # fmt: skip
    tr.record(
        Kind.RETURN,
        "NSPv2LookupServiceBegin",
        actor="provider",
        subject="session:7",
        span=begin.span,
        result=0,
        args={"lphLookup": "0x9"},
        t=1,
        evidence="documented",
    )
    tr.record(
        Kind.CALL,
        "NSPv2LookupServiceNextEx",
        actor="broker",
        subject="lookup:0x9",
        t=2,
        evidence="documented",
    )
    trace = tr.trace
    [found] = sessions(trace)
    assert found.lookups == ("lookup:0x9",)
    assert [(p.call.name, p.value, p.matches) for p in found.arg_passes] == [
        ("NSPv2LookupServiceBegin", "ctx-B", False)
    ]
    assert records(session_summary(trace)) == [
        ("session:7", "client:7", "", "ctx-A", 0.0, 1, 1, 0, "still open", "", None, None, None, 1, "")
    ]


def test_session_summary_of_a_trace_without_sessions_keeps_its_columns():
    """No sessions, no rows, same columns."""
    table = session_summary(read_trace(GOLDEN.format("vista-non-email")))
    assert table.empty and list(table.columns) == SESSION_COLUMNS


OFFLINE_COLUMNS = [
    "resource",
    "t",
    "request",
    "routine",
    "requested",
    "effective",
    "DestinationNodeName",
    "result",
    "completion",
    "pending_ms",
    "checkpoints",
    "terminated",
    "state",
    "node",
    "persistent_state",
    "faults",
]
PENDING, SUCCESS, TIMEOUT = "ERROR_IO_PENDING", "ERROR_SUCCESS", "ERROR_TIMEOUT"
RTS_QUEUE = "CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR|CLUS_RESDLL_OFFLINE_QUEUE_ENABLED"


@pytest.mark.parametrize(
    ("timeout", "row"),
    [
        (True, ("Disk", 10.0, "(cluster)", "OfflineV2", None, RTS_QUEUE, "node2", PENDING, TIMEOUT, 181004.8,
                "1", True, "ClusterResourceOffline", "node1", None, "PendingTimeout")),
        (False, ("Disk", 10.0, "(cluster)", "OfflineV2", None, RTS_QUEUE, "node2", PENDING, SUCCESS, 2004.8,
                 "1, 2", False, "ClusterResourceOffline", "node1", None, "")),
    ],
)  # fmt: skip
def test_offline_summary_of_a_pending_offline(timeout, row):
    """A pending OfflineV2: flags by SDK name, its pending window and checkpoints, Terminate on timeout."""
    table = offline_summary(cluster_offline(timeout=timeout))
    assert list(table.columns) == OFFLINE_COLUMNS
    assert records(table) == [row]


def cluster_trace(flags="QUEUE_ENABLED"):
    return Tracer(TraceHeader(domain="cluster", scenario="inline", params={"flags": flags}, labkit="0.1.0"))


def call(tr, name, subject, t, actor="rhs", result=None, returner="dll", **args):
    c = tr.record(Kind.CALL, name, actor=actor, subject=subject, t=t, args=args, evidence="documented")
    if result != "open":
        tr.record(
            Kind.RETURN,
            name,
            actor=returner,
            subject=subject,
            span=c.span,
            t=t,
            result=result,
            evidence="documented",
        )
    return c


def state(tr, subject, old, new, t, node="NODE1"):
    tr.record(
        Kind.STATE,
        new,
        actor="rhs",
        subject=subject,
        state=(old, new),
        t=t,
        args={"node": node},
        evidence="documented",
    )


def test_offline_summary_of_a_refused_request_a_forced_termination_and_a_client_offline():
    """A request refused before any DLL call, a Terminate called instead of OfflineV2, and a client
    offline whose OfflineV2 fails and is followed by Terminate, each one row."""
    tr = cluster_trace("IGNORE_RESOURCE_STATUS")
    locked = winapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS
    state(tr, "Disk", None, "ClusterResourceOnline", 0)
    call(tr, "OfflineClusterResourceEx", "Disk", 10, actor="client", returner="rcm", result=locked)
    force = call(tr, "OfflineClusterResourceEx", "Disk", 20, actor="client", result="open", dwOfflineFlags=2)
    call(tr, "Terminate", "Disk", 20)
    state(tr, "Disk", "ClusterResourceOnline", "ClusterResourceOffline", 20)
    tr.record(
        Kind.NOTE,
        "PersistentState",
        actor="rcm",
        subject="Disk",
        t=20,
        args={"PersistentState": 0},
        evidence="documented",
    )
    tr.record(
        Kind.RETURN,
        force.name,
        actor="rcm",
        subject="Disk",
        span=force.span,
        t=20,
        result=0,
        evidence="documented",
    )
    call(tr, "OnlineV2", "Disk", 30, result=0)
    state(tr, "Disk", "ClusterResourceOffline", "ClusterResourceOnline", 30)
    third = call(tr, "OfflineClusterResourceEx", "Disk", 40, actor="client", result="open")
    call(tr, "OfflineV2", "Disk", 40, result=winapi.ERROR_OPERATION_ABORTED, OfflineFlags=1)
    call(tr, "Terminate", "Disk", 40)
    state(tr, "Disk", "ClusterResourceOnline", "ClusterResourceOffline", 40)
    kept = {"PersistentState": 1, "updated": False}
    tr.record(
        Kind.NOTE, "PersistentState", actor="rcm", subject="Disk", t=40, args=kept, evidence="documented"
    )
    tr.record(
        Kind.RETURN,
        third.name,
        actor="rcm",
        subject="Disk",
        span=third.span,
        t=40,
        result=0,
        evidence="documented",
    )
    ignore = "CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS"
    assert records(offline_summary(tr.trace)) == [
        ("Disk", 10.0, "OfflineClusterResourceEx", "", ignore, None, "NULL",
         "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS", None, None, "", False, None, None, None, ""),
        ("Disk", 20.0, "OfflineClusterResourceEx", "Terminate", ignore, None, "NULL", None, None, None, "",
         True, "ClusterResourceOffline", "NODE1", "offline", ""),
        ("Disk", 40.0, "OfflineClusterResourceEx", "OfflineV2", ignore, ignore, "NULL",
         "ERROR_OPERATION_ABORTED", None, None, "", True, "ClusterResourceOffline", "NODE1",
         "online (not updated)", ""),
    ]  # fmt: skip


def test_offline_operations_of_a_queued_move_are_one_per_attempt_and_end_at_the_next_entry_point():
    """Each OfflineV2 retry is an operation; a Terminate after a failed online is not an offline."""
    tr = cluster_trace()
    state(tr, "VM", None, "ClusterResourceOnline", 0)
    move = call(tr, "MoveClusterGroupEx", "group:G", 10, actor="client", returner="rcm", result=997)
    for t in (10, 20):
        offline = call(tr, "OfflineV2", "VM", t, result=997, OfflineFlags=4, DestinationNodeName="NODE2")
        state(tr, "VM", "ClusterResourceOnline", "ClusterResourceOfflinePending", t)
        call(tr, "SetResourceStatusEx", "VM", t + 5, actor="worker:1", returner="rhs", CheckPoint=1)
        code = winapi.ERROR_CLUSTER_GROUP_BUSY if t == 10 else 0
        tr.record(
            Kind.COMPLETE,
            "OfflineV2",
            actor="rhs",
            subject="VM",
            span=offline.span,
            t=t + 5,
            result=code,
            evidence="documented",
        )
        after = "ClusterResourceOnline" if t == 10 else "ClusterResourceOffline"
        state(tr, "VM", "ClusterResourceOfflinePending", after, t + 5)
    call(tr, "OnlineV2", "VM", 30, result=winapi.ERROR_RESOURCE_FAILED)
    call(tr, "Terminate", "VM", 30)
    tr.record(
        Kind.COMPLETE,
        move.name,
        actor="rcm",
        subject="group:G",
        span=move.span,
        t=40,
        result=0,
        evidence="documented",
    )
    ops = offline_operations(tr.trace)
    assert [(o.routine, o.start.t, o.request.name, o.completed.result_name, o.pending_ms) for o in ops] == [
        ("OfflineV2", 10.0, "MoveClusterGroupEx", "ERROR_CLUSTER_GROUP_BUSY", 5.0),
        ("OfflineV2", 20.0, "MoveClusterGroupEx", "ERROR_SUCCESS", 5.0),
    ]
    assert [(o.state, o.terminated, o.checkpoints) for o in ops] == [
        ("ClusterResourceOnline", False, (1,)),
        ("ClusterResourceOffline", False, (1,)),
    ]


def test_offline_summary_of_a_trace_without_offlines_keeps_its_columns():
    """An NSPv2 trace has no offline operations: no rows, same columns."""
    table = offline_summary(nspv2_session())
    assert table.empty and list(table.columns) == OFFLINE_COLUMNS


def test_counted_keeps_first_appearance_order():
    """Repeated names collapse into name×n, in the order they first appear."""
    assert counted(["B", "A", "B", "B"]) == "B×3, A"
    assert counted([]) == ""


def test_session_args_table_shows_where_the_session_argument_goes():
    """Startup produces it, Begin and Cleanup get it back; NextEx and End on the lookup never see it."""
    table = views.session_args_table(nspv2.simulate("happy-path").trace)
    assert records(table) == [
        (11, 1.0, "NSPv2Startup", "session:101", "session#1 (produced)", None),
        (14, 1.0, "NSPv2LookupServiceBegin", "session:101", "session#1", True),
        (20, 2.0, "NSPv2LookupServiceNextEx", "lookup:0x1001", "(not passed)", None),
        (29, 3.0, "NSPv2LookupServiceNextEx", "lookup:0x1001", "(not passed)", None),
        (37, 4.0, "NSPv2LookupServiceEnd", "lookup:0x1001", "(not passed)", None),
        (41, 4.0, "NSPv2Cleanup", "session:101", "session#1", True),
    ]


def test_session_args_table_flags_a_call_that_carries_another_sessions_argument():
    """A Cleanup handed a value Startup never produced reads matches=False."""
    tr = make_tracer("nspv2")
    startup = tr.record(
        Kind.CALL, "NSPv2Startup", actor="broker", subject="session:7", t=0, evidence="documented"
    )
    produced = {"ppvClientSessionArg": "session#1"}
    tr.record(
        Kind.RETURN,
        startup.name,
        actor="provider",
        subject="session:7",
        span=startup.span,
        args=produced,
        evidence="documented",
    )
    wrong = {"pvClientSessionArg": "session#9"}
    cleanup = tr.record(
        Kind.CALL, "NSPv2Cleanup", actor="broker", subject="session:7", args=wrong, t=1, evidence="documented"
    )
    tr.record(
        Kind.RETURN,
        cleanup.name,
        actor="provider",
        subject="session:7",
        span=cleanup.span,
        result=0,
        evidence="documented",
    )
    assert records(views.session_args_table(tr.trace)[["routine", "session_arg", "matches"]]) == [
        ("NSPv2Startup", "session#1 (produced)", None),
        ("NSPv2Cleanup", "session#9", False),
    ]
