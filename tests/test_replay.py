"""Replay: per-subject state intervals, call pairing, and a cursor that steps and seeks both ways."""

import pytest

from labkit.readback.replay import Cursor, pair_calls, replay, subject_kind
from labkit.trace import Kind
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session


def rows(history):
    return [
        (i.subject, i.state, i.start, i.end, i.entered_by and i.entered_by.seq, i.left_by and i.left_by.seq)
        for i in history.intervals
    ]


def test_nspv2_session_intervals():
    """Every state event closes the subject's interval and opens the next; the last ones stay open."""
    history = replay(nspv2_session())
    assert rows(history) == [
        ("session:4242", "Started", 0.0, 8.0, 2, 26),
        ("lookup:0x1001", "Open", 1.0, 2.0, 5, 8),
        ("lookup:0x1001", "NextPending", 2.0, 3.5, 8, 12),
        ("lookup:0x1001", "Open", 3.5, 5.0, 12, 15),
        ("lookup:0x1001", "NextPending", 5.0, 6.5, 15, 19),
        ("lookup:0x1001", "Open", 6.5, 7.0, 19, 22),
        ("lookup:0x1001", "Ended", 7.0, None, 22, None),
        ("session:4242", "RunDown", 8.0, None, 26, None),
    ]
    assert history.subjects == ("session:4242", "lookup:0x1001")
    assert [i.duration for i in history.of("lookup:0x1001")] == [1.0, 1.5, 1.5, 1.5, 0.5, None]


def test_cluster_intervals_and_kinds():
    """Resources, groups and their kinds; durations in virtual ms."""
    history = replay(cluster_offline())
    assert [(i.subject, i.kind, i.state, i.duration) for i in history.intervals] == [
        ("group:SQL", "group", "Online", 10.0),
        ("Disk", "resource", "ClusterResourceOnline", 10.2),
        ("group:SQL", "group", "Moving", 181006.0),
        ("Disk", "resource", "ClusterResourceOfflinePending", pytest.approx(181004.8)),
        ("Disk", "resource", "ClusterResourceOffline", None),
        ("group:SQL", "group", "Offline", None),
    ]


def test_subject_kinds_from_prefixes():
    """The prefix names the kind; a bare name (or an unknown prefix) is a resource."""
    assert [
        subject_kind(s)
        for s in (
            "session:1",
            "session:1/Email",
            "lookup:0x1",
            "provider:Email",
            "group:G",
            "node:n1",
            "Disk",
        )
    ] == ["session", "session", "lookup", "provider", "group", "node", "resource"]
    assert subject_kind("IP Address: 10.0.0.1") == "resource"


def state_trace(*changes, t0=0.0):
    tracer = make_tracer()
    tracer.record(Kind.NOTE, "begin", actor="rcm", t=t0, evidence="documented")
    for k, (subject, old, new) in enumerate(changes, start=1):
        tracer.record(
            Kind.STATE, new, actor="rhs", subject=subject, state=(old, new), t=t0 + k, evidence="documented"
        )
    return tracer.trace


def test_state_known_only_from_the_first_from():
    """A subject whose first change comes from a state was in it since the trace began (no entering event)."""
    history = replay(state_trace(("Disk", "ClusterResourceOnline", "ClusterResourceOfflinePending"), t0=5))
    first, second = history.intervals
    assert (first.state, first.start, first.end, first.entered_by, first.left_by.seq) == (
        "ClusterResourceOnline",
        5.0,
        6.0,
        None,
        1,
    )
    assert (second.state, second.start, second.end) == ("ClusterResourceOfflinePending", 6.0, None)
    assert history.entered_at == (-1, 1)
    assert history.cursor().states == {"Disk": "ClusterResourceOnline"}


def test_a_wrong_from_does_not_break_the_history():
    """The `to` of each change wins; a disagreeing `from` is for labkit check, not for replay."""
    history = replay(
        state_trace(("Disk", None, "ClusterResourceOnline"), ("Disk", "ClusterResourceFailed", "X"))
    )
    assert [(i.state, i.start, i.end) for i in history.intervals] == [
        ("ClusterResourceOnline", 1.0, 2.0),
        ("X", 2.0, None),
    ]


def test_pair_calls_by_span():
    """Each call gets its return and, when asynchronous, its completion."""
    calls = pair_calls(cluster_offline())
    assert [
        (c.call.name, c.returned.result_name, c.completed and c.completed.result_name, c.duration)
        for c in calls
    ] == [
        ("OfflineV2", "ERROR_IO_PENDING", "ERROR_TIMEOUT", pytest.approx(0.2)),
        ("SetResourceStatusEx", "ResourceExitStateContinue", None, 0.0),
        ("Terminate", None, None, 5.0),
    ]
    assert calls[0].completed_after == 181005.0


def test_pair_calls_keeps_unreturned_calls_and_ignores_strays():
    """A call that never returned pairs with nothing; a return before its call or of no call is ignored."""
    tracer = make_tracer()
    tracer.record(Kind.RETURN, "OfflineV2", actor="dll", subject="Disk", span=1, evidence="documented")
    call = tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", evidence="documented")
    tracer.record(Kind.RETURN, "Terminate", actor="dll", subject="Disk", span=99, evidence="documented")
    [only] = pair_calls(tracer.trace)
    assert (only.call, only.returned, only.completed, only.duration) == (call, None, None, None)


# ----------------------------------------------------------------------------------------------------
# Cursor
# ----------------------------------------------------------------------------------------------------

NSP_STATES_BY_POSITION = {
    -1: {},
    1: {},
    2: {"session:4242": "Started"},
    5: {"session:4242": "Started", "lookup:0x1001": "Open"},
    8: {"session:4242": "Started", "lookup:0x1001": "NextPending"},
    12: {"session:4242": "Started", "lookup:0x1001": "Open"},
    15: {"session:4242": "Started", "lookup:0x1001": "NextPending"},
    19: {"session:4242": "Started", "lookup:0x1001": "Open"},
    22: {"session:4242": "Started", "lookup:0x1001": "Ended"},
    26: {"session:4242": "RunDown", "lookup:0x1001": "Ended"},
}


def expected_at(position):
    return NSP_STATES_BY_POSITION[max(p for p in NSP_STATES_BY_POSITION if p <= position)]


def test_cursor_steps_forward_then_back_over_every_event():
    """Stepping one event at a time gives the same states going forward and coming back."""
    cursor = replay(nspv2_session()).cursor()
    assert (cursor.position, cursor.event, cursor.states) == (-1, None, {})
    forward = []
    for _ in range(27):
        cursor.forward()
        forward.append((cursor.position, cursor.states))
    assert forward == [(p, expected_at(p)) for p in range(27)]
    assert cursor.forward().position == 26  # stops at the last event
    backward = []
    for _ in range(27):
        cursor.back()
        backward.append((cursor.position, cursor.states))
    assert backward == [(p, expected_at(p)) for p in range(25, -2, -1)]
    assert cursor.back().position == -1


@pytest.mark.parametrize("start", [-1, 26, 9])
def test_cursor_seek_jumps_both_ways(start):
    """seek gives the state at any position wherever the cursor was (long jumps rebuild by bisection)."""
    history = replay(nspv2_session())
    for target in (26, 0, 8, 5, -1, 22, 12, 100, -7):
        cursor = Cursor(history).seek(start)
        assert cursor.seek(target).states == expected_at(max(-1, min(target, 26))), target


def test_cursor_long_seek_uses_bisection_and_agrees_with_stepping():
    """On a long trace a far seek rebuilds from the interval index and matches step-by-step replay."""
    tracer = make_tracer()
    names = ["ClusterResourceOnline", "ClusterResourceOfflinePending", "ClusterResourceOffline"]
    for k in range(600):
        subject = f"R{k % 7}"
        old = names[(k // 7 - 1) % 3] if k >= 7 else None
        tracer.record(
            Kind.STATE,
            names[(k // 7) % 3],
            actor="rhs",
            subject=subject,
            state=(old, names[(k // 7) % 3]),
            t=k,
            evidence="documented",
        )
    history = replay(tracer.trace)
    stepped = history.cursor()
    snapshots = []
    for _ in range(600):
        snapshots.append(stepped.forward().states)
    jumper = history.cursor()
    for target in (599, 3, 450, 120, 598, 0, 300):
        assert jumper.seek(target).states == snapshots[target]
        assert jumper.position == target


def test_cursor_seek_time_and_seq():
    """seek_time goes to the last event at or before t; seek_seq to the last event with seq ≤ the given."""
    trace = nspv2_session()
    cursor = replay(trace[3:]).cursor()  # a slice: seqs start at 3, positions at 0
    assert cursor.seek_time(2.0).event.seq == 8
    # Started was entered before the slice; RunDown's `from` tells the session was in it all along.
    assert cursor.states == {"session:4242": "Started", "lookup:0x1001": "NextPending"}
    assert cursor.seek_time(4.9).t == 3.5
    assert cursor.seek_time(-1).position == -1
    assert cursor.seek_seq(22).event.name == "Ended"
    assert cursor.state("lookup:0x1001") == "Ended" and cursor.state("session:4242") == "Started"
    assert cursor.state("session:9") is None
    assert cursor.intervals["lookup:0x1001"].start == 7.0
    assert cursor.seek_seq(2).position == -1
    assert cursor.states == {"session:4242": "Started"}


def test_a_trace_is_replayed_once_and_forgotten_with_it():
    """Traces are immutable: asking twice gives the same intervals without replaying again; the memo
    goes when the trace does."""
    import gc

    from labkit.readback import memo

    trace = nspv2_session()
    first, second = replay(trace), replay(trace)
    assert first.intervals is second.intervals and first.calls is second.calls
    assert memo.kept_for(trace) == ("replay", "calls")
    assert replay(nspv2_session()).intervals is not first.intervals  # an equal trace is another trace
    kept = len(memo._KEPT)
    del trace, first, second
    gc.collect()
    assert len(memo._KEPT) == kept - 1
