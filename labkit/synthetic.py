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
    """Take one step of a randomly chosen resource until ``n_events`` events are recorded."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible workload, not a secret
    resources = [f"Disk{i}" for i in range(_resource_count(n_events))]
    steps = dict.fromkeys(resources, 0)
    spans: dict[str, int] = {}  # the open OfflineV2 call of each resource
    status_spans: dict[str, int] = {}  # its open SetResourceStatusEx call
    t = 0.0
    for _ in range(n_events):
        subject = rng.choice(resources)
        t += rng.expovariate(1 / 3.0)
        step = steps[subject]
        steps[subject] = (step + 1) % 8
        node = rng.choice(_NODES)
        if step == 0:
            flags = rng.choice((0, 2, 4, 6, 0x26))
            call = tracer.record(
                Kind.CALL,
                "OfflineV2",
                actor="rhs",
                subject=subject,
                args={
                    "OfflineFlags": flags,
                    "DestinationNodeName": node,
                    "hResource": f"0x{rng.randrange(1 << 16):x}",
                },
                t=t,
            )
            spans[subject] = call.seq
        elif step == 1:
            tracer.record(
                Kind.STATE,
                "ClusterResourceOfflinePending",
                actor="rhs",
                subject=subject,
                args={"node": node, "reason": "offline requested"},
                state=("ClusterResourceOnline", "ClusterResourceOfflinePending"),
                t=t,
            )
        elif step == 2:
            tracer.record(
                Kind.RETURN,
                "OfflineV2",
                actor="dll",
                subject=subject,
                result=winapi.ERROR_IO_PENDING,
                span=spans[subject],
                args={"elapsed_ms": round(rng.random() * 5, 3), "thread": 1},
                t=t,
            )
        elif step == 3:
            status = tracer.record(
                Kind.CALL,
                "SetResourceStatusEx",
                actor=f"worker:{rng.randrange(4)}",
                subject=subject,
                args={
                    "ResourceState": 3,
                    "CheckPoint": rng.randrange(1, 50),
                    "StatusFlags": rng.choice((0, 1)),
                },
                evidence="observed",
                ref=_REF,
                t=t,
            )
            status_spans[subject] = status.seq
        elif step == 4:
            tracer.record(
                Kind.RETURN,
                "SetResourceStatusEx",
                actor=f"worker:{rng.randrange(4)}",
                subject=subject,
                args={"ResourceState": 3, "elapsed_ms": round(rng.random(), 3)},
                result=0,
                span=status_spans[subject],
                t=t,
            )
        elif step == 5:
            if rng.random() < 0.02:
                tracer.record(
                    Kind.FAULT,
                    "PendingTimeout",
                    actor="rhs",
                    subject=subject,
                    args={"rule": "the DLL stayed pending past PendingTimeout", "routine": "OfflineV2"},
                    evidence="documented",
                    ref=_REF,
                    t=t,
                )
            else:
                tracer.record(
                    Kind.NOTE,
                    "StatusReported",
                    actor="rhs",
                    subject=subject,
                    args={"CheckPoint": 1, "node": node},
                    evidence="inferred",
                    t=t,
                )
        elif step == 6:
            tracer.record(
                Kind.COMPLETE,
                "OfflineV2",
                actor="rhs",
                subject=subject,
                result=0,
                span=spans[subject],
                args={"node": node, "pending_ms": round(rng.random() * 900, 1)},
                t=t,
            )
        else:
            tracer.record(
                Kind.STATE,
                "ClusterResourceOffline",
                actor="rhs",
                subject=subject,
                args={"node": node, "reason": "offline completed", "ResourceState": 3},
                state=("ClusterResourceOfflinePending", "ClusterResourceOffline"),
                t=t,
            )
