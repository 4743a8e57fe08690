"""pandas tables over traces: the events frame (one row per event) and the tables built on it."""

from __future__ import annotations

import pandas as pd

from labkit.trace import Evidence, Kind, Trace


def events_frame(trace: Trace) -> pd.DataFrame:
    """One row per event, with dtypes that suit analysis.

    seq int64, t float64 (virtual ms), kind / name / actor / evidence categorical, subject / result_name /
    state_from / state_to / ref string, result and span nullable Int64, args the event's argument dict.
    """
    events = list(trace)

    def strings(values: list[str | None]) -> pd.api.extensions.ExtensionArray:
        return pd.array(values, dtype="string")

    return pd.DataFrame(
        {
            "seq": pd.array([e.seq for e in events], dtype="int64"),
            "t": pd.array([e.t for e in events], dtype="float64"),
            "kind": pd.Categorical([e.kind.value for e in events], categories=[k.value for k in Kind]),
            "name": pd.Categorical([e.name for e in events]),
            "actor": pd.Categorical([e.actor for e in events]),
            "subject": strings([e.subject for e in events]),
            "args": pd.Series([dict(e.args) for e in events], dtype=object),
            "result": pd.array([e.result for e in events], dtype="Int64"),
            "result_name": strings([e.result_name for e in events]),
            "span": pd.array([e.span for e in events], dtype="Int64"),
            "evidence": pd.Categorical(
                [e.evidence.value for e in events], categories=[v.value for v in Evidence]
            ),
            "state_from": strings([e.state.old if e.state else None for e in events]),
            "state_to": strings([e.state.new if e.state else None for e in events]),
            "ref": strings([e.ref for e in events]),
        }
    )
