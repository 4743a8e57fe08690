"""labkit report in Chromium with the network blocked: the page loads nothing, shows its timeline, and
hostile names stay text."""

import pytest

from labkit.cli import main
from labkit.trace import read_trace
from labkit.views.report import report_html
from tests import hostile
from tests.browser.test_hostile_names import INJECTED, NOTHING_INJECTED, dialogs_of
from tests.lab import ROOT

pytestmark = pytest.mark.browser

GOLDEN = ROOT / "data" / "traces" / "cluster-pending-timeout.jsonl"
TIMELINE = "#timeline svg"


def test_a_golden_trace_report_shows_its_timeline_offline(page, guard, tmp_path):
    """Opened from disk with every off-machine request blocked: nothing is requested but the file, the
    SVG timeline has a size and its lanes' labels, and every event has its row."""
    out = tmp_path / "report.html"
    assert main(["report", str(GOLDEN), "--out", str(out)]) == 0
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    box = page.locator(TIMELINE).bounding_box()
    assert box["width"] > 400 and box["height"] > 100
    labels = page.locator(f"{TIMELINE} text").all_text_contents()
    assert {"Disk", "ClusterResourceOfflinePending"} <= {label.strip() for label in labels}
    assert page.locator("#events tbody tr").count() == len(read_trace(GOLDEN))
    assert guard.blocked == [] and guard.requests == [out.as_uri()]


def test_hostile_names_in_a_report_stay_text(page, guard, tmp_path):
    """No dialog, no injected element or handler; the names show as typed."""
    dialogs = dialogs_of(page)
    out = tmp_path / "hostile.html"
    out.write_text(report_html(hostile.cluster_run().trace), encoding="utf-8")
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate(INJECTED) == NOTHING_INJECTED
    shown = page.locator("main").inner_text()
    assert all(payload in shown for payload in hostile.PAYLOADS)
    assert guard.blocked == []


def test_no_table_of_a_report_pushes_the_page_sideways(chromium, guard, tmp_path):
    """At a 1 024 px projector the page is as wide as the window; wide tables scroll in their box."""
    context = chromium.new_context(viewport={"width": 1024, "height": 768})
    guard.install(context)
    page = context.new_page()
    out = tmp_path / "report.html"
    out.write_text(report_html(read_trace(GOLDEN)), encoding="utf-8")
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    context.close()
