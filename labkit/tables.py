"""pandas tables over traces: the events frame (one row per event) and the tables built on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from labkit.trace import Evidence, Kind, Trace


def events_frame(trace: Trace) -> pd.DataFrame:
    """One row per event, with dtypes that suit analysis.

    seq int64, t float64 (virtual ms), kind / name / actor / evidence categorical, subject / result_name /
    state_from / state_to / ref string, result and span nullable Int64, args the event's argument dict.
    ``frame.attrs["problems"]`` holds the problems of a leniently read trace.
    """
    events = list(trace)
    frame = frame_from_columns(
        seq=[e.seq for e in events],
        t=[e.t for e in events],
        kind=[e.kind.value for e in events],
        name=[e.name for e in events],
        actor=[e.actor for e in events],
        subject=[e.subject for e in events],
        args=[dict(e.args) for e in events],
        result=[e.result for e in events],
        result_name=[e.result_name for e in events],
        span=[e.span for e in events],
        evidence=[e.evidence.value for e in events],
        state_from=[e.state.old if e.state else None for e in events],
        state_to=[e.state.new if e.state else None for e in events],
        ref=[e.ref for e in events],
    )
    frame.attrs["problems"] = trace.problems
    return frame


def frame_from_columns(
    *,
    seq: Sequence[int] | np.ndarray,
    t: Sequence[float] | np.ndarray,
    kind: list[str],
    name: list[str],
    actor: list[str],
    subject: list[str],
    args: list[dict[str, Any]],
    result: Sequence[int | None] | pd.arrays.IntegerArray,
    result_name: list[str | None],
    span: Sequence[int | None] | pd.arrays.IntegerArray,
    evidence: list[str],
    state_from: list[str | None],
    state_to: list[str | None],
    ref: list[str | None],
) -> pd.DataFrame:
    """The events frame from its columns: the one place its dtypes are decided (`events_frame` and
    `labkit.read_frame` both build through it, so they give identical frames)."""

    def strings(values: list[str] | list[str | None]) -> pd.api.extensions.ExtensionArray:
        return pd.array(values, dtype="string")

    return pd.DataFrame(
        {
            "seq": pd.array(seq, dtype="int64"),
            "t": pd.array(t, dtype="float64"),
            "kind": pd.Categorical(kind, categories=[k.value for k in Kind]),
            "name": pd.Categorical(name),
            "actor": pd.Categorical(actor),
            "subject": strings(subject),
            "args": pd.Series(args, dtype=object),
            "result": pd.array(result, dtype="Int64"),
            "result_name": strings(result_name),
            "span": pd.array(span, dtype="Int64"),
            "evidence": pd.Categorical(evidence, categories=[v.value for v in Evidence]),
            "state_from": strings(state_from),
            "state_to": strings(state_to),
            "ref": strings(ref),
        }
    )
