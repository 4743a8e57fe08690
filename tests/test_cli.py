"""The labkit command line: help, version, clear errors with exit code 2, check."""

import subprocess
import sys

from labkit.cli import main
from tests.traces import cluster_offline


def run(*args):
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True)


def test_help_lists_subcommands():
    out = run("--help")
    assert out.returncode == 0
    assert "check" in out.stdout


def test_version():
    out = run("--version")
    assert out.stdout.strip().startswith("labkit 0.")


def test_unknown_command_is_exit_2_with_a_clear_message():
    out = run("frobnicate")
    assert out.returncode == 2
    assert "invalid choice: 'frobnicate'" in out.stderr
    assert "Traceback" not in out.stderr


def test_check_lists_faults_and_exits_1(small_trace, tmp_path, capsys):
    path = small_trace.write(tmp_path / "t.jsonl")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "LateReport (Disk) report after terminate [cluster-offline §4]" in out
    assert "5 events, 1 faults" in out


def test_check_on_a_clean_trace_exits_0(tmp_path, capsys):
    # small_trace[:3] no longer qualifies: its OfflineV2 returns ERROR_IO_PENDING and never completes.
    path = cluster_offline(timeout=False).write(tmp_path / "t.jsonl")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.endswith("t.jsonl: 13 events, 0 faults, 0 contract violations\n")


def test_check_on_a_bad_file_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text("not json\n")
    assert main(["check", str(path)]) == 2
    assert "bad.jsonl:1:" in capsys.readouterr().err


def test_missing_file_is_one_line_exit_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No such file" in err


def test_scenarios_lists_both_domains(capsys):
    """Every registered scenario of both domains appears, under the word `labkit simulate` takes."""
    from labkit import cluster, nspv2

    assert main(["scenarios"]) == 0
    rows = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert rows == [["nspv2", n] for n in nspv2.scenarios.names()] + [
        ["cluster", n] for n in cluster.scenarios.names()
    ]
    for word in ("cluster", "offline"):  # `offline` is the old name, kept as an alias
        assert main(["scenarios", "--domain", word]) == 0
        assert {line.split()[0] for line in capsys.readouterr().out.splitlines()} == {"cluster"}
