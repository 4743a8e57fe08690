"""Names users choose show as text everywhere labkit displays them: HTML outputs, DataFrames, widget values
and pictures. Each HTML producer is fed the hostile scenarios of `tests.hostile` and its output parsed:
no element or event-handler attribute came from a name, every name is in the text, and every ``$`` sits
inside an element MathJax skips (JupyterLab would otherwise typeset ``$\\alpha$`` as a Greek letter)."""

import re
import subprocess
import sys

import matplotlib.cbook
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from matplotlib.figure import Figure
from matplotlib.text import Text

from labkit import cluster, read_frame, views
from labkit.explore import figure_png
from labkit.lab.exercises import Source
from labkit.views.tables import to_markdown
from labkit.widgets import (
    OfflineFlagExplorer,
    SessionExplorer,
    TraceReplayer,
    labelled,
    table_html,
    text_html,
)
from tests import hostile
from tests.hostile import DLL_NAME, GROUP, IMG, MATH, NODES, PAYLOADS, PROVIDER, QUOTE, RESOURCE, SCRIPT

NO_MATH = {"mathjax_ignore", "tex2jax_ignore"}
INJECTED = ["script", "img", "svg", "iframe", "object", "embed"]


def assert_literal(markup, *names):
    """``markup`` has no element or handler a name could have made, shows each of ``names`` as text, and
    keeps every ``$`` away from MathJax."""
    soup = BeautifulSoup(markup, "html.parser")
    assert soup.find_all(INJECTED) == []
    handlers = [(tag.name, a) for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
    assert handlers == []
    text = soup.get_text()
    assert [n for n in names if n not in text] == []
    for dollar in soup.find_all(string=lambda s: "$" in s):
        assert any(NO_MATH & set(parent.get("class") or ()) for parent in dollar.parents), dollar


@pytest.fixture(scope="module")
def runs():
    return {"cluster": hostile.cluster_run(), "nspv2": hostile.nspv2_run()}


def test_the_hostile_names_reach_the_traces(runs):
    """The scenarios really carry the payloads: as subjects, node arguments, header params and logs."""
    offline, lookup = runs["cluster"].trace, runs["nspv2"].trace
    assert {RESOURCE, f"group:{GROUP}"} <= {e.subject for e in offline}
    assert {e.args.get("node") for e in offline} >= {NODES[0], NODES[1]}
    assert offline.header.params["dll"] == DLL_NAME
    assert lookup.header.scenario == f"{SCRIPT} {MATH}"
    assert f"provider:{PROVIDER}" in {e.subject for e in lookup}
    assert lookup.filter(name="ProviderLog")[0].args["text"] == " ".join(PAYLOADS)


def test_trace_and_run_html(runs):
    """Trace._repr_html_ and Run._repr_html_: the table of events, names and arguments as text."""
    offline, lookup = runs["cluster"], runs["nspv2"]
    for markup in (offline._repr_html_(), offline.trace._repr_html_()):
        assert_literal(markup, RESOURCE, f"group:{GROUP}", NODES[1])
    assert_literal(lookup._repr_html_(), f"{SCRIPT} {MATH}", f"provider:{PROVIDER}", QUOTE)


def test_diff_html(runs):
    """TraceDiff._repr_html_: the sentence, the first divergence and the changed outcome."""
    other = hostile.cluster_run(flags="DO_NOT_UPDATE_PERSISTENT_STATE")
    assert_literal(views.diff(runs["cluster"].trace, other.trace)._repr_html_(), RESOURCE)
    assert_literal(views.diff(runs["nspv2"].trace, runs["cluster"].trace)._repr_html_())


def test_source_html():
    """Source._repr_html_ (the exercises' solutions) shows code as code."""
    assert_literal(Source(" ".join(PAYLOADS))._repr_html_(), *PAYLOADS)


def frames(runs):
    offline, lookup = runs["cluster"].trace, runs["nspv2"].trace
    return {
        "events": offline.to_frame(),
        "states": views.state_table(offline),
        "calls": views.calls_table(offline),
        "faults": views.faults_table(lookup),
        "offline summary": views.summary(offline),
        "session summary": views.summary(lookup),
        "nspv2 events": lookup.to_frame(),
        "flag matrix": cluster.flag_matrix(hostile.CLUSTER, dll=hostile.HostileDll).head(4),
    }


def test_dataframe_html(runs):
    """Every table labkit makes renders escaped and without MathJax, in Jupyter and in widgets."""
    for name, frame in frames(runs).items():
        names = [RESOURCE] if name in ("events", "states", "calls", "offline summary") else []
        for markup in (frame._repr_html_(), frame.to_html(), table_html(frame)):
            assert_literal(markup, *names)
    states = views.state_table(runs["nspv2"].trace)
    assert_literal(states._repr_html_(), f"provider:{PROVIDER}")


def test_every_table_is_marked_for_mathjax_to_skip(runs, tmp_path):
    """Each table labkit makes keeps MathJax away by itself (its HTML and its Styler carry
    ``mathjax_ignore``) while pandas' global option stays as the user set it."""
    assert pd.get_option("display.html.use_mathjax") is True
    offline, lookup = runs["cluster"].trace, runs["nspv2"].trace
    tables = {
        **frames(runs),
        "flag guide": views.flag_guide(),
        "flag bits": views.flag_bits_table(),
        "changes": views.changes_table(views.diff(offline, hostile.cluster_run(flags="QUEUE_ENABLED").trace)),
        "views flag matrix": views.flag_matrix(hostile.CLUSTER, dll=hostile.HostileDll).head(2),
        "read back": read_frame(runs["cluster"].write(tmp_path / "t.jsonl")),
        "slice": views.state_table(lookup)[["subject", "state"]].head(3),
    }
    del tables[
        "flag matrix"
    ]  # labkit.cluster.flag_matrix: the simulator's frame, marked by the cluster package
    for name, frame in tables.items():
        for markup in (
            frame._repr_html_(),
            frame.to_html(),
            frame.style.to_html(),
            views.readable(frame).to_html(),
        ):
            assert set(BeautifulSoup(markup, "html.parser").table.get("class") or ()) >= NO_MATH, name
    plain = pd.DataFrame({"x": ["$x$"]})
    assert "mathjax_ignore" not in plain._repr_html_()  # the user's own frames are left alone


def test_importing_labkit_leaves_pandas_options_unchanged():
    """No labkit module changes a global pandas option on import (checked in a fresh interpreter)."""
    script = (
        "import pandas as pd\n"
        "def options():\n"
        "    return {k: repr(pd.get_option(k)) for k in pd._config.config._registered_options}\n"
        "before = options()\n"
        "import labkit, labkit.views, labkit.explore, labkit.widgets, labkit.cli\n"
        "import labkit.cluster, labkit.nspv2, labkit.lab.exercises\n"
        "import labkit.views.tables, labkit.views.export, labkit.views.plots\n"
        "after = options()\n"
        "print({k: (before.get(k), v) for k, v in after.items() if before.get(k) != v})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "{}"


def test_markdown_tables_keep_markup_out(runs):
    """labkit table --format md: no tag survives unescaped."""
    text = to_markdown(views.state_table(runs["cluster"].trace))
    assert re.findall(r"(?<!\\)[<>]", text) == []
    assert "\\<img src=x onerror=alert(1)\\>" in text


def test_widget_helpers():
    """The widgets' HTML pieces: a table, a sentence, a name with its tooltip."""
    assert_literal(table_html(pd.DataFrame({"name": list(PAYLOADS)})), *PAYLOADS)
    assert_literal(text_html(" ".join(PAYLOADS), error=True), *PAYLOADS)
    markup = labelled(IMG, QUOTE)
    assert_literal(markup, IMG)
    assert BeautifulSoup(markup, "html.parser").span["title"] == QUOTE


def widget_tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widget_tree(child)


def assert_widgets_literal(explorer, *names):
    """Every HTML value in the explorer is literal; no other widget reads its text as HTML."""
    values = [w.value for w in widget_tree(explorer) if type(w).__name__ == "HTML"]
    for value in values:
        assert_literal(value)
    assert_literal("".join(values), *names)
    assert [w for w in widget_tree(explorer) if getattr(w, "description_allow_html", False)] == []


def test_offline_explorer_with_hostile_names():
    """The offline explorer over a user's scenario and a DLL with a hostile name."""
    explorer = OfflineFlagExplorer(hostile.CLUSTER, dlls={DLL_NAME: hostile.HostileDll}, dll=DLL_NAME)
    assert explorer.dll.value == DLL_NAME
    assert_widgets_literal(explorer, RESOURCE)
    explorer.set_flags("DO_NOT_UPDATE_PERSISTENT_STATE")
    assert_widgets_literal(explorer, RESOURCE)
    assert DLL_NAME in explorer.last.title


def test_session_explorer_with_hostile_names():
    """The session explorer over a user's scenario: the provider's name is in the picture's title."""
    explorer = SessionExplorer(hostile.NSPV2)
    assert_widgets_literal(explorer, "session:101")
    assert explorer.last.title.startswith(f"{SCRIPT} {MATH} · {SCRIPT}Provider")


def test_replayer_with_a_hostile_file_name(runs, tmp_path):
    """The replayer lists and opens a trace whose file name and contents are hostile."""
    path = runs["cluster"].write(tmp_path / f"{MATH}{IMG}.jsonl")
    replayer = TraceReplayer(directory=tmp_path)
    assert replayer.file.options[1] == (path.name, str(path))
    replayer.slider.value = 5
    assert_widgets_literal(replayer, RESOURCE)
    assert replayer.last.title == f"{path.name} · {len(runs['cluster'].trace)} events"
    replayer.load(tmp_path / f"{IMG}-missing.jsonl")
    assert_literal(replayer.notice.value, IMG)


def shown(text):
    """What matplotlib draws for a Text: mathtext never, escaped dollars as dollars."""
    assert not text.get_usetex()
    value = text.get_text()
    if not text.get_parse_math():
        return value
    assert not matplotlib.cbook.is_math_text(value), value
    return value.replace("\\$", "$")


def drawn_texts(figure: Figure):
    figure_png(figure)  # tick labels and legends exist once the figure is drawn
    return [shown(t) for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def test_pictures_draw_names_as_text(runs):
    """Timelines, the session lifecycle, the flag matrix and the explorers' pictures: no mathtext."""
    offline, lookup = runs["cluster"].trace, runs["nspv2"].trace
    texts = drawn_texts(views.timeline(offline))
    assert RESOURCE in texts and f"group:{SCRIPT}…" in texts  # long lane names are cut
    texts = drawn_texts(views.timeline(lookup))
    assert f"provider:{MATH} <img src=x on…" in texts
    assert any(f"{SCRIPT} {MATH}" in t for t in texts)  # the default title names the scenario
    assert any(f"{SCRIPT} {MATH}" in t for t in drawn_texts(views.session_lifecycle(lookup)))
    matrix = cluster.flag_matrix(hostile.CLUSTER, dll=hostile.HostileDll)
    texts = drawn_texts(views.flag_matrix_figure(matrix, title=f"{MATH} flags"))
    assert {f"node: {NODES[1]}", f"{MATH} flags"} <= set(texts)  # a node in the legend, the title
    explorer = OfflineFlagExplorer(hostile.CLUSTER, dlls={DLL_NAME: hostile.HostileDll}, dll=DLL_NAME)
    view = explorer.model.view(explorer.choice)
    assert any(DLL_NAME in t for t in drawn_texts(view.figure))
