"""README reads as one document: each section holds its own subject, and it points at the project's own
pages rather than at material outside it."""

import re

from tests.lab import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def sections():
    """{heading: body} of the README's ## sections."""
    parts = re.split(r"^## (.+)$", README, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_reliability_bullets_sit_under_reliability():
    """The bold-titled bullets are all in Reliability, none under Recorded traces."""
    found = sections()
    titles = {name: re.findall(r"^- \*\*(.+?)\*\*", body, flags=re.M) for name, body in found.items()}
    assert titles["Reliability"] == [
        "Broken and hostile files.",
        "Never a crash.",
        "Concurrent and interrupted writers.",
        "Fast reading, same answers.",
        "Misbehaving providers and DLLs.",
        "Runs that would not end.",
        "Names show as text.",
        "Nothing runs what it reads.",
    ]
    assert titles["Recorded traces (`data/`)"] == []


def test_no_stray_fragment_no_outside_material_no_issue_numbers():
    """Each sentence once; sources through docs/sources.md; no tracker numbers a reader cannot follow."""
    assert README.count("with a peak of 0.7 GB") == 1
    assert "shared/reference" not in README and "docs/sources.md" in README
    assert re.findall(r"\bissue \d+", README) == []


def test_quick_start_has_an_install_only_target():
    assert re.search(r"^make setup\s+#", README, flags=re.M)
    assert re.search(r"^setup:", (ROOT / "Makefile").read_text(), flags=re.M)
