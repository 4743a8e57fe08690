"""`labkit summary` and `labkit diff`: the summaries and the comparison of two traces on the command line."""

from labkit.cli import main

GOLDEN = "data/traces/{}.jsonl"


def test_summary_prints_the_offline_summary_of_a_cluster_trace(capsys):
    """A cluster trace gets one markdown row per offline operation, flags and codes by SDK name."""
    assert main(["summary", GOLDEN.format("cluster-pending-timeout")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| resource | t | request | routine | requested | effective | DestinationNodeName | result "
        "| completion | pending_ms | checkpoints | terminated | state_after | node_after | persistent_state "
        "| faults | final_state | final_node |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        "| Disk | 1000 | OfflineClusterResourceEx | OfflineV2 | 0 | 0 | NULL | ERROR_IO_PENDING "
        "| ERROR_TIMEOUT | 182000 | 1, 2 | True | ClusterResourceOffline | NODE1 | offline "
        "| PendingTimeout | ClusterResourceOffline | NODE1 |",
    ]


def test_summary_as_csv_of_an_nspv2_trace(capsys):
    """An nspv2 trace gets one CSV row per client session."""
    assert main(["summary", GOLDEN.format("nspv2-crash-during-lookup"), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "session,client,provider,session_arg,started_at,lookups,nexts,sets,ended,ended_by,ended_at,"
        "final_state,client_state,arg_mismatches,faults",
        "session:101,client:101,contoso-mail (slow),session#1,1,1,1,0,both,"
        '"NSPv2ClientSessionRundown, NSPv2Cleanup",100,CleanedUp,Crashed,0,',
        "session:102,client:102,contoso-mail (slow),session#2,1,1,2,0,Cleanup,NSPv2Cleanup,804,CleanedUp,"
        "Exited,0,",
    ]


def test_diff_says_what_a_flag_changed_and_exits_1(capsys):
    """Two traces that differ: the sentence, the divergence, the table of changes, exit code 1."""
    no_queue, queue = GOLDEN.format("cluster-move-busy-dll-no-queue"), GOLDEN.format("cluster-move-busy-dll")
    assert main(["diff", no_queue, queue]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "scenario move-busy-dll-no-queue → move-busy-dll, QUEUE_ENABLED: the move waited in the queue and "
        "succeeded instead of failing (ERROR_CLUSTER_GROUP_BUSY); VM ended on NODE2 instead of NODE1; "
        "OfflineV2 ran 4 times instead of once; and 4 more",
        "first divergence at seq 11",
    ]
    assert lines[3:6] == [
        "| aspect | what | a | b |",
        "|---|---|---|---|",
        "| parameter | scenario | move-busy-dll-no-queue | move-busy-dll |",
    ]
    assert "| callbacks | OfflineV2 | 1 | 4 |" in lines


def test_diff_of_a_trace_with_itself_exits_0_and_a_missing_file_2(capsys):
    """Identical traces: one line and exit 0; an unreadable file: an error line and exit 2."""
    same = GOLDEN.format("nspv2-happy-path")
    assert main(["diff", same, same]) == 0
    assert capsys.readouterr().out == "the traces are identical\n"
    assert main(["diff", same, "no-such-file.jsonl"]) == 2
    assert "no-such-file.jsonl" in capsys.readouterr().err
