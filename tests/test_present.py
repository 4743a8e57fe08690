"""make present: Voila on 127.0.0.1 only, behind a fresh token, pages limited to the server's own files."""

import socket
import stat
import urllib.error
import urllib.request
from unittest import mock

import psutil
import pytest

from labkit.lab import present
from tests.lab import ROOT, isolated_env, serving

FIXTURES_DIR = ROOT / "tests" / "notebooks"


def test_a_session_binds_loopback_with_a_fresh_token():
    """The command names 127.0.0.1, no browser, no port hopping and the token; tokens differ per session."""
    one, two = present.new_session(FIXTURES_DIR, port=0), present.new_session(FIXTURES_DIR, port=0)
    assert one.token != two.token and len(one.token) >= 32
    assert one.command()[2] == "from labkit.lab.present import run_voila; run_voila('127.0.0.1')"
    assert one.command()[3:] == [
        str(FIXTURES_DIR),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={one.port}",
        "--Voila.port_retries=0",
        f"--token={one.token}",
        "--show_tracebacks=True",
    ]
    assert one.url == f"http://127.0.0.1:{one.port}/?token={one.token}"
    assert one.token not in repr(one)


def test_a_taken_default_port_gives_way_but_a_port_asked_for_does_not():
    """8866 taken: another free port; a port asked for (a bookmark) is kept, and the server will say it
    cannot listen there rather than move silently."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert present.new_session(FIXTURES_DIR, port=port).port == port
        with mock.patch.object(present, "DEFAULT_PORT", port):
            assert present.new_session(FIXTURES_DIR, port=port).port != port


def test_one_notebook_is_served_with_its_folder_and_opened_directly():
    """Its 'Next' and 'contents' links point at the notebooks beside it: the folder is served and the
    address opens the notebook's app."""
    notebook = FIXTURES_DIR / "widget-checkbox.ipynb"
    session = present.new_session(notebook, port=0)
    assert (session.folder, session.start, session.target) == (
        FIXTURES_DIR,
        "widget-checkbox.ipynb",
        notebook,
    )
    assert session.command()[3] == str(FIXTURES_DIR)
    assert (
        session.url
        == f"http://127.0.0.1:{session.port}/voila/render/widget-checkbox.ipynb?token={session.token}"
    )


def test_a_fixed_token_and_port_give_a_bookmark(tmp_path, capsys):
    """--token (or a token file, created once with mode 0600) and --port make the same address each run;
    a token too short or with characters a URL would change is refused."""
    fixed = present.new_session(FIXTURES_DIR, port=8901, token="class-of-2026-room-4")
    assert fixed.url == "http://127.0.0.1:8901/?token=class-of-2026-room-4"
    kept = tmp_path / "present-token"
    first = present.token_from_file(kept)
    assert present.token_from_file(kept) == first and len(first) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    for bad in ("short", "a token with spaces in it", "ab/cd?ef&gh=ij#klmnop"):
        assert present.main([str(FIXTURES_DIR), "--token", bad]) == 2
    assert (
        capsys.readouterr().err.splitlines()
        == ["labkit present: a token must be at least 16 characters among A-Z a-z 0-9 . _ ~ -"] * 3
    )


def test_another_address_is_an_explicit_choice_that_says_what_it_exposes():
    """--ip: the server, its Content-Security-Policy and the message name the address and the risk."""
    session = present.new_session(FIXTURES_DIR, port=0, ip="0.0.0.0")
    assert "--Voila.ip=0.0.0.0" in session.command()
    assert "ws://0.0.0.0:*" in present.content_security_policy("0.0.0.0")
    assert present._reach(session).startswith("(listening on 0.0.0.0: any machine that reaches it and knows")
    assert present._reach(present.new_session(FIXTURES_DIR, port=0)) == (
        "(only this machine can connect, with the token; Ctrl-C stops)"
    )


def test_a_missing_notebook_is_a_one_line_error(capsys, tmp_path):
    """Exit code 2 and a message naming what is missing, before any server starts."""
    assert present.main([str(tmp_path / "nope.ipynb")]) == 2
    assert capsys.readouterr().err == f"labkit present: {tmp_path}/nope.ipynb: no such notebook or folder\n"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_the_server_wants_the_token_and_listens_on_loopback_only(tmp_path):
    """Without the token a browser is sent to the login page; with it the page comes with the CSP header."""
    session = present.new_session(FIXTURES_DIR, port=0)
    with serving(
        session.command(), session.address, isolated_env(tmp_path), tmp_path / "voila.log"
    ) as process:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.build_opener(_NoRedirect).open(session.address)
        refused.value.close()
        assert (refused.value.code, refused.value.headers["Location"]) == (302, "/login?next=%2F")
        with urllib.request.urlopen(session.url) as answer:
            assert answer.headers["Content-Security-Policy"] == present.CONTENT_SECURITY_POLICY
        sockets = psutil.Process(process.pid).net_connections(kind="inet")
        assert {(s.laddr.ip, s.laddr.port) for s in sockets if s.status == psutil.CONN_LISTEN} == {
            ("127.0.0.1", session.port)
        }


def test_jupyterlab_listens_on_loopback_only_with_its_token_and_root(tmp_path):
    command = present.jupyterlab_command(tmp_path / "root", tmp_path / "settings", 8899, "secret")
    assert command[1:4] == ["-m", "jupyter", "lab"]
    assert {
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=8899",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=secret",
        f"--ServerApp.root_dir={tmp_path / 'root'}",
        f"--LabApp.app_settings_dir={tmp_path / 'settings'}",
    } <= set(command)
