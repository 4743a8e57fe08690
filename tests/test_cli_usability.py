"""The command line as a person meets it (issue 17): words of the command line, not of the API; files
as the shell would make them; output that suits a terminal and a pipe."""

import os
import stat
import subprocess
import sys

import pytest

from labkit.cli import main
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
