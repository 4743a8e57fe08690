"""The small constructed log sets in ``data/clusterlogs/``: every line shape of cluster-offline §8, in
stories a support engineer meets. The lines are labkit's; only their shapes come from the public samples
the sheet cites (SQLLOG, SQLHADR, JTC-A/B/C); the sequences around them are constructed.

Each set is a function returning ``{file name: (text, encoding)}``; `labkit.clusterlog.generate` writes
them.
"""

from __future__ import annotations

from collections.abc import Callable

from labkit.clusterlog.stamps import second_ms
from labkit.clusterlog.writer import NodeLog

LogSet = dict[str, tuple[str, str]]
T0 = second_ms("2024/03/14", "09:15:00")
"""The constructed sets start at 2024-03-14 09:15:00 UTC."""


def _sections(node: str, node_id: int, *, local_bias: int | None = None) -> list[str]:
    """The ``[=== Cluster ===]`` … tables of the AG cluster (newer logs open with them)."""
    when = "local time" if local_bias is not None else "UTC time"
    bias = local_bias or 0
    return [
        "[=== Cluster ===]",
        f"UTC = localtime + time zone offset; the time zone offset of this machine is {bias} minutes, "
        f"or {bias // 60} hours",
        f"The logs were generated using {when}",
        "Cluster name: SQLCLUSTER",
        f"Current node: name ({node}) id ({node_id})",
        "",
        "[=== Resources ===]",
        "Name,State,OwnerGroup,ResourceType,OwnerNode",
        "Cluster IP Address,Online,Cluster Group,IP Address,SQL01",
        "Cluster Name,Online,Cluster Group,Network Name,SQL01",
        "File Share Witness,Online,Cluster Group,File Share Witness,SQL01",
        "ag,Online,ag,SQL Server Availability Group,SQL01",
        "ag_listener,Online,ag,Network Name,SQL01",
        "IP Address 10.0.1.0,Online,ag,IP Address,SQL01",
        "",
        "[=== Groups ===]",
        "Name,State,OwnerNode",
        "Cluster Group,Online,SQL01",
        "ag,Online,SQL01",
        "",
        "[=== Nodes ===]",
        "Name  Id State",
        "----  -- -----",
        "SQL01 1  Up",
        "SQL02 2  Up",
        "",
        "[=== Cluster Logs ===]",
    ]


_STATUS = (
    "Resource {} called SetResourceStatusEx: checkpoint {}. Old state {}, new state {}, AppSpErrorCode 0, "
)
_STATUS += "Flags 0, nores=false"
_HADRAG = "SQL Server Availability Group <ag>: [hadrag] "


def ag_move() -> LogSet:
    """An administrator moves the availability group ``ag`` from SQL01 to SQL02 (UTF-16 LE, CRLF)."""
    one, two = NodeLog("SQL01", T0), NodeLog("SQL02", T0, clussvc=0x9A4, rhs=0xC40)
    for log, node_id in ((one, 1), (two, 2)):
        log.lines.extend(_sections(log.node, node_id))
    one.log(120, "GUM", "Node 1: Executing locally gumId: 357, updates: 1, first action: /dm/update")
    two.log(130, "GUM", "Node 2: Executing locally gumId: 357, updates: 1, first action: /dm/update")
    _ag_offline(one)
    two.now = one.now
    _ag_online(two)
    one.log(400, "DM", "Paxos Tag Read from Hive: 86:86:31888")
    return {
        "SQL01_cluster.log": (one.text(), "utf-16"),
        "SQL02_cluster.log": (two.text(), "utf-16"),
    }


def _ag_offline(one: NodeLog) -> None:
    """The source node: the move request, ag and its listener taken offline, the move line."""
    one.log(2000, "RCM", "rcm::RcmApi::MoveGroup: (ag, 2)")
    one.log(15, "RCM", "rcm::RcmGroup::Move: Bringing group 'ag' offline first...")
    one.log(16, "RCM", "TransitionToState(ag) Online-->OfflineCallIssued.")
    one.log(4, "RCM", "TransitionToState(ag_listener) Online-->OfflineCallIssued.")
    one.log(43, "RES", _HADRAG + "Offline request.")
    one.log(15, "RES", _HADRAG + "Lease Thread terminated", level="ERR")
    one.log(47, "RES", _HADRAG + "Free SQL statement")
    one.log(2, "RES", _HADRAG + "ODBC Error: [08S01] [Microsoft][ODBC Driver]")
    one.raw("    Communication link failure (the statement was still running)")
    one.raw("    State 08S01, native error 0")
    one.log(295, "RES", _HADRAG + "Disconnect from SQL Server")
    one.log(5, "RES", "Network Name <ag_listener>: Offline: taking the name offline")
    one.log(3, "RHS", "Resource ag_listener has come offline. RHS is about to report resource status to RCM.")
    one.log(1, "RCM", "TransitionToState(ag_listener) OfflineCallIssued-->Offline.")
    one.log(40, "RHS", _STATUS.format("ag", 1, "OfflinePending", "Offline"))
    one.log(2, "RHS", "Resource ag has come offline. RHS is about to report resource status to RCM.")
    one.log(1, "RCM", "TransitionToState(ag) OfflineCallIssued-->Offline.")
    move = "move of group ag from SQL01(1) to SQL02(2) of type MoveType::Manual is about to succeed, "
    one.log(9, "RCM", move + "failoverCount=0, lastFailoverTime=1601/01/01-00:00:00.000 targeted=true")


def _ag_online(two: NodeLog) -> None:
    """The destination node: ag and its listener brought online, in both transition shapes."""
    two.log(30, "RCM", "TransitionToState(ag) Offline-->OnlineCallIssued.")
    two.log(2, "RCM", "Res ag_listener: Offline -> OnlineCallIssued( StateUnknown )")
    two.log(35, "RES", _HADRAG + "Online request.")
    two.log(210, "RHS", _STATUS.format("ag", 1, "OnlinePending", "OnlinePending"))
    two.log(380, "RHS", _STATUS.format("ag", 2, "OnlinePending", "Online"))
    two.log(1, "RHS", "Resource ag has come online. RHS is about to report status change to RCM")
    two.log(1, "RCM", "TransitionToState(ag) OnlineCallIssued-->Online.")
    two.log(60, "RHS", "Resource ag_listener has come online. RHS is about to report status change to RCM")
    two.log(1, "RCM", "Res ag_listener: OnlineCallIssued -> Online( StateUnknown )")


def witness_deadlock() -> LogSet:
    """The witness's LooksAlive hangs past DeadlockTimeout; RHS is restarted, the witness gets a monitor of
    its own, its arbitration fails with 121, and one node loses quorum (UTF-8 with BOM, CRLF, no tables)."""
    a, b = NodeLog("SVR13", T0 + 60_000, clussvc=0x6B8, rhs=0x1A10), NodeLog("SVR14", T0 + 60_000)
    b.log(0, "RHS", "RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out by 16 milliseconds for resource "
          "'File Share Witness'.", level="ERR")  # fmt: skip
    b.log(2, "RCM", "rcm::RcmResource::HandleMonitorReply: Resource 'File Share Witness' has crashed or "
          "deadlocked; marking it to run in a separate monitor.", level="WARN")  # fmt: skip
    b.log(10, "RHS", "WER report is submitted. Result : WerReportQueued.", level="ERR")
    restart = "rcm::RcmMonitor::RestartResources"
    b.log(19, "RCM", f"{restart}: Monitor restart for resource agMyDatabaseProd", function=restart)
    b.log(1, "RCM", "rcm::RcmResource::ReattachToMonitorProcess: (agMyDatabaseProd, Online)")
    b.log(1, "RCM", f"{restart}: Monitor restart for resource File Share Witness")
    b.log(1, "RCM", "rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)")
    b.log(2, "RCM", "Separate monitor flag has changed for resource 'File Share Witness'.  Now hosted by RHS "
          "process 0")  # fmt: skip
    worker = "rcm::RcmResource::OnlineWorker"
    b.log(3, "RCM", "Issuing Arbitrate(File Share Witness) to RHS.", function=worker)
    b.log(4, "RHS", "Enqueuing Arbitrate call.")
    b.log(-2, "RCM", "Waiting for Arbitrate call to be dequeued.", function=worker)  # flushed out of order
    b.log(6, "RCM", "Res File Share Witness: Offline -> OnlineCallIssued( StateUnknown )")
    b.log(900, "RES", "File Share Witness <File Share Witness>: Failed to create or open directory "
          "\\\\FS01\\Quorum\\6202f55b, error 121.", level="ERR")  # fmt: skip
    witness = "File Share Witness <File Share Witness>: "
    b.log(1, "RES", witness + "Failed to arbitrate for \\\\FS01\\Quorum\\6202f55b with 121.", level="ERR")
    b.log(1, "RCM", "Arbitrating resource 'File Share Witness' returned error 121", level="ERR")
    a.log(950, "QUORUM", "Node 2: Updating witness paxos tag to 87:86:31906")
    a.log(
        1,
        "RES",
        "File Share Witness <File Share Witness>: Succeeded in locking file \\\\FS01\\Quorum\\Witness.log",
    )
    b.log(
        40,
        None,
        "Quorum lost because failed to update witness epoch after node failure (status = 5925)",
        level="ERR",
    )
    b.log(1, "NETFT", "Cluster Service preterminate succeeded.")
    b.log(
        1, "RHS", "Cluster service has terminated. Cluster.Service.Running.Event got signaled.", level="WARN"
    )
    a.log(
        15_000,
        "RHS",
        "Resource agMyDatabaseProd has come online. RHS is about to report status change to RCM",
    )
    return {
        "SVR13_cluster.log": (a.text(), "utf-8-sig"),
        "SVR14_cluster.log": (b.text(), "utf-8-sig"),
    }


def isalive_failover() -> LogSet:
    """IsAlive fails on the AG three times: restarted twice, then the group's failover threshold is used up
    and it stays Failed; meanwhile an IP address on N2 fails to come online (three nodes, UTF-8 without BOM,
    LF line ends; N3's log is in local time, UTC+1, as its Cluster section says)."""
    n1, n2, n3 = NodeLog("N1", T0 + 120_000), NodeLog("N2", T0 + 120_000), NodeLog("N3", T0 + 3_720_000)
    for log, node_id, bias in ((n1, 1, None), (n2, 2, None), (n3, 3, -60)):
        log.lines.extend(_sections(log.node, node_id, local_bias=bias))
    status = "Resource {} called SetResourceStatusEx: checkpoint {}. Old state OnlinePending, new state {}, "
    status += "AppSpErrorCode {}, Flags {}, nores=false"
    for attempt in range(3):
        alive = "SQL Server Availability Group <ag>: [hadrag] Resource Alive result 0."
        n1.log(700, "RES", alive, level="ERR")
        n1.log(0, "RHS", "Resource ag IsAlive has indicated failure.", level="WARN")
        n1.log(1, "RCM", "TransitionToState(ag) Online-->ProcessingFailure.")
        n1.log(5, "RCM", "TransitionToState(ag) ProcessingFailure-->WaitingToTerminate.")
        n1.log(300, "RCM", "TransitionToState(ag) WaitingToTerminate-->Failed.")
        gum = f"Node 3: Executing locally gumId: {412 + attempt}, updates: 1, first action: /rcm/gum/SetState"
        n3.now = n1.now + 3_600_000  # the same moment on N3's clock, which shows local time
        n3.log(0, "GUM", gum)
        if attempt == 2:
            break
        n1.log(500, "RCM", "TransitionToState(ag) Failed-->OnlineCallIssued.")
        n1.log(220, "RHS", status.format("ag", 1, "Online", 0, 0))
        n1.log(1, "RCM", "TransitionToState(ag) OnlineCallIssued-->Online.")
        if attempt == 0:
            n2.now = n1.now
            n2.log(40, "RHS", status.format("IP Address 10.0.1.0", 5, "OnlinePending", 0, 0))
            probe = "IP Address <IP Address 10.0.1.0>: IpaOnlineThread: Listening on probe port 59999 failed "
            n2.log(1, "RES", probe + "with status 10048", level="ERR")
            n2.log(2, "RHS", status.format("IP Address 10.0.1.0", 6, "Failed", 10048, "0x40000000"))
    over = (
        "Not failing over group ag, failoverCount 3, failoverThresholdSetting 1, computedFailoverThreshold 2."
    )
    n1.log(30, "RCM", over, level="WARN")
    return {
        "N1_cluster.log": (n1.text("\n"), "utf-8"),
        "N2_cluster.log": (n2.text("\n"), "utf-8"),
        "N3_cluster.log": (n3.text("\n"), "utf-8"),
    }


def pasted() -> LogSet:
    """Excerpts as people paste them into tickets, blogs and docs: one file per kind of copy."""
    return {
        "blog-trimmed.log": ("\n".join(_BLOG) + "\n", "utf-8"),
        "markdown.md.log": ("\n".join(_MARKDOWN) + "\n", "utf-8"),
        "event-viewer.log": ("\r\n".join(_EVENT_VIEWER) + "\r\n", "utf-16"),
        "windows2000.log": ("\r\n".join(_OLD) + "\r\n", "utf-8"),
    }


_BLOG = [
    "2020/05/12-21:16:17.256 INFO  [ACCEPT] 0.0.0.0:~3343~: Accepted inbound connection from remote endpoint "
    "10.0.1.13:~49183~.",
    "21:16:17.288 DBG   [NETFTAPI] Signaled NetftRemoteReachable event, local address 10.0.1.14:3343",
    "21:16:17.288 INFO  [MM] Node 1: Adding a stream to existing node 2",
    "21:17:51.909 INFO  [RES] File Share Witness <File Share Witness>: Releasing locked witness share.",
    "21:17:51.909 ERR   Quorum lost because failed to update witness epoch after node failure "
    "(status = 5925)",
    "ERR   [RHS] RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out by 16 milliseconds for resource "
    "'File Share Witness'.",
    "WARN  [RCM] rcm::RcmResource::HandleMonitorReply: Resource 'File Share Witness' has crashed "
    "or deadlocked; "
    "marking it to run in a separate monitor.",
    "INFO  rcm::RcmMonitor::RestartResources[RCM] rcm::RcmMonitor::RestartResources: Monitor restart for "
    "resource agMyDatabaseProd_12.3.4.567",
    "23:59:59.990 INFO  [RCM] TransitionToState(ag) OnlinePending-->Online.",
    "00:00:00.010 INFO  [RCM] Res ag: Online -> OfflineCallIssued( StateUnknown )",
]
_MARKDOWN = [
    "Not failing over group \\<Resource name>, failoverCount 3, failoverThresholdSetting 1, "
    "computedFailoverThreshold 2",
    "Resource IP Address 10.0.1.0 called SetResourceStatusEx: checkpoint 5. Old state "
    "OnlinePending, new state "
    "OnlinePending, AppSpErrorCode 0, Flags 0, nores=false",
    "000011d0.00000f80::2011/08/05-13:47:42.496 INFO  [RCM] TransitionToState(ag) "
    "Online-->OfflineCallIssued.",
    "00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] SQL Server Availability Group \\<ag>: `[hadrag]` "
    "Offline request.",
    "> ERR   [RHS] RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out by 16 milliseconds for resource "
    "'File Share Witness'.",
    "> INFO  [RCM] rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)",
    "    2011/08/05-13:47:52.361 ERR   [RES] SQL Server Availability Group <myAgName>: [hadrag] "
    "Resource Alive "
    "result 0.",
    "    2011/08/05-13:47:52.361 WARN  [RHS] Resource myAgName IsAlive has indicated failure.",
]
_EVENT_VIEWER = [
    "[System] 00000244.00001a4c::2019/01/01-12:00:00.000 INFO  [RCM] rcm::RcmApi::MoveGroup: (VMGroup, 2)",
    "[System] 00000244.00001a4c::2019/01/01-12:00:00.016 INFO  [RCM] TransitionToState(VM1) Online-->"
    "OfflineCallIssued.",
    "1042: 00000244.00001a4c::2019/01/01-12:00:01.250 INFO  [RCM] TransitionToState(VM1) "
    "OfflineCallIssued-->OfflinePending.",
    "1043 00000c40.00000a34::2019/01/01-12:00:05.001 INFO  [RHS] Resource VM1 has come offline. "
    "RHS is about to "
    "report resource status to RCM.",
    "1044\t00000244.00001a4c::2019/01/01-12:00:05.002  INFO [RCM]  TransitionToState(VM1) "
    "OfflinePending-->Offline.",
]
_OLD = [
    "378.32c::1999/06/09-18:00:18.874 Cluster service started - Cluster Node",
    "  Version 3.2051",
    "378.380::1999/06/09-18:00:50.881 [NM] Forming cluster membership.",
    "1a4.5f0::1999/06/09-18:00:51.100 [JOIN] Attempting to join cluster CLUSTER1",
    "1a4.5f0::1999/06/09-18:00:51.205 [FM] FmpOnlineResource: resource Disk Q: returned error 5 ",
]

SETS: dict[str, Callable[[], LogSet]] = {
    "ag-move": ag_move,
    "witness-deadlock": witness_deadlock,
    "isalive-failover": isalive_failover,
    "pasted": pasted,
}
"""The constructed sets by directory name under ``data/clusterlogs/``."""
