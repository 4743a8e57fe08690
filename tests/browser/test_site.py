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
DRAWN = "pictures => pictures.filter(p => p.getBoundingClientRect().width > 0).length"


def figures(nb):
    """How many images a notebook's outputs hold, the saved state of its Output widgets included."""
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}).values()
    outputs += [o for m in models if m["model_name"] == "OutputModel" for o in m["state"].get("outputs", [])]
    return sum(any(mime.startswith("image/") for mime in output.get("data", {})) for output in outputs)


def explorer_pictures(nb):
    """How many explorer pictures (SVG in an HTML widget) the notebook's saved widget state holds."""
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}).values()
    return sum(
        m["model_name"] == "HTMLModel" and 'class="labkit-picture ' in m["state"].get("value", "")
        for m in models
    )


def widget_views(nb):
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in outputs)


@pytest.fixture(scope="module")
def lab_site(tmp_path_factory, chromium):
    """The site of every lab notebook and the widget fixture, built once for this module."""
    notebooks = {path: executed(path) for path in LAB + FIXTURES}
    out = tmp_path_factory.mktemp("rendered") / "site"
    pages = site.build_site(notebooks, out, assets=site_assets())
    expected = {page.path: (0, 0, 0) for page in pages}  # linked markdown documents: no outputs
    for nb, page in zip(notebooks.values(), pages, strict=False):  # notebook pages come first, in order
        expected[page.path] = (figures(nb), widget_views(nb), explorer_pictures(nb))
    return out, pages, expected


def test_every_page_shows_figures_and_widgets_offline(lab_site, page, guard, tmp_path):
    """Each page loads only files of the site; its figures have pixels; its widget areas are rendered, the
    explorers' pictures drawn."""
    out, pages, expected = lab_site
    seen = {}
    for entry in pages:
        page.goto((out / entry.path).as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function(ALL_RENDERED, arg=WIDGET_AREAS)
        page.screenshot(path=tmp_path / f"{entry.path.replace('/', '_')}.png", full_page=True)
        images = page.locator("main .jp-OutputArea-output img").evaluate_all(LOADED)
        pictures = page.locator("main .labkit-picture svg").evaluate_all(DRAWN)
        seen[entry.path] = (images, page.locator(WIDGET_AREAS).evaluate_all(VISIBLE), pictures)
    assert seen == expected
    assert sum(pictures for _, _, pictures in expected.values()) >= 5  # 01, 02, 03, 05, 06 and the fixture
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


NOTHING_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const pushed = [];
  for (const table of document.querySelectorAll('table')) {
    const right = table.getBoundingClientRect().right;
    let box = table.parentElement, fits = right <= width;
    while (!fits && box) {  // a table may be wider than the page only inside a box that scrolls
      const style = getComputedStyle(box);
      fits = ['auto', 'scroll'].includes(style.overflowX) && box.getBoundingClientRect().right <= width;
      box = box.parentElement;
    }
    if (!fits) pushed.push((table.closest('.jp-Cell') || {}).id || 'page');
  }
  return {page: document.documentElement.scrollWidth - width, pushed};
}"""
FONT_OF = "element => getComputedStyle(element).fontFamily"
ALIGNMENT = """tables => tables.flatMap(table => [...table.querySelectorAll('tbody td')].map(
  td => [td.classList.contains('num'), getComputedStyle(td).textAlign]))"""


def test_at_a_1024_px_projector_no_table_pushes_the_page_sideways(lab_site, chromium, guard):
    """Every page at 1 024 px: the page is no wider than the window; a wide table scrolls in its box."""
    out, pages, _ = lab_site
    context = chromium.new_context(viewport={"width": 1024, "height": 768})
    guard.install(context)
    page = context.new_page()
    seen = {}
    for entry in [*pages, site.Page("index.html", "", ""), site.Page("search.html", "", "")]:
        page.goto((out / entry.path).as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function(ALL_RENDERED, arg=WIDGET_AREAS)
        seen[entry.path] = page.evaluate(NOTHING_SIDEWAYS)
    context.close()
    assert {path: found for path, found in seen.items() if found != {"page": 0, "pushed": []}} == {}
    assert guard.blocked == []


def test_widgets_and_tables_read_like_the_page(lab_site, page):
    """The flag explorer's controls and table use the page's sans-serif font; text cells are left-aligned,
    numbers right-aligned."""
    out, _, _ = lab_site
    page.goto((out / "notebooks" / "03-OfflineV2-Flag-Explorer.html").as_uri())
    page.wait_for_function(ALL_RENDERED, arg=WIDGET_AREAS)
    prose = page.locator(".jp-RenderedMarkdown p").first.evaluate(FONT_OF)
    widget_fonts = {
        page.locator(s).first.evaluate(FONT_OF) for s in (".widget-label", ".widget-html-content td")
    }
    assert "serif" not in prose.replace("sans-serif", "") and widget_fonts == {prose}
    cells = page.locator(".jp-OutputArea-output table").evaluate_all(ALIGNMENT)
    assert {(numeric, align) for numeric, align in cells} == {(True, "right"), (False, "left")}


def test_previous_and_next_walk_the_site_in_order_and_search_finds_a_flag(lab_site, page, guard):
    """From the first page, 'next' visits every page in the index's order; the search page lists the
    sections that mention QUEUE_ENABLED and links them."""
    out, pages, _ = lab_site
    page.goto((out / pages[0].path).as_uri())
    visited = [pages[0].path]
    while page.locator(".labkit-top a[rel=next]").count():
        page.locator(".labkit-top a[rel=next]").click()
        page.wait_for_load_state("load")
        visited.append(page.url.removeprefix(out.as_uri() + "/"))
    assert visited == [entry.path for entry in pages]
    page.locator(".labkit-top input[name=q]").fill("QUEUE_ENABLED move")
    page.locator(".labkit-top input[name=q]").press("Enter")
    page.locator("#results .hit").first.wait_for()
    hits = page.locator("#results .hit a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "notebooks/03-OfflineV2-Flag-Explorer.html#One-flag,-one-difference" in hits
    assert page.locator("#summary").inner_text() == f"{len(hits)} sections match"
    assert guard.blocked == []
