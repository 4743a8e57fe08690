"""make present in a browser: Voila runs the widget notebook as an app, and the app answers clicks."""

import pytest

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
    figure.wait_for()
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
