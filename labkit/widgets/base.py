"""What the explorers share: the HTML pieces (escaped, kept from MathJax), the base explorer (a picture,
a sentence, a table and ``last``), and the glue between a slider and a `labkit.explore.Throttle`."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets
import pandas as pd
from traitlets import TraitError, validate

from labkit.engine.registry import Registry
from labkit.exceptions import LabkitError
from labkit.explore import Rendered, Throttle
from labkit.text import LITERAL

_TABLE_STYLE = "max-height: 22em; overflow: auto; font-size: 85%; white-space: nowrap"
"""One line per row: a wide table scrolls instead of wrapping its cells into towers (cells inherit it)."""
SLIDER_INTERVAL = 0.08
"""While a slider is dragged, its explorer redraws at most this often (s); the last position always."""


def table_html(frame: pd.DataFrame, *, more: int = 0) -> str:
    """A table as HTML with every cell escaped (text from a trace shows as text, never as markup or
    mathematics), missing values blank. Written directly: pandas' ``to_html`` took a tenth of a click."""
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>"
        for row in zip(*(frame[name].tolist() for name in frame.columns), strict=True)
    )
    head = f'<thead><tr style="text-align: right;">{head}</tr></thead>'
    body = f'<table class="dataframe">{head}<tbody>{rows}</tbody></table>'
    tail = f"<p>… and {more} more</p>" if more else ""
    return f"<div class='{LITERAL}' style='{_TABLE_STYLE}'>{body}{tail}</div>"


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return html.escape(f"{value:g}" if isinstance(value, float) else str(value))


def text_html(text: str, *, error: bool = False) -> str:
    """One line of text, escaped and kept from MathJax; errors in red."""
    colour = "#C62828" if error else "inherit"
    return f"<p class='{LITERAL}' style='color: {colour}; margin: 0.3em 0'>{html.escape(text)}</p>"


def labelled(name: str, tooltip: str, *, disabled: bool = False) -> str:
    """A checkbox's name as HTML, escaped, with the tooltip shown on hover (greyed when disabled).

    It is the checkbox's own description (so a click on the name ticks the box): ipywidgets gives a
    described checkbox the description as its title, so the tooltip rides on the name's own span.
    """
    colour = "#9E9E9E" if disabled else "inherit"
    title = html.escape(tooltip, quote=True)
    return f'<span class="{LITERAL}" title="{title}" style="color: {colour}">{html.escape(name)}</span>'


def with_first(
    registry: Registry[Any], scenario: Any, scenarios: Iterable[Any] | None
) -> tuple[Any, list[Any]]:
    """The scenario to show first, and the selector's scenarios (every registered one by default) with
    that one in it."""
    first = registry.get(scenario)
    listed = list(registry.names() if scenarios is None else scenarios)
    if first.name not in [registry.get(s).name for s in listed]:
        listed.insert(0, first)
    return first, listed


def from_browser(widget: Any, name: str = "value") -> bool:
    """Whether the change of ``name`` being handled now came from the browser (a person moved the
    control) rather than from Python: ipywidgets holds the property's lock while it applies a change the
    front end sent."""
    return name in getattr(widget, "_property_lock", {})


def later() -> Callable[[float, Callable[[], None]], object] | None:
    """The running event loop's ``call_later`` (the kernel's), or None outside one."""
    try:
        return asyncio.get_running_loop().call_later
    except RuntimeError:
        return None


class StrictIntSlider(widgets.IntSlider):  # type: ignore[misc]
    """An IntSlider that refuses a value outside its range (ipywidgets would cut it to fit, silently)."""

    @validate("value")
    def _validate_value(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if not self.min <= value <= self.max:
            raise TraitError(
                f"{self.description or 'the slider'} takes {self.min} to {self.max}, not {value}"
            )
        return value


class Explorer(widgets.VBox):  # type: ignore[misc]
    """What every explorer has: its controls, a sentence, the picture, a table, and ``last``.

    Subclasses implement `render` (show what the controls say) and call `changed` from their observers:
    a change Python makes renders at once; a slider dragged in the browser renders through a throttle, so
    a drag never queues a redraw per position it passed.
    """

    kind = "explorer"

    def __init__(self, controls: list[Any], **kwargs: Any) -> None:
        self.picture = widgets.HTML()
        self.picture.add_class("labkit-picture-box")
        self.sentence = widgets.HTML()
        self.sentence.add_class("labkit-sentence-box")
        self.table = widgets.HTML()
        self.last: Rendered | None = None
        """What the explorer showed last (None before the first rendering)."""
        self.renders = 0
        """How many times it rendered (each change renders once; a drag at most every
        `SLIDER_INTERVAL`)."""
        self.throttle = Throttle(self.render, SLIDER_INTERVAL)
        self._quiet = False
        super().__init__([*controls, self.sentence, self.picture, self.table], **kwargs)
        self.add_class("labkit-explorer")
        self.add_class(f"labkit-{self.kind}")

    def render(self) -> None:
        raise NotImplementedError

    def changed(self, change: dict[str, Any]) -> None:
        """An observer for every control: render once per change (unless a change is being prepared)."""
        if self._quiet:
            return
        if from_browser(change["owner"]):
            self.throttle.changed(later())
        else:
            self.render()

    def quietly(self, adjust: Callable[[], None]) -> None:
        """Change controls without rendering for each (then render once)."""
        self._quiet = True
        try:
            adjust()
        finally:
            self._quiet = False

    def show(self, rendered: Rendered, table: str) -> None:
        """Show a rendering: picture, sentence and table together, and record it."""
        self.picture.value = rendered.picture
        self.sentence.value = text_html(rendered.text, error=rendered.error)
        self.table.value = table
        self.last = rendered
        self.renders += 1

    def fail(self, state: Any, error: Exception) -> None:
        """Show why ``state`` cannot be shown: the error in red, no picture (never an older one)."""
        self.show(Rendered(state, (), f"{type(error).__name__}: {error}", error=True), "")


class ChoiceExplorer(Explorer):
    """An explorer whose controls make a choice that its model turns into a view."""

    model: Any
    width: float

    @property
    def choice(self) -> Any:
        raise NotImplementedError

    def render(self) -> None:
        """Show what the controls say (a choice that cannot run shows its error)."""
        choice = self.choice
        try:
            view = self.model.view(choice, width=self.width)
        except (LabkitError, ValueError) as error:
            self.fail(choice, error)
            return
        self.show(view.rendered(), table_html(view.table))


__all__ = [
    "ChoiceExplorer",
    "Explorer",
    "StrictIntSlider",
    "from_browser",
    "labelled",
    "later",
    "table_html",
    "text_html",
    "with_first",
]
