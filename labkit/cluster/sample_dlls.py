"""Sample resource DLLs, each showing one behaviour of the OfflineV2 contract; registry `dlls` by name.

They are written the way a notebook user would write one: entry points return at once, long work runs on
a worker that reports with growing CheckPoints and stops when asked; the health samples (`SickAfter`,
`LooksAliveHangs`, `OfflineHangs`) show what the monitor does when that goes wrong. Options are
constructor keywords (``Busy(busy_times=5)``); a scenario names the DLL and its options.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any

from labkit.cluster.resdll import (
    RESOURCE_STATUS_EX,
    ClusWorker,
    PropertyList,
    ResourceDll,
    Sleep,
    WorkerRoutine,
)
from labkit.engine.registry import Registry
from labkit.winapi import (
    CLUSTER_RESOURCE_STATE,
    ERROR_IO_PENDING,
    ERROR_OPERATION_ABORTED,
    ERROR_SUCCESS,
    FAILURE_TYPE,
    LOG_LEVEL,
    RESOURCE_EXIT_STATE,
    VM_RESDLL_CONTEXT,
    OfflineFlags,
    OnlineFlags,
    ResourceStatusFlags,
)

S = CLUSTER_RESOURCE_STATE
Work = Generator[Sleep, None, None]


class Generic(ResourceDll):
    """Goes online and offline at once (ERROR_SUCCESS): the plain contract."""


class Pending(ResourceDll):
    """Base of the samples that work on workers: start one, report with growing CheckPoints, stop it."""

    def __init__(self) -> None:
        self.workers: list[ClusWorker] = []

    def pend(self, routine: WorkerRoutine, parameter: Any = None) -> int:
        """Start ``routine`` on a worker and answer ERROR_IO_PENDING."""
        self.workers.append(self.monitor.ClusWorkerCreate(routine, parameter))
        return ERROR_IO_PENDING

    def report(self, state: int, checkpoint: int, flags: int = 0, code: int = 0) -> bool:
        """SetResourceStatusEx; False when the monitor answered ResourceExitStateTerminate."""
        status = RESOURCE_STATUS_EX(
            state, CheckPoint=checkpoint, Flags=ResourceStatusFlags(flags), ApplicationSpecificErrorCode=code
        )
        exit_state = self.monitor.SetResourceStatusEx(self.ResourceHandle, status)
        return exit_state != RESOURCE_EXIT_STATE.ResourceExitStateTerminate

    def progress(self, worker: ClusWorker, count: int, ms: float, state: int, final: int) -> Work:
        """Report ``state`` every ``ms`` with CheckPoints 1…count, the last report ``final``; stop if told."""
        for checkpoint in range(1, count + 1):
            yield self.monitor.sleep(ms)
            if self.monitor.ClusWorkerCheckTerminate(worker):
                return
            if not self.report(final if checkpoint == count else state, checkpoint):
                return

    def Terminate(self, Resource: object) -> None:
        for worker in self.workers:
            self.monitor.ClusWorkerTerminate(worker)
        self.workers.clear()


class SlowFlush(Pending):
    """Offline takes a while: ERROR_IO_PENDING, then OfflinePending reports with rising CheckPoints."""

    def __init__(self, steps: int = 4, step_ms: float = 1000) -> None:
        super().__init__()
        self.steps, self.step_ms = steps, step_ms

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        return self.pend(self.flush)

    def flush(self, worker: ClusWorker, parameter: Any) -> Work:
        yield from self.progress(
            worker, self.steps, self.step_ms, S.ClusterResourceOfflinePending, S.ClusterResourceOffline
        )


class Hung(Pending):
    """Reports twice, then its worker hangs in a blocking call and reports again only much later."""

    def __init__(self, reports: int = 2, step_ms: float = 1000, hang_ms: float = 240_000) -> None:
        super().__init__()
        self.reports, self.step_ms, self.hang_ms = reports, step_ms, hang_ms

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        return self.pend(self.flush)

    def flush(self, worker: ClusWorker, parameter: Any) -> Work:
        for checkpoint in range(1, self.reports + 1):
            yield self.monitor.sleep(self.step_ms)
            self.report(S.ClusterResourceOfflinePending, checkpoint)
        yield self.monitor.sleep(self.hang_ms)  # stuck in a call that ignores ClusWorkerTerminate
        self.report(S.ClusterResourceOffline, self.reports + 1)


class Failing(ResourceDll):
    """OfflineV2 fails at once with an error code (the monitor logs it and calls Terminate)."""

    def __init__(self, error: int = ERROR_OPERATION_ABORTED) -> None:
        self.error = error

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.monitor.LogEvent(
            self.ResourceHandle, LOG_LEVEL.LOG_ERROR, "Offline failed: cannot release the share"
        )
        return self.error


class Locked(Pending):
    """Enters locked mode once online; an offline with IGNORE_RESOURCE_STATUS unlocks and goes offline."""

    def __init__(self, reason: int = 1, step_ms: float = 500) -> None:
        super().__init__()
        self.reason, self.step_ms = reason, step_ms

    def OnlineV2(
        self,
        Resource: object,
        OnlineFlags: OnlineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.monitor.SetResourceLockedMode(self.ResourceHandle, True, self.reason)
        return ERROR_SUCCESS

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.monitor.SetResourceLockedMode(self.ResourceHandle, False, self.reason)
        return self.pend(self.release)

    def release(self, worker: ClusWorker, parameter: Any) -> Work:
        yield from self.progress(
            worker, 2, self.step_ms, S.ClusterResourceOfflinePending, S.ClusterResourceOffline
        )


class Busy(Pending):
    """Says "not now" (OFFLINE_BUSY, still online) to the first ``busy_times`` offline attempts.

    Cancel makes a running attempt stop and report the resource online again.
    """

    def __init__(self, busy_times: int = 3, attempt_ms: float = 500, flush_ms: float = 1000) -> None:
        super().__init__()
        self.busy_times, self.attempt_ms, self.flush_ms = busy_times, attempt_ms, flush_ms
        self.attempts = 0
        self.cancelled = False

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.attempts += 1
        self.cancelled = False
        return self.pend(self.attempt, self.attempts)

    def attempt(self, worker: ClusWorker, attempt: int) -> Work:
        yield self.monitor.sleep(self.attempt_ms)
        if self.monitor.ClusWorkerCheckTerminate(worker):
            return
        if self.cancelled:
            self.report(S.ClusterResourceOnline, 1)
        elif attempt <= self.busy_times:
            self.report(S.ClusterResourceOnline, 1, ResourceStatusFlags.OFFLINE_BUSY)
        elif self.report(S.ClusterResourceOfflinePending, 1):
            yield self.monitor.sleep(self.flush_ms)
            self.report(S.ClusterResourceOffline, 2)

    def Cancel(self, Resource: object, CancelFlags_RESERVED: int) -> int:
        self.cancelled = True
        return ERROR_SUCCESS


class VirtualMachine(Pending):
    """A virtual machine: how it goes offline depends on the flags, the InBuffer and the network.

    - DUE_TO_EMBEDDED_FAILURE or RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR: turn off at once (the guest
      crashed, or the source node still holds its saved state).
    - A move whose InBuffer holds ``{"Virtual Machine": VmResdllContextLiveMigration}``: live migration
      (needs the network).
    - Otherwise save the state to its SMB share (needs the network). Without network it turns off instead
      when the offline has IGNORE_NETWORK_CONNECTIVITY, and fails (NETWORK_NOT_AVAILABLE) when not.

    With ``embedded_failure_after_ms`` the guest crashes that long after the first online and the DLL
    reports it through SignalFailure(FAILURE_TYPE_EMBEDDED).
    """

    PROPERTY = "Virtual Machine"
    """The property name a client uses in the InBuffer (the resource type's name)."""

    def __init__(
        self,
        boot_ms: float = 1000,
        step_ms: float = 1000,
        save_steps: int = 3,
        migrate_steps: int = 4,
        embedded_failure_after_ms: float | None = None,
        guest_error: int = 0x80070490,
    ) -> None:
        super().__init__()
        self.boot_ms, self.step_ms = boot_ms, step_ms
        self.save_steps, self.migrate_steps = save_steps, migrate_steps
        self.embedded_failure_after_ms = embedded_failure_after_ms
        self.guest_error = guest_error
        self.crash_armed = embedded_failure_after_ms is not None

    def OnlineV2(
        self,
        Resource: object,
        OnlineFlags: OnlineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        return self.pend(self.boot)

    def boot(self, worker: ClusWorker, parameter: Any) -> Work:
        yield from self.progress(
            worker, 1, self.boot_ms, S.ClusterResourceOnlinePending, S.ClusterResourceOnline
        )
        if self.crash_armed and not self.monitor.ClusWorkerCheckTerminate(worker):
            self.crash_armed = False
            self.workers.append(self.monitor.ClusWorkerCreate(self.guest))

    def guest(self, worker: ClusWorker, parameter: Any) -> Work:
        yield self.monitor.sleep(self.embedded_failure_after_ms or 0)
        if not self.monitor.ClusWorkerCheckTerminate(worker):
            self.monitor.SignalFailure(
                self.ResourceHandle, FAILURE_TYPE.FAILURE_TYPE_EMBEDDED, self.guest_error
            )

    def OfflineV2(
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        quick = OfflineFlags.DUE_TO_EMBEDDED_FAILURE | OfflineFlags.RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR
        if OfflineFlags & quick:
            self.Terminate(Resource)  # turn off: stop the guest's workers, nothing to save
            return ERROR_SUCCESS
        context = (InBuffer or {}).get(self.PROPERTY)
        live = DestinationNodeName is not None and context == VM_RESDLL_CONTEXT.VmResdllContextLiveMigration
        ignore_network = bool(OfflineFlags & OfflineFlags.IGNORE_NETWORK_CONNECTIVITY)
        return self.pend(self.migrate if live else self.save, ignore_network)

    def save(self, worker: ClusWorker, ignore_network: bool) -> Work:
        yield from self.network_or_not(worker, ignore_network, self.save_steps)

    def migrate(self, worker: ClusWorker, ignore_network: bool) -> Work:
        yield from self.network_or_not(worker, ignore_network, self.migrate_steps)

    def network_or_not(self, worker: ClusWorker, ignore_network: bool, steps: int) -> Work:
        if self.monitor.network_up:
            yield from self.progress(
                worker, steps, self.step_ms, S.ClusterResourceOfflinePending, S.ClusterResourceOffline
            )
            return
        yield self.monitor.sleep(self.step_ms)
        if ignore_network:
            self.report(S.ClusterResourceOffline, 1)  # turned off: better than failing the offline
        else:
            self.report(S.ClusterResourceFailed, 1, ResourceStatusFlags.NETWORK_NOT_AVAILABLE)


class FlakyDestination(Pending):
    """Comes online everywhere except on the nodes in ``fails_on`` (it reports Failed there)."""

    def __init__(
        self, fails_on: Sequence[str] = ("NODE2",), online_ms: float = 1000, error: int = 0x2A
    ) -> None:
        super().__init__()
        self.fails_on, self.online_ms, self.error = tuple(fails_on), online_ms, error

    def OnlineV2(
        self,
        Resource: object,
        OnlineFlags: OnlineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        return self.pend(self.start)

    def start(self, worker: ClusWorker, parameter: Any) -> Work:
        yield self.monitor.sleep(self.online_ms)
        if self.node in self.fails_on:
            self.report(S.ClusterResourceFailed, 1, code=self.error)
        else:
            self.report(S.ClusterResourceOnline, 1)


class SickAfter(ResourceDll):
    """Healthy at first; ``sick_after_ms`` after each online it is sick, and its health checks say so.

    It is sick only on the nodes in ``nodes`` (every node when empty), only for the resources in
    ``resources`` (every one when empty) and only before ``until_ms`` of virtual time (always when None):
    an outage that ends. IsAlive returns FALSE while it is sick;
    LooksAlive too when ``looks_alive_sees`` (then the monitor calls IsAlive at once), else LooksAlive keeps
    returning TRUE and only the next IsAlive poll finds out.
    """

    def __init__(
        self,
        sick_after_ms: float = 20_000,
        nodes: Sequence[str] = (),
        until_ms: float | None = None,
        looks_alive_sees: bool = True,
        resources: Sequence[str] = (),
    ) -> None:
        self.sick_after_ms, self.nodes, self.until_ms = sick_after_ms, tuple(nodes), until_ms
        self.looks_alive_sees, self.resources = looks_alive_sees, tuple(resources)
        self.online_at = 0.0
        self.name = ""

    def OpenV2(
        self, ResourceName: str, ResourceKey: Mapping[str, object], ResourceHandle: str, OpenFlags: int
    ) -> object:
        self.name = ResourceName
        return super().OpenV2(ResourceName, ResourceKey, ResourceHandle, OpenFlags)

    def OnlineV2(
        self,
        Resource: object,
        OnlineFlags: OnlineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        self.online_at = self.monitor.now
        return ERROR_SUCCESS

    def sick(self) -> bool:
        now = self.monitor.now
        return (
            (not self.nodes or self.node in self.nodes)
            and (not self.resources or self.name in self.resources)
            and (self.until_ms is None or now < self.until_ms)
            and now - self.online_at >= self.sick_after_ms
        )

    def LooksAlive(self, Resource: object) -> bool:
        return not (self.looks_alive_sees and self.sick())

    def IsAlive(self, Resource: object) -> bool:
        if self.sick():
            self.monitor.LogEvent(
                self.ResourceHandle, LOG_LEVEL.LOG_ERROR, "IsAlive: the service does not answer"
            )
            return False
        return True


class LooksAliveHangs(ResourceDll):
    """A glitch at ``glitch_at_ms`` leaves a lock held in the processes that were running then: from then
    on LooksAlive of the resources in ``resources`` (every resource when empty) blocks in them for good.

    A DLL object made after the glitch (in a restarted monitor process) does not hang.
    """

    def __init__(self, glitch_at_ms: float = 60_000, resources: Sequence[str] = ()) -> None:
        self.glitch_at_ms, self.resources = glitch_at_ms, tuple(resources)
        self.created_at = 0.0
        self.name = ""

    def OpenV2(
        self, ResourceName: str, ResourceKey: Mapping[str, object], ResourceHandle: str, OpenFlags: int
    ) -> object:
        self.created_at, self.name = self.monitor.now, ResourceName
        return super().OpenV2(ResourceName, ResourceKey, ResourceHandle, OpenFlags)

    # An entry point may block its monitor's thread in virtual time (resdll): a generator, not a bool.
    def LooksAlive(self, Resource: object) -> Generator[Sleep, None, bool] | bool:  # type: ignore[override]
        stuck = self.created_at < self.glitch_at_ms <= self.monitor.now
        if stuck and (not self.resources or self.name in self.resources):
            return self.wait_for_lock()
        return True

    def wait_for_lock(self) -> Generator[Sleep, None, bool]:
        while True:  # the lock is never released in this process
            yield self.monitor.sleep(3_600_000)


class OfflineHangs(ResourceDll):
    """OfflineV2 does its work on the calling thread (no worker) and that work takes ``work_ms``: past
    DeadlockTimeout the monitor is killed. Comes online at once."""

    def __init__(self, work_ms: float = 600_000) -> None:
        self.work_ms = work_ms

    # An entry point may block its monitor's thread in virtual time (resdll): a generator, not an int.
    def OfflineV2(  # type: ignore[override]
        self,
        Resource: object,
        DestinationNodeName: str | None,
        OfflineFlags: OfflineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> Generator[Sleep, None, int]:
        yield self.monitor.sleep(self.work_ms)  # flushing synchronously: what the 300 ms rule forbids
        return ERROR_SUCCESS


dlls: Registry[type[ResourceDll]] = Registry("resource DLL")
for _cls in (
    Generic,
    SlowFlush,
    Hung,
    Failing,
    Locked,
    Busy,
    VirtualMachine,
    FlakyDestination,
    SickAfter,
    LooksAliveHangs,
    OfflineHangs,
):
    dlls.add(_cls.__name__, _cls)
