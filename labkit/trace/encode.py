"""The one JSON encoding of every line labkit writes, and its hot path.

A trace is written millions of events at a time: names, actors and subjects repeat endlessly, so their
encodings are cached, and flat argument objects of strings and ints are written without the encoder.
The result is byte for byte what `dumps` would give (a property test checks it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
"""Compact, ASCII-only, NaN-refusing JSON: the one encoding of every line labkit writes."""

_STRINGS: dict[str, str] = {}
_SCALARS = {None: "null", True: "true", False: "false"}
MIDDLES: dict[tuple[StrEnum, str, str, str], str] = {}


def middle(kind: StrEnum, name: str, actor: str, subject: str) -> str:
    """The ``"kind":…,"name":…,"actor":…,"subject":…,`` part of a line, cached per combination."""
    text = f'"kind":"{kind.value}","name":{dumps(name)},"actor":{dumps(actor)},"subject":{dumps(subject)},'
    if len(MIDDLES) >= 65_536:
        MIDDLES.clear()
    MIDDLES[(kind, name, actor, subject)] = text
    return text


def string(text: str) -> str:
    """``text`` as a JSON string literal, cached: event names, actors and subjects repeat endlessly."""
    encoded = _STRINGS.get(text)
    if encoded is None:
        encoded = dumps(text)
        if len(_STRINGS) >= 65_536:
            _STRINGS.clear()
        _STRINGS[text] = encoded
    return encoded


def args_json(args: Mapping[str, Any]) -> str:
    """An args object as `dumps` would write it; flat objects of strings and ints without the encoder."""
    parts = []
    strings = _STRINGS  # looked up here rather than through `string`: two calls less per argument
    for key, value in args.items():
        kind = value.__class__
        if kind is str:
            text = strings.get(value) or string(value)
        elif value is None or kind is bool:
            text = _SCALARS[value]
        elif isinstance(value, int):  # flag words (IntFlag) are written as their number, as json does
            text = int.__repr__(value)
        else:
            return dumps(args)  # nested, float or unusual: the encoder decides
        if key.__class__ is not str:
            return dumps(args)
        parts.append(f"{strings.get(key) or string(key)}:{text}")
    return "{" + ",".join(parts) + "}"
