"""The explorers in a real JupyterLab: a flag's tooltip shows, a click redraws, an older OS disables flags."""

import pytest

from labkit.views.flagguide import flag_info
from labkit.winapi import OfflineFlags as F

pytestmark = pytest.mark.browser


def test_the_flag_explorer_answers_a_click(open_notebook, guard, tmp_path):
    """Hovering a flag shows its meaning; ticking it reruns the scenario and says what changed."""
    notebook = open_notebook("tests/notebooks/explorers.ipynb")
    notebook.run_all()
    assert notebook.stdout() == ["no flags: this is the run every flag choice is compared with\n"]
    explorer = notebook.panel.locator(".widget-vbox").first
    row = explorer.locator(".widget-hbox").filter(has_text="QUEUE_ENABLED").last
    checkbox = row.locator("input[type=checkbox]")
    tooltip = flag_info(F.QUEUE_ENABLED).tooltip
    assert checkbox.get_attribute("title") == tooltip
    assert row.get_by_text("QUEUE_ENABLED", exact=True).get_attribute("title") == tooltip
    figure = explorer.locator(".widget-output img")
    before = figure.get_attribute("src")
    checkbox.scroll_into_view_if_needed()
    checkbox.click()
    explorer.get_by_text("the move waited in the queue", exact=False).wait_for()
    notebook.run_cell(-1)
    notebook.page.screenshot(path=tmp_path / "after-click.png")
    assert notebook.stdout()[0].startswith("QUEUE_ENABLED: the move waited in the queue and succeeded")
    assert figure.count() == 1 and figure.get_attribute("src") != before
    explorer.locator("select").nth(2).select_option(label="Windows Server 2012")
    network = explorer.locator(".widget-hbox").filter(has_text="IGNORE_NETWORK_CONNECTIVITY").last
    network.locator("input[type=checkbox]:disabled").wait_for()
    assert guard.blocked == []
