"""The section tables at the top of newer logs feed the header; event-log sections are read as log lines."""

from labkit import clusterlog
from labkit.clusterlog.sections import cluster_facts, read_table

from .helpers import accounted, line, write_log

PREAMBLE = [
    "[=== Cluster ===]",
    "UTC = localtime + time zone offset; the time zone offset of this machine is 0 minutes, or 0 hours",
    "The logs were generated using UTC time",
    "Cluster name: SQLCLUSTER",
    "Current node: name (SQL01) id (1)",
    "",
    "[=== Resources ===]",
    "[Name,State,OwnerGroup,ResourceType,OwnerNode]",
    "ag,Online,ag,SQL Server Availability Group,SQL01",
    '"IP Address 10.0.1.0",Online,ag,IP Address,SQL01',
    "Cluster Name,Online,Cluster Group,Network Name,SQL02",
    "",
    "[=== Groups ===]",
    "Name          State   OwnerNode",
    "----          -----   ---------",
    "ag            Online  SQL01",
    "Cluster Group Online  SQL02",
    "",
    "[=== Networks ===]",
    "Cluster Network 1 is up",
    "",
    "[=== Microsoft-Windows-FailoverClustering/Operational logs ===]",
    "[Operational] 00000244.00001a4c::2024/03/14-09:15:00.020 INFO  Cluster node 'SQL02' joined.",
    "  (event 1201)",
    "[=== Cluster Logs ===]",
]


def test_the_tables_feed_the_header_and_every_line_is_accounted_for(tmp_path):
    """Resources with their group, type and owner node; groups with their node and resources; every table
    line kept under its section; the event-log section's entry merged in time with the log."""
    lines = [
        *PREAMBLE,
        line(10, "RCM", "TransitionToState(ag) Online-->OfflineCallIssued."),
        line(30, "GUM", "x"),
    ]
    trace = clusterlog.read(
        write_log(tmp_path, "SQL01_cluster.log", lines, encoding="utf-16", newline="\r\n")
    )
    assert [(e.name, e.t, e.ref) for e in trace] == [
        ("OfflineCallIssued", 0.0, "SQL01_cluster.log:26"),
        ("LogLine", 10.0, "SQL01_cluster.log:23-24"),
        ("LogLine", 20.0, "SQL01_cluster.log:27"),
    ]
    assert trace[1].args["channel"] == "Operational" and trace[1].args["text"].endswith("\n  (event 1201)")
    source = trace.header.params["source"]
    assert source["resources"] == {
        "ag": {
            "state": "Online",
            "group": "ag",
            "type": "SQL Server Availability Group",
            "owner_node": "SQL01",
        },
        "IP Address 10.0.1.0": {
            "state": "Online",
            "group": "ag",
            "type": "IP Address",
            "owner_node": "SQL01",
        },
        "Cluster Name": {
            "state": "Online",
            "group": "Cluster Group",
            "type": "Network Name",
            "owner_node": "SQL02",
        },
    }
    assert source["groups"] == {
        "ag": {"state": "Online", "owner_node": "SQL01", "resources": ["ag", "IP Address 10.0.1.0"]},
        "Cluster Group": {"state": "Online", "owner_node": "SQL02", "resources": ["Cluster Name"]},
    }
    assert trace.header.params["groups"] == {
        "ag": {"node": "SQL01", "resources": ["ag", "IP Address 10.0.1.0"]},
        "Cluster Group": {"node": "SQL02", "resources": ["Cluster Name"]},
    }
    sections = source["files"][0]["sections"]
    assert [(s["title"], s["ref"]) for s in sections] == [
        ("Cluster", "SQL01_cluster.log:1-5"),
        ("Resources", "SQL01_cluster.log:7-11"),
        ("Groups", "SQL01_cluster.log:13-17"),
        ("Networks", "SQL01_cluster.log:19-20"),
    ]
    assert sections[3]["lines"] == ["Cluster Network 1 is up"]
    assert sections[0]["values"] == {
        "UTC": "localtime + time zone offset; the time zone offset of this machine is 0 minutes, or 0 hours",
        "Cluster name": "SQLCLUSTER",
        "Current node": "name (SQL01) id (1)",
    }
    f = source["files"][0]
    assert (f["lines"], f["blank"], f["header_lines"], f["entries"], f["continuations"]) == (27, 4, 19, 3, 1)
    assert accounted(trace.header) == []


def test_a_table_with_a_dashed_rule_is_cut_where_the_dashes_start():
    columns, rows, before = read_table(
        ["a line before", "Name   Id State", "----   -- -----", "SQL01  1  Up", "SQL 02 2  Down"]
    )
    assert (columns, rows, before) == (
        ["Name", "Id", "State"],
        [["SQL01", "1", "Up"], ["SQL 02", "2", "Down"]],
        ["a line before"],
    )


def test_prose_with_commas_is_not_a_table():
    assert read_table(["UTC = localtime + time zone offset; the offset is -60 minutes, or -1 hours"]) is None
    assert read_table(["Name,State"]) is None  # a header without rows


def test_the_cluster_section_says_node_bias_and_time_base():
    section = {
        "lines": ["The logs were generated using local time"],
        "values": {
            "Current node": "name (N3) id (3)",
            "UTC": "localtime + time zone offset; the time zone "
            "offset of this machine is -60 minutes, or -1 hours",
        },
    }
    assert cluster_facts(section) == {"node": "N3", "node_id": 3, "bias_minutes": -60, "local_time": True}
    assert cluster_facts({}) == {}


def test_a_table_section_without_the_log_marker_ends_at_the_first_dated_line(tmp_path):
    """No ``[=== Cluster Logs ===]``: the first line with a date is log again, nothing is lost."""
    lines = ["[=== Resources ===]", "Name,OwnerGroup", "ag,ag", line(0, "RCM", "a"), line(1, "RCM", "b")]
    trace = clusterlog.read(write_log(tmp_path, "N1_cluster.log", lines))
    assert [e.args["text"] for e in trace] == ["a", "b"]
    assert trace.header.params["source"]["resources"] == {"ag": {"group": "ag"}}
    assert accounted(trace.header) == []
