"""The rendered site in Chromium with the network blocked: only the site's own files load, every figure
shows, and every widget area holds the rendered widget."""

import pytest

from labkit.lab import site
from tests.lab import FIXTURES, LAB, executed, site_assets

pytestmark = pytest.mark.browser

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Each widget view nbconvert leaves is a div holding a JSON script; the widget manager renders beside it.
WIDGET_AREAS = "div.jupyter-widgets.jp-OutputArea-output"
ALL_RENDERED = (
    "areas => [...document.querySelectorAll(areas)].every(area => area.querySelector('.lm-Widget'))"
)
VISIBLE = (
    "areas => areas.filter(a => a.querySelector('.lm-Widget').getBoundingClientRect().height > 0).length"
)
LOADED = "images => images.filter(i => i.complete && i.naturalWidth > 0).length"


def figures(nb):
    """How many images a notebook's outputs hold, the saved state of its Output widgets included."""
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}).values()
    outputs += [o for m in models if m["model_name"] == "OutputModel" for o in m["state"].get("outputs", [])]
    return sum(any(mime.startswith("image/") for mime in output.get("data", {})) for output in outputs)


def widget_views(nb):
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in outputs)


@pytest.fixture(scope="module")
def lab_site(tmp_path_factory, chromium):
    """The site of every lab notebook and the widget fixture, built once for this module."""
    notebooks = {path: executed(path) for path in LAB + FIXTURES}
    out = tmp_path_factory.mktemp("rendered") / "site"
    pages = site.build_site(notebooks, out, assets=site_assets())
    expected = {page.path: (0, 0) for page in pages}  # linked markdown documents: no outputs
    for nb, page in zip(notebooks.values(), pages, strict=False):  # notebook pages come first, in order
        expected[page.path] = (figures(nb), widget_views(nb))
    return out, pages, expected


def test_every_page_shows_figures_and_widgets_offline(lab_site, page, guard, tmp_path):
    """Each page loads only files of the site; its figures have pixels; its widget areas are rendered."""
    out, pages, expected = lab_site
    seen = {}
    for entry in pages:
        page.goto((out / entry.path).as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function(ALL_RENDERED, arg=WIDGET_AREAS)
        page.screenshot(path=tmp_path / f"{entry.path.replace('/', '_')}.png", full_page=True)
        images = page.locator("main .jp-OutputArea-output img").evaluate_all(LOADED)
        seen[entry.path] = (images, page.locator(WIDGET_AREAS).evaluate_all(VISIBLE))
    assert seen == expected
    assert guard.blocked == []
    outside = [
        url
        for url in guard.requests
        if not url.startswith(out.as_uri() + "/") and not url.startswith("data:")
    ]
    assert outside == []


def test_the_index_links_every_page(lab_site, page, guard):
    """The index opens offline and links each page of the site, in order."""
    out, pages, _ = lab_site
    page.goto((out / "index.html").as_uri())
    assert page.locator("li a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        entry.path for entry in pages
    ]
    assert guard.blocked == []
