"""Hypothesis strategies: valid traces built with Tracer, and near-valid files made from them."""

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from labkit.trace import Evidence, Kind, Trace
from tests.conftest import make_tracer

INT64 = st.integers(-(2**63), 2**63 - 1)
SCALARS = (
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
NAMES = st.sampled_from(
    ["OfflineV2", "NSPv2Startup", "SetResourceStatusEx", "ClusterResourceOffline"]
) | st.text(min_size=1, max_size=12)
FLAG_ARGS = st.fixed_dictionaries(
    {}, optional={"OfflineFlags": st.integers(0, 0x7F), "StatusFlags": st.integers(0, 3)}
)


@st.composite
def traces(draw: st.DrawFn, max_events: int = 8) -> Trace:
    """A valid trace of 1..max_events events: every kind, odd text, nested args, 64-bit extremes."""
    tracer = make_tracer(domain=draw(st.sampled_from(["cluster", "nspv2"])))
    t = 0.0
    for _ in range(draw(st.integers(1, max_events))):
        t += draw(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1e6))
        kind = draw(st.sampled_from(list(Kind)))
        args = {**draw(FLAG_ARGS), **draw(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3))}
        tracer.record(
            kind,
            draw(NAMES),
            actor=draw(
                st.sampled_from(["rhs", "dll", "broker", "worker:1"]) | st.text(min_size=1, max_size=6)
            ),
            subject=draw(st.sampled_from(["Disk", "session:42", ""]) | st.text(max_size=10)),
            args=args,
            result=draw(st.none() | st.sampled_from([0, 997, 5023]) | INT64),
            span=draw(st.none() | st.integers(0, 2**63 - 1)),
            evidence=draw(st.sampled_from(list(Evidence))),
            state=draw(st.none() | st.tuples(st.none() | NAMES, NAMES)),
            ref=draw(st.none() | st.sampled_from(["cluster-offline §4", "nspv2 §2.2"])),
            t=t,
        )
    return tracer.trace


@st.composite
def line_mutations(draw: st.DrawFn) -> tuple[Trace, bytes]:
    """A valid trace and its file after whole-line edits: drop, duplicate, swap, or truncate anywhere."""
    trace = draw(traces())
    lines = trace.to_jsonl().encode().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["drop", "duplicate", "swap", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            break
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            data = b"".join(lines)
            data = data[: draw(st.integers(0, len(data)))]
            lines = data.splitlines(keepends=True)
    return trace, b"".join(lines)


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    """A valid trace file with bytes flipped, inserted or deleted, or cut short."""
    data = bytearray(draw(traces(max_events=4)).to_jsonl().encode())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] = draw(
                st.sampled_from([0x00, 0x0A, 0x0D, 0x22, 0x5C, 0x7B, 0x7D, 0xFF]) | st.integers(0, 255)
            )
        elif op == "insert":
            data[i:i] = draw(
                st.binary(min_size=1, max_size=8) | st.sampled_from([b"\n", b"\r\n", b"\xef\xbb\xbf"])
            )
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 8))]
        else:
            del data[i:]
    return bytes(data)


@st.composite
def field_mutations(
    draw: st.DrawFn, encode: Callable[[Any], str] = json.dumps, values: st.SearchStrategy[Any] = JSON_VALUES
) -> bytes:
    """A valid trace file where events have a field replaced by any of ``values``, removed, or added, each
    line written by ``encode`` (labkit's compact spelling makes only the values wrong)."""
    trace = draw(traces(max_events=4))
    lines = [encode(trace.header.to_dict())]
    for event in trace:
        obj = event.to_dict()
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.sampled_from([*obj, "state", "ref", "extra"]))
            if draw(st.booleans()) and key in obj:
                del obj[key]
            else:
                obj[key] = draw(values)
        lines.append(encode(obj))
    return ("\n".join(lines) + "\n").encode()
