"""The browser figure: how long a click on an explorer takes to change what it shows, in a real JupyterLab.

JupyterLab and Debian's Chromium (driven by Playwright) run on loopback with every per-user folder in a
temporary directory, as in the browser tests. A notebook written for the run shows the five explorers;
the page runs all its cells, then each control is operated with real input events (a click, a choice in a
drop-down, an arrow key on a slider, text and Enter), the controls taking turns round by round. A
stopwatch in the page starts at the input event and stops when the explorer's picture changes in the DOM
(for stepping the replayer: its event line, which changes at every step while the picture may not). The
replayer's ▶ is the cheapest round trip there is and is measured in the same run as the baseline.
Sliders are also dragged: from the last move of the mouse to the last change of the picture.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Figure
from labkit.lab import present

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("LABKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
USER_DIRS = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
)
TIMEOUT_MS = 120_000
TARGET_MS = 100.0
SETTLE_MS = 300.0
REPLAYED = ROOT / "data" / "traces" / "cluster-move-busy-dll.jsonl"
CELLS = (
    "from labkit.widgets import HealthExplorer, OfflineFlagExplorer, PendingTimeoutExplorer",
    "from labkit.widgets import SessionExplorer, TraceReplayer",
    'OfflineFlagExplorer("move-busy-dll")',
    'SessionExplorer("crash-during-lookup")',
    "PendingTimeoutExplorer()",
    "HealthExplorer()",
    f"TraceReplayer({str(REPLAYED)!r})",
)
"""The notebook the figure runs: one explorer per cell."""

STOPWATCH = """
([root, events, watch]) => ({done: new Promise(resolve => {
    const ids = new WeakMap();
    const id = node => { if (!ids.has(node)) ids.set(node, ids.size + 1); return ids.get(node); };
    const shown = {
        picture: () => {
            const box = root.querySelector('.labkit-picture-box') || root.querySelector('.widget-output');
            const drawn = box === null ? null : box.querySelector('svg, img');
            const what = drawn === null ? '' : drawn.getAttribute('src') || drawn.outerHTML;
            return drawn === null ? '' : `${id(drawn)} ${what}`;
        },
        sentence: () => {
            const line = root.querySelector('.labkit-sentence-box') || root.querySelector('.widget-html');
            return line === null ? '' : line.textContent;
        },
    }[watch];
    const before = shown();
    let start = null;
    const arm = () => { if (start === null) start = performance.now(); };
    for (const name of events) document.addEventListener(name, arm, {capture: true, once: true});
    const observer = new MutationObserver(() => {
        if (start !== null && shown() !== before) {
            observer.disconnect();
            resolve(performance.now() - start);
        }
    });
    observer.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(null); }, 30000);
})})
"""
"""Start at the first of ``events`` the page sees, stop when what ``watch`` names changes in the
explorer (``picture``: its picture element, or a new one; ``sentence``: its line of text). The promise
``done`` gives the ms, or null when nothing changed within 30 s: it is wrapped in an object, so that
evaluating this does not wait for it and the input can be sent meanwhile."""

DRAG_RECORDER = """
([root, readout, watch]) => {
    const shown = watch === 'picture'
        ? () => { const s = root.querySelector('.labkit-picture-box svg'); return s ? s.outerHTML : ''; }
        : () => { const s = root.querySelector('.labkit-sentence-box'); return s ? s.textContent : ''; };
    const record = {moves: [], changes: [], values: [readout.textContent]};
    let last = shown();
    new MutationObserver(() => {
        const now = shown();
        if (now !== last) { last = now; record.changes.push(performance.now()); }
        if (readout.textContent !== record.values[record.values.length - 1]) {
            record.values.push(readout.textContent);
            record.moves.push(performance.now());
        }
    }).observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
    window.__labkitDrag = record;
}
"""
"""Record when the slider's value moved (its readout, which the browser updates at once) and when what
the explorer shows changed."""


@dataclass(frozen=True)
class Control:
    """One explorer control and how to operate it the k-th time."""

    explorer: str
    """The explorer's CSS class (``labkit-offline-explorer`` …)."""
    name: str
    act: Callable[[Any, int], None]
    events: tuple[str, ...] = ("pointerdown",)
    watch: str = "picture"


def _flag(root: Any, k: int) -> None:
    names = (
        "QUEUE_ENABLED",
        "IGNORE_RESOURCE_STATUS",
        "RETURN_TO_SOURCE_NODE_ON_ERROR",
        "DUE_TO_EMBEDDED_FAILURE",
    )
    name = names[k % len(names)]  # each click a new combination: the boxes fill up, then empty
    root.locator(".widget-checkbox").filter(has_text=name).get_by_text(name, exact=True).click()


def _select(description: str) -> Callable[[Any, int], None]:
    """Choose the next option that changes the picture: one the picture's title does not name already
    (a provider that is the scenario's own, chosen by name, draws the same picture)."""

    def act(root: Any, _k: int) -> None:
        select = root.locator(".widget-dropdown").filter(has_text=description).first.locator("select")
        values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        title = root.locator(".labkit-picture-box svg").get_attribute("aria-label") or ""
        start = values.index(select.input_value())
        for step in range(1, len(values)):
            value = values[(start + step) % len(values)]
            if value not in title and not value.startswith("("):
                select.select_option(value)
                return
        raise RuntimeError(f"{description}: no choice changes the picture")

    return act


def _toggle(description: str) -> Callable[[Any, int], None]:
    def act(root: Any, _k: int) -> None:
        buttons = root.locator(".widget-toggle-buttons").filter(has_text=description).first.locator("button")
        pressed = [b.get_attribute("class") or "" for b in buttons.all()]
        current = next(i for i, c in enumerate(pressed) if "mod-active" in c)
        buttons.nth((current + 1) % len(pressed)).click()

    return act


def _key(description: str) -> Callable[[Any, int], None]:
    """An arrow key on the slider's handle: right, left, … (never past an end)."""

    def act(root: Any, k: int) -> None:
        handle = root.locator(".widget-slider").filter(has_text=description).first.locator(".noUi-handle")
        now, low, high = (float(handle.get_attribute(f"aria-value{a}") or 0) for a in ("now", "min", "max"))
        right = (k % 2 == 0 or now <= low) and now < high
        handle.press("ArrowRight" if right else "ArrowLeft")

    return act


def _button(text: str) -> Callable[[Any, int], None]:
    return lambda root, _k: root.get_by_role("button", name=text, exact=True).click()


def _follow(root: Any, _k: int) -> None:
    root.locator(".widget-checkbox").filter(has_text="follow the cursor").locator("input").click()


def _lanes(root: Any, k: int) -> None:
    box = root.locator(".widget-text").filter(has_text="lanes").locator("input")
    box.fill(("resource", "group", "")[k % 3])
    box.press("Enter")


OFFLINE, SESSIONS, PENDING, HEALTH, REPLAYER = (
    "labkit-offline-explorer",
    "labkit-session-explorer",
    "labkit-pending-explorer",
    "labkit-health-explorer",
    "labkit-trace-replayer",
)
BASELINE = Control(REPLAYER, "TraceReplayer: ▶", _button("▶"), watch="sentence")
CONTROLS = (
    BASELINE,
    Control(OFFLINE, "OfflineFlagExplorer: a flag (click on its name)", _flag),
    Control(OFFLINE, "OfflineFlagExplorer: scenario", _select("scenario"), ("change",)),
    Control(OFFLINE, "OfflineFlagExplorer: DLL", _select("DLL"), ("change",)),
    Control(OFFLINE, "OfflineFlagExplorer: OS", _select("OS"), ("change",)),
    Control(SESSIONS, "SessionExplorer: scenario", _select("scenario"), ("change",)),
    Control(SESSIONS, "SessionExplorer: provider", _select("provider"), ("change",)),
    Control(SESSIONS, "SessionExplorer: crash →", _toggle("crash")),
    Control(SESSIONS, "SessionExplorer: clients (arrow key)", _key("clients"), ("keydown",)),
    Control(PENDING, "PendingTimeoutExplorer: DLL", _toggle("DLL")),
    Control(
        PENDING, "PendingTimeoutExplorer: PendingTimeout (arrow key)", _key("PendingTimeout"), ("keydown",)
    ),
    Control(
        PENDING, "PendingTimeoutExplorer: report interval (arrow key)", _key("a report every"), ("keydown",)
    ),
    Control(HEALTH, "HealthExplorer: scenario", _select("scenario"), ("change",)),
    Control(HEALTH, "HealthExplorer: RestartAction", _select("RestartAction"), ("change",)),
    Control(HEALTH, "HealthExplorer: RestartThreshold (arrow key)", _key("RestartThreshold"), ("keydown",)),
    Control(
        HEALTH, "HealthExplorer: LooksAlive interval (arrow key)", _key("LooksAlive every"), ("keydown",)
    ),
    Control(REPLAYER, "TraceReplayer: ◀", _button("◀"), watch="sentence"),
    Control(REPLAYER, "TraceReplayer: event (arrow key)", _key("event"), ("keydown",), "sentence"),
    Control(REPLAYER, "TraceReplayer: follow the cursor", _follow),
    Control(REPLAYER, "TraceReplayer: lanes (text, Enter)", _lanes, ("keydown",)),
)
QUICK = (BASELINE, CONTROLS[1])
DRAGS = (
    (REPLAYER, "TraceReplayer: drag the event slider", "event", "sentence"),
    (SESSIONS, "SessionExplorer: drag the clients slider", "clients", "picture"),
)
"""(explorer, name, slider description, what changes)."""


@contextlib.contextmanager
def jupyter_lab(base: Path) -> Iterator[tuple[str, dict[str, str | float | bool]]]:
    """JupyterLab on 127.0.0.1 serving ``base/root``: the address of its notebook and the environment."""
    env: dict[str, str | float | bool] = dict(os.environ)
    for variable in USER_DIRS:
        folder = base / "user" / variable.lower()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        env[variable] = str(folder)
    settings = base / "settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(SETTINGS))
    port, token = present.free_port(), secrets.token_hex(24)
    command = present.jupyterlab_command(base / "root", settings, port, token)
    url = f"http://127.0.0.1:{port}/"
    with open(base / "server.log", "wb") as log:
        server_env = {k: str(v) for k, v in env.items()}
        process = subprocess.Popen(command, env=server_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            present.wait_ready(f"{url}api/status?token={token}", process)
            yield f"{url}lab/tree/bench.ipynb?reset&token={token}", env
        finally:
            present.stop(process)


def write_notebook(path: Path, cells: tuple[str, ...]) -> None:
    """A notebook of code cells, without outputs."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{k}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for k, source in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))


@contextlib.contextmanager
def explorers_page() -> Iterator[Any]:
    """A Chromium page on a JupyterLab notebook whose cells have run: the five explorers, idle."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="labkit-bench-browser-") as tmp:
        base = Path(tmp)
        write_notebook(base / "root" / "bench.ipynb", CELLS)
        with jupyter_lab(base) as (address, env), sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=env
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(address)
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
            _idle(page)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_function(
                "() => document.querySelectorAll('.jp-NotebookPanel .labkit-explorer').length === 5"
            )
            _idle(page)
            yield page
            browser.close()


def _idle(page: Any) -> None:
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for()


def click_times(page: Any, rounds: int, controls: tuple[Control, ...]) -> dict[str, list[float]]:
    """Each control operated ``rounds`` times, taking turns: input → changed picture, in ms.

    Moving to another explorer, its notebook cell is activated first by a click on its sentence (not
    timed): JupyterLab spends 30-50 ms activating a cell, the same for every control, whichever it is.
    """
    times: dict[str, list[float]] = {c.name: [] for c in controls}
    current = ""
    for k in range(rounds):
        for control in controls:
            root = page.locator(f".jp-NotebookPanel .{control.explorer}")
            root.scroll_into_view_if_needed()
            if control.explorer != current:
                root.locator(".labkit-sentence-box").click()
                _idle(page)
                current = control.explorer
            waiting = page.evaluate_handle(
                STOPWATCH, [root.element_handle(), list(control.events), control.watch]
            )
            control.act(root, k)
            took = page.evaluate("(stopwatch) => stopwatch.done", waiting)
            if took is None:
                raise RuntimeError(f"{control.name}: nothing changed within 30 s of the input")
            times[control.name].append(float(took))
            _idle(page)
    return times


def drag_settle(page: Any, explorer: str, slider: str, watch: str) -> tuple[float, int]:
    """Drag a slider's handle across most of its track for a second; (ms from the slider's last move to
    the last change of what the explorer shows, how many times that changed during and after the drag)."""
    root = page.locator(f".jp-NotebookPanel .{explorer}")
    root.scroll_into_view_if_needed()
    track = root.locator(".widget-slider").filter(has_text=slider).first.locator(".noUi-target")
    handle = track.locator(".noUi-handle")
    readout = root.locator(".widget-slider").filter(has_text=slider).first.locator(".widget-readout")
    box, start = track.bounding_box(), handle.bounding_box()
    page.evaluate(DRAG_RECORDER, [root.element_handle(), readout.element_handle(), watch])
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    target = box["x"] + box["width"] * (0.9 if x < box["x"] + box["width"] / 2 else 0.1)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 41):
        page.mouse.move(x + (target - x) * step / 40, y)
        page.wait_for_timeout(25)
    page.mouse.up()
    page.wait_for_timeout(1500)
    _idle(page)
    record = page.evaluate("() => window.__labkitDrag")
    if not record["changes"] or not record["moves"]:
        raise RuntimeError(f"dragging {slider}: nothing changed")
    return max(0.0, record["changes"][-1] - record["moves"][-1]), len(record["changes"])


def p90(values: list[float]) -> float:
    """The 90th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def browser_figure(quick: bool, rounds: int = 12) -> list[Figure]:
    """Every explorer control, input → changed picture in JupyterLab + Chromium, against ▶; slider drags."""
    rounds = 1 if quick else rounds
    controls = QUICK if quick else CONTROLS
    with explorers_page() as page:
        times = click_times(page, rounds, controls)
        drags = {
            name: [drag_settle(page, e, s, w) for _ in range(1 if quick else 5)] for e, name, s, w in DRAGS
        }
    base = statistics.median(times[BASELINE.name])
    rows = [
        Figure(
            f"browser: {BASELINE.name}, input → event line (p90 {p90(times[BASELINE.name]):.0f} ms)",
            base,
            None,
            "ms",
            "(the baseline)",
            True,
        )
    ]
    for control in controls[1:]:
        ms = times[control.name]
        median = statistics.median(ms)
        rows.append(
            Figure(
                f"browser: {control.name}, input → {control.watch} (p90 {p90(ms):.0f} ms)",
                median,
                base,
                "ms",
                f"≤ {TARGET_MS:g} ms median",
                median <= TARGET_MS,
                "▶, same run",
            )
        )
    for name, found in drags.items():
        settle = statistics.median(s for s, _ in found)
        changes = statistics.median(c for _, c in found)
        rows.append(
            Figure(
                f"browser: {name}, last move → settled ({changes:g} redraws a drag)",
                settle,
                base,
                "ms",
                f"≤ {SETTLE_MS:g} ms median",
                settle <= SETTLE_MS,
                "▶, same run",
            )
        )
    return rows


def available() -> bool:
    """Whether the figure can run here (Debian's Chromium, Playwright)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.is_file()


if __name__ == "__main__":
    for row in browser_figure(
        quick="--quick" in sys.argv, rounds=int(sys.argv[-1]) if sys.argv[-1].isdigit() else 12
    ):
        print(f"{row.name:95s} {row.labkit:7.0f} ms  {row.target}  met={row.met}")
