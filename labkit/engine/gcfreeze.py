"""Keep the cyclic garbage collector from rescanning a simulation's growing trace, or the caller's heap.

A long run keeps every event it records (a `TraceEvent` and its `StateChange` are objects the collector
tracks), and nothing in a trace forms a reference cycle. Yet every object that outlives two young
collections lands in the oldest generation, and each full collection walks all of that again, the
caller's objects too (pandas, matplotlib and a notebook's data are hundreds of thousands). CPython runs
one whenever the oldest generation has grown by a quarter: measured on 100 000 NSPv2 sessions, that was
a third of the run, and the reason the cost per session grew with the number of sessions.

Inside `freeze_survivors`, what is alive when the run starts, and then whatever survives a collection of
the middle or oldest generation, goes to the permanent generation (``gc.freeze``) instead of staying in
the oldest: each object of the run is walked by two young collections, like any other, and never again.
Garbage is still collected: young objects as always, and anything frozen that became cyclic garbage once
the scope ends, when ``gc.unfreeze`` hands every frozen object back to the oldest generation. Objects
that die by reference count (a dropped trace, most of what a run makes) are freed at once, frozen or not.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

OLDEST = 2
"""The generation whose collection walks every tracked object; survivors of the one before move into it."""

_lock = threading.Lock()
_depth = 0
_owner = False


def _freeze_after_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector when a collection ends. After one of the middle or oldest generation, its
    # survivors sit in the oldest: freeze them (gc.freeze moves every generation, in constant time).
    if phase == "stop" and info["generation"] >= OLDEST - 1:
        gc.freeze()


@contextlib.contextmanager
def freeze_survivors() -> Iterator[None]:
    """While the block runs, freeze what is alive at its start and what would enter the oldest
    generation; unfreeze it all at the end.

    Scopes nest and may overlap across threads: the outermost one installs the hook and the last to end
    removes it and unfreezes. A process that froze objects itself (``gc.freeze()`` before forking, say)
    is left alone: its frozen set is its own to manage, so the scope does nothing.
    """
    global _depth, _owner
    with _lock:
        if _depth == 0:
            _owner = gc.get_freeze_count() == 0
            if _owner:
                gc.freeze()
                gc.callbacks.append(_freeze_after_collection)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _owner:
                gc.callbacks.remove(_freeze_after_collection)
                gc.unfreeze()
                _owner = False
