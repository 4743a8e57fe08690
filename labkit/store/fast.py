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
from typing import TYPE_CHECKING, Any

from labkit import winapi
from labkit.store.convert import ID_DIGITS
from labkit.store.schema import TYPED_ARGS
from labkit.trace import MAX_LINE_BYTES, Evidence, Kind, TraceHeader, parse_header

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


def _tokens_query(path: str) -> str:
    """Every line, and each field's JSON token as DuckDB parsed it (absent keys give null)."""
    paths = ", ".join(_q(f"$.{f}") for f in _FIELDS)
    tokens = ", ".join(f"v[{i}] AS {f}" for i, f in enumerate(_FIELDS, start=1))
    return f"""
    SELECT line, {tokens}
    FROM (
        SELECT json::VARCHAR AS line, json_extract(json, [{paths}])::VARCHAR[] AS v
        FROM read_ndjson_objects({_q(path)}, maximum_object_size = {2 * MAX_LINE_BYTES})
    )
    """


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
    return "\n            AND ".join(checks)


def typed_columns_sql(arg: str = "arg") -> str:
    """SQL for the typed argument columns from ``arg``, the tokens of `_ARG_KEYS` in an event's args."""
    columns = []
    for typed in TYPED_ARGS:
        tokens = [f"{arg}[{_ARG_KEYS.index(key) + 1}]" for key in typed.keys]
        if typed.type == "int":
            values = [f"CASE WHEN regexp_full_match({t}, {_q(_INT)}) THEN {t}::BIGINT END" for t in tokens]
        else:
            values = [
                f"CASE WHEN {t}[1] = '\"' THEN CASE WHEN contains({t}, '\\') THEN "
                f"json_extract_string({t}, '$') ELSE {t}[2:-2] END END"
                for t in tokens
            ]
        columns.append(f"coalesce({', '.join(values)}) AS {typed.column}")
    return ",\n        ".join(columns)


def arg_paths_sql() -> str:
    """SQL: the list of JSON paths of `_ARG_KEYS`, for ``json_extract(args, [...])``."""
    return ", ".join(_q(f"$.{k}") for k in _ARG_KEYS)


def _layout_query() -> str:
    """Over the tokens and canonical lengths: whether every key stands at its offset in the line, and
    what lies between ``args``'s key and the next (the raw ``args``)."""
    offsets = ["1 AS at_seq"]
    for (field, marker), (following, _) in itertools.pairwise(_BEFORE_ARGS):
        offsets.append(f"at_{field} + {len(marker)} + len_{field} AS at_{following}")
    after = ["at_args + 8 + len_args AS at_result"]
    for (field, marker), (following, _) in itertools.pairwise(_AFTER_ARGS):
        after.append(f"at_{field} + {len(marker)} + len_{field} AS at_{following}")
    markers = [f"substr(line, at_{f}, {len(m)}) = {_q(m)}" for f, m in _BEFORE_ARGS + _AFTER_ARGS]
    fixed = sum(len(m) for _, m in _BEFORE_ARGS + _AFTER_ARGS) + 1  # and the closing brace
    known = " + ".join(f"len_{f}" for f, _ in _BEFORE_ARGS[:-1] + _AFTER_ARGS)
    return f"""
    SELECT seq, t, result, span, args AS args_token, substr(line, at_args + 8, len_args) AS args,
        coalesce(strlen(line) <= {MAX_LINE_BYTES} AND len_args >= 2 AND {" AND ".join(markers)}, false)
            AS laid_out
    FROM (
        SELECT *, {", ".join(after)}
        FROM (
            SELECT *, {", ".join(offsets)},
                strlen(line) - {fixed} - len_state - len_ref - ({known}) AS len_args
            FROM (
                SELECT *, strlen(seq) AS len_seq, strlen(t) AS len_t, strlen(result) AS len_result,
                    strlen(span) AS len_span
                FROM tokens
            )
        )
    )
    """


def _checks_query() -> str:
    """Over the laid-out lines: every value spelled canonically and valid, and the columns DuckDB
    decides (numbers, typed arguments)."""
    return f"""
    SELECT coalesce(
            laid_out
            AND regexp_full_match(seq, '(?:0|[1-9][0-9]{{0,17}})')
            AND regexp_full_match(t, {_q(_TIME)}) AND TRY_CAST(t AS DOUBLE) <= 1e15
            AND TRY_CAST(t AS DOUBLE)::VARCHAR = t
            AND (result = 'null' OR regexp_full_match(result, {_q(_INT)}))
            AND (span = 'null' OR regexp_full_match(span, {_q(_INT)}))
            AND regexp_full_match(args, {_q(_FLAT_ARGS)})
            AND len(keys) = len(list_distinct(keys))
            AND {_flag_checks()}, false) AS ok,
        TRY_CAST(seq AS BIGINT) AS seq, TRY_CAST(t AS DOUBLE) AS t,
        TRY_CAST(nullif(result, 'null') AS BIGINT) AS result,
        TRY_CAST(nullif(span, 'null') AS BIGINT) AS span,
        {typed_columns_sql()}
    FROM (
        SELECT *, json_keys(args_token) AS keys,
            json_extract(args_token, [{arg_paths_sql()}])::VARCHAR[] AS arg
        FROM laid_out
    )
    """


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode


def _decode_texts(column: pa.ChunkedArray, field: str) -> tuple[pa.Array, pa.Array]:
    """The text of each string token (a dictionary array; null for JSON null) and the length of its
    canonical spelling (null when the token is absent or not a string). Each distinct token is decoded
    once: a trace repeats a few names and refs a million times."""
    import pyarrow as pa

    encoded = column.combine_chunks().dictionary_encode()
    texts: list[str | None] = []
    lengths: list[int | None] = []
    for token in encoded.dictionary.to_pylist():
        value = json.loads(token)
        good = isinstance(value, str) or (value is None and field == "result_name")  # labkit omits a null ref
        texts.append(value if good else None)
        lengths.append(len(_ENCODE(value)) if good else None)
    text = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(texts, pa.string()))
    return text, pa.array(lengths, pa.int64()).take(encoded.indices)


def _decode_states(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """``state_from``, ``state_to`` and the canonical length of the ``,"state":{...}`` part (0 when
    absent, null when the token is not exactly an object of "from" and "to")."""
    import pyarrow as pa

    encoded = column.combine_chunks().dictionary_encode()
    parts = [_state(token) for token in encoded.dictionary.to_pylist()]
    old = pa.array([p and p["from"] for p in parts], pa.string()).take(encoded.indices)
    new = pa.array([p and p["to"] for p in parts], pa.string()).take(encoded.indices)
    sizes = pa.array([len(',"state":' + _ENCODE(p)) if p else None for p in parts], pa.int64())
    length = sizes.take(encoded.indices)
    import pyarrow.compute as pc

    return old, new, pc.if_else(column.combine_chunks().is_valid(), length, 0)


def _state(token: str) -> dict[str, Any] | None:
    pairs = json.loads(token, object_pairs_hook=list)
    if not isinstance(pairs, list) or [k for k, _ in pairs] != ["from", "to"]:
        return None
    (_, old), (_, new) = pairs
    if not isinstance(new, str) or not (old is None or isinstance(old, str)):
        return None
    return {"from": old, "to": new}


def _columns(con: duckdb.DuckDBPyConnection, tokens: pa.Table) -> pa.Table | None:
    """The event columns of the token table, or None when a line is not canonical."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts, lengths = {}, {}
    for field in _TEXT_FIELDS:
        texts[field], lengths[field] = _decode_texts(tokens[field], field)
    old, new, state_length = _decode_states(tokens["state"])
    ref_length = pc.if_else(tokens["ref"].combine_chunks().is_valid(), pc.add(lengths["ref"], 7), 0)
    if not _plain_fields_ok(texts):
        return None
    checked = tokens.select(["line", "seq", "t", "args", "result", "span"])
    for field in _TEXT_FIELDS[:-1]:
        checked = checked.append_column(f"len_{field}", lengths[field])
    checked = checked.append_column("len_state", state_length).append_column("len_ref", ref_length)
    # Two queries with the rows handed over in Arrow between them: in one, DuckDB would inline the inner
    # projections and evaluate the JSON extraction once for every reference to it.
    con.register("tokens", checked)
    try:
        laid_out = con.sql(_layout_query()).to_arrow_table()
    finally:
        con.unregister("tokens")
    del checked
    con.register("laid_out", laid_out)
    try:
        out = con.sql(_checks_query()).to_arrow_table()
    finally:
        con.unregister("laid_out")
    if not pc.all(out["ok"]).as_py():
        return None
    columns = {
        "seq": out["seq"],
        "t": out["t"],
        **{f: texts[f] for f in ("kind", "name", "actor", "subject")},
        "args": laid_out["args"],
        "result": out["result"],
        "result_name": texts["result_name"],
        "span": out["span"],
        "evidence": texts["evidence"],
        "state_from": old,
        "state_to": new,
        "ref": texts["ref"],
        **{a.column: out[a.column] for a in TYPED_ARGS},
    }
    return pa.table(columns)


def _plain_fields_ok(texts: dict[str, pa.Array]) -> bool:
    """Kinds and evidence are known words, names and actors non-empty (on the distinct values)."""
    kinds = {k.value for k in Kind}
    evidence = {e.value for e in Evidence}
    for field, good in (
        ("kind", kinds.__contains__),
        ("evidence", evidence.__contains__),
        ("name", bool),
        ("actor", bool),
        ("subject", lambda v: v is not None),
    ):
        column = texts[field]
        if column.null_count or not all(map(good, column.dictionary.to_pylist())):
            return False
    return True


def read_canonical(
    path: str | os.PathLike[str], con: duckdb.DuckDBPyConnection
) -> tuple[TraceHeader, str, pa.Table] | None:
    """The header, id and event columns (as `labkit.store.convert.event_columns` gives them) of a
    canonical trace file, or None when the file must go through `labkit.read_trace`."""
    import duckdb

    scanned = _scan(path)
    if scanned is None:
        return None
    header, digest, lines = scanned
    try:
        tokens = con.sql(_tokens_query(os.fspath(path))).to_arrow_table()
        if tokens.num_rows != lines or lines < 2:
            return None  # a blank line DuckDB skipped, or no events
        events = _columns(con, tokens.slice(1))
    except (duckdb.Error, ValueError):
        return None  # not JSON, not UTF-8, a line too long: read_trace says exactly what
    if events is None:
        return None
    seq, t = events["seq"].to_numpy(), events["t"].to_numpy()
    if (seq[1:] <= seq[:-1]).any() or (t[1:] < t[:-1]).any():
        return None
    return header, digest[:ID_DIGITS], events


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


def _canonical_header(line: bytes) -> TraceHeader | None:
    try:
        header = parse_header(json.loads(line))
    except Exception:  # any problem at all: the exact reader explains it
        return None
    if (_ENCODE(header.to_dict()) + "\n").encode() != line:
        return None
    return header
