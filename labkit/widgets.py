"""The explorers for notebooks, as ipywidgets: thin views over the models of `labkit.explore`.

    from labkit.widgets import HealthExplorer, OfflineFlagExplorer, SessionExplorer, TraceReplayer
    OfflineFlagExplorer("move-busy-dll")     # a checkbox per OfflineV2 flag → timeline, summary, what changed
    HealthExplorer("isalive-failure-failover")   # the failure policy's knobs → timeline, health summary
    SessionExplorer("crash-during-lookup")   # scenario, provider, crash policy, clients → lifecycle, sessions
    TraceReplayer("data/traces/nspv2-crash-during-lookup.jsonl")   # a slider over the events

This is the only labkit module that imports ipywidgets. Each explorer is a `VBox` that owns its children,
redraws its figure through an `Output` (``clear_output(wait=True)``, so nothing flickers) and its tables
and sentence through `HTML` widgets whose text is escaped. Each records what it showed last in ``.last``
(a `labkit.explore.Rendered`): notebooks and tests check that, never the Output's contents.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image, clear_output, display

from labkit import cluster, nspv2, winapi
from labkit.engine.registry import Registry
from labkit.exceptions import LabkitError
from labkit.explore import (
    RESTART_ACTIONS,
    HealthChoice,
    HealthExplorerModel,
    OfflineChoice,
    OfflineExplorerModel,
    Rendered,
    ReplayModel,
    SessionChoice,
    SessionExplorerModel,
    data_traces,
    figure_png,
)
from labkit.nspv2.policy import CRASH_CHOICES
from labkit.text import LITERAL
from labkit.trace import Trace
from labkit.views.flagguide import flag_info
from labkit.winapi import OfflineFlags

__all__ = ["HealthExplorer", "OfflineFlagExplorer", "SessionExplorer", "TraceReplayer"]

_TABLE_STYLE = "max-height: 22em; overflow: auto; font-size: 85%; white-space: nowrap"
"""One line per row: a wide table scrolls instead of wrapping its cells into towers (cells inherit it)."""


def table_html(frame: pd.DataFrame, *, more: int = 0) -> str:
    """A table as HTML with every cell escaped (text from a trace shows as text, never as markup or
    mathematics)."""
    body = frame.to_html(index=False, escape=True, na_rep="", border=0)
    tail = f"<p>… and {more} more</p>" if more else ""
    return f"<div class='{LITERAL}' style='{_TABLE_STYLE}'>{body}{tail}</div>"


def text_html(text: str, *, error: bool = False) -> str:
    """One line of text, escaped and kept from MathJax; errors in red."""
    colour = "#C62828" if error else "inherit"
    return f"<p class='{LITERAL}' style='color: {colour}; margin: 0.3em 0'>{html.escape(text)}</p>"


def labelled(name: str, tooltip: str, *, disabled: bool = False) -> str:
    """A checkbox's name as HTML, escaped, with the tooltip shown on hover (greyed when disabled).

    ipywidgets shows a Checkbox's ``tooltip`` only while it has no description (a description becomes
    the box's title), so the boxes have none and their names stand beside them with the same tooltip.
    """
    colour = "#9E9E9E" if disabled else "inherit"
    title = html.escape(tooltip, quote=True)
    return f'<span class="{LITERAL}" title="{title}" style="color: {colour}">{html.escape(name)}</span>'


def _with_first(
    registry: Registry[Any], scenario: Any, scenarios: Iterable[Any] | None
) -> tuple[Any, list[Any]]:
    """The scenario to show first, and the selector's scenarios (every registered one by default) with
    that one in it."""
    first = registry.get(scenario)
    listed = list(registry.names() if scenarios is None else scenarios)
    if first.name not in [registry.get(s).name for s in listed]:
        listed.insert(0, first)
    return first, listed


class _Explorer(widgets.VBox):  # type: ignore[misc]
    """What the three explorers share: a figure Output, a table, a sentence, and ``last``."""

    def __init__(self, controls: list[Any], **kwargs: Any) -> None:
        self.figure = widgets.Output()
        self.sentence = widgets.HTML()
        self.table = widgets.HTML()
        self.last: Rendered | None = None
        """What the explorer showed last (None before the first rendering)."""
        self.renders = 0
        """How many times it rendered (each change renders once)."""
        super().__init__([*controls, self.sentence, self.figure, self.table], **kwargs)

    def _show(self, png: bytes | None, rendered: Rendered, table: str) -> None:
        if png is not None:
            with self.figure:  # wait=True: the old picture stays until the new one is there, no flicker
                clear_output(wait=True)  # type: ignore[no-untyped-call]
                display(Image(data=png, format="png"))  # type: ignore[no-untyped-call]
        self.sentence.value = text_html(rendered.text, error=rendered.error)
        self.table.value = table
        self.last = rendered
        self.renders += 1

    def _fail(self, state: Any, error: Exception) -> None:
        self._show(None, Rendered(state, (), f"{type(error).__name__}: {error}", error=True), "")


class _ChoiceExplorer(_Explorer):
    """An explorer whose controls make a choice that its model turns into a view."""

    model: Any
    width: float

    @property
    def choice(self) -> Any:
        raise NotImplementedError

    def render(self) -> None:
        """Simulate what the controls say and show it (a choice that cannot run shows its error)."""
        choice = self.choice
        try:
            view = self.model.view(choice, width=self.width)
        except (LabkitError, ValueError) as error:
            self._fail(choice, error)
            return
        self._show(figure_png(view.figure), view.rendered(), table_html(view.table))


class OfflineFlagExplorer(_ChoiceExplorer):
    """A checkbox per OfflineV2 flag (its meaning and evidence as tooltip), the OS profile (which
    disables and unticks the flags it lacks), the scenario and the DLL → the timeline, the offline
    summary and one line on what the flags changed against none."""

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
        first, listed = _with_first(cluster.scenarios, scenario, scenarios)
        self.model = OfflineExplorerModel(listed, dlls)
        self.width = width
        self._quiet = False
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
                value=bool(wanted & flag), indent=False, layout=widgets.Layout(width="2em")
            )
            for flag in OfflineFlags.single_flags()
        }
        self.names: dict[OfflineFlags, widgets.HTML] = {flag: widgets.HTML() for flag in self.checkboxes}
        """Each flag's name beside its box, with the same tooltip."""
        for control in (self.scenario, self.dll, self.os, *self.checkboxes.values()):
            control.observe(self._changed, names="value")
        selectors = widgets.HBox([self.scenario, self.dll, self.os])
        boxes = widgets.GridBox(
            [widgets.HBox([box, self.names[flag]]) for flag, box in self.checkboxes.items()],
            layout=widgets.Layout(grid_template_columns="repeat(2, max-content)", grid_gap="0 2em"),
        )
        super().__init__([selectors, boxes])
        self._apply_os()
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
        self._quiet = True
        try:
            for flag, box in self.checkboxes.items():
                box.value = bool(wanted & flag) and not box.disabled
        finally:
            self._quiet = False
        self.render()

    def _changed(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        if change["owner"] is self.os:
            self._apply_os()
        self.render()

    def _apply_os(self) -> None:
        """Disable and untick the flags the OS profile lacks; say why in their tooltip."""
        profile = winapi.cluster_profile(self.os.value)
        self._quiet = True
        try:
            for flag, box in self.checkboxes.items():
                info = flag_info(flag)
                missing = not flag & profile.offline_flags
                if missing:
                    box.value = False
                box.disabled = missing
                box.tooltip = (
                    f"Not on {profile.title}: since {info.min_os}. " if missing else ""
                ) + info.tooltip
                self.names[flag].value = labelled(str(flag.name), box.tooltip, disabled=missing)
        finally:
            self._quiet = False


_NEVER = 0xFFFFFFFF
_SECONDS = {"continuous_update": False, "style": {"description_width": "14em"}}


class HealthExplorer(_ChoiceExplorer):
    """The failure policy's knobs for a health scenario (poll intervals, DeadlockTimeout, RestartAction,
    RestartThreshold and RestartPeriod, FailoverThreshold, RetryPeriodOnFailure) → the timeline, the
    health summary and one line on failures, restarts, failovers and where each group ended."""

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
            control.observe(self._changed, names="value")
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

    def _changed(self, change: Mapping[str, Any]) -> None:
        self.render()


class SessionExplorer(_ChoiceExplorer):
    """NSPv2: scenario, provider, crash policy and number of clients → the session lifecycle, the
    session summary and one line on how the sessions ended."""

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
        first, listed = _with_first(nspv2.scenarios, scenario, scenarios)
        self.model = SessionExplorerModel(listed)
        self.width = width
        self.scenario = widgets.Dropdown(
            options=list(self.model.scenarios), value=first.name, description="scenario"
        )
        self.provider = widgets.Dropdown(
            options=[("(the scenario's)", ""), *((name, name) for name in nspv2.providers.names())],
            value=provider,
            description="provider",
        )
        self.crash = widgets.ToggleButtons(options=list(CRASH_CHOICES), value=crash, description="crash →")
        self.clients = widgets.IntSlider(
            value=clients or len(first.clients) or 1, min=1, max=12, description="clients"
        )
        for control in (self.scenario, self.provider, self.crash, self.clients):
            control.observe(self._changed, names="value")
        super().__init__([widgets.HBox([self.scenario, self.provider]), self.crash, self.clients])
        self.render()

    @property
    def choice(self) -> SessionChoice:
        """What the controls say now."""
        return SessionChoice(self.scenario.value, self.provider.value, self.crash.value, self.clients.value)

    def _changed(self, change: Mapping[str, Any]) -> None:
        if change["owner"] is self.scenario:  # a new scenario starts with its own number of clients
            own = len(self.model.scenarios[self.scenario.value].clients) or 1
            if self.clients.value != own:
                self.clients.value = own  # renders through its own observer
                return
        self.render()


class TraceReplayer(_Explorer):
    """Open a trace (one of labkit's recorded traces, or a path), then step through its events with a
    slider: the state of every session, lookup, resource and group at that point, the event, and a cursor
    on the timeline (the figure is drawn once; only the cursor moves)."""

    def __init__(
        self,
        trace: str | os.PathLike[str] | Trace | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        width: float = 11.0,
    ) -> None:
        self.width = width
        self.model: ReplayModel | None = None
        self._quiet = False
        files = data_traces(directory)
        self.file = widgets.Dropdown(
            options=[("(choose a recorded trace)", ""), *((p.name, str(p)) for p in files)],
            description="trace",
        )
        self.path = widgets.Text(placeholder="or a path to a .jsonl trace", description="path")
        self.open_button = widgets.Button(description="Open")
        self.slider = widgets.IntSlider(value=0, min=0, max=0, description="event", continuous_update=True)
        self.back = widgets.Button(
            description="◀", layout=widgets.Layout(width="3em"), tooltip="one event back"
        )
        self.forward = widgets.Button(
            description="▶", layout=widgets.Layout(width="3em"), tooltip="one event on"
        )
        self.file.observe(self._file_chosen, names="value")
        self.open_button.on_click(lambda _button: self.load(self.path.value))
        self.slider.observe(lambda change: self.seek(change["new"]), names="value")
        self.back.on_click(lambda _button: self.step(-1))
        self.forward.on_click(lambda _button: self.step(1))
        self.notice = widgets.HTML()
        controls = [
            widgets.HBox([self.file, self.path, self.open_button]),
            self.notice,
            widgets.HBox([self.back, self.slider, self.forward]),
        ]
        super().__init__(controls)
        if isinstance(trace, Trace):
            self.show(ReplayModel(trace, width=width))
        elif trace is not None:
            self.load(trace)
        elif files:
            self.load(files[0])

    def _file_chosen(self, change: Mapping[str, Any]) -> None:
        if change["new"] and not self._quiet:
            self.load(change["new"])

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read a trace file (leniently: bad lines are listed, the good events replayed) and show it."""
        if not str(path).strip():
            self.notice.value = text_html("give a path to a trace file", error=True)
            return
        try:
            model = ReplayModel.open(Path(path).expanduser(), width=self.width)
        except (LabkitError, OSError, ValueError) as error:
            self.notice.value = text_html(f"{path}: {error}", error=True)
            return
        self.show(model)
        self._quiet = True  # say where the trace came from without loading it again
        try:
            where = Path(path).expanduser().resolve()
            listed = next((v for _, v in self.file.options if v and Path(v).resolve() == where), "")
            self.file.value = listed
            self.path.value = "" if listed else str(path)
        finally:
            self._quiet = False

    def show(self, model: ReplayModel) -> None:
        """Replay ``model``'s trace from its first event."""
        self.model = model
        skipped = len(model.problems)
        notice = (
            f"{skipped} bad line{'s' if skipped != 1 else ''} skipped: {model.problems[0]}" if skipped else ""
        )
        self.notice.value = text_html(notice, error=True) if notice else ""
        self.slider.max = max(len(model) - 1, 0)
        if self.slider.value == 0:
            self.seek(0)
        else:
            self.slider.value = 0  # seeks through the slider's observer

    def step(self, steps: int) -> None:
        """Move the slider ``steps`` events on (negative: back)."""
        self.slider.value = max(self.slider.min, min(self.slider.max, self.slider.value + steps))

    def seek(self, position: int) -> None:
        """Show the states after the event at ``position`` and move the cursor there."""
        if self.model is None:
            return
        frame = self.model.seek(position)
        self._show(self.model.png(), self.model.rendered(frame), table_html(frame.table, more=frame.more))
