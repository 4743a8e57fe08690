"""The columnar scan reads the prefix from bytes with numpy; these tests hold it to a plain per-line
reading with ``re`` (the rules `labkit.clusterlog.prefix` states) over lines built to hit every edge:
stamps that name no real time, tags at and past their limits, functions before tags, text in other
scripts, blank and white lines, CRLF, block ends inside lines and characters, lines too long to keep."""

import calendar
import random
import re
from datetime import datetime

import pyarrow.parquet as pq
import pytest

from labkit.clusterlog import columnar, prefix
from labkit.clusterlog.blocks import Utf8Blocks
from labkit.clusterlog.decode import MAX_LINE_CHARS
from labkit.clusterlog.patterns import recognise

FULL = re.compile(
    rb"[0-9A-Fa-f]{8}\.[0-9A-Fa-f]{8}::(\d{4})/(\d\d)/(\d\d)-(\d\d):(\d\d):(\d\d)\.(\d{3}) "
    rb"[A-Za-z][A-Za-z ]{4} [^ ]",
    re.ASCII,
)
TAG = re.compile(rb"([^\t\n\f\r \[\]]*)\[([^\]]{1,40})\] ?")


def expected(line: str, node: str) -> dict:
    """One line as the scan must give it, read with ``re`` on its UTF-8 bytes."""
    raw = line.encode()
    row = dict.fromkeys(("utc_ms", "pid", "tid", "level", "function", "component"))
    match = FULL.match(raw)
    row["prefixed"] = match is not None
    text = raw
    if match:
        row["pid"], row["tid"] = raw[0:8].decode(), raw[9:17].decode()
        row["level"] = raw[43:48].decode().rstrip()
        numbers = [int(g) for g in match.groups()]
        try:
            datetime(*numbers[:6])
            row["utc_ms"] = calendar.timegm((*numbers[:6], 0, 0, 0)) * 1000 + numbers[6]
        except ValueError:
            pass
        text = raw[49:]
        tag = TAG.match(text[:160])
        if tag and tag.end(2) < 160:
            row["function"] = tag.group(1).decode() or None
            row["component"] = tag.group(2).decode()
            text = text[tag.end() :]
    row["text"] = text.decode()
    found = recognise(row["text"], row["component"])
    event = found[1] if found else None
    row["kind"] = event.kind.value if event else "note"
    row["name"] = event.name if event else "LogLine"
    row["subject"] = (event.subject if event else None) or f"node:{node}"
    return row


def random_lines(rng: random.Random, count: int) -> list[str]:
    words = ["Online", "é", "漢字", "🙂", "x" * 50, "[", "]", "\t", "  ", "TransitionToState(ag)"]
    lines = []
    for _ in range(count):
        date = rng.choice(["2024/03/14", "2024/02/29", "2023/02/29", "2024/13/01", "0000/01/01"])
        clock = rng.choice(["09:15:02", "23:59:59", "24:00:00", "12:60:00"])
        level = rng.choice(["INFO ", "ERR  ", "WARN ", "DBG  ", "1NFO ", "I    "])
        stamp = (
            f"{rng.randrange(16**8):08x}.{rng.randrange(16**8):08X}::{date}-{clock}.{rng.randrange(1000):03d}"
        )
        function = rng.choice(["", "", "rcm::RcmApi::MoveGroup", "f" * rng.randrange(30, 200), "é", "a b"])
        component = rng.choice(["RCM", "RES", "", "C" * 40, "C" * 41, "a]b", "Physical Disk"])
        message = rng.choice(
            [
                f"{function}[{component}] " + " ".join(rng.choices(words, k=rng.randrange(6))),
                f"[{component}]",
                f"{function}[{component}]x",
                "TransitionToState(ag) Online-->OfflineCallIssued.",
                "[RCM] TransitionToState(ag) Online-->OfflineCallIssued.",
                " starts with a space",
                "",
            ]
        )
        line = f"{stamp} {level} {message}"
        lines.append(
            rng.choice(
                [
                    line,
                    line,
                    line,
                    line[: rng.randrange(len(line) + 1)],
                    "",
                    "   \t",
                    "\u3000",
                    message,
                    "é" * 30,
                ]
            )
        )
    return lines


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8"])
def test_every_line_as_a_plain_re_reading_gives_it(tmp_path, encoding):
    lines = random_lines(random.Random(f"columnar {encoding}"), 3000)
    path = tmp_path / "NODE1_cluster.log"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    scan = columnar.scan(path, tmp_path / "out.parquet")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    blank = {i for i, line in enumerate(lines, 1) if not FULL.match(line.encode()) and not line.strip()}
    wanted = [
        {"file": "NODE1_cluster.log", "node": "NODE1", "line": i, **expected(line, "NODE1")}
        for i, line in enumerate(lines, 1)
        if i not in blank
    ]
    assert rows == wanted
    assert (scan.rows, scan.blank, scan.cut) == (len(wanted), len(blank), 0)
    assert scan.unprefixed == sum(1 for row in wanted if not row["prefixed"])
    assert scan.recognised == sum(1 for row in wanted if row["name"] != "LogLine") > 0


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 4096])
def test_blocks_end_on_line_ends_whatever_the_read_size(tmp_path, size):
    text = "é漢🙂 line one\r\nline two\n\nlast line without an end"
    for encoding in ("utf-16", "utf-8-sig", "utf-16-be"):
        path = tmp_path / "x.log"
        path.write_bytes(("\ufeff" + text if encoding == "utf-16-be" else text).encode(encoding))
        blocks = list(Utf8Blocks(path, "x.log", size=size))
        assert b"\n".join(blocks).decode() == text


def test_bad_bytes_become_replacement_characters_not_a_crash(tmp_path):
    path = tmp_path / "bad_cluster.log"
    path.write_bytes(b"00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] caf\xe9 \xff\nplain\n")
    columnar.scan(path, tmp_path / "out.parquet")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["text"] for r in rows] == ["caf\ufffd \ufffd", "plain"]
    assert rows[0]["component"] == "RES"
    assert rows[0]["utc_ms"] == calendar.timegm((2011, 8, 5, 13, 47, 42, 0, 0, 0)) * 1000 + 543


def test_a_line_too_long_to_keep_is_cut_at_a_character_and_counted(tmp_path):
    path = tmp_path / "long_cluster.log"
    long = "é" * (MAX_LINE_CHARS + 10)  # two bytes each: the cut falls inside the line's first half
    path.write_bytes(f"first\n{long}\nafter\n".encode())
    scan = columnar.scan(path, tmp_path / "out.parquet")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[1]["text"] == "é" * (MAX_LINE_CHARS // 2) and rows[2]["text"] == "after"
    assert scan.cut == 1


def test_a_line_without_an_end_in_sight_is_not_held_whole(tmp_path):
    path = tmp_path / "long_cluster.log"
    path.write_bytes(("é" * (3 * MAX_LINE_CHARS) + "\nafter").encode())
    blocks = Utf8Blocks(path, path.name, size=4096)
    assert [len(b) for b in blocks] == [MAX_LINE_CHARS, len("after")]
    assert blocks.cut == 1


def test_an_empty_file_gives_an_empty_table(tmp_path):
    (tmp_path / "EMPTY_cluster.log").write_bytes(b"")
    scan = columnar.scan(tmp_path, tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert (scan.rows, table.num_rows) == (0, 0)
    assert table.column_names == list(columnar.COLUMNS)


def test_the_prefix_template_is_the_sheet_s_fixed_widths():
    assert prefix.TEMPLATE[prefix.MESSAGE] == "_" and prefix.WIDTH == 50
    sample = b"00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] x"
    lines = prefix.Lines.of(sample)
    mask, head = prefix.prefixed(lines)
    assert mask.tolist() == [True] and bytes(head[0]) == sample[: prefix.WIDTH]
