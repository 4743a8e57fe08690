"""The sources page: every source key labkit cites anywhere is on it, and every citation links to it."""

import ast
import json
import re

import pytest
from bs4 import BeautifulSoup

from labkit import nspv2, views
from labkit.lab import notebooks
from labkit.lab import sources as page
from labkit.lab.errata import ERRATA, errata_frame
from labkit.views.rules import catalogue_document, find_rule
from labkit.winapi import sources
from labkit.winapi.sources import CATALOGUE, citations, link_html, link_markdown
from tests.hostile import PAYLOADS
from tests.lab import LAB, ROOT

SECTION = re.compile(r"(?:nspv2|cluster-offline) §\d")
BARE = re.compile(r"§(\d+(?:\.\d+)*)")


def code_strings():
    """Every string constant of labkit's code that cites a sheet section (refs, rule sources)."""
    found = []
    for path in sorted((ROOT / "labkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SECTION.search(node.value):
                found.append(node.value)
            if isinstance(node, ast.JoinedStr):  # f"nspv2 §2.2; policy crash={...}": its fixed parts
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if SECTION.search(text):
                    found.append(text)
    return found


def golden_refs():
    refs = set()
    for path in sorted((ROOT / "data" / "traces").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            ref = json.loads(line).get("ref")
            if ref and SECTION.search(ref):
                refs.add(ref)
    return sorted(refs)


def test_the_committed_page_is_what_the_catalogue_gives():
    """docs/sources.md is written from the catalogue (`python -m labkit.lab.sources write`)."""
    assert page.main(["check"]) == 0


def test_every_key_has_one_entry_with_its_anchor_and_an_address():
    """Each key an anchor of its own, each anchor once on the page; every non-section source an address
    (but H-SDK, a copy whose repository is unknown), Microsoft pages on learn.microsoft.com."""
    anchors = [source.anchor for source in CATALOGUE.values()]
    assert len(set(anchors)) == len(anchors) == len(CATALOGUE)
    soup = BeautifulSoup((ROOT / "docs" / "sources.md").read_text(), features="html.parser")
    assert sorted(a["id"] for a in soup.select("a[id]")) == sorted(anchors)
    missing = [s.key for s in CATALOGUE.values() if s.kind != "section" and not s.address]
    assert missing == ["H-SDK"]
    pages = [
        s for s in CATALOGUE.values() if s.key.startswith(("D-", "W:")) or s.key in ("OV2", "TERM", "CRS")
    ]
    assert {s.address.split("/")[2] for s in pages} == {"learn.microsoft.com"}


def test_every_ref_in_code_and_in_the_recorded_traces_cites_a_section_of_the_catalogue():
    """Each `§N` of every ref resolves to exactly that section (not merely a parent of it)."""
    texts = code_strings() + golden_refs()
    assert len(texts) > 20
    unresolved = []
    for text in texts:
        cited = {(c.start, c.end): c.key for c in citations(text)}
        for match in BARE.finditer(text):
            keys = [k for (start, end), k in cited.items() if start <= match.start() < end]
            if not keys or not keys[0].endswith(f"§{match[1]}"):
                unresolved.append((text, match[0]))
    assert unresolved == []


def test_every_basis_of_notebook_08_cites_its_sources():
    """Each comma-separated part of an erratum's basis cites at least one key."""
    bare = [
        (e.id, part.strip())
        for e in ERRATA
        for part in e.basis.split(",")
        if not citations(part) and part.strip() != "scraper links"
    ]
    assert bare == []
    assert [c.key for c in citations("OV2@2cd469d, SEED")] == ["OV2", "SEED"]


def test_citations_in_a_rule_source():
    """Sheet sections (a bare § belongs to the last sheet named), guide pages, header lines, keys."""
    text = "cluster-offline §6.4, §7 G6; H:clus:3110-3215 and H:res:451-457, W:failover, SYN-*, MS-CMRP 3.1"
    assert [(text[c.start : c.end], c.key) for c in citations(text)] == [
        ("cluster-offline §6.4", "cluster-offline §6.4"),
        ("§7", "cluster-offline §7"),
        ("H:clus:3110-3215", "H:clus"),
        ("H:res:451-457", "H:res"),
        ("W:failover", "W:failover"),
        ("SYN-*", "SYN"),
        ("MS-CMRP", "MS-CMRP"),
    ]
    assert citations("W:no-such-page, ORXY, XOV2, §4 alone, labkit's own limit") == []


def test_links_escape_the_text_around_them():
    """HTML: the key is a link with a title saying what it is; everything else is escaped text."""
    hostile = " ".join(PAYLOADS)
    shown = link_html(f"nspv2 §2.2 {hostile}", base="../docs/sources.md")
    soup = BeautifulSoup(shown, features="html.parser")
    assert [(a["href"], a.get_text()) for a in soup.select("a")] == [
        ("../docs/sources.md#nspv2-2-2", "nspv2 §2.2")
    ]
    assert soup.select("a")[0]["title"] == CATALOGUE["nspv2 §2.2"].what
    assert soup.get_text() == f"nspv2 §2.2 {hostile}"
    assert not soup.select("img, script")
    assert link_markdown("see H-ROS.", base="s.md") == "see [H-ROS](s.md#h-ros)."


@pytest.mark.parametrize("key", ["nspv2 §2.1.7", "cluster-offline §6.4", "H:res", "W:implementing-offline"])
def test_anchors_are_plain(key):
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", sources.anchor(key))


MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def prose(text):
    """Markdown without code (fenced or inline), each code character kept as a space."""
    blank = lambda m: " " * len(m.group())  # noqa: E731
    return re.sub(r"`[^`\n]*`", blank, re.sub(r"```.*?```", blank, text, flags=re.S))


def unlinked(text, page):
    """Citations in markdown prose that are not inside a link to their own entry of ``page``."""
    text = prose(text)
    links = [(m.start(), m.end(), m[2]) for m in MARKDOWN_LINK.finditer(text)]
    return [
        text[c.start : c.end]
        for c in citations(text)
        if not any(
            s <= c.start and c.end <= e and t == f"{page}#{sources.anchor(c.key)}" for s, e, t in links
        )
    ]


@pytest.mark.parametrize(
    "path",
    [*LAB, ROOT / "README.md", ROOT / "docs" / "trace-conventions.md", ROOT / "data" / "README.md"],
    ids=str,
)
def test_every_citation_in_prose_is_a_link_to_its_entry(path):
    """Notebooks and documents of the site: a key in prose links to its entry (code spans are code)."""
    if path.suffix == ".ipynb":
        texts = [c.source for c in notebooks.read(path).cells if c.cell_type == "markdown"]
    else:
        texts = [path.read_text(encoding="utf-8")]
    page = "sources.md" if path.parent.name == "docs" else "../docs/sources.md"
    if path.name == "README.md" and path.parent == ROOT:
        page = "docs/sources.md"
    assert [u for text in texts for u in unlinked(text, page)] == []


def test_readable_tables_link_every_ref():
    """A fault table's refs are rule ids: each links to its rule on the catalogue page, titled with the
    statement; an errata table's bases link every key to the sources page; links can be left out."""
    frame = views.faults_table(nspv2.simulate("leaky-rundown").trace)
    soup = BeautifulSoup(views.readable(frame).to_html(), features="html.parser")
    refs = [r for r in frame["ref"] if r]
    assert refs and [(a.get_text(), a["href"]) for a in soup.select("td a")] == [
        (ref, f"../docs/rules.md#{ref}") for ref in refs
    ]
    assert soup.select("td a")[0]["title"].startswith(find_rule(refs[0]).statement)
    errata = BeautifulSoup(views.readable(errata_frame("cluster")).to_html(), features="html.parser")
    first = errata.select("tbody tr")[0].select("td")[list(errata_frame("cluster").columns).index("basis")]
    assert (first.get_text(), [a["href"] for a in first.select("a")]) == (
        "OV2@2cd469d, SEED",
        ["../docs/sources.md#ov2", "../docs/sources.md#seed"],
    )
    plain = BeautifulSoup(views.readable(frame, sources=None).to_html(), features="html.parser")
    assert plain.select("td a") == []


def test_the_rule_catalogue_links_its_sources_and_its_source_column():
    """docs/rules.md: each rule's source keys link to the sources page; views.rules_table's source column
    does too when shown with readable()."""
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert catalogue_document() == page
    items = [line for line in page.splitlines() if line.startswith('- <a id="')]
    assert items and [line for line in items if "](sources.md#" not in line] == []
    table = views.rules_table("cluster")
    soup = BeautifulSoup(views.readable(table[["id", "source"]]).to_html(), features="html.parser")
    assert all(row.select("td a") for row in soup.select("tbody tr"))
