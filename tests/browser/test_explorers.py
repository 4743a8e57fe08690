"""The explorers in a real JupyterLab: a flag's tooltip shows on its name, a click on the name ticks the
box and redraws, an older OS disables flags."""

import pytest

from labkit.views.flagguide import flag_info
from labkit.winapi import OfflineFlags as F

pytestmark = pytest.mark.browser


def test_the_flag_explorer_answers_a_click_on_a_flags_name(open_notebook, guard, tmp_path):
    """Hovering a flag's name shows its meaning; clicking the name ticks its box, reruns the scenario,
    redraws the picture and says what changed."""
    notebook = open_notebook("tests/notebooks/explorers.ipynb")
    notebook.run_all()
    assert notebook.stdout() == ["no flags: this is the run every flag choice is compared with\n"]
    explorer = notebook.panel.locator(".labkit-offline-explorer")
    box = explorer.locator(".widget-checkbox").filter(has_text="QUEUE_ENABLED")
    name = box.get_by_text("QUEUE_ENABLED", exact=True)
    assert name.get_attribute("title") == flag_info(F.QUEUE_ENABLED).tooltip
    picture = explorer.locator(".labkit-picture-box svg")
    assert picture.get_attribute("aria-label").endswith("flags 0")
    name.scroll_into_view_if_needed()
    name.click()
    explorer.get_by_text("the move waited in the queue", exact=False).wait_for()
    assert box.locator("input[type=checkbox]").is_checked()
    assert picture.count() == 1 and picture.get_attribute("aria-label").endswith("flags QUEUE_ENABLED")
    notebook.run_cell(-1)
    notebook.page.screenshot(path=tmp_path / "after-click.png")
    assert notebook.stdout()[0].startswith("QUEUE_ENABLED: the move waited in the queue and succeeded")
    explorer.locator("select").nth(2).select_option(label="Windows Server 2012")
    network = explorer.locator(".widget-checkbox").filter(has_text="IGNORE_NETWORK_CONNECTIVITY")
    network.locator("input[type=checkbox]:disabled").wait_for()
    assert guard.blocked == []
