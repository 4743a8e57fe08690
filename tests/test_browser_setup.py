"""Browser tests without a browser: skipped with how to get one, but a failure when CI is set."""

import os
import subprocess
import sys

import pytest

from tests.lab import ROOT

ONE_BROWSER_TEST = "tests/browser/test_jupyterlab.py::test_contents_runs_all_cells_in_jupyterlab"


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_missing_chromium_is_a_skip_or_under_ci_a_failure(ci, outcome):
    """The message says how to install Chromium either way; only CI turns it into a failure."""
    env = dict(os.environ, LABKIT_CHROMIUM="/nonexistent/chromium", CI=ci)
    command = [sys.executable, "-m", "pytest", ONE_BROWSER_TEST, "-q", "-rs", "-p", "no:cacheprovider"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.stdout.splitlines()[-1].startswith(outcome), done.stdout
    assert (
        "no Chromium at /nonexistent/chromium: install it with `apt-get install -y chromium`" in done.stdout
    )
