"""Columns the store works out from a whole trace when it is added, so questions over many traces need
no window over millions of rows: ``state_until``, the end of each state (docs/store-schema.md).

Worked out on the whole trace before its events are split into partitions: an imported log's resource
may change state on one node and next on another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import pyarrow as pa

    Column: TypeAlias = pa.Array | pa.ChunkedArray

STATE_UNTIL = "state_until"


def state_until(kind: Column, subject: Column, t: Column) -> pa.Array:
    """For each ``state`` event, the time of the next ``state`` event of the same subject in the trace
    (the moment the state it entered ended); null for a subject's last state and for other events.

    The columns are one trace's events in trace order (seq order, as both converters give them).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(t)
    states = np.flatnonzero(pc.equal(kind, "state").to_numpy(zero_copy_only=False))
    until = np.full(n, np.nan)
    if len(states) > 1:
        subjects = pc.dictionary_encode(pc.take(subject, pa.array(states))).combine_chunks()
        codes = subjects.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(codes, kind="stable")  # each subject's states together, still in trace order
        times = np.asarray(pc.take(t, pa.array(states)).to_numpy(zero_copy_only=False), dtype=float)[order]
        same = codes[order][1:] == codes[order][:-1]
        ends = np.full(len(states), np.nan)
        ends[:-1][same] = times[1:][same]
        until[states[order]] = ends
    return pa.array(until, pa.float64(), mask=np.isnan(until))
