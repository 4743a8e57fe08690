"""Figures left as a cell's value show as pictures: in IPython without pyplot, and in every lab notebook."""

import pytest
from IPython.core.formatters import DisplayFormatter

from labkit import views
from labkit.trace import read_trace
from tests.lab import LAB, ROOT, executed

PNG = b"\x89PNG\r\n\x1a\n"


def test_every_labkit_figure_formats_as_png_without_the_inline_backend():
    """IPython's own formatter (no pyplot, no matplotlib_inline) gets a PNG for each kind of figure."""
    trace = read_trace(ROOT / "data" / "traces" / "nspv2-happy-path.jsonl")
    matrix = views.flag_matrix("plain-offline", os="2012")
    formatter = DisplayFormatter()
    for figure in (views.timeline(trace), views.session_lifecycle(trace), views.flag_matrix_figure(matrix)):
        data, _ = formatter.format(figure)
        assert sorted(data) == ["image/png", "text/plain"]
        assert data["image/png"][:8] == PNG


@pytest.mark.parametrize("path", LAB, ids=[p.stem for p in LAB])
def test_no_lab_notebook_shows_a_figure_as_text(path):
    """Each cell whose value is a figure has the picture among its outputs, not only its repr."""
    nb = executed(path)
    shown = [
        sorted(output.get("data", {}))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("data", {}).get("text/plain", "").startswith("<Figure size")
    ]
    assert shown == [["image/png", "text/plain"]] * len(shown)
