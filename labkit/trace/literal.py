"""`LiteralFrame`: the DataFrame every labkit table is, so that text from a trace shows as text in Jupyter.

JupyterLab typesets ``$...$`` in every HTML output with MathJax: in a table of a trace, a resource named
``$x$`` would show as an italic x. Text from traces is never mathematics, so labkit's tables render their
HTML with MathJax off (pandas marks the table ``mathjax_ignore``), each table on its own: no global pandas
option is changed, so the user's other DataFrames render as they always did.

Pandas is imported with this module: only code that builds a table imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from labkit.text import LITERAL

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

_NO_MATHJAX = ("display.html.use_mathjax", False)


class LiteralFrame(pd.DataFrame):
    """A DataFrame whose HTML (``_repr_html_``, ``to_html``, ``style``) keeps MathJax away from its cells.

    Everything else is pandas: slicing, ``head``, arithmetic and most methods return a LiteralFrame again.
    """

    @property
    def _constructor(self) -> type[LiteralFrame]:
        return LiteralFrame

    def _repr_html_(self) -> str | None:
        with pd.option_context(*_NO_MATHJAX):
            html: str | None = super()._repr_html_()  # type: ignore[misc]
            return html

    def to_html(self, *args: Any, **kwargs: Any) -> Any:
        with pd.option_context(*_NO_MATHJAX):
            return super().to_html(*args, **kwargs)

    @property
    def style(self) -> Styler:
        """A Styler whose table is marked for MathJax to skip."""
        return super().style.set_table_attributes(f'class="{LITERAL}"')


def literal(frame: pd.DataFrame) -> LiteralFrame:
    """``frame`` as a `LiteralFrame` (the same data, no copy of the columns' values needed by the caller)."""
    return frame if isinstance(frame, LiteralFrame) else LiteralFrame(frame)
