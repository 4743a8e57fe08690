"""A log set of gigabytes into one Parquet table of its lines, a block at a time: the fast, columnar import.

    from labkit.clusterlog import columnar

    scan = columnar.scan(["logs/"], "logs.parquet")     # every line of every node, one row each
    scan.rows, scan.recognised                          # how many lines, how many in a recognised shape

`labkit.clusterlog.read` makes one trace event per entry in Python: right for the views, a few MB/s.
This path keeps Python off the per-line work. A file becomes blocks of UTF-8 bytes
(`labkit.clusterlog.blocks`: UTF-16 that holds only ASCII is converted by numpy, without decoding);
each block is one byte array and the offsets of its lines. The fixed-width prefix of every line is
checked, cut into fields and its stamp turned into UTC milliseconds by numpy on those bytes
(`labkit.clusterlog.prefix`); the text is an Arrow ``string_view`` column pointing into the block (no
copy); one RE2 kernel (pyarrow) finds the lines that hold a pattern's needle, and only those few go
through the pattern table (`labkit.clusterlog.patterns.recognise`) in Python. The rows go to Parquet
block by block, so memory stays at a few blocks whatever the size of the input.

Every line is a row (blank lines are counted, not written), with its file, node and line number:

- ``utc_ms`` (the stamp as UTC ms, the file's offset subtracted; null for a line without a full stamp
  and for a stamp that names no real time, such as month 13),
  ``pid``, ``tid``, ``level``, ``function``, ``component``, ``text``;
- ``kind``, ``name``, ``subject`` of the event it stands for: a recognised shape, else a ``LogLine``
  note on the node's lane (as the full reader makes it, without the ``[RES]`` resource lane);
- ``prefixed``: whether the line has the full prefix at its fixed widths. Lines without it (section
  tables, continuation lines, trimmed or pasted shapes) are kept as they are, ``text`` the whole line:
  joining continuations, carrying times and sorting are the full reader's work (`labkit.clusterlog.read`).

Bytes that are not valid in the file's encoding become U+FFFD; a line longer than
`labkit.clusterlog.decode.MAX_LINE_CHARS` bytes is kept cut to that length and counted (`Scan.cut`).
The file's columns are plain strings, integers and booleans; only ``line`` and ``utc_ms`` carry min/max
statistics (a reader filtering on time skips row groups).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from labkit.clusterlog import prefix
from labkit.clusterlog.blocks import Utf8Blocks
from labkit.clusterlog.decode import MAX_LINE_CHARS
from labkit.clusterlog.patterns import PATTERNS, recognise
from labkit.clusterlog.reader import display_names, expand, node_of_path
from labkit.exceptions import OutputExistsError

NEEDLES = "|".join(re.escape(n) for n in dict.fromkeys(row.needle for row in PATTERNS))
"""Any pattern's needle (RE2 syntax, for pyarrow): only lines holding one go through the pattern table."""
COLUMNS = (
    "file", "node", "line", "utc_ms", "pid", "tid", "level", "function", "component", "text",
    "kind", "name", "subject", "prefixed",
)  # fmt: skip


@cache
def schema() -> Any:
    """The table's columns as the scan builds them (readers of the Parquet file see plain strings)."""
    import pyarrow as pa

    words = pa.dictionary(pa.int32(), pa.string())
    fields = {"file": words, "node": words, "line": pa.int64(), "utc_ms": pa.int64()}
    fields |= {name: pa.string() for name in ("pid", "tid", "level", "function", "component")}
    fields |= {"text": pa.string_view(), "kind": words, "name": words, "subject": words}
    return pa.schema([*fields.items(), ("prefixed", pa.bool_())])


@dataclass
class Scan:
    """What a columnar import read: rows written, lines recognised, blank lines counted."""

    path: Path
    files: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    rows: int = 0
    recognised: int = 0
    unprefixed: int = 0
    blank: int = 0
    cut: int = 0
    """Lines longer than `labkit.clusterlog.decode.MAX_LINE_CHARS` bytes, kept cut to that length."""
    bytes_read: int = 0


def _events(lines: prefix.Lines, text: Any, component: Any, node: str) -> tuple[dict[str, Any], int]:
    """The ``kind``, ``name`` and ``subject`` columns: a ``LogLine`` note on the node's lane, except the
    lines the pattern table recognises (only lines holding a needle are tried, in Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(lines)
    tried = pc.indices_nonzero(pc.match_substring_regex(lines.arrow(), NEEDLES)).to_numpy()
    events = {}
    for i in tried.tolist():
        match = recognise(text[i].as_py(), component[i].as_py())
        if match is not None:
            events[i] = match[1]
    found = sorted(events)

    def column(default: str, values: list[str]) -> Any:
        names = list(dict.fromkeys([default, *values]))
        indices = np.zeros(n, dtype=np.int32)
        indices[found] = [names.index(v) for v in values]
        return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string()))

    lane = f"node:{node}"
    columns = {
        "kind": column("note", [events[i].kind.value for i in found]),
        "name": column("LogLine", [events[i].name for i in found]),
        "subject": column(lane, [events[i].subject or lane for i in found]),
    }
    return columns, len(found)


def _table(
    block: bytes, file: str, node: str, first_line: int, offset_ms: int
) -> tuple[Any, prefix.Lines, int]:
    """One block's lines as a pyarrow table (blank lines left out); its lines, how many it recognised."""
    import pyarrow as pa

    lines = prefix.Lines.of(block, MAX_LINE_CHARS)
    n = len(lines)
    mask, head = prefix.prefixed(lines)
    tags = prefix.tags(lines, mask)
    component = prefix.substrings(lines, tags.component, tags.tagged)
    events, known = _events(lines, lines.view(tags.text, lines.ends), component, node)
    names = pa.array([file, node])
    columns = {
        "file": pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), names),
        "node": pa.DictionaryArray.from_arrays(np.ones(n, dtype=np.int32), names),
        "line": pa.array(np.arange(first_line, first_line + n, dtype=np.int64)),
        "utc_ms": prefix.utc_ms(head, mask, offset_ms),
        "pid": prefix.pid(head, mask),
        "tid": prefix.tid(head, mask),
        "level": prefix.level(head, mask),
        "function": prefix.substrings(lines, tags.function, tags.function[1] > tags.function[0]),
        "component": component,
        **events,
        "prefixed": pa.array(mask),
    }
    kept = ~_blank(lines, mask)
    if not kept.all():
        columns = {name: values.filter(pa.array(kept)) for name, values in columns.items()}
    columns["text"] = lines.view(tags.text[kept], lines.ends[kept])
    return pa.table(columns, schema=schema()), lines, known


def _blank(lines: prefix.Lines, mask: np.ndarray) -> np.ndarray:
    """Lines without the prefix that hold nothing but white space (Unicode's, as Arrow sees it)."""
    import pyarrow.compute as pc

    blank: np.ndarray = lines.ends == lines.starts
    others = np.flatnonzero(~mask & ~blank)
    if len(others):
        kept = lines.arrow().take(others)
        blank[others] = pc.equal(pc.utf8_trim_whitespace(kept), "").to_numpy(zero_copy_only=False)
    return blank


def scan(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    utc_offset_minutes: int = 0,
) -> Scan:
    """Every line of the cluster logs in ``paths`` (files or directories) into the Parquet file ``out``.

    Stamps are read as UTC unless ``utc_offset_minutes`` says how far east of UTC they were written.
    An existing ``out`` is kept unless ``force``; the table goes to a temporary file first.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    target = Path(out)
    if target.exists() and not force:
        raise OutputExistsError(f"{target}: file exists; pass force=True to overwrite it")
    files = expand(paths)
    result = Scan(target, display_names(files), [node_of_path(p) for p in files])
    partial = target.with_name(f".{target.name}.partial")
    # The schema is not stored: readers see plain strings for the dictionary and view columns.
    writer = pq.ParquetWriter(
        partial,
        schema(),
        compression="snappy",
        store_schema=False,
        use_dictionary=["file", "node", "kind", "name", "subject", "level", "component", "function"],
        write_statistics=["line", "utc_ms"],  # min/max of the texts cost a third of the writing
    )
    try:
        for path, name, node in zip(files, result.files, result.nodes, strict=True):
            result.bytes_read += path.stat().st_size
            line = 1
            blocks = Utf8Blocks(path, name)
            for block in blocks:
                table, lines, known = _table(block, name, node, line, utc_offset_minutes * 60_000)
                line += len(lines)
                result.cut += lines.cut
                result.blank += len(lines) - table.num_rows
                result.rows += table.num_rows
                result.recognised += known
                result.unprefixed += table.num_rows - int(pc.sum(table.column("prefixed")).as_py() or 0)
                writer.write_table(table)
            result.cut += blocks.cut
        writer.close()
        partial.replace(target)
    finally:
        writer.close()
        partial.unlink(missing_ok=True)
    return result
