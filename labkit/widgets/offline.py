"""`OfflineFlagExplorer`: a checkbox per OfflineV2 flag, the OS profile, the scenario and the DLL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from labkit import cluster, winapi
from labkit.explore import OfflineChoice, OfflineExplorerModel
from labkit.views.flagguide import flag_info
from labkit.widgets.base import ChoiceExplorer, labelled, with_first
from labkit.winapi import OfflineFlags


class OfflineFlagExplorer(ChoiceExplorer):
    """A checkbox per OfflineV2 flag (its name ticks it; hover the name for its meaning and evidence),
    the OS profile (which disables and unticks the flags it lacks), the scenario and the DLL → the
    timeline, the offline summary and one line on what the flags changed against none."""

    kind = "offline-explorer"

    def __init__(
        self,
        scenario: str | cluster.Scenario = "move-busy-dll",
        *,
        flags: OfflineFlags | int | str = 0,
        os: str = "2016",
        dll: str = "",
        scenarios: Iterable[str | cluster.Scenario] | None = None,
        dlls: Mapping[str, Any] | None = None,
        width: float = 11.0,
    ) -> None:
        first, listed = with_first(cluster.scenarios, scenario, scenarios)
        self.model = OfflineExplorerModel(listed, dlls)
        self.width = width
        self.scenario = widgets.Dropdown(
            options=list(self.model.scenarios), value=first.name, description="scenario"
        )
        self.dll = widgets.Dropdown(
            options=[("(the scenario's)", ""), *((name, name) for name in self.model.dlls)],
            value=dll,
            description="DLL",
        )
        self.os = widgets.Dropdown(
            options=[(p.title, p.name) for p in winapi.CLUSTER_PROFILES.values()],
            value=winapi.cluster_profile(os).name,
            description="OS",
        )
        wanted = OfflineFlags.parse(flags) if not isinstance(flags, OfflineFlags) else flags
        self.checkboxes: dict[OfflineFlags, widgets.Checkbox] = {
            flag: widgets.Checkbox(
                value=bool(wanted & flag),
                description=str(flag.name),
                description_allow_html=True,  # labkit's own escaped span: the name with its tooltip
                indent=False,
                layout=widgets.Layout(width="auto"),
            )
            for flag in OfflineFlags.single_flags()
        }
        for control in (self.scenario, self.dll, self.os, *self.checkboxes.values()):
            control.observe(self.changed, names="value")
        boxes = widgets.GridBox(
            list(self.checkboxes.values()),
            layout=widgets.Layout(grid_template_columns="repeat(2, max-content)", grid_gap="0 2em"),
        )
        super().__init__([widgets.HBox([self.scenario, self.dll, self.os]), boxes])
        self.quietly(self._apply_os)
        self.render()

    @property
    def choice(self) -> OfflineChoice:
        """What the controls say now."""
        flags = OfflineFlags(0)
        for flag, box in self.checkboxes.items():
            if box.value:
                flags |= flag
        return OfflineChoice(self.scenario.value, self.dll.value, self.os.value, flags)

    def set_flags(self, flags: OfflineFlags | int | str) -> None:
        """Tick exactly ``flags`` (those the OS profile lacks stay unticked), then render once."""
        wanted = OfflineFlags.parse(flags) if not isinstance(flags, OfflineFlags) else flags

        def tick() -> None:
            for flag, box in self.checkboxes.items():
                box.value = bool(wanted & flag) and not box.disabled

        self.quietly(tick)
        self.render()

    def changed(self, change: dict[str, Any]) -> None:
        if change["owner"] is self.os and not self._quiet:
            self.quietly(self._apply_os)
        super().changed(change)

    def _apply_os(self) -> None:
        """Disable and untick the flags the OS profile lacks; say why in their tooltip."""
        profile = winapi.cluster_profile(self.os.value)
        for flag, box in self.checkboxes.items():
            info = flag_info(flag)
            missing = not flag & profile.offline_flags
            if missing:
                box.value = False
            box.disabled = missing
            box.tooltip = (f"Not on {profile.title}: since {info.min_os}. " if missing else "") + info.tooltip
            box.description = labelled(str(flag.name), box.tooltip, disabled=missing)
