"""`HealthExplorer`: the failure policy's knobs for a health scenario."""

from __future__ import annotations

from collections.abc import Iterable

import ipywidgets as widgets

from labkit import cluster
from labkit.explore import RESTART_ACTIONS, HealthChoice, HealthExplorerModel
from labkit.widgets.base import ChoiceExplorer

_NEVER = 0xFFFFFFFF
_SECONDS = {"continuous_update": False, "style": {"description_width": "14em"}}


class HealthExplorer(ChoiceExplorer):
    """The failure policy's knobs for a health scenario (poll intervals, DeadlockTimeout, RestartAction,
    RestartThreshold and RestartPeriod, FailoverThreshold, RetryPeriodOnFailure) → the timeline, the
    health summary and one line on failures, restarts, failovers and where each group ended."""

    kind = "health-explorer"

    def __init__(
        self,
        scenario: str | cluster.Scenario = "isalive-failure-failover",
        *,
        scenarios: Iterable[str | cluster.Scenario] | None = None,
        width: float = 11.0,
        **knobs: int,
    ) -> None:
        self.model = HealthExplorerModel(scenarios)
        first = cluster.scenarios.get(scenario)
        if first.name not in self.model.scenarios:
            self.model.scenarios = {first.name: first, **self.model.scenarios}
        self.width = width
        start = HealthChoice(first.name, **knobs)
        self.scenario = widgets.Dropdown(
            options=list(self.model.scenarios), value=first.name, description="scenario"
        )
        self.looks = widgets.IntSlider(
            start.looks_alive_ms // 1000, 1, 60, description="LooksAlive every (s)", **_SECONDS
        )
        self.is_alive = widgets.IntSlider(
            start.is_alive_ms // 1000, 5, 600, description="IsAlive every (s)", **_SECONDS
        )
        self.deadlock = widgets.IntSlider(
            start.deadlock_timeout_ms // 1000, 30, 900, description="DeadlockTimeout (s)", **_SECONDS
        )
        self.action = widgets.Dropdown(
            options=[(f"{name} ({value})", value) for value, name in RESTART_ACTIONS.items()],
            value=start.restart_action,
            description="RestartAction",
            style={"description_width": "14em"},
        )
        self.threshold = widgets.IntSlider(
            start.restart_threshold, 0, 10, description="RestartThreshold", **_SECONDS
        )
        self.period = widgets.IntSlider(
            start.restart_period_ms // 60_000, 1, 60, description="RestartPeriod (min)", **_SECONDS
        )
        self.failovers = widgets.Dropdown(
            options=[("nodes − 1 (0xFFFFFFFF)", _NEVER), *((str(n), n) for n in range(6))],
            value=start.failover_threshold,
            description="FailoverThreshold",
            style={"description_width": "14em"},
        )
        self.retry = widgets.Dropdown(
            options=[("never (0xFFFFFFFF)", _NEVER), *((f"{m} min", m * 60_000) for m in (15, 30, 60, 120))],
            value=start.retry_period_ms,
            description="RetryPeriodOnFailure",
            style={"description_width": "14em"},
        )
        controls = (self.scenario, self.looks, self.is_alive, self.deadlock, self.action, self.threshold)
        for control in (*controls, self.period, self.failovers, self.retry):
            control.observe(self.changed, names="value")
        columns = [
            widgets.VBox([self.scenario, self.action, self.failovers, self.retry]),
            widgets.VBox([self.looks, self.is_alive, self.deadlock, self.threshold, self.period]),
        ]
        super().__init__([widgets.HBox(columns)])
        self.render()

    @property
    def choice(self) -> HealthChoice:
        """What the controls say now."""
        return HealthChoice(
            scenario=self.scenario.value,
            looks_alive_ms=self.looks.value * 1000,
            is_alive_ms=self.is_alive.value * 1000,
            deadlock_timeout_ms=self.deadlock.value * 1000,
            restart_action=self.action.value,
            restart_threshold=self.threshold.value,
            restart_period_ms=self.period.value * 60_000,
            failover_threshold=self.failovers.value,
            retry_period_ms=self.retry.value,
        )
