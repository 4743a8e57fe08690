"""`Run`: what a simulation returns."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.trace import Trace


@dataclass(frozen=True)
class Run:
    """One simulation: its trace and a small outcome summary (final states, counts) for quick checks."""

    trace: Trace
    """Every call, return, completion, state change and fault, in order."""
    outcome: Mapping[str, Any] = field(default_factory=dict)
    """Domain-specific results derived from the run (e.g. final state and node of each resource)."""

    @property
    def faults(self) -> Trace:
        """The fault events of the trace."""
        return self.trace.faults

    def write(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the trace as JSON Lines (never overwrites unless ``force``)."""
        return self.trace.write(path, force=force)

    def _repr_html_(self) -> str:
        return self.trace._repr_html_()
