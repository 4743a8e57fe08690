"""Browser fixtures: Debian's Chromium driven by Playwright, a JupyterLab server, and a network guard.

Everything runs on loopback in folders of its own: one JupyterLab server and one Chromium per test
session (each test gets a fresh browser context), a temporary HOME and Jupyter/IPython/matplotlib dirs,
and a copy of the notebooks, so nothing a browser does reaches the working tree.

Chromium is Debian's package at /usr/bin/chromium (or $LABKIT_CHROMIUM): Playwright only drives it,
``playwright install`` is never needed. Without Chromium the tests are skipped with how to enable them,
except when $CI is set: there a missing browser fails the run.
"""

import ipaddress
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from labkit.lab import present
from tests.lab import ROOT, isolated_env, serving, unavailable

CHROMIUM = Path(os.environ.get("LABKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home (updates, sync, field trials) through the closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETTINGS_OVERRIDES = {
    # No "Jupyter news" toast over the notebook, no update check against PyPI.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # Keep every cell in the DOM, even off screen, so tests can find any cell's output.
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
TIMEOUT_MS = 60_000
"""Longest wait for anything in a page (CI machines are slow; nothing is timed, only waited for)."""
STDOUT = '[data-mime-type="application/vnd.jupyter.stdout"]'
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
KERNEL_IDLE = re.compile(r"\| Idle$")
"""The status bar's kernel item once the kernel has started and is not busy."""


def is_loopback(url):
    """True for URLs that stay on this machine: loopback hosts, files, data and blob URLs."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkGuard:
    """Blocks every request and WebSocket that would leave loopback, and records each attempt."""

    blocked: list = field(default_factory=list)
    """URLs a page tried to reach off this machine, in order."""
    requests: list = field(default_factory=list)
    """Every URL the pages requested, blocked or not."""

    def install(self, context):
        context.on("request", lambda request: self.requests.append(request.url))
        context.route(lambda url: not is_loopback(url), self._block)
        context.route_web_socket(lambda url: not is_loopback(url), self._block_web_socket)

    def _block(self, route):
        self.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def _block_web_socket(self, socket):
        self.blocked.append(socket.url)
        socket.close()


@pytest.fixture(scope="session")
def browser_env(tmp_path_factory):
    """Environment for the servers and the browser: every per-user folder in a temporary directory."""
    return isolated_env(tmp_path_factory.mktemp("browser-home"))


@pytest.fixture(scope="session")
def chromium(browser_env):
    """Debian's Chromium, headless, launched once per session."""
    if not CHROMIUM.is_file():
        unavailable(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=browser_env
        )
        yield browser
        browser.close()


@pytest.fixture
def guard():
    return NetworkGuard()


@pytest.fixture
def page(chromium, guard):
    """A page in a fresh browser context whose off-machine requests are blocked and recorded in ``guard``."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    guard.install(context)
    page = context.new_page()
    yield page
    context.close()


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: its address, token and the folder it serves."""

    url: str
    token: str
    root: Path

    def tree_url(self, path):
        """The address that opens ``path`` (relative to the served folder) alone: ``reset`` drops the tabs
        that earlier tests left open in the saved workspace."""
        return f"{self.url}lab/tree/{quote(path)}?reset&token={self.token}"


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory, browser_env, chromium):
    """JupyterLab on 127.0.0.1, a free port and a random token, serving a copy of the lab's notebooks."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    for folder in ("notebooks", "tests/notebooks", "data"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES))
    port, token = present.free_port(), secrets.token_hex(24)
    command = present.jupyterlab_command(root, settings, port, token)
    url = f"http://127.0.0.1:{port}/"
    with serving(command, f"{url}api/status?token={token}", browser_env, base / "server.log"):
        yield LabServer(url, token, root)


class NotebookPage:
    """A notebook open in JupyterLab, with the few actions the tests need."""

    def __init__(self, page):
        self.page = page
        self.panel = page.locator(".jp-NotebookPanel:visible")
        """The notebook's own panel: cells, prompts and outputs are looked up inside it only."""

    def run_all(self):
        """Run every cell from the Run menu and wait until all have run and the kernel is idle."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        self._wait_for_prompts("prompts.every(p => p !== null)", None)
        self.wait_idle()

    def run_cell(self, index):
        """Run code cell ``index`` (0-based among code cells; -1 is the last) again and wait for it."""
        highest = max(self.execution_counts(), default=0)
        cells = self.panel.locator(".jp-CodeCell")
        index = index % cells.count()
        cells.nth(index).locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Control+Enter")  # run in place: Shift+Enter on the last cell adds one
        self._wait_for_prompts("prompts[arg[0]] > arg[1]", [index, highest])
        self.wait_idle()

    def _wait_for_prompts(self, condition, arg):
        """Wait until ``condition`` holds over the code cells' execution counts (null where not run yet)."""
        self.page.wait_for_function(
            f"""([panel, arg]) => {{
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => {{
                    const match = /^\\[(\\d+)\\]:$/.exec(p.textContent.trim());
                    return match === null ? null : Number(match[1]);
                }});
                return prompts.length > 0 && ({condition});
            }}""",
            arg=[self.panel.element_handle(), arg],
        )

    def wait_idle(self):
        """Wait for the status bar to say the kernel is Idle (the toolbar's indicator says so too early)."""
        self.page.locator("#jp-main-statusbar").get_by_text(KERNEL_IDLE).wait_for()

    def execution_counts(self):
        prompts = self.panel.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
        return [int(m.group(1)) for p in prompts if (m := re.match(r"^\[(\d+)\]:$", p.strip()))]

    def stdout(self):
        """The text of every stdout output area in page order (not the source, which holds the same words)."""
        return self.panel.locator(STDOUT).all_inner_texts()


@pytest.fixture
def open_notebook(jupyter_lab, page):
    """Open a notebook (path relative to the project root) in JupyterLab, ready with an idle kernel."""

    def open_(path):
        page.goto(jupyter_lab.tree_url(path))
        page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for()
        notebook = NotebookPage(page)
        notebook.wait_idle()
        return notebook

    return open_
