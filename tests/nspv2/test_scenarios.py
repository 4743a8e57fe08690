"""Every scenario, callback by callback: who got which session argument, which code completed which call."""

from labkit import nspv2
from tests.nspv2.helpers import callbacks


def test_happy_path():
    """Startup at first use, Begin with its argument, one result then WSA_E_NO_MORE, End, Cleanup."""
    assert callbacks(nspv2.simulate("happy-path")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_two_clients():
    """Two processes get two sessions, and each call carries its own session's argument."""
    assert callbacks(nspv2.simulate("two-clients")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:102", "session#2"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa005"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2Cleanup", "session:102", "session#2"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa005 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa006"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa006 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1003", "0x1003"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_crash_during_lookup():
    """The crashed client's session gets Rundown, then Cleanup, with what Startup produced (the default
    crash policy keeps the documented Startup/Cleanup pairing); the other ends in Cleanup."""
    assert callbacks(nspv2.simulate("crash-during-lookup")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:102", "session#2"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa001"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("NSPv2ClientSessionRundown", "session:101", "session#1"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 session RunDown"),
        ("NSPv2Cleanup", "session:101", "session#1"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2Cleanup", "session:102", "session#2"),
    ]


def test_normal_exit():
    """WSACleanup and a plain exit both end in Cleanup; a lookup after WSACleanup reaches no provider."""
    assert callbacks(nspv2.simulate("normal-exit")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:102", "session#2"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa003 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2Cleanup", "session:102", "session#2"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_buffer_too_small():
    """A small buffer completes NextEx with WSAEFAULT; the retry with the size asked for succeeds."""
    assert callbacks(nspv2.simulate("buffer-too-small")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 WSAEFAULT"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_end_cancels_next():
    """End racing a running NextEx makes it complete with WSA_E_CANCELLED."""
    assert callbacks(nspv2.simulate("end-cancels-next")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 WSA_E_CANCELLED"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_register_deregister_delete():
    """Without SERVICE_MULTIPLE: register overwrites, deregister hides the object, a second delete fails."""
    assert callbacks(nspv2.simulate("register-deregister-delete")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa001 NO_ERROR"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa005 NO_ERROR"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa006"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa006 WSANO_DATA"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa007 NO_ERROR"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa008 WSASERVICE_NOT_FOUND"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_service_multiple():
    """With SERVICE_MULTIPLE: addresses add up and are removed one by one until the object goes."""
    assert callbacks(nspv2.simulate("service-multiple")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa001 NO_ERROR"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa005 NO_ERROR"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa006"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa006 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa007"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa007 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa008 NO_ERROR"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa009"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1003", "0xa009 WSASERVICE_NOT_FOUND"),
        ("NSPv2LookupServiceEnd", "lookup:0x1003", "0x1003"),
        ("NSPv2SetServiceEx", "session:101", "session#1"),
        ("complete NSPv2SetServiceEx", "session:101", "0xa00a WSASERVICE_NOT_FOUND"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_no_optional_routines():
    """Without optional routines: stubs answer WSAEOPNOTSUPP, every session argument is NULL, and as
    Startup never succeeded no session gets Cleanup (nspv2.failed-startup-gets-no-cleanup)."""
    assert callbacks(nspv2.simulate("no-optional-routines")) == [
        ("NSPv2Startup", "session:101", None),
        ("NSPv2LookupServiceBegin", "session:101", None),
        ("NSPv2LookupServiceNextEx", "lookup:0x1", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1", "0xa002 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1", "0x1"),
        ("NSPv2SetServiceEx", "session:101", None),
        ("complete NSPv2SetServiceEx", "session:101", "0xa003 WSAEOPNOTSUPP"),
        ("NSPv2Startup", "session:102", None),
        ("NSPv2LookupServiceBegin", "session:102", None),
        ("NSPv2LookupServiceNextEx", "lookup:0x2", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x2", "0xa004 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x2", "0xa005"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x2", "0xa005 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x2", "0x2"),
        ("NSPv2ClientSessionRundown", "session:102", None),
    ]


def test_unadvertise_open_sessions():
    """Unadvertising runs both open sessions down, then cleans them up, and completes their pending
    NextEx for them."""
    assert callbacks(nspv2.simulate("unadvertise-open-sessions")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:102", "session#2"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa001"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("NSPv2ClientSessionRundown", "session:101", "session#1"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 WSASERVICE_NOT_FOUND"),
        ("NSPv2Cleanup", "session:101", "session#1"),
        ("NSPv2ClientSessionRundown", "session:102", "session#2"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa001 WSASERVICE_NOT_FOUND"),
        ("NSPv2Cleanup", "session:102", "session#2"),
    ]


def test_vista_non_email():
    """On Vista a DNS provider cannot advertise, so the provider is never called."""
    assert callbacks(nspv2.simulate("vista-non-email")) == []


def test_advertise_uninstalled():
    """An uninstalled GUID cannot advertise, so the provider is never called."""
    assert callbacks(nspv2.simulate("advertise-uninstalled")) == []


def test_email_fallback():
    """Authoritative: primary, then secondary when it cannot resolve; non-authoritative: all in order."""
    assert callbacks(nspv2.simulate("email-fallback")) == [
        ("NSPv2Startup", "session:101/contoso-primary", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101/contoso-primary", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1001", "0xa001 WSASERVICE_NOT_FOUND"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-primary/0x1001", "0x1001"),
        ("NSPv2Startup", "session:101/contoso-backup", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101/contoso-backup", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1001", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1001", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-backup/0x1001", "0x1001"),
        ("NSPv2LookupServiceBegin", "session:101/contoso-primary", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101/contoso-backup", "session#1"),
        ("NSPv2Startup", "session:101/any-domain", None),
        ("NSPv2LookupServiceBegin", "session:101/any-domain", None),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1002", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1002", "0xa004 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1002", "0xa005"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-primary/0x1002", "0xa005 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1002", "0xa006"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1002", "0xa006 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1002", "0xa007"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-backup/0x1002", "0xa007 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceNextEx", "lookup:any-domain/0x1", "0xa008"),
        ("complete NSPv2LookupServiceNextEx", "lookup:any-domain/0x1", "0xa008 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:any-domain/0x1", "0xa009"),
        ("complete NSPv2LookupServiceNextEx", "lookup:any-domain/0x1", "0xa009 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-primary/0x1002", "0x1002"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-backup/0x1002", "0x1002"),
        ("NSPv2LookupServiceEnd", "lookup:any-domain/0x1", "0x1"),
        ("NSPv2Cleanup", "session:101/contoso-primary", "session#1"),
        ("NSPv2Cleanup", "session:101/contoso-backup", "session#1"),
    ]


def test_two_users():
    """Each user's client reaches only its own user's instance; a user without one reaches none."""
    assert callbacks(nspv2.simulate("two-users")) == [
        ("NSPv2Startup", "session:101/contoso-mail@alice", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101/contoso-mail@alice", "session#1"),
        ("NSPv2Startup", "session:201/contoso-mail@bob", "session#1"),
        ("NSPv2LookupServiceBegin", "session:201/contoso-mail@bob", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-mail@alice/0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-mail@alice/0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-mail@bob/0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-mail@bob/0x1001", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-mail@alice/0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-mail@alice/0x1001", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceNextEx", "lookup:contoso-mail@bob/0x1001", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:contoso-mail@bob/0x1001", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-mail@alice/0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:101/contoso-mail@alice", "session#1"),
        ("NSPv2LookupServiceEnd", "lookup:contoso-mail@bob/0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:201/contoso-mail@bob", "session#1"),
    ]


def test_startup_at_wsastartup():
    """With the wsastartup policy both sessions start at WSAStartup, even one that never looks up."""
    assert callbacks(nspv2.simulate("startup-at-wsastartup")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:101", "session#1"),
        ("NSPv2Cleanup", "session:102", "session#2"),
    ]


def test_never_completes():
    """A NextEx never completed is a NeverCompleted fault; killing the hung client runs it down and
    cleans it up."""
    assert callbacks(nspv2.simulate("never-completes")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("fault NeverCompleted", "lookup:0x1001", "NSPv2LookupServiceNextEx"),
        ("NSPv2ClientSessionRundown", "session:101", "session#1"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 session RunDown"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_completes_twice():
    """Each second completion of the same hAsyncCall is a CompletedTwice fault."""
    assert callbacks(nspv2.simulate("completes-twice")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("fault CompletedTwice", "lookup:0x1001", "WSAProviderCompleteAsyncCall"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa002 WSA_E_NO_MORE"),
        ("fault CompletedTwice", "lookup:0x1001", "WSAProviderCompleteAsyncCall"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2Cleanup", "session:101", "session#1"),
    ]


def test_leaky_rundown():
    """A Rundown that keeps session state is a SessionStateLeaked fault; the other Cleanup is clean."""
    assert callbacks(nspv2.simulate("leaky-rundown")) == [
        ("NSPv2Startup", "session:101", "session#1"),
        ("NSPv2LookupServiceBegin", "session:101", "session#1"),
        ("NSPv2Startup", "session:102", "session#2"),
        ("NSPv2LookupServiceBegin", "session:102", "session#2"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa001 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa002"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa002 NO_ERROR"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1001", "0xa003 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004"),
        ("complete NSPv2LookupServiceNextEx", "lookup:0x1002", "0xa004 WSA_E_NO_MORE"),
        ("NSPv2LookupServiceEnd", "lookup:0x1001", "0x1001"),
        ("NSPv2ClientSessionRundown", "session:101", "session#1"),
        ("fault SessionStateLeaked", "session:101", "NSPv2ClientSessionRundown"),
        ("NSPv2LookupServiceEnd", "lookup:0x1002", "0x1002"),
        ("NSPv2Cleanup", "session:102", "session#2"),
    ]
