"""The rendered site: pages for notebooks and the documents they link, local assets only, safe rebuilds."""

import base64
import hashlib

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from labkit.exceptions import SiteBuildError
from labkit.lab import notebooks, site
from labkit.lab.site import Page
from tests.lab import FIXTURES, LAB, ROOT, executed, site_assets


@pytest.fixture
def project(tmp_path):
    """A small project: two notebooks, a picture, and two markdown documents that link back."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "docs").mkdir()
    first = new_notebook(
        cells=[
            new_markdown_cell("# First\n\nIntro para *with* `code`.\n\nMore."),
            new_markdown_cell(
                "[second](02-Second.ipynb#part) [guide](../docs/guide.md) ![pic](pic.png) [web](https://example.org)"
            ),
            new_code_cell("1 + 1"),
        ]
    )
    nbformat.write(first, root / "notebooks" / "01-First.ipynb")
    second = new_notebook(cells=[new_markdown_cell("# Second\n\nSee [first](01-First.ipynb).")])
    nbformat.write(second, root / "notebooks" / "02-Second.ipynb")
    (root / "notebooks" / "pic.png").write_bytes(b"\x89PNG")
    (root / "docs" / "guide.md").write_text(
        "# The guide\n\nBack to [first](../notebooks/01-First.ipynb), [more](more.md)."
    )
    (root / "docs" / "more.md").write_text("No heading here.")
    return root


def build(root, out, *names):
    paths = [root / "notebooks" / name for name in names]
    return site.build_site({p: notebooks.read(p) for p in paths}, out, assets=site_assets(), root=root)


CONTENT_LINKS = "main a:not(.labkit-top a, .labkit-bottom a, .anchor-link)"
"""Links of a page's content, not of its navigation."""


def links(page, selector, attribute):
    soup = BeautifulSoup(page.read_text(), features="html.parser")
    return [element[attribute] for element in soup.select(selector)]


def test_pages_files_and_rewritten_links(project, tmp_path):
    """Notebooks and linked documents get pages; links point at pages; other linked files are copied."""
    out = tmp_path / "site"
    pages = build(project, out, "01-First.ipynb", "02-Second.ipynb")
    assert pages == [
        Page("notebooks/01-First.html", "First", "notebooks/01-First.ipynb"),
        Page("notebooks/02-Second.html", "Second", "notebooks/02-Second.ipynb"),
        Page("docs/guide.html", "The guide", "docs/guide.md"),
        Page("docs/more.html", "more", "docs/more.md"),
    ]
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [f for f in files if not f.startswith("_static/")] == [
        ".labkit-site",
        "docs/guide.html",
        "docs/more.html",
        "index.html",
        "notebooks/01-First.html",
        "notebooks/01-First.ipynb",
        "notebooks/02-Second.html",
        "notebooks/02-Second.ipynb",
        "notebooks/pic.png",
        "search-index.js",
        "search.html",
    ]
    assert {"_static/requirejs/require.js", "_static/html-manager/dist/embed-amd.js"} <= set(files)
    first = out / "notebooks" / "01-First.html"
    assert links(first, CONTENT_LINKS, "href") == [
        "02-Second.html#part",
        "../docs/guide.html",
        "https://example.org",
    ]
    assert links(first, "main img", "src") == ["pic.png"]
    assert links(first, ".labkit-top a", "href") == ["../index.html", "02-Second.html", "01-First.ipynb"]
    assert links(first, ".labkit-top form", "action") == ["../search.html"]
    assert links(first, "script[src]", "src") == ["../_static/requirejs/require.js"]
    assert links(out / "docs" / "guide.html", CONTENT_LINKS, "href") == [
        "../notebooks/01-First.html",
        "more.html",
    ]
    guide = out / "docs" / "guide.html"
    assert links(guide, ".labkit-top a", "href") == [
        "../index.html",
        "../notebooks/02-Second.html",
        "more.html",
    ]
    assert links(guide, ".labkit-bottom a", "href") == links(guide, ".labkit-top a", "href")


def test_index_lists_notebooks_with_their_intro_then_documents(project, tmp_path):
    """The index links every page; a notebook's entry carries its first paragraph as plain text."""
    out = tmp_path / "site"
    build(project, out, "01-First.ipynb", "02-Second.ipynb")
    index = BeautifulSoup((out / "index.html").read_text(), features="html.parser")
    assert [h.get_text() for h in index.select("h2")] == ["Notebooks", "Documents they link to"]
    assert [(a["href"], a.get_text()) for a in index.select("li a")] == [
        ("notebooks/01-First.html", "First"),
        ("notebooks/02-Second.html", "Second"),
        ("docs/guide.html", "The guide"),
        ("docs/more.html", "more"),
    ]
    assert [p.get_text() for p in index.select("li p")] == ["Intro para with code.", "See first."]
    assert site.external_references((out / "index.html").read_text()) == []


def test_a_broken_link_fails_the_build_and_keeps_the_previous_site(project, tmp_path):
    """A link to a missing file names page and link; the site built before is left as it was."""
    out = tmp_path / "site"
    build(project, out, "01-First.ipynb", "02-Second.ipynb")
    before = (out / "index.html").read_text()
    (project / "docs" / "more.md").unlink()
    with pytest.raises(SiteBuildError, match=r"^docs/guide.md: link more.md: points at a missing file$"):
        build(project, out, "01-First.ipynb", "02-Second.ipynb")
    assert (out / "index.html").read_text() == before


def test_a_link_outside_the_project_fails(project, tmp_path):
    """The site can only include files of the project."""
    (tmp_path / "outside.md").write_text("x")
    (project / "docs" / "more.md").write_text("[out](../../outside.md)")
    with pytest.raises(SiteBuildError, match=r"^docs/more.md: link ../../outside.md: points outside "):
        build(project, tmp_path / "site", "01-First.ipynb", "02-Second.ipynb")


def test_a_link_to_a_notebook_left_out_fails(project, tmp_path):
    """Every linked notebook must be part of a whole site, or its link would be dead."""
    with pytest.raises(
        SiteBuildError, match=r"^notebooks/01-First.ipynb: link 02-Second.ipynb: that notebook is not part"
    ):
        build(project, tmp_path / "site", "01-First.ipynb")


def test_a_partial_site_turns_links_to_notebooks_left_out_into_text(project, tmp_path):
    """A subset of the lab builds: the link's words stay, marked as left out; the index says so."""
    out = tmp_path / "site"
    path = project / "notebooks" / "01-First.ipynb"
    pages = site.build_site(
        {path: notebooks.read(path)}, out, assets=site_assets(), root=project, partial=True
    )
    assert [p.path for p in pages] == ["notebooks/01-First.html", "docs/guide.html", "docs/more.html"]
    first = out / "notebooks" / "01-First.html"
    assert links(first, CONTENT_LINKS, "href") == ["../docs/guide.html", "https://example.org"]
    soup = BeautifulSoup(first.read_text(), features="html.parser")
    assert [(s.get_text(), s["title"]) for s in soup.select(".labkit-left-out")] == [
        ("second", "not part of this build of the site")
    ]
    index = BeautifulSoup((out / "index.html").read_text(), features="html.parser")
    assert "holds 1 of the lab's notebooks" in index.select_one(".note").get_text()


def test_a_folder_that_is_not_a_site_is_never_replaced(project, tmp_path):
    """Pointing --out at a folder with other files refuses instead of deleting them."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(SiteBuildError, match="is not a labkit site: refusing to replace it"):
        build(project, out, "01-First.ipynb", "02-Second.ipynb")
    assert (out / "thesis.tex").read_text() == "years of work"


def test_external_references_are_loads_not_links():
    """Remote scripts, styles, images and CSS urls are found; ordinary links and local files are not."""
    page = """<html><head>
    <script src="https://cdn.example/require.js"></script><script src="_static/local.js"></script>
    <link rel="stylesheet" href="//fonts.example/css"><style>@import "https://x.example/a.css";
    .a { background: url('http://img.example/b.png') } .b { background: url(local.png) }</style>
    </head><body><a href="https://example.org">docs</a><img src="data:image/png;base64,AAAA">
    <div style="background-image: url(https://img.example/c.png)"></div><iframe src="https://v.example"></iframe>
    </body></html>"""
    assert site.external_references(page) == [
        "https://cdn.example/require.js",
        "//fonts.example/css",
        "https://v.example",
        "https://x.example/a.css",
        "http://img.example/b.png",
        "https://img.example/c.png",
    ]


def test_integrity_mismatch_is_refused():
    """A tarball that is not byte for byte the pinned release is rejected, naming both digests."""
    good = b"tarball"
    asset = site.Asset(
        "pkg", "1.0.0", "sha512-" + base64.b64encode(hashlib.sha512(good).digest()).decode(), (), "pkg", "x"
    )
    site.check_integrity(good, asset)
    with pytest.raises(SiteBuildError, match=r"^pkg@1.0.0: the downloaded tarball has integrity sha512-"):
        site.check_integrity(b"tampered", asset)


def test_fetching_needs_npm_only_for_missing_assets(tmp_path, monkeypatch):
    """Without npm, fetching says how to get it; assets already unpacked need no npm at all."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SiteBuildError, match=r"npm is needed once .*apt-get install -y npm"):
        site.fetch_assets(tmp_path / "cache")
    assert site.missing_assets(tmp_path / "cache") == list(site.ASSETS)
    assert site.fetch_assets(site_assets()) == site_assets()


def test_the_lab_site_loads_nothing_remote_and_embeds_widget_state(tmp_path):
    """Every notebook of the lab and the widget fixture render; widget pages point at the local manager."""
    pages = site.build_site({p: executed(p) for p in LAB + FIXTURES}, tmp_path / "site", assets=site_assets())
    paths = [page.path for page in pages]
    expected = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in LAB + FIXTURES]
    assert paths[: len(expected)] == expected
    for page in pages:
        text = (tmp_path / "site" / page.path).read_text()
        assert (page.path, site.external_references(text)) == (page.path, [])
    sources = BeautifulSoup((tmp_path / "site" / "docs" / "sources.html").read_text(), features="html.parser")
    anchors = {element["id"] for element in sources.select("[id]")}
    for page in pages:
        soup = BeautifulSoup((tmp_path / "site" / page.path).read_text(), features="html.parser")
        here = (tmp_path / "site" / page.path).parent
        cited = [a["href"] for a in soup.select("a[href*='sources.html#']")]
        targets = {((here / href.partition("#")[0]).resolve(), href.partition("#")[2]) for href in cited}
        assert {
            t for t in targets if t[0] != (tmp_path / "site" / "docs" / "sources.html").resolve()
        } == set()
        assert {fragment for _, fragment in targets} <= anchors, page.path
        if page.path != "docs/sources.html":
            assert [
                a.get_text()
                for a in soup.select(".labkit-top a")
                if a["href"].endswith("sources.html") and a.get("rel") not in (["prev"], ["next"])
            ] == ["sources"]  # the sources link of every page (the page before it also links it as "next")
    widget_page = (tmp_path / "site" / "tests" / "notebooks" / "widget-checkbox.html").read_text()
    assert "var widgetRendererSrc = '../../_static/html-manager/dist/embed-amd.js';" in widget_page
    assert widget_page.count('<script type="application/vnd.jupyter.widget-view+json">') == 1
    assert widget_page.count('<script type="application/vnd.jupyter.widget-state+json">') == 1


def test_command_line_names_a_missing_notebook(tmp_path, capsys):
    """`python -m labkit.lab.site build` with a wrong path: one line naming it, exit code 2, no traceback."""
    missing = tmp_path / "nope.ipynb"
    args = ["--assets", str(site_assets()), "build", "--out", str(tmp_path / "site"), str(missing)]
    assert site.main(args) == 2
    assert capsys.readouterr().err == f"labkit.lab.site: error: {missing}: No such file or directory\n"


def test_an_intro_keeps_the_underscores_of_sdk_names():
    """Emphasis and code marks go, but ERROR_IO_PENDING, CLUS_RESDLL_OFFLINE_* and trace_path stay whole."""
    text = (
        "`CLUS_RESDLL_OFFLINE_*` and *these* **two**, _not_ snake_case: `ERROR_IO_PENDING`, [trace_path](x)."
    )
    nb = new_notebook(cells=[new_markdown_cell(f"# Title\n\n{text}\n\nSecond paragraph.")])
    expected = "CLUS_RESDLL_OFFLINE_* and these two, not snake_case: ERROR_IO_PENDING, trace_path."
    assert site.intro(nb) == expected
