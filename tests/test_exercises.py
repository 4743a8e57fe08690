"""The reference solutions of notebook 07 keep every contract rule in every scenario."""

import pytest

from labkit import cluster, nspv2
from labkit.exceptions import UnknownNameError
from labkit.lab.exercises import ReferenceDirectory, ReferenceDll, solution
from labkit.winapi import LupFlags


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


def test_reference_provider_answers_containers_with_no_data():
    """nspv2.containers-no-data: a namespace without containers answers LUP_CONTAINERS with WSANO_DATA."""
    script = (nspv2.Lookup(flags=LupFlags.CONTAINERS | LupFlags.RETURN_NAME),)
    run = nspv2.simulate("happy-path", provider=ReferenceDirectory, clients=[nspv2.Client(101, script)])
    begin = run.trace.filter(name="NSPv2LookupServiceBegin", kind="return")[0]
    assert (begin.result_name, begin.args["lastError"]) == ("SOCKET_ERROR", "WSANO_DATA")
    assert run.faults.names() == []


def test_reference_provider_combines_next_flags_with_begins_and_flushes():
    """nspv2.next-flags-restrict and nspv2.flushprevious-skips-result: Next asking for names only gets no
    addresses; LUP_FLUSHPREVIOUS after a too-small buffer skips the one result."""
    narrow = nspv2.simulate("next-flags-narrow", provider=ReferenceDirectory)
    result = narrow.trace.filter(name="WSALookupServiceNext", kind="return")[0].args["lpqsResults"]
    assert result == {"lpszServiceInstanceName": "alice@contoso.com", "dwNameSpace": 37}
    flushed = nspv2.simulate("flush-previous", provider=ReferenceDirectory)
    codes = [
        e.args.get("lastError") for e in flushed.trace.filter(name="WSALookupServiceNext", kind="return")
    ]
    assert codes == ["WSAEFAULT", "WSA_E_NO_MORE"]
