"""The PendingTimeout explorer's model: a DLL that keeps reporting or one that goes quiet, how often it
reports, and the resource's PendingTimeout → the timeline, the status reports with their CheckPoints and
gaps, and one line on whether and when the monitor called Terminate.

PendingTimeout bounds the gap between two reports, not the whole offline (the property page's reading,
gap G8): a DLL that reports every second may stay pending for longer than PendingTimeout.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from labkit import cluster
from labkit.cluster.sample_dlls import Hung, SlowFlush
from labkit.engine.run import Run
from labkit.explore.common import Kept, Rendered, records
from labkit.trace import Kind, TraceEvent
from labkit.views.plots.scene import timeline_scene
from labkit.views.svg import timeline_svg
from labkit.views.tables import MS, ms
from labkit.winapi import state_name

DLLS = {"SlowFlush": "keeps reporting until Offline", "Hung": "reports twice, then hangs for four minutes"}
"""The DLLs the explorer offers, and what each does."""
TIMEOUTS_MS = (1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 180_000)
"""PendingTimeout values to choose from (180 000 ms is the default)."""
REPORT_MS = (250, 500, 1_000, 2_000, 5_000, 10_000)
"""How often the DLL's worker may report."""
RESOURCE = "Disk"


@dataclass(frozen=True)
class PendingChoice:
    """What the PendingTimeout explorer shows."""

    dll: str = "Hung"
    """``SlowFlush`` (keeps reporting) or ``Hung`` (goes quiet)."""
    pending_timeout_ms: int = 180_000
    """The resource's PendingTimeout."""
    report_ms: int = 1_000
    """The gap between two status reports while the DLL reports."""

    @property
    def title(self) -> str:
        return (
            f"{self.dll} · a report every {duration_text(self.report_ms)} · "
            f"PendingTimeout {duration_text(self.pending_timeout_ms)}"
        )


@dataclass(frozen=True)
class PendingView:
    choice: PendingChoice
    run: Run
    picture: str
    table: pd.DataFrame
    """The pending protocol step by step: OfflineV2's return, each status report, Terminate."""
    text: str

    def rendered(self) -> Rendered:
        return Rendered(self.choice, records(self.table), self.text, self.choice.title, picture=self.picture)


class PendingExplorerModel:
    """Runs PendingTimeout choices; keeps the views of the last 64."""

    def __init__(self) -> None:
        self._views: Kept[tuple[PendingChoice, float], PendingView] = Kept(64)

    def view(self, choice: PendingChoice, *, width: float = 11.0) -> PendingView:
        """Simulate ``choice`` (kept by choice); an unknown DLL or a timeout under 1 ms raises ValueError."""
        if choice.dll not in DLLS:
            raise ValueError(f"unknown DLL {choice.dll!r}; valid: {', '.join(DLLS)}")
        if choice.pending_timeout_ms < 1 or choice.report_ms < 1:
            raise ValueError("PendingTimeout and the report interval are at least 1 ms")
        return self._views.get((choice, width), lambda: self._view(choice, width))

    def _view(self, choice: PendingChoice, width: float) -> PendingView:
        if choice.dll == "SlowFlush":
            dll: SlowFlush | Hung = SlowFlush(steps=4, step_ms=choice.report_ms)
            scenario = "pending-offline"
        else:
            dll, scenario = Hung(reports=2, step_ms=choice.report_ms), "pending-timeout"
        run = cluster.simulate(scenario, dll=dll, properties={"PendingTimeout": choice.pending_timeout_ms})
        steps = _steps(list(run.trace))
        picture = timeline_svg(timeline_scene(run.trace, title=choice.title), width=width).html()
        return PendingView(choice, run, picture, _table(steps), _sentence(choice, steps))


@dataclass(frozen=True)
class _Step:
    t: float
    what: str
    checkpoint: int | None
    state: str
    answer: str


def _steps(events: list[TraceEvent]) -> list[_Step]:
    """OfflineV2's return, each status report of the resource and its answer, Terminate."""
    answers = {e.span: e.result_name or "" for e in events if e.kind is Kind.RETURN}
    out = []
    for e in events:
        if e.subject != RESOURCE:
            continue
        if e.kind is Kind.RETURN and e.name == "OfflineV2":
            out.append(_Step(e.t, "OfflineV2 returned", None, "", e.result_name or ""))
        elif e.kind is Kind.CALL and e.name == "SetResourceStatusEx":
            state = state_name(int(e.args.get("ResourceState", 0)))
            out.append(_Step(e.t, "SetResourceStatusEx", int(e.args.get("CheckPoint", 0)), state,
                             answers.get(e.seq, "")))  # fmt: skip
        elif e.kind is Kind.CALL and e.name == "Terminate":
            out.append(_Step(e.t, "Terminate", None, "", ""))
    return out


def _table(steps: list[_Step]) -> pd.DataFrame:
    gaps = [None, *(round(b.t) - round(a.t) for a, b in itertools.pairwise(steps))]
    return pd.DataFrame(
        {
            "t": pd.array(ms(s.t for s in steps), dtype=MS),
            "gap": pd.array(gaps, dtype=MS),
            "what": pd.array([s.what for s in steps], dtype="string"),
            "CheckPoint": pd.array([s.checkpoint for s in steps], dtype="Int64"),
            "ResourceState": pd.array([s.state or None for s in steps], dtype="string"),
            "answer": pd.array([s.answer or None for s in steps], dtype="string"),
        }
    )


def _sentence(choice: PendingChoice, steps: list[_Step]) -> str:
    reports = [s for s in steps if s.what == "SetResourceStatusEx"]
    terminate = next((s for s in steps if s.what == "Terminate"), None)
    timeout = duration_text(choice.pending_timeout_ms)
    said = f"{choice.dll} reported {len(reports)} time{'s' if len(reports) != 1 else ''}"
    if terminate is None:
        end = reports[-1].t if reports else 0.0
        text = (
            f"{said}, never more than PendingTimeout ({timeout}) apart: Offline at {_at(end)}, no Terminate"
        )
        pending = end - steps[0].t if steps else 0.0
        if pending > choice.pending_timeout_ms:  # gap G8: the limit is on the gap, not on the whole
            text += (
                f" (pending {duration_text(pending)} in all: PendingTimeout bounds the gap between reports)"
            )
        return text
    before = [s for s in steps if s.t <= terminate.t and s.what != "Terminate"]
    quiet = duration_text(terminate.t - before[-1].t) if before else "?"
    late = [s for s in reports if s.t > terminate.t]
    text = (
        f"{said}; {quiet} without a report passed PendingTimeout ({timeout}): Terminate at {_at(terminate.t)}"
    )
    if late:
        text += f"; its report at {_at(late[0].t)} got {late[0].answer}"
    return text


def duration_text(ms: float) -> str:
    """``250 ms``, ``1 s``, ``1.5 s``, ``3 min``, ``3.05 min``: round values read round."""
    if ms < 1_000:
        return f"{ms:g} ms"
    if ms < 120_000:
        return f"{round(ms / 1_000, 2):g} s"
    return f"{round(ms / 60_000, 2):g} min"


def _at(t: float) -> str:
    return duration_text(t)
