"""The cluster (RCM) and Resource Monitor (RHS) driving a resource DLL through OfflineV2.

    from labkit import cluster
    from labkit.winapi import OfflineFlags as F

    run = cluster.simulate("move-busy-dll", flags=F.QUEUE_ENABLED, os="2016")
    run.trace.names()                                  # every call, report and state change
    cluster.flag_matrix("move-busy-dll", os="2012")    # one row per combination of the seven flags

Write a DLL by subclassing `ResourceDll` (see `labkit.cluster.resdll`); the samples are in `dlls`.
"""

from labkit.cluster.matrix import flag_effects, flag_matrix
from labkit.cluster.policy import Policy
from labkit.cluster.resdll import RESOURCE_STATUS_EX, ClusWorker, Monitor, ResourceDll, Sleep
from labkit.cluster.sample_dlls import dlls
from labkit.cluster.scenarios import GroupLayout, Scenario, scenarios
from labkit.cluster.simulation import simulate

__all__ = [
    "RESOURCE_STATUS_EX",
    "ClusWorker",
    "GroupLayout",
    "Monitor",
    "Policy",
    "ResourceDll",
    "Scenario",
    "Sleep",
    "dlls",
    "flag_effects",
    "flag_matrix",
    "scenarios",
    "simulate",
]
