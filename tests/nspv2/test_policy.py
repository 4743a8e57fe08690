"""The inferred choices are switchable, recorded in the header, and drive what the provider sees."""

import pytest

from labkit import nspv2
from labkit.exceptions import UnknownNameError
from labkit.nspv2 import Policy
from tests.nspv2.helpers import callbacks

ENDINGS = ("NSPv2Cleanup", "NSPv2ClientSessionRundown")


def endings(run):
    return [(name, subject, key) for name, subject, key in callbacks(run) if name in ENDINGS]


@pytest.mark.parametrize(
    ("crash", "crashed"),
    [
        ("rundown", [("NSPv2ClientSessionRundown", "session:101", "session#1")]),
        ("cleanup", [("NSPv2Cleanup", "session:101", "session#1")]),
        (
            "both",
            [
                ("NSPv2ClientSessionRundown", "session:101", "session#1"),
                ("NSPv2Cleanup", "session:101", "session#1"),
            ],
        ),
    ],
)
def test_crash_policy_picks_what_a_crashed_session_gets(crash, crashed):
    """The crashed client's session ends as the policy says; the orderly one always gets Cleanup."""
    run = nspv2.simulate("crash-during-lookup", policy={"crash": crash})
    assert run.trace.header.params["policies"] == {
        "crash": crash,
        "startup": "first-use",
        "unadvertise": "rundown",
    }
    assert endings(run) == [*crashed, ("NSPv2Cleanup", "session:102", "session#2")]
    calls = run.trace.filter(kind="call", name=ENDINGS, subject="session:101")
    assert {(e.evidence.value, e.ref) for e in calls} == {("inferred", f"nspv2 §2.2; policy crash={crash}")}


def test_startup_policy_wsastartup_starts_sessions_at_wsastartup():
    """With 'wsastartup' Startup runs inside WSAStartup; with 'first-use' inside the first lookup."""
    run = nspv2.simulate("happy-path", policy={"startup": "wsastartup"})
    assert run.trace.names()[5:11] == [
        "Running",
        "WSAStartup",
        "NSPv2Startup",
        "NSPv2Startup",
        "Started",
        "WSAStartup",
    ]
    run = nspv2.simulate("happy-path")
    assert run.trace.names()[5:10] == [
        "Running",
        "WSAStartup",
        "WSAStartup",
        "WSALookupServiceBegin",
        "NSPv2Startup",
    ]


def test_unadvertise_policies():
    """rundown tells the provider, silent orphans the sessions, drain lets them finish with Cleanup."""
    outcomes = {
        how: nspv2.simulate("unadvertise-open-sessions", policy={"unadvertise": how}).outcome["sessions"]
        for how in ("rundown", "silent", "drain")
    }
    assert outcomes == {"rundown": {"RunDown": 2}, "silent": {"Orphaned": 2}, "drain": {"CleanedUp": 2}}
    silent = nspv2.simulate("unadvertise-open-sessions", policy={"unadvertise": "silent"})
    assert endings(silent) == []
    assert silent.trace.filter(name="CompletionIgnored").names() == ["CompletionIgnored", "CompletionIgnored"]


def test_unknown_policy_names_list_the_valid_ones():
    """A wrong choice or a wrong policy name is an UnknownNameError naming the valid ones."""
    with pytest.raises(
        UnknownNameError, match="unknown crash policy 'reboot'; valid: rundown, cleanup, both"
    ):
        Policy(crash="reboot")
    with pytest.raises(
        UnknownNameError, match="unknown policy 'shutdown'; valid: crash, startup, unadvertise"
    ):
        nspv2.simulate("happy-path", policy={"shutdown": "rundown"})
