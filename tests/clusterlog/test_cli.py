"""``labkit import clusterlog``: the same trace as clusterlog.read, a summary on stderr, errors "
"in one line."""

from pathlib import Path

import pytest

from labkit import clusterlog, read_trace
from labkit.cli import main

from .helpers import line, write_log

DATA = Path(__file__).resolve().parents[2] / "data" / "clusterlogs"


def test_import_writes_the_trace_read_gives_and_a_summary_line(tmp_path, capsys):
    out = tmp_path / "ag.jsonl"
    assert main(["import", "clusterlog", str(DATA / "ag-move"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{out}: 28 events\n"
    assert captured.err == (
        "labkit: read 84 lines from 2 files (nodes SQL01, SQL02): 18 recognised, 10 kept as log lines, "
        "2 joined as continuations, 46 in the header, 8 blank\n"
    )
    written = read_trace(out)
    assert written == clusterlog.read(DATA / "ag-move")
    assert main(["check", str(out)]) in (0, 1)  # the file is a valid trace for every other command


@pytest.mark.parametrize(
    "offset", [["--utc-offset", "-05:00"], ["--utc-offset=-05:00"], ["--utc-offset", "-0500"]]
)
def test_files_node_and_offset_options(tmp_path, capsys, offset):
    """--node names every file's node; --utc-offset west of UTC is a value, not an option."""
    log = write_log(tmp_path, "excerpt.log", [line(0, "RCM", "TransitionToState(R) Online-->Failed.")])
    out = tmp_path / "t.jsonl"
    assert main(["import", "clusterlog", str(log), "--out", str(out), "--node", "N7", *offset]) == 0
    trace = read_trace(out)
    assert [(e.name, e.args["node"]) for e in trace] == [("Failed", "N7")]
    assert trace.header.params["source"]["utc_start"] == "2024-03-14T14:15:00.000Z"
    assert "1 recognised, 0 kept as log lines" in capsys.readouterr().err


def test_an_existing_output_is_kept_unless_forced(tmp_path, capsys):
    log = write_log(tmp_path, "N1_cluster.log", [line(0, "RCM", "a")])
    out = tmp_path / "t.jsonl"
    out.write_text("keep me")
    assert main(["import", "clusterlog", str(log), "--out", str(out)]) == 2
    assert "file exists; pass force=True (--force)" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert main(["import", "clusterlog", str(log), "--out", str(out), "--force"]) == 0
    assert len(read_trace(out)) == 1


def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys):
    binary = tmp_path / "N1_cluster.log"
    binary.write_bytes(b"\x00\x01\x02 binary")
    cases = [
        (
            [str(tmp_path / "missing.log")],
            f"labkit: error: {tmp_path / 'missing.log'}: no such file or directory",
        ),
        ([str(binary)], "labkit: error: N1_cluster.log:1: NUL bytes: a binary file, not a cluster.log text"),
        (
            [str(DATA / "pasted"), "--utc-offset", "two"],
            "labkit: error: --utc-offset: UTC offset 'two' is not ±HH:MM",
        ),
    ]
    for args, message in cases:
        assert main(["import", "clusterlog", *args, "--out", str(tmp_path / "x.jsonl")]) == 2
        assert capsys.readouterr().err.startswith(message)
    assert not (tmp_path / "x.jsonl").exists()
    assert list(tmp_path.iterdir()) == [binary]  # no temporary file left behind
