"""Every line shape of cluster-offline §8 is read into the same fields: prefix parts and the message."""

import pytest

from labkit.clusterlog.shapes import bare_line, parse_line

FULL = "00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] SQL Server Availability Group <ag>: [hadrag] Offline"

# (id, line, the fields that must be set; every field not named must be None / empty)
SHAPES = [
    (
        "full prefix",
        FULL,
        dict(
            pid="00002cc4",
            tid="00001264",
            date="2011/08/05",
            clock="13:47:42",
            fraction="543",
            level="INFO",
            component="RES",
            text="SQL Server Availability Group <ag>: [hadrag] Offline",
        ),
    ),
    (
        "full prefix, error level",
        "000011d0.00000f80::2011/08/05-13:47:42.496 ERR   [RCM] TransitionToState(ag) Online-->OfflineCallIssued.",
        dict(
            pid="000011d0",
            tid="00000f80",
            date="2011/08/05",
            clock="13:47:42",
            fraction="496",
            level="ERR",
            component="RCM",
            text="TransitionToState(ag) Online-->OfflineCallIssued.",
        ),
    ),
    (
        "trimmed to date and time",
        "2020/06/15-15:51:52.361 WARN  [RHS] Resource myAgName IsAlive has indicated failure.",
        dict(
            date="2020/06/15",
            clock="15:51:52",
            fraction="361",
            level="WARN",
            component="RHS",
            text="Resource myAgName IsAlive has indicated failure.",
        ),
    ),
    (
        "trimmed to the time of day",
        "21:16:17.288 DBG   [NETFTAPI] Signaled NetftRemoteReachable event",
        dict(
            clock="21:16:17",
            fraction="288",
            level="DBG",
            component="NETFTAPI",
            text="Signaled NetftRemoteReachable event",
        ),
    ),
    (
        "trimmed to level and tag (no time)",
        "ERR   [RHS] RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out",
        dict(level="ERR", component="RHS", text="RhsCall::DeadlockMonitor: Call LOOKSALIVE timed out"),
    ),
    (
        "a function before the tag",
        "INFO  rcm::RcmMonitor::RestartResources[RCM] rcm::RcmMonitor::RestartResources: Monitor restart",
        dict(
            level="INFO",
            function="rcm::RcmMonitor::RestartResources",
            component="RCM",
            text="rcm::RcmMonitor::RestartResources: Monitor restart",
        ),
    ),
    (
        "a function before the tag, full prefix",
        "000011d0.00000f80::2011/08/05-13:47:42.480 INFO  rcm::RcmResource::OnlineWorker[RCM] Issuing Arbitrate",
        dict(
            pid="000011d0",
            tid="00000f80",
            date="2011/08/05",
            clock="13:47:42",
            fraction="480",
            level="INFO",
            function="rcm::RcmResource::OnlineWorker",
            component="RCM",
            text="Issuing Arbitrate",
        ),
    ),
    (
        "no tag at all",
        "21:17:51.909 ERR   Quorum lost because failed to update witness epoch after node failure (status = 5925)",
        dict(
            clock="21:17:51",
            fraction="909",
            level="ERR",
            text="Quorum lost because failed to update witness epoch after node failure (status = 5925)",
        ),
    ),
    (
        "tag with an address",
        "21:17:46.284 INFO  [CHANNEL 10.0.1.13:~49258~] graceful close",
        dict(
            clock="21:17:46",
            fraction="284",
            level="INFO",
            component="CHANNEL 10.0.1.13:~49258~",
            text="graceful close",
        ),
    ),
    (
        "an event-log channel before the prefix",
        "[System] 00000244.00001a4c::2019/01/01-12:00:00.000 INFO  [RCM] rcm::RcmApi::MoveGroup: (VMGroup, 2)",
        dict(
            channel="System",
            pid="00000244",
            tid="00001a4c",
            date="2019/01/01",
            clock="12:00:00",
            fraction="000",
            level="INFO",
            component="RCM",
            text="rcm::RcmApi::MoveGroup: (VMGroup, 2)",
        ),
    ),
    (
        "a viewer's line number and a colon",
        "1042: 00000244.00001a4c::2019/01/01-12:00:01.250 INFO  [RCM] text",
        dict(
            pid="00000244",
            tid="00001a4c",
            date="2019/01/01",
            clock="12:00:01",
            fraction="250",
            level="INFO",
            component="RCM",
            text="text",
            raw="1042: 00000244.00001a4c::2019/01/01-12:00:01.250 INFO  [RCM] text",
        ),
    ),
    (
        "a viewer's line number and a tab",
        "1044\t21:16:17.288 INFO  [MM] Node 1",
        dict(
            clock="21:16:17",
            fraction="288",
            level="INFO",
            component="MM",
            text="Node 1",
            raw="1044\t21:16:17.288 INFO  [MM] Node 1",
        ),
    ),
    (
        "ids of other widths, no level (Windows 2000)",
        "378.380::1999/06/09-18:00:50.881 [NM] Forming cluster membership.",
        dict(
            pid="378",
            tid="380",
            date="1999/06/09",
            clock="18:00:50",
            fraction="881",
            component="NM",
            text="Forming cluster membership.",
        ),
    ),
    (
        "no level and no tag (Windows 2000)",
        "378.32c::1999/06/09-18:00:18.874 Cluster service started - Cluster Node",
        dict(
            pid="378",
            tid="32c",
            date="1999/06/09",
            clock="18:00:18",
            fraction="874",
            text="Cluster service started - Cluster Node",
        ),
    ),
    (
        "stray spaces",
        "00000244.00001a4c::2019/01/01-12:00:05.002  INFO [RCM]  TransitionToState(VM1) OfflinePending-->Offline.",
        dict(
            pid="00000244",
            tid="00001a4c",
            date="2019/01/01",
            clock="12:00:05",
            fraction="002",
            level="INFO",
            component="RCM",
            text=" TransitionToState(VM1) OfflinePending-->Offline.",
        ),
    ),
    (
        "a markdown quote",
        "> INFO  [RCM] rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)",
        dict(
            level="INFO",
            component="RCM",
            text="rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)",
            raw="> INFO  [RCM] rcm::RcmResource::ReattachToMonitorProcess: (File Share Witness, Online)",
        ),
    ),
    (
        "indented (a markdown code block)",
        "    21:16:17.256 INFO  [ACCEPT] Accepted",
        dict(
            clock="21:16:17",
            fraction="256",
            level="INFO",
            component="ACCEPT",
            text="Accepted",
            raw="    21:16:17.256 INFO  [ACCEPT] Accepted",
        ),
    ),
    (
        "markdown escapes and a sub-tag in backticks",
        "00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] SQL Server Availability Group \\<ag>: `[hadrag]` Offline",
        dict(
            pid="00002cc4",
            tid="00001264",
            date="2011/08/05",
            clock="13:47:42",
            fraction="543",
            level="INFO",
            component="RES",
            text="SQL Server Availability Group <ag>: [hadrag] Offline",
            raw="00002cc4.00001264::2011/08/05-13:47:42.543 INFO  [RES] SQL Server Availability Group \\<ag>: "
            "`[hadrag]` Offline",
        ),
    ),
    (
        "a tag alone at the start",
        "[RCM] TransitionToState(ag) Online-->OfflineCallIssued.",
        dict(component="RCM", text="TransitionToState(ag) Online-->OfflineCallIssued."),
    ),
    (
        "a level word alone",
        "WARN  Cluster service has terminated.",
        dict(level="WARN", text="Cluster service has terminated."),
    ),
]
FIELDS = ("pid", "tid", "date", "clock", "level", "function", "component", "channel", "raw")


@pytest.mark.parametrize(("line", "expected"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_every_shape_reads_into_its_fields(line, expected):
    """Each shape gives exactly its prefix parts and its message; nothing else is set."""
    found = parse_line(line)
    assert found is not None
    got = {name: getattr(found, name) for name in (*FIELDS, "text", "fraction")}
    want = {name: None for name in FIELDS} | {"fraction": ""} | expected
    assert got == want


@pytest.mark.parametrize(
    "line",
    [
        "    Communication link failure (the statement was still running)",
        "  Version 3.2051",
        "State 08S01, native error 0",
        "[42000] [Microsoft][ODBC Driver] not a tag: starts with digits",
        "[hadrag] a DLL's sub-tag is not a component",
        "[SQL Server]Login failed for user 'x'.",
        "[ODBC]no space after it",
        "3 more resources follow",
        "INFOrmation is not a level",
    ],
)
def test_lines_without_a_prefix_are_continuations(line):
    """A line with no prefix part at all is not the start of an entry."""
    assert parse_line(line) is None


def test_the_full_shape_takes_the_fast_path_with_the_same_result():
    """The positional fast path and the general expression agree on a full line."""
    from labkit.clusterlog import shapes

    fast = shapes._canonical(FULL)
    general = shapes._general(FULL)
    assert fast == general


def test_a_full_line_without_a_tag_keeps_its_message_exactly():
    """After the level field the rest is the message, leading spaces and all."""
    line = "00002cc4.00001264::2011/08/05-13:47:42.543 INFO    indented message"
    assert (parse_line(line).component, parse_line(line).text) == (None, "  indented message")


def test_a_near_full_line_falls_back_to_the_general_shape():
    """One character off the fixed positions (a 4-letter level padded wrong) still reads."""
    line = "00002cc4.00001264::2011/08/05-13:47:42.543 INFO [RES] text"
    found = parse_line(line)
    assert (found.level, found.component, found.text) == ("INFO", "RES", "text")


def test_a_bare_line_has_its_escapes_undone():
    """A pasted message without any prefix reads as a message; ``\\<`` becomes ``<``."""
    found = bare_line("Not failing over group \\<Resource name>, failoverCount 3")
    assert (found.text, found.raw) == (
        "Not failing over group <Resource name>, failoverCount 3",
        "Not failing over group \\<Resource name>, failoverCount 3",
    )
    assert bare_line("plain").raw is None


def test_windows_paths_keep_their_backslashes():
    """Only markdown's escapes are undone: a UNC path is left as written."""
    line = "2020/05/12-21:17:51.909 INFO  [RES] File Share Witness <File Share Witness>: Opening \\\\SVR23\\Q\\W.log"
    assert parse_line(line).text == "File Share Witness <File Share Witness>: Opening \\\\SVR23\\Q\\W.log"
