"""The one-pass C reader of canonical trace files (labkit.store.onepass, labkit/store/_canonical.c).

It must take exactly the lines labkit's writer writes and give exactly the columns labkit's reader gives;
tests/test_store.py runs the shared fast-path tests against it and the DuckDB reader alike, and
tests/test_store_fast_oracle.py holds both to labkit's reader on generated and damaged files. Here: the
float check against Python's repr, hostile bytes, and a larger trace read three ways.
"""

import math
import os
import struct

import duckdb
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from labkit import read_trace
from labkit.store import convert, fast, onepass
from labkit.trace.synthetic import write_synthetic_trace

pytestmark = pytest.mark.skipif(
    not onepass.available() and not os.environ.get("CI"),
    reason="labkit was built without its C reader (no compiler); CI requires it",
)


def test_the_one_pass_reader_is_built():
    """CI builds labkit with its C reader: without it the store converts through DuckDB, 2-3× slower."""
    assert onepass.available()


def test_the_reader_applies_the_trace_readers_limits():
    from labkit.store import _canonical
    from labkit.trace import MAX_LINE_BYTES
    from labkit.trace.parse import MAX_T

    assert (_canonical.MAX_LINE_BYTES, _canonical.MAX_T) == (MAX_LINE_BYTES, MAX_T)


def python_spells(token: bytes) -> bool:
    """Whether ``token`` is exactly how Python's json writer spells the float it reads as."""
    try:
        value = float(token)
    except ValueError:
        return False
    return math.isfinite(value) and repr(value).encode() == token


def spellings(x: float) -> list[bytes]:
    """Ways to write ``x``: Python's own, and near misses (other digit counts, formats, a digit off)."""
    r = repr(x)
    out = {r, r + "0", r.upper(), "+" + r, f"{x:e}", f"{x:E}", f"{x:f}", f"{x:.1f}", r.replace("e-0", "e-")}
    out |= {f"{x:.{k}g}" for k in range(1, 19)} | {f"{x:.{k}f}" for k in range(0, 20)}
    digits = [i for i, c in enumerate(r) if c.isdigit()]
    if digits:
        i = digits[-1] if "e" not in r else r.index("e") - 1
        if r[i].isdigit():
            for d in "0123456789":
                out.add(r[:i] + d + r[i + 1 :])
    return [s.encode() for s in out]


FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.floats(0, 1e16) | st.floats(1e-6, 1e-3)


@settings(max_examples=3000, deadline=None)
@given(FLOATS)
@example(0.1 + 0.2)
@example(1234567890123456.25)  # a tie at 17 digits: repr rounds half to even (…456.2)
@example(1e16)
@example(9999999999999998.0)
@example(1e-4)
@example(0.000099999999999999991)
@example(5e-324)
@example(1.7976931348623157e308)
@example(-0.0)
@example(100.0)
def test_a_float_is_taken_exactly_when_python_spells_it_so(x):
    from labkit.store._canonical import is_float_repr

    for token in spellings(x):
        assert is_float_repr(token) == python_spells(token), token


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=40))
def test_any_number_token_is_judged_like_python(token):
    from labkit.store._canonical import is_float_repr

    assert is_float_repr(token) == python_spells(token)


def scan(data: bytes, start: int = 0):
    from labkit.store import _canonical

    return _canonical.scan(data, start, onepass._TYPED, onepass._FLAGS)


HEADER = (
    b'{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"x","params":{},"labkit":"0.1.0"}\n'
)
LINE = (
    b'{"seq":0,"t":0.5,"kind":"call","name":"OfflineV2","actor":"rhs","subject":"Disk",'
    b'"args":{"OfflineFlags":4,"node":"N1","x":1.5},"result":null,"result_name":null,"span":0,'
    b'"evidence":"documented","ref":"cluster-offline \\u00a74"}\n'
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=60) | st.just(LINE), max_size=8), st.integers(0, 2000), st.data())
def test_hostile_bytes_never_crash_and_every_line_gets_a_row(pieces, cut, data):
    """Whatever the bytes, the scanner returns a row per line, each column exactly that long, and marks
    the lines it did not take; it never reads past the data (run under a debug build, ASan would say)."""
    body = b"".join(pieces)
    body = body[: cut if cut < len(body) else len(body)]
    start = data.draw(st.integers(0, len(body)))
    out = scan(body, start)
    rest = body[start:]
    lines = rest.count(b"\n") + (0 if rest.endswith(b"\n") or not rest else 1)
    n = out["rows"]
    assert n == lines
    assert len(out["ok"]) == n and len(out["ends"]) == 8 * n
    for name, parts in out.items():
        if isinstance(parts, tuple) and len(parts) == 3:
            offsets, _, valid = parts
            assert len(offsets) in (4 * (n + 1), 8 * (n + 1)) and len(valid) == n, name
        elif isinstance(parts, tuple):
            values, valid = parts
            assert len(values) == 8 * n and len(valid) == n, name
    canonical = [line + b"\n" == LINE for line in rest.split(b"\n")[:n]]
    assert np.frombuffer(out["ok"], np.uint8).astype(bool).tolist() == canonical


def test_a_line_not_taken_leaves_an_empty_row_between_taken_ones():
    """The rows around a refused line keep their values: the refused line's partial values are undone."""
    bad = LINE.replace(b'"ref":"cluster-offline \\u00a74"', b'"ref":"cluster-offline \\u00A74"')
    out = scan(LINE + bad + LINE.replace(b'"seq":0', b'"seq":1'))
    assert list(out["ok"]) == [1, 0, 1]
    assert struct.unpack("<3q", out["seq"][0]) == (0, 0, 1)
    offsets, data, valid = out["ref"]
    ends = struct.unpack("<4i", offsets)
    assert data[ends[0] : ends[1]] == data[ends[2] : ends[3]] == "cluster-offline §4".encode()
    assert ends[1] == ends[2] and list(valid) == [1, 0, 1]
    offsets, data, valid = out["node"]
    assert data == b"N1N1" and list(valid) == [1, 0, 1]


def test_a_generated_trace_reads_the_same_three_ways(tmp_path):
    """20 000 synthetic events: the C reader, the DuckDB reader and TraceEvents give the same columns."""
    path = tmp_path / "synthetic.jsonl"
    write_synthetic_trace(path, 20_000, seed=3, force=True)
    trace = read_trace(path)
    ours = onepass.read_canonical(path)
    theirs = fast.read_with_duckdb(path, duckdb.connect())
    assert ours is not None and theirs is not None
    assert ours[:2] == theirs[:2] == (trace.header, convert.trace_id(trace))
    by_events = convert.finish(ours[1], trace.header, convert.event_columns(trace), "x").events
    for result in (ours, theirs):
        assert convert.finish(result[1], result[0], result[2], "x").events.equals(by_events)


def test_a_canonical_file_with_odd_lines_is_patched_by_labkit(tmp_path):
    """Lines the C reader leaves (nested args, a lone flag word null) are read by labkit's reader."""
    nested = LINE.replace(b'"x":1.5', b'"x":[1,{"y":null}]').replace(b'"seq":0', b'"seq":1')
    path = tmp_path / "t.jsonl"
    path.write_bytes(HEADER + LINE + nested)
    trace = read_trace(path)
    assert trace.to_jsonl().encode() == path.read_bytes()
    result = onepass.read_canonical(path)
    assert result is not None
    by_events = convert.finish(result[1], trace.header, convert.event_columns(trace), "x").events
    assert convert.finish(result[1], result[0], result[2], "x").events.equals(by_events)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{}\n",
        HEADER,
        HEADER + LINE.rstrip(b"\n"),
    ],
    ids=["empty", "no header", "no events", "no final newline"],
)
def test_files_the_fast_path_leaves_to_read_trace(tmp_path, body):
    path = tmp_path / "t.jsonl"
    path.write_bytes(body)
    assert onepass.read_canonical(path) is None


def test_numbers_past_64_bits_and_odd_floats_are_left_to_labkits_reader():
    big = LINE.replace(b'"x":1.5', b'"x":9223372036854775808')
    small = LINE.replace(b'"x":1.5', b'"x":-9223372036854775808')
    exp = LINE.replace(b'"x":1.5', b'"x":1e-05')
    nonrepr = LINE.replace(b'"x":1.5', b'"x":1.50')
    assert list(scan(big + small + exp + nonrepr)["ok"]) == [0, 1, 1, 0]


def test_the_reader_makes_no_bad_memory_access(tmp_path):
    """The C reader built with AddressSanitizer and UBSan scans thousands of damaged lines in a child
    process; any read past a buffer, use after free or undefined behaviour aborts it."""
    import shutil
    import subprocess
    import sys
    import sysconfig
    from pathlib import Path

    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no gcc")
    runtime = [
        subprocess.run([gcc, f"-print-file-name={lib}"], capture_output=True, text=True).stdout.strip()
        for lib in ("libasan.so", "libubsan.so")
    ]
    if not all(Path(r).is_absolute() and Path(r).exists() for r in runtime):
        pytest.skip("gcc has no sanitizer runtime here")
    source = Path(onepass.__file__).with_name("_canonical.c")
    target = tmp_path / ("_canonical" + sysconfig.get_config_var("EXT_SUFFIX"))
    flags = [
        "-O1",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-fno-omit-frame-pointer",
    ]
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        [gcc, *flags, "-fPIC", "-shared", f"-I{include}", str(source), "-o", str(target)], check=True
    )
    env = {
        **os.environ,
        "LD_PRELOAD": ":".join(runtime),
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
        "PYTHONMALLOC": "malloc",
    }
    fuzz = Path(__file__).with_name("asan_fuzz.py")
    done = subprocess.run(
        [sys.executable, str(fuzz), str(tmp_path), "3000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) > 0  # some damaged files still hold whole canonical lines: those were taken
