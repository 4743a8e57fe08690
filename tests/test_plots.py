"""The timeline figure, inspected through its Axes (lanes, labels, colours), never through pixels."""

import io

import matplotlib.pyplot as plt  # only to prove timeline leaves pyplot alone
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from labkit.trace import Kind
from labkit.views.plots import FALLBACK_COLOURS, STATE_COLOURS, state_colour, time_unit, timeline
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session


def bars(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def colours(collection):
    return sorted({tuple(round(v, 4) for v in rgba) for rgba in collection.get_facecolors()})


def rgba(*states):
    return sorted({tuple(round(v, 4) for v in to_rgba(state_colour(s))) for s in states})


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_nspv2_timeline_lanes_states_labels_and_legend():
    """One lane per subject, bars coloured by state, callbacks and completion codes labelled."""
    fig = timeline(nspv2_session())
    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["session:4242", "lookup:0x1001"]
    [states] = bars(ax)
    assert len(states.get_paths()) == 8
    assert colours(states) == rgba("Started", "RunDown", "Open", "NextPending", "Ended")
    assert {
        "NSPv2Startup",
        "NSPv2LookupServiceBegin",
        "NSPv2LookupServiceNextEx",
        "NSPv2LookupServiceEnd",
        "NSPv2ClientSessionRundown",
        "NO_ERROR",
        "WSA_E_NO_MORE",
        "Started",
        "NextPending",
    } <= set(texts(ax))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Started",
        "RunDown",
        "Open",
        "NextPending",
        "Ended",
        "callback (host → provider / DLL)",
        "helper call (provider / DLL → host)",
        "asynchronous completion",
        "call pending until completion",
    ]
    assert ax.get_xlabel() == "virtual time (ms)"
    assert ax.get_title(loc="left") == "nspv2 · crash-during-lookup · 27 events"


def test_cluster_timeline_shows_pending_window_timeout_and_minutes():
    """A 3-minute pending offline: minutes on the axis, the pending link, the timeout marked and named."""
    fig = timeline(cluster_offline())
    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["group:SQL", "Disk"]
    [states] = bars(ax)
    assert colours(states) == rgba(
        "Online", "Moving", "Offline", "ClusterResourceOnline", "ClusterResourceOfflinePending"
    )
    assert ax.get_xlabel() == "virtual time (min)"
    assert {"OfflineV2", "Terminate", "PendingTimeout", "ERROR_TIMEOUT", "OfflinePending", "Moving"} <= set(
        texts(ax)
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:6] == [
        "ClusterResourceOnline",
        "ClusterResourceOffline",
        "ClusterResourceOfflinePending",
        "Online",
        "Moving",
        "Offline",
    ]
    assert {"timeout", "call pending until completion"} <= set(legend)
    dashed = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_linestyle()[0][1]]
    links = [(seg[0][0], seg[-1][0]) for c in dashed for seg in c.get_segments() if seg[0][1] == seg[-1][1]]
    assert (10.0, 181015.0) in links  # OfflineV2 linked to its completion
    low, high = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert ticks[:3] == [0.0, 30_000.0, 60_000.0]  # data stays in ms, ticks fall on round minutes
    assert [ax.xaxis.get_major_formatter()(t, 0) for t in ticks[:3]] == ["0", "0.5", "1"]


def test_a_state_has_one_colour_in_every_figure():
    """Known states have fixed colours; unknown ones a stable fallback that does not depend on the process."""
    assert state_colour("ClusterResourceOfflinePending") == STATE_COLOURS["ClusterResourceOfflinePending"]
    assert state_colour("Started") == "#009E73"
    assert state_colour("SomethingNew") in FALLBACK_COLOURS
    assert state_colour("SomethingNew") == state_colour("SomethingNew") == "#6699CC"
    one = colours(bars(timeline(cluster_offline()).axes[0])[0])
    two = colours(bars(timeline(cluster_offline(timeout=False)).axes[0])[0])
    assert one == two


def test_time_units_follow_the_range():
    """ms below 2 s, s below 2 min, min below 2 h, then hours."""
    assert [time_unit(x)[0] for x in (10, 1999, 2000, 119_999, 120_000, 7_199_999, 7_200_000)] == [
        "ms",
        "ms",
        "s",
        "s",
        "min",
        "min",
        "h",
    ]


def test_draws_into_a_given_axes_and_leaves_pyplot_alone():
    """ax= puts the timeline in the caller's figure; no pyplot figure is opened."""
    before = plt.get_fignums()
    fig = Figure()
    ax = fig.add_subplot()
    assert timeline(nspv2_session(), ax=ax, legend=False, labels=False) is fig
    assert ax.get_legend() is None and "NSPv2Startup" not in texts(ax)
    assert plt.get_fignums() == before


def test_subjects_pick_lanes_and_cursor_line():
    """subjects= orders and filters lanes; at= draws a cursor line."""
    fig = timeline(nspv2_session(), subjects=["lookup:0x1001"], at=3.0)
    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lookup:0x1001"]
    assert "NSPv2Startup" not in texts(ax)
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[3.0, 3.0]]


def test_trace_strings_are_text_not_mathtext():
    """Dollars and backslashes in subjects and names render as typed (no mathtext parse errors)."""
    tracer = make_tracer()
    subject = r"$\frac{Disk$"
    tracer.record(
        Kind.STATE,
        "_odd$state",
        actor="rhs",
        subject=subject,
        state=(None, "_odd$state"),
        t=0,
        evidence="documented",
    )
    tracer.record(Kind.CALL, r"$\alpha$", actor="rhs", subject=subject, t=1, evidence="documented")
    fig = timeline(tracer.trace)
    fig.savefig(io.BytesIO(), format="png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"\$\frac{Disk\$"]
    assert r"$\alpha$" in texts(ax)
    assert ax.get_legend().get_texts()[0].get_text() == r" _odd\$state"
    assert all(not t.get_usetex() for t in ax.texts)


def test_labels_never_overlap_and_are_thinned():
    """Hundreds of calls: at most 150 labels, none overlapping another in the drawn figure."""
    tracer = make_tracer()
    for k in range(400):
        call = tracer.record(
            Kind.CALL,
            "SetResourceStatusEx",
            actor="worker:1",
            subject=f"R{k % 3}",
            t=k,
            evidence="documented",
        )
        tracer.record(
            Kind.RETURN,
            "SetResourceStatusEx",
            actor="rhs",
            subject=f"R{k % 3}",
            span=call.span,
            t=k,
            evidence="documented",
        )
    fig = timeline(tracer.trace)
    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    labels = [t for t in ax.texts if t.get_text() == "SetResourceStatusEx"]
    assert 3 <= len(labels) <= 150
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
    assert overlaps == []


@pytest.mark.parametrize("n", [20_000])
def test_many_intervals_use_a_handful_of_artists(n):
    """Tens of thousands of intervals become one PolyCollection, not one artist per bar."""
    tracer = make_tracer()
    names = ("ClusterResourceOnline", "ClusterResourceOfflinePending", "ClusterResourceOffline")
    for k in range(n):
        subject = f"R{k % 50}"
        old = names[(k - 50) % 3] if k >= 50 else None
        tracer.record(
            Kind.STATE,
            names[k % 3],
            actor="rhs",
            subject=subject,
            state=(old, names[k % 3]),
            t=k,
            evidence="documented",
        )
    fig = timeline(tracer.trace)
    ax = fig.axes[0]
    [states] = bars(ax)
    assert len(states.get_paths()) == n
    assert len(ax.patches) == 0 and len(ax.collections) <= 8
    assert len(ax.texts) <= 350


def test_calls_and_faults_without_subject_get_their_own_lane():
    """Nothing is dropped: an empty subject is drawn on a last lane named '(no subject)'."""
    tracer = make_tracer()
    tracer.record(
        Kind.STATE,
        "Online",
        actor="rcm",
        subject="group:G",
        state=(None, "Online"),
        t=0,
        evidence="documented",
    )
    tracer.record(
        Kind.FAULT, "UserCodeRaised", actor="rhs", args={"rule": "Startup raised"}, t=1, evidence="documented"
    )
    ax = timeline(tracer.trace).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["group:G", "(no subject)"]
    assert "UserCodeRaised" in texts(ax)
    assert "fault" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("width", [7.0, 9.0, 11.0])
@pytest.mark.parametrize("dpi", [80, 100])
def test_marker_labels_keep_apart_once_drawn(width, dpi):
    """Measured on the drawn figure, beside a long legend, labels keep at least 2 pixels apart (the
    explorers draw at 80 dpi, notebooks at 100)."""
    from labkit import cluster

    run = cluster.simulate("move-busy-dll-no-queue", flags="QUEUE_ENABLED", os="2012")
    fig = timeline(run.trace, width=width)
    fig.set_dpi(dpi)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    [ax] = fig.axes
    rows = {}  # a row of labels: its y in data units → the labels' pixel boxes
    for text in ax.texts:
        if text.get_fontsize() == 7.0 and text.get_va() != "center":  # not the state names inside bars
            rows.setdefault(text.get_position()[1], []).append(text.get_window_extent(renderer).padded(1))
    close = [
        (a, b) for row in rows.values() for i, a in enumerate(row) for b in row[i + 1 :] if a.overlaps(b)
    ]
    assert sum(map(len, rows.values())) > 10 and close == []


def test_health_checks_are_thin_unlabelled_ticks_and_monitors_are_lanes():
    """A health run: every TRUE poll is one thin tick, each FALSE answer a red one, none labelled; the
    monitor is a lane of its own with its RESOURCE_MONITOR_STATE bars; hours read in h / min."""
    from labkit import cluster
    from labkit.views.plots.style import FAULT_COLOUR, HEALTH_COLOUR

    trace = cluster.simulate("retry-after-failure-period").trace
    ax = timeline(trace).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["monitor:1", "Disk", "group:SqlGroup"]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]

    def segments(colour, width):
        found = [c for c in lines if colours_of(c) == [to_rgba(colour)] and c.get_linewidths()[0] == width]
        return sum(len(c.get_segments()) for c in found)

    answers = [e.result for e in trace if e.kind == "return" and e.name in ("LooksAlive", "IsAlive")]
    assert segments(HEALTH_COLOUR, 0.5) == answers.count(1) > 300
    assert segments(FAULT_COLOUR, 1.6) == answers.count(0) == 8
    assert not {"LooksAlive", "IsAlive"} & set(texts(ax))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"health check (LooksAlive / IsAlive)", "health check answered FALSE", "RmonIdle"} <= set(legend)
    assert ax.get_xlabel() == "virtual time (min)"


def colours_of(collection):
    return [tuple(c) for c in collection.get_colors()]
