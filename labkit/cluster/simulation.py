"""`simulate`: run one cluster scenario in virtual time and return its trace and outcome.

Deterministic: the same scenario, flags, OS profile, DLL, policies and seed give a byte-identical trace.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from labkit.cluster.dlls import dlls
from labkit.cluster.policies import Policies
from labkit.cluster.rcm import Cluster
from labkit.cluster.resdll import ResourceDll
from labkit.cluster.scenarios import Scenario, resource_properties, scenarios
from labkit.cluster.sim import Sim
from labkit.engine import runloop
from labkit.engine.gcfreeze import freeze_survivors
from labkit.engine.guard import DEFAULT_LIMIT_S, UserCodeGuard
from labkit.engine.run import Run
from labkit.exceptions import SimulationError
from labkit.trace import Evidence, TraceHeader
from labkit.winapi import OfflineFlags, cluster_profile, error_name

DllChoice = str | type[ResourceDll] | ResourceDll | Callable[[], ResourceDll]
FlagChoice = OfflineFlags | int | str | Iterable[str]
HORIZON_MS = 3_600_000
"""Default end of a run in virtual ms (one hour)."""


def simulate(
    scenario: str | Scenario,
    *,
    flags: FlagChoice | None = None,
    os: str = "2016",
    dll: DllChoice | None = None,
    seed: int = 0,
    policies: Mapping[str, Any] | None = None,
    properties: Mapping[str, int] | None = None,
    horizon_ms: float = HORIZON_MS,
    guard_limit_s: float = DEFAULT_LIMIT_S,
    max_steps: int = runloop.MAX_STEPS,
) -> Run:
    """Run ``scenario`` and return its `Run` (trace + outcome summary).

    ``flags``: the OfflineFlags the scenario's client requests ask for (names, ``"0x6"``, an int or
    `OfflineFlags`); default the scenario's. ``os``: ``2012``, ``2012r2`` or ``2016``. ``dll``: a name in
    `dlls`, a `ResourceDll` subclass, an instance (copied for every node) or a factory; default the
    scenario's. ``policies`` / ``properties``: inferred choices and resource common properties that
    differ from the scenario's. The run stops at ``horizon_ms`` of virtual time at the latest; user code
    that blocks longer than ``guard_limit_s`` real seconds is stopped and recorded as a fault; DLL code
    that keeps virtual time from advancing, or the run going past ``max_steps`` events, is a fault that
    ends the run (`labkit.engine.runloop`). Calls still waiting when the run ends are closed as ``abandoned``.
    """
    chosen = scenarios.get(scenario)
    requested = chosen.flags if flags is None else _flags(flags)
    profile = cluster_profile(os)
    rules = Policies.build(policies, base=Policies.build(chosen.policies))
    values = resource_properties({**chosen.properties, **(properties or {})})
    factory, dll_name, options = _factory(chosen, dll)
    if isinstance(horizon_ms, bool) or not isinstance(horizon_ms, int | float) or not 0 < horizon_ms < 1e12:
        raise SimulationError(f"horizon_ms must be a positive number of milliseconds, not {horizon_ms!r}")
    params = {
        "scenario": chosen.name,
        "dll": dll_name,
        "dll_options": _jsonable(options),
        "os": profile.name,
        "seed": seed,
        "flags": str(requested),
        "policies": rules.to_params(),
        "properties": values,
        "private": _jsonable(chosen.private),
        "nodes": list(chosen.nodes),
        "groups": {g.name: {"node": g.node, "resources": list(g.resources)} for g in chosen.groups},
        "horizon_ms": horizon_ms,
        "guard_limit_s": guard_limit_s,
    }
    header = TraceHeader(domain="cluster", scenario=chosen.name, params=params)
    with UserCodeGuard(guard_limit_s) as guard, freeze_survivors():
        sim = Sim(header, profile, rules, guard)
        layout = [(g.name, g.node, g.resources) for g in chosen.groups]
        cluster = Cluster(sim, chosen.nodes, layout, values, chosen.private, factory, requested, seed)
        if requested and not chosen.requests:
            sim.note(
                "FlagsUnused",
                actor="rcm",
                subject="",
                section="§6.4",
                OfflineFlags=int(requested),
                message="the scenario has no client request to carry the requested flags",
            )
        sim.spawn(cluster.run(chosen.steps))
        runaway = runloop.run(sim.env, horizon_ms, inclusive=False, max_steps=max_steps)
        if runaway is not None:
            sim.runaway(runaway)
        elif sim.env.now < horizon_ms:
            sim.env.run(until=horizon_ms)  # nothing is left before the horizon: move the clock there
        finished = runaway is None and not sim.busy
        if runaway is None and not finished:
            sim.note(
                "HorizonReached",
                actor="rcm",
                subject="",
                section="§4",
                evidence=Evidence.INFERRED,
                message=f"the run stopped at its horizon of {horizon_ms:g} ms with work still scheduled",
            )
        why = (
            f"labkit stopped the run ({runaway.name})"
            if runaway is not None
            else f"the run reached its horizon of {horizon_ms:g} ms"
        )
        runloop.close_open_spans(sim.tracer, why)
    trace = sim.tracer.close()
    main = cluster.requests[0].result if cluster.requests else None
    effective = 0
    for word in sim.offline_flags:
        effective |= word
    outcome = {
        "result": main,
        "result_name": error_name(main, "cluster") if main is not None else None,
        "resources": {
            r.name: {"state": r.state, "node": r.node, "PersistentState": r.persistent_state}
            for r in cluster.resources.values()
        },
        "groups": {g.name: {"state": g.state, "node": g.node} for g in cluster.groups.values()},
        "calls": dict(sim.calls),
        "faults": list(sim.fault_names),
        "offline_flags": list(sim.offline_flags),
        "effective_flags": effective,
        "duration_ms": trace[-1].t if len(trace) else 0.0,
        "finished": finished,
    }
    return Run(trace, outcome)


def _flags(value: FlagChoice) -> OfflineFlags:
    if isinstance(value, OfflineFlags):
        return value
    if isinstance(value, bool):
        raise SimulationError(f"flags must be OfflineFlags, names or a number, not {value!r}")
    return OfflineFlags.parse(value)


def _factory(
    scenario: Scenario, dll: DllChoice | None
) -> tuple[Callable[[], ResourceDll], str, Mapping[str, Any]]:
    """A factory that makes one DLL object per node, the name the header shows, and the options used."""
    if dll is None or (isinstance(dll, str) and dll == scenario.dll):
        cls = dlls.get(scenario.dll)
        options = dict(scenario.dll_options)
        return functools.partial(cls, **options), scenario.dll, options
    if isinstance(dll, str):
        return dlls.get(dll), dll, {}
    if isinstance(dll, type):
        if not issubclass(dll, ResourceDll):
            raise SimulationError(
                f"dll must be a labkit.cluster.ResourceDll subclass, not {dll.__qualname__}"
            )
        return dll, dll.__qualname__, {}
    if isinstance(dll, ResourceDll):
        template = dll
        return (lambda: copy.deepcopy(template)), type(dll).__qualname__, {}
    if callable(dll):
        return dll, getattr(dll, "__qualname__", type(dll).__qualname__), {}
    raise SimulationError(
        f"dll must be a name, a ResourceDll subclass, an instance or a factory, not {dll!r}"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)
