"""The rendered lab: executed notebooks turned into a static HTML site that works offline (``make docs``).

nbconvert's HTML pages load require.js, the Jupyter widget manager, MathJax and Mermaid from CDNs; offline,
widget areas stay blank. Here every page loads only files of the site itself:

- require.js and ``@jupyter-widgets/html-manager`` (which renders the saved widget state, figures in
  ``Output`` widgets included) are copied into ``_static/`` from their npm packages. No PyPI package ships
  the html-manager bundle, so ``python -m labkit.lab.site assets`` fetches the two tarballs with
  ``npm pack`` at pinned versions and checks them against pinned sha512 integrity values (what
  ``npm ci`` checks, without installing the html-manager's 200-odd build dependencies: only its
  prebuilt ``dist/`` is needed).
- MathJax and Mermaid are left out: the notebooks use neither, and a page must not reach the network.
- Relative links keep working: a link to a notebook points at its page, a linked markdown document gets a
  page of its own, any other linked file is copied. Each page links back to the index and to its executed
  notebook.

The build refuses to finish if a page would still load anything from outside the site.

    python -m labkit.lab.site assets                 # once, needs npm and the registry (make does this)
    python -m labkit.lab.site build --out build/site # execute every notebook, write the site
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from labkit import __version__
from labkit.exceptions import LabkitError, SiteBuildError
from labkit.lab import notebooks

ROOT = Path(__file__).resolve().parents[2]
"""The project root when labkit runs from its source tree (``make docs``)."""
STATIC = "_static"
"""Folder of the site that holds the copied npm files."""
MARKER = ".labkit-site"
"""File that marks a folder as a site this module wrote, so a rebuild may replace it."""


@dataclass(frozen=True)
class Asset:
    """An npm package whose files the pages load, pinned by version and by the registry's sha512 integrity."""

    package: str
    version: str
    integrity: str
    """npm's ``dist.integrity`` of the tarball (``sha512-<base64>``)."""
    files: tuple[str, ...]
    """Patterns (inside the package folder) of the files the pages need."""
    folder: str
    """Where under ``_static/`` the files go."""
    entry: str
    """The file a page loads, relative to ``folder``."""


HTML_MANAGER = Asset(
    "@jupyter-widgets/html-manager",
    "1.0.15",  # the release paired with ipywidgets 8.1 (widget protocol 2)
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    (
        "package.json",
        "dist/embed-amd.js",
        "dist/*.woff2",
        "dist/*.woff",
        "dist/*.ttf",
        "dist/*.eot",
        "dist/*.svg",
    ),
    "html-manager",
    "dist/embed-amd.js",
)
REQUIREJS = Asset(
    "requirejs",
    "2.3.8",
    "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
    ("package.json", "require.js"),
    "requirejs",
    "require.js",
)
ASSETS = (HTML_MANAGER, REQUIREJS)

# MathJax and Mermaid would be fetched from a CDN; the site loads nothing from the network.
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block body_header -%}
{{ super() }}
<nav class="labkit-nav" style="padding: 0.5em 1em; font-family: var(--jp-ui-font-family);">
<a href="{{ resources.labkit_index }}">← labkit: the lab</a>
{%- if resources.labkit_notebook %} · <a href="{{ resources.labkit_notebook }}" download>this notebook,
with its outputs</a>{% endif %}
</nav>
{%- endblock body_header -%}
"""
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


# --- assets -------------------------------------------------------------------------------------------


def _asset_dir(cache: Path, asset: Asset) -> Path:
    return cache / f"{asset.package.replace('@', '').replace('/', '-')}-{asset.version}"


def check_integrity(tarball: bytes, asset: Asset) -> None:
    """Raise `SiteBuildError` unless ``tarball`` is exactly the pinned release of ``asset``."""
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != asset.integrity:
        raise SiteBuildError(
            f"{asset.package}@{asset.version}: the downloaded tarball has integrity {digest}, "
            f"expected {asset.integrity}; refusing to use it"
        )


def missing_assets(cache: Path, assets: Iterable[Asset] = ASSETS) -> list[Asset]:
    """The assets not yet unpacked in ``cache`` at their pinned integrity."""
    stamps = [(asset, _asset_dir(cache, asset) / ".integrity") for asset in assets]
    return [asset for asset, stamp in stamps if not stamp.is_file() or stamp.read_text() != asset.integrity]


def fetch_assets(cache: Path, assets: Iterable[Asset] = ASSETS) -> Path:
    """Make sure ``cache`` holds every pinned asset (fetching missing ones with ``npm pack``); returns it.

    An asset already unpacked (its integrity recorded beside it) is not fetched again, so this is quick
    and offline after the first time.
    """
    for asset in missing_assets(cache, assets):
        target = _asset_dir(cache, asset)
        with tempfile.TemporaryDirectory(prefix="labkit-npm-") as tmp:
            tarball = _npm_pack(asset, Path(tmp))
            check_integrity(tarball.read_bytes(), asset)
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(target, filter="data")
        (target / ".integrity").write_text(asset.integrity)
    return cache


def _npm_pack(asset: Asset, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SiteBuildError(
            "npm is needed once to fetch the widget manager and require.js for the site "
            "(apt-get install -y npm, or install Node.js)"
        )
    spec = f"{asset.package}@{asset.version}"
    command = [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(into)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SiteBuildError(f"npm pack {spec} failed:\n{done.stderr.strip()}")
    filename: str = json.loads(done.stdout)[0]["filename"]
    return into / filename


def _asset_files(cache: Path, asset: Asset) -> list[Path]:
    package = _asset_dir(cache, asset) / "package"
    if not package.is_dir():
        raise SiteBuildError(
            f"{asset.package}@{asset.version} is not in {cache}: run `python -m labkit.lab.site assets` "
            "(make docs and make test do it)"
        )
    files = [p for p in sorted(package.rglob("*")) if p.is_file()]
    return [p for p in files if any(fnmatch(p.relative_to(package).as_posix(), f) for f in asset.files)]


# --- pages --------------------------------------------------------------------------------------------


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


def _relative(target: PurePosixPath, start: PurePosixPath) -> str:
    return os.path.relpath(target, start).replace(os.sep, "/")


class _SiteWriter:
    """Renders pages into ``out`` and follows their relative links (one build)."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.out = out
        self.pages: list[Page] = []
        self.linked_notebooks: dict[Path, str] = {}
        """Each notebook some page links to, with the first page that does."""
        self._documents: list[Path] = []

    def page_path(self, source: Path) -> PurePosixPath:
        return PurePosixPath(source.relative_to(self.root).with_suffix(".html").as_posix())

    def render(self, source: Path, nb: NotebookNode, title: str, *, download: bool) -> None:
        """Write the page of ``nb`` (and, with ``download``, the executed notebook beside it)."""
        page = self.page_path(source)
        here = page.parent
        exporter = HTMLExporter(  # type: ignore[no-untyped-call]
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({"labkit-site.html.j2": _TEMPLATE})],
            template_file="labkit-site.html.j2",
            require_js_url=_relative(PurePosixPath(STATIC, REQUIREJS.folder, REQUIREJS.entry), here),
            widget_renderer_url=_relative(
                PurePosixPath(STATIC, HTML_MANAGER.folder, HTML_MANAGER.entry), here
            ),
        )
        resources: dict[str, Any] = {
            "metadata": {"name": title},
            "labkit_index": _relative(PurePosixPath("index.html"), here),
            "labkit_notebook": source.name if download else "",
        }
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        body = self._rewrite_links(body, source)
        remote = external_references(body)
        if remote:
            raise SiteBuildError(f"{page}: would load from the network: {', '.join(remote)}")
        (self.out / page).parent.mkdir(parents=True, exist_ok=True)
        (self.out / page).write_text(body, encoding="utf-8")
        if download:
            nbformat.write(nb, self.out / page.with_suffix(".ipynb"))  # type: ignore[no-untyped-call]
        self.pages.append(Page(page.as_posix(), title, source.relative_to(self.root).as_posix()))

    def render_documents(self) -> None:
        """Give every linked markdown document a page (a document may link further documents)."""
        while self._documents:
            document = self._documents.pop(0)
            text = document.read_text(encoding="utf-8")
            cell = nbformat.v4.new_markdown_cell(text)  # type: ignore[no-untyped-call]
            nb = nbformat.v4.new_notebook(cells=[cell])  # type: ignore[no-untyped-call]
            heading = re.search(r"^#\s+(.+)$", text, re.M)
            self.render(document, nb, heading.group(1).strip() if heading else document.stem, download=False)

    def _rewrite_links(self, body: str, source: Path) -> str:
        soup = BeautifulSoup(body, features="html.parser")
        links = [(a, "href") for a in soup.select("main a[href]") if not a.find_parent("nav")]
        links += [(img, "src") for img in soup.select("main img[src]")]
        for element, attribute in links:
            value = str(element[attribute])
            target = notebooks.local_target(value)
            if target is not None:
                fragment = value.partition("#")[2]
                element[attribute] = self._follow(source, target) + (f"#{fragment}" if fragment else "")
        return str(soup)

    def _follow(self, source: Path, target: str) -> str:
        """The site URL for ``target`` as linked from ``source``; queue or copy what it points at."""
        linked = (source.parent / target).resolve()
        shown = f"{source.relative_to(self.root)}: link {target}"
        if not linked.is_relative_to(self.root):
            raise SiteBuildError(f"{shown}: points outside {self.root}, so the site cannot include it")
        if not linked.is_file():
            raise SiteBuildError(f"{shown}: points at a missing file")
        if linked.suffix == ".ipynb":
            self.linked_notebooks.setdefault(linked, shown)
            return quote(target.removesuffix(".ipynb") + ".html")
        if linked.suffix == ".md":
            if linked not in self._documents and self.page_path(linked).as_posix() not in self._paths():
                self._documents.append(linked)
            return quote(target.removesuffix(".md") + ".html")
        copied = self.out / linked.relative_to(self.root)
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(linked, copied)
        return quote(target)

    def _paths(self) -> set[str]:
        return {page.path for page in self.pages}


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


def build_site(
    executed: Mapping[Path, NotebookNode], out: Path, *, assets: Path, root: Path = ROOT
) -> list[Page]:
    """Write the site for executed notebooks (``{source path: notebook}``, in reading order) into ``out``.

    ``out`` is replaced whole once the new site is complete; a folder that is not a site this function
    wrote is never deleted. Returns the pages: the notebooks' first, then linked markdown documents.
    """
    root, out = root.resolve(), out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteBuildError(f"{out} exists and is not a labkit site: refusing to replace it")
    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for asset in ASSETS:
        package = _asset_dir(assets, asset) / "package"
        for file in _asset_files(assets, asset):
            copy = staging / STATIC / asset.folder / file.relative_to(package)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, copy)
    writer = _SiteWriter(root, staging)
    for source, nb in executed.items():
        writer.render(source.resolve(), nb, notebooks.title(nb) or source.stem, download=True)
    writer.render_documents()
    sources = {source.resolve() for source in executed}
    strays = [shown for linked, shown in writer.linked_notebooks.items() if linked not in sources]
    if strays:
        raise SiteBuildError(f"{strays[0]}: that notebook is not part of the site")
    intros = {writer.page_path(source.resolve()).as_posix(): intro(nb) for source, nb in executed.items()}
    (staging / "index.html").write_text(_index(writer.pages, intros), encoding="utf-8")
    (staging / MARKER).write_text(f"labkit {__version__}\n")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return writer.pages


def _index(pages: Sequence[Page], intros: Mapping[str, str]) -> str:
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
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>labkit: the lab</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; }}
body {{ line-height: 1.5; }} li {{ margin-bottom: 1em; }} li p {{ margin: 0.2em 0 0; color: #444; }}
</style>
</head>
<body>
<h1>labkit: the lab</h1>
<p>The lab's notebooks, executed and rendered by <code>make docs</code> (labkit {html.escape(__version__)}).
Widgets show the state they were left in; run <code>make lab</code> to change them.</p>
<h2>Notebooks</h2>
<ul>
{items(notebook_pages)}
</ul>
{linked}
</body>
</html>
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.lab.site", description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=Path, default=ROOT / "build" / "site-assets", help="npm files cache")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("assets", help="fetch the pinned npm files the pages load (needs npm, once)")
    build = actions.add_parser("build", help="execute the notebooks and write the site")
    build.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    build.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)
    try:
        fetch_assets(args.assets)
        if args.action == "assets":
            return 0
        executed = {}
        for path in args.notebooks or notebooks.find(ROOT / "notebooks"):
            print(f"running {os.path.relpath(path)}", flush=True)
            executed[path] = notebooks.execute(path, ROOT)
        pages = build_site(executed, args.out, assets=args.assets)
    except OSError as exc:
        print(f"labkit.lab.site: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (LabkitError, ValueError) as exc:  # a bad notebook, a failing cell, a broken link
        print(f"labkit.lab.site: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages and their index: {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
