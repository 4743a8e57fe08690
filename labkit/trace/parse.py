"""Validating one line: `decode_line` turns bytes into JSON, `parse_header` / `parse_event` check every field.

Each raises `BadLine` naming the first problem and, where there is one, the field; the readers turn that
into ``path:line: field: what is wrong``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from labkit import winapi
from labkit.trace.events import StateChange, TraceEvent, TraceHeader
from labkit.trace.vocab import FORMAT, VERSION, Evidence, Kind

MAX_LINE_BYTES = 8 * 1024 * 1024
"""A longer line is refused without being parsed (a trace event is a few hundred bytes)."""
MAX_DEPTH = 32
"""Deepest nesting of objects and arrays accepted inside an event."""
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
MAX_T = 1e15
"""Latest time accepted, in ms (about 31 700 years)."""


_EVENT_FIELDS = frozenset(
    {
        "seq",
        "t",
        "kind",
        "name",
        "actor",
        "subject",
        "args",
        "result",
        "result_name",
        "span",
        "evidence",
        "state",
        "ref",
    }
)
_REQUIRED_FIELDS = ("seq", "t", "kind", "name", "actor", "subject", "args", "evidence")
_HEADER_FIELDS = frozenset({"format", "version", "domain", "scenario", "params", "labkit"})
_KINDS = frozenset(k.value for k in Kind)
_EVIDENCE = frozenset(e.value for e in Evidence)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadLine(Exception):
    """One problem in one field of one line (internal to the reader)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotJson(BadLine):
    """The line is not one JSON value (at the end of a file: the writer was cut off)."""


def _show(value: Any, limit: int = 60) -> str:
    """A value for a message, spelled as in the file (every control character escaped: one line), cut to
    ``limit``; an object or array only by its type (it may be nested too deep to print)."""
    if isinstance(value, dict | list):
        return _json_type(value)
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fits_64_bits(value: int) -> bool:
    return MIN_INT <= value <= MAX_INT


def _field_label(key: str) -> str:
    """A JSON key as the field part of a problem: plain keys as they are, odd ones quoted and cut."""
    return key if key.isidentifier() and len(key) <= 40 else _show(key, 40)


def _reject_constant(token: str) -> Any:
    raise BadLine(f"{token} is not a number JSON allows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:  # pragma: no branch - a repeated key is certain here
            if key in seen:
                raise BadLine(f"key {_show(key, 40)} appears twice in one object")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def _decode_json(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise NotJson(f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Invalid control character at"
        raise NotJson(f"not valid JSON ({what} at column {exc.colno})") from None
    except ValueError:
        # int() refuses to convert more than sys.get_int_max_str_digits() digits (a guard against
        # quadratic-time parsing); such a number cannot be a trace value anyway.
        raise BadLine("a number with thousands of digits (an integer must fit in 64 bits)") from None


def decode_line(body: bytes) -> Any:
    """The JSON value of one line (without its line end); `BadLine` says what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(f"not valid UTF-8 (byte {body[exc.start]:#04x} at column {exc.start + 1})") from None
    nul = text.find("\0")
    if nul >= 0:
        raise BadLine(f"contains a NUL byte at column {nul + 1} (a binary file, or a damaged disk block?)")
    if not text.strip():
        raise BadLine("empty line" if not text else "blank line (only whitespace)")
    if text.startswith("\ufeff"):
        raise BadLine(
            "starts with a UTF-8 byte order mark (BOM), which only the start of a file may have: "
            "were files joined?"
        )
    obj = _decode_json(text)
    if _SURROGATE_ESCAPE.search(text):
        _check_surrogates(obj)
    return obj


def _check_surrogates(obj: Any) -> None:
    """Refuse lone UTF-16 surrogates (``"\\ud800"``): JSON lets them through, but they are not characters
    and cannot be printed or written as UTF-8."""
    items = obj.items() if isinstance(obj, dict) else [(None, obj)]
    for key, value in items:
        try:
            json.dumps([key, value], ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(exc.object[exc.start])
            raise BadLine(
                f"lone UTF-16 surrogate \\u{code:04x} (half of a character; not valid Unicode)",
                None if key is None else _field_label(key),
            ) from None


def _check_depth_and_numbers(value: Any, field_name: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise BadLine(f"nested more than {MAX_DEPTH} levels deep", field_name)
    if isinstance(value, dict):
        for item in value.values():
            _check_depth_and_numbers(item, field_name, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth_and_numbers(item, field_name, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadLine("number too large to represent", field_name)
    elif isinstance(value, int) and not isinstance(value, bool) and not _fits_64_bits(value):
        raise BadLine(f"integer {_show(value, 30)} does not fit in 64 bits", field_name)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is not None and not _is_int(value):
        raise BadLine(f"must be an integer or null, not {_json_type(value)}", key)
    if value is not None and not _fits_64_bits(value):
        raise BadLine(f"integer {_show(value, 30)} does not fit in 64 bits", key)
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise BadLine(f"must be a string or null, not {_json_type(value)}", key)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_header(obj: Any) -> TraceHeader:
    """Validate a decoded header object; raises `BadLine` with the first problem."""
    if not isinstance(obj, dict):
        raise BadLine(f"the header must be a JSON object, not {_json_type(obj)}")
    if obj.get("format") != FORMAT:
        if "seq" in obj and "kind" in obj:
            raise BadLine("the file has no header: line 1 is an event; a trace starts with a header line")
        raise BadLine(
            f"not a labkit trace: format is {_show(obj.get('format'))}, expected {FORMAT!r}", "format"
        )
    version = obj.get("version")
    if not _is_int(version):
        raise BadLine(f"must be an integer, not {_json_type(version)}", "version")
    if version != VERSION:
        raise BadLine(
            f"trace format version {_show(version, 30)} is not supported; "
            f"this labkit reads version {VERSION}",
            "version",
        )
    unknown = sorted(set(obj) - _HEADER_FIELDS)
    if unknown:
        raise BadLine("unknown header field (not part of format version 1)", _field_label(unknown[0]))
    domain = obj.get("domain")
    if domain not in winapi.DOMAINS:
        raise BadLine(f"must be one of {', '.join(winapi.DOMAINS)}, not {_show(domain)}", "domain")
    scenario = obj.get("scenario", "")
    if not isinstance(scenario, str):
        raise BadLine(f"must be a string, not {_json_type(scenario)}", "scenario")
    params = obj.get("params", {})
    if not isinstance(params, dict):
        raise BadLine(f"must be an object, not {_json_type(params)}", "params")
    _check_depth_and_numbers(params, "params")
    labkit_version = obj.get("labkit", "")
    if not isinstance(labkit_version, str):
        raise BadLine(f"must be a string, not {_json_type(labkit_version)}", "labkit")
    return TraceHeader(
        domain=domain, scenario=scenario, params=params, labkit=labkit_version, version=version
    )


def parse_event(obj: Any) -> TraceEvent:
    """Validate a decoded event object (fields and types only); raises `BadLine` with the first problem."""
    if not isinstance(obj, dict):
        raise BadLine(f"an event must be a JSON object, not {_json_type(obj)}")
    if obj.get("format") == FORMAT:
        raise BadLine("a second header line: were two traces joined into one file? (one trace per file)")
    missing = [k for k in _REQUIRED_FIELDS if k not in obj]
    if missing:
        raise BadLine("missing required field", missing[0])
    unknown = sorted(set(obj) - _EVENT_FIELDS)
    if unknown:
        raise BadLine("unknown field (not part of format version 1)", _field_label(unknown[0]))
    seq, t = _seq(obj["seq"]), _time(obj["t"])
    kind = obj["kind"]
    if not isinstance(kind, str) or kind not in _KINDS:  # an array or object is not even hashable
        raise BadLine(f"must be one of {', '.join(sorted(_KINDS))}, not {_show(kind)}", "kind")
    for key in ("name", "actor"):
        if not isinstance(obj[key], str):
            raise BadLine(f"must be a non-empty string, not {_json_type(obj[key])}", key)
        if not obj[key]:
            raise BadLine("must not be empty", key)
    if not isinstance(obj["subject"], str):
        raise BadLine(f"must be a string, not {_json_type(obj['subject'])}", "subject")
    args = obj["args"]
    if not isinstance(args, dict):
        raise BadLine(f"must be an object, not {_json_type(args)}", "args")
    _check_depth_and_numbers(args, "args")
    _check_flag_words(args)
    result = _opt_int(obj, "result")
    result_name = _opt_str(obj, "result_name")
    span = _opt_int(obj, "span")
    evidence = obj["evidence"]
    if not isinstance(evidence, str) or evidence not in _EVIDENCE:
        raise BadLine(f"must be one of {', '.join(sorted(_EVIDENCE))}, not {_show(evidence)}", "evidence")
    change = _state_change(obj.get("state"))
    return TraceEvent(
        seq=seq,
        t=t,
        kind=Kind(kind),
        name=obj["name"],
        actor=obj["actor"],
        subject=obj["subject"],
        args=args,
        result=result,
        result_name=result_name,
        span=span,
        evidence=Evidence(evidence),
        state=change,
        ref=_opt_str(obj, "ref"),
    )


def _seq(seq: Any) -> int:
    if not _is_int(seq):
        raise BadLine(f"must be an integer, not {_json_type(seq)}", "seq")
    if not 0 <= seq <= MAX_INT:
        raise BadLine(f"must be between 0 and 2**63-1, not {_show(seq, 30)}", "seq")
    return int(seq)


def _time(t: Any) -> float:
    if isinstance(t, bool) or not isinstance(t, int | float):
        raise BadLine(f"must be a number of milliseconds, not {_json_type(t)}", "t")
    if t == math.inf:
        raise BadLine("number too large to represent", "t")  # a literal like 1e999 decodes to infinity
    if not 0 <= t <= MAX_T:
        raise BadLine(f"must be between 0 and 1e15 ms, not {_show(t, 30)}", "t")
    return float(t)


def _check_flag_words(args: Mapping[str, Any]) -> None:
    """Flag words (``OfflineFlags``, ``dwControlFlags`` …) must be sets of bits that have SDK names."""
    for key, flag_type in winapi.FLAG_ARGUMENTS.items():
        value = args.get(key)
        if value is None:
            continue
        if not _is_int(value):
            raise BadLine(f"{key} must be an integer (a set of flag bits), not {_json_type(value)}", "args")
        if value < 0:
            raise BadLine(f"{key} {value} is negative; a flag word is a set of bits", "args")
        if value & ~flag_type.mask():
            raise BadLine(
                f"{key} {_show(value, 30)} has bits outside the {flag_type.__name__} mask "
                f"{flag_type.mask():#x} ({value & ~flag_type.mask():#x} has no "
                f"{flag_type.sdk_prefix()}* name)",
                "args",
            )


def _state_change(state: Any) -> StateChange | None:
    if state is not None:
        if not isinstance(state, dict) or set(state) != {"from", "to"}:
            raise BadLine('must be an object with exactly "from" and "to"', "state")
        if not isinstance(state["to"], str) or not (state["from"] is None or isinstance(state["from"], str)):
            raise BadLine('"to" must be a string and "from" a string or null', "state")
        return StateChange(state["from"], state["to"])
    return None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds millions of small objects.

    None of them form reference cycles, yet every collection would walk all of them again: reading a
    million events spent most of its time there.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
