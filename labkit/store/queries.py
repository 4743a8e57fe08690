"""Questions people ask of many traces, as SQL over a store's ``events`` and ``traces`` views.

Plain strings: run them with `labkit.store.Store.sql`, `labkit query`, or any DuckDB connected to the
store (`Store.connect`). The lab notebook and the benchmarks ask them.
"""

OFFLINE_OUTCOMES = """
WITH calls AS (
    SELECT trace_id, seq, OfflineFlags FROM events WHERE kind = 'call' AND name = 'OfflineV2'
), ends AS (
    SELECT trace_id, span, arg_max(result_name, seq) AS outcome
    FROM events
    WHERE name = 'OfflineV2' AND kind IN ('return', 'complete')
    GROUP BY trace_id, span
)
SELECT flag_names('OfflineFlags', calls.OfflineFlags) AS effective, coalesce(outcome, '') AS outcome,
    count(*) AS operations
FROM calls LEFT JOIN ends ON ends.trace_id = calls.trace_id AND ends.span = calls.seq
GROUP BY ALL
ORDER BY operations DESC, effective, outcome
"""
"""Offline operations per effective flag word (what OfflineV2 received) and outcome: the last result of the
call, its completion when it pended (empty when it never returned)."""

STATE_TIME = """
SELECT subject AS resource, state_to AS state, sum(state_until - t) AS ms, count(*) AS intervals
FROM events
WHERE kind = 'state' AND domain = 'cluster' AND subject NOT LIKE '%:%' AND state_until IS NOT NULL
GROUP BY ALL
ORDER BY resource, state
"""
"""Time each cluster resource spent in each state, summed over every stored run (milliseconds; the state a
run ends in has no end, so it is not counted). Groups and nodes (``group:``, ``node:``) are left out. Each
state event's end (``state_until``: the next state event of the same subject in its trace) is worked out
when the trace is added, so the question is a filter and a sum, with no window over every state event."""
