"""The events frame: one row per event, with the dtypes every analysis starts from.

`frame_from_columns` is the one place the dtypes are decided: `Trace.to_frame` and `labkit.read_frame`
both build through it, so they give identical frames. pandas is imported here and only here in trace/,
and this module is only imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from labkit.trace.literal import LiteralFrame
from labkit.trace.vocab import Evidence, Kind


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
    """The events frame from its columns: the one place its dtypes are decided (`Trace.to_frame` and
    `labkit.read_frame` both build through it, so they give identical frames)."""

    def strings(values: list[str] | list[str | None]) -> pd.api.extensions.ExtensionArray:
        return pd.array(values, dtype="string")

    return LiteralFrame(
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
