"""A log set of gigabytes into one Parquet table of its lines, a block at a time: the fast, columnar import.

    from labkit.clusterlog import columnar

    scan = columnar.scan(["logs/"], "logs.parquet")     # every line of every node, one row each
    scan.rows, scan.recognised                          # how many lines, how many in a recognised shape

`labkit.clusterlog.read` makes one trace event per entry in Python: right for the views, a few MB/s.
This path keeps Python off the per-line work. Each block of decoded text becomes one Arrow string array
(its UTF-8 bytes and the offsets of its newlines, no Python string per line); pyarrow's kernels check the
fixed-width prefix of every line, cut its fields, turn the stamps into UTC milliseconds and find the lines
that hold a pattern's needle, vectorised; only those few lines go through the pattern table
(`labkit.clusterlog.patterns.recognise`) in Python; the rows go to Parquet block by block, so memory stays
at a few blocks whatever the size of the input.

Every line is a row (blank lines are counted, not written), with its file, node and line number:

- ``utc_ms`` (the stamp as UTC ms, the file's offset subtracted; null for a line without a full stamp),
  ``pid``, ``tid``, ``level``, ``function``, ``component``, ``text``;
- ``kind``, ``name``, ``subject`` of the event it stands for: a recognised shape, else a ``LogLine``
  note on the node's lane (as the full reader makes it, without the ``[RES]`` resource lane);
- ``prefixed``: whether the line has the full prefix at its fixed widths. Lines without it (section
  tables, continuation lines, trimmed or pasted shapes) are kept as they are, ``text`` the whole line:
  joining continuations, carrying times and sorting are the full reader's work (`labkit.clusterlog.read`).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.clusterlog.decode import BLOCK, TextFile
from labkit.clusterlog.patterns import PATTERNS, recognise
from labkit.clusterlog.reader import display_names, expand, node_of_path
from labkit.exceptions import OutputExistsError

FULL = r"^[0-9A-Fa-f]{8}\.[0-9A-Fa-f]{8}::\d{4}/\d\d/\d\d-\d\d:\d\d:\d\d\.\d{3} [A-Za-z][A-Za-z ]{4} [^ ]"
"""The full Get-ClusterLog prefix at fixed widths (cluster-offline §8: ``pid.tid::`` in 8 hex digits each,
the stamp to the ms, the level left-justified to 5 characters and a space), RE2 syntax for pyarrow."""
TAG = r"^(?P<function>[^\s\[\]]*)\[(?P<component>[^\]]{1,40})\]"
"""An optional function prefix and the component tag at the start of the message."""
NEEDLES = "|".join(re.escape(n) for n in dict.fromkeys(row.needle for row in PATTERNS))
"""Any pattern's needle (RE2 syntax, for pyarrow): only lines holding one go through the pattern table."""
COLUMNS = (
    "file", "node", "line", "utc_ms", "pid", "tid", "level", "function", "component", "text",
    "kind", "name", "subject", "prefixed",
)  # fmt: skip
_CHARS = BLOCK  # characters decoded per block


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
    bytes_read: int = 0


def _blocks(path: Path, name: str) -> Iterator[str]:
    """Decoded text of a file in blocks that end on a line end (the last one may not)."""
    text = TextFile(path, name)
    with open(path, "rb") as raw:
        head = raw.read(BLOCK)
        skip = text.detect(head)
        decoder = codecs.getincrementaldecoder(text.encoding)(errors="replace")
        carry = decoder.decode(head[skip:])
        while True:
            data = raw.read(BLOCK * 2)
            carry += decoder.decode(data, final=not data)
            cut = carry.rfind("\n")
            if not data:
                if carry:  # the last line end ends the last line; it starts no new one
                    yield carry[:-1] if carry.endswith("\n") else carry
                return
            if cut >= 0:
                yield carry[:cut]
                carry = carry[cut + 1 :]


def _lines(block: str) -> Any:
    """A block's lines as one Arrow string array, without their line ends: the UTF-8 bytes and the offsets
    of the newlines, handed to Arrow as they are (no Python string per line)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    data = block.encode("utf-8", errors="surrogatepass")
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    offsets = np.empty(len(newlines) + 2, np.int64)
    offsets[0], offsets[-1] = 0, len(data)
    offsets[1:-1] = newlines + 1
    lines = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
    return pc.utf8_rtrim(lines, characters="\r\n")


def _table(lines: Any, file: str, node: str, first_line: int, offset_ms: int) -> tuple[Any, int]:
    """One block's lines as a pyarrow table (blank lines left out), and how many it recognised."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(lines)
    prefixed = pc.match_substring_regex(lines, FULL)

    def part(start: int, stop: int) -> Any:
        return pc.if_else(prefixed, pc.utf8_slice_codeunits(lines, start, stop), None)

    rest = pc.if_else(prefixed, pc.utf8_slice_codeunits(lines, 49, 1 << 40), lines)
    tag = pc.extract_regex(pc.utf8_slice_codeunits(rest, 0, 160), TAG)
    tagged = pc.and_(prefixed, pc.is_valid(tag))
    text = pc.if_else(tagged, pc.replace_substring_regex(rest, TAG + " ?", "", max_replacements=1), rest)
    seconds = pc.cast(pc.strptime(part(19, 38), "%Y/%m/%d-%H:%M:%S", "s"), pa.int64())
    utc = pc.subtract(pc.add(pc.multiply(seconds, 1000), pc.cast(part(39, 42), pa.int64())), offset_ms)
    component = pc.if_else(tagged, pc.struct_field(tag, "component"), None)
    hit = pc.match_substring_regex(text, NEEDLES)
    found = [
        (i, recognise(text[i].as_py(), component[i].as_py())) for i in pc.indices_nonzero(hit).to_pylist()
    ]
    events = {i: match[1] for i, match in found if match is not None}
    chosen = np.zeros(n, dtype=bool)
    chosen[list(events)] = True
    mask = pa.array(chosen) if events else None

    def column(default: str, values: list[str]) -> Any:
        base = pa.repeat(pa.scalar(default, pa.string()), n)
        return base if mask is None else pc.replace_with_mask(base, mask, pa.array(values, pa.string()))

    order = sorted(events)
    kinds = column("note", [events[i].kind.value for i in order])
    names = column("LogLine", [events[i].name for i in order])
    subjects = column(f"node:{node}", [events[i].subject or f"node:{node}" for i in order])
    function = pc.if_else(tagged, pc.struct_field(tag, "function"), None)
    table = pa.table(
        {
            "file": pa.repeat(pa.scalar(file, pa.string()), n),
            "node": pa.repeat(pa.scalar(node, pa.string()), n),
            "line": pa.array(np.arange(first_line, first_line + n, dtype=np.int64)),
            "utc_ms": utc,
            "pid": part(0, 8),
            "tid": part(9, 17),
            "level": pc.utf8_rtrim_whitespace(part(43, 48)),
            "function": pc.if_else(pc.equal(function, ""), None, function),
            "component": component,
            "text": text,
            "kind": pa.array(kinds, pa.string()),
            "name": pa.array(names, pa.string()),
            "subject": pa.array(subjects, pa.string()),
            "prefixed": prefixed,
        }
    )
    blank = pc.and_(pc.invert(prefixed), pc.equal(pc.utf8_trim_whitespace(lines), ""))
    return table.filter(pc.invert(blank)), len(events)


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
    writer = None
    try:
        for path, name, node in zip(files, result.files, result.nodes, strict=True):
            result.bytes_read += path.stat().st_size
            line = 1
            for block in _blocks(path, name):
                lines = _lines(block)
                table, known = _table(lines, name, node, line, utc_offset_minutes * 60_000)
                line += len(lines)
                result.blank += len(lines) - table.num_rows
                result.rows += table.num_rows
                result.recognised += known
                result.unprefixed += table.num_rows - int(pc.sum(table.column("prefixed")).as_py() or 0)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema, compression="snappy")
                writer.write_table(table)
        if writer is not None:
            writer.close()
            writer = None
            partial.replace(target)
    finally:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
    return result
