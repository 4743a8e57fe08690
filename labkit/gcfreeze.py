"""Keep the cyclic garbage collector from rescanning a simulation's growing trace, or the caller's heap.

A long run keeps every event it records (a `TraceEvent` and its `StateChange` are objects the collector
tracks), and nothing in a trace forms a reference cycle. Yet each full (oldest-generation) collection
walks every tracked object again, the caller's too (pandas, matplotlib and a notebook's data are
hundreds of thousands of objects), and CPython runs one whenever the survivors have grown by a quarter:
measured on 100 000 NSPv2 sessions, that was a third of the run, and the reason the cost per session grew
with the number of sessions.

`freeze_survivors` moves what is alive when the run starts, and then whatever survived a full collection,
into the permanent generation (``gc.freeze``), so each full collection walks only what the run created
since the last one. Garbage is still collected: young objects as always, and anything frozen that became
cyclic garbage once the scope ends, when ``gc.unfreeze`` hands every frozen object back to the oldest
generation. Objects that die by reference count (a dropped trace) are freed at once, frozen or not.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

OLDEST = 2
"""The generation whose collection walks every tracked object."""

_lock = threading.Lock()
_depth = 0
_owner = False


def _freeze_after_full_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector itself when a collection ends: what survived a full one is alive right now.
    if phase == "stop" and info["generation"] == OLDEST:
        gc.freeze()


@contextlib.contextmanager
def freeze_survivors() -> Iterator[None]:
    """While the block runs, freeze what is alive at its start and what survives each full collection;
    unfreeze it all at the end.

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
                gc.callbacks.append(_freeze_after_full_collection)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _owner:
                gc.callbacks.remove(_freeze_after_full_collection)
                gc.unfreeze()
                _owner = False
