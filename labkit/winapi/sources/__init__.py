"""Where labkit's facts come from: every source key a ref, an erratum's basis or a rule's source uses, and
links from any such text to the project's sources page (``docs/sources.md``, a page of the site).

A trace event's ``ref`` (``nspv2 §2.2; policy crash=rundown``), an erratum's basis (``H-ROS, S-Prov``) and
a rule's source (``cluster-offline §6.4, §7 G6; H:clus:3110-3215``) are written with short keys.
`citations` finds them in a text; `link_html` and `link_markdown` turn each into a link to its entry on
the sources page; `CATALOGUE` says what every key stands for::

    >>> from labkit.winapi import sources
    >>> [c.key for c in sources.citations("cluster-offline §2.2, §5.2; OPEN2, W:implementing-open")]
    ['cluster-offline §2.2', 'cluster-offline §5.2', 'OPEN2', 'W:implementing-open']
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from labkit.winapi.sources.documents import DOCUMENTS
from labkit.winapi.sources.model import KINDS, Source, anchor
from labkit.winapi.sources.sheets import CLUSTER, NSPV2, SECTIONS, SHEETS

__all__ = [
    "CATALOGUE",
    "KINDS",
    "LINK_BASE",
    "PAGE",
    "SHEETS",
    "Citation",
    "Source",
    "anchor",
    "citations",
    "link_html",
    "link_markdown",
]

CATALOGUE: dict[str, Source] = {source.key: source for source in (*SECTIONS, *DOCUMENTS)}
"""Every source key, sheet sections first, then the documents, in the sources page's order."""
PAGE = "docs/sources.md"
"""The sources page, relative to the project root (``make docs`` renders it as docs/sources.html)."""
LINK_BASE = "../" + PAGE
"""The sources page as a notebook of ``notebooks/`` reaches it (JupyterLab opens it; the site rewrites it)."""

_DOCUMENT_KEYS = sorted((s.key for s in DOCUMENTS if not s.key.startswith("W:")), key=len, reverse=True)
_TOKEN = re.compile(
    r"(?P<sheet>\b(?:nspv2|cluster-offline)) §(?P<number>\d+(?:\.\d+)*)"
    r"|§(?P<bare>\d+(?:\.\d+)*)"
    r"|(?<![\w:-])(?:"
    r"(?P<header>H:(?:res|clus|err|mingw))(?::\d+(?:-\d+)?)?"
    r"|(?P<guide>W:[a-z0-9]+(?:-[a-z0-9]+)*)"
    r"|(?P<syn>SYN)(?:-\*|-[A-Za-z]+)?"
    r"|(?P<ov2>OV2) ?@[0-9a-f]{7,40}"
    r"|(?P<key>" + "|".join(re.escape(k) for k in _DOCUMENT_KEYS) + r")"
    r")(?![\w-])"
)


@dataclass(frozen=True)
class Citation:
    """``text[start:end]`` cites the source ``key``."""

    start: int
    end: int
    key: str


def citations(text: str) -> list[Citation]:
    """Every known source key cited in ``text``, in order. A bare ``§5.2`` belongs to the sheet named last
    before it; a section the catalogue lacks cites its nearest parent (``§3.4.1`` → ``§3.4``); a guide
    page (``W:...``) unknown to the catalogue is not a citation."""
    found: list[Citation] = []
    sheet = ""
    for match in _TOKEN.finditer(text):
        if match["sheet"]:
            sheet = match["sheet"]
        number = match["number"] or match["bare"]
        if number is not None:
            key = _section(sheet, number) if sheet else None
        else:
            key = match["header"] or match["guide"] or match["syn"] or match["ov2"] or match["key"]
        if key is not None and key in CATALOGUE:
            found.append(Citation(match.start(), match.end(), key))
    return found


def _section(sheet: str, number: str) -> str | None:
    parts = number.split(".")
    while parts:
        key = f"{sheet} §{'.'.join(parts)}"
        if key in CATALOGUE:
            return key
        parts.pop()
    return None


def link_html(text: str, base: str = LINK_BASE) -> str:
    """``text`` as HTML (escaped) with each citation a link to its entry on the sources page at ``base``;
    the link's title says what the source is."""
    pieces, at = [], 0
    for cited in citations(text):
        source = CATALOGUE[cited.key]
        pieces.append(html.escape(text[at : cited.start]))
        pieces.append(
            f'<a href="{html.escape(base)}#{source.anchor}" title="{html.escape(source.what)}">'
            f"{html.escape(text[cited.start : cited.end])}</a>"
        )
        at = cited.end
    pieces.append(html.escape(text[at:]))
    return "".join(pieces)


def link_markdown(text: str, base: str = LINK_BASE) -> str:
    """``text`` with each citation a markdown link to its entry on the sources page at ``base``."""
    pieces, at = [], 0
    for cited in citations(text):
        pieces.append(text[at : cited.start])
        pieces.append(f"[{text[cited.start : cited.end]}]({base}#{anchor(cited.key)})")
        at = cited.end
    pieces.append(text[at:])
    return "".join(pieces)


SHEET_NAMES = (NSPV2, CLUSTER)
"""The two sheets, as refs name them."""
