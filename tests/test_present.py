"""make present: Voila on 127.0.0.1 only, behind a fresh token, pages limited to the server's own files."""

import socket
import urllib.error
import urllib.request

import psutil
import pytest

from labkit.lab import present
from tests.lab import ROOT, isolated_env, serving

FIXTURES_DIR = ROOT / "tests" / "notebooks"


def test_a_session_binds_loopback_with_a_fresh_token():
    """The command names 127.0.0.1, no browser, no port hopping and the token; tokens differ per session."""
    one, two = present.new_session(FIXTURES_DIR, port=0), present.new_session(FIXTURES_DIR, port=0)
    assert one.token != two.token and len(one.token) >= 32
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


def test_a_taken_port_gives_way_to_a_free_one():
    """When the asked-for port is in use, the session gets another instead of failing to start."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert present.new_session(FIXTURES_DIR, port=port).port != port


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
