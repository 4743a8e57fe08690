"""The site as a reader uses it: solutions left out, tables that fit, a search, and builds that reuse what
they ran and print no kernel noise."""

import json
import subprocess
import sys

import nbformat
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from labkit.lab import notebooks, site
from labkit.lab.site import cache
from labkit.lab.site.tidy import tidy_tables, tidy_widget_state, without_solutions
from tests.lab import LAB, ROOT, executed, site_assets

SOLUTION = {"tags": ["solution"]}


def exercise():
    cells = [
        new_markdown_cell("# Exercise\n\nTry it."),
        new_code_cell("answer = 41"),
        new_markdown_cell("The solution:", metadata=SOLUTION),
        new_code_cell("print('SECRET', answer + 1)", metadata=SOLUTION),
        new_markdown_cell("Part two."),
        new_code_cell("print('ALSO SECRET')", metadata=SOLUTION),
    ]
    return new_notebook(cells=cells)


def test_solutions_are_left_out_unless_asked_for():
    """Each run of solution cells becomes one note; the notebook itself is not changed."""
    nb = exercise()
    shown = without_solutions(nb)
    assert [c.source[:16] for c in shown.cells] == [
        "# Exercise\n\nTry ",
        "answer = 41",
        "*The reference s",
        "Part two.",
        "*The reference s",
    ]
    assert "make docs SOLUTIONS=1" in shown.cells[2].source
    assert len(nb.cells) == 6 and without_solutions(shown) is shown


def test_the_site_of_notebook_07_has_no_solution_by_default(tmp_path):
    """The page and the downloadable notebook of 07 leave the reference solutions out; with solutions=True
    both carry them."""
    path = next(p for p in LAB if p.name.startswith("07-"))
    nb = executed(path)
    assert "class ReferenceDirectory" in json.dumps(nb)
    for solutions, out in ((False, tmp_path / "students"), (True, tmp_path / "trainer")):
        site.build_site({path: nb}, out, assets=site_assets(), solutions=solutions, partial=True)
        page = (out / "notebooks" / f"{path.stem}.html").read_text()
        saved = (out / "notebooks" / path.name).read_text()
        assert ("ReferenceDirectory" in page, "ReferenceDirectory" in saved) == (solutions, solutions)
        assert ("reference solution is not part of this site" in page) is not solutions


def test_tables_get_short_flag_names_with_a_legend_left_text_and_right_numbers():
    """One tidy pass: prefixes out (and said so), numbers right, words may wrap after _ and |, a box."""
    soup = BeautifulSoup(
        "<table><thead><tr><th>name</th><th>flags</th><th>n</th></tr></thead><tbody>"
        "<tr><td>VM</td><td>CLUS_RESDLL_OFFLINE_QUEUE_ENABLED|CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS</td>"
        "<td>1500.0</td></tr><tr><td>Disk_1</td><td>0</td><td>7</td></tr></tbody></table>",
        features="html.parser",
    )
    tidy_tables(soup)
    soup = BeautifulSoup(str(soup), features="html.parser")  # as a browser reads it
    box = soup.select_one("div.labkit-table")
    assert box.table is not None and box.find_next_sibling("p")["class"] == ["labkit-legend"]
    assert box.find_next_sibling("p").get_text() == (
        "Flag names are shown without their CLUS_RESDLL_OFFLINE_ prefix "
        "(QUEUE_ENABLED is CLUS_RESDLL_OFFLINE_QUEUE_ENABLED)."
    )
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")]
    assert rows == [["VM", "QUEUE_ENABLED|IGNORE_RESOURCE_STATUS", "1500.0"], ["Disk_1", "0", "7"]]
    assert [th.get("class") for th in soup.select("th")] == [None, None, ["num"]]
    assert [td.get("class") for td in soup.select("tbody tr")[0].select("td")] == [None, None, ["num"]]
    assert str(soup.select("td")[1]).count("<wbr/>") == 4


def test_widget_tables_are_set_out_like_the_page():
    """Tables inside saved HTML widgets get the same treatment; other widget state is left alone."""
    state = {
        "a": {
            "model_name": "HTMLModel",
            "state": {"value": "<table><tr><td>CLUS_RESDLL_OFFLINE_QUEUE_ENABLED</td></tr></table>"},
        },
        "b": {"model_name": "CheckboxModel", "state": {"value": True}},
    }
    nb = new_notebook(metadata={"widgets": {site.tidy.WIDGET_STATE: {"state": state}}})
    shown = tidy_widget_state(nb)["metadata"]["widgets"][site.tidy.WIDGET_STATE]["state"]
    assert shown["a"]["state"]["value"].startswith(
        '<div class="labkit-table"><table><tr><td>QUEUE_<wbr/>ENABLED'
    )
    assert shown["b"] == state["b"] and state["a"]["state"]["value"].startswith("<table>")


def test_the_search_index_has_every_headed_section(tmp_path):
    """One entry per heading of every page, with the page's text; the search page reads it offline."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Alpha\n\nFirst words.\n\n## Beta part\n\nQUEUE_ENABLED here."),
            new_code_cell("1"),
        ]
    )
    nbformat.write(nb, root / "notebooks" / "01-A.ipynb")
    out = tmp_path / "site"
    site.build_site({root / "notebooks" / "01-A.ipynb": nb}, out, assets=site_assets(), root=root)
    script = (out / "search-index.js").read_text()
    assert script.startswith("window.LABKIT_SEARCH = ")
    entries = json.loads(script.removeprefix("window.LABKIT_SEARCH = ").rstrip(";\n"))
    assert [(e["page"], e["heading"], e["url"]) for e in entries] == [
        ("Alpha", "Alpha", "notebooks/01-A.html#Alpha"),
        ("Alpha", "Beta part", "notebooks/01-A.html#Beta-part"),
    ]
    assert "QUEUE_ENABLED here." in entries[1]["text"]
    page = BeautifulSoup((out / "search.html").read_text(), features="html.parser")
    assert [s.get("src") for s in page.select("script")] == ["search-index.js", None]


def test_executed_notebooks_are_reused_until_an_input_changes(tmp_path, monkeypatch):
    """Same notebook, same labkit, same data: reused. A changed notebook or data file: run again."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "x.txt").write_text("1")
    path = root / "notebooks" / "nb.ipynb"
    nbformat.write(
        new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("print(open('../data/x.txt').read())")]),
        path,
    )
    runs = []
    real = notebooks.execute
    monkeypatch.setattr(notebooks, "execute", lambda *a, **k: runs.append(a[0]) or real(*a, **k))
    store = tmp_path / "cache"
    first, reused = cache.executed(path, root, store)
    assert (reused, first.cells[1].outputs[0]["text"]) == (False, "1\n")
    assert cache.executed(path, root, store)[1] is True
    (root / "data" / "x.txt").write_text("2")
    again, reused = cache.executed(path, root, store)
    assert (reused, again.cells[1].outputs[0]["text"]) == (False, "2\n")
    assert len(runs) == 2 and len(list(store.iterdir())) == 1
    assert cache.executed(path, root, None)[1] is False and len(runs) == 3


def test_a_subset_build_runs_quietly_and_reuses_its_runs(tmp_path):
    """`python -m labkit.lab.site build NOTEBOOK`: one line per notebook, nothing on stderr (no kernel
    warning), a second build reuses the run."""
    command = [
        sys.executable,
        "-m",
        "labkit.lab.site",
        "--assets",
        str(site_assets()),
        "build",
        "--out",
        str(tmp_path / "site"),
        "--cache",
        str(tmp_path / "cache"),
        str(ROOT / "notebooks" / "00-Contents.ipynb"),
    ]
    for word in ("ran", "reused"):
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.splitlines()[0] == f"{word} notebooks/00-Contents.ipynb"
    contents = BeautifulSoup(
        (tmp_path / "site" / "notebooks" / "00-Contents.html").read_text(), features="html.parser"
    )
    assert len(contents.select(".labkit-left-out")) == len(LAB) - 1
