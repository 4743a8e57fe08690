"""diff of two traces: the first divergence, every outcome change, and the one-line sentence."""

import pandas as pd

from labkit import nspv2, winapi
from labkit.readback.diff import Change, diff
from labkit.trace import Kind, TraceHeader, Tracer
from labkit.views import changes_table


def records(frame):
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_identical_runs_say_so():
    """The same scenario twice: no divergence, no changes, and a sentence that says so."""
    a, b = nspv2.simulate("happy-path").trace, nspv2.simulate("happy-path").trace
    d = diff(a, b)
    assert d.identical and d.parameters == () and d.outcome == ()
    assert d.summary() == "the traces are identical"
    assert diff(a, nspv2.simulate("happy-path", seed=7).trace).summary() == (
        "seed 0 → 7: no difference: the runs are identical"
    )


def test_crash_policy_both_adds_a_cleanup_after_the_rundown():
    """Flipping the crash policy from rundown to the default: the divergence is the Cleanup that keeps the
    pairing (where 'rundown' notes that it breaks it), the session ends CleanedUp."""
    a = nspv2.simulate("crash-during-lookup", policy={"crash": "rundown"}).trace
    b = nspv2.simulate("crash-during-lookup").trace
    d = diff(a, b)
    assert d.parameters == (Change("parameter", "policies.crash", "rundown", "both"),)
    assert (d.divergence.index, d.divergence.a.name, d.divergence.b.name) == (
        44,
        "NoMatchingCleanup",
        "NSPv2Cleanup",
    )
    assert d.outcome == (
        Change("final state", "session:101", "RunDown", "CleanedUp"),
        Change("went through", "session:101", "", "CleanedUp"),
        Change("callbacks", "NSPv2Cleanup", "1", "2"),
    )
    assert d.summary() == (
        "crash rundown → both: session:101 ended CleanedUp instead of RunDown; "
        "NSPv2Cleanup ran twice instead of once"
    )


def test_a_leaky_provider_shows_the_leak_and_its_fault():
    """Swapping the provider: the label names it once, the sentence the leak and the new fault."""
    a = nspv2.simulate("leaky-rundown", provider="email-directory").trace
    b = nspv2.simulate("leaky-rundown").trace
    d = diff(a, b)
    assert d.label() == "provider email-directory → leaky"
    assert d.summary() == (
        "provider email-directory → leaky: session:101 ended Leaked instead of RunDown; "
        "a SessionStateLeaked fault appeared"
    )
    table = changes_table(d)
    assert list(table.columns) == ["aspect", "what", "a", "b"]
    assert (
        [(c.aspect, c.subject, c.a, c.b) for c in d.changes()]
        == records(table)
        == [
            ("parameter", "provider", "email-directory", "leaky"),
            ("parameter", "providers.contoso-mail", "email-directory", "leaky"),
            ("final state", "session:101", "RunDown", "Leaked"),
            ("went through", "session:101", "", "Leaked"),
            ("faults", "SessionStateLeaked", "0", "1"),
        ]
    )


def move(flags, *, busy):
    """A move asking ``flags``; a busy DLL makes it wait in the queue (QUEUE_ENABLED) or fail at once."""
    tr = Tracer(TraceHeader(domain="cluster", scenario="move", params={"flags": flags}, labkit="0.1.0"))

    def state(subject, old, new, t, node="NODE1"):
        tr.record(
            Kind.STATE,
            new,
            actor="rcm",
            subject=subject,
            state=(old, new),
            t=t,
            args={"node": node},
            evidence="documented",
        )

    state("group:G", None, "Online", 0)
    request = tr.record(
        Kind.CALL, "MoveClusterGroupEx", actor="client", subject="group:G", t=10, evidence="documented"
    )
    tr.record(
        Kind.RETURN,
        request.name,
        actor="rcm",
        subject="group:G",
        span=request.span,
        t=10,
        result=997,
        evidence="documented",
    )
    offline = tr.record(
        Kind.CALL,
        "OfflineV2",
        actor="rhs",
        subject="VM",
        t=10,
        args={"OfflineFlags": 4 * busy},
        evidence="documented",
    )
    tr.record(
        Kind.RETURN,
        "OfflineV2",
        actor="dll",
        subject="VM",
        span=offline.span,
        t=10,
        result=0,
        evidence="documented",
    )
    if busy:
        state("group:G", "Online", "Queued", 10)
        state("group:G", "Queued", "Online", 500, node="NODE2")
        result = 0
    else:
        result = winapi.ERROR_CLUSTER_GROUP_BUSY
    tr.record(
        Kind.COMPLETE,
        request.name,
        actor="rcm",
        subject="group:G",
        span=request.span,
        t=500,
        result=result,
        evidence="documented",
    )
    return tr.trace


def test_a_flag_that_queues_the_move_reads_as_one_sentence():
    """QUEUE_ENABLED turns a failed move into one that waited in the queue and succeeded."""
    d = diff(move("0", busy=False), move("QUEUE_ENABLED", busy=True))
    assert d.summary() == (
        "QUEUE_ENABLED: the move waited in the queue and succeeded instead of failing "
        "(ERROR_CLUSTER_GROUP_BUSY)"
    )
    back = diff(move("QUEUE_ENABLED", busy=True), move("0", busy=False))
    assert back.summary() == (
        "without QUEUE_ENABLED: the move no longer waited in the queue and failed with "
        "ERROR_CLUSTER_GROUP_BUSY instead of succeeding"
    )


def test_same_outcome_names_the_arguments_that_differ():
    """When only an argument differs, the sentence says which one, by SDK name."""
    a = move("0", busy=False)
    b = Tracer(TraceHeader(domain="cluster", scenario="move", params={"flags": "QUEUE_ENABLED"}))
    for event in a:
        args = {"OfflineFlags": 4} if event.name == "OfflineV2" and event.kind is Kind.CALL else event.args
        b.record(event.kind, event.name, actor=event.actor, subject=event.subject, args=args,
                 result=event.result, span=event.span, state=event.state, t=event.t,
                 evidence=event.evidence)  # fmt: skip
    assert diff(a, b.trace).summary() == (
        "QUEUE_ENABLED: same outcome; the events differ from seq 3: call OfflineV2 (VM) with "
        "OfflineFlags 0 → CLUS_RESDLL_OFFLINE_QUEUE_ENABLED"
    )


def test_html_escapes_whatever_the_traces_hold():
    """Subjects and arguments from a trace are shown as text in the HTML, never as markup."""
    evil = "<img src=x onerror=alert(1)>"
    a = Tracer(TraceHeader(domain="cluster", params={"dll": "A"}))
    b = Tracer(TraceHeader(domain="cluster", params={"dll": evil}))
    for tracer, state in ((a, "ClusterResourceOnline"), (b, "ClusterResourceFailed")):
        tracer.record(
            Kind.STATE, state, actor="rhs", subject=evil, state=(None, state), t=0, evidence="documented"
        )
    page = diff(a.trace, b.trace)._repr_html_()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.startswith("<div class='labkit-diff mathjax_ignore tex2jax_ignore'><p><b>dll A → &lt;img")


def test_a_shorter_trace_diverges_where_it_ends():
    """A trace that stops early diverges at its length; the other trace's event is shown against none."""
    a = nspv2.simulate("happy-path").trace
    d = diff(a, a[:5])
    assert (d.divergence.index, d.divergence.a, d.divergence.b) == (5, a[5], None)
    assert pd.Series([c.aspect for c in d.outcome]).iloc[-1] == "duration"


def test_event_text_and_duration_text_read_as_a_person_writes_them():
    """One line per event with flags and codes by SDK name; durations in the unit that reads best."""
    from labkit.text import duration_text, event_text

    trace = move("QUEUE_ENABLED", busy=True)
    assert [event_text(e, "cluster") for e in trace] == [
        "state group:G (none) → Online",
        "call MoveClusterGroupEx (group:G)",
        "return MoveClusterGroupEx (group:G) = ERROR_IO_PENDING",
        "call OfflineV2 (VM) OfflineFlags=CLUS_RESDLL_OFFLINE_QUEUE_ENABLED",
        "return OfflineV2 (VM) = ERROR_SUCCESS",
        "state group:G Online → Queued",
        "state group:G Queued → Online",
        "complete MoveClusterGroupEx (group:G) = ERROR_SUCCESS",
    ]
    assert [duration_text(ms) for ms in (0, 250, 1999, 7000, 183_000, 7_200_000)] == [
        "0 ms",
        "250 ms",
        "1999 ms",
        "7 s",
        "3.05 min",
        "2 h",
    ]
