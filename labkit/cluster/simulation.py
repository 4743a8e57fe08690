"""`simulate`: run one cluster scenario in virtual time and return its trace and outcome.

Deterministic: the same scenario, flags, OS profile, DLL, policies and seed give a byte-identical trace.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from labkit.cluster import rules as R
from labkit.cluster.context import RunContext
from labkit.cluster.policy import Policy
from labkit.cluster.rcm import Cluster
from labkit.cluster.resdll import ResourceDll
from labkit.cluster.sample_dlls import dlls
from labkit.cluster.scenarios import Scenario, resource_properties, scenarios, split_properties
from labkit.engine import runloop, scaffold
from labkit.engine.gcfreeze import freeze_survivors
from labkit.engine.guard import DEFAULT_LIMIT_S, UserCodeGuard
from labkit.engine.run import Run
from labkit.exceptions import SimulationError
from labkit.trace import Trace
from labkit.winapi import OfflineFlags, cluster_profile, error_name

DllChoice = str | type[ResourceDll] | ResourceDll | Callable[[], ResourceDll]
FlagChoice = OfflineFlags | int | str | Iterable[str]


def simulate(
    scenario: str | Scenario,
    *,
    flags: FlagChoice | None = None,
    os: str = "2016",
    dll: DllChoice | None = None,
    seed: int = 0,
    policy: Policy | Mapping[str, Any] | None = None,
    properties: Mapping[str, int] | None = None,
    horizon_ms: float | None = None,
    health: bool | None = None,
    guard_limit_s: float = DEFAULT_LIMIT_S,
    max_steps: int = runloop.MAX_STEPS,
) -> Run:
    """Run ``scenario`` (a name or a `Scenario`) and return its `Run` (trace + outcome summary).

    ``flags``: the OfflineFlags the scenario's client requests ask for (names, ``"0x6"``, an int or
    `OfflineFlags`); default the scenario's. ``os``: ``2012``, ``2012r2`` or ``2016``. ``dll``: a name in
    `dlls`, a `ResourceDll` subclass, an instance (copied for every node) or a factory; default the
    scenario's. ``policy``: a `Policy`, or a mapping of the inferred choices that differ from the
    scenario's. ``properties``: resource and group common properties that differ from the scenario's
    (RestartAction, LooksAlivePollInterval, FailoverThreshold, …). ``health``: whether the monitors poll
    online resources with LooksAlive / IsAlive (default: the scenario's). The run lasts ``horizon_ms``
    of virtual time at most (default the scenario's; `labkit.engine.scaffold`); user code that blocks
    longer than ``guard_limit_s`` real seconds is stopped and recorded as a fault; DLL code that keeps
    virtual time from advancing, or the run going past ``max_steps`` events, is a fault that ends the
    run. Calls still waiting when the run ends are closed as ``abandoned``.
    """
    chosen = scenarios.get(scenario)
    requested = chosen.flags if flags is None else _flags(flags)
    profile = cluster_profile(os)
    rules = Policy.of(policy, base=chosen.policy)
    values = resource_properties({**chosen.properties, **(properties or {})})
    factory, dll_name, options = _factory(chosen, dll)
    horizon = scaffold.check_horizon(chosen.horizon_ms if horizon_ms is None else horizon_ms)
    polls = chosen.health if health is None else bool(health)
    params = {
        "scenario": chosen.name,
        "dll": dll_name,
        "dll_options": _jsonable(options),
        "os": profile.name,
        "seed": seed,
        "flags": str(requested),
        "policies": rules.as_params(),
        "properties": values,
        **_layout(chosen),
        "horizon_ms": horizon,
        "health": polls,
        "guard_limit_s": guard_limit_s,
    }
    header = scaffold.header("cluster", chosen.name, params)
    with UserCodeGuard(guard_limit_s) as guard, freeze_survivors():
        ctx = RunContext(header, profile, rules, guard)
        ctx.health = polls
        cluster = _cluster(ctx, chosen, values, factory, requested, seed)
        ending = _run(ctx, cluster, chosen, requested, horizon, max_steps)
        trace = scaffold.close_run(ctx.tracer, ending, R.RUN_END)
    return Run(trace, _outcome(trace, ending, ctx, cluster))


def _cluster(
    ctx: RunContext,
    chosen: Scenario,
    values: Mapping[str, int],
    factory: Callable[[], ResourceDll],
    requested: OfflineFlags,
    seed: int,
) -> Cluster:
    """The cluster of the scenario's layout, with these property values."""
    resource, group = split_properties(values)
    layout = [(g.name, g.node, g.resources) for g in chosen.groups]
    depends = {name: providers for g in chosen.groups for name, providers in g.depends.items()}
    return Cluster(
        ctx,
        chosen.nodes,
        layout,
        resource,
        chosen.private,
        factory,
        requested,
        seed,
        depends=depends,
        group_properties=group,
    )


def _run(
    ctx: RunContext,
    cluster: Cluster,
    chosen: Scenario,
    requested: OfflineFlags,
    horizon: float,
    max_steps: int,
) -> scaffold.Ending:
    """Play the scenario to the horizon and record how the run ended."""
    if requested and not chosen.requests:
        ctx.note(
            "FlagsUnused",
            R.RUN_NOTES,
            actor="rcm",
            subject="",
            OfflineFlags=int(requested),
            message="the scenario has no client request to carry the requested flags",
        )
    ctx.spawn(cluster.run(chosen.steps))
    ending = scaffold.run_to_horizon(ctx.env, horizon, max_steps=max_steps)
    _record_ending(ctx, ending)
    return ending


def _layout(scenario: Scenario) -> dict[str, Any]:
    """The header's private properties, nodes and groups of ``scenario``."""
    return {
        "private": _jsonable(scenario.private),
        "nodes": list(scenario.nodes),
        "groups": {
            g.name: {
                "node": g.node,
                "resources": list(g.resources),
                **({"depends": {k: list(v) for k, v in g.depends.items()}} if g.depends else {}),
            }
            for g in scenario.groups
        },
    }


def _record_ending(ctx: RunContext, ending: scaffold.Ending) -> None:
    """A runaway is blamed on the DLL code that ran last; a run stopped at its horizon says so."""
    if ending.runaway is not None:
        ctx.runaway(ending.runaway)
    elif ending.work_left:
        ctx.note(
            "HorizonReached",
            R.RUN_NOTES,
            actor="rcm",
            subject="",
            message=f"the run stopped at its horizon of {ending.horizon_ms:g} ms with work still scheduled",
        )


def _outcome(trace: Trace, ending: scaffold.Ending, ctx: RunContext, cluster: Cluster) -> dict[str, Any]:
    """The shared outcome keys, then the first request's result, the final states and the flags seen."""
    main = cluster.requests[0].result if cluster.requests else None
    effective = 0
    for word in ctx.offline_flags:
        effective |= word
    return scaffold.outcome(
        trace,
        ending,
        result=main,
        result_name=error_name(main, "cluster") if main is not None else None,
        resources={
            r.name: {"state": r.state, "node": r.node, "PersistentState": r.persistent_state}
            for r in cluster.resources.values()
        },
        groups={g.name: {"state": g.state, "node": g.node} for g in cluster.groups.values()},
        calls=dict(ctx.calls),
        offline_flags=list(ctx.offline_flags),
        effective_flags=effective,
    )


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
