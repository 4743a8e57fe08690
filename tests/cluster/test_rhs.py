"""The Resource Monitor on its own: entry points are serialised, only Terminate may overlap them."""

from labkit.cluster import rules
from labkit.cluster.context import RunContext
from labkit.cluster.model import RESOURCE_PROPERTIES, Group, Node, Resource
from labkit.cluster.policy import Policy
from labkit.cluster.resdll import ResourceDll
from labkit.cluster.rhs import Rhs
from labkit.engine.guard import UserCodeGuard
from labkit.trace import TraceHeader
from labkit.winapi import (
    ERROR_IO_PENDING,
    ERROR_OPERATION_ABORTED,
    ERROR_SUCCESS,
    OnlineFlags,
    cluster_profile,
)
from tests.cluster import story


class SlowOnline(ResourceDll):
    """OnlineV2 holds the monitor's thread for 1000 ms of virtual time."""

    def OnlineV2(self, *args):
        yield self.monitor.sleep(1000)
        return ERROR_SUCCESS


def monitor():
    ctx = RunContext(
        TraceHeader(domain="cluster", scenario="inline"), cluster_profile("2016"), Policy(), UserCodeGuard()
    )
    group = Group("G", "NODE1", ("NODE1",))
    res = Resource("R", group, "NODE1", dict(RESOURCE_PROPERTIES), {})
    return ctx, res, Rhs(ctx, Node("NODE1"), seed=0)


def test_close_waits_for_a_running_entry_point_but_terminate_does_not():
    """Close asked for at 100 ms runs when OnlineV2 returns at 1000 ms; Terminate at 200 ms runs at once."""
    ctx, res, rhs = monitor()

    def script():
        yield from rhs.open(res, SlowOnline)
        ctx.spawn(rhs.online(res, OnlineFlags(0), None))
        yield ctx.env.timeout(100)
        ctx.spawn(rhs.close(res))
        yield ctx.env.timeout(100)
        ctx.spawn(rhs.terminate(res, "ClusterResourceOffline", rules.TERMINATE))

    ctx.spawn(script())
    ctx.env.run()
    assert story(ctx.tracer.trace) == [
        "0 rcm state RmonInitializing monitor:1 @NODE1",
        "0 rhs state RmonIdle monitor:1 @NODE1",
        "0 rcm note HostedBy",
        "0 rhs call OpenV2",
        "0 dll return OpenV2",
        "0 rhs state ClusterResourceOffline R @NODE1",
        "0 rcm state ClusterGroupOffline group:G @NODE1",
        "0 rhs call OnlineV2 OnlineFlags=0",
        "0 rhs state RmonOnlineResource monitor:1 @NODE1",
        "200 rhs call Terminate",
        "200 dll return Terminate",
        "1000 dll return OnlineV2 -> ERROR_SUCCESS",
        "1000 rhs fault SlowEntryPoint",
        "1000 rhs state RmonIdle monitor:1 @NODE1",
        "1000 rhs call Close",
        "1000 dll return Close",
    ]
    assert res.state == "ClusterResourceOffline"


def test_closing_an_instance_ends_its_locked_mode():
    """Locked mode belongs to the DLL instance: after Close the resource is no longer locked."""
    ctx, res, rhs = monitor()

    class LocksOnOpen(ResourceDll):
        def OpenV2(self, ResourceName, ResourceKey, ResourceHandle, OpenFlags):
            self.monitor.SetResourceLockedMode(ResourceHandle, True, 1)
            return super().OpenV2(ResourceName, ResourceKey, ResourceHandle, OpenFlags)

    def script():
        yield from rhs.open(res, LocksOnOpen)
        assert res.locked
        yield from rhs.close(res)

    ctx.spawn(script())
    ctx.env.run()
    assert not res.locked
    assert ctx.tracer.trace.names() == [
        "RmonInitializing",
        "RmonIdle",
        "HostedBy",
        "OpenV2",
        "SetResourceLockedMode",
        "SetResourceLockedMode",
        "OpenV2",
        "ClusterResourceOffline",
        "ClusterGroupOffline",
        "Close",
        "Close",
    ]


def test_terminate_during_a_pending_online_completes_it():
    """Terminate while OnlineV2 is pending completes it with ERROR_OPERATION_ABORTED and the online fails."""
    ctx, res, rhs = monitor()
    ends = []

    class Pends(ResourceDll):
        def OnlineV2(self, *args):
            return ERROR_IO_PENDING

    def online():
        ends.append((yield from rhs.online(res, OnlineFlags(0), None)))

    def script():
        yield from rhs.open(res, Pends)
        ctx.spawn(online())
        yield ctx.env.timeout(100)
        yield from rhs.terminate(res, None, rules.TERMINATE)

    ctx.spawn(script())
    ctx.env.run()
    assert story(ctx.tracer.trace)[7:] == [
        "0 rhs call OnlineV2 OnlineFlags=0",
        "0 dll return OnlineV2 -> ERROR_IO_PENDING",
        "0 rhs state ClusterResourceOnlinePending R @NODE1",
        "100 rhs complete OnlineV2 -> ERROR_OPERATION_ABORTED",
        "100 rhs call Terminate",
        "100 dll return Terminate",
    ]
    assert [(e.outcome.value, e.code) for e in ends] == [("failed", ERROR_OPERATION_ABORTED)]
