"""The fastest way into the store: a canonical trace file read in one pass by compiled code.

`labkit.store._canonical` (C, built with labkit where a compiler is at hand) walks the file once and
fills the event columns as it parses, taking a line only when it is byte for byte the line labkit's writer
gives its event (see the C file's header for what that means, field by field). A line it does not take is
handed to labkit's own reader here, exactly as `labkit.store.fast` does for the lines DuckDB cannot vouch
for: a valid line spelled as labkit spells it (nested ``args``, say) is patched in; anything else sends the
whole file to `labkit.read_trace`, which explains the problem. Kinds and evidence are checked on columns.

`available()` says whether the module was built; without it `labkit.store.fast` uses DuckDB.
"""

from __future__ import annotations

import hashlib
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from labkit import winapi
from labkit.store.canonical import canonical_header, in_order, vouch
from labkit.store.convert import ID_DIGITS
from labkit.store.schema import TYPED_ARGS
from labkit.trace import MAX_LINE_BYTES, Evidence, Kind, TraceHeader

if TYPE_CHECKING:
    import pyarrow as pa

_COLUMNS = (
    *("seq", "t", "kind", "name", "actor", "subject", "args", "result", "result_name", "span", "evidence"),
    *("state_from", "state_to", "ref"),
)
"""The columns in `labkit.store.convert.event_columns`'s order (the typed columns follow)."""
_TYPED = tuple((a.column, a.keys, a.type == "int") for a in TYPED_ARGS)
_FLAGS = tuple((key, ((1 << 64) - 1) & ~flag.mask()) for key, flag in winapi.FLAG_ARGUMENTS.items())
"""Each flag argument with the bits outside its mask: a flag word with one of them set is not taken."""


def _module() -> ModuleType | None:
    try:
        import labkit.store._canonical as reader
    except ImportError:  # built without a C compiler: labkit.store.fast reads through DuckDB
        return None
    return reader


def available() -> bool:
    """Whether labkit was built with its one-pass reader."""
    return _module() is not None


def read_canonical(path: str | os.PathLike[str]) -> tuple[TraceHeader, str, pa.Table] | None:
    """The header, id and event columns of a canonical trace file (as
    `labkit.store.convert.event_columns` gives them), or None when the file must go through
    `labkit.read_trace` (or the module is not built)."""
    module = _module()
    if module is None:
        return None
    with open(path, "rb") as raw:
        body = raw.read()
    end = body.find(b"\n")
    if end < 0 or end > MAX_LINE_BYTES or not body.endswith(b"\n"):
        return None
    header = canonical_header(body[: end + 1])
    if header is None:
        return None
    scanned = module.scan(body, end + 1, _TYPED, _FLAGS)
    n = scanned["rows"]
    if n == 0:
        return None
    events = _table(scanned, n)
    taken = np.frombuffer(scanned["ok"], np.uint8).astype(bool)
    taken &= _known(events["kind"], Kind) & _known(events["evidence"], Evidence)
    ends = np.frombuffer(scanned["ends"], np.int64)
    begins = np.concatenate([[end + 1], ends[:-1] + 1])
    patched = vouch(events, ~taken, lambda row: body[begins[row] : ends[row]])
    if patched is None:
        return None
    if not in_order(patched):
        return None
    return header, hashlib.sha256(body).hexdigest()[:ID_DIGITS], patched


def _table(scanned: dict[str, Any], n: int) -> pa.Table:
    """The scanner's buffers as Arrow columns, without copying them."""
    import pyarrow as pa

    names = [*_COLUMNS, *(column for column, _, _ in _TYPED)]
    columns = []
    for name in names:
        parts = scanned[name]
        if len(parts) == 3:  # a string column: offsets, data, validity
            offsets, data, valid = parts
            buffers = [_validity(valid, n), pa.py_buffer(offsets), pa.py_buffer(data)]
            narrow = len(offsets) == 4 * (n + 1)  # int32 offsets for a file under 2 GiB
            column = pa.Array.from_buffers(pa.string() if narrow else pa.large_string(), n, buffers)
            columns.append(column if narrow else column.cast(pa.string()))
        else:  # numbers: values, validity
            values, valid = parts
            kind = pa.float64() if name == "t" else pa.int64()
            columns.append(pa.Array.from_buffers(kind, n, [_validity(valid, n), pa.py_buffer(values)]))
    return pa.table(columns, names=names)


def _validity(valid: bytes, n: int) -> pa.Buffer | None:
    """An Arrow validity bitmap from one byte per row (None when every row has a value)."""
    import pyarrow as pa

    flags = np.frombuffer(valid, np.uint8)
    if flags.all():
        return None
    return pa.py_buffer(np.packbits(flags, bitorder="little").tobytes())


def _known(column: pa.Array, vocabulary: type[Kind] | type[Evidence]) -> np.ndarray:
    """Which rows hold one of the vocabulary's values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    known = pc.is_in(column, pa.array([v.value for v in vocabulary], pa.string()))
    return np.asarray(pc.fill_null(known, False).to_numpy(zero_copy_only=False), bool)
