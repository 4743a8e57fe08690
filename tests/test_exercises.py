"""The reference solutions of notebook 07 keep every contract rule in every scenario."""

import pytest

from labkit import cluster, nspv2
from labkit.exceptions import UnknownNameError
from labkit.lab.exercises import ReferenceDirectory, ReferenceDll, solution


@pytest.mark.parametrize("name", nspv2.scenarios.names())
def test_reference_provider_records_no_fault(name):
    """Crashes included: Rundown frees the lookups a crashed client never ended."""
    assert nspv2.simulate(name, provider=ReferenceDirectory).faults.names() == []


@pytest.mark.parametrize("name", cluster.scenarios.names())
def test_reference_dll_records_no_fault(name):
    assert cluster.simulate(name, dll=ReferenceDll).faults.names() == []


def test_reference_dll_goes_offline_through_the_pending_protocol():
    """ERROR_IO_PENDING, three reports with CheckPoints 1, 2, 3, the last one Offline."""
    run = cluster.simulate("pending-offline", dll=ReferenceDll)
    offline = run.trace.filter(name="OfflineV2", kind="return")[0]
    reports = run.trace.filter(name="SetResourceStatusEx", kind="call")
    assert offline.result_name == "ERROR_IO_PENDING"
    assert [e.args["CheckPoint"] for e in reports] == [1, 2, 3]
    assert run.outcome["resources"]["Disk"]["state"] == "ClusterResourceOffline"


def test_solution_shows_escaped_source_on_demand():
    source = solution("provider")
    assert str(source).startswith("class ReferenceDirectory(NamespaceProvider):")
    shown = solution("dll")._repr_html_()
    assert shown.startswith(
        "<pre class='mathjax_ignore tex2jax_ignore'><code>class ReferenceDll(ResourceDll):"
    )
    assert "-&gt; int:" in shown and "-> int:" not in shown
    with pytest.raises(UnknownNameError, match="valid: provider, dll"):
        solution("kernel-driver")
