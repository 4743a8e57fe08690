"""The fast way into the store: a trace file spelled exactly as labkit writes it, read by DuckDB.

`labkit.read_trace` decodes every line in Python; a store of millions of events cannot wait for that.
DuckDB parses the lines in C++, and the file is taken only if every line is proved to be the *canonical*
spelling of a valid event, the bytes labkit itself writes for it: keys in format order, no space, numbers
as Python writes them, strings in printable ASCII with escapes for the rest, flat ``args``. A canonical
line has no repeated or unknown key, no odd number and no bad type, so DuckDB's values are the values
`read_trace` would give, and the file's SHA-256 is the trace's id. What is left (kinds, ranges, flag
masks, seq and time order, one line per row) is checked on whole columns.

The proof copies no text: each field's canonical length gives the offset of the next key, so a line is
canonical when every key stands at its offset and the ``args`` left between them is a flat object.
Names, actors, subjects and refs repeat, so their canonical lengths are worked out once per distinct
value.

Anything else (nested ``args``, a hand-edited file, any problem at all) returns None, and the caller
reads the file with `labkit.read_trace`, which accepts the same files and explains every problem. Both
ways give the same rows (`labkit.store.convert`); this one only proves it may go first.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from typing import TYPE_CHECKING

from labkit import winapi
from labkit.store.convert import ID_DIGITS
from labkit.store.schema import TYPED_ARGS
from labkit.trace import MAX_LINE_BYTES, Evidence, Kind, TraceHeader
from labkit.trace.parse import parse_header

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

BLOCK = 8 << 20

_ESCAPE = r"\\u(?:00(?:0[0-7bef]|1[0-9a-f]|7f|[89a-f][0-9a-f])|0[1-9a-f][0-9a-f]{2}|[1-9a-f][0-9a-f]{3})"
"""The ``\\uXXXX`` escapes Python writes: control characters without a short form, DEL, non-ASCII."""
_STR = rf'"(?:[ !#-\[\]-~]|\\["\\bfnrt]|{_ESCAPE})*"'
"""A JSON string as Python writes it with ensure_ascii: printable ASCII, escapes for the rest."""
_INT = r"-?(?:0|[1-9][0-9]{0,17})"
"""An integer of at most 18 digits (so it surely fits in 64 bits)."""
_FLOAT = r"-?(?:(?:0|[1-9][0-9]{0,15})\.(?:0|[0-9]*[1-9])|[1-9](?:\.[0-9]*[1-9])?e[-+][0-9]{2,3})"
"""A float as Python's repr writes it (no trailing zeros; exponent form for tiny and huge values)."""
_VALUE = f"(?:null|true|false|{_INT}|{_FLOAT}|{_STR})"
_FLAT_ARGS = rf"\{{(?:{_STR}:{_VALUE}(?:,{_STR}:{_VALUE})*)?\}}"
_TIME = r"(?:0|[1-9][0-9]{0,15})\.(?:0|[0-9]*[1-9])"

_FIELDS: tuple[str, ...] = (
    *("seq", "t", "kind", "name", "actor", "subject", "args"),
    *("result", "result_name", "span", "evidence", "state", "ref"),
)
_TEXT_FIELDS = ("kind", "name", "actor", "subject", "result_name", "evidence", "ref")
_BEFORE_ARGS: tuple[tuple[str, str], ...] = (
    *(("seq", '{"seq":'), ("t", ',"t":'), ("kind", ',"kind":'), ("name", ',"name":')),
    *(("actor", ',"actor":'), ("subject", ',"subject":'), ("args", ',"args":')),
)
_AFTER_ARGS: tuple[tuple[str, str], ...] = (
    *(("result", ',"result":'), ("result_name", ',"result_name":'), ("span", ',"span":')),
    ("evidence", ',"evidence":'),
)
_ARG_KEYS = tuple(dict.fromkeys([*winapi.FLAG_ARGUMENTS, *(k for a in TYPED_ARGS for k in a.keys)]))
"""Every argument the checks or the typed columns read: extracted from ``args`` in one pass."""


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _canonical_length(token: str) -> str:
    """SQL: the length of a string token as labkit writes it, from the token as DuckDB writes it. They
    differ only where DuckDB writes a non-ASCII character as itself and labkit as a 6-character
    ``\\uXXXX`` escape (a canonical file has no character outside the BMP: the scan refuses surrogates)."""
    ascii_only = f"length(regexp_replace({token}, '[^\\x00-\\x7f]', '', 'g'))"
    return (
        f"CASE WHEN {token} = 'null' THEN 4 WHEN strlen({token}) = length({token}) THEN strlen({token}) "
        f"ELSE {ascii_only} + 6 * (length({token}) - {ascii_only}) END"
    )


def _text(token: str) -> str:
    """SQL: the text of a JSON string token (null for JSON null)."""
    return (
        f"CASE WHEN {token} IS NULL OR {token} = 'null' THEN NULL "
        f"WHEN strlen({token}) = length({token}) AND NOT contains({token}, '\\') THEN {token}[2:-2] "
        f"ELSE json_extract_string({token}, '$') END"
    )


def _flag_checks() -> str:
    """SQL: every flag argument present is a non-negative integer within its flag type's mask."""
    checks = []
    for key, flag_type in winapi.FLAG_ARGUMENTS.items():
        outside = ((1 << 63) - 1) & ~flag_type.mask()
        token = f"arg[{_ARG_KEYS.index(key) + 1}]"
        checks.append(
            f"({token} IS NULL OR {token} = 'null' OR (regexp_full_match({token}, '(?:0|[1-9][0-9]{{0,17}})')"
            f" AND (TRY_CAST({token} AS BIGINT) & {outside}) = 0))"
        )
    return "\n        AND ".join(checks)


def typed_columns_sql(arg: str = "arg") -> str:
    """SQL for the typed argument columns from ``arg``, the tokens of `_ARG_KEYS` in an event's args."""
    columns = []
    for typed in TYPED_ARGS:
        tokens = [f"{arg}[{_ARG_KEYS.index(key) + 1}]" for key in typed.keys]
        if typed.type == "int":
            values = [f"CASE WHEN regexp_full_match({t}, {_q(_INT)}) THEN {t}::BIGINT END" for t in tokens]
        else:
            values = [f"CASE WHEN {t}[1] = '\"' THEN {_text(t)} END" for t in tokens]
        columns.append(f"coalesce({', '.join(values)}) AS {typed.column}")
    return ",\n        ".join(columns)


def arg_paths_sql() -> str:
    """SQL: the list of JSON paths of `_ARG_KEYS`, for ``json_extract(args, [...])``."""
    return ", ".join(_q(f"$.{k}") for k in _ARG_KEYS)


def _fields_sql(path: str) -> str:
    """Each line, its fields' tokens, their texts, and the length each has in a canonical line."""
    paths = ", ".join(_q(f"$.{f}") for f in _FIELDS)
    tokens = ", ".join(f"v[{i}] AS {f}_tok" for i, f in enumerate(_FIELDS, start=1))
    texts = ", ".join(f"{_text(f + '_tok')} AS {f}" for f in _TEXT_FIELDS)
    lengths = ", ".join(f"{_canonical_length(f + '_tok')} AS len_{f}" for f in _TEXT_FIELDS if f != "ref")
    state = (
        "CASE WHEN state_tok IS NULL THEN 0 ELSE 24 + "
        f"{_canonical_length('from_tok')} + {_canonical_length('to_tok')} END"
    )
    return f"""
        SELECT *, {texts}, {lengths},
            CASE WHEN ref_tok IS NULL THEN 0 ELSE 7 + {_canonical_length("ref_tok")} END AS len_ref,
            {state} AS len_state, {_text("from_tok")} AS state_from, {_text("to_tok")} AS state_to,
            strlen(seq_tok) AS len_seq, strlen(t_tok) AS len_t, strlen(result_tok) AS len_result,
            strlen(span_tok) AS len_span
        FROM (
            SELECT *, json_extract(state_tok, '$.from')::VARCHAR AS from_tok,
                json_extract(state_tok, '$.to')::VARCHAR AS to_tok,
                CASE WHEN state_tok IS NOT NULL THEN json_keys(state_tok) END AS state_keys
            FROM (
                SELECT json::VARCHAR AS line, {tokens}
                FROM (
                    SELECT json, json_extract(json, [{paths}])::VARCHAR[] AS v
                    FROM read_ndjson_objects({_q(path)}, maximum_object_size = {2 * MAX_LINE_BYTES})
                )
            )
        )
    """


def _query(path: str) -> str:
    """One pass over a file: every field, and whether each line is canonical (see the module's doc)."""
    kinds = ", ".join(_q(k.value) for k in Kind)
    evidence = ", ".join(_q(e.value) for e in Evidence)
    offsets = ["1 AS at_seq"]
    for (field, marker), (following, _) in itertools.pairwise(_BEFORE_ARGS):
        offsets.append(f"at_{field} + {len(marker)} + len_{field} AS at_{following}")
    after = ["at_args + 8 + len_args AS at_result"]
    for (field, marker), (following, _) in itertools.pairwise(_AFTER_ARGS):
        after.append(f"at_{field} + {len(marker)} + len_{field} AS at_{following}")
    markers = " AND ".join(f"substr(line, at_{f}, {len(m)}) = {_q(m)}" for f, m in _BEFORE_ARGS + _AFTER_ARGS)
    fixed = sum(len(m) for _, m in _BEFORE_ARGS + _AFTER_ARGS) + 1  # and the closing brace
    known = " + ".join(f"len_{f}" for f, _ in _BEFORE_ARGS[:-1] + _AFTER_ARGS)
    strings = " AND ".join(f"{f}_tok[1] = '\"'" for f in ("kind", "name", "actor", "subject", "evidence"))
    return f"""
    SELECT coalesce(
        regexp_full_match(seq_tok, '(?:0|[1-9][0-9]{{0,17}})')
        AND regexp_full_match(t_tok, {_q(_TIME)}) AND TRY_CAST(t_tok AS DOUBLE) <= 1e15
        AND TRY_CAST(t_tok AS DOUBLE)::VARCHAR = t_tok
        AND {strings} AND kind IN ({kinds}) AND evidence IN ({evidence}) AND name <> '' AND actor <> ''
        AND (result_name_tok = 'null' OR result_name_tok[1] = '"') AND (ref_tok IS NULL OR ref_tok[1] = '"')
        AND (result_tok = 'null' OR regexp_full_match(result_tok, {_q(_INT)}))
        AND (span_tok = 'null' OR regexp_full_match(span_tok, {_q(_INT)}))
        AND (state_tok IS NULL OR (state_keys = ['from', 'to'] AND to_tok[1] = '"'
             AND (from_tok = 'null' OR from_tok[1] = '"')))
        AND strlen(line) <= {MAX_LINE_BYTES} AND len_args >= 2 AND {markers}
        AND regexp_full_match(args, {_q(_FLAT_ARGS)})
        AND len(keys) = list_unique(keys)
        AND {_flag_checks()}, false) AS ok,
        TRY_CAST(seq_tok AS BIGINT) AS seq, TRY_CAST(t_tok AS DOUBLE) AS t, kind, name, actor, subject, args,
        TRY_CAST(nullif(result_tok, 'null') AS BIGINT) AS result, result_name,
        TRY_CAST(nullif(span_tok, 'null') AS BIGINT) AS span, evidence, state_from, state_to, ref,
        {typed_columns_sql()}
    FROM (
        SELECT *, substr(line, at_args + 8, len_args) AS args, json_keys(args_tok) AS keys,
            json_extract(args_tok, [{arg_paths_sql()}])::VARCHAR[] AS arg
        FROM (
            SELECT *, {", ".join(after)}
            FROM (
                SELECT *, {", ".join(offsets)},
                    strlen(line) - {fixed} - len_state - len_ref - ({known}) AS len_args
                FROM ({_fields_sql(path)})
            )
        )
    )
    """


def read_canonical(
    path: str | os.PathLike[str], con: duckdb.DuckDBPyConnection
) -> tuple[TraceHeader, str, pa.Table] | None:
    """The header, id and event columns (as `labkit.store.convert.event_columns` gives them) of a
    canonical trace file, or None when the file must go through `labkit.read_trace`."""
    import duckdb
    import pyarrow.compute as pc

    scanned = _scan(path)
    if scanned is None:
        return None
    header, digest, lines = scanned
    try:
        table = con.sql(_query(os.fspath(path))).to_arrow_table()
    except (duckdb.Error, ValueError):
        return None  # not JSON, not UTF-8, a line too long: read_trace says exactly what
    if table.num_rows != lines or lines < 2:
        return None  # a blank line DuckDB skipped, or no events
    events = table.slice(1)
    if not pc.all(events["ok"]).as_py():
        return None
    seq, t = events["seq"].to_numpy(), events["t"].to_numpy()
    if (seq[1:] <= seq[:-1]).any() or (t[1:] < t[:-1]).any():
        return None
    return header, digest[:ID_DIGITS], events.drop_columns(["ok"])


def _scan(path: str | os.PathLike[str]) -> tuple[TraceHeader, str, int] | None:
    """Header, SHA-256 and line count of a file that may be canonical (pure ASCII, LF line ends, no
    surrogate escapes, ending in a newline, a canonical header), else None. Raw control characters and
    bad JSON are left to DuckDB, which refuses them."""
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        first = raw.readline(MAX_LINE_BYTES + 1)
        header = _canonical_header(first)
        if header is None:
            return None
        digest.update(first)
        lines = 1
        tail = b""
        while block := raw.read(BLOCK):
            if not block.isascii() or b"\r" in block or b"\\ud" in block or b"\\ud" in tail[-2:] + block[:2]:
                return None
            digest.update(block)
            lines += block.count(b"\n")
            tail = block
    if not tail.endswith(b"\n"):
        return None
    return header, digest.hexdigest(), lines


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode


def _canonical_header(line: bytes) -> TraceHeader | None:
    try:
        header = parse_header(json.loads(line))
    except Exception:  # any problem at all: the exact reader explains it
        return None
    if (_ENCODE(header.to_dict()) + "\n").encode() != line:
        return None
    return header
