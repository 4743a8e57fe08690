"""`Instance`: one resource opened in a node's Resource Monitor, the DLL object and the monitor's records."""

from __future__ import annotations

import simpy

from labkit.cluster.model import Resource
from labkit.cluster.pending import Pending
from labkit.cluster.resdll import ClusWorker, ResourceDll


class Instance:
    """One resource opened in this node's monitor: the DLL object and the monitor's bookkeeping."""

    def __init__(self, resource: Resource, dll: ResourceDll, handle: str) -> None:
        self.resource = resource
        self.dll = dll
        self.handle = handle
        self.resid: object = None
        self.busy: simpy.Event | None = None
        """Set while an entry point other than Terminate runs."""
        self.pending: Pending | None = None
        self.terminated = False
        """Terminate was called and no Online / Offline started since."""
        self.workers: list[ClusWorker] = []
