"""What the notebook, site and browser tests share: the lab's paths, and one run of each notebook."""

import contextlib
import functools
import os
import subprocess
from pathlib import Path

import pytest

from labkit.lab import notebooks, present, site

ROOT = Path(__file__).resolve().parent.parent
LAB = notebooks.find(ROOT / "notebooks")
"""The lab's notebooks, in reading order."""
FIXTURES = notebooks.find(ROOT / "tests" / "notebooks")
"""Notebooks that exist for the tests (a widget to click)."""
SITE_ASSETS = ROOT / "build" / "site-assets"


@functools.cache
def executed(path):
    """``path`` run top to bottom, once per test session (callers must not modify the notebook)."""
    return notebooks.execute(path, ROOT)


def unavailable(message):
    """Skip the test with a message saying how to enable it, except under CI, where that is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is a failure rather than a skip)")
    pytest.skip(message)


def site_assets():
    """The fetched npm files the site needs; tests never fetch them (no network in tests)."""
    if site.missing_assets(SITE_ASSETS):
        unavailable(f"the site's npm files are not in {SITE_ASSETS}: run `make assets` (make test does)")
    return SITE_ASSETS


ISOLATED_DIRS = {
    "HOME": "home",
    "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data",
    "XDG_CACHE_HOME": "cache",
    "XDG_RUNTIME_DIR": "runtime",
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}


def isolated_env(base):
    """os.environ with every per-user folder (Jupyter, IPython, matplotlib, Chromium) inside ``base``."""
    env = dict(os.environ)
    for variable, name in ISOLATED_DIRS.items():
        folder = base / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        env[variable] = str(folder)
    return env


@contextlib.contextmanager
def serving(command, probe_url, env, log_path):
    """A server started with ``command``, ready once ``probe_url`` answers, stopped (SIGTERM) afterwards.

    Its output goes to ``log_path``; if it does not come up, the test fails showing the end of that log.
    """
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            present.wait_ready(probe_url, process)
        except (RuntimeError, TimeoutError) as exc:
            present.stop(process)
            pytest.fail(f"the server did not start: {exc}\n{log_path.read_text()[-3000:]}")
        try:
            yield process
        finally:
            present.stop(process)
