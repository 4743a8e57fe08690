"""State, calls and faults tables: whole tables checked, flags and codes by SDK name, safe markdown."""

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from labkit import views
from labkit.trace import Kind
from labkit.views.tables import calls_table, faults_table, state_table, to_markdown
from tests.conftest import make_tracer
from tests.traces import cluster_offline, nspv2_session

NA = None


def records(frame):
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_state_table_of_an_nspv2_session():
    """One row per interval, in the order they were entered; open ones have no end."""
    table = state_table(nspv2_session())
    assert list(table.columns) == [
        "subject",
        "kind",
        "state",
        "from",
        "to",
        "duration",
        "entered_by",
        "entered_seq",
        "left_by",
    ]
    assert records(table) == [
        ("session:4242", "session", "Started", 0.0, 8.0, 8.0, "Started", 2, "RunDown"),
        ("lookup:0x1001", "lookup", "Open", 1.0, 2.0, 1.0, "Open", 5, "NextPending"),
        ("lookup:0x1001", "lookup", "NextPending", 2.0, 3.5, 1.5, "NextPending", 8, "Open"),
        ("lookup:0x1001", "lookup", "Open", 3.5, 5.0, 1.5, "Open", 12, "NextPending"),
        ("lookup:0x1001", "lookup", "NextPending", 5.0, 6.5, 1.5, "NextPending", 15, "Open"),
        ("lookup:0x1001", "lookup", "Open", 6.5, 7.0, 0.5, "Open", 19, "Ended"),
        ("lookup:0x1001", "lookup", "Ended", 7.0, NA, NA, "Ended", 22, NA),
        ("session:4242", "session", "RunDown", 8.0, NA, NA, "RunDown", 26, NA),
    ]
    assert [str(t) for t in table.dtypes] == [
        "string",
        "string",
        "string",
        "Float64",
        "Float64",
        "Float64",
        "string",
        "Int64",
        "string",
    ]


def test_state_table_of_an_empty_trace_keeps_its_columns():
    """No states, no rows, same columns and dtypes."""
    table = state_table(make_tracer().trace)
    assert table.empty and list(table.columns)[:3] == ["subject", "kind", "state"]
    assert str(table["entered_seq"].dtype) == "Int64"


def test_calls_table_of_a_pending_offline():
    """Calls paired with returns and completions; flags, states and codes by SDK name."""
    assert records(calls_table(cluster_offline())) == [
        (
            3,
            10.0,
            "OfflineV2",
            "rhs",
            "Disk",
            "resource",
            "OfflineFlags=CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR"
            "|CLUS_RESDLL_OFFLINE_QUEUE_ENABLED, DestinationNodeName=node2",
            "ERROR_IO_PENDING",
            pytest.approx(0.2),
            "OfflineV2",
            "ERROR_TIMEOUT",
            181005.0,
        ),
        (
            6,
            1010.0,
            "SetResourceStatusEx",
            "worker:1",
            "Disk",
            "resource",
            "ResourceState=ClusterResourceOfflinePending, CheckPoint=1, StatusFlags=0",
            "ResourceExitStateContinue",
            0.0,
            NA,
            NA,
            NA,
        ),
        (9, 181010.0, "Terminate", "rhs", "Disk", "resource", "", "", 5.0, NA, NA, NA),
    ]


def test_calls_table_of_an_nspv2_session_uses_winsock_names():
    """NSPv2 codes read as Winsock names (NO_ERROR, WSA_E_NO_MORE); VOID routines have an empty result."""
    table = calls_table(nspv2_session())
    assert records(table[["routine", "subject", "result", "completion"]]) == [
        ("NSPv2Startup", "session:4242", "NO_ERROR", NA),
        ("NSPv2LookupServiceBegin", "session:4242", "NO_ERROR", NA),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "", "NO_ERROR"),
        ("WSAProviderCompleteAsyncCall", "lookup:0x1001", "NO_ERROR", NA),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "", "WSA_E_NO_MORE"),
        ("WSAProviderCompleteAsyncCall", "lookup:0x1001", "NO_ERROR", NA),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "NO_ERROR", NA),
        ("NSPv2ClientSessionRundown", "session:4242", "", NA),
    ]


def test_calls_table_shows_a_call_that_never_returned():
    """No return: result and duration missing, the call still listed."""
    tracer = make_tracer()
    tracer.record(
        Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", args={"OfflineFlags": 0}, evidence="documented"
    )
    assert records(calls_table(tracer.trace)) == [
        (0, 0.0, "OfflineV2", "rhs", "Disk", "resource", "OfflineFlags=0", NA, NA, NA, NA, NA)
    ]


def test_faults_table():
    """One row per fault with its rule sentence, routine and sheet reference."""
    assert records(faults_table(cluster_offline())) == [
        (
            8,
            181010.0,
            "PendingTimeout",
            "Disk",
            "OfflineV2",
            "no status report within PendingTimeout (180000 ms)",
            "rhs",
            "documented",
            "cluster-offline §4",
        )
    ]


def test_html_of_the_tables_escapes_trace_strings():
    """pandas' HTML escapes subject names and states that look like markup."""
    tracer = make_tracer()
    tracer.record(
        Kind.STATE,
        "<b>x</b>",
        actor="rhs",
        subject="<img src=x onerror=alert(1)>",
        state=(None, "<b>x</b>"),
        evidence="documented",
    )
    html = state_table(tracer.trace).to_html()
    assert "<img" not in html and "<b>x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_markdown_table_escapes_cells():
    """Pipes, backslashes, angle brackets and line breaks from a trace cannot break the table."""
    frame = pd.DataFrame(
        {"a|b": ["x|y", "line\nbreak", "<script>", None], "t": [1.5, 181004.8, 2.0, float("nan")]}
    )
    assert to_markdown(frame) == (
        "| a\\|b | t |\n"
        "|---|---|\n"
        "| x\\|y | 1.5 |\n"
        "| line break | 181004.8 |\n"
        "| \\<script\\> | 2 |\n"
        "|  |  |\n"
    )


def test_readable_shows_every_cell_whole_escaped_and_text_left_aligned():
    """A sentence longer than pandas' 50 characters shows whole and escaped; numbers read as written;
    SDK names may wrap after _ and flag words after |."""
    rule = "after NSPv2ClientSessionRundown the provider still holds state for <session#1> & more"
    flags = "IGNORE_RESOURCE_STATUS|QUEUE_ENABLED"
    frame = pd.DataFrame(
        {
            "t": pd.array([4.0, None], dtype="Float64"),
            "n": [1, 2],
            "rule": [rule, None],
            "flags": [flags, "0"],
        }
    )
    assert "still holds state" not in frame._repr_html_()  # what a notebook shows without it: cut
    shown = views.readable(frame).to_html()
    page = BeautifulSoup(shown, features="html.parser")
    assert [[td.get_text() for td in tr.select("td")] for tr in page.select("tbody tr")] == [
        ["4", "1", rule, flags],
        ["", "2", "", "0"],
    ]
    assert "IGNORE_<wbr/>RESOURCE_<wbr/>STATUS|<wbr/>QUEUE_<wbr/>ENABLED" in str(page)
    assert "&lt;session#1&gt;" in shown
    style = page.style.get_text()
    assert "td.col2 {\n  text-align: left;" in style and "td.col0 {" not in style
    assert views.readable(frame.set_index("n")).data.index.name == "n"
