"""The sources page (``docs/sources.md``): written from `labkit.winapi.sources`, committed, part of the site.

python -m labkit.lab.sources write     # rewrite docs/sources.md from the catalogue
python -m labkit.lab.sources check     # exit 1 if docs/sources.md is not what the catalogue gives
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from labkit.winapi import sources
from labkit.winapi.sources import CATALOGUE, KINDS, SHEETS, Source, link_markdown

ROOT = Path(__file__).resolve().parents[2]
"""The project root when labkit runs from its source tree."""

_INTRO = """\
# Sources

Every behaviour labkit models, every fault it records and every rule of its catalogue says what it rests
on. They say it with short keys: a trace event's `ref` names a section of one of the two reference sheets
labkit was built from (`nspv2 §2.2`, `cluster-offline §4`), an erratum's basis in
[What The Docs Get Wrong](../notebooks/08-What-The-Docs-Get-Wrong.ipynb) and a rule's source name the
public material itself (`H-ROS`, `S-Prov`, `OV2@2cd469d`, `W:failover`, `H:res:451-457`). This page
says what each key stands for and where to read it. In labkit's tables, notebooks and site every key is
a link to its entry here.

How to read a ref:

- `nspv2 §2.2; policy crash=rundown`: the sheet section the behaviour rests on, then the switchable
  policy that chose it (an inferred behaviour: see the section).
- `cluster-offline §6.4, §7 G6; H:clus:3110-3215`: sections of one sheet (`§7` with the gap it lists),
  then the sources behind them; `H:clus:3110-3215` is lines 3110 to 3215 of that header.
- `OV2@2cd469d`: the page as it read at that commit of Microsoft's documentation repository.
- `cluster.log:1234` (imported traces): the file and line the event was read from; not a source key.

The evidence a trace gives each event says how far to trust it: *documented* (a Microsoft page says so),
*header* (read from a header file), *sample* (Microsoft's sample code does it), *observed* (seen in real
logs) or *inferred* (labkit's reading where no source says; such behaviours are switchable policies).
The two sheets are labkit's working notes and are not published; each of their sections is described
below with the public sources it rests on.
"""


def render() -> str:
    """The whole page, as markdown."""
    parts = [_INTRO]
    for kind, heading in KINDS.items():
        entries = [s for s in CATALOGUE.values() if s.kind == kind]
        parts.append(f"## {heading}\n")
        if kind == "section":
            for sheet, what in SHEETS.items():
                parts.append(f"### {sheet} §: {what}\n")
                parts.append(_entries(e for e in entries if e.key.startswith(f"{sheet} §")))
        else:
            parts.append(_entries(entries))
    return "\n".join(parts).rstrip("\n") + "\n"


def _entries(entries: Iterable[Source]) -> str:
    return "\n".join(_entry(source) for source in entries) + "\n"


def _entry(source: Source) -> str:
    """One list item: the anchor, the key, what it is (its keys linked), where to read it."""
    what = link_markdown(source.what, base="")
    where = " ".join(
        f"[{_shown(address)}]({address})" for address in (source.address, *source.more) if address
    )
    return f'- <a id="{source.anchor}"></a>**{source.key}**: {what}' + (f" {where}" if where else "")


def _shown(address: str) -> str:
    """An address without its scheme, as the link's text."""
    return address.split("://", 1)[-1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.lab.sources", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["write", "check"])
    parser.add_argument("--page", type=Path, default=ROOT / sources.PAGE)
    args = parser.parse_args(argv)
    text = render()
    if args.action == "write":
        args.page.write_text(text, encoding="utf-8")
        print(f"wrote {args.page}")
        return 0
    current = args.page.read_text(encoding="utf-8") if args.page.is_file() else ""
    if current != text:
        print(f"{args.page}: not what the catalogue gives; run `python -m labkit.lab.sources write`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
