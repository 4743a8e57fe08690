"""Names that are attacks, in a real browser: the hostile-names fixture runs in JupyterLab and is opened as a
page of the rendered site. No dialog opens, no element or handler comes from a name, MathJax leaves the
names alone, and each shows as typed."""

import pytest

from labkit.lab import site
from tests.lab import ROOT, executed, site_assets

pytestmark = pytest.mark.browser

NOTEBOOK = "tests/notebooks/hostile-names.ipynb"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
MATH = "$\\alpha$"
DLL = f"{MATH} {SCRIPT} Dll"
INJECTED = """() => ({
    images: [...document.querySelectorAll('img')].filter(i => i.getAttribute('src') === 'x').length,
    scripts: [...document.querySelectorAll('script')]
        .filter(s => !(s.type || '').includes('json') && s.textContent.includes('alert(')).length,
    handlers: [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.startsWith('on') && a.value.includes('alert('))
    ).length,
})"""
TYPESET_CONTROL = "() => document.querySelectorAll('.typeset-control mjx-container').length === 1"
NOTHING_INJECTED = {"images": 0, "scripts": 0, "handlers": 0}
OUTPUTS = ".jp-OutputArea-output"


def dialogs_of(page):
    """Every alert, confirm or prompt the page opens from now on (each dismissed at once)."""
    opened = []

    def dismiss(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def shown_text(scope):
    """The text of every output, including the widgets' drop-down choices (whose spaces ipywidgets makes
    non-breaking)."""
    texts = scope.locator(OUTPUTS).all_inner_texts()
    texts += scope.locator(f"{OUTPUTS} select option").all_text_contents()
    return "\n".join(texts).replace("\xa0", " ")


def test_hostile_names_show_as_text_in_jupyterlab(page, open_notebook, guard, tmp_path):
    """Run all cells: nothing runs, nothing is injected, the names show as typed and MathJax, which does
    typeset the control output, leaves every name alone."""
    dialogs = dialogs_of(page)
    notebook = open_notebook(NOTEBOOK)
    notebook.run_all()
    page.screenshot(path=tmp_path / "hostile-names.png", full_page=True)
    page.wait_for_function(TYPESET_CONTROL)
    notebook.panel.locator(".widget-html table.dataframe").first.wait_for()
    assert dialogs == []
    assert page.evaluate(INJECTED) == NOTHING_INJECTED
    assert notebook.stdout() == [f"{IMG}\n{SCRIPT}\n{MATH}\n"]
    text = shown_text(notebook.panel)
    assert [name for name in (IMG, SCRIPT, f"{MATH} node1", f"{MATH} {IMG}", DLL) if name not in text] == []
    assert notebook.panel.locator(f"{OUTPUTS} mjx-container").count() == 1  # the control, nothing else
    assert guard.blocked == []


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, chromium):
    """The rendered site of the hostile-names fixture alone."""
    out = tmp_path_factory.mktemp("hostile-site") / "site"
    path = ROOT / NOTEBOOK
    site.build_site({path: executed(path)}, out, assets=site_assets())
    return out / NOTEBOOK.replace(".ipynb", ".html")


def test_hostile_names_show_as_text_in_the_rendered_site(hostile_site, page, guard):
    """The static page with its saved widgets: nothing runs, nothing is injected, the names show as typed."""
    dialogs = dialogs_of(page)
    page.goto(hostile_site.as_uri())
    page.wait_for_load_state("load")
    page.locator(f"{OUTPUTS} .widget-html table").first.wait_for()  # the saved widgets are drawn
    assert dialogs == []
    assert page.evaluate(INJECTED) == NOTHING_INJECTED
    text = shown_text(page)
    assert [name for name in (IMG, SCRIPT, MATH, f"{MATH} node1", DLL) if name not in text] == []
    assert guard.blocked == []
