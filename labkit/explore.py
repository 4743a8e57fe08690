"""The explorers' logic without Jupyter: each model takes what the user picked and returns what to show
(a figure, a table, one line of text). `labkit.widgets` only wires ipywidgets to these models, so every
behaviour here is tested in plain pytest.

- `OfflineExplorerModel`: a cluster scenario, DLL, OS profile and OfflineV2 flags → the timeline, the
  offline summary and what the flags changed against none (the no-flag run is kept, so a toggle costs
  one simulation).
- `HealthExplorerModel`: a health scenario and the failure-policy knobs (poll intervals, DeadlockTimeout,
  RestartAction, RestartThreshold / RestartPeriod, FailoverThreshold, RetryPeriodOnFailure) → the
  timeline, the health summary and one line on what happened.
- `SessionExplorerModel`: an NSPv2 scenario, provider, crash policy and number of clients → the session
  lifecycle, the session summary and how the sessions ended.
- `ReplayModel`: a trace and a position → every subject's state there, the event, and the timeline with
  a cursor that moves without drawing the figure again.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave

from labkit import cluster, nspv2, winapi
from labkit.engine.run import Run
from labkit.exceptions import TraceProblem, UnknownNameError
from labkit.readback.diff import TraceDiff, diff
from labkit.readback.health import resource_health
from labkit.readback.replay import replay
from labkit.text import counted, event_text
from labkit.trace import Trace, read_trace
from labkit.trace.literal import LiteralFrame
from labkit.views.plots import cursor_line, session_lifecycle, timeline
from labkit.views.tables import health_summary, offline_summary, session_summary
from labkit.winapi import OfflineFlags

DPI = 80
"""Resolution of the explorers' pictures: sharp enough on screen, quick to encode."""
DATA_TRACES = Path(__file__).resolve().parent.parent / "data" / "traces"
"""The recorded traces that come with labkit (a source checkout)."""
MAX_STATE_ROWS = 200
"""The replayer's state table shows at most this many subjects (the rest are counted)."""


def figure_png(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, drawn once with Agg (no pyplot, any backend).

    Cheaper than ``savefig``, which draws twice (once to lay out, once to render); the PNG is written
    with light compression because it is shown once and thrown away.
    """
    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    return _png(canvas)


def _png(canvas: FigureCanvasAgg) -> bytes:
    buffer = io.BytesIO()
    pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    imsave(buffer, pixels, format="png", dpi=canvas.figure.dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """A table's rows as plain dicts (missing values as None), for a widget's recorded state."""
    return tuple(
        {str(k): (None if v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    )


@dataclass(frozen=True)
class Rendered:
    """What a widget showed last: recorded in Python so notebooks and tests can check it."""

    state: Any
    """The model state it rendered (a choice, or the trace and position)."""
    rows: tuple[dict[str, Any], ...]
    """The table's rows."""
    text: str
    """The one line under the figure (or the error, when the choice could not run)."""
    title: str = ""
    """The figure's title."""
    error: bool = False
    """Whether ``text`` is an error message instead of a result."""


# --------------------------------------------------------------------------------------------------------
# OfflineV2 flags
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfflineChoice:
    """What the offline explorer shows: a scenario, a DLL, an OS profile and the flags asked for."""

    scenario: str
    """A cluster scenario name."""
    dll: str = ""
    """A DLL name; empty for the scenario's own DLL."""
    os: str = "2016"
    """A cluster OS profile (``2012``, ``2012r2``, ``2016``)."""
    flags: OfflineFlags = OfflineFlags(0)  # noqa: RUF009 - an immutable int flag
    """The OfflineFlags the scenario's requests ask for."""

    @property
    def available(self) -> OfflineFlags:
        """The flags the OS profile knows."""
        return winapi.cluster_profile(self.os).offline_flags

    def normalised(self) -> OfflineChoice:
        """The same choice with the OS profile's canonical name and without the flags it lacks."""
        profile = winapi.cluster_profile(self.os)
        return replace(self, os=profile.name, flags=OfflineFlags(self.flags & profile.offline_flags))

    def toggled(self, flag: OfflineFlags, on: bool) -> OfflineChoice:
        """The choice with one flag set or cleared."""
        return replace(self, flags=OfflineFlags(self.flags | flag if on else self.flags & ~flag))


@dataclass(frozen=True)
class OfflineView:
    """What one offline choice looks like."""

    choice: OfflineChoice
    run: Run
    figure: Figure
    """The timeline (close it, or let it go, once shown: it is not registered with pyplot)."""
    table: pd.DataFrame
    """The offline summary."""
    diff: TraceDiff
    """The run against the same scenario, DLL and OS with no flags."""

    @property
    def text(self) -> str:
        """One line: what the flags changed against none."""
        if not self.choice.flags:
            return "no flags: this is the run every flag choice is compared with"
        return self.diff.summary()

    def rendered(self) -> Rendered:
        return Rendered(self.choice, records(self.table), self.text, _title(self.figure))


class OfflineExplorerModel:
    """Runs offline choices; keeps the no-flag run of each scenario, DLL and OS (the last 32)."""

    def __init__(
        self,
        scenarios: Iterable[str | cluster.Scenario] | None = None,
        dlls: Mapping[str, Any] | None = None,
    ) -> None:
        chosen = cluster.scenarios.names() if scenarios is None else list(scenarios)
        self.scenarios: dict[str, cluster.Scenario] = {}
        for item in chosen:
            scenario = cluster.scenarios.get(item)
            self.scenarios[scenario.name] = scenario
        self.dlls: dict[str, Any] = dict(cluster.dlls.items()) if dlls is None else dict(dlls)
        self._baselines: OrderedDict[tuple[str, str, str], Trace] = OrderedDict()

    def scenario(self, name: str) -> cluster.Scenario:
        """A scenario of this explorer; an unknown name lists the valid ones."""
        if name not in self.scenarios:
            raise UnknownNameError("cluster scenario", name, list(self.scenarios))
        return self.scenarios[name]

    def run(self, choice: OfflineChoice) -> Run:
        """Simulate one choice (flags the OS lacks are dropped first)."""
        choice = choice.normalised()
        dll = None
        if choice.dll:
            if choice.dll not in self.dlls:
                raise UnknownNameError("resource DLL", choice.dll, list(self.dlls))
            dll = self.dlls[choice.dll]
        return cluster.simulate(self.scenario(choice.scenario), flags=choice.flags, os=choice.os, dll=dll)

    def baseline(self, choice: OfflineChoice) -> Trace:
        """The run with no flags for the choice's scenario, DLL and OS."""
        key = self._key(choice)
        if key in self._baselines:
            self._baselines.move_to_end(key)
            return self._baselines[key]
        return self._keep(key, self.run(replace(choice, flags=OfflineFlags(0))).trace)

    @staticmethod
    def _key(choice: OfflineChoice) -> tuple[str, str, str]:
        return (choice.scenario, choice.dll, winapi.cluster_profile(choice.os).name)

    def _keep(self, key: tuple[str, str, str], trace: Trace) -> Trace:
        """Keep a no-flag run (and with it its replay) for the next toggles; the last 32 are kept."""
        self._baselines[key] = trace
        self._baselines.move_to_end(key)
        if len(self._baselines) > 32:
            self._baselines.popitem(last=False)
        return trace

    def view(self, choice: OfflineChoice, *, width: float = 11.0) -> OfflineView:
        """Simulate ``choice`` and make its timeline, offline summary and comparison with no flags."""
        choice = choice.normalised()
        run = self.run(choice)
        dll = choice.dll or "its DLL"
        title = f"{choice.scenario} · {dll} · Windows Server {choice.os} · flags {choice.flags}"
        figure = timeline(run.trace, title=title, width=width)
        base = self.baseline(choice) if choice.flags else self._keep(self._key(choice), run.trace)
        return OfflineView(choice, run, figure, offline_summary(run.trace), diff(base, run.trace))


# --------------------------------------------------------------------------------------------------------
# Health and failure policy
# --------------------------------------------------------------------------------------------------------

RESTART_ACTIONS = {
    0: "ClusterResourceDontRestart",
    1: "ClusterResourceRestartNoNotify",
    2: "ClusterResourceRestartNotify",
}
"""RestartAction values by CLUSTER_RESOURCE_RESTART_ACTION name."""
HEALTH_SCENARIOS = (
    "isalive-failure-restart",
    "isalive-failure-failover",
    "failover-threshold-reached",
    "looksalive-hang-separate-monitor",
    "retry-after-failure-period",
)
"""The scenarios the health explorer offers by default: they poll, fail and recover."""


@dataclass(frozen=True)
class HealthChoice:
    """What the health explorer shows: a scenario and the knobs of the failure policy (ms unless said)."""

    scenario: str = "isalive-failure-failover"
    looks_alive_ms: int = 5_000
    """LooksAlivePollInterval."""
    is_alive_ms: int = 60_000
    """IsAlivePollInterval."""
    deadlock_timeout_ms: int = 300_000
    """DeadlockTimeout."""
    restart_action: int = 2
    """RestartAction: 0, 1 or 2 (`RESTART_ACTIONS`)."""
    restart_threshold: int = 3
    """RestartThreshold."""
    restart_period_ms: int = 900_000
    """RestartPeriod."""
    failover_threshold: int = 0xFFFFFFFF
    """FailoverThreshold (0xFFFFFFFF: the number of nodes minus one)."""
    retry_period_ms: int = 3_600_000
    """RetryPeriodOnFailure (0xFFFFFFFF: never); raised to RestartPeriod when below it, as Windows
    requires (`normalised`)."""

    def normalised(self) -> HealthChoice:
        """RetryPeriodOnFailure at least RestartPeriod (its documented minimum), unless it is 'never'."""
        if self.retry_period_ms != 0xFFFFFFFF and self.retry_period_ms < self.restart_period_ms:
            return replace(self, retry_period_ms=self.restart_period_ms)
        return self

    def properties(self) -> dict[str, int]:
        """The resource and group common properties for `labkit.cluster.simulate`."""
        return {
            "LooksAlivePollInterval": self.looks_alive_ms,
            "IsAlivePollInterval": self.is_alive_ms,
            "DeadlockTimeout": self.deadlock_timeout_ms,
            "RestartAction": self.restart_action,
            "RestartThreshold": self.restart_threshold,
            "RestartPeriod": self.restart_period_ms,
            "FailoverThreshold": self.failover_threshold,
            "RetryPeriodOnFailure": self.normalised().retry_period_ms,
        }


@dataclass(frozen=True)
class HealthView:
    """What one health choice looks like."""

    choice: HealthChoice
    run: Run
    figure: Figure
    """The timeline: monitors and resources as lanes, polls as thin ticks."""
    table: pd.DataFrame
    """The health summary: one row per resource."""

    @property
    def text(self) -> str:
        """``Disk: 4 failures, 3 restarts, 1 failover, monitors monitor:1 → monitor:2 · SqlGroup ends
        ClusterGroupOnline on NODE2``."""
        parts = []
        for health in resource_health(self.run.trace):
            counts = [
                _plural(health.failures, "failure"),
                _plural(health.restarts, "restart"),
                _plural(health.failovers, "failover"),
            ]
            moved = f", monitors {' → '.join(health.monitors)}" if health.monitor_changes else ""
            parts.append(f"{health.resource}: {', '.join(counts)}{moved}")
        groups = "; ".join(
            f"{name} ends {g['state']} on {g['node']}" for name, g in self.run.outcome["groups"].items()
        )
        return f"{' · '.join(parts)} · {groups}"

    def rendered(self) -> Rendered:
        return Rendered(self.choice, records(self.table), self.text, _title(self.figure))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class HealthExplorerModel:
    """Runs health choices: always with health checks, the choice's properties over the scenario's."""

    def __init__(self, scenarios: Iterable[str | cluster.Scenario] | None = None) -> None:
        chosen = HEALTH_SCENARIOS if scenarios is None else list(scenarios)
        self.scenarios: dict[str, cluster.Scenario] = {}
        for item in chosen:
            scenario = cluster.scenarios.get(item)
            self.scenarios[scenario.name] = scenario

    def run(self, choice: HealthChoice) -> Run:
        if choice.scenario not in self.scenarios:
            raise UnknownNameError("cluster scenario", choice.scenario, list(self.scenarios))
        scenario = self.scenarios[choice.scenario]
        return cluster.simulate(scenario, properties=choice.properties(), health=True)

    def view(self, choice: HealthChoice, *, width: float = 11.0) -> HealthView:
        """Simulate ``choice`` and make its timeline and health summary."""
        choice = choice.normalised()
        run = self.run(choice)
        action = RESTART_ACTIONS.get(choice.restart_action, str(choice.restart_action))
        title = f"{choice.scenario} · RestartAction {action} · RestartThreshold {choice.restart_threshold}"
        return HealthView(
            choice, run, timeline(run.trace, title=title, width=width), health_summary(run.trace)
        )


# --------------------------------------------------------------------------------------------------------
# NSPv2 sessions
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionChoice:
    """What the session explorer shows."""

    scenario: str
    """An NSPv2 scenario name."""
    provider: str = ""
    """A provider name; empty for the scenario's own."""
    crash: str = "both"
    """What a crashing client triggers: one of `labkit.nspv2.policy.CRASH_CHOICES`."""
    clients: int = 0
    """How many client processes run the scenario's scripts; 0 for the scenario's own number."""


@dataclass(frozen=True)
class SessionView:
    """What one session choice looks like."""

    choice: SessionChoice
    run: Run
    figure: Figure
    """The session lifecycle."""
    table: pd.DataFrame
    """The session summary."""

    @property
    def text(self) -> str:
        """``3 client sessions: 2 ended by Cleanup, 1 by Rundown · faults: none``."""
        endings: dict[str, int] = {}
        for ended in self.table["ended"]:
            endings[str(ended)] = endings.get(str(ended), 0) + 1
        parts = [f"{n} {_ENDED_BY.get(e, e)}" for e, n in endings.items()]
        if parts and parts[0].split(" ", 1)[1].startswith("by "):
            parts[0] = parts[0].replace(" by ", " ended by ", 1)
        count = len(self.table)
        sessions = f"{count} client session{'' if count == 1 else 's'}"
        faults = counted(e.name for e in self.run.faults) or "none"
        return f"{sessions}: {', '.join(parts) or 'none started'} · faults: {faults}"

    def rendered(self) -> Rendered:
        return Rendered(self.choice, records(self.table), self.text, _title(self.figure))


_ENDED_BY = {"Cleanup": "by Cleanup", "Rundown": "by Rundown", "both": "by Rundown + Cleanup"}


def clients_for(scenario: nspv2.Scenario, count: int) -> tuple[nspv2.Client, ...]:
    """The scenario's clients, cut to ``count`` or repeated (new pids after the last) up to ``count``."""
    own = scenario.clients
    if count < 1:
        raise ValueError(f"the number of clients must be at least 1, not {count}")
    if count <= len(own) or not own:
        return own[:count]
    top = max(c.pid for c in own)
    extra = (replace(own[k % len(own)], pid=top + 1 + k) for k in range(count - len(own)))
    return (*own, *extra)


class SessionExplorerModel:
    """Runs session choices."""

    def __init__(self, scenarios: Iterable[str | nspv2.Scenario] | None = None) -> None:
        chosen = nspv2.scenarios.names() if scenarios is None else list(scenarios)
        self.scenarios: dict[str, nspv2.Scenario] = {}
        for item in chosen:
            scenario = nspv2.scenarios.get(item)
            self.scenarios[scenario.name] = scenario

    def view(self, choice: SessionChoice, *, width: float = 11.0) -> SessionView:
        """Simulate ``choice`` and make its lifecycle picture and session summary."""
        if choice.scenario not in self.scenarios:
            raise UnknownNameError("NSPv2 scenario", choice.scenario, list(self.scenarios))
        scenario = self.scenarios[choice.scenario]
        run = nspv2.simulate(
            scenario,
            provider=choice.provider or None,
            policy={"crash": choice.crash},
            clients=clients_for(scenario, choice.clients) if choice.clients else None,
        )
        provider = choice.provider or str(run.trace.header.params.get("provider", ""))
        title = f"{scenario.name} · {provider} · crash → {choice.crash}"
        return SessionView(
            choice, run, session_lifecycle(run.trace, title=title, width=width), session_summary(run.trace)
        )


# --------------------------------------------------------------------------------------------------------
# Replay
# --------------------------------------------------------------------------------------------------------


def data_traces(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """The trace files (``*.jsonl``) of a directory, by name (default: labkit's ``data/traces``)."""
    folder = Path(directory) if directory is not None else DATA_TRACES
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


@dataclass(frozen=True)
class ReplayFrame:
    """Everything's state at one position of a trace."""

    position: int
    """Index of the last event that has happened (-1: before the first)."""
    t: float
    """Virtual ms there."""
    text: str
    """The event at the position, on one line."""
    table: pd.DataFrame
    """One row per subject in a state there: subject, kind, state, since (ms), entered_by."""
    more: int = 0
    """Subjects left out of the table (beyond `MAX_STATE_ROWS`)."""


@dataclass
class ReplayModel:
    """A trace with a cursor and a timeline whose cursor line moves without drawing the figure again."""

    trace: Trace
    path: str = ""
    """Where the trace was read from (empty when it was given as an object)."""
    width: float = 11.0
    figure: Figure = field(init=False)
    problems: tuple[TraceProblem, ...] = ()
    """Bad lines a lenient read skipped."""

    def __post_init__(self) -> None:
        self.history = replay(self.trace)
        self.cursor = self.history.cursor()
        self.figure = timeline(self.trace, width=self.width, title=self._title())
        self.line = cursor_line(self.figure.axes[0], self.history.start)
        self.figure.set_dpi(DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        self.line.set_visible(False)
        self.canvas.draw()  # type: ignore[no-untyped-call]
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)  # type: ignore[no-untyped-call]
        self.line.set_visible(True)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, width: float = 11.0) -> ReplayModel:
        """Read a trace leniently (bad lines are listed in `problems`, the good events replayed)."""
        trace = read_trace(path, strict=False)
        return cls(trace, path=os.fspath(path), width=width, problems=trace.problems)

    def _title(self) -> str:
        name = Path(self.path).name if self.path else self.trace.header.scenario or "trace"
        return f"{name} · {len(self.trace)} events"

    def __len__(self) -> int:
        return len(self.trace)

    def seek(self, position: int) -> ReplayFrame:
        """Move to ``position`` (clamped) and return the states there; the cursor line follows."""
        cursor = self.cursor.seek(position)
        self.line.set_xdata([cursor.t, cursor.t])
        intervals = sorted(cursor.intervals.values(), key=lambda i: self.history.subjects.index(i.subject))
        shown = intervals[:MAX_STATE_ROWS]
        table = LiteralFrame(
            {
                "subject": pd.array([i.subject for i in shown], dtype="string"),
                "kind": pd.array([i.kind for i in shown], dtype="string"),
                "state": pd.array([i.state for i in shown], dtype="string"),
                "since": pd.array([i.start for i in shown], dtype="Float64"),
                "entered_by": pd.array(
                    [i.entered_by.name if i.entered_by else None for i in shown], dtype="string"
                ),
            }
        )
        event = cursor.event
        text = (
            "before the first event"
            if event is None
            else f"seq {event.seq} · t = {event.t:g} ms · {event_text(event, self.trace.domain, limit=120)}"
        )
        return ReplayFrame(cursor.position, cursor.t, text, table, len(intervals) - len(shown))

    def png(self) -> bytes:
        """The timeline with the cursor where it is now: the saved background plus the line, as PNG
        (`DPI` dots per inch)."""
        self.canvas.restore_region(self._background)  # type: ignore[no-untyped-call]
        self.figure.draw_artist(self.line)
        return _png(self.canvas)

    def rendered(self, frame: ReplayFrame) -> Rendered:
        return Rendered((self.path, frame.position), records(frame.table), frame.text, self._title())


def _title(figure: Figure) -> str:
    return str(figure.axes[0].get_title(loc="left")) if figure.axes else ""
