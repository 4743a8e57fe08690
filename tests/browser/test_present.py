"""make present in a browser: Voila runs the widget notebook as an app, and the app answers clicks."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from labkit.lab import present
from tests.lab import ROOT, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def voila(tmp_path_factory, browser_env, chromium):
    """A present session on the widget fixture, as `make present` starts it."""
    session = present.new_session(ROOT / "tests" / "notebooks" / "widget-checkbox.ipynb", port=0)
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with serving(session.command(), session.address, browser_env, log):
        yield session


def test_the_app_runs_the_notebook_and_answers_a_click(voila, page, guard, tmp_path):
    """Only outputs show; a click redraws the figure through the kernel; the page stays on this machine."""
    page.goto(voila.url, wait_until="commit")
    checkbox = page.locator(".widget-checkbox input[type=checkbox]")
    figure = page.locator(".widget-output img")
    # Voila runs every cell before it shows the page; on a loaded shared machine that took over 60 s once
    # (the page still said "Executing 5 of 10"), so wait for it as long as a slow machine needs.
    figure.wait_for(timeout=180_000)
    before = figure.get_attribute("src")
    page.screenshot(path=tmp_path / "voila-before.png", full_page=True)
    checkbox.click()
    # The Output widget replaces its image on redraw: look it up afresh each time.
    page.wait_for_function(
        "([selector, before]) => (document.querySelector(selector) || {}).src !== before",
        arg=[".widget-output img", before],
    )
    page.screenshot(path=tmp_path / "voila-after.png", full_page=True)
    assert checkbox.is_checked()
    assert page.locator(".jp-CodeCell .jp-InputArea:visible").count() == 0  # an app: outputs, no code
    assert page.locator(".jp-RenderedText").all_inner_texts() == ["recorded states: [False, True, False]\n"]
    assert guard.blocked == []


def test_next_and_contents_links_work_when_one_notebook_is_presented(tmp_path, browser_env, page, guard):
    """`make present NB=one.ipynb`: the app's 'Next' and 'contents' links open the other notebooks' apps
    (not a 403), with the same login."""
    folder = tmp_path / "lab"
    folder.mkdir()
    for name, title, links in (
        ("00-Contents.ipynb", "Contents", "[first](01-First.ipynb)"),
        (
            "01-First.ipynb",
            "First",
            "Next: [Second](02-Second.ipynb), or back to the [contents](00-Contents.ipynb).",
        ),
        ("02-Second.ipynb", "Second", "Back to the [contents](00-Contents.ipynb)."),
    ):
        cells = [new_markdown_cell(f"# {title}\n\n{links}"), new_code_cell(f"print('{title} ran')")]
        nbformat.write(new_notebook(cells=cells), folder / name)
    session = present.new_session(folder / "01-First.ipynb", port=0)
    with serving(session.command(), session.address, browser_env, tmp_path / "voila.log"):
        page.goto(session.url, wait_until="commit")
        page.get_by_text("First ran").wait_for()
        page.get_by_role("link", name="Second").click()
        page.get_by_text("Second ran").wait_for()
        assert page.url.startswith(f"{session.address}voila/render/02-Second.ipynb")
        page.get_by_role("link", name="contents").click()
        page.get_by_text("Contents ran").wait_for()
        assert page.url.startswith(f"{session.address}voila/render/00-Contents.ipynb")
    assert guard.blocked == []
