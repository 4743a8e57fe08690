"""labkit report: one self-contained HTML file per trace, safe with any name, simulated or imported."""

import pytest
from bs4 import BeautifulSoup

from labkit.cli import main
from labkit.lab.site import external_references
from labkit.trace import Kind, TraceHeader, Tracer, read_trace
from labkit.views.report import CONTENT_SECURITY_POLICY, report_html, write_report
from tests import hostile
from tests.conftest import make_tracer
from tests.lab import ROOT
from tests.traces import cluster_offline

GOLDEN = ROOT / "data" / "traces" / "cluster-pending-timeout.jsonl"
SECTIONS = ["what", "summary", "timeline", "faults", "sources", "events"]


def soup_of(text):
    return BeautifulSoup(text, features="html.parser")


def described(soup):
    """The 'what this trace is' section as {term: text}."""
    terms = soup.select("#what dt")
    return {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in terms}


def test_a_golden_trace_report_has_every_section_and_loads_nothing():
    """Sections in order, the timeline as inline SVG, no script, nothing a browser would fetch."""
    trace = read_trace(GOLDEN)
    text = report_html(trace)
    soup = soup_of(text)
    assert [s["id"] for s in soup.select("main > section")] == SECTIONS
    assert soup.select_one('meta[http-equiv="Content-Security-Policy"]')["content"] == CONTENT_SECURITY_POLICY
    assert soup.select("script") == [] and external_references(text) == []
    assert [n.name for n in soup.select("#timeline svg")] == ["svg"]
    assert "ClusterResourceOfflinePending" in soup.select_one("#timeline svg").get_text()
    assert described(soup)["scenario"] == "pending-timeout"
    assert described(soup)["produced"].startswith("simulated by labkit ")
    events = soup.select("#events tbody tr")
    assert [int(tr.select("td")[0].get_text()) for tr in events] == [e.seq for e in trace]
    rules = [li["id"].removeprefix("rule-") for li in soup.select("#sources li[id^=rule-]")]
    assert rules == list(dict.fromkeys(e.ref for e in trace if e.ref))
    linked = {a["href"].removeprefix("#") for a in soup.select("#events a, #faults a, #sources i a")}
    anchors = {element["id"] for element in soup.select("#sources [id]")}
    assert linked and linked <= anchors


def test_faults_carry_their_rule_and_link_the_sources_they_cite(small_trace):
    """The fault's row: its rule sentence, evidence and ref, the ref a link to the sources section entry."""
    soup = soup_of(report_html(small_trace))
    table = soup.select("#faults table")[0]
    heads = [th.get_text() for th in table.select("thead th")]
    rows = [[td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")]
    assert [dict(zip(heads, row, strict=True)) for row in rows] == [
        {
            "seq": "4",
            "t": "60",
            "fault": "LateReport",
            "subject": "Disk",
            "routine": "",
            "rule": "report after terminate",
            "actor": "rhs",
            "evidence": "inferred",
            "ref": "cluster-offline §4",
        }
    ]
    assert [a["href"] for a in table.select("a")] == ["#src-cluster-offline-4"]
    entry = soup.select_one("#sources li#src-cluster-offline-4")
    assert entry.get_text().startswith("cluster-offline §4: The pending protocol")
    assert described(soup)["faults"] == "1"


def test_contract_violations_are_listed_with_their_rule():
    """A call that never returns is a violation the events show by themselves."""
    tracer = make_tracer()
    tracer.record(Kind.CALL, "OfflineV2", actor="rhs", subject="Disk", t=0, evidence="documented")
    soup = soup_of(report_html(tracer.trace))
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("#faults tbody tr")]
    assert [row[2:4] for row in rows] == [["NeverReturned", "Disk"]]
    assert described(soup)["contract violations"] == "1"


def test_an_imported_log_says_where_it_came_from():
    """params.source: the files, nodes and UTC start of the import; 'imported from logs'."""
    source = {
        "format": "cluster.log",
        "files": [{"path": "node1.log", "node": "NODE1"}, {"path": "node2.log", "node": "NODE2"}],
        "nodes": ["NODE1", "NODE2"],
        "utc_start": "2011-08-05T13:47:42.543Z",
    }
    tracer = Tracer(TraceHeader("cluster", "cluster.log", {"source": source, "nodes": ["NODE1", "NODE2"]}))
    tracer.record(
        Kind.NOTE, "LogLine", actor="rhs", subject="Disk", t=0, evidence="observed", ref="node1.log:3"
    )
    tracer.record(
        Kind.NOTE, "LogLine", actor="rcm", subject="Disk", t=1500, evidence="observed", ref="node2.log:9"
    )
    soup = soup_of(report_html(tracer.trace))
    what = described(soup)
    assert (what["produced"], what["files"], what["utc start"]) == (
        "imported from logs",
        "node1.log (NODE1), node2.log (NODE2)",
        "2011-08-05T13:47:42.543Z",
    )
    assert what["events"] == "2 over 1500 ms (log time)"
    assert soup.select_one("#sources p").get_text().startswith("The events cite no rule and no source key")


def test_hostile_names_stay_text_everywhere():
    """Every payload reaches the report (tables, timeline, header) and none becomes markup."""
    for run in (hostile.cluster_run(), hostile.nspv2_run()):
        text = report_html(run.trace)
        if run.trace.domain == "cluster":  # the resource's name labels its lane, as text of the SVG
            assert hostile.RESOURCE in soup_of(text).select_one("#timeline svg").get_text()
        soup = soup_of(text)
        assert soup.select("img, script, iframe, object, embed") == []
        assert [e for e in soup.find_all(True) if any(a.startswith("on") for a in e.attrs)] == []
        for payload in hostile.PAYLOADS:
            assert payload in soup.get_text()


def test_a_trace_with_bad_lines_is_reported_with_them(tmp_path, capsys):
    """Read leniently: the good events are reported and the unread lines listed."""
    path = cluster_offline().write(tmp_path / "t.jsonl")
    with path.open("a") as handle:
        handle.write("not json\n")
    out = tmp_path / "r.html"
    assert main(["report", str(path), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: report of 14 events, 1 line not read\n"
    assert described(soup_of(out.read_text()))["lines not read"].startswith(f"1: {path}:16: ")


def test_long_traces_list_the_first_events_and_count_the_rest(tmp_path):
    trace = read_trace(GOLDEN)
    soup = soup_of(report_html(trace, max_events=10))
    assert len(soup.select("#events tbody tr")) == 10
    assert soup.select_one("#events p").get_text().startswith(f"… and {len(trace) - 10} more events")


def test_written_once_identically_and_never_over_a_file(tmp_path, capsys):
    """Same trace, same bytes; an existing file is kept until --force."""
    out = tmp_path / "sub" / "r.html"
    assert main(["report", str(GOLDEN), "--out", str(out)]) == 0
    first = out.read_bytes()
    assert first == report_html(read_trace(GOLDEN)).encode()
    assert main(["report", str(GOLDEN), "--out", str(out)]) == 2
    assert "file exists; add --force" in capsys.readouterr().err
    write_report(read_trace(GOLDEN), out, force=True)
    assert out.read_bytes() == first


@pytest.mark.parametrize("count", [0, 3])
def test_the_events_count_in_the_summary_line(count, tmp_path):
    tracer = make_tracer()
    for t in range(count):
        tracer.record(Kind.NOTE, "Tick", actor="rhs", subject="Disk", t=t, evidence="documented")
    soup = soup_of(report_html(tracer.trace))
    assert described(soup)["events"].startswith(f"{count} over ")


def test_a_real_cluster_log_import_is_reported_and_exported_with_its_wall_clock():
    """The cluster.log importer's trace: its files and nodes in the report, its UTC start in the .pftrace."""
    from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import BuiltinClock, Trace

    from labkit import clusterlog
    from labkit.views.pftrace import to_pftrace

    trace = clusterlog.read([ROOT / "data" / "clusterlogs" / "ag-move"])
    what = described(soup_of(report_html(trace)))
    assert (what["produced"], what["files"]) == (
        "imported from logs",
        "SQL01_cluster.log (SQL01), SQL02_cluster.log (SQL02)",
    )
    assert what["utc start"] == trace.header.params["source"]["utc_start"]
    clocks = Trace.FromString(to_pftrace(trace)).packet[0].clock_snapshot.clocks
    assert {c.clock_id for c in clocks} == {
        BuiltinClock.BUILTIN_CLOCK_BOOTTIME,
        BuiltinClock.BUILTIN_CLOCK_REALTIME,
    }
