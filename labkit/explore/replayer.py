"""The trace replayer's model: a trace and a position → every subject's state there, the event, and the
timeline around it with a cursor.

The timeline follows the cursor: a trace whose events come in bursts separated by long pauses (a pending
offline: 17 events in 3 s, then nothing for three minutes) is shown one burst at a time, in the burst's
own time unit. A trace with many subjects (156 in nspv2-many-clients) shows the lanes busy in view, or
those a lane filter picks (`labkit.views.plots.scene.select_lanes`). Each picture is written once per
window and lane set; moving the cursor inside it writes one line.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from labkit.exceptions import TraceProblem
from labkit.explore.common import Kept, Rendered, records
from labkit.readback.replay import causes, replay
from labkit.text import event_text
from labkit.trace import Trace, read_trace
from labkit.trace.literal import LiteralFrame
from labkit.views.plots.scene import Window, busy_subjects, select_lanes, timeline_scene
from labkit.views.svg.timeline import TimelinePicture, timeline_svg
from labkit.views.tables import MS, ms

DATA_TRACES = Path(__file__).resolve().parent.parent.parent / "data" / "traces"
"""The recorded traces that come with labkit (a source checkout)."""
MAX_STATE_ROWS = 200
"""The replayer's state table shows at most this many subjects (the rest are counted)."""
MAX_LANES = 40
"""Beyond this many subjects, the timeline shows the lanes busy in view unless a filter picks others."""
PAUSE = 0.1
"""A pause longer than this share of the whole trace starts a new burst (and a new window)."""
PAGE = 24
"""In a trace with too many lanes, the timeline follows the cursor this many events at a time."""


def data_traces(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """The trace files (``*.jsonl``) of a directory, by name (default: labkit's ``data/traces``)."""
    folder = Path(directory) if directory is not None else DATA_TRACES
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def bursts(times: Sequence[float]) -> list[tuple[int, int]]:
    """The events between long pauses, as (first, last) index pairs in trace order."""
    if not times:
        return []
    span = times[-1] - times[0]
    cuts = [k for k in range(1, len(times)) if span > 0 and times[k] - times[k - 1] > PAUSE * span]
    return list(zip([0, *cuts], [*(c - 1 for c in cuts), len(times) - 1], strict=True))


def burst_window(times: Sequence[float], first: int, last: int) -> Window:
    """The time window that shows events ``first`` … ``last``: their span (at least 1 % of the trace,
    and 1 ms) with a margin, as the whole-trace timeline has."""
    whole = times[-1] - times[0]
    width = max(times[last] - times[first], whole * 0.01, 1.0)
    return times[first] - width * 0.02, times[first] + width * 1.04


def lane_filter(text: str) -> list[str]:
    """A lane filter as typed: kinds and patterns separated by commas or spaces (empty: automatic)."""
    return [part for part in re.split(r"[,\s]+", text.strip()) if part]


@dataclass(frozen=True)
class ReplayFrame:
    """Everything's state at one position of a trace, and what the timeline shows of it."""

    position: int
    """Index of the last event that has happened (-1: before the first)."""
    t: float
    """Virtual ms there."""
    text: str
    """The event at the position, on one line."""
    table: pd.DataFrame
    """One row per subject in a state there: subject, kind, state, since (ms), entered_by (the call that
    caused the state)."""
    more: int = 0
    """Subjects left out of the table (beyond `MAX_STATE_ROWS`)."""
    window: Window = (0.0, 1.0)
    """The stretch of time the timeline shows."""
    lanes: tuple[str, ...] = ()
    """The lanes it shows."""
    note: str = ""
    """What the timeline leaves out, when it leaves anything out."""


@dataclass
class ReplayModel:
    """A trace, a cursor over it, and the timeline around the cursor."""

    trace: Trace
    path: str = ""
    """Where the trace was read from (empty when it was given as an object)."""
    width: float = 11.0
    problems: tuple[TraceProblem, ...] = ()
    """Bad lines a lenient read skipped."""
    follow: bool = True
    """Whether the timeline follows the cursor burst by burst (else it shows the whole trace)."""
    lanes: str = ""
    """The lane filter as typed (`lane_filter`); empty: every lane, or the busy ones beyond `MAX_LANES`."""
    _pictures: Kept[tuple[Window, tuple[str, ...], str], TimelinePicture] = field(
        init=False, repr=False, default_factory=lambda: Kept(16)
    )

    def __post_init__(self) -> None:
        self.history = replay(self.trace)
        self.cursor = self.history.cursor()
        self._times = [e.t for e in self.trace]
        self._bursts = bursts(self._times)
        self._starts = [first for first, _ in self._bursts]
        self.set_lanes(self.lanes)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, width: float = 11.0) -> ReplayModel:
        """Read a trace leniently (bad lines are listed in `problems`, the good events replayed)."""
        trace = read_trace(path, strict=False)
        return cls(trace, path=os.fspath(path), width=width, problems=trace.problems)

    def title(self) -> str:
        name = Path(self.path).name if self.path else self.trace.header.scenario or "trace"
        return f"{name} · {len(self.trace)} events"

    def __len__(self) -> int:
        return len(self.trace)

    def set_lanes(self, text: str) -> None:
        """Use a lane filter (kinds and patterns, `lane_filter`); one that keeps no lane raises
        `UnknownNameError` and leaves the filter as it was."""
        wanted = lane_filter(text)
        if wanted:
            select_lanes(self.history, lanes=wanted)  # raises when nothing matches
        self.lanes = text.strip()

    def window(self, position: int) -> Window:
        """The time window the timeline shows at ``position``."""
        if not self._times:
            return 0.0, 1.0
        position = max(position, 0)
        if self.follow and self._crowded():  # the events around the cursor, a page at a time
            page = position // PAGE
            first, last = max(page * PAGE - PAGE // 2, 0), min((page + 1) * PAGE + PAGE // 2, len(self) - 1)
            return burst_window(self._times, first, last)
        if not self.follow or len(self._bursts) == 1:
            start, end = self._times[0], max(self._times[-1], self._times[0] + 1.0)
            pad = (end - start) * 0.02
            return start - pad, end + 2 * pad
        k = max(bisect.bisect_right(self._starts, position) - 1, 0)
        return burst_window(self._times, *self._bursts[k])

    def _crowded(self) -> bool:
        """Whether the lanes are too many to show at once and no filter picks some."""
        return not lane_filter(self.lanes) and len(self.history.subjects) > MAX_LANES

    def seek(self, position: int) -> ReplayFrame:
        """Move to ``position`` (clamped) and return the states there and what the timeline shows."""
        cursor = self.cursor.seek(position)
        window = self.window(cursor.position)
        lanes, note = self._lanes(window)
        event = cursor.event
        text = (
            "before the first event"
            if event is None
            else f"seq {event.seq} · t = {event.t:g} ms · {event_text(event, self.trace.domain, limit=120)}"
        )
        table, more = self._states()
        return ReplayFrame(cursor.position, cursor.t, text, table, more, window, tuple(lanes), note)

    def _states(self) -> tuple[pd.DataFrame, int]:
        order = {s: k for k, s in enumerate(self.history.subjects)}
        intervals = sorted(self.cursor.intervals.values(), key=lambda i: order[i.subject])
        shown = intervals[:MAX_STATE_ROWS]
        cause = causes(self.trace)
        called = [cause.get(i.entered_by.seq) if i.entered_by is not None else None for i in shown]
        table = LiteralFrame(
            {
                "subject": pd.array([i.subject for i in shown], dtype="string"),
                "kind": pd.array([i.kind for i in shown], dtype="string"),
                "state": pd.array([i.state for i in shown], dtype="string"),
                "since": pd.array(ms(i.start for i in shown), dtype=MS),
                "entered_by": pd.array([c.name if c is not None else None for c in called], dtype="string"),
            }
        )
        return table, len(intervals) - len(shown)

    def _lanes(self, window: Window) -> tuple[list[str], str]:
        """The lanes to show in ``window`` and a note on what is left out."""
        every = select_lanes(self.history)
        wanted = lane_filter(self.lanes)
        if wanted:
            chosen = select_lanes(self.history, lanes=wanted)
            return chosen, f"lanes {', '.join(wanted)}: {len(chosen)} of {len(every)}"
        if len(every) <= MAX_LANES:
            return every, ""
        busy = busy_subjects(self.history, window)[:MAX_LANES] or every[:1]
        return busy, f"{len(busy)} of {len(every)} lanes: those busy in view (a lane filter picks others)"

    def picture(self, frame: ReplayFrame) -> str:
        """The timeline for ``frame`` with its cursor (SVG in a MathJax-free ``div``)."""
        key = (frame.window, frame.lanes, frame.note)
        made = self._pictures.get(key, lambda: self._draw(frame))
        return made.html(cursor=frame.t)

    def _draw(self, frame: ReplayFrame) -> TimelinePicture:
        scene = timeline_scene(self.trace, subjects=frame.lanes, window=frame.window, title=self.title())
        return timeline_svg(scene, width=self.width, note=frame.note)

    def rendered(self, frame: ReplayFrame) -> Rendered:
        """What a replayer shows at ``frame``; its state is (path, position, follow, lane filter)."""
        state = (self.path, frame.position, self.follow, self.lanes)
        return Rendered(state, records(frame.table), frame.text, self.title(), picture=self.picture(frame))
