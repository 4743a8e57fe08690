"""Many nodes on one timeline: UTC order, stable for equal stamps, nodes and offsets as the files say."""

from labkit import clusterlog
from labkit.clusterlog.reader import display_names

from .helpers import line, write_log


def test_files_merge_by_utc_time_and_ties_keep_file_then_line_order(tmp_path):
    """Equal stamps: the first file's lines first, each file's in line order."""
    write_log(
        tmp_path,
        "NODE2_cluster.log",
        [line(0, "RCM", "n2-a"), line(10, "RCM", "n2-b"), line(10, "RCM", "n2-c")],
    )
    write_log(
        tmp_path,
        "NODE1_cluster.log",
        [line(5, "RCM", "n1-a"), line(10, "RCM", "n1-b"), line(20, "RCM", "n1-c")],
    )
    trace = clusterlog.read(tmp_path)
    assert [(e.args["text"], e.args["node"], e.t, e.subject) for e in trace] == [
        ("n2-a", "NODE2", 0.0, "node:NODE2"),
        ("n1-a", "NODE1", 5.0, "node:NODE1"),
        ("n1-b", "NODE1", 10.0, "node:NODE1"),
        ("n2-b", "NODE2", 10.0, "node:NODE2"),
        ("n2-c", "NODE2", 10.0, "node:NODE2"),
        ("n1-c", "NODE1", 20.0, "node:NODE1"),
    ]
    source = trace.header.params["source"]
    assert [f["path"] for f in source["files"]] == ["NODE1_cluster.log", "NODE2_cluster.log"]
    assert source["nodes"] == trace.header.params["nodes"] == ["NODE1", "NODE2"]


def test_a_given_offset_shifts_every_file(tmp_path):
    """--utc-offset +02:00: stamps are local time two hours east of UTC."""
    path = write_log(tmp_path, "N1_cluster.log", [line(0, "RCM", "a")])
    trace = clusterlog.read(path, utc_offset="+02:00")
    source = trace.header.params["source"]
    assert (source["utc_start"], source["utc_offset"]) == ("2024-03-14T07:15:00.000Z", "+02:00")
    assert source["files"][0]["offset_from"] == "given"


def test_a_log_in_local_time_is_put_on_utc_by_its_cluster_section(tmp_path):
    """A log generated with local time states its bias; its stamps move onto UTC to merge with the others."""
    write_log(tmp_path, "A_cluster.log", [line(100, "RCM", "utc line")])
    write_log(
        tmp_path,
        "B_cluster.log",
        [
            "[=== Cluster ===]",
            "UTC = localtime + time zone offset; the time zone offset of this machine is -60 "
            "minutes, or -1 hours",
            "The logs were generated using local time",
            "[=== Cluster Logs ===]",
            line(3_600_050, "RCM", "local line, an hour ahead"),
        ],
    )
    trace = clusterlog.read(tmp_path)
    assert [(e.args["text"], e.t) for e in trace] == [("local line, an hour ahead", 0.0), ("utc line", 50.0)]
    files = trace.header.params["source"]["files"]
    assert [(f["utc_offset"], f["offset_from"]) for f in files] == [
        ("+00:00", "default (Get-ClusterLog stamps are UTC unless -UseLocalTime)"),
        ("+01:00", "the log's Cluster section (local time, time zone bias)"),
    ]
    assert trace.header.params["source"]["utc_offset"] is None  # not the same for every file


def test_a_given_offset_wins_over_the_cluster_section(tmp_path):
    lines = [
        "[=== Cluster ===]",
        "UTC = localtime + time zone offset; the time zone offset of this machine is -60 minutes, "
        "or -1 hours",
        "The logs were generated using local time",
        "[=== Cluster Logs ===]",
        line(0, "RCM", "a"),
    ]
    trace = clusterlog.read(write_log(tmp_path, "B_cluster.log", lines), utc_offset="-05:00")
    assert trace.header.params["source"]["utc_start"] == "2024-03-14T14:15:00.000Z"


def test_nodes_come_from_the_name_the_cluster_section_or_the_argument(tmp_path):
    """``<node>_cluster.log``; else the section's ``Current node``; else the file name; ``node=`` wins."""
    write_log(tmp_path, "SQL01_cluster.log", [line(0, "RCM", "a")])
    write_log(
        tmp_path, "copy.log", ["[=== Cluster ===]", "Current node: name (SQL02) id (2)", line(1, "RCM", "b")]
    )
    write_log(tmp_path, "excerpt.log", [line(2, "RCM", "c")])
    paths = [tmp_path / n for n in ("SQL01_cluster.log", "copy.log", "excerpt.log")]
    assert clusterlog.read(paths).header.params["nodes"] == ["SQL01", "SQL02", "excerpt"]
    assert clusterlog.read(paths, node="N9").header.params["nodes"] == ["N9"]


def test_a_directory_reads_its_cluster_logs_and_files_of_one_name_are_told_apart(tmp_path):
    """A directory gives its ``*cluster.log`` files (other files ignored); two ``cluster.log`` files from two
    folders keep their folder in refs."""
    for node in ("a", "b"):
        (tmp_path / node).mkdir()
        write_log(tmp_path / node, "cluster.log", [line(0, "RCM", node)])
        (tmp_path / node / "notes.txt").write_text("not a log")
    trace = clusterlog.read([tmp_path / "a", tmp_path / "b"])
    assert [e.ref for e in trace] == ["a/cluster.log:1", "b/cluster.log:1"]
    assert display_names([tmp_path / "x" / "c.log", tmp_path / "y" / "c.log", tmp_path / "z.log"]) == [
        "x/c.log",
        "y/c.log",
        f"{tmp_path.name}/z.log",
    ]


def test_a_set_of_four_nodes_is_in_time_order_and_counts_every_line(tmp_path):
    """The generated large set, small: time never goes back, and every line is accounted for."""
    from labkit.clusterlog.generate import write_large

    from .helpers import accounted

    write_large(tmp_path, nodes=4, size=400_000, seed=3)
    trace = clusterlog.read(tmp_path)
    times = [e.t for e in trace]
    assert times == sorted(times) and len({e.args["node"] for e in trace}) == 4
    assert accounted(trace.header) == []
    names = set(trace.names())
    assert {
        "MoveGroup",
        "OfflineCallIssued",
        "SetResourceStatusEx",
        "ResourceCameOffline",
        "GroupMove",
    } <= names


def test_a_log_in_local_time_without_its_bias_is_read_as_utc_and_says_so(tmp_path):
    lines = [
        "[=== Cluster ===]",
        "The logs were generated using local time",
        "[=== Cluster Logs ===]",
        line(0, "R", "a"),
    ]
    trace = clusterlog.read(write_log(tmp_path, "B_cluster.log", lines))
    f = trace.header.params["source"]["files"][0]
    assert (f["utc_offset"], f["problems"]) == (
        "+00:00",
        [
            "B_cluster.log:1: the log is in local time but does not say its time zone: "
            "read as UTC (give --utc-offset)"
        ],
    )


def test_a_log_that_says_utc_is_read_as_utc(tmp_path):
    lines = [
        "[=== Cluster ===]",
        "The logs were generated using UTC time",
        "[=== Cluster Logs ===]",
        line(0, "R", "a"),
    ]
    f = clusterlog.read(write_log(tmp_path, "B_cluster.log", lines)).header.params["source"]["files"][0]
    assert (f["utc_offset"], f["offset_from"], f["problems"]) == (
        "+00:00",
        "the log's Cluster section (UTC)",
        [],
    )
