"""A log set of gigabytes into one Parquet table of its lines, a block at a time: the fast, columnar import.

    from labkit.clusterlog import columnar

    scan = columnar.scan(["logs/"], "logs.parquet")     # every line of every node, one row each
    scan.rows, scan.recognised                          # how many lines, how many in a recognised shape

`labkit.clusterlog.read` makes one trace event per entry in Python: right for the views, a few MB/s.
This path keeps Python off the per-line work. Each block of decoded text goes through one regular
expression in one call (``findall``: the prefix fields of every line at once); pyarrow turns the stamps
into UTC milliseconds and finds the lines that hold a pattern's needle, vectorised; only those few lines
go through the pattern table (`labkit.clusterlog.patterns.recognise`) in Python; the rows go to Parquet
block by block, so memory stays at a few blocks whatever the size of the input.

Every line is a row (blank lines are counted, not written), with its file, node and line number:

- ``utc_ms`` (the stamp as UTC ms, the file's offset subtracted; null for a line without a full stamp),
  ``pid``, ``tid``, ``level``, ``function``, ``component``, ``text``;
- ``kind``, ``name``, ``subject`` of the event it stands for: a recognised shape, else a ``LogLine``
  note on the node's lane (as the full reader makes it, without the ``[RES]`` resource lane);
- ``prefixed``: whether the line has the full ``pid.tid::date-time`` prefix. Lines without it (section
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

PREFIX = re.compile(
    r"^(?:([0-9A-Fa-f]{1,16})\.([0-9A-Fa-f]{1,16})::(\d{4}/\d\d/\d\d-\d\d:\d\d:\d\d)\.(\d{1,7}) "
    r"([A-Za-z]+) +(?:([^\s\[\]]*)\[([^\]\r\n]{1,40})\] ?)?)?(.*?)\r?$",
    re.M,
)
"""The full Get-ClusterLog prefix (cluster-offline §8) of every line of a block, in one ``findall``."""
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


def _table(
    rows: list[tuple[str, ...]], file: str, node: str, first_line: int, offset_ms: int
) -> tuple[Any, int]:
    """One block's rows as a pyarrow table (blank lines left out), and how many it recognised."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pid, tid, second, fraction, level, function, component, text = map(list, zip(*rows, strict=True))
    n = len(text)
    stamps = pa.array(second, pa.string())
    prefixed = pc.not_equal(stamps, "")
    seconds = pc.cast(pc.strptime(pc.if_else(prefixed, stamps, None), "%Y/%m/%d-%H:%M:%S", "s"), pa.int64())
    millis = pc.cast(
        pc.utf8_slice_codeunits(pc.binary_join_element_wise(pa.array(fraction, pa.string()), "00", ""), 0, 3),
        pa.int64(),
    )
    utc = pc.subtract(pc.add(pc.multiply(seconds, 1000), millis), offset_ms)
    texts = pa.array(text, pa.string())
    kinds, names, subjects = ["note"] * n, ["LogLine"] * n, [f"node:{node}"] * n
    hits = pc.indices_nonzero(pc.match_substring_regex(texts, NEEDLES)).to_pylist()
    for i in hits:
        found = recognise(text[i], component[i] or None)
        if found is not None:
            event = found[1]
            kinds[i], names[i], subjects[i] = event.kind.value, event.name, event.subject or f"node:{node}"

    def strings(values: list[str]) -> Any:
        return pc.if_else(pc.equal(pa.array(values, pa.string()), ""), None, pa.array(values, pa.string()))

    table = pa.table(
        {
            "file": pa.array([file] * n, pa.string()),
            "node": pa.array([node] * n, pa.string()),
            "line": pa.array(range(first_line, first_line + n), pa.int64()),
            "utc_ms": utc,
            "pid": strings(pid),
            "tid": strings(tid),
            "level": strings(level),
            "function": strings(function),
            "component": strings(component),
            "text": texts,
            "kind": pa.array(kinds, pa.string()),
            "name": pa.array(names, pa.string()),
            "subject": pa.array(subjects, pa.string()),
            "prefixed": prefixed,
        }
    )
    blank = pc.and_(pc.invert(prefixed), pc.equal(pc.utf8_trim_whitespace(texts), ""))
    return table.filter(pc.invert(blank)), sum(1 for i in hits if names[i] != "LogLine")


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
                rows = PREFIX.findall(block)
                table, known = _table(rows, name, node, line, utc_offset_minutes * 60_000)
                line += len(rows)
                result.blank += len(rows) - table.num_rows
                result.rows += table.num_rows
                result.recognised += known
                result.unprefixed += table.num_rows - int(pc.sum(table.column("prefixed")).as_py() or 0)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema, compression="zstd")
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
