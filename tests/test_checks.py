"""Contract violations found in a trace by itself, for traces recorded anywhere or edited by hand."""

from labkit import winapi
from labkit.trace import Kind
from labkit.trace.checks import Violation, violations
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session


def found(trace):
    return [(v.rule, v.seq) for v in violations(trace)]


def test_well_formed_traces_of_both_domains_have_none():
    """The realistic NSPv2 session and pending offline follow every rule."""
    assert violations(nspv2_session()) == []
    assert violations(nspv2_session(crash=False)) == []
    assert violations(cluster_offline()) == []
    assert violations(cluster_offline(timeout=False)) == []


def test_call_that_never_returns():
    """A call whose span has no return by the end of the trace."""
    tracer = make_tracer()
    tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", t=3, evidence="documented")
    assert violations(tracer.trace) == [
        Violation("NeverReturned", 0, 3.0, "Disk", "OfflineV2 never returned (no return with span 0)")
    ]


def test_pending_call_that_never_completes():
    """ERROR_IO_PENDING, or an hAsyncCall argument, promises a completion."""
    tracer = make_tracer("nspv2")
    offline = tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", evidence="documented")
    tracer.record(
        Kind.RETURN,
        "OfflineV2",
        actor="dll",
        subject="Disk",
        span=offline.span,
        result=997,
        evidence="documented",
    )
    nextex = tracer.record(
        Kind.CALL,
        "NSPv2LookupServiceNextEx",
        actor="broker",
        subject="lookup:0x1",
        args={"hAsyncCall": "0x9"},
        evidence="documented",
    )
    tracer.record(
        Kind.RETURN,
        "NSPv2LookupServiceNextEx",
        actor="provider",
        subject="lookup:0x1",
        span=nextex.span,
        evidence="documented",
    )
    assert [str(v) for v in violations(tracer.trace)] == [
        "seq 0 t=0ms NeverCompleted (Disk) OfflineV2 returned ERROR_IO_PENDING but never completed "
        "(no complete with span 0)",
        "seq 2 t=0ms NeverCompleted (lookup:0x1) NSPv2LookupServiceNextEx is asynchronous (hAsyncCall) but "
        "never completed (no complete with span 2)",
    ]


def test_complete_for_an_unknown_span_twice_or_without_pending():
    """Completions must name a call that was pending, once."""
    tracer = make_tracer()
    call = tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", evidence="documented")
    tracer.record(
        Kind.RETURN, "OfflineV2", actor="dll", subject="Disk", span=call.span, result=0, evidence="documented"
    )
    tracer.record(
        Kind.COMPLETE,
        "OfflineV2",
        actor="rhs",
        subject="Disk",
        span=call.span,
        result=0,
        evidence="documented",
    )
    tracer.record(
        Kind.COMPLETE,
        "OfflineV2",
        actor="rhs",
        subject="Disk",
        span=call.span,
        result=0,
        evidence="documented",
    )
    tracer.record(
        Kind.COMPLETE, "OfflineV2", actor="rhs", subject="Disk", span=42, result=0, evidence="documented"
    )
    tracer.record(
        Kind.COMPLETE, "SetResourceStatusEx", actor="rhs", subject="Disk", result=0, evidence="documented"
    )
    assert [str(v) for v in violations(tracer.trace)] == [
        "seq 2 t=0ms CompletedWithoutPending (Disk) OfflineV2 returned ERROR_SUCCESS (not pending), "
        "then completed",
        "seq 3 t=0ms CompletedTwice (Disk) OfflineV2 (span 0) already completed at seq 2",
        "seq 4 t=0ms CompleteWithoutCall (Disk) OfflineV2 completes span 42 which no call opened",
        "seq 5 t=0ms CompleteWithoutSpan (Disk) SetResourceStatusEx complete has no span to say which "
        "call it ends",
    ]


def test_return_before_its_call_twice_or_under_another_name():
    """A return must follow its call, once, under the call's name."""
    tracer = make_tracer()
    tracer.record(Kind.RETURN, "Terminate", actor="dll", subject="Disk", span=1, evidence="documented")
    call = tracer.record(Kind.CALL, "Terminate", actor="rhs", subject="Disk", evidence="documented")
    tracer.record(
        Kind.RETURN, "Terminate", actor="dll", subject="Disk", span=call.span, evidence="documented"
    )
    tracer.record(
        Kind.RETURN, "Terminate", actor="dll", subject="Disk", span=call.span, evidence="documented"
    )
    other = tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", evidence="documented")
    tracer.record(
        Kind.RETURN, "OnlineV2", actor="dll", subject="Disk", span=other.span, result=0, evidence="documented"
    )
    tracer.record(Kind.RETURN, "OnlineV2", actor="dll", subject="Disk", result=0, evidence="documented")
    assert found(tracer.trace) == [
        ("ReturnBeforeCall", 0),
        ("ReturnedTwice", 3),
        ("ReturnNameMismatch", 5),
        ("ReturnWithoutSpan", 6),
    ]


def test_call_whose_span_is_not_its_seq():
    """A hand-edited call that opens someone else's span."""
    tracer = make_tracer()
    tracer.record(Kind.CALL, "Terminate", actor="rhs", subject="Disk", span=7, evidence="documented")
    assert found(tracer.trace) == [("CallSpanMismatch", 0), ("NeverReturned", 0)]


def test_state_changes_that_disagree_with_the_current_state():
    """`from` must be where the subject is; `name` must be the new state; a state event needs a change."""
    tracer = make_tracer()
    online, pending = "ClusterResourceOnline", "ClusterResourceOfflinePending"
    tracer.record(
        Kind.STATE,
        online,
        actor="rhs",
        subject="Disk",
        state=(winapi.state_name(3), online),
        evidence="documented",
    )
    tracer.record(
        Kind.STATE,
        pending,
        actor="rhs",
        subject="Disk",
        state=("ClusterResourceFailed", pending),
        evidence="documented",
    )
    tracer.record(
        Kind.STATE,
        "Offline",
        actor="rhs",
        subject="Disk",
        state=(pending, "ClusterResourceOffline"),
        evidence="documented",
    )
    tracer.record(Kind.STATE, "Moving", actor="rcm", subject="group:G", evidence="documented")
    tracer.record(
        Kind.STATE, "Online", actor="rcm", subject="group:H", state=(None, "Online"), evidence="documented"
    )
    tracer.record(
        Kind.STATE, "Moving", actor="rcm", subject="group:H", state=(None, "Moving"), evidence="documented"
    )
    assert [str(v) for v in violations(tracer.trace)] == [
        "seq 1 t=0ms StateFromMismatch (Disk) goes from ClusterResourceFailed to "
        "ClusterResourceOfflinePending, but the subject was in ClusterResourceOnline",
        "seq 2 t=0ms StateNameMismatch (Disk) state event is named Offline but goes to "
        "ClusterResourceOffline",
        "seq 3 t=0ms StateWithoutChange (group:G) state event Moving has no state {from, to}",
        "seq 5 t=0ms StateFromMismatch (group:H) goes from (no state) to Moving, "
        "but the subject was in Online",
    ]
