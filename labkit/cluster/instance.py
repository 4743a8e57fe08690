"""`Instance`: one resource opened in a Resource Monitor process, the DLL object and the monitor's records."""

from __future__ import annotations

import simpy

from labkit.cluster.model import MonitorProcess, Resource
from labkit.cluster.pending import Pending
from labkit.cluster.resdll import ClusWorker, ResourceDll


class Instance:
    """One resource opened in a monitor process: the DLL object and the monitor's bookkeeping."""

    def __init__(self, resource: Resource, dll: ResourceDll, handle: str, monitor: MonitorProcess) -> None:
        self.resource = resource
        self.dll = dll
        self.handle = handle
        self.monitor = monitor
        self.ended: simpy.Event = monitor.ended
        """Triggered when the process this instance lives in ends (its monitor was killed)."""
        self.resid: object = None
        self.busy: simpy.Event | None = None
        """Set while an entry point other than Terminate runs."""
        self.blocking: set[str] = set()
        """The entry points running now that block their monitor's thread (they sleep in virtual time)."""
        self.pending: Pending | None = None
        self.terminated = False
        """Terminate was called and no Online / Offline started since."""
        self.workers: list[ClusWorker] = []

    @property
    def dead(self) -> bool:
        """The process this instance lived in has ended."""
        return bool(self.ended.triggered)
