"""What readback works out about a trace, kept while the trace lives.

A `labkit.Trace` never changes, so its replay, its paired calls, its sessions and its offline operations
never change either: each is worked out once per trace, however many views ask for it (the timeline, the
diff, the summary tables and the explorers all read the same replay). Entries are keyed by the trace's
identity and dropped when the trace is garbage-collected; a kept value must not refer to the trace itself
(it would keep the trace alive), so values hold events and plain data only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from labkit.trace import Trace

T = TypeVar("T")

_KEPT: dict[int, dict[str, Any]] = {}


def remembered(trace: Trace, key: str, work_out: Callable[[Trace], T]) -> T:
    """``work_out(trace)``, computed the first time ``key`` is asked for this trace and kept until the
    trace is collected. ``work_out`` must return immutable data that does not refer to ``trace``."""
    kept = _KEPT.get(id(trace))
    if kept is None:
        kept = _KEPT[id(trace)] = {}
        weakref.finalize(trace, _KEPT.pop, id(trace), None)
    if key not in kept:
        kept[key] = work_out(trace)
    value: T = kept[key]
    return value


def kept_for(trace: Trace) -> tuple[str, ...]:
    """The keys worked out so far for ``trace`` (for tests and curiosity)."""
    return tuple(_KEPT.get(id(trace), ()))
