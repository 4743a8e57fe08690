"""The command line as a person meets it (issue 17): words of the command line, not of the API; files
as the shell would make them; output that suits a terminal and a pipe."""

import argparse
import os
import re
import stat
import subprocess
import sys

import pytest

from labkit.cli import build_parser, main
from labkit.winapi import OfflineFlags
from tests.traces import cluster_offline


def run(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, check=False, **kwargs
    )


@pytest.fixture
def trace_file(tmp_path):
    return cluster_offline(timeout=False).write(tmp_path / "t.jsonl")


def test_an_existing_output_names_the_option_not_the_keyword(trace_file, tmp_path, capsys):
    """The error says --force, never force=True; with --force the file is replaced."""
    out = tmp_path / "t.csv"
    out.write_text("old")
    assert main(["export", "csv", str(trace_file), str(out)]) == 2
    assert capsys.readouterr().err == f"labkit: error: {out}: file exists; add --force to replace it\n"
    assert out.read_text() == "old"
    assert main(["export", "csv", str(trace_file), str(out), "--force"]) == 0
    assert out.read_text().startswith("seq,t,kind,")


def test_exporting_onto_a_folder_names_the_folder_and_leaves_nothing_behind(trace_file, tmp_path, capsys):
    """OUT is a folder: the error names it (not a temporary file of labkit's), with or without --force."""
    folder = tmp_path / "out"
    folder.mkdir()
    for force in ([], ["--force"]):
        assert main(["export", "csv", str(trace_file), str(folder), *force]) == 2
        assert capsys.readouterr().err == f"labkit: error: {folder}: is a folder; give a file name\n"
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.jsonl"]


def test_export_creates_missing_folders_like_simulate(trace_file, tmp_path, capsys):
    """`export` makes the folders OUT needs, as `simulate --out` does."""
    out = tmp_path / "new" / "deeper" / "t.csv"
    assert main(["export", "csv", str(trace_file), str(out)]) == 0
    assert out.is_file()
    simulated = tmp_path / "other" / "run.jsonl"
    assert main(["simulate", "nspv2", "--scenario", "happy-path", "--out", str(simulated)]) == 0
    assert simulated.is_file()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_created_files_follow_the_umask(tmp_path, umask):
    """A trace, an export and a matrix get 0666 less the umask, as `touch` would make them (not 0600)."""
    trace = tmp_path / "t.jsonl"
    code = (
        "import os, sys; os.umask(int(sys.argv[1], 8)); from labkit.cli import main; "
        "assert main(['simulate', 'nspv2', '--scenario', 'happy-path', '--out', sys.argv[2]]) == 0; "
        "assert main(['export', 'csv', sys.argv[2], sys.argv[3]]) == 0; "
        "assert main(['matrix', '--scenario', 'plain-offline', '--out', sys.argv[4]]) == 0"
    )
    files = [trace, tmp_path / "t.csv", tmp_path / "m.csv"]
    done = subprocess.run([sys.executable, "-c", code, oct(umask), *map(str, files)], check=False)
    assert done.returncode == 0
    assert [stat.S_IMODE(os.stat(f).st_mode) for f in files] == [0o666 & ~umask] * 3


def subcommands(parser, prefix=("labkit",)):
    """Every parser of the command line with its command words, the top one first."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub is not parser:
                    yield from subcommands(sub, (*prefix, name))


def test_help_is_plain_text_everywhere():
    """No reStructuredText backquotes in any --help (docstrings feed some descriptions)."""
    helps = {" ".join(words): sub.format_help() for words, sub in subcommands(build_parser())}
    assert {"labkit", "labkit check", "labkit simulate cluster", "labkit scenarios"} <= set(helps)
    assert {words: text for words, text in helps.items() if "`" in text} == {}
    assert helps["labkit"].splitlines()[2] == "The labkit command line: the same functions as the Python API."


def test_simulate_accepts_cluster_as_its_domain_and_offline_as_before(tmp_path, capsys):
    """`labkit simulate cluster` is the domain's name everywhere else; `offline` keeps working."""
    for word in ("cluster", "offline"):
        out = tmp_path / f"{word}.jsonl"
        assert main(["simulate", word, "--scenario", "plain-offline", "--out", str(out)]) == 0
    assert (tmp_path / "cluster.jsonl").read_bytes() == (tmp_path / "offline.jsonl").read_bytes()
    assert capsys.readouterr().out.splitlines()[0].endswith(", 0 faults, result ERROR_SUCCESS")


def test_scenarios_are_one_aligned_table_of_sentences(capsys):
    """Domain as `simulate` spells it, one column each for domain, name and summary across both domains,
    and every summary a sentence."""
    assert main(["scenarios"]) == 0
    rows = [re.match(r"(\S+) +(\S+) +(.*)$", line) for line in capsys.readouterr().out.splitlines()]
    assert sorted({row[1] for row in rows}) == ["cluster", "nspv2"]
    assert [row[1] for row in rows] == sorted((row[1] for row in rows), reverse=True)  # nspv2 first
    assert ({row.start(2) for row in rows}, len({row.start(3) for row in rows})) == ({9}, 1)
    assert [row[3] for row in rows if not (row[3][0].isupper() and row[3].endswith("."))] == []
    assert main(["scenarios", "--domain", "offline"]) == 0
    assert {line.split()[0] for line in capsys.readouterr().out.splitlines()} == {"cluster"}


def test_a_mistyped_scenario_is_offered_the_likely_name(tmp_path, capsys):
    """One line: what was not found, the closest names, then every valid one."""
    out = str(tmp_path / "t.jsonl")
    assert main(["simulate", "cluster", "--scenario", "move-busy-dl", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "labkit: error: unknown cluster scenario 'move-busy-dl' (did you mean 'move-busy-dll'?); valid: "
    )
    assert err.count("\n") == 1
    assert main(["simulate", "nspv2", "--scenario", "crash", "--out", out]) == 2
    assert "'crash' (did you mean 'crash-during-lookup' or 'crash-without-cleanup'?); valid: " in (
        capsys.readouterr().err
    )
    assert main(["simulate", "nspv2", "--scenario", "zzz", "--out", out]) == 2
    assert "unknown scenario 'zzz'; valid: happy-path, " in capsys.readouterr().err


def test_diff_of_two_domains_says_so(tmp_path, capsys):
    """An NSPv2 trace and a cluster trace: one line saying they cannot be compared, exit 2."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    main(["simulate", "nspv2", "--scenario", "happy-path", "--out", str(a)])
    main(["simulate", "cluster", "--scenario", "plain-offline", "--out", str(b)])
    capsys.readouterr()
    assert main(["diff", str(a), str(b)]) == 2
    assert capsys.readouterr() == (
        "",
        f"labkit: error: {a} is an nspv2 trace and {b} a cluster trace: only traces of one domain can be "
        "compared\n",
    )


def test_check_takes_several_files_and_exits_with_the_worst(small_trace, trace_file, tmp_path, capsys):
    """Each file is checked and counted in turn (1 fault, 0 faults); a bad one does not stop the rest."""
    faulty = small_trace.write(tmp_path / "faulty.jsonl")
    assert main(["check", str(trace_file), str(faulty)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{trace_file}: 13 events, 0 faults, 0 contract violations"
    assert lines[-1].startswith(f"{faulty}: 5 events, 1 fault, ")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main(["check", str(bad), str(trace_file)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == f"{trace_file}: 13 events, 0 faults, 0 contract violations"
    assert err.startswith(f"labkit: error: {bad}:1:") and err.count("\n") == 1


def test_a_closed_pipe_ends_the_command_quietly(trace_file):
    """`labkit table T | head`: no 'Broken pipe' error when the reader has gone."""
    process = subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", "table", str(trace_file), "--of", "calls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read()
    process.stderr.close()
    assert (process.wait(), err) == (141, b"")


def test_matrix_rows_fit_a_wide_terminal_with_a_legend(capsys):
    """Flag words in hex with their names below, not 190-character name lists padded in every row."""
    assert main(["matrix", "--scenario", "move-busy-dll", "--os", "2012,2016"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == (
        [
            "os",
            "requested",
            "effective",
            "result",
            "state",
            "node",
            "persistent",
            "callbacks",
            "faults",
            "end_ms",
        ]
    )
    assert len(lines) == 1 + 256 + 1 + 1 + 7
    assert max(len(line) for line in lines) <= 160
    assert lines[1].split()[:4] == ["2012", "0x00", "0x00", "ERROR_CLUSTER_GROUP_BUSY"]
    row = next(line.split() for line in lines if line.startswith("2016  0x44"))
    assert row[:4] == ["2016", "0x44", "0x44", "ERROR_SUCCESS"]
    assert lines[-7:] == [f"  {int(f):#04x} {f.name}" for f in OfflineFlags.single_flags()]
