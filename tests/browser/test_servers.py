"""The JupyterLab the browser tests start: it answers nothing without its token, and it and its kernels
listen on 127.0.0.1 only (the Voila server of `make present` is checked in tests/test_present.py)."""

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import psutil
import pytest

pytestmark = pytest.mark.browser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status(url, method="GET"):
    """The HTTP status the server answers ``url`` with (a redirect is not followed)."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        refused.close()
        return refused.code


def listening(server, deadline_s=60):
    """(process name, address) of every listening socket of the server and its children, once a child (a
    kernel) has bound its sockets."""
    deadline = time.monotonic() + deadline_s
    while True:
        processes = [server, *server.children(recursive=True)]
        sockets = [
            (process.name(), c.laddr.ip)
            for process in processes
            for c in process.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        if len({name for name, _ in sockets}) >= 2 or time.monotonic() > deadline:
            return sockets
        time.sleep(0.1)


def test_jupyterlab_refuses_requests_without_its_token(jupyter_lab):
    """The REST API says 403 without a token or with a wrong one, the lab page sends to the login page;
    with the token both answer."""
    base, token = jupyter_lab.url, jupyter_lab.token
    api = ("api/status", "api/contents", "api/kernels", "api/sessions", "api/terminals")
    assert [status(f"{base}{path}") for path in api] == [403] * len(api)
    assert [status(f"{base}{path}?token=not-the-token") for path in api] == [403] * len(api)
    assert status(f"{base}api/kernels", method="POST") == 403  # no kernel starts either
    assert status(f"{base}lab") == 302
    assert [status(f"{base}{path}?token={token}") for path in ("api/status", "lab")] == [200, 200]


def test_jupyterlab_and_its_kernels_listen_on_loopback_only(jupyter_lab):
    """With a kernel running, every listening socket of the server and its kernels is on 127.0.0.1."""
    base, token = jupyter_lab.url, jupyter_lab.token
    start = urllib.request.Request(f"{base}api/kernels?token={token}", data=b"{}", method="POST")
    with urllib.request.urlopen(start) as answer:
        kernel = json.load(answer)["id"]
    try:
        port = urlsplit(base).port
        listeners = psutil.net_connections(kind="inet")
        (server,) = {c.pid for c in listeners if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        sockets = listening(psutil.Process(server))
        assert len({name for name, _ in sockets}) >= 2  # the server and at least the kernel just started
        assert {ip for _, ip in sockets} == {"127.0.0.1"}
    finally:
        status(f"{base}api/kernels/{kernel}?token={token}", method="DELETE")
