"""labkit simulate cluster (alias offline) and labkit matrix."""

import csv

from labkit.cli import main
from labkit.trace import read_trace


def test_simulate_cluster_writes_the_trace(tmp_path, capsys):
    """The flags given by name reach the header; the summary line names the result."""
    out = tmp_path / "t.jsonl"
    argv = [
        "simulate",
        "cluster",
        "--scenario",
        "move-busy-dll",
        "--flags",
        "QUEUE_ENABLED,0x2",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"{out}: 82 events, 0 faults, result ERROR_SUCCESS\n"
    assert read_trace(out).header.params["flags"] == "RETURN_TO_SOURCE_NODE_ON_ERROR|QUEUE_ENABLED"
    assert main(argv) == 2
    assert "file exists" in capsys.readouterr().err
    assert main([*argv, "--force", "--os", "2012", "--policy", "queue_retry_ms=250", "--dll", "Busy"]) == 0


def test_offline_is_still_a_name_for_cluster_and_health_scenarios_run_from_the_command_line(tmp_path, capsys):
    """`simulate offline` runs the same as `simulate cluster`; --property and --health reach the run."""
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    for word, out in (("offline", old), ("cluster", new)):
        argv = ["simulate", word, "--scenario", "isalive-failure-restart", "--out", str(out)]
        assert main([*argv, "--property", "RestartAction=0", "--no-health"]) == 0
    assert old.read_text() == new.read_text()
    header = read_trace(new).header.params
    assert (header["properties"]["RestartAction"], header["health"]) == (0, False)
    assert main(["simulate", "cluster", "--scenario", "x", "--property", "Oops", "--out", str(old)]) == 2
    assert "unknown --property setting 'Oops'; valid: NAME=NUMBER" in capsys.readouterr().err


def test_an_unknown_flag_is_one_line_listing_the_valid_ones(tmp_path, capsys):
    """A misspelt flag: exit 2 and a single line with every valid flag name."""
    argv = [
        "simulate",
        "offline",
        "--scenario",
        "plain-offline",
        "--flags",
        "QUEUE",
        "--out",
        str(tmp_path / "t"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert (
        "unknown OfflineFlags flag 'QUEUE'; valid: IGNORE_RESOURCE_STATUS, RETURN_TO_SOURCE_NODE_ON_ERROR"
        in err
    )
    assert not (tmp_path / "t").exists()


def test_matrix_to_csv_and_to_the_screen(tmp_path, capsys):
    """--out writes 128 rows per OS as CSV; without it the table is printed."""
    out = tmp_path / "m.csv"
    assert main(["matrix", "--scenario", "locked-offline", "--os", "2012,2016", "--out", str(out)]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 256
    assert (rows[1]["requested"], rows[1]["result"]) == ("IGNORE_RESOURCE_STATUS", "ERROR_SUCCESS")
    capsys.readouterr()
    assert main(["matrix", "--scenario", "plain-offline"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 129
    assert main(["matrix", "--scenario", "plain-offline", "--policy", "nonsense"]) == 2
