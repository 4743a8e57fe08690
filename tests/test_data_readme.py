"""data/README.md describes exactly the recorded traces that are in data/traces."""

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
TRACE_NAME = re.compile(r"[\w.-]+\.jsonl")


def described(text):
    """Every trace file name the README mentions, with how often it has a table row of its own."""
    names = set(TRACE_NAME.findall(text))
    rows = [
        m.group(1) for m in re.finditer(r"^\| \[`([\w.-]+\.jsonl)`\]\(traces/\1\) \| \S.*\|$", text, re.M)
    ]
    return names, rows


def test_every_trace_has_one_row_and_every_name_is_a_trace():
    """A trace without its row, a row twice, or a name of a file that does not exist fails, by name."""
    names, rows = described((DATA / "README.md").read_text(encoding="utf-8"))
    files = sorted(p.name for p in (DATA / "traces").glob("*.jsonl"))
    assert sorted(set(files) - set(rows)) == [], "traces without a row in data/README.md"
    assert sorted(names - set(files)) == [], "data/README.md names traces that do not exist"
    assert sorted(rows) == files, "a trace has more than one row in data/README.md"


def test_the_check_catches_a_missing_row_and_a_stale_name():
    """The parser sees rows and names as a person reads them: a dropped row and a renamed file both show."""
    text = (
        "| [`a.jsonl`](traces/a.jsonl) | What a shows. |\n"
        "| [`b.jsonl`](traces/c.jsonl) | A row whose link points elsewhere is not b's row. |\n"
        "See `old-name.jsonl` too.\n"
    )
    names, rows = described(text)
    assert rows == ["a.jsonl"]
    assert names == {"a.jsonl", "b.jsonl", "c.jsonl", "old-name.jsonl"}
