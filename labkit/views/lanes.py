"""A trace as spans on lanes, the shape every trace viewer wants: each subject's state intervals and the
calls made about it as spans (start, end), dealt onto as few lanes per subject as proper nesting needs.

A viewer draws one track per lane. Spans on one track must nest: where a call overlaps a state change
(or another call) without nesting, it goes to a second lane of the same subject, kept next to the first.
Both Perfetto exports (`labkit.views.export` JSON, `labkit.views.pftrace` protobuf) start here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labkit.readback.replay import replay
from labkit.text import NO_SUBJECT, args_text, result_text
from labkit.trace import Trace


@dataclass(order=True)
class Span:
    """One state interval or call of a subject, in virtual ms."""

    start: float
    neg_end: float  # sorts longer spans first among equal starts: a parent before its children
    rank: int  # states before calls when both cover the same time
    name: str = field(compare=False)
    cat: str = field(compare=False)
    """``state`` or ``call``."""
    args: dict[str, Any] = field(compare=False)
    """What a viewer shows beside the span (seq, actor, arguments by SDK name, result, ...)."""
    span: int | None = field(default=None, compare=False)
    """A call's span id (its completion carries the same one); None for a state."""

    @property
    def end(self) -> float:
        return -self.neg_end


def spans(trace: Trace) -> dict[str, list[Span]]:
    """Each subject's spans: its state intervals, then the calls made about it (a call or an interval still
    open at the end of the trace runs to the last event)."""
    history = replay(trace)
    t_end = history.end
    found: dict[str, list[Span]] = {s: [] for s in history.subjects}
    for interval in history.intervals:
        end = t_end if interval.end is None else interval.end
        shown = {
            "entered_by": interval.entered_by.seq if interval.entered_by else None,
            "left_by": interval.left_by.seq if interval.left_by else None,
            "open_at_end": interval.end is None,
        }
        found[interval.subject].append(Span(interval.start, -end, 0, interval.state, "state", shown))
    for call in history.calls:
        end = t_end if call.returned is None else call.returned.t
        call_args = {
            "seq": call.call.seq,
            "actor": call.call.actor,
            "args": args_text(call.call.args, call.call.name),
            "result": result_text(call.returned, trace.domain),
            "returned": call.returned is not None,
        }
        subject = call.call.subject or NO_SUBJECT
        found.setdefault(subject, []).append(
            Span(call.call.t, -end, 1, call.call.name, "call", call_args, call.call.span)
        )
    return found


def nest(sorted_spans: list[Span]) -> list[list[Span]]:
    """Deal sorted spans onto as few lanes as needed so that spans on each lane nest properly."""
    lanes: list[list[Span]] = []
    stacks: list[list[Span]] = []
    for span in sorted_spans:
        for lane, stack in zip(lanes, stacks, strict=True):
            while stack and stack[-1].end <= span.start:  # ended before this one starts: a sibling
                stack.pop()
            if not stack or stack[-1].end >= span.end:
                stack.append(span)
                lane.append(span)
                break
        else:
            lanes.append([span])
            stacks.append([span])
    return lanes


def lanes(trace: Trace) -> dict[str, list[list[Span]]]:
    """Each subject's lanes (at least one, maybe empty), in the order subjects first appear."""
    return {subject: nest(sorted(found)) or [[]] for subject, found in spans(trace).items()}
