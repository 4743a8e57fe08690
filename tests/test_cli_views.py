"""`labkit table`, `labkit export perfetto|csv` and the contract checks of `labkit check`."""

import json

from labkit.cli import main
from labkit.trace import Kind
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session


def test_table_prints_the_state_table_as_markdown(tmp_path, capsys):
    """Markdown by default: one row per interval, open intervals with empty ends."""
    path = cluster_offline().write(tmp_path / "t.jsonl")
    assert main(["table", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| subject | kind | state | from | to | duration | entered_by | entered_seq | left_by |",
        "|---|---|---|---|---|---|---|---|---|",
        "| group:SQL | group | Online | 0 | 10 | 10 | Online | 0 | Moving |",
        "| Disk | resource | ClusterResourceOnline | 0 | 10.2 | 10.2 | ClusterResourceOnline | 1 | "
        "ClusterResourceOfflinePending |",
        "| group:SQL | group | Moving | 10 | 181016 | 181006 | Moving | 2 | Offline |",
        "| Disk | resource | ClusterResourceOfflinePending | 10.2 | 181015 | 181004.8 | "
        "ClusterResourceOfflinePending | 5 | ClusterResourceOffline |",
        "| Disk | resource | ClusterResourceOffline | 181015 |  |  | ClusterResourceOffline | 12 |  |",
        "| group:SQL | group | Offline | 181016 |  |  | Offline | 13 |  |",
    ]


def test_table_as_csv_and_of_calls(tmp_path, capsys):
    """--format csv gives CSV; --of calls lists calls with codes by SDK name."""
    path = nspv2_session().write(tmp_path / "t.jsonl")
    assert main(["table", str(path), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "subject,kind,state,from,to,duration,entered_by,entered_seq,left_by"
    assert lines[-1] == "session:4242,session,RunDown,8.0,,,RunDown,26,"
    assert main(["table", str(path), "--of", "calls", "--format", "csv"]) == 0
    calls = capsys.readouterr().out.splitlines()
    assert len(calls) == 9 and ",WSA_E_NO_MORE," in calls[5]


def test_table_of_a_bad_file_is_one_line_exit_2(tmp_path, capsys):
    """An unreadable trace names the file and line, no traceback."""
    path = tmp_path / "bad.jsonl"
    path.write_text("{}\n")
    assert main(["table", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.jsonl:1:" in err


def test_export_perfetto_and_csv_never_overwrite_without_force(tmp_path, capsys):
    """Both exports write their file; a second run refuses (exit 2) until --force."""
    trace = cluster_offline().write(tmp_path / "t.jsonl")
    out_json, out_csv = tmp_path / "t.json", tmp_path / "t.csv"
    assert main(["export", "perfetto", str(trace), str(out_json)]) == 0
    assert main(["export", "csv", str(trace), str(out_csv)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{out_json}: 14 events exported as perfetto",
        f"{out_csv}: 14 events exported as csv",
    ]
    assert json.loads(out_json.read_text())["traceEvents"][0]["name"] == "process_name"
    assert out_csv.read_text().startswith("seq,t,kind,name,")
    out_json.write_text("keep")
    assert main(["export", "perfetto", str(trace), str(out_json)]) == 2
    assert "file exists; pass force=True (--force)" in capsys.readouterr().err
    assert out_json.read_text() == "keep"
    assert main(["export", "perfetto", str(trace), str(out_json), "--force"]) == 0
    assert out_json.read_text().startswith('{"traceEvents"')


def test_export_into_a_missing_folder_is_one_line_exit_2(tmp_path, capsys):
    """A folder that does not exist is named in one line."""
    trace = cluster_offline().write(tmp_path / "t.jsonl")
    assert main(["export", "csv", str(trace), str(tmp_path / "nope" / "t.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err and "No such directory" in err


def test_check_lists_contract_violations_and_exits_1(tmp_path, capsys):
    """A trace with no fault events but a call that never returns and a wrong `from` fails the check."""
    tracer = make_tracer()
    tracer.record(
        Kind.STATE,
        "ClusterResourceOnline",
        actor="rhs",
        subject="Disk",
        state=(None, "ClusterResourceOnline"),
        evidence="documented",
    )
    tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", t=1, evidence="documented")
    tracer.record(
        Kind.STATE,
        "ClusterResourceOffline",
        actor="rhs",
        subject="Disk",
        state=("ClusterResourceFailed", "ClusterResourceOffline"),
        t=2,
        evidence="documented",
    )
    path = tracer.trace.write(tmp_path / "t.jsonl")
    assert main(["check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: seq 1 t=1ms NeverReturned (Disk) OfflineV2 never returned (no return with span 1)",
        f"{path}: seq 2 t=2ms StateFromMismatch (Disk) goes from ClusterResourceFailed to "
        "ClusterResourceOffline, but the subject was in ClusterResourceOnline",
        f"{path}: 3 events, 0 faults, 2 contract violations",
    ]


def test_help_lists_the_views_commands():
    """table and export show in the command list, export lists its formats."""
    from tests.test_cli import run

    assert {"table", "export"} <= set(run("--help").stdout.split())
    assert "perfetto" in run("export", "--help").stdout
    out = run("export")
    assert out.returncode == 2 and "required" in out.stderr
