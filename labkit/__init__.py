"""labkit: run and see two Windows callback contracts.

- `labkit.nspv2`: the Winsock broker driving an NSPv2 namespace provider through client sessions.
- `labkit.cluster`: the cluster (RCM) and Resource Monitor (RHS) driving a resource DLL through OfflineV2.

Both record every callback in a `Trace`; `labkit.views` turns traces into tables and timelines.
"""

from typing import TYPE_CHECKING, Any

from labkit._version import __version__
from labkit.exceptions import (
    LabkitError,
    OutputExistsError,
    SimulationError,
    TraceFormatError,
    TraceProblem,
    UnknownNameError,
    WallClockTimeout,
)
from labkit.trace import Evidence, Kind, StateChange, Trace, TraceEvent, TraceHeader, Tracer, read_trace

if TYPE_CHECKING:
    from labkit.trace.read import read_frame


__all__ = [
    "Evidence",
    "Kind",
    "LabkitError",
    "OutputExistsError",
    "SimulationError",
    "StateChange",
    "Trace",
    "TraceEvent",
    "TraceFormatError",
    "TraceHeader",
    "TraceProblem",
    "Tracer",
    "UnknownNameError",
    "WallClockTimeout",
    "__version__",
    "read_frame",
    "read_trace",
]


def __getattr__(name: str) -> Any:
    # read_frame needs pandas and msgspec: imported on first use, so `import labkit` (and the command
    # line) stays quick.
    if name == "read_frame":
        from labkit.trace.read import read_frame

        return read_frame
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
