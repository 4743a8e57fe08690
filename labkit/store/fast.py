"""The fast ways into the store: a trace file spelled exactly as labkit writes it, read without Python
objects per event.

`read_canonical` is the entry point: labkit's one-pass C reader (`labkit.store.onepass`) where labkit was
built with it, else DuckDB (`read_with_duckdb`, below). Both take exactly the same files and give exactly
the same columns (the tests run every fast-path test against each).

`labkit.read_trace` decodes every line in Python; a store of millions of events cannot wait for that.
DuckDB parses the lines in C++ (`read_json` with the trace's fields as typed columns), and the file is
taken only when every line is proved to be the *canonical* spelling of a valid event: the bytes labkit
itself writes for it. A canonical line has no repeated or unknown key, no odd number and no bad type,
so DuckDB's values are the values `read_trace` would give, and the file's SHA-256 is the trace's id.

The proof re-encodes: from the parsed columns, one vectorised expression writes each event the way
labkit's writer does (numbers as Python spells them: DuckDB's shortest round-trip spelling of a double
is Python's ``repr``; strings with the escapes Python writes, for the characters the file escapes;
``args`` as DuckDB writes the parsed object back), and the file's bytes are compared with those lines
in one pass. What the re-encoding cannot vouch for is checked on columns: kinds, evidence, non-empty
names, ranges, flag masks, seq and time order, no repeated ``args`` key. ``args`` whose spelling could
differ between DuckDB and Python (a backslash, a nested value, an exponent, a very long number) are
vouched for line by line by labkit's own reader and encoder, as is any line the comparison refused.

Any line that is not canonical, or not valid (a hand-edited file, any problem at all), returns None,
and the caller reads the file with `labkit.read_trace`, which accepts the same files and explains every
problem. Both ways give the same rows (`labkit.store.convert`); this one only proves it may go first.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labkit import winapi
from labkit.store.canonical import canonical_header, in_order, vouch
from labkit.store.convert import ENCODE, ID_DIGITS
from labkit.store.schema import TYPED_ARGS
from labkit.trace import MAX_LINE_BYTES, Evidence, Kind, TraceHeader
from labkit.trace.parse import MAX_T

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

BLOCK = 8 << 20

_READ_COLUMNS = (
    *(("seq", "BIGINT"), ("t", "DOUBLE"), ("kind", "VARCHAR"), ("name", "VARCHAR")),
    *(("actor", "VARCHAR"), ("subject", "VARCHAR"), ("args", "JSON"), ("result", "BIGINT")),
    *(("result_name", "VARCHAR"), ("span", "BIGINT"), ("evidence", "VARCHAR")),
    *(("state", 'STRUCT("from" VARCHAR, "to" VARCHAR)'), ("ref", "VARCHAR")),
)
_ARG_KEYS = tuple(dict.fromkeys([*winapi.FLAG_ARGUMENTS, *(k for a in TYPED_ARGS for k in a.keys)]))
"""Every argument the checks or the typed columns read: extracted from ``args`` in one pass."""
_INT_KEYS = frozenset([*winapi.FLAG_ARGUMENTS, *(k for a in TYPED_ARGS if a.type == "int" for k in a.keys)])
_ODD_ARGS = (
    r"\\|.[\[{]|[:,\[]-?[0-9][0-9.]*[eE]|[:,\[]-?0\.0000|[0-9]{17}"
    # A backslash (an escape: DuckDB writes some differently), an array or object inside (DuckDB writes
    # it back, but read_trace checks its depth and numbers), an exponent or a number below 1e-4 (DuckDB
    # writes 1e-05 as 0.00001, 1e16 as 10000000000000000.0), 17 digits or more (near or past 64 bits).
)
"""``args`` whose text the re-encoding cannot vouch for: such lines are checked by labkit's reader."""
_ESCAPE = re.compile(rb"\\(?:u[0-9a-fA-F]{4}|.)")


def _q(text: str) -> str:
    """A SQL string literal (characters outside printable ASCII through ``chr``)."""
    if text.isascii() and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return " || ".join(f"chr({ord(c)})" for c in text)


def _string(column: str, escapes: dict[str, str]) -> str:
    """SQL: ``column`` as a JSON string as labkit writes it (null stays null).

    ``escapes`` maps each character the file writes escaped to its escape; no other character of a
    decoded string can need one (the file is ASCII, and a string's special characters reach DuckDB
    only through escapes), so these replacements spell every string exactly as Python does.
    """
    text = column
    for char, escape in sorted(escapes.items(), key=lambda item: item[0] != "\\"):  # backslash first
        text = f"replace({text}, {_q(char)}, {_q(escape)})"
    return f"('\"' || {text} || '\"')"


def _nullable(column: str, text: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN 'null' ELSE {text} END"


def _canonical_line(escapes: dict[str, str]) -> str:
    """SQL: each event's line (with its newline) as labkit writes it, from the parsed columns. A missing
    required field leaves a ``:,`` that no JSON line has, so such a line never matches."""

    def text(column: str) -> str:
        return _string(column, escapes)

    state = (
        f"CASE WHEN NOT has_state THEN '' ELSE concat(',\"state\":{{\"from\":', "
        f"{_nullable('state_from', text('state_from'))}, ',\"to\":', {text('state_to')}, '}}') END"
    )
    ref = f"CASE WHEN ref IS NULL THEN '' ELSE ',\"ref\":' || {text('ref')} END"
    return (
        f'concat(\'{{"seq":\', seq::VARCHAR, \',"t":\', t::VARCHAR, \',"kind":"\', kind, '
        f'\'","name":\', {text("name")}, \',"actor":\', {text("actor")}, \',"subject":\', '
        f"{text('subject')}, ',\"args\":', args, ',\"result\":', {_nullable('result', 'result::VARCHAR')}, "
        f"',\"result_name\":', {_nullable('result_name', text('result_name'))}, ',\"span\":', "
        f"{_nullable('span', 'span::VARCHAR')}, ',\"evidence\":\"', evidence, '\"', {state}, {ref}, "
        "'}')"
    )


def _int(token: str) -> str:
    """SQL: the integer a JSON token spells, else null. DuckDB writes a number back as an integer only
    when it is one, and any other number with a point (or an exponent: those lines are checked by
    labkit's reader), so a token without a point is an integer when it casts to one (not ``true``)."""
    return f"CASE WHEN NOT contains({token}, '.') THEN TRY_CAST({token} AS BIGINT) END"


def _token(key: str) -> str:
    return f"(arg.{_q(key).replace(chr(39), chr(34))}::VARCHAR)"


def _flag_checks() -> str:
    """SQL: every flag argument present is a non-negative integer within its flag type's mask."""
    checks = []
    for key, flag_type in winapi.FLAG_ARGUMENTS.items():
        outside = ((1 << 63) - 1) & ~flag_type.mask()
        token, value = _token(key), f"int_{key}"
        within = f"({value} >= 0 AND ({value} & {outside}) = 0)"
        checks.append(f"({token} IS NULL OR {within})")
    return " AND ".join(checks)


def _typed_columns() -> str:
    """SQL: the typed argument columns (the first of a column's keys with a value of its type).
    Only lines whose ``args`` hold no backslash are vouched for here, so a string token's text between
    its quotes is its value."""
    columns = []
    for typed in TYPED_ARGS:
        if typed.type == "int":
            values = [f"int_{key}" for key in typed.keys]
        else:
            values = [f"CASE WHEN {_token(k)}[1] = '\"' THEN {_token(k)}[2:-2] END" for k in typed.keys]
        columns.append(f"coalesce({', '.join(values)}) AS {typed.column}")
    return ", ".join(columns)


def _query(path: str, escapes: dict[str, str]) -> str:
    """One pass over a file: every column, and whether each line is its event's canonical line and the
    checks on columns hold for it (``ok``). The file is read twice at once, as JSON by ``read_json`` and
    as lines by ``read_csv``, row by row side by side (`POSITIONAL JOIN`)."""
    columns = ", ".join(f"{_q(name)}: {_q(kind)}" for name, kind in _READ_COLUMNS)
    shape = json.dumps(dict.fromkeys(_ARG_KEYS, "JSON"))
    ints = ", ".join(f"{_int(_token(k))} AS int_{k}" for k in _ARG_KEYS if k in _INT_KEYS)
    kinds = ", ".join(_q(k.value) for k in Kind)
    evidence = ", ".join(_q(e.value) for e in Evidence)
    return f"""
    SELECT seq, t, kind, name, actor, subject, args, result, result_name, span, evidence,
        state_from, state_to, ref, {_typed_columns()},
        coalesce(kind IN ({kinds}) AND evidence IN ({evidence}) AND name <> '' AND actor <> ''
            AND seq >= 0 AND t >= 0 AND t <= {MAX_T!r} AND strlen(text) <= {MAX_LINE_BYTES}
            AND starts_with(args, '{{') AND NOT regexp_matches(args, {_q(_ODD_ARGS)})
            AND {_flag_checks()} AND text = {_canonical_line(escapes)}, false) AS ok,
        CASE WHEN len(keys) > 1 THEN to_json(keys)::VARCHAR END AS keys
    FROM (
        SELECT *, {ints}
        FROM (
            SELECT seq, t, kind, name, actor, subject, args::VARCHAR AS args, result, result_name, span,
                evidence, state IS NOT NULL AS has_state, state."from" AS state_from, state."to" AS state_to,
                ref, json_keys(args) AS keys, json_transform(args, {_q(shape)}) AS arg
            FROM read_json({_q(path)}, columns = {{{columns}}}, format = 'newline_delimited',
                records = true, auto_detect = false, maximum_object_size = {2 * MAX_LINE_BYTES})
        ) POSITIONAL JOIN read_csv({_q(path)}, columns = {{'text': 'VARCHAR'}}, header = false,
            auto_detect = false, delim = chr(1), quote = '', escape = '', new_line = '\\n',
            max_line_size = {2 * MAX_LINE_BYTES})
    )
    """


@dataclass(frozen=True)
class _Scanned:
    """What `_scan` learns of a file before DuckDB reads it."""

    header: TraceHeader
    header_bytes: int
    digest: str
    lines: int
    escapes: dict[str, str]


def read_canonical(
    path: str | os.PathLike[str], con: duckdb.DuckDBPyConnection
) -> tuple[TraceHeader, str, pa.Table] | None:
    """The header, id and event columns (as `labkit.store.convert.event_columns` gives them) of a
    canonical trace file, or None when the file must go through `labkit.read_trace`: by labkit's
    one-pass reader (`labkit.store.onepass`) where it was built, else by DuckDB (`read_with_duckdb`)."""
    from labkit.store import onepass

    if onepass.available():
        return onepass.read_canonical(path)
    return read_with_duckdb(path, con)


def read_with_duckdb(
    path: str | os.PathLike[str], con: duckdb.DuckDBPyConnection
) -> tuple[TraceHeader, str, pa.Table] | None:
    """`read_canonical` through DuckDB (see the module's docstring)."""
    import duckdb
    import pyarrow.compute as pc

    scanned = _scan(path)
    if scanned is None:
        return None
    try:
        # One thread: the rows must come in the file's order, and a second thread only adds CPU time.
        con.execute("SET threads = 1; SET enable_progress_bar = false")
        table = con.sql(_query(os.fspath(path), scanned.escapes)).to_arrow_table()
    except (duckdb.Error, ValueError):
        return None  # not JSON, a line too long, a value of the wrong type: read_trace says exactly what
    if table.num_rows != scanned.lines or scanned.lines < 2:
        return None  # a blank line DuckDB skipped, or no events
    events = table.slice(1)
    suspect = pc.or_(pc.invert(events["ok"].combine_chunks()), _repeated_keys(events["keys"]))
    rows = suspect.to_numpy(zero_copy_only=False)
    lines = _Lines(path, scanned.header_bytes) if rows.any() else None
    events = vouch(events.drop_columns(["ok", "keys"]), rows, lambda row: lines.line(row) if lines else b"")
    if events is None:
        return None
    if not in_order(events):
        return None
    return scanned.header, scanned.digest[:ID_DIGITS], events


def _scan(path: str | os.PathLike[str]) -> _Scanned | None:
    """Header, SHA-256, line count and escapes of a file that may be canonical (pure ASCII without
    DEL, LF line ends, no surrogate escapes, ending in a newline, a canonical header), else None. Raw
    control characters and bad JSON are left to DuckDB, which refuses them."""
    digest = hashlib.sha256()
    found: set[bytes] = set()
    with open(path, "rb") as raw:
        first = raw.readline(MAX_LINE_BYTES + 1)
        header = canonical_header(first)
        if header is None:
            return None
        digest.update(first)
        lines, rest = 1, b""
        while block := raw.read(BLOCK):
            if not block.isascii() or b"\r" in block or b"\x7f" in block:
                return None
            digest.update(block)
            lines += block.count(b"\n")
            whole = rest + block
            end = whole.rfind(b"\n") + 1  # escapes are found from the start of a line: never misread
            if b"\\" in whole[:end]:
                found.update(_ESCAPE.findall(whole, 0, end))
            rest = whole[end:]
    if rest or (lines == 1 and not first.endswith(b"\n")):
        return None
    escapes = _escapes(found)
    return None if escapes is None else _Scanned(header, len(first), digest.hexdigest(), lines, escapes)


def _escapes(found: Iterable[bytes]) -> dict[str, str] | None:
    """Each character the escapes ``found`` stand for, with the escape Python writes for it (only those
    Python escapes); None for a surrogate escape (half a character: read_trace decides)."""
    escapes = {}
    for escape in found:
        try:
            char = json.loads(b'"' + escape + b'"')
        except ValueError:
            return None  # not an escape JSON has: DuckDB or read_trace refuses the file
        if 0xD800 <= ord(char) <= 0xDFFF:
            return None
        spelled = ENCODE(char)[1:-1]
        if spelled != char:
            escapes[char] = spelled
    return escapes


def _repeated_keys(keys: pa.ChunkedArray) -> pa.Array:
    """Which events' ``args`` repeat a key (DuckDB keeps both; read_trace refuses the line), from the list
    of keys of each (as JSON; null for fewer than two): a few distinct lists, each looked at once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = keys.combine_chunks()
    repeated = [k for k in pc.unique(lists).to_pylist() if k is not None and _repeats(json.loads(k))]
    return pc.fill_null(pc.is_in(lists, pa.array(repeated, pa.string())), False)


def _repeats(keys: list[str]) -> bool:
    return len(set(keys)) != len(keys)


class _Lines:
    """The lines of a file from ``start``, by number (read when a line is first asked for)."""

    def __init__(self, path: str | os.PathLike[str], start: int) -> None:
        with open(path, "rb") as raw:
            raw.seek(start)
            self.body = raw.read()
        self.ends = np.flatnonzero(np.frombuffer(self.body, np.uint8) == 10)

    def line(self, row: int) -> bytes:
        begin = self.ends[row - 1] + 1 if row else 0
        return self.body[begin : self.ends[row]]
