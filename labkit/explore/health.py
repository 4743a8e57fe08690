"""The health explorer's model: a health scenario and the knobs of the failure policy (poll intervals,
DeadlockTimeout, RestartAction, RestartThreshold / RestartPeriod, FailoverThreshold, RetryPeriodOnFailure)
→ the timeline (monitors and resources as lanes, polls as thin ticks), the health summary and one line on
what happened. Views are kept by choice; the picture is SVG like the other explorers'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from labkit import cluster
from labkit.engine.run import Run
from labkit.exceptions import UnknownNameError
from labkit.explore.common import Kept, Rendered, records
from labkit.readback.health import resource_health
from labkit.views.plots.scene import timeline_scene
from labkit.views.svg import timeline_svg
from labkit.views.tables import health_summary

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
    picture: str
    """The timeline as SVG: monitors and resources as lanes, polls as thin ticks."""
    title: str
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
        return Rendered(self.choice, records(self.table), self.text, self.title, picture=self.picture)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class HealthExplorerModel:
    """Runs health choices: always with health checks, the choice's properties over the scenario's; keeps
    the views of the last 64."""

    def __init__(self, scenarios: Iterable[str | cluster.Scenario] | None = None) -> None:
        chosen = HEALTH_SCENARIOS if scenarios is None else list(scenarios)
        self.scenarios: dict[str, cluster.Scenario] = {}
        for item in chosen:
            scenario = cluster.scenarios.get(item)
            self.scenarios[scenario.name] = scenario
        self._views: Kept[tuple[HealthChoice, float], HealthView] = Kept(64)

    def run(self, choice: HealthChoice) -> Run:
        if choice.scenario not in self.scenarios:
            raise UnknownNameError("cluster scenario", choice.scenario, list(self.scenarios))
        scenario = self.scenarios[choice.scenario]
        return cluster.simulate(scenario, properties=choice.properties(), health=True)

    def view(self, choice: HealthChoice, *, width: float = 11.0) -> HealthView:
        """Simulate ``choice`` and make its timeline and health summary (kept by choice)."""
        choice = choice.normalised()
        return self._views.get((choice, width), lambda: self._view(choice, width))

    def _view(self, choice: HealthChoice, width: float) -> HealthView:
        run = self.run(choice)
        action = RESTART_ACTIONS.get(choice.restart_action, str(choice.restart_action))
        title = f"{choice.scenario} · RestartAction {action} · RestartThreshold {choice.restart_threshold}"
        picture = timeline_svg(timeline_scene(run.trace, title=title), width=width).html()
        return HealthView(choice, run, picture, title, health_summary(run.trace))
