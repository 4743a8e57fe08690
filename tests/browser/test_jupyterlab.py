"""The lab in a real browser: JupyterLab runs the notebooks from its Run menu, widgets answer clicks."""

import pytest

from labkit import __version__

pytestmark = pytest.mark.browser


def test_contents_runs_all_cells_in_jupyterlab(open_notebook, guard):
    """00-Contents runs from Run ▸ Run All Cells and prints the labkit version; nothing leaves the machine."""
    notebook = open_notebook("notebooks/00-Contents.ipynb")
    notebook.run_all()
    assert notebook.stdout() == [f"labkit {__version__}\n"]
    assert notebook.page.locator(".jp-OutputArea-output table.dataframe tbody tr").count() == 7
    assert guard.blocked == []


def test_clicking_a_checkbox_reaches_the_kernel(open_notebook, guard, tmp_path):
    """A click runs the observer in the kernel: the figure is redrawn and the recorded states grow by one."""
    notebook = open_notebook("tests/notebooks/widget-checkbox.ipynb")
    notebook.run_all()
    assert notebook.stdout() == ["recorded states: [False, True, False]\n"]
    checkbox = notebook.panel.locator(".widget-checkbox input[type=checkbox]")
    figure = notebook.panel.locator(".widget-output img")
    before = figure.get_attribute("src")
    checkbox.scroll_into_view_if_needed()
    notebook.page.screenshot(path=tmp_path / "before-click.png")
    checkbox.click()
    notebook.run_cell(-1)
    checkbox.scroll_into_view_if_needed()
    notebook.page.screenshot(path=tmp_path / "after-click.png")
    assert checkbox.is_checked()
    assert notebook.stdout() == ["recorded states: [False, True, False, True]\n"]
    assert figure.count() == 1 and figure.get_attribute("src") != before
    assert guard.blocked == []
