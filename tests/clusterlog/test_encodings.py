"""Encodings and bad input: the same log reads the same in every encoding; bad bytes, NULs, absurd lines
and binary files give a kept line or a clear error naming the file and line, never a crash or a drop."""

import codecs
import random

import pytest

from labkit import clusterlog
from labkit.clusterlog import decode
from labkit.exceptions import ClusterLogError

from .helpers import accounted, line, write_log

LINES = [
    line(0, "RCM", "TransitionToState(Café) Online-->OfflineCallIssued."),
    line(5, "RES", "Générique <Café>: Offline request — à bientôt 日本"),
    "    continuation with ünïcode",
    line(9, "RCM", "TransitionToState(Café) OfflineCallIssued-->Offline."),
]


def _events(trace):
    return [(e.kind, e.name, e.subject, e.t, e.ref, dict(e.args)) for e in trace]


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [("utf-8", "\n", False), ("utf-8-sig", "\r\n", True), ("utf-16", "\r\n", True), ("utf-16", "\n", True)],
)
def test_every_encoding_reads_to_the_same_events(tmp_path, encoding, newline, bom):
    """UTF-8 with or without BOM, UTF-16 LE with BOM, LF or CRLF: identical events; the header says which."""
    (tmp_path / "reference").mkdir()
    reference = clusterlog.read(write_log(tmp_path / "reference", "N1_cluster.log", LINES))
    path = write_log(tmp_path, "N1_cluster.log", LINES, encoding=encoding, newline=newline)
    trace = clusterlog.read(path)
    assert _events(trace) == _events(reference)
    f = trace.header.params["source"]["files"][0]
    assert (f["encoding"], f["bom"], f["line_ends"]) == (
        "utf-16-le" if encoding == "utf-16" else "utf-8",
        bom,
        "CRLF" if newline == "\r\n" else "LF",
    )
    assert f["problems"] == []


def test_utf16_without_a_bom_is_recognised_and_reported(tmp_path):
    path = tmp_path / "N1_cluster.log"
    path.write_bytes("\r\n".join(LINES).encode("utf-16-le"))
    trace = clusterlog.read(path)
    assert [e.name for e in trace] == ["OfflineCallIssued", "LogLine", "Offline"]
    assert trace.header.params["source"]["files"][0]["problems"] == [
        "N1_cluster.log: UTF-16 LE without a byte order mark (read as UTF-16 LE)"
    ]


def test_bad_bytes_are_kept_as_replacement_characters_and_reported(tmp_path):
    """Invalid UTF-8 in a line: the line is kept (U+FFFD) and the problem names line, bytes and column."""
    path = tmp_path / "N1_cluster.log"
    path.write_bytes(
        (line(0, "RCM", "good") + "\n").encode() + line(1, "RES", "R <R>: caf").encode() + b"\xe9 \xff\xfe\n"
    )
    trace = clusterlog.read(path)
    assert [e.args["text"] for e in trace] == ["good", "R <R>: caf\ufffd \ufffd\ufffd"]
    assert trace.header.params["source"]["files"][0]["problems"] == [
        "N1_cluster.log:2: bytes that are not valid UTF-8 (0xe9 at column 66): kept as U+FFFD"
    ]


def test_a_broken_utf16_surrogate_is_kept_and_reported(tmp_path):
    path = tmp_path / "N1_cluster.log"
    body = line(0, "RCM", "x").encode("utf-16-le") + b"\x00\xd8" + "y\r\n".encode("utf-16-le")
    path.write_bytes(codecs.BOM_UTF16_LE + body)
    trace = clusterlog.read(path)
    assert trace[0].args["text"] == "x\ufffd\ufffdy"
    assert (
        "not valid UTF-16-LE (0x00 0xd8 at column" in trace.header.params["source"]["files"][0]["problems"][0]
    )


def test_a_binary_file_is_refused_naming_the_line(tmp_path):
    """NUL bytes in the first block: not a log; the error names the file and the line of the first NUL."""
    path = tmp_path / "N1_cluster.log"
    path.write_bytes(b"first line\nsecond\n\x00\x01\x02\x03" + random.Random(0).randbytes(300))
    with pytest.raises(ClusterLogError) as caught:
        clusterlog.read(path)
    assert str(caught.value) == "N1_cluster.log:3: NUL bytes: a binary file, not a cluster.log text"
    assert (caught.value.path, caught.value.line) == ("N1_cluster.log", 3)


def test_nuls_after_the_first_block_are_removed_and_reported(tmp_path, monkeypatch):
    """A zeroed block inside a long log (a crash while writing) keeps the line without its NULs."""
    monkeypatch.setattr(decode, "BLOCK", 64)
    path = tmp_path / "N1_cluster.log"
    path.write_bytes((line(0, "RCM", "one") + "\n" + line(1, "RCM", "two") + "\0\0\0\n").encode())
    trace = clusterlog.read(path)
    assert [e.args["text"] for e in trace] == ["one", "two"]
    assert trace.header.params["source"]["files"][0]["problems"] == [
        "N1_cluster.log:2: 3 NUL characters removed (a damaged block?)"
    ]


def test_an_absurdly_long_line_is_kept_cut_and_reported(tmp_path, monkeypatch):
    """A line longer than the limit is cut, reported, and the lines after it are read as usual."""
    monkeypatch.setattr(decode, "MAX_LINE_CHARS", 200)
    monkeypatch.setattr(decode, "BLOCK", 128)
    long = line(1, "RES", "R <R>: " + "x" * 5000)
    path = write_log(tmp_path, "N1_cluster.log", [line(0, "RCM", "before"), long, line(2, "RCM", "after")])
    trace = clusterlog.read(path)
    assert [(len(e.args["text"]), e.ref) for e in trace] == [
        (6, "N1_cluster.log:1"),
        (200 - 55, "N1_cluster.log:2"),
        (5, "N1_cluster.log:3"),
    ]
    assert trace.header.params["source"]["files"][0]["problems"] == [
        "N1_cluster.log:2: longer than 200 characters: kept cut to that length"
    ]
    assert accounted(trace.header) == []


def test_an_empty_file_gives_no_events_and_no_error(tmp_path):
    path = tmp_path / "N1_cluster.log"
    path.write_bytes(b"")
    trace = clusterlog.read(path)
    assert (len(trace), trace.header.params["source"]["files"][0]["lines"]) == (0, 0)
    assert trace.header.params["source"]["utc_start"] is None


@pytest.mark.parametrize("seed", range(5))
def test_random_text_never_crashes_and_every_line_is_accounted_for(tmp_path, seed):
    """Arbitrary printable junk mixed with log lines: read, and the accounting identity holds."""
    rng = random.Random(seed)
    alphabet = "[]:.-/ \tabcXYZ0123456789<>`\\=>"
    junk = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(200)]
    lines = [line(i, "RCM", j) if i % 7 == 0 else j for i, j in enumerate(junk)]
    trace = clusterlog.read(write_log(tmp_path, "N1_cluster.log", lines))
    assert accounted(trace.header) == []
    assert [e.t for e in trace] == sorted(e.t for e in trace)
    assert trace.header.params["source"]["files"][0]["lines"] == 200
