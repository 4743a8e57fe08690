"""Hostile and broken trace files: every one gives a clear TraceFormatError, a lenient read keeps every good
event, and every command that reads a trace turns it into one line on stderr and exit code 2.

The corpus is ``tests/corpus/bad/``: one small file per bad input, and ``EXPECTED.json`` with, for each,
what it is, the exact problems a strict read lists, and the seqs a lenient read keeps (null when even a
lenient read must fail because the file has no readable header). Huge inputs are generated here.
"""

import json
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from labkit.cli import main
from labkit.exceptions import TraceFormatError
from labkit.trace import MAX_LINE_BYTES, MAX_PROBLEMS, read_trace

CORPUS = Path(__file__).parent / "corpus" / "bad"
EXPECTED = json.loads((CORPUS / "EXPECTED.json").read_text(encoding="utf-8"))
HEADER = (
    b'{"format":"labkit-trace","version":1,"domain":"cluster","scenario":"s","params":{},"labkit":"0.1.0"}\n'
)


def event(seq: int) -> bytes:
    return (
        f'{{"seq":{seq},"t":{seq}.0,"kind":"note","name":"n","actor":"rcm","subject":"",'
        '"args":{},"result":null,"result_name":null,"span":null,"evidence":"documented"}\n'
    ).encode()


# Every command that reads a trace file, as a function of the file's path. Commands added later
# (`labkit table FILE`, `labkit export perfetto FILE OUT`, ...) belong in this list.
COMMANDS: list[Callable[[Path], list[str]]] = [
    lambda path: ["check", str(path)],
    lambda path: ["table", str(path)],
    lambda path: ["table", str(path), "--of", "calls", "--format", "csv"],
    lambda path: ["summary", str(path)],
    lambda path: ["diff", str(path), str(path)],
    lambda path: ["export", "perfetto", str(path), os.devnull, "--force"],
    lambda path: ["export", "csv", str(path), os.devnull, "--force"],
]


def test_the_corpus_is_complete():
    """Every corpus file has its expectation and every expectation its file; there are at least 30."""
    files = sorted(p.name for p in CORPUS.glob("*.jsonl"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_strict_read_lists_exactly_the_problems(name):
    """A strict read raises TraceFormatError listing each problem as path:line: [field:] message."""
    path = CORPUS / name
    with pytest.raises(TraceFormatError) as err:
        read_trace(path)
    assert [str(p) for p in err.value.problems] == [f"{path}:{p}" for p in EXPECTED[name]["problems"]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lenient_read_keeps_every_good_event(name):
    """A lenient read keeps exactly the good events and the same problems; with no header it still raises."""
    path = CORPUS / name
    kept = EXPECTED[name]["lenient"]
    if kept is None:
        with pytest.raises(TraceFormatError):
            read_trace(path, strict=False)
        return
    trace = read_trace(path, strict=False)
    assert [e.seq for e in trace] == kept
    assert [str(p) for p in trace.problems] == [f"{path}:{p}" for p in EXPECTED[name]["problems"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c(Path("FILE"))[:3]))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_commands_give_one_line_and_exit_2(name, command, capsys):
    """Each command turns each bad file into exit 2 and one stderr line naming the file, never a traceback."""
    path = CORPUS / name
    assert main(command(path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"labkit: error: {path}:")
    assert "Traceback" not in err


def test_a_100_mb_line_is_skipped_without_holding_it(tmp_path):
    """A 100 MB line is reported by its length, never held in memory whole; the events around it are kept."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(HEADER + event(0) + b'{"seq":1,"args":"')
        block = b"x" * (1 << 20)
        for _ in range(100):
            out.write(block)
        out.write(b'"}\n' + event(2))
    tracemalloc.start()
    try:
        trace = read_trace(path, strict=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [e.seq for e in trace] == [0, 2]
    assert [str(p) for p in trace.problems] == [
        f"{path}:3: line is {100 * (1 << 20) + 20} bytes long; the limit is {MAX_LINE_BYTES} (not read)"
    ]
    assert peak < 3 * MAX_LINE_BYTES


def test_a_huge_binary_file_stops_at_line_1(tmp_path):
    """A large file that is not a trace is refused after its first line, not read to the end."""
    path = tmp_path / "disk.img"
    path.write_bytes(b"\x00\xff" * (20 << 20))
    with pytest.raises(TraceFormatError) as err:
        read_trace(path, strict=False)
    assert [str(p) for p in err.value.problems] == [
        f"{path}:1: line is {40 << 20} bytes long; the limit is {MAX_LINE_BYTES} (not read)"
    ]


def test_many_bad_lines_are_counted_not_listed(tmp_path):
    """Past MAX_PROBLEMS a lenient read counts further problems (keeping good events); a strict read stops."""
    path = tmp_path / "noisy.jsonl"
    bad = MAX_PROBLEMS + 500
    path.write_bytes(HEADER + event(0) + b"oops\n" * bad + event(1))
    trace = read_trace(path, strict=False)
    assert [e.seq for e in trace] == [0, 1]
    assert len(trace.problems) == MAX_PROBLEMS + 1
    assert str(trace.problems[-1]) == f"{path}:{bad + 3}: ... and 500 more problems not listed"
    with pytest.raises(TraceFormatError) as err:
        read_trace(path)
    assert len(err.value.problems) == MAX_PROBLEMS + 1
    assert str(err.value.problems[-1]) == f"{path}:{MAX_PROBLEMS + 3}: stopped reading after 1000 problems"
    assert str(err.value).count("\n") == 20  # the message shows 20 problems and says how many more


def test_deep_nesting_is_refused_at_any_depth(tmp_path):
    """Nesting at 33, 990, 5000 and 100000 levels gives a problem, never a RecursionError."""
    path = tmp_path / "deep.jsonl"
    for depth in (33, 990, 5000, 100_000):
        line = b'{"seq":0,"t":0,"kind":"note","name":"n","actor":"a","subject":"","evidence":"header","args":'
        path.write_bytes(HEADER + line + b'{"a":' * depth + b"1" + b"}" * depth + b"}\n")
        with pytest.raises(TraceFormatError) as err:
            read_trace(path)
        assert [p.message for p in err.value.problems] == ["nested more than 32 levels deep"], depth
