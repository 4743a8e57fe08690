"""`PendingTimeoutExplorer`: a DLL that keeps reporting or goes quiet, its report interval, PendingTimeout."""

from __future__ import annotations

import ipywidgets as widgets

from labkit.explore import PendingChoice, PendingExplorerModel
from labkit.explore.pending import DLLS, REPORT_MS, TIMEOUTS_MS, duration_text
from labkit.widgets.base import ChoiceExplorer


class PendingTimeoutExplorer(ChoiceExplorer):
    """The pending offline protocol: pick ``SlowFlush`` (reports until Offline) or ``Hung`` (reports
    twice, then hangs), how often the worker reports and the resource's PendingTimeout → the timeline,
    each status report with its CheckPoint, its gap and the monitor's answer, and one line on whether and
    when the monitor called Terminate."""

    kind = "pending-explorer"

    def __init__(
        self,
        dll: str = "Hung",
        *,
        pending_timeout_ms: int = 180_000,
        report_ms: int = 1_000,
        width: float = 11.0,
    ) -> None:
        self.model = PendingExplorerModel()
        self.width = width
        self.dll = widgets.ToggleButtons(
            options=[(f"{name}: {what}", name) for name, what in DLLS.items()], value=dll, description="DLL"
        )
        self.pending_timeout = widgets.SelectionSlider(
            options=[(duration_text(ms), ms) for ms in TIMEOUTS_MS],
            value=pending_timeout_ms,
            description="PendingTimeout",
            style={"description_width": "initial"},
        )
        self.report = widgets.SelectionSlider(
            options=[(duration_text(ms), ms) for ms in REPORT_MS],
            value=report_ms,
            description="a report every",
            style={"description_width": "initial"},
        )
        for control in (self.dll, self.pending_timeout, self.report):
            control.observe(self.changed, names="value")
        super().__init__([self.dll, widgets.HBox([self.pending_timeout, self.report])])
        self.render()

    @property
    def choice(self) -> PendingChoice:
        """What the controls say now."""
        return PendingChoice(self.dll.value, self.pending_timeout.value, self.report.value)
