"""Live sessions (``make present``): notebooks served as apps by Voila, on this machine only, with a token.

Voila runs each notebook in its own kernel and shows only its outputs and widgets, so an explorer
notebook becomes an app a trainer can put on a projector. The server listens on 127.0.0.1 only and asks
for a token, printed with the address to open once the server answers. A Content-Security-Policy keeps
the pages from loading anything but the server's own files (Voila's templates link Font Awesome from a
CDN: the browser refuses it, and only a few icons go missing).

One notebook is served from its folder and opened directly, so its "Next" and "contents" links reach
the other notebooks. By default the port is Voila's usual 8866 (another free one when it is taken) and
the token is new every time; a class that wants a bookmark gives both (``--port``, and ``--token`` or
``--token-file``, which keeps a generated token between runs).

What that exposes: whoever holds the address and token can run every notebook of the folder, and so any
code, as the user who started the server, for as long as it runs. On 127.0.0.1 that is someone logged
in on this machine; a token that never changes stays valid in bookmarks, browser history and shell
history. ``--ip`` opens the server to other machines (a classroom network) and says so when it starts.

    python -m labkit.lab.present notebooks                     # the notebook list; pick one to run as an app
    python -m labkit.lab.present notebooks/03-X.ipynb --port 0 # one notebook (and its neighbours), any port
    python -m labkit.lab.present notebooks --port 8900 --token-file ~/.labkit-present-token
"""

from __future__ import annotations

import argparse
import os
import re
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
from urllib.parse import quote

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8866
"""Voila's usual port; when it is taken, any free port is used instead (unless the port was asked for)."""
TOKEN = re.compile(r"[A-Za-z0-9._~-]{16,}")
"""A token a class may choose: at least 16 URL-safe characters (it goes into the address as it is)."""


def content_security_policy(ip: str = LOOPBACK) -> str:
    """Pages may load and connect to the server itself only (widgets need inline scripts, data: images)."""
    return (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
        f"connect-src 'self' ws://{ip}:*; frame-ancestors 'self'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _available(port: int, ip: str = LOOPBACK) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class Session:
    """One Voila server for a folder of notebooks, opened on one of them or on the list."""

    folder: Path
    """What Voila serves: its notebooks, each an app."""
    port: int
    token: str = field(repr=False)
    """The secret a browser must present."""
    start: str = ""
    """The notebook to open first (relative to ``folder``); empty for the list of notebooks."""
    ip: str = LOOPBACK
    """The address the server listens on."""

    @property
    def target(self) -> Path:
        """The notebook opened first, or the folder."""
        return self.folder / self.start if self.start else self.folder

    @property
    def address(self) -> str:
        """The server's address without the token (it answers with the login page)."""
        return f"http://{self.ip}:{self.port}/"

    @property
    def url(self) -> str:
        """The address to open, token included: the notebook's app, or the list."""
        page = f"voila/render/{quote(self.start)}" if self.start else ""
        return f"{self.address}{page}?token={self.token}"

    def command(self) -> list[str]:
        """The Voila command line: this address and token, no browser, tracebacks shown to the room."""
        return [
            sys.executable,
            "-c",
            f"from labkit.lab.present import run_voila; run_voila({self.ip!r})",
            str(self.folder),
            "--no-browser",
            f"--Voila.ip={self.ip}",
            f"--port={self.port}",
            "--Voila.port_retries=0",
            f"--token={self.token}",
            "--show_tracebacks=True",
        ]

    def start_server(
        self, env: Mapping[str, str] | None = None, log: IO[bytes] | None = None
    ) -> Popen[bytes]:
        """Start the server, with ``env`` as its environment and its output into ``log`` if given."""
        stderr = subprocess.STDOUT if log is not None else None
        return subprocess.Popen(self.command(), env=env, stdout=log, stderr=stderr)  # noqa: S603


def run_voila(ip: str = LOOPBACK) -> None:
    """Voila's own entry point, with the Content-Security-Policy header (Voila's arguments in sys.argv).

    The header is set here because the command-line form for a nested dict option is deprecated.
    """
    from voila.app import Voila  # type: ignore[import-untyped]

    headers = {"Content-Security-Policy": content_security_policy(ip)}
    Voila.launch_instance(tornado_settings={"headers": headers})


def new_session(
    target: str | Path,
    port: int = DEFAULT_PORT,
    *,
    token: str | None = None,
    ip: str = LOOPBACK,
) -> Session:
    """A session for a notebook (served with its folder, opened first) or a folder.

    ``port`` 0 means any free port; the default port gives way to a free one when taken, a port asked for
    does not (the server then fails to start and says so). ``token`` None draws a fresh one; a token given
    must be at least 16 URL-safe characters.
    """
    target = Path(target)
    if not target.exists():
        raise FileNotFoundError(f"{target}: no such notebook or folder")
    if token is not None and not TOKEN.fullmatch(token):
        raise ValueError("a token must be at least 16 characters among A-Z a-z 0-9 . _ ~ -")
    if port == 0 or (port == DEFAULT_PORT and not _available(port, ip)):
        port = free_port()
    folder, start = (target.parent, target.name) if target.is_file() else (target, "")
    return Session(folder, port, token or secrets.token_urlsafe(24), start, ip)


def token_from_file(path: str | Path) -> str:
    """The token kept in ``path``; a new one (written with mode 0600) when the file does not exist yet."""
    path = Path(path).expanduser()
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    token = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token


def jupyterlab_command(root: Path, settings: Path, port: int, token: str) -> list[str]:
    """JupyterLab serving ``root`` on the loopback ``port`` with ``token``, its settings overridden from
    ``settings`` (a folder holding ``overrides.json``), no browser opened: what the browser tests and the
    browser benchmark start."""
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ip={LOOPBACK}", f"--port={port}"]
    command += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings}"]
    return command + (["--allow-root"] if os.geteuid() == 0 else [])


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
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 for any free port (default 8866)")
    tokens = parser.add_mutually_exclusive_group()
    tokens.add_argument("--token", help="a fixed token (at least 16 URL-safe characters) for a bookmark")
    tokens.add_argument("--token-file", type=Path, help="keep the token in this file between runs")
    parser.add_argument("--ip", default=LOOPBACK, help="listen on this address (default 127.0.0.1 only)")
    args = parser.parse_args(argv)
    try:
        token = token_from_file(args.token_file) if args.token_file else args.token
        session = new_session(args.target, args.port, token=token, ip=args.ip)
    except (FileNotFoundError, ValueError) as exc:
        print(f"labkit present: {exc}", file=sys.stderr)
        return 2
    process = session.start_server()
    try:
        wait_ready(session.address, process)
        print(f"\nlabkit present: open {session.url}\n{_reach(session)}\n", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return stop(process)
    except (RuntimeError, TimeoutError) as exc:
        print(f"labkit present: {exc}", file=sys.stderr)
        stop(process)
        return 1


def _reach(session: Session) -> str:
    """Who can reach the session, in one line."""
    if session.ip == LOOPBACK:
        return "(only this machine can connect, with the token; Ctrl-C stops)"
    return (
        f"(listening on {session.ip}: any machine that reaches it and knows the token can run these "
        "notebooks' code as you; Ctrl-C stops)"
    )


if __name__ == "__main__":
    sys.exit(main())
