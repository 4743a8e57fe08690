"""clusterlog.read: every line accounted for by one event, in time order, with its line reference."""

import pytest

from labkit import clusterlog, read_trace
from labkit.clusterlog import entries
from labkit.trace import Evidence, Kind

from .helpers import accounted, line, write_log


def test_a_move_reads_as_the_whole_trace(tmp_path):
    """One node's move of group ag: names, kinds, subjects, times and refs of every event."""
    path = write_log(
        tmp_path,
        "SQL01_cluster.log",
        [
            line(0, "RCM", "rcm::RcmApi::MoveGroup: (ag, 2)"),
            line(15, "RCM", "rcm::RcmGroup::Move: Bringing group 'ag' offline first..."),
            line(31, "RCM", "TransitionToState(ag) Online-->OfflineCallIssued."),
            line(78, "RES", "SQL Server Availability Group <ag>: [hadrag] Offline request.", pid=0x2CC4),
            line(
                120,
                "RHS",
                "Resource ag called SetResourceStatusEx: checkpoint 1. Old state OfflinePending, new "
                "state Offline, AppSpErrorCode 0, Flags 0, nores=false",
                pid=0x2CC4,
            ),
            line(
                122,
                "RHS",
                "Resource ag has come offline. RHS is about to report resource status to RCM.",
                pid=0x2CC4,
            ),
            line(123, "RCM", "TransitionToState(ag) OfflineCallIssued-->Offline."),
            line(130, "GUM", "Node 1: Executing locally gumId: 357, updates: 1, first action: /dm/update"),
        ],
    )
    trace = clusterlog.read(path)
    assert [(e.kind, e.name, e.actor, e.subject) for e in trace] == [
        (Kind.NOTE, "MoveGroup", "rcm", "group:ag"),
        (Kind.NOTE, "GroupOfflineFirst", "rcm", "group:ag"),
        (Kind.STATE, "OfflineCallIssued", "rcm", "ag"),
        (Kind.NOTE, "LogLine", "dll", "ag"),
        (Kind.CALL, "SetResourceStatusEx", "dll", "ag"),
        (Kind.NOTE, "ResourceCameOffline", "rhs", "ag"),
        (Kind.STATE, "Offline", "rcm", "ag"),
        (Kind.NOTE, "LogLine", "gum", "node:SQL01"),
    ]
    assert [e.t for e in trace] == [0.0, 15.0, 31.0, 78.0, 120.0, 122.0, 123.0, 130.0]
    assert [e.ref for e in trace] == [f"SQL01_cluster.log:{n}" for n in range(1, 9)]
    assert {e.evidence for e in trace} == {Evidence.OBSERVED}
    assert [e.seq for e in trace] == list(range(8))
    assert trace[4].span == 4 and trace[4].args["ResourceState"] == 3
    assert trace[3].args == {
        "node": "SQL01",
        "level": "INFO",
        "component": "RES",
        "pid": "00002cc4",
        "tid": "00000f80",
        "text": "SQL Server Availability Group <ag>: [hadrag] Offline request.",
        "resource_type": "SQL Server Availability Group",
        "subtag": "hadrag",
    }
    source = trace.header.params["source"]
    assert (trace.header.domain, trace.header.scenario) == ("cluster", "clusterlog")
    assert (source["utc_start"], source["utc_offset"], source["nodes"]) == (
        "2024-03-14T09:15:00.000Z",
        "+00:00",
        ["SQL01"],
    )
    assert source["totals"] == {
        "lines": 8,
        "blank": 0,
        "header_lines": 0,
        "entries": 8,
        "recognised": 6,
        "log_lines": 2,
        "continuations": 0,
        "out_of_order": 0,
    }


def test_the_trace_file_reads_back_as_the_same_trace(tmp_path):
    """What read() returns passes the trace reader's validation unchanged (flags, states, numbers)."""
    path = write_log(
        tmp_path,
        "N1_cluster.log",
        [
            line(
                0,
                "RHS",
                "Resource R called SetResourceStatusEx: checkpoint 6. Old state OnlinePending, new "
                "state Failed, AppSpErrorCode 10048, Flags 0x40001001",
            ),
            line(1, "RHS", "Resource R IsAlive has indicated failure.", level="WARN"),
            line(
                2,
                "RHS",
                "RhsCall::DeadlockMonitor: Call ISALIVE timed out by 5 milliseconds for resource 'R'.",
            ),
            line(3, "RCM", "Res R: Online -> ProcessingFailure( StateUnknown )"),
        ],
    )
    trace = clusterlog.read(path)
    written = trace.write(tmp_path / "out.jsonl")
    assert read_trace(written) == trace


def test_continuation_lines_join_the_entry_above(tmp_path):
    """Lines without a prefix belong to the entry above: one event, ref FIRST-LAST, text joined."""
    path = write_log(
        tmp_path,
        "N1_cluster.log",
        [
            line(0, "RES", "SQL Server <SQL>: [sqsrvres] ODBC Error: [08S01] [Microsoft][ODBC Driver]"),
            "    Communication link failure",
            "    State 08S01, native error 0",
            line(5, "RCM", "TransitionToState(SQL) Online-->ProcessingFailure."),
            "",
            "  trailing detail of the transition",
        ],
    )
    trace = clusterlog.read(path)
    assert [(e.name, e.ref) for e in trace] == [
        ("LogLine", "N1_cluster.log:1-3"),
        ("ProcessingFailure", "N1_cluster.log:4-6"),
    ]
    assert trace[0].args["text"] == (
        "SQL Server <SQL>: [sqsrvres] ODBC Error: [08S01] [Microsoft][ODBC Driver]\n"
        "    Communication link failure\n    State 08S01, native error 0"
    )
    assert trace[1].args["text"].endswith("\n  trailing detail of the transition")
    files = trace.header.params["source"]["files"]
    assert (files[0]["continuations"], files[0]["blank"], files[0]["entries"]) == (3, 1, 2)
    assert accounted(trace.header) == []


def test_pasted_messages_without_a_prefix_are_entries_of_their_own(tmp_path):
    """Before any prefixed line, each unprefixed line is an entry (a paste of bare messages), and takes
    the time of the first line that has one."""
    path = write_log(
        tmp_path,
        "paste.log",
        [
            "Not failing over group ag, failoverCount 3, failoverThresholdSetting 1, "
            "computedFailoverThreshold 2",
            "Cluster resource 'IP' of type 'IP Address' in clustered role 'ag' failed.",
            line(40, "RCM", "TransitionToState(ag) Online-->Failed."),
        ],
    )
    trace = clusterlog.read(path)
    assert [(e.name, e.subject, e.t, e.args.get("time_carried")) for e in trace] == [
        ("NotFailingOver", "group:ag", 0.0, True),
        ("LogLine", "node:paste", 0.0, True),
        ("Failed", "ag", 0.0, None),
    ]
    assert trace.header.params["source"]["files"][0]["time_carried"] == 2


def test_lines_without_a_time_carry_the_time_above_and_times_of_day_take_the_date_above(tmp_path):
    """``LEVEL [COMP]`` lines carry the last time; ``HH:MM:SS.mmm`` lines take the last date and roll over
    at midnight."""
    path = write_log(
        tmp_path,
        "blog.log",
        [
            "2020/05/12-23:59:59.000 INFO  [RCM] TransitionToState(ag) OnlinePending-->Online.",
            "ERR   [RHS] Resource ag IsAlive has indicated failure.",
            "23:59:59.990 INFO  [RCM] TransitionToState(ag) Online-->ProcessingFailure.",
            "00:00:00.010 INFO  [RCM] TransitionToState(ag) ProcessingFailure-->Failed.",
        ],
    )
    trace = clusterlog.read(path)
    assert [(e.name, e.t, e.args.get("time_carried", False)) for e in trace] == [
        ("Online", 0.0, False),
        ("IsAlive", 0.0, True),
        ("ProcessingFailure", 990.0, False),
        ("Failed", 1010.0, False),
    ]
    assert trace.header.params["source"]["files"][0]["last"] == "2020-05-13T00:00:00.010Z"


def test_a_time_of_day_without_any_date_is_reported(tmp_path):
    """An excerpt with times but no date: the date is unknown and the header says what was assumed."""
    path = write_log(tmp_path, "x.log", ["21:16:17.256 INFO  [MM] one", "21:16:17.300 INFO  [MM] two"])
    trace = clusterlog.read(path)
    assert [e.t for e in trace] == [0.0, 44.0]
    source = trace.header.params["source"]
    assert source["utc_start"] == "1970-01-01T21:16:17.256Z"
    assert source["files"][0]["problems"] == [
        "x.log:1: a time of day with no date before it: the date is unknown, taken as 1970/01/01"
    ]


def test_a_file_without_any_time_puts_its_entries_first(tmp_path):
    """No stamp anywhere: every entry at t=0, counted as untimed, before the timed files' entries."""
    untimed = write_log(tmp_path, "a.log", ["ERR   [RHS] one", "WARN  [RCM] two"])
    timed = write_log(tmp_path, "b.log", [line(5, "RCM", "three")])
    trace = clusterlog.read([timed, untimed])
    assert [(e.args["text"], e.t, e.ref) for e in trace] == [
        ("one", 0.0, "a.log:1"),
        ("two", 0.0, "a.log:2"),
        ("three", 0.0, "b.log:1"),
    ]
    files = trace.header.params["source"]["files"]
    assert [f["untimed"] for f in files] == [0, 2]
    assert trace.header.params["source"]["utc_start"] == "2024-03-14T09:15:00.005Z"


def test_out_of_order_lines_are_sorted_and_reported(tmp_path):
    """A line stamped before the one above it is sorted into place; the header counts and lists it."""
    path = write_log(
        tmp_path,
        "N1_cluster.log",
        [
            line(0, "RCM", "a"),
            line(10, "RCM", "b"),
            line(4, "RHS", "c"),
            line(10, "RCM", "d"),
            line(12, "GUM", "e"),
        ],
    )
    trace = clusterlog.read(path)
    assert [(e.args["text"], e.t, e.ref) for e in trace] == [
        ("a", 0.0, "N1_cluster.log:1"),
        ("c", 4.0, "N1_cluster.log:3"),
        ("b", 10.0, "N1_cluster.log:2"),
        ("d", 10.0, "N1_cluster.log:4"),
        ("e", 12.0, "N1_cluster.log:5"),
    ]
    f = trace.header.params["source"]["files"][0]
    assert (f["out_of_order"], f["late"]) == (1, 0)
    assert f["problems"] == [
        "N1_cluster.log:3: stamped 2024/03/14-09:15:00.004, before a line above it: sorted into place"
    ]


def test_a_line_later_than_the_window_is_kept_at_the_time_above_it(tmp_path, monkeypatch):
    """Beyond the reorder window a line cannot be sorted without holding the file: it keeps its place, at
    the time of the line released before it, with its own stamp in logged_at, and is reported."""
    monkeypatch.setattr(entries, "REORDER_WINDOW_MS", 100)
    lines = [line(0, "RCM", "a"), line(500, "RCM", "b"), line(450, "RCM", "c"), line(-10, "RCM", "d")]
    trace = clusterlog.read(write_log(tmp_path, "N1_cluster.log", lines))
    assert [(e.args["text"], e.t, e.args.get("logged_at")) for e in trace] == [
        ("a", 0.0, None),
        ("d", 0.0, "2024-03-14T09:14:59.990Z"),
        ("c", 450.0, None),
        ("b", 500.0, None),
    ]
    f = trace.header.params["source"]["files"][0]
    assert (f["out_of_order"], f["late"]) == (1, 1)
    assert "N1_cluster.log:4: stamped 2024/03/14-09:14:59.990, more than 100 ms" in f["problems"][1]
    assert "kept at 2024/03/14-09:15:00.000" in f["problems"][1]
    assert [e.t for e in trace] == sorted(e.t for e in trace)


def test_an_impossible_stamp_carries_the_time_above_and_is_reported(tmp_path):
    path = write_log(
        tmp_path,
        "N1_cluster.log",
        [line(0, "RCM", "a"), "00000001.00000002::2024/02/30-10:00:00.000 INFO  [RCM] b"],
    )
    trace = clusterlog.read(path)
    assert [(e.args["text"], e.t, e.args.get("time_carried")) for e in trace] == [
        ("a", 0.0, None),
        ("b", 0.0, True),
    ]
    assert "no such time 2024/02/30-10:00:00" in trace.header.params["source"]["files"][0]["problems"][0]


@pytest.mark.parametrize("given", [[], ["missing.log"]])
def test_missing_input_is_a_clear_error(tmp_path, given):
    with pytest.raises(clusterlog.reader.ClusterLogError) as caught:
        clusterlog.read([tmp_path / g for g in given])
    assert str(caught.value).endswith(
        ("no such file or directory", "give at least one cluster.log file or directory")
    )


def test_a_bad_utc_offset_is_refused_before_reading(tmp_path):
    path = write_log(tmp_path, "a.log", [line(0, "RCM", "a")])
    with pytest.raises(clusterlog.reader.ClusterLogError, match=r"--utc-offset: UTC offset '\+25:00'"):
        clusterlog.read(path, utc_offset="+25:00")


def test_an_import_streams_its_events_once(tmp_path):
    """start() reads the tables; events() reads the rest of the files as it goes, so only once."""
    job = clusterlog.start(write_log(tmp_path, "N1_cluster.log", [line(0, "RCM", "a")]))
    assert [e.args["text"] for e in job.events()] == ["a"]
    with pytest.raises(ValueError, match="can be read once"):
        list(job.events())
