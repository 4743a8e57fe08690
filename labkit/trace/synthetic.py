"""Synthetic traces of any length, for benchmarks and load tests of the readers and views.

`write_synthetic_trace` records a cluster-like workload through `Tracer` and `JsonlFileSink`, so the file is
exactly what a simulator writes: resources going offline through the ``ERROR_IO_PENDING`` protocol,
interleaved, with status reports, the odd timeout fault and note. The events are plausible, not a model
of Windows: use the simulators for behaviour. Same ``n_events`` and ``seed`` give the same bytes.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from labkit import winapi
from labkit.trace import JsonlFileSink, Kind, Trace, TraceHeader, Tracer

_NODES = ("node1", "node2", "node3", "node4")
_REF = "cluster-offline §4"


def synthetic_trace(n_events: int, *, seed: int = 0) -> Trace:
    """A trace of exactly ``n_events`` events, in memory."""
    tracer = _tracer(None, n_events, seed, force=False)
    _record(tracer, n_events, seed)
    return tracer.close()


def write_synthetic_trace(
    path: str | os.PathLike[str], n_events: int, *, seed: int = 0, force: bool = False
) -> Path:
    """Record ``n_events`` events into a new trace file at ``path`` and return the path.

    A million events make a 260 MB file in about ten seconds.
    """
    tracer = _tracer(Path(path), n_events, seed, force=force)
    _record(tracer, n_events, seed)
    tracer.close()
    return Path(path)


def _tracer(path: Path | None, n_events: int, seed: int, *, force: bool) -> Tracer:
    header = TraceHeader(
        domain="cluster",
        scenario="synthetic",
        params={"n_events": n_events, "seed": seed, "resources": _resource_count(n_events)},
    )
    sinks = [JsonlFileSink(path, header, force=force)] if path is not None else []
    return Tracer(header, sinks=sinks)


def _resource_count(n_events: int) -> int:
    return max(1, min(200, n_events // 500))


def _record(tracer: Tracer, n_events: int, seed: int) -> None:
    """Take the next step of a randomly chosen resource until ``n_events`` events are recorded."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible workload, not a secret
    resources = [f"Disk{i}" for i in range(_resource_count(n_events))]
    steps = dict.fromkeys(resources, 0)
    open_calls: dict[tuple[str, str], int] = {}  # (resource, routine) -> seq of the call not yet returned
    t = 0.0
    for _ in range(n_events):
        subject = rng.choice(resources)
        t += rng.expovariate(1 / 3.0)
        step = steps[subject]
        steps[subject] = (step + 1) % _STEPS
        kind, name, actor, fields = _step(step, rng)
        if kind in (Kind.RETURN, Kind.COMPLETE):
            fields["span"] = open_calls[subject, name]
        # No simulator rule made these events: they say their evidence themselves (Tracer.record needs it).
        fields.setdefault("evidence", "documented")
        event = tracer.record(kind, name, actor=actor, subject=subject, t=t, **fields)
        if kind is Kind.CALL:
            open_calls[subject, name] = event.seq


_STEPS = 8


def _step(step: int, rng: random.Random) -> tuple[Kind, str, str, dict[str, Any]]:
    """Event number ``step`` of a resource's offline cycle: kind, name, actor and the other fields."""
    node = rng.choice(_NODES)
    worker = f"worker:{rng.randrange(4)}"
    match step:
        case 0:
            flags = rng.choice((0, 2, 4, 6, 0x26))
            args = {
                "OfflineFlags": flags,
                "DestinationNodeName": node,
                "hResource": f"0x{rng.randrange(1 << 16):x}",
            }
            return Kind.CALL, "OfflineV2", "rhs", {"args": args}
        case 1:
            state = ("ClusterResourceOnline", "ClusterResourceOfflinePending")
            args = {"node": node, "reason": "offline requested"}
            return Kind.STATE, state[1], "rhs", {"args": args, "state": state}
        case 2:
            args = {"elapsed_ms": round(rng.random() * 5, 3), "thread": 1}
            return Kind.RETURN, "OfflineV2", "dll", {"args": args, "result": winapi.ERROR_IO_PENDING}
        case 3:
            args = {"ResourceState": 3, "CheckPoint": rng.randrange(1, 50), "StatusFlags": rng.choice((0, 1))}
            return (
                Kind.CALL,
                "SetResourceStatusEx",
                worker,
                {"args": args, "evidence": "observed", "ref": _REF},
            )
        case 4:
            args = {"ResourceState": 3, "elapsed_ms": round(rng.random(), 3)}
            return Kind.RETURN, "SetResourceStatusEx", worker, {"args": args, "result": 0}
        case 5 if rng.random() < 0.02:
            args = {"rule": "the DLL stayed pending past PendingTimeout", "routine": "OfflineV2"}
            return Kind.FAULT, "PendingTimeout", "rhs", {"args": args, "ref": _REF}
        case 5:
            return (
                Kind.NOTE,
                "StatusReported",
                "rhs",
                {"args": {"CheckPoint": 1, "node": node}, "evidence": "inferred"},
            )
        case 6:
            args = {"node": node, "pending_ms": round(rng.random() * 900, 1)}
            return Kind.COMPLETE, "OfflineV2", "rhs", {"args": args, "result": 0}
        case _:
            state = ("ClusterResourceOfflinePending", "ClusterResourceOffline")
            args = {"node": node, "reason": "offline completed", "ResourceState": 3}
            return Kind.STATE, state[1], "rhs", {"args": args, "state": state}
