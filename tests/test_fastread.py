"""The fast path of the reader: read_frame and read_trace give exactly what the line-by-line reader gives
(the same trace or frame, or the same problems), and files labkit writes always take it (no timed
assertions: bench/trace_reading.py measures speed)."""

import json
from unittest import mock

import msgspec
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labkit
from labkit.exceptions import TraceFormatError
from labkit.trace import fastread, read_exactly, read_trace
from labkit.trace import read as trace_read
from labkit.trace.synthetic import synthetic_trace, write_synthetic_trace
from tests.conftest import make_tracer
from tests.strategies import JSON_VALUES, byte_mutations, field_mutations, line_mutations, traces
from tests.test_corpus import CORPUS, EXPECTED
from tests.test_properties import PROPERTY


def fast_columns(path):
    """The fast path's columns; fails the test if the file had to go to read_trace."""
    with open(path, "rb") as raw:
        try:
            return fastread.read_columns(raw)
        except fastread.Unusual:
            pytest.fail(f"{path} did not take the fast path")


def exact_read(path, strict):
    """read_trace with the fast path switched off: the line-by-line reader alone."""
    return read_exactly(path, strict=strict)


def outcome(read, path, strict):
    """A read's result as comparable data: the trace or frame and its problems, or the problems raised."""
    try:
        result = read(path, strict)
    except TraceFormatError as exc:
        return "raised", [str(p) for p in exc.problems]
    problems = result.attrs["problems"] if isinstance(result, pd.DataFrame) else result.problems
    return result, [str(p) for p in problems]


def assert_same_outcome(path, strict):
    """read_trace and read_frame give what the line-by-line reader gives."""
    exact = outcome(exact_read, path, strict)
    fast_trace = outcome(lambda p, s: read_trace(p, strict=s), path, strict)
    fast_frame = outcome(lambda p, s: labkit.read_frame(p, strict=s), path, strict)
    assert fast_trace == exact
    assert fast_frame[1] == exact[1]
    if exact[0] == "raised":
        assert fast_frame[0] == "raised"
    else:
        pd.testing.assert_frame_equal(fast_frame[0], exact[0].to_frame())


def test_read_frame_is_public():
    assert labkit.read_frame is trace_read.read_frame


def test_same_frame_and_trace_as_the_exact_reader(small_trace, tmp_path):
    """On a small trace of every kind the fast path gives exactly what the line-by-line reader gives."""
    path = small_trace.write(tmp_path / "t.jsonl")
    fast_columns(path)
    assert_same_outcome(path, strict=True)
    frame = labkit.read_frame(path)
    assert frame["name"].tolist() == small_trace.names()
    assert frame.attrs["problems"] == ()
    assert read_trace(path) == small_trace


@pytest.mark.parametrize("block_bytes", [4096, 1 << 20])
def test_large_trace_in_many_blocks(tmp_path, block_bytes):
    """20 000 synthetic events read in blocks of 4 KB (lines cut at every block edge) or 1 MB: same frame."""
    path = write_synthetic_trace(tmp_path / "big.jsonl", 20_000, seed=3)
    with mock.patch.object(fastread, "BLOCK_BYTES", block_bytes):
        fast_columns(path)
        assert_same_outcome(path, strict=True)
    assert len(labkit.read_frame(path)) == 20_000


def test_nested_args_and_odd_spellings_stay_on_the_fast_path(tmp_path):
    """Nested args, a colon after a space inside a string, non-ASCII and escapes: fast path, same frame."""
    tracer = make_tracer()
    tracer.record(
        "call",
        "OfflineV2",
        actor="rhs",
        subject="Disk :1",
        args={"OfflineFlags": 6},
        t=0,
        evidence="documented",
    )
    tracer.record(
        "note",
        "n",
        actor="rcm",
        subject="é\U0001f4be\n",
        args={"a": [1, {"b": [None, 2.5]}]},
        t=1,
        evidence="documented",
    )
    tracer.record(
        "note",
        "n",
        actor="rcm",
        subject="",
        args={"deep": {"x": {"y": {"z": -(2**63)}}}},
        t=1,
        evidence="documented",
    )
    path = tracer.trace.write(tmp_path / "odd.jsonl")
    fast_columns(path)
    assert_same_outcome(path, strict=True)


def test_repeated_key_hidden_by_a_space_is_caught(tmp_path):
    """A key repeated with a space before its colon (the count proof's blind spot) still gives the problem."""
    trace = synthetic_trace(3)
    lines = trace.to_jsonl().splitlines()
    lines[2] = lines[2].replace('"args":{', '"args":{"node" :"x",')
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TraceFormatError, match='key "node" appears twice'):
        labkit.read_frame(path)
    assert_same_outcome(path, strict=False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_gives_the_same_problems_and_events(name):
    """Every bad corpus file: the same TraceFormatError (strict), the same frame and problems (lenient)."""
    assert_same_outcome(CORPUS / name, strict=True)
    assert_same_outcome(CORPUS / name, strict=False)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fastread") / "trace.jsonl"


@settings(PROPERTY, max_examples=150)
@given(trace=traces(), block_bytes=st.sampled_from([64, 1 << 20]))
def test_any_recorded_trace_takes_the_fast_path(scratch, trace, block_bytes):
    """Whatever Tracer recorded (odd text, nested args, 64-bit extremes) reads fast, to the same result."""
    trace.write(scratch, force=True)
    with mock.patch.object(fastread, "BLOCK_BYTES", block_bytes):
        fast_columns(scratch)
        assert_same_outcome(scratch, strict=True)
    assert list(read_trace(scratch)) == list(trace)


@settings(PROPERTY, max_examples=250)
@given(data=byte_mutations() | field_mutations() | line_mutations().map(lambda m: m[1]))
def test_damaged_files_give_the_same_outcome(scratch, data):
    """On near-valid files the fast path agrees with the exact reader: same result or same problems."""
    scratch.write_bytes(data)
    assert_same_outcome(scratch, strict=True)
    assert_same_outcome(scratch, strict=False)


JSON_TEXTS = JSON_VALUES.flatmap(
    lambda value: st.sampled_from(
        [
            json.dumps(value),
            json.dumps(value, ensure_ascii=False),
            json.dumps(value, indent=1),
            json.dumps(value, separators=(",", ":")),
        ]
    )
).map(str.encode)


@settings(PROPERTY, max_examples=400)
@given(data=JSON_TEXTS | st.binary(max_size=60) | st.from_regex(rb"\A[-+0-9.eE]{1,30}\Z"))
def test_msgspec_reads_what_json_reads(data):
    """The fast path's premise: whatever msgspec decodes, the json module decodes to the identical value
    (same types, same floats, same -0.0); msgspec refuses NaN, infinity and lone surrogates outright."""
    try:
        fast = msgspec.json.decode(data)
    except (msgspec.DecodeError, ValueError):  # ValueError: UnicodeDecodeError for bytes not UTF-8
        return
    assert repr(json.loads(data.decode("utf-8"))) == repr(fast)
