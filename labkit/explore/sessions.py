"""The NSPv2 session explorer's model: a scenario, provider, crash policy and number of clients → the
session lifecycle, the session summary and how the sessions ended.

Each scenario has its own range of clients (`SessionExplorerModel.clients_range`): fifty for
many-clients, up to twelve for the others. A number outside it is refused with an error that says the
range, never silently cut to fit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from labkit import nspv2
from labkit.engine.run import Run
from labkit.exceptions import UnknownNameError
from labkit.explore.common import Kept, Rendered, records
from labkit.text import counted
from labkit.views.plots.lifescene import lifecycle_scene
from labkit.views.svg import lifecycle_svg
from labkit.views.tables import session_summary

MAX_CLIENTS = 12
"""The most clients a scenario runs in the explorer, unless it has more of its own."""


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
    picture: str
    """The session lifecycle as SVG (in a ``div`` that MathJax leaves alone)."""
    title: str
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
        return Rendered(self.choice, records(self.table), self.text, self.title, picture=self.picture)


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
    """Runs session choices; keeps the views of the last 64."""

    def __init__(self, scenarios: Iterable[str | nspv2.Scenario] | None = None) -> None:
        chosen = nspv2.scenarios.names() if scenarios is None else list(scenarios)
        self.scenarios: dict[str, nspv2.Scenario] = {}
        for item in chosen:
            scenario = nspv2.scenarios.get(item)
            self.scenarios[scenario.name] = scenario
        self._views: Kept[tuple[SessionChoice, float], SessionView] = Kept(64)

    def scenario(self, name: str) -> nspv2.Scenario:
        """A scenario of this explorer; an unknown name lists the valid ones."""
        if name not in self.scenarios:
            raise UnknownNameError("NSPv2 scenario", name, list(self.scenarios))
        return self.scenarios[name]

    def clients_range(self, name: str) -> tuple[int, int]:
        """How many clients the scenario can run here: 1 up to its own number or `MAX_CLIENTS`."""
        return 1, max(MAX_CLIENTS, len(self.scenario(name).clients))

    def own_clients(self, name: str) -> int:
        """The scenario's own number of clients (at least 1)."""
        return len(self.scenario(name).clients) or 1

    def view(self, choice: SessionChoice, *, width: float = 11.0) -> SessionView:
        """The lifecycle picture and session summary of ``choice`` (kept by choice); a number of clients
        outside the scenario's range raises ValueError saying the range."""
        low, high = self.clients_range(choice.scenario)
        if choice.clients and not low <= choice.clients <= high:
            raise ValueError(f"{choice.scenario} runs {low} to {high} clients here, not {choice.clients}")
        return self._views.get((choice, width), lambda: self._view(choice, width))

    def _view(self, choice: SessionChoice, width: float) -> SessionView:
        scenario = self.scenario(choice.scenario)
        clients = clients_for(scenario, choice.clients) if choice.clients else None
        run = nspv2.simulate(
            scenario, provider=choice.provider or None, policy={"crash": choice.crash}, clients=clients
        )
        provider = choice.provider or str(run.trace.header.params.get("provider", ""))
        count = choice.clients or len(scenario.clients)
        ran = f"{count} client{'s' if count != 1 else ''}"
        title = f"{scenario.name} · {provider} · crash → {choice.crash} · {ran}"
        picture = lifecycle_svg(lifecycle_scene(run.trace, title=title), width=width).html()
        return SessionView(choice, run, picture, title, session_summary(run.trace))
