"""Rendering pages of the site: a notebook (or a markdown document) through nbconvert's lab template, with
the site's style and navigation, its relative links rewritten to pages of the site, and its tables set
out to fit the page (`labkit.lab.site.tidy`).

Pages are kept in memory until the build knows every page, then written with their previous / next links
(`SiteWriter.write`).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from labkit.exceptions import SiteBuildError
from labkit.lab import notebooks
from labkit.lab.site.assets import HTML_MANAGER, REQUIREJS, STATIC
from labkit.lab.site.style import SITE_CSS
from labkit.lab.site.tidy import tidy_tables

NAV = "<!--labkit-nav-->"
"""Where a page's navigation goes once every page is known."""

# MathJax and Mermaid would be fetched from a CDN; the site loads nothing from the network.
_TEMPLATE = (
    """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">{{ resources.labkit_css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<header class="labkit-top">"""
    + NAV
    + """</header>
{%- endblock body_header -%}
{%- block body_footer -%}
<footer class="labkit-bottom">"""
    + NAV
    + """</footer>
{{ super() }}
{%- endblock body_footer -%}
"""
)
_LOADING_ATTRIBUTES = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""", re.I)


@dataclass(frozen=True)
class Page:
    """One HTML page of the site."""

    path: str
    """Where the page is, relative to the site folder (``notebooks/00-Contents.html``)."""
    title: str
    """The notebook's ``# Title`` (or the document's first heading)."""
    source: str
    """The notebook or markdown document it renders, relative to the project root."""


@dataclass
class Rendered:
    """A page rendered but not yet written: its HTML still holds the navigation placeholders."""

    page: Page
    html: str
    notebook: NotebookNode | None = field(default=None, repr=False)
    """The executed notebook offered for download beside the page (None for documents)."""


def external_references(page_html: str) -> list[str]:
    """Every URL a browser would *load* (not merely link to) from outside the page's own site.

    Scripts, stylesheets, images, frames and media with an absolute or protocol-relative URL, and
    ``url(...)`` / ``@import`` in style sheets. Ordinary ``<a href>`` links are navigation, not loads.
    """
    soup = BeautifulSoup(page_html, features="html.parser")
    found = []
    for tag, attribute in _LOADING_ATTRIBUTES.items():
        for element in soup.find_all(tag):
            value = element.get(attribute)
            if isinstance(value, str) and _is_remote(value):
                found.append(value)
    styles = [s.get_text() for s in soup.find_all("style")]
    styles += [str(e["style"]) for e in soup.find_all(style=True)]
    found += [m.group(1) for text in styles for m in _CSS_URL.finditer(text)]
    return found


def _is_remote(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith("//") or bool(re.match(r"[a-z][a-z0-9+.-]*://", url))


def relative(target: PurePosixPath, start: PurePosixPath) -> str:
    """``target`` as a link from a page in folder ``start`` (both relative to the site)."""
    return os.path.relpath(target, start).replace(os.sep, "/")


class SiteWriter:
    """Renders pages for ``out`` and follows their relative links (one build).

    ``included`` are the notebooks of this build. A link to a notebook left out is an error, unless the
    build is ``partial`` (a subset of the lab): then the link becomes plain text saying so.
    """

    def __init__(self, root: Path, out: Path, *, included: set[Path], partial: bool = False) -> None:
        self.root = root
        self.out = out
        self.included = included
        self.partial = partial
        self.rendered: list[Rendered] = []
        self.linked_notebooks: dict[Path, str] = {}
        """Each notebook left out that some page links to, with the first page that does."""
        self.left_out: set[str] = set()
        """Links a partial build turned into text (``page: link``)."""
        self._documents: list[Path] = []

    def page_path(self, source: Path) -> PurePosixPath:
        return PurePosixPath(source.relative_to(self.root).with_suffix(".html").as_posix())

    def render(self, source: Path, nb: NotebookNode, title: str, *, download: bool) -> None:
        """Render the page of ``nb`` (offering the executed notebook beside it with ``download``)."""
        page = self.page_path(source)
        here = page.parent
        exporter = HTMLExporter(  # type: ignore[no-untyped-call]
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({"labkit-site.html.j2": _TEMPLATE})],
            template_file="labkit-site.html.j2",
            require_js_url=relative(PurePosixPath(STATIC, REQUIREJS.folder, REQUIREJS.entry), here),
            widget_renderer_url=relative(
                PurePosixPath(STATIC, HTML_MANAGER.folder, HTML_MANAGER.entry), here
            ),
        )
        resources: dict[str, Any] = {"metadata": {"name": title}, "labkit_css": SITE_CSS}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        soup = BeautifulSoup(body, features="html.parser")
        self._rewrite_links(soup, source)
        tidy_tables(soup)
        html = str(soup)
        remote = external_references(html)
        if remote:
            raise SiteBuildError(f"{page}: would load from the network: {', '.join(remote)}")
        entry = Page(page.as_posix(), title, source.relative_to(self.root).as_posix())
        self.rendered.append(Rendered(entry, html, nb if download else None))

    def render_documents(self) -> None:
        """Give every linked markdown document a page (a document may link further documents)."""
        while self._documents:
            document = self._documents.pop(0)
            text = document.read_text(encoding="utf-8")
            cell = nbformat.v4.new_markdown_cell(text)  # type: ignore[no-untyped-call]
            nb = nbformat.v4.new_notebook(cells=[cell])  # type: ignore[no-untyped-call]
            heading = re.search(r"^#\s+(.+)$", text, re.M)
            self.render(document, nb, heading.group(1).strip() if heading else document.stem, download=False)

    def write(self, nav: dict[str, str]) -> None:
        """Write every rendered page with its navigation (``{page path: nav HTML}``) into ``out``."""
        for item in self.rendered:
            target = self.out / item.page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.html.replace(NAV, nav[item.page.path]), encoding="utf-8")
            if item.notebook is not None:
                nbformat.write(item.notebook, target.with_suffix(".ipynb"))  # type: ignore[no-untyped-call]

    @property
    def pages(self) -> list[Page]:
        return [item.page for item in self.rendered]

    def _rewrite_links(self, soup: BeautifulSoup, source: Path) -> None:
        links = [(a, "href") for a in soup.select("main a[href]")]
        links += [(img, "src") for img in soup.select("main img[src]")]
        for element, attribute in links:
            value = str(element[attribute])
            target = notebooks.local_target(value)
            if target is None:
                continue
            fragment = value.partition("#")[2]
            url = self._follow(source, target)
            if url is None:  # a notebook this partial build leaves out: keep the words, say why
                element.name = "span"
                del element[attribute]
                element["class"] = "labkit-left-out"
                element["title"] = "not part of this build of the site"
            else:
                element[attribute] = url + (f"#{fragment}" if fragment else "")

    def _follow(self, source: Path, target: str) -> str | None:
        """The site URL for ``target`` as linked from ``source``; queue or copy what it points at. None for
        a notebook a partial build leaves out."""
        linked = (source.parent / target).resolve()
        shown = f"{source.relative_to(self.root)}: link {target}"
        if not linked.is_relative_to(self.root):
            raise SiteBuildError(f"{shown}: points outside {self.root}, so the site cannot include it")
        if not linked.is_file():
            raise SiteBuildError(f"{shown}: points at a missing file")
        if linked.suffix == ".ipynb":
            if linked not in self.included:
                if self.partial:
                    self.left_out.add(shown)
                    return None
                self.linked_notebooks.setdefault(linked, shown)
            return quote(target.removesuffix(".ipynb") + ".html")
        if linked.suffix == ".md":
            queued = linked in self._documents or self.page_path(linked).as_posix() in self._paths()
            if not queued:
                self._documents.append(linked)
            return quote(target.removesuffix(".md") + ".html")
        copied = self.out / linked.relative_to(self.root)
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(linked, copied)
        return quote(target)

    def _paths(self) -> set[str]:
        return {item.page.path for item in self.rendered}
