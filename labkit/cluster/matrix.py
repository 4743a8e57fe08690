"""The flag matrix: one scenario run once per combination of the seven OfflineV2 flags (128 rows).

Each row says what was asked for, what the DLL actually received after the OS profile and the cluster's
own flags, and how it ended. pandas is used only to assemble the rows once every run is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any

from labkit.cluster.client import CLIENT_FLAGS
from labkit.cluster.policy import Policy
from labkit.cluster.scenarios import Scenario, scenarios
from labkit.cluster.simulation import DllChoice, simulate
from labkit.engine.run import Run
from labkit.winapi import OfflineFlags, cluster_profile, error_name

if TYPE_CHECKING:
    import pandas as pd

    from labkit.store import Store

COLUMNS = (
    "os",
    "flags",
    "requested",
    "effective",
    "what_if",
    "result",
    "state",
    "node",
    "persistent_state",
    "callbacks",
    "faults",
    "end_ms",
)
"""The matrix's columns, in order."""


def flag_matrix(
    scenario: str | Scenario,
    *,
    os: str | Iterable[str] = "2016",
    dll: DllChoice | None = None,
    seed: int = 0,
    policy: Policy | Mapping[str, Any] | None = None,
    store: str | PathLike[str] | Store | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` with every combination of the seven OfflineFlags, on one OS profile or several.

    Columns: ``os``; ``flags`` (the requested word as an int); ``requested`` and ``effective`` (flag
    names: what the requests asked for, and the union of what OfflineV2 received); ``what_if`` (the
    requested flags no client API of the scenario's requests can send — 0x08, 0x10 and 0x20 never, 0x40
    only through OfflineClusterResourceEx — so the row is a what-if; empty when a client could ask for
    it); ``result`` (the first
    request's Win32 result name); ``state`` and ``node`` of the scenario's first resource at the end;
    ``persistent_state``; ``callbacks`` (entry points the monitor called, with counts); ``faults`` (by
    name, with counts); and ``end_ms`` (virtual time of the last event). ``policy`` as for `simulate`.
    ``store``: also add every run's trace to that trace store (`labkit.store`; a path is created if
    missing), all in one atomic add.
    """
    import pandas as pd

    chosen = scenarios.get(scenario)
    rules = Policy.of(policy, base=chosen.policy)
    profiles = [os] if isinstance(os, str) else list(os)
    sendable = sendable_flags(chosen)
    rows = []
    traces = []
    for name in (cluster_profile(p).name for p in profiles):
        for bits in range(OfflineFlags.mask() + 1):
            run = simulate(chosen, flags=OfflineFlags(bits), os=name, dll=dll, seed=seed, policy=rules)
            rows.append(_row(run, chosen, name, bits, sendable))
            if store is not None:
                origin = f"cluster.flag_matrix({chosen.name!r}) os={name} flags={OfflineFlags(bits)}"
                traces.append((run.trace, origin))
    if store is not None:
        from labkit.store import Store
        from labkit.store import open as open_store

        chosen_store = store if isinstance(store, Store) else open_store(store, create=True)
        chosen_store.add_traces(traces)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def sendable_flags(scenario: Scenario) -> OfflineFlags:
    """The OfflineV2 flags a client API of the scenario's requests can ask for (§6.4): a requested flag
    outside them reaches OfflineV2 only as a what-if (policy ``unmapped_flags``)."""
    flags = OfflineFlags(0)
    for step in scenario.steps:
        if step.api in CLIENT_FLAGS:
            for bit in CLIENT_FLAGS[step.api][1]:
                flags |= bit
    return flags


def _row(run: Run, scenario: Scenario, os: str, bits: int, sendable: OfflineFlags) -> tuple[Any, ...]:
    out = run.outcome
    first = scenario.groups[0].resources[0]
    resource = out["resources"][first]
    result = out["result"]
    state = resource["state"] or ""
    return (
        os,
        bits,
        str(OfflineFlags(bits)),
        str(OfflineFlags(out["effective_flags"])),
        str(OfflineFlags(bits & ~sendable)) if bits & ~sendable else "",
        "" if result is None else error_name(result, "cluster"),
        state.removeprefix("ClusterResource"),
        resource["node"],
        resource["PersistentState"],
        _counted(out["calls"]),
        _counted(out["faults"]),
        out["end_ms"],
    )


def _counted(counts: Mapping[str, int]) -> str:
    """``OfflineV2×2, Terminate``: names with their counts, a count of one left out."""
    return ", ".join(f"{name}×{count}" if count > 1 else name for name, count in counts.items())


OUTCOME = ("result", "state", "node", "persistent_state", "faults")
"""The columns that make an outcome: two rows with the same values ended the same way."""


def flag_effects(matrix: pd.DataFrame) -> pd.DataFrame:
    """What each flag changes: for every flag and OS profile, how many of the 64 pairs of rows that differ
    only in that flag end differently, and an example of the change (``state Online → Failed``).

    ``matrix`` is a `flag_matrix` result. A flag with no effect in a scenario shows 0 changed pairs.
    """
    import pandas as pd

    rows = []
    for os_name, table in matrix.groupby("os", sort=False):
        by_flags = {
            int(bits): row for bits, row in zip(table["flags"], table.itertuples(index=False), strict=True)
        }
        for flag in OfflineFlags.single_flags():
            changed, example = 0, ""
            for bits, without in by_flags.items():
                if bits & flag or (bits | flag) not in by_flags:
                    continue
                with_flag = by_flags[bits | flag]
                differences = [
                    f"{column} {getattr(without, column)} → {getattr(with_flag, column)}"
                    for column in OUTCOME
                    if getattr(without, column) != getattr(with_flag, column)
                ]
                if differences:
                    changed += 1
                    example = example or "; ".join(differences)
            rows.append((os_name, flag.name, f"{int(flag):#04x}", changed, example))
    return pd.DataFrame(rows, columns=["os", "flag", "value", "pairs changed", "example (without → with)"])
