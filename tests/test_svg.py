"""The explorers' SVG pictures: the same scene as the matplotlib timeline, text as text, ids of their own."""

from pathlib import Path

from bs4 import BeautifulSoup

from labkit import cluster, clusterlog, read_trace
from labkit.trace import Kind
from labkit.views.plots import timeline
from labkit.views.plots.scene import timeline_scene
from labkit.views.svg import timeline_svg
from tests.conftest import make_tracer


def svg_of(scene, **kwargs):
    return BeautifulSoup(timeline_svg(scene, **kwargs).html(), "html.parser")


def test_the_svg_names_the_lanes_labels_and_legend_the_matplotlib_timeline_shows():
    """Same lanes, same legend entries, same axis label; the labels placed are among the figure's."""
    trace = cluster.simulate("move-busy-dll", flags="QUEUE_ENABLED").trace
    ax = timeline(trace).axes[0]
    svg = svg_of(timeline_scene(trace))
    texts = [t.get_text() for t in svg.find_all("text")]
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t for t in texts if t in lanes] == lanes
    assert texts[-len(legend) :] == legend  # the legend is drawn last
    assert ax.get_xlabel() in texts and "ClusterResourceOnline / ClusterGroupOnline" in legend
    assert {"MoveClusterGroupEx", "ERROR_CLUSTER_GROUP_BUSY", "ERROR_SUCCESS"} <= set(texts)


def test_names_are_text_and_ids_stay_with_their_picture():
    """A subject written as markup is one text node; two pictures on a page never share a clip path."""
    tracer = make_tracer()
    evil = "<script>alert(1)</script>$x$"
    tracer.record(
        Kind.STATE,
        "ClusterResourceOnline",
        actor="rhs",
        subject=evil,
        state=(None, "ClusterResourceOnline"),
        t=0,
        evidence="documented",
    )
    tracer.record(
        Kind.STATE,
        "ClusterResourceOffline",
        actor="rhs",
        subject=evil,
        state=("ClusterResourceOnline", "ClusterResourceOffline"),
        t=10,
        evidence="documented",
    )
    one = svg_of(timeline_scene(tracer.trace))
    assert one.find_all("script") == [] and evil in [t.get_text() for t in one.find_all("text")]
    assert "mathjax_ignore" in one.find("div")["class"]
    two = svg_of(timeline_scene(cluster.simulate("plain-offline").trace))
    ids = [c["id"] for c in one.find_all("clippath")], [c["id"] for c in two.find_all("clippath")]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]
    assert one.find("g")["clip-path"] == f"url(#{ids[0][0]})"


def test_an_imported_trace_reads_the_logs_wall_clock():
    """Ticks at times of day of the log's clock, and the axis says which clock and day."""
    trace = clusterlog.read([Path("data/clusterlogs/ag-move")])
    texts = [t.get_text() for t in svg_of(timeline_scene(trace)).find_all("text")]
    assert "wall clock (UTC), 2024-03-14" in texts and "09:15:01" in texts


def test_many_lanes_get_thinner_and_lose_their_labels():
    """156 lanes fit in at most 16 inches of lanes; lanes that thin carry no labels (as in matplotlib)."""
    trace = read_trace("data/traces/nspv2-many-clients.jsonl")
    picture = timeline_svg(timeline_scene(trace))
    assert picture.frame.height <= 16 * 96 + picture.frame.lane and picture.frame.lane < 0.45 * 96
    assert "NSPv2LookupServiceBegin" not in [
        t.get_text() for t in svg_of(timeline_scene(trace)).find_all("text")
    ]
