"""What a source key stands for: a `Source` (a page, a header, a protocol section, a sample, a text) or a
`Section` of one of the two reference sheets."""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = {
    "section": "Sections of the reference sheets",
    "page": "Microsoft documentation pages",
    "header": "Header files",
    "protocol": "Protocol specification",
    "sample": "Sample code",
    "other": "Other public texts",
}
"""The kinds of source, in the order the sources page lists them, with their headings."""


@dataclass(frozen=True)
class Source:
    """One source key and what it stands for."""

    key: str
    """As refs and rules write it (``D-Startup``, ``H:res``, ``W:failover``, ``nspv2 §2.2``)."""
    kind: str
    """One of `KINDS`."""
    what: str
    """What it is, in labkit's words (one or two sentences)."""
    address: str = ""
    """Where to read it (empty when it has no public address)."""
    more: tuple[str, ...] = ()
    """Further addresses, when the key stands for more than one page."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"source {self.key!r}: kind must be one of {', '.join(KINDS)}")
        if not self.what.endswith("."):
            raise ValueError(f"source {self.key!r}: say what it is in a sentence ending with '.'")

    @property
    def anchor(self) -> str:
        """Its anchor on the sources page."""
        return anchor(self.key)


def anchor(key: str) -> str:
    """The sources page's anchor for ``key``: lower case, every run of other characters one ``-``
    (``H:res`` → ``h-res``, ``nspv2 §1.3`` → ``nspv2-1-3``)."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
