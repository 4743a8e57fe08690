"""labkit.views gathers the user-facing calls, and only ones that exist."""

from labkit import views
from labkit.readback import replay
from labkit.trace import checks
from labkit.views import plots, tables
from tests.traces import cluster_offline


def test_views_exposes_the_layers_functions():
    """Each name is the layer's own function; __all__ is sorted and complete."""
    assert views.__all__ == sorted(views.__all__)
    assert views.timeline is plots.timeline and views.state_table is tables.state_table
    assert views.replay is replay.replay and views.violations is checks.violations
    assert all(callable(getattr(views, name)) for name in views.__all__)


def test_views_in_a_few_lines():
    """The module docstring's example: states at a moment, the table, the figure."""
    trace = cluster_offline()
    assert views.replay(trace).cursor().seek_time(1500).states == {
        "group:SQL": "Moving",
        "Disk": "ClusterResourceOfflinePending",
    }
    assert views.state_table(trace)["state"].tolist()[-1] == "Offline"
    assert [t.get_text() for t in views.timeline(trace).axes[0].get_yticklabels()] == ["group:SQL", "Disk"]
