"""What both fast ways into the store share: the header check, labkit's own reader vouching for the
lines a fast reader did not take (`labkit.store.fast` through DuckDB, `labkit.store.onepass` in C), and
the order of the events."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from labkit.store.convert import ENCODE, event_columns
from labkit.trace import MAX_LINE_BYTES, TraceHeader
from labkit.trace.parse import BadLine, decode_line, parse_event, parse_header

if TYPE_CHECKING:
    import pyarrow as pa


def canonical_header(line: bytes) -> TraceHeader | None:
    """The header a first line (with its newline) spells exactly as labkit writes it, else None."""
    try:  # the checks read_trace makes (UTF-8, no NUL, no BOM, no lone surrogate), then the fields
        header = parse_header(decode_line(line.removesuffix(b"\n")))
    except Exception:  # any problem at all: the exact reader explains it
        return None
    if (ENCODE(header.to_dict()) + "\n").encode() != line:
        return None
    return header


def vouch(events: pa.Table, suspect: np.ndarray, line_of: Callable[[int], bytes]) -> pa.Table | None:
    """``events`` with the row of each ``suspect`` line read by labkit's own reader instead (``line_of``
    gives a row's line without its newline), or None when one of them is not valid or not canonical."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = np.flatnonzero(suspect)
    if len(rows) == 0:
        return events
    parsed = []
    for row in rows.tolist():
        line = line_of(row)
        if len(line) > MAX_LINE_BYTES:
            return None
        try:
            event = parse_event(decode_line(line))
        except BadLine:
            return None
        if event.to_json().encode() != line:
            return None
        parsed.append(event)
    patch = event_columns(parsed)
    mask = pa.array(np.asarray(suspect, bool))
    columns = []
    for name in events.column_names:
        column = events[name].combine_chunks()
        if name in patch.column_names:
            column = pc.replace_with_mask(column, mask, patch[name].combine_chunks().cast(column.type))
        columns.append(column)
    return events.from_arrays(columns, names=events.column_names)


def in_order(events: pa.Table) -> bool:
    """Whether ``seq`` rises and ``t`` never falls from one event to the next (read_trace refuses
    anything else)."""
    seq, t = events["seq"].to_numpy(), events["t"].to_numpy()
    return not ((seq[1:] <= seq[:-1]).any() or (t[1:] < t[:-1]).any())
