"""`TraceReplayer`: open a trace, then step through its events."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from labkit.exceptions import LabkitError
from labkit.explore import ReplayModel, data_traces
from labkit.trace import Trace
from labkit.widgets.base import Explorer, table_html, text_html

LANES_HINT = "all lanes · a kind (session, lookup, resource…) or a pattern (session:10*)"


class TraceReplayer(Explorer):
    """Open a trace (one of labkit's recorded traces, or a path), then step through its events with a
    slider: the state of every session, lookup, resource and group at that point, the event, and the
    timeline around it with a cursor. The timeline follows the cursor burst by burst (untick ``follow``
    for the whole trace); ``lanes`` keeps some lanes (a trace with many shows those busy in view)."""

    kind = "trace-replayer"

    def __init__(
        self,
        trace: str | os.PathLike[str] | Trace | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        width: float = 11.0,
    ) -> None:
        self.width = width
        self.model: ReplayModel | None = None
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
        self.follow = widgets.Checkbox(value=True, description="follow the cursor", indent=False)
        self.lanes = widgets.Text(placeholder=LANES_HINT, description="lanes", continuous_update=False)
        self.file.observe(self._file_chosen, names="value")
        self.open_button.on_click(lambda _button: self.load(self.path.value))
        for control in (self.slider, self.follow):
            control.observe(self.changed, names="value")
        self.lanes.observe(self._lanes_typed, names="value")
        self.back.on_click(lambda _button: self.step(-1))
        self.forward.on_click(lambda _button: self.step(1))
        self.notice = widgets.HTML()
        controls = [
            widgets.HBox([self.file, self.path, self.open_button]),
            self.notice,
            widgets.HBox([self.back, self.slider, self.forward, self.follow]),
            self.lanes,
        ]
        super().__init__(controls)
        if isinstance(trace, Trace):
            self.show_model(ReplayModel(trace, width=width))
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
        where = Path(path).expanduser().resolve()
        listed = next((v for _, v in self.file.options if v and Path(v).resolve() == where), "")

        def say_where() -> None:  # where the trace came from, without loading it again
            self.file.value = listed
            self.path.value = "" if listed else str(path)

        self.quietly(say_where)
        self.show_model(model)

    def show_model(self, model: ReplayModel) -> None:
        """Replay ``model``'s trace from its first event (with the follow setting, and no lane filter)."""
        skipped = len(model.problems)
        notice = (
            f"{skipped} bad line{'s' if skipped != 1 else ''} skipped: {model.problems[0]}" if skipped else ""
        )
        self.notice.value = text_html(notice, error=True) if notice else ""
        model.follow = self.follow.value
        self.model = model

        def reset() -> None:
            self.slider.value = 0
            self.slider.max = max(len(model) - 1, 0)
            self.lanes.value = ""

        self.quietly(reset)
        self.render()

    def step(self, steps: int) -> None:
        """Move the slider ``steps`` events on (negative: back)."""
        self.slider.value = max(self.slider.min, min(self.slider.max, self.slider.value + steps))

    def seek(self, position: int) -> None:
        """Show the states after the event at ``position``."""
        self.slider.value = max(self.slider.min, min(self.slider.max, position))

    def _lanes_typed(self, change: Mapping[str, Any]) -> None:
        """Use the lane filter typed; one that keeps no lane is refused in red and the box says the filter
        still in use."""
        if self._quiet or self.model is None:
            return
        try:
            self.model.set_lanes(change["new"])
        except (LabkitError, ValueError) as error:
            self.quietly(lambda: setattr(self.lanes, "value", self.model.lanes if self.model else ""))
            self.notice.value = text_html(f"lanes {change['new']!r}: {error}", error=True)
            return
        self.notice.value = ""
        self.render()

    def render(self) -> None:
        """Show the trace at the slider's position, as the follow box and the lane filter say."""
        if self.model is None:
            return
        self.model.follow = self.follow.value
        frame = self.model.seek(self.slider.value)
        self.show(self.model.rendered(frame), table_html(frame.table, more=frame.more))
