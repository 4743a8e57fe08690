"""What the site changes in a page before it is written, so that it reads like one page and fits a screen.

- Tables (outputs, and the tables inside widgets' saved state): long SDK names may wrap after ``_`` and
  ``|``; the ``CLUS_RESDLL_OFFLINE_`` prefix of flag names is left out, with a legend under the table;
  columns of numbers are right-aligned and every other column left-aligned; each table sits in a box that
  scrolls sideways when it still does not fit.
- Exercise solutions (cells tagged ``solution``) are left out unless the site is built with them.

The data in a notebook is never changed: only how the site shows it.
"""

from __future__ import annotations

import copy
import re

import nbformat
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString
from nbformat import NotebookNode

FLAG_PREFIXES = ("CLUS_RESDLL_OFFLINE_",)
"""Prefixes left out of flag names in tables (a legend under the table says so)."""
SOLUTION_TAG = "solution"
"""Cells tagged so hold an exercise's reference solution."""
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_NUMBER = re.compile(r"^[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0x[0-9a-fA-F]+$")
_LEFT_OUT = (
    "The reference solution is not part of this site: it is there for you to compare with once you have "
    "tried. Open this notebook with `make lab` (or build the site with `make docs SOLUTIONS=1`) to see it."
)


def tidy_tables(soup: BeautifulSoup | Tag) -> None:
    """Set out every table of ``soup`` to fit (see the module docstring), in place."""
    for table in soup.find_all("table"):
        for hint in table.find_all("wbr"):  # a table's own break hints split names; _breakable adds them back
            hint.decompose()
        table.smooth()
        shortened = _shorten(table)
        _align(table)
        _breakable(table)
        box = table.parent
        if not (isinstance(box, Tag) and "labkit-table" in (box.get("class") or [])):
            box = _tag(table, "div")
            box["class"] = "labkit-table"
            table.wrap(box)
        if shortened:
            legend = _tag(table, "p")
            legend["class"] = "labkit-legend"
            legend.string = " ".join(
                f"Flag names are shown without their {prefix} prefix ({example} is {prefix}{example})."
                for prefix, example in shortened.items()
            )
            box.insert_after(legend)


def _tag(near: Tag, name: str) -> Tag:
    """A new element of the document ``near`` belongs to."""
    root: Tag = near
    while root.parent is not None:
        root = root.parent
    assert isinstance(root, BeautifulSoup)
    return root.new_tag(name)


def _cells(table: Tag) -> list[Tag]:
    return [cell for cell in table.find_all(["td", "th"]) if cell.find_parent("table") is table]


def _shorten(table: Tag) -> dict[str, str]:
    """Leave the flag prefixes out of the table's text; which prefixes were, with an example name."""
    found: dict[str, str] = {}
    for cell in _cells(table):
        for text in list(cell.find_all(string=True)):
            value = str(text)
            for prefix in FLAG_PREFIXES:
                match = re.search(re.escape(prefix) + r"([A-Z0-9_]+)", value)
                if match:
                    found.setdefault(prefix, match.group(1))
                    value = value.replace(prefix, "")
            if value != str(text):
                text.replace_with(NavigableString(value))
    return found


def _align(table: Tag) -> None:
    """Mark the cells of columns that hold only numbers ``num`` (right-aligned by the site's style)."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    body = [row.find_all(["td", "th"], recursive=False) for row in rows if row.find_parent("tbody")]
    widths = {len(cells) for cells in body}
    if len(widths) != 1:
        return
    width = widths.pop()
    numeric = []
    for column in range(width):
        values = [cells[column].get_text(strip=True) for cells in body if cells[column].name == "td"]
        values = [v for v in values if v]
        numeric.append(bool(values) and all(_NUMBER.match(v) for v in values))
    for row in rows:
        cells = row.find_all(["td", "th"], recursive=False)
        offset = len(cells) - width  # a header row may carry the index's name cell first
        for column, cell in enumerate(cells):
            index = column - offset
            if 0 <= index < width and numeric[index]:
                cell["class"] = " ".join([*(cell.get("class") or []), "num"])


def _breakable(table: Tag) -> None:
    """Let long words wrap after ``_`` and ``|`` (an SDK name is one long word)."""
    for cell in _cells(table):
        for text in list(cell.find_all(string=True)):
            if text.find_parent("code"):
                continue
            parts = re.split(r"(?<=[_|])", str(text))
            if len(parts) < 2:
                continue
            pieces: list[NavigableString | Tag] = []
            for part in parts:
                pieces.append(NavigableString(part))
                if part.endswith(("_", "|")):
                    pieces.append(_tag(cell, "wbr"))
            text.replace_with(*pieces)


def tidy_widget_state(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` whose saved HTML widgets have their tables set out like the page's."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not any(_html_table(model) for model in state.values()):
        return nb
    nb = copy.deepcopy(nb)
    for model in nb.metadata["widgets"][WIDGET_STATE]["state"].values():
        if _html_table(model):
            fragment = BeautifulSoup(model["state"]["value"], features="html.parser")
            tidy_tables(fragment)
            model["state"]["value"] = str(fragment)
    return nb


def _html_table(model: dict[str, object]) -> bool:
    state = model.get("state")
    value = state.get("value") if isinstance(state, dict) else None
    return model.get("model_name") == "HTMLModel" and isinstance(value, str) and "<table" in value


def without_solutions(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with each run of cells tagged ``solution`` replaced by one note saying how to see
    it; ``nb`` itself when it has none."""
    if not any(SOLUTION_TAG in cell.metadata.get("tags", []) for cell in nb.cells):
        return nb
    kept = copy.deepcopy(nb)
    cells = []
    for cell in kept.cells:
        if SOLUTION_TAG not in cell.metadata.get("tags", []):
            cells.append(cell)
        elif not cells or cells[-1].metadata.get("labkit") != "solution-left-out":
            note = nbformat.v4.new_markdown_cell(f"*{_LEFT_OUT}*")  # type: ignore[no-untyped-call]
            note.metadata["labkit"] = "solution-left-out"
            cells.append(note)
    kept.cells = cells
    return kept
