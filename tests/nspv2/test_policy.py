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
        "unadvertise": "both",
    }
    assert endings(run) == [*crashed, ("NSPv2Cleanup", "session:102", "session#2")]
    calls = run.trace.filter(kind="call", name=ENDINGS, subject="session:101")
    assert {(e.evidence.value, e.ref) for e in calls} == {("inferred", "nspv2.crash-ends-session")}


@pytest.mark.parametrize(("crash", "breaks"), [("both", []), ("cleanup", []), ("rundown", ["session:101"])])
def test_a_crash_policy_that_skips_cleanup_says_it_breaks_the_pairing(crash, breaks):
    """nspv2.startup-cleanup-pairing: the default crash policy ends a crashed session with Rundown then
    Cleanup; 'rundown' leaves Startup without its Cleanup, and a documented note says so."""
    run = nspv2.simulate("crash-during-lookup", policy={"crash": crash})
    notes = run.trace.filter(name="NoMatchingCleanup")
    assert [e.subject for e in notes] == breaks
    assert {(e.evidence.value, e.ref, e.args["policy"]) for e in notes} <= {
        ("documented", "nspv2.startup-cleanup-pairing", "crash=rundown")
    }
    assert Policy().crash == "both"
    assert {k: [r.id for r in v] for k, v in Policy(crash=crash).breaks().items()} == (
        {"crash=rundown": ["nspv2.startup-cleanup-pairing"]} if breaks else {}
    )


def test_startup_policy_wsastartup_starts_sessions_at_wsastartup():
    """With 'wsastartup' Startup runs inside WSAStartup; with 'first-use' inside the first lookup."""
    run = nspv2.simulate("happy-path", policy={"startup": "wsastartup"})
    assert run.trace.names()[7:13] == [
        "Running",
        "WSAStartup",
        "NSPv2Startup",
        "NSPv2Startup",
        "Started",
        "WSAStartup",
    ]
    run = nspv2.simulate("happy-path")
    assert run.trace.names()[7:12] == [
        "Running",
        "WSAStartup",
        "WSAStartup",
        "WSALookupServiceBegin",
        "NSPv2Startup",
    ]


def test_unadvertise_policies():
    """both sends Rundown then Cleanup, rundown only Rundown, silent orphans the sessions, drain lets them
    finish with Cleanup; the two that leave a started session without Cleanup say so."""
    runs = {
        how: nspv2.simulate("unadvertise-open-sessions", policy={"unadvertise": how})
        for how in ("both", "rundown", "silent", "drain")
    }
    assert {how: run.outcome["sessions"] for how, run in runs.items()} == {
        "both": {"CleanedUp": 2},
        "rundown": {"RunDown": 2},
        "silent": {"Orphaned": 2},
        "drain": {"CleanedUp": 2},
    }
    broken = {how: len(run.trace.filter(name="NoMatchingCleanup")) for how, run in runs.items()}
    assert broken == {"both": 0, "rundown": 2, "silent": 2, "drain": 0}
    silent = nspv2.simulate("unadvertise-open-sessions", policy={"unadvertise": "silent"})
    assert endings(silent) == []
    assert silent.trace.filter(name="CompletionIgnored").names() == ["CompletionIgnored", "CompletionIgnored"]


def test_unknown_policy_names_list_the_valid_ones():
    """A wrong choice or a wrong policy name is an UnknownNameError naming the valid ones."""
    with pytest.raises(
        UnknownNameError, match="unknown crash policy 'reboot'; valid: both, rundown, cleanup"
    ):
        Policy(crash="reboot")
    with pytest.raises(
        UnknownNameError, match="unknown policy 'shutdown'; valid: crash, startup, unadvertise"
    ):
        nspv2.simulate("happy-path", policy={"shutdown": "rundown"})
