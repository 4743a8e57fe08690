"""Finding one's way in the site: the index (its table of contents), previous / next links on every page,
and a search page that works offline (its index is a script of the site, so it loads from ``file://``)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from bs4 import BeautifulSoup
from nbformat import NotebookNode

from labkit import __version__
from labkit.lab import notebooks
from labkit.lab.site.pages import Page, Rendered, relative
from labkit.lab.site.style import PAGE_CSS

SEARCH_PAGE = "search.html"
SOURCES_PAGE = "docs/sources.html"
"""The sources page, when the site has it: every page links it."""
SEARCH_INDEX = "search-index.js"
_SECTION_CHARS = 3000


def intro(nb: NotebookNode) -> str:
    """The first paragraph after the ``# Title`` of a notebook, as plain text (for the index)."""
    if notebooks.title(nb) is None:
        return ""
    paragraphs = nb.cells[0].source.split("\n\n")[1:2]
    text = " ".join(" ".join(paragraphs).split())
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](target) reads as text
    parts = re.split(r"`([^`]*)`", text)  # odd parts are code: ERROR_IO_PENDING keeps its underscores
    return "".join(part if i % 2 else _without_emphasis(part) for i, part in enumerate(parts))


def _without_emphasis(text: str) -> str:
    """``**bold**``, ``*italic*`` and ``_italic_`` as plain text; underscores inside words stay."""
    text = re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*", lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"(?<!\w)__?(\S.*?)__?(?!\w)", r"\1", text)


def page_nav(pages: Sequence[Page], downloads: Iterable[str]) -> dict[str, str]:
    """Each page's navigation: contents, previous and next page, the sources page, the search box, and the
    executed notebook to download where there is one."""
    offered = set(downloads)
    sources = SOURCES_PAGE if any(page.path == SOURCES_PAGE for page in pages) else ""
    found = {}
    for at, page in enumerate(pages):
        here = PurePosixPath(page.path).parent

        def link(path: str, text: str, rel: str = "", here: PurePosixPath = here) -> str:
            attribute = f' rel="{rel}"' if rel else ""
            return f'<a href="{html.escape(relative(PurePosixPath(path), here))}"{attribute}>{text}</a>'

        items = [link("index.html", "☰ contents")]
        if at > 0:
            items.append(link(pages[at - 1].path, f"← {html.escape(pages[at - 1].title)}", "prev"))
        if at + 1 < len(pages):
            items.append(link(pages[at + 1].path, f"{html.escape(pages[at + 1].title)} →", "next"))
        items.append('<span class="labkit-spacer"></span>')
        if sources and page.path != sources:
            items.append(link(sources, "sources"))
        if page.path in offered:
            name = PurePosixPath(page.path).with_suffix(".ipynb").name
            items.append(f'<a href="{html.escape(name)}" download>this notebook, with its outputs</a>')
        search = html.escape(relative(PurePosixPath(SEARCH_PAGE), here))
        items.append(
            f'<form class="labkit-search" action="{search}" role="search">'
            '<input type="search" name="q" placeholder="Search the lab" aria-label="Search the lab"></form>'
        )
        found[page.path] = "\n".join(items)
    return found


def index_html(pages: Sequence[Page], intros: Mapping[str, str], *, notes: Sequence[str] = ()) -> str:
    """The site's front page: every notebook with its first paragraph, then the documents they link."""

    def items(selected: Iterable[Page]) -> str:
        return "\n".join(
            f'<li><a href="{html.escape(p.path)}">{html.escape(p.title)}</a>'
            + (f"<p>{html.escape(intros[p.path])}</p>" if intros.get(p.path) else "")
            + "</li>"
            for p in selected
        )

    notebook_pages = [p for p in pages if p.path in intros]
    documents = [p for p in pages if p.path not in intros]
    linked = f"<h2>Documents they link to</h2>\n<ul>\n{items(documents)}\n</ul>" if documents else ""
    shown_notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in notes)
    return _page(
        "labkit: the lab",
        f"""<h1>labkit: the lab</h1>
<nav><form action="{SEARCH_PAGE}" role="search"><input type="search" name="q" placeholder="Search the lab"
aria-label="Search the lab"></form></nav>
<p>The lab's notebooks, executed and rendered by <code>make docs</code> (labkit {html.escape(__version__)}).
Widgets show the state they were left in; run <code>make lab</code> to change them.</p>
{shown_notes}
<h2>Notebooks</h2>
<ul>
{items(notebook_pages)}
</ul>
{linked}""",
    )


def search_index(rendered: Sequence[Rendered]) -> str:
    """The search index as a script: ``window.LABKIT_SEARCH = [{page, title, url, heading, text}, ...]``,
    one entry per headed section of every page."""
    entries = []
    for item in rendered:
        soup = BeautifulSoup(item.html, features="html.parser")
        sections: list[tuple[str, str, list[str]]] = [(item.page.title, item.page.path, [])]
        for cell in soup.select("main .jp-Cell"):
            markdown = cell.select_one(".jp-RenderedMarkdown")
            for part in markdown.find_all(recursive=False) if markdown else [cell]:
                if part.name in ("h1", "h2", "h3") and part.get("id"):
                    title = part.get_text(" ", strip=True).rstrip("¶").strip()
                    sections.append((title, f"{item.page.path}#{part['id']}", []))
                else:
                    sections[-1][2].append(part.get_text(" ", strip=True))
        for heading, url, texts in sections:
            text = " ".join(" ".join(texts).split())[:_SECTION_CHARS]
            if text or len(sections) == 1:
                entries.append({"page": item.page.title, "heading": heading, "url": url, "text": text})
    body = json.dumps(entries, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    return f"window.LABKIT_SEARCH = {body};\n"


def search_html() -> str:
    """The search page: finds every word of ``?q=`` in the index's sections and lists them with a
    snippet. Runs offline (the index is a script beside it)."""
    return _page(
        "Search: labkit, the lab",
        f"""<h1>Search the lab</h1>
<nav><a href="index.html">☰ contents</a>
<form action="{SEARCH_PAGE}" role="search"><input type="search" name="q" id="q" placeholder="Search the lab"
aria-label="Search the lab"></form></nav>
<p id="summary" class="note"></p>
<div id="results"></div>
<script src="{SEARCH_INDEX}"></script>
<script>{_SEARCH_JS}</script>""",
    )


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


_SEARCH_JS = """
(function () {
  const query = (new URLSearchParams(location.search).get('q') || '').trim();
  const box = document.getElementById('q');
  box.value = query;
  const words = query.toLowerCase().split(/\\s+/).filter(w => w);
  const results = document.getElementById('results');
  const summary = document.getElementById('summary');
  if (!words.length) { summary.textContent = 'Type a word or two: an SDK name, a flag, a scenario.'; return; }
  const hits = (window.LABKIT_SEARCH || []).filter(entry => {
    const haystack = (entry.page + ' ' + entry.heading + ' ' + entry.text).toLowerCase();
    return words.every(w => haystack.includes(w));
  });
  summary.textContent = hits.length + (hits.length === 1 ? ' section' : ' sections') + ' match';
  for (const hit of hits) {
    const div = document.createElement('div');
    div.className = 'hit';
    const link = document.createElement('a');
    link.href = hit.url;
    link.textContent = hit.page === hit.heading ? hit.page : hit.page + ': ' + hit.heading;
    div.appendChild(link);
    const lower = hit.text.toLowerCase();
    const at = Math.max(0, lower.indexOf(words[0]) - 80);
    const snippet = document.createElement('p');
    snippet.textContent = (at > 0 ? '… ' : '') + hit.text.slice(at, at + 240) + ' …';
    div.appendChild(snippet);
    results.appendChild(div);
  }
})();
"""
