"""The resource DLL side of the contract: the CLRES V2 function table a DLL written in Python implements,
and the monitor callbacks it may call.

Subclass `ResourceDll` and override the entry points under their SDK names. labkit makes one object per
resource per node (one RESID), so instance attributes are per-resource state. The monitor's side is
`self.monitor` (a `Monitor`), set before `OpenV2` is called; `self.node` names the node the object runs
on (what GetComputerName would say).

Entry points return at once in virtual time. Long work goes to a worker: ``ClusWorkerCreate(routine)``
where ``routine(worker, parameter)`` is a generator that ``yield self.monitor.sleep(ms)`` to let virtual
time pass, checks ``ClusWorkerCheckTerminate(worker)`` and reports through ``SetResourceStatusEx``. An
entry point may itself be such a generator: it then blocks the monitor's thread for the time it sleeps,
which is what the 300 ms rule (``SlowEntryPoint``) and DeadlockTimeout are about.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from labkit.winapi import (
    CLUSTER_RESOURCE_STATE,
    ERROR_INVALID_FUNCTION,
    ERROR_SUCCESS,
    FAILURE_TYPE,
    LOG_LEVEL,
    OfflineFlags,
    OnlineFlags,
    ResourceStatusFlags,
)

PropertyList = Mapping[str, int]
"""An InBuffer: the client's property list, property name → DWORD value."""


@dataclass(frozen=True)
class RESOURCE_STATUS_EX:
    """What a DLL reports through SetResourceStatusEx (resapi.h member names)."""

    ResourceState: CLUSTER_RESOURCE_STATE | int
    """The state the resource is in now."""
    CheckPoint: int = 0
    """Must grow with every report of one pending operation."""
    EventHandle: object | None = None
    """Unused by labkit (a handle the DLL would signal on failure)."""
    ApplicationSpecificErrorCode: int = 0
    """The DLL's own error code, shown in the trace."""
    Flags: ResourceStatusFlags = field(default_factory=lambda: ResourceStatusFlags(0))
    """CLUSRESDLL_STATUS_* bits, e.g. OFFLINE_BUSY to say "not now"."""
    WaitHint: int = 0
    """Unused by Windows (G10)."""


@dataclass(frozen=True)
class Sleep:
    """What a worker (or a blocking entry point) yields to let virtual time pass."""

    ms: float


class ClusWorker:
    """A worker thread (CLUS_WORKER) running a generator in virtual time."""

    __slots__ = ("id", "monitor_terminated", "stop_ignored", "terminate_requested", "told_to_stop_at")

    def __init__(self, worker_id: int) -> None:
        self.id = worker_id
        self.terminate_requested = False
        """Set by ClusWorkerTerminate; read by ClusWorkerCheckTerminate."""
        self.monitor_terminated = False
        """The monitor called Terminate while this worker ran: its reports get ResourceExitStateTerminate."""
        self.told_to_stop_at: float | None = None
        """When a report of this worker was first answered ResourceExitStateTerminate."""
        self.stop_ignored = False
        """The worker reported again after that (an IgnoredTerminate fault, recorded once)."""

    @property
    def name(self) -> str:
        return f"worker:{self.id}"

    def __repr__(self) -> str:
        return f"<ClusWorker {self.name}>"


WorkerRoutine = Callable[[ClusWorker, Any], Generator[Sleep, None, Any] | None]
"""PWORKER_START_ROUTINE: called with the worker and the parameter given to ClusWorkerCreate."""


class Monitor(Protocol):
    """The Resource Monitor as a DLL sees it: the callback table plus the ClusWorker helpers."""

    @property
    def now(self) -> float:
        """Virtual time in ms."""
        ...

    @property
    def network_up(self) -> bool:
        """Whether this node's network works (what the DLL would find out by trying)."""
        ...

    def SetResourceStatusEx(self, ResourceHandle: str, ResourceStatus: RESOURCE_STATUS_EX) -> int:
        """Report progress or the end of a pending operation; returns a RESOURCE_EXIT_STATE."""
        ...

    def LogEvent(self, ResourceHandle: str, LogLevel: LOG_LEVEL | int, FormatString: str, *args: Any) -> None:
        """Write a line to the cluster log."""
        ...

    def SetResourceLockedMode(
        self, ResourceHandle: str, LockedModeEnabled: bool, LockedModeReason: int = 0
    ) -> int:
        """Enter or leave locked mode."""
        ...

    def SetResourceLockedModeEx(
        self, ResourceHandle: str, LockedModeEnabled: bool, LockedModeReason: int, LockedModeFlags: int
    ) -> int:
        """SetResourceLockedMode with LOCKED_MODE_FLAGS_DONT_REMOVE_FROM_MOVE_QUEUE (header only, G14)."""
        ...

    def SignalFailure(
        self, ResourceHandle: str, FailureType: FAILURE_TYPE | int, ApplicationSpecificErrorCode: int = 0
    ) -> int:
        """Report a failure of the resource (general, embedded workload, network loss)."""
        ...

    def ClusWorkerCreate(self, StartAddress: WorkerRoutine, Parameter: Any = None) -> ClusWorker:
        """Start a worker running ``StartAddress(worker, Parameter)``."""
        ...

    def ClusWorkerCheckTerminate(self, Worker: ClusWorker) -> bool:
        """True once ClusWorkerTerminate was called for the worker."""
        ...

    def ClusWorkerTerminate(self, Worker: ClusWorker) -> None:
        """Ask the worker to stop (labkit does not wait for it)."""
        ...

    def sleep(self, ms: float) -> Sleep:
        """``yield monitor.sleep(ms)`` in a worker lets ``ms`` of virtual time pass."""
        ...


class ResourceDll:
    """A resource DLL: the CLRES_V2_FUNCTIONS table under SDK names.

    The defaults behave like a trivial resource that goes online and offline at once; override what your
    DLL does differently. Entry points must not block: return ERROR_IO_PENDING and leave the work to a
    worker (`Monitor.ClusWorkerCreate`).
    """

    monitor: Monitor
    """The Resource Monitor's callbacks (set by labkit before OpenV2)."""
    node: str
    """The node this object runs on."""
    random: random.Random
    """A random generator seeded from the run's seed, the node and the resource: use it for jitter."""
    ResourceHandle: str
    """The monitor's handle, as the default OpenV2 stores it."""

    def OpenV2(
        self, ResourceName: str, ResourceKey: Mapping[str, object], ResourceHandle: str, OpenFlags: int
    ) -> object:
        """Create the instance (left offline); return a RESID, or None when it cannot be opened."""
        self.ResourceHandle = ResourceHandle
        return ResourceName

    def Close(self, Resource: object) -> None:
        """Free the instance; it is offline (or terminated) by now."""

    def OnlineV2(
        self,
        Resource: object,
        OnlineFlags: OnlineFlags,
        InBuffer: PropertyList | None,
        InBufferSize: int,
        Reserved: int,
    ) -> int:
        """Bring the resource online: ERROR_SUCCESS, ERROR_IO_PENDING (a worker reports), or an error."""
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
        """Take the resource offline: ERROR_SUCCESS, ERROR_IO_PENDING (a worker reports), or an error."""
        return ERROR_SUCCESS

    def Terminate(self, Resource: object) -> None:
        """Stop at once, without cleanup; stop the workers of a pending Online or Offline."""

    def LooksAlive(self, Resource: object) -> bool:
        """Cheap health check."""
        return True

    def IsAlive(self, Resource: object) -> bool:
        """Thorough health check."""
        return True

    def Cancel(self, Resource: object, CancelFlags_RESERVED: int) -> int:
        """Cancel the pending operation: ERROR_SUCCESS, or an error meaning "not cancelled"."""
        return ERROR_INVALID_FUNCTION

    def ResourceControl(
        self,
        Resource: object,
        ControlCode: int,
        InBuffer: object,
        InBufferSize: int,
        OutBuffer: object,
        OutBufferSize: int,
    ) -> int:
        """Resource control codes (the simulator sends none)."""
        return ERROR_INVALID_FUNCTION
