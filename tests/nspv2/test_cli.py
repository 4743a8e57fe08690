"""`labkit simulate nspv2`: the same trace as the API, identical on every run, one-line errors."""

import subprocess
import sys

import pytest

from labkit import nspv2, read_trace
from labkit.cli import main


def test_running_twice_gives_identical_files(tmp_path, capsys):
    """The same command writes the same bytes, and they are the API's trace."""
    args = ["simulate", "nspv2", "--scenario", "crash-during-lookup", "--crash-policy", "both", "--seed", "3"]
    assert main([*args, "--out", str(tmp_path / "a.jsonl")]) == 0
    assert main([*args, "--out", str(tmp_path / "b.jsonl")]) == 0
    first = (tmp_path / "a.jsonl").read_bytes()
    assert first == (tmp_path / "b.jsonl").read_bytes()
    expected = nspv2.simulate("crash-during-lookup", policy={"crash": "both"}, seed=3).trace.to_jsonl()
    assert first == expected.encode()
    assert capsys.readouterr().out.splitlines()[0] == f"{tmp_path / 'a.jsonl'}: 70 events, 0 faults"


def test_options_reach_the_run(tmp_path):
    """Provider, OS and policy switches land in the trace header."""
    out = tmp_path / "t.jsonl"
    options = ["--provider", "minimal", "--os", "vista", "--startup-policy", "wsastartup"]
    assert main(["simulate", "nspv2", "--scenario", "happy-path", *options, "--out", str(out)]) == 0
    params = read_trace(out).header.params
    assert (params["provider"], params["os"], params["policies"]["startup"]) == (
        "minimal",
        "vista",
        "wsastartup",
    )


def test_an_existing_file_needs_force(tmp_path, capsys):
    """Nothing is overwritten without --force."""
    out = tmp_path / "t.jsonl"
    out.write_text("keep me")
    assert main(["simulate", "nspv2", "--scenario", "happy-path", "--out", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err
    assert main(["simulate", "nspv2", "--scenario", "happy-path", "--out", str(out), "--force"]) == 0


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--scenario", "nope", "unknown scenario 'nope'; valid: happy-path, two-clients,"),
        ("--provider", "nope", "unknown provider 'nope'; valid: email-directory, minimal, slow,"),
        ("--crash-policy", "nope", "unknown crash policy 'nope'; valid: both, rundown, cleanup"),
        ("--os", "xp", "unknown NSPv2 OS profile 'xp'; valid: vista, win7"),
    ],
)
def test_unknown_names_are_one_line_listing_the_valid_ones(tmp_path, option, value, message):
    """A wrong name is exit 2 and a single line naming the valid choices, never a traceback."""
    args = {"--scenario": "happy-path", "--out": str(tmp_path / "t.jsonl"), option: value}
    argv = ["simulate", "nspv2"] + [item for pair in args.items() for item in pair]
    out = subprocess.run([sys.executable, "-m", "labkit.cli", *argv], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith(f"labkit: error: {message}")
    assert not (tmp_path / "t.jsonl").exists()
