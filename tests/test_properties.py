"""Property-based tests: whatever bytes a trace file holds, reading gives a Trace or TraceFormatError and
`labkit check` exits 0, 1 or 2 with one line on stderr for 2; valid traces round-trip byte for byte.

Examples are derandomized (the same cases every run, so CI is deterministic); the counts are in the
README's Reliability section. Sizes are bounded, and a deadline per example catches a reader that hangs.
"""

import contextlib
import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.cli import main
from labkit.exceptions import TraceFormatError
from labkit.trace import Trace, read_trace
from tests.strategies import byte_mutations, field_mutations, line_mutations, traces

HEADER = (
    b'{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"s","params":{},"labkit":"0.1.0"}\n'
)
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One file path that every example overwrites."""
    return tmp_path_factory.mktemp("properties") / "trace.jsonl"


def read_either(path, strict):
    """The read's outcome: a Trace, or the TraceFormatError; anything else propagates and fails the test."""
    try:
        return read_trace(path, strict=strict)
    except TraceFormatError as exc:
        assert exc.problems and all(
            str(p).startswith(f"{path}:") and "\n" not in str(p) for p in exc.problems
        )
        return exc


def assert_reads_or_refuses(path):
    strict, lenient = read_either(path, True), read_either(path, False)
    if isinstance(strict, Trace):
        assert lenient == strict and not strict.problems
    if isinstance(lenient, Trace):
        seqs = [e.seq for e in lenient]
        assert seqs == sorted(set(seqs))
    return strict, lenient


ANY_BYTES = st.binary(max_size=2000) | st.builds(lambda b: HEADER + b, st.binary(max_size=2000))


@settings(PROPERTY, max_examples=400)
@given(data=ANY_BYTES)
def test_any_bytes_read_or_refused(scratch, data):
    """Any byte string, bare or after a valid header, reads as a Trace or raises TraceFormatError."""
    scratch.write_bytes(data)
    assert_reads_or_refuses(scratch)


@settings(PROPERTY, max_examples=200)
@given(mutation=line_mutations())
def test_line_edits_keep_only_original_events(scratch, mutation):
    """After dropping, duplicating or swapping lines or cutting the file, only original events are kept."""
    original, data = mutation
    scratch.write_bytes(data)
    _, lenient = assert_reads_or_refuses(scratch)
    if isinstance(lenient, Trace):
        assert all(event in original for event in lenient)


@settings(PROPERTY, max_examples=400)
@given(data=byte_mutations() | field_mutations())
def test_byte_and_field_edits_read_or_refused(scratch, data):
    """Flipped, inserted or deleted bytes, and fields replaced by any JSON value, read or are refused."""
    scratch.write_bytes(data)
    assert_reads_or_refuses(scratch)


@settings(PROPERTY, max_examples=300)
@given(data=ANY_BYTES | byte_mutations() | field_mutations())
def test_check_exits_0_1_or_2(scratch, data):
    """`labkit check` on any file exits 0, 1 or 2; for 2 it writes exactly one line to stderr."""
    scratch.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(scratch)])
    assert code in (0, 1, 2)
    if code == 2:
        assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("labkit: error: ")
    else:
        assert err.getvalue() == ""
        assert all(line.isprintable() for line in out.getvalue().splitlines())


@settings(PROPERTY, max_examples=150)
@given(trace=traces())
def test_valid_traces_round_trip(scratch, trace):
    """Any trace Tracer records writes and reads back equal, and rewrites to the same bytes."""
    trace.write(scratch, force=True)
    again = read_trace(scratch)
    assert again == trace
    assert again.to_jsonl().encode() == scratch.read_bytes()
