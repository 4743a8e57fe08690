"""`SessionExplorer`: an NSPv2 scenario, provider, crash policy and number of clients."""

from __future__ import annotations

from collections.abc import Iterable

import ipywidgets as widgets

from labkit import nspv2
from labkit.explore import SessionChoice, SessionExplorerModel
from labkit.nspv2.policy import CRASH_CHOICES
from labkit.widgets.base import ChoiceExplorer, StrictIntSlider, with_first


class SessionExplorer(ChoiceExplorer):
    """NSPv2: scenario, provider, crash policy and number of clients → the session lifecycle, the
    session summary and one line on how the sessions ended.

    The clients slider's range follows the scenario (fifty for many-clients, up to twelve otherwise) and a
    new scenario starts with its own number of clients; a number the scenario cannot take is refused
    (`ValueError` here, `TraitError` from the slider), never cut to fit.
    """

    kind = "session-explorer"

    def __init__(
        self,
        scenario: str | nspv2.Scenario = "crash-during-lookup",
        *,
        provider: str = "",
        crash: str = "both",
        clients: int = 0,
        scenarios: Iterable[str | nspv2.Scenario] | None = None,
        width: float = 11.0,
    ) -> None:
        first, listed = with_first(nspv2.scenarios, scenario, scenarios)
        self.model = SessionExplorerModel(listed)
        self.width = width
        low, high = self.model.clients_range(first.name)
        if clients and not low <= clients <= high:
            raise ValueError(f"{first.name} runs {low} to {high} clients here, not {clients}")
        self.scenario = widgets.Dropdown(
            options=list(self.model.scenarios), value=first.name, description="scenario"
        )
        self.provider = widgets.Dropdown(
            options=[("(the scenario's)", ""), *((name, name) for name in nspv2.providers.names())],
            value=provider,
            description="provider",
        )
        self.crash = widgets.ToggleButtons(options=list(CRASH_CHOICES), value=crash, description="crash →")
        self.clients = StrictIntSlider(
            value=clients or self.model.own_clients(first.name), min=low, max=high, description="clients"
        )
        for control in (self.scenario, self.provider, self.crash, self.clients):
            control.observe(self.changed, names="value")
        super().__init__([widgets.HBox([self.scenario, self.provider]), self.crash, self.clients])
        self.render()

    @property
    def choice(self) -> SessionChoice:
        """What the controls say now."""
        return SessionChoice(self.scenario.value, self.provider.value, self.crash.value, self.clients.value)

    def changed(self, change: dict[str, object]) -> None:
        if change["owner"] is self.scenario and not self._quiet:
            self.quietly(self._follow_scenario)  # then one rendering, with the new range and number
        super().changed(change)

    def _follow_scenario(self) -> None:
        """The slider's range becomes the new scenario's, its value the scenario's own number."""
        low, high = self.model.clients_range(self.scenario.value)
        own = self.model.own_clients(self.scenario.value)
        if high >= self.clients.max:  # widen first, so the value never leaves the range on the way
            self.clients.max = high
            self.clients.value = own
        else:
            self.clients.value = own
            self.clients.max = high
        self.clients.min = low
