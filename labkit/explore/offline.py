"""The OfflineV2 flag explorer's model: a cluster scenario, DLL, OS profile and flags → the timeline, the
offline summary and what the flags changed against none.

A click costs what the choice needs and nothing more: the simulation (≤ 5 ms for every scenario here),
the summary and an SVG picture (a few ms). Views are kept by choice, so going back to a choice shows it
at once; the no-flag run of each scenario, DLL and OS is kept for the comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from labkit import cluster, winapi
from labkit.engine.run import Run
from labkit.exceptions import UnknownNameError
from labkit.explore.common import Kept, Rendered, records
from labkit.readback.diff import TraceDiff, diff
from labkit.trace import Trace
from labkit.views.plots.scene import timeline_scene
from labkit.views.svg import timeline_svg
from labkit.views.tables import offline_summary
from labkit.winapi import OfflineFlags


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

    @property
    def title(self) -> str:
        """``move-busy-dll · its DLL · Windows Server 2016 · flags QUEUE_ENABLED``."""
        return f"{self.scenario} · {self.dll or 'its DLL'} · Windows Server {self.os} · flags {self.flags}"


@dataclass(frozen=True)
class OfflineView:
    """What one offline choice looks like."""

    choice: OfflineChoice
    run: Run
    picture: str
    """The timeline as SVG (in a ``div`` that MathJax leaves alone)."""
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
        return Rendered(self.choice, records(self.table), self.text, self.choice.title, picture=self.picture)


class OfflineExplorerModel:
    """Runs offline choices; keeps the views of the last ``keep`` choices (0: none) and the no-flag runs
    they compare with."""

    def __init__(
        self,
        scenarios: Iterable[str | cluster.Scenario] | None = None,
        dlls: Mapping[str, Any] | None = None,
        *,
        keep: int = 128,
    ) -> None:
        chosen = cluster.scenarios.names() if scenarios is None else list(scenarios)
        self.scenarios: dict[str, cluster.Scenario] = {}
        for item in chosen:
            scenario = cluster.scenarios.get(item)
            self.scenarios[scenario.name] = scenario
        self.dlls: dict[str, Any] = dict(cluster.dlls.items()) if dlls is None else dict(dlls)
        self._views: Kept[tuple[OfflineChoice, float], OfflineView] = Kept(keep)
        self._baselines: Kept[tuple[str, str, str], Trace] = Kept(32)

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
        """The run with no flags for the choice's scenario, DLL and OS (worked out once)."""
        key = (choice.scenario, choice.dll, winapi.cluster_profile(choice.os).name)
        return self._baselines.get(key, lambda: self.run(replace(choice, flags=OfflineFlags(0))).trace)

    def view(self, choice: OfflineChoice, *, width: float = 11.0) -> OfflineView:
        """The timeline, offline summary and comparison with no flags of ``choice`` (kept: asking again
        for a choice gives the same view at once)."""
        choice = choice.normalised()
        return self._views.get((choice, width), lambda: self._view(choice, width))

    def _view(self, choice: OfflineChoice, width: float) -> OfflineView:
        run = self.run(choice)
        base = (
            self.baseline(choice)
            if choice.flags
            else self._baselines.get((choice.scenario, choice.dll, choice.os), lambda: run.trace)
        )
        picture = timeline_svg(timeline_scene(run.trace, title=choice.title), width=width).html()
        return OfflineView(choice, run, picture, offline_summary(run.trace), diff(base, run.trace))
