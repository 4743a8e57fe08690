"""The rendered lab: executed notebooks turned into a static HTML site that works offline (``make docs``).

nbconvert's HTML pages load require.js, the Jupyter widget manager, MathJax and Mermaid from CDNs; offline,
widget areas stay blank. Here every page loads only files of the site itself:

- require.js and ``@jupyter-widgets/html-manager`` (which renders the saved widget state, figures in
  ``Output`` widgets included) are copied into ``_static/`` from their npm packages
  (`labkit.lab.site.assets`: fetched once with ``npm pack`` at pinned versions and checked against pinned
  integrity values).
- MathJax and Mermaid are left out: the notebooks use neither, and a page must not reach the network.
- Relative links keep working: a link to a notebook points at its page, a linked markdown document gets a
  page of its own (``docs/sources.md``, what every source key means, among them), any other linked file
  is copied.

Every page has the contents, previous / next links and a search box (`labkit.lab.site.nav`); widgets and
tables read like the page and fit it (`labkit.lab.site.tidy`). Exercise solutions are left out unless
asked for. Executed notebooks are kept by content (`labkit.lab.site.cache`), so a rebuild runs only the
notebooks whose inputs changed. The build refuses to finish if a page would load anything from outside
the site.

    python -m labkit.lab.site assets                   # once, needs npm and the registry (make does this)
    python -m labkit.lab.site build --out build/site   # run (or reuse) every notebook, write the site
    python -m labkit.lab.site build notebooks/03-*.ipynb   # a subset: links to the others become text
    python -m labkit.lab.site build --solutions        # with the exercise solutions (make docs SOLUTIONS=1)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from nbformat import NotebookNode

from labkit import __version__
from labkit.exceptions import LabkitError, SiteBuildError
from labkit.lab import notebooks
from labkit.lab.site import cache
from labkit.lab.site.assets import (
    ASSETS,
    HTML_MANAGER,
    REQUIREJS,
    STATIC,
    Asset,
    check_integrity,
    copy_assets,
    fetch_assets,
    missing_assets,
)
from labkit.lab.site.nav import (
    SEARCH_INDEX,
    SEARCH_PAGE,
    index_html,
    intro,
    page_nav,
    search_html,
    search_index,
)
from labkit.lab.site.pages import Page, SiteWriter, external_references
from labkit.lab.site.tidy import tidy_widget_state, without_solutions

__all__ = [
    "ASSETS",
    "HTML_MANAGER",
    "REQUIREJS",
    "STATIC",
    "Asset",
    "Page",
    "build_site",
    "check_integrity",
    "external_references",
    "fetch_assets",
    "intro",
    "main",
    "missing_assets",
]

ROOT = Path(__file__).resolve().parents[3]
"""The project root when labkit runs from its source tree (``make docs``)."""
MARKER = ".labkit-site"
"""File that marks a folder as a site this module wrote, so a rebuild may replace it."""


def build_site(
    executed: Mapping[Path, NotebookNode],
    out: Path,
    *,
    assets: Path,
    root: Path = ROOT,
    solutions: bool = False,
    partial: bool = False,
) -> list[Page]:
    """Write the site for executed notebooks (``{source path: notebook}``, in reading order) into ``out``.

    Cells tagged ``solution`` are left out (a note says how to see them) unless ``solutions``. A
    ``partial`` site (a subset of the lab) turns links to notebooks it leaves out into text; otherwise such
    a link fails the build. ``out`` is replaced whole once the new site is complete; a folder that is not
    a site this function wrote is never deleted. Returns the pages: the notebooks' first, then linked
    markdown documents.
    """
    root, out = root.resolve(), out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteBuildError(f"{out} exists and is not a labkit site: refusing to replace it")
    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    copy_assets(assets, staging)
    sources = {source.resolve() for source in executed}
    writer = SiteWriter(root, staging, included=sources, partial=partial)
    shown = {source.resolve(): _shown(nb, solutions) for source, nb in executed.items()}
    for source, nb in shown.items():
        writer.render(source, nb, notebooks.title(nb) or source.stem, download=True)
    writer.render_documents()
    strays = list(writer.linked_notebooks.values())
    if strays:
        raise SiteBuildError(f"{strays[0]}: that notebook is not part of the site")
    downloads = [item.page.path for item in writer.rendered if item.notebook is not None]
    writer.write(page_nav(writer.pages, downloads))
    intros = {writer.page_path(source).as_posix(): intro(nb) for source, nb in shown.items()}
    notes = _notes(solutions=solutions, partial=partial, executed=executed)
    (staging / "index.html").write_text(index_html(writer.pages, intros, notes=notes), encoding="utf-8")
    (staging / SEARCH_PAGE).write_text(search_html(), encoding="utf-8")
    (staging / SEARCH_INDEX).write_text(search_index(writer.rendered), encoding="utf-8")
    (staging / MARKER).write_text(f"labkit {__version__}\n")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return writer.pages


def _shown(nb: NotebookNode, solutions: bool) -> NotebookNode:
    """The notebook as the site shows it: solutions left out unless asked, widget tables set out."""
    return tidy_widget_state(nb if solutions else without_solutions(nb))


def _notes(*, solutions: bool, partial: bool, executed: Mapping[Path, NotebookNode]) -> list[str]:
    notes = []
    if partial:
        notes.append(
            f"This build holds {len(executed)} of the lab's notebooks; links to the others are text."
        )
    if solutions:
        notes.append("This build includes the reference solutions of the exercises.")
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.lab.site", description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=Path, default=ROOT / "build" / "site-assets", help="npm files cache")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("assets", help="fetch the pinned npm files the pages load (needs npm, once)")
    build = actions.add_parser("build", help="execute (or reuse) the notebooks and write the site")
    build.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    build.add_argument("--solutions", action="store_true", help="include the exercises' reference solutions")
    build.add_argument("--cache", type=Path, default=ROOT / "build" / "site-cache", help="executed notebooks")
    build.add_argument("--no-cache", action="store_true", help="run every notebook, keep nothing")
    build.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)
    try:
        fetch_assets(args.assets)
        if args.action == "assets":
            return 0
        pages = _build(args)
    except OSError as exc:
        print(f"labkit.lab.site: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (LabkitError, ValueError) as exc:  # a bad notebook, a failing cell, a broken link
        print(f"labkit.lab.site: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages, their index and a search page: {args.out / 'index.html'}")
    return 0


def _build(args: argparse.Namespace) -> list[Page]:
    chosen = args.notebooks or notebooks.find(ROOT / "notebooks")
    for path in chosen:  # a missing or broken notebook is named before anything runs
        notebooks.read(path)
    executed = {}
    for path in chosen:
        nb, reused = cache.executed(path, ROOT, None if args.no_cache else args.cache)
        print(f"{'reused' if reused else 'ran'} {os.path.relpath(path)}", flush=True)
        executed[path] = nb
    partial = bool(args.notebooks)
    return build_site(executed, args.out, assets=args.assets, solutions=args.solutions, partial=partial)
