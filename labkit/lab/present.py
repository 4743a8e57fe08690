"""Live sessions (``make present``): notebooks served as apps by Voila, on this machine only, with a token.

Voila runs each notebook in its own kernel and shows only its outputs and widgets, so an explorer
notebook becomes an app a trainer can put on a projector. The server listens on 127.0.0.1 only and asks
for a fresh random token, printed with the address to open once the server answers. A
Content-Security-Policy keeps the pages from loading anything but the server's own files (Voila's
templates link Font Awesome from a CDN: the browser refuses it, and only a few icons go missing).

    python -m labkit.lab.present notebooks                     # the notebook list; pick one to run as an app
    python -m labkit.lab.present notebooks/03-X.ipynb --port 0 # one notebook, any free port
"""

from __future__ import annotations

import argparse
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import IO

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8866
"""Voila's usual port; when it is taken, any free port is used instead."""
CONTENT_SECURITY_POLICY = (
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    f"connect-src 'self' ws://{LOOPBACK}:*; frame-ancestors 'self'"
)
"""Pages may load and connect to the server itself only (widgets need inline scripts, data: images)."""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _available(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class Session:
    """One Voila server for a notebook or a folder of notebooks."""

    target: Path
    """A notebook (served as one app) or a folder (a list of its notebooks, each opens as an app)."""
    port: int
    token: str = field(repr=False)
    """The secret a browser must present; new for every session."""

    @property
    def address(self) -> str:
        """The server's address without the token (it answers with the login page)."""
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def url(self) -> str:
        """The address to open, token included."""
        return f"{self.address}?token={self.token}"

    def command(self) -> list[str]:
        """The Voila command line: loopback only, this token, no browser, tracebacks shown to the room."""
        return [
            sys.executable,
            "-c",
            "from labkit.lab.present import run_voila; run_voila()",
            str(self.target),
            "--no-browser",
            f"--Voila.ip={LOOPBACK}",
            f"--port={self.port}",
            "--Voila.port_retries=0",
            f"--token={self.token}",
            "--show_tracebacks=True",
        ]

    def start(self, env: Mapping[str, str] | None = None, log: IO[bytes] | None = None) -> Popen[bytes]:
        """Start the server, with ``env`` as its environment and its output into ``log`` if given."""
        stderr = subprocess.STDOUT if log is not None else None
        return subprocess.Popen(self.command(), env=env, stdout=log, stderr=stderr)  # noqa: S603


def run_voila() -> None:
    """Voila's own entry point, with the Content-Security-Policy header (Voila's arguments in sys.argv).

    The header is set here because the command-line form for a nested dict option is deprecated.
    """
    from voila.app import Voila  # type: ignore[import-untyped]

    Voila.launch_instance(tornado_settings={"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}})


def new_session(target: str | Path, port: int = DEFAULT_PORT) -> Session:
    """A session with a fresh token; port 0, or a port already taken, means any free port."""
    target = Path(target)
    if not target.exists():
        raise FileNotFoundError(f"{target}: no such notebook or folder")
    if port == 0 or not _available(port):
        port = free_port()
    return Session(target, port, secrets.token_urlsafe(24))


def wait_ready(url: str, process: Popen[bytes], timeout: float = 120) -> None:
    """Return once ``url`` answers with a page; raise if the process ends first or ``timeout`` s pass.

    Probe a URL that is cheap to answer: a session's tokened URL would make Voila run the notebook.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (a loopback URL we built)
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:g} s")


def stop(process: Popen[bytes], grace: float = 15) -> int:
    """Stop a server with SIGTERM (it shuts its kernels down first); kill it if it will not stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.lab.present", description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="a notebook, or a folder of notebooks (notebooks/)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 for any free port")
    args = parser.parse_args(argv)
    try:
        session = new_session(args.target, args.port)
    except FileNotFoundError as exc:
        print(f"labkit present: {exc}", file=sys.stderr)
        return 2
    process = session.start()
    try:
        wait_ready(session.address, process)
        print(
            f"\nlabkit present: open {session.url}\n(only this machine can connect; Ctrl-C stops)\n",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        return stop(process)
    except (RuntimeError, TimeoutError) as exc:
        print(f"labkit present: {exc}", file=sys.stderr)
        stop(process)
        return 1


if __name__ == "__main__":
    sys.exit(main())
