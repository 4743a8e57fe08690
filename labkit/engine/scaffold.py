"""The run scaffold both simulators share: the trace header, the horizon, how a run ends, the outcome.

A simulator builds its world, then calls `run_to_horizon` and `close_run`; the words and their meaning
are the same in both domains:

- ``horizon_ms``: the virtual time a run may last. An event scheduled at exactly ``horizon_ms`` still
  happens; nothing later does. When work is left after the horizon the clock stops at the horizon and the
  run "reached its horizon"; when nothing is left the run "ended" at its last event.
- The runaway limits (`labkit.engine.runloop`): ``max_steps`` events in all, and
  ``max_steps_at_one_instant`` without virtual time advancing, stop a run as a fault.
- `MAX_YIELDS_AT_ONE_INSTANT`: a user generator (a worker, an entry point written as a generator) that
  yields this many times in a row without virtual time advancing is stopped as a ``NoProgress`` fault.
- The outcome of every run has ``end_ms`` (virtual time of its last event), ``finished`` (it ended on
  its own before the horizon, no runaway) and ``faults`` (fault events by name, sorted); each domain adds
  its own keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from labkit._version import __version__
from labkit.engine import runloop
from labkit.exceptions import SimulationError
from labkit.trace import Rule, Trace, TraceHeader, Tracer
from labkit.winapi import Domain

MAX_YIELDS_AT_ONE_INSTANT = 1000
"""Yields in a row of one user generator without virtual time advancing, after which labkit stops it."""


class InstantCounter:
    """Counts a user generator's yields in a row at one virtual instant (`MAX_YIELDS_AT_ONE_INSTANT`)."""

    __slots__ = ("count", "instant")

    def __init__(self, now: float) -> None:
        self.instant = now
        self.count = 0

    def stalled(self, now: float) -> bool:
        """Count a yield at ``now``; True once the generator yielded the limit's number of times without
        virtual time advancing (the first yield after time advanced counts 0)."""
        if now == self.instant:
            self.count += 1
        else:
            self.instant, self.count = now, 0
        return self.count >= MAX_YIELDS_AT_ONE_INSTANT


def check_horizon(horizon_ms: object) -> float:
    """``horizon_ms`` as a float, or a `SimulationError` for anything but a positive number below 1e12."""
    if isinstance(horizon_ms, bool) or not isinstance(horizon_ms, int | float) or not 0 < horizon_ms < 1e12:
        raise SimulationError(f"horizon_ms must be a positive number of milliseconds, not {horizon_ms!r}")
    return horizon_ms


def header(domain: Domain, scenario: str, params: Mapping[str, Any]) -> TraceHeader:
    """The trace header of a run, stamped with this labkit's version (as the written file says)."""
    return TraceHeader(domain=domain, labkit=__version__, scenario=scenario, params=dict(params))


@dataclass(frozen=True)
class Ending:
    """How a run ended: a runaway, its horizon with work left, or on its own."""

    horizon_ms: float
    runaway: runloop.Runaway | None
    work_left: bool
    """Events were still scheduled after the horizon."""

    @property
    def finished(self) -> bool:
        """The run ended on its own: no runaway, nothing left to happen."""
        return self.runaway is None and not self.work_left

    @property
    def why(self) -> str:
        """Why calls still open when the run ends are abandoned, as the trace says it."""
        if self.runaway is not None:
            return f"labkit stopped the run ({self.runaway.name})"
        if self.work_left:
            return f"the run reached its horizon of {self.horizon_ms:g} ms"
        return "the run ended: nothing more was scheduled"


def run_to_horizon(
    env: simpy.Environment,
    horizon_ms: float,
    *,
    max_steps: int = runloop.MAX_STEPS,
    max_steps_at_one_instant: int = runloop.MAX_STEPS_AT_ONE_INSTANT,
) -> Ending:
    """Step ``env`` through every event up to ``horizon_ms`` (inclusive) unless a runaway limit stops it.

    With work left after the horizon, the clock then stands at the horizon; otherwise at the last event.
    """
    runaway = runloop.run(
        env,
        horizon_ms,
        inclusive=True,
        max_steps=max_steps,
        max_steps_at_one_instant=max_steps_at_one_instant,
    )
    work_left = runaway is None and env.peek() != float("inf")
    if work_left and env.now < horizon_ms:
        env.run(until=horizon_ms)  # nothing is scheduled before: this only moves the clock
    return Ending(horizon_ms, runaway, work_left)


def close_run(tracer: Tracer, ending: Ending, rule: Rule) -> Trace:
    """Close every call still open as abandoned, citing ``rule`` (`runloop.close_open_spans`), and return
    the trace."""
    runloop.close_open_spans(tracer, ending.why, rule)
    return tracer.close()


def outcome(trace: Trace, ending: Ending, **domain: Any) -> dict[str, Any]:
    """The outcome keys every run has, then the domain's own (``domain``)."""
    faults = Counter(event.name for event in trace.faults)
    return {
        **domain,
        "faults": dict(sorted(faults.items())),
        "end_ms": trace[-1].t if len(trace) else 0.0,
        "finished": ending.finished,
    }
