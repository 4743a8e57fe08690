"""Shared fixtures: small traces built inline."""

import pytest

from labkit.trace import Kind, TraceHeader, Tracer


def make_tracer(domain="cluster", scenario="inline", **kwargs):
    return Tracer(TraceHeader(domain=domain, scenario=scenario, params={"seed": 0}, labkit="0.1.0"), **kwargs)


@pytest.fixture
def small_trace():
    """A five-event cluster trace: call, state, complete, return, fault."""
    tracer = make_tracer()
    call = tracer.record(
        Kind.CALL,
        "OfflineV2",
        actor="rhs",
        subject="Disk",
        args={"OfflineFlags": 6},
        t=0,
        evidence="documented",
    )
    tracer.record(
        Kind.STATE,
        "ClusterResourceOfflinePending",
        actor="rhs",
        subject="Disk",
        t=1,
        state=("ClusterResourceOnline", "ClusterResourceOfflinePending"),
        evidence="documented",
    )
    tracer.record(
        Kind.RETURN,
        "OfflineV2",
        actor="dll",
        subject="Disk",
        result=997,
        span=call.span,
        t=1,
        evidence="documented",
    )
    tracer.record(
        Kind.COMPLETE,
        "SetResourceStatusEx",
        actor="worker:1",
        subject="Disk",
        t=50.5,
        args={"ResourceState": 3, "CheckPoint": 1},
        evidence="documented",
    )
    tracer.record(
        Kind.FAULT,
        "LateReport",
        actor="rhs",
        subject="Disk",
        t=60,
        args={"rule": "report after terminate"},
        evidence="inferred",
        ref="cluster-offline §4",
    )
    return tracer.trace
