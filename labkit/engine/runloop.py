"""How a simulation steps through virtual time and ends, whatever the user code it drives does.

Both simulators step their SimPy environment through `run`, which stops a run that would never end in
real time: user code that reschedules itself at one virtual instant (a worker that starts another
worker, a zero-length sleep in a loop) stops virtual time from advancing, and a loop that waits a
millisecond at a time would take millions of steps to reach an hour-long horizon. Either way `run`
returns a `Runaway` the simulator records as a fault naming the routine that ran last.

When a run ends (its horizon, nothing left to happen, or a runaway), `close_open_spans` gives every
call still waiting its ``return`` and every asynchronous call its ``complete``, marked ``abandoned``:
the trace stays one that `labkit.trace.checks.violations` accepts, and the faults say what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from labkit.trace import Rule, TraceEvent, Tracer
from labkit.trace.checks import open_spans

MAX_STEPS = 200_000
"""Events one run may process: real runs take well under a thousand; this many take one to five seconds."""
MAX_STEPS_AT_ONE_INSTANT = 10_000
"""Events one run may process without virtual time advancing (real runs take a dozen at most)."""


@dataclass(frozen=True)
class Runaway:
    """Why `run` stopped before the horizon: a rule name and a sentence for the fault event."""

    name: str
    """``NoProgress`` (virtual time stopped advancing) or ``TooManySteps`` (the run would not end)."""
    rule: str
    """What happened, with the limit and the virtual time."""


def run(
    env: simpy.Environment,
    horizon_ms: float,
    *,
    inclusive: bool,
    max_steps: int = MAX_STEPS,
    max_steps_at_one_instant: int = MAX_STEPS_AT_ONE_INSTANT,
) -> Runaway | None:
    """Process every event scheduled before ``horizon_ms`` (and at it, when ``inclusive``).

    Returns None when the run got there (or ran out of events), a `Runaway` when it passed a limit; the
    environment's clock then stays where the runaway happened.
    """
    steps = at_instant = 0
    instant = env.now
    while (when := env.peek()) < horizon_ms or (inclusive and when == horizon_ms):
        env.step()
        steps += 1
        if env.now != instant:
            instant, at_instant = env.now, 0
        at_instant += 1
        if at_instant > max_steps_at_one_instant:
            return Runaway(
                "NoProgress",
                f"{max_steps_at_one_instant} events at {instant:g} ms without virtual time advancing "
                "(user code that reschedules itself at once, forever?); labkit stops the run here",
            )
        if steps > max_steps:
            return Runaway(
                "TooManySteps",
                f"the run processed {max_steps} events by {instant:g} ms without reaching its horizon of "
                f"{horizon_ms:g} ms (user code that waits in a loop forever?); labkit stops the run here",
            )
    return None


def close_open_spans(tracer: Tracer, why: str, rule: Rule) -> list[TraceEvent]:
    """Record an ``abandoned`` return for each call that never returned and an ``abandoned`` complete for
    each asynchronous call that never completed, by the caller, which stops waiting because the run
    ended (``why``); each cites ``rule`` (the domain's rule for the end of a run). Returns the events
    recorded."""
    closed = []
    for call, kind in open_spans(tracer.trace):
        closed.append(
            tracer.record(
                kind,
                call.name,
                actor=call.actor,
                subject=call.subject,
                args={"abandoned": why},
                span=call.span,
                rule=rule,
            )
        )
    return closed
