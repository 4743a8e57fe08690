"""`simulate`: run an NSPv2 scenario in virtual time and return its trace.

SimPy drives the clock, client processes, provider workers and timeouts; nothing depends on wall-clock
time or hash order, so the same inputs give a byte-identical trace.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Generator, Iterable, Mapping
from dataclasses import replace
from typing import Any

import simpy

from labkit import __version__
from labkit.engine import runloop
from labkit.engine.gcfreeze import freeze_survivors
from labkit.engine.guard import DEFAULT_LIMIT_S, UserCodeGuard
from labkit.engine.run import Run
from labkit.exceptions import SimulationError
from labkit.nspv2.broker import Broker
from labkit.nspv2.clients import Client, ClientProcess
from labkit.nspv2.policy import Policy
from labkit.nspv2.providers import providers
from labkit.nspv2.scenarios import Host, ProviderSpec, Scenario, scenarios
from labkit.trace import TraceHeader, Tracer
from labkit.winapi import NspOsProfile, nsp_profile

DEFAULT_ASYNC_DEADLINE_MS = 5_000.0
"""[INF] A NextEx / SetServiceEx not completed this long after the call is reported NeverCompleted (the
client stays blocked, as a real one would)."""


def simulate(
    scenario: str | Scenario,
    *,
    provider: ProviderSpec | None = None,
    policy: Policy | Mapping[str, str | None] | None = None,
    os: str | NspOsProfile | None = None,
    seed: int = 0,
    clients: Iterable[Client] | None = None,
    horizon_ms: float | None = None,
    async_deadline_ms: float | None = DEFAULT_ASYNC_DEADLINE_MS,
    guard_limit_s: float = DEFAULT_LIMIT_S,
    max_steps: int = runloop.MAX_STEPS,
) -> Run:
    """Run ``scenario`` (a name or a `Scenario`) and return the `Run` with its trace.

    ``provider`` replaces the first host's provider: a registered name or a class gives a fresh instance
    per run; an instance is used as it is, so its state (registrations, counters) carries over between runs.
    ``policy`` is a `Policy` or a mapping of choices to change (``{"crash": "both"}``); ``os`` an NSPv2
    profile (``vista``, ``win7``); ``clients`` replaces the scenario's clients. Provider code that raises
    or blocks longer than ``guard_limit_s`` real seconds becomes a fault; the run goes on. Provider code
    that keeps virtual time from advancing, or keeps the run going past ``max_steps`` events, is a fault
    that ends the run (`labkit.engine.runloop`); calls still waiting then are closed as ``abandoned``.
    """
    chosen = scenarios.get(scenario)
    profile = nsp_profile(os or chosen.os)
    rules = policy if isinstance(policy, Policy) else chosen.policy.with_choices(policy)
    hosts = list(chosen.hosts)
    if provider is not None:
        hosts[0] = replace(hosts[0], provider=provider)
    for host in hosts:
        if isinstance(host.provider, str):
            providers.get(host.provider)  # an unknown name fails here, listing the valid ones
    specs = tuple(chosen.clients if clients is None else clients)
    horizon = chosen.horizon_ms if horizon_ms is None else horizon_ms
    if isinstance(horizon, bool) or not isinstance(horizon, int | float) or not 0 < horizon < 1e12:
        raise SimulationError(f"horizon_ms must be a positive number of milliseconds, not {horizon!r}")
    header = TraceHeader(
        domain="nspv2",
        labkit=__version__,
        scenario=chosen.name,
        params={
            "scenario": chosen.name,
            "provider": provider_label(hosts[0].provider),
            "providers": {host.label: provider_label(host.provider) for host in hosts},
            "os": profile.name,
            "seed": seed,
            "policies": rules.as_params(),
            "horizon_ms": horizon,
            "async_deadline_ms": async_deadline_ms,
            "clients": len(specs),
        },
    )
    env = simpy.Environment()
    tracer = Tracer(header, clock=lambda: float(env.now))
    with UserCodeGuard(guard_limit_s) as guard, freeze_survivors():
        broker = Broker(
            env,
            tracer,
            guard,
            profile=profile,
            policy=rules,
            rng=random.Random(seed),  # noqa: S311 - a seeded simulation, not cryptography
            async_deadline_ms=async_deadline_ms,
            qualify_subjects=len(hosts) > 1,
        )
        for entry in {host.entry.lpProviderId: host.entry for host in hosts if host.install}.values():
            broker.install(entry)
        for host in hosts:
            env.process(_host(broker, host))
        processes = [ClientProcess(broker, spec) for spec in specs]
        # Every client process starts at t=0 (then waits for its start_ms): a run with many clients does a
        # lot at one instant without running away, so that limit grows with them.
        runaway = runloop.run(
            env,
            horizon,
            inclusive=True,
            max_steps=max_steps,
            max_steps_at_one_instant=max(runloop.MAX_STEPS_AT_ONE_INSTANT, 10 * len(processes)),
        )
        if runaway is not None:
            broker.dispatch.runaway(runaway)
        broker.finish()
        if runaway is not None:
            why = f"labkit stopped the run ({runaway.name})"
        elif env.peek() != float("inf"):  # events remain, all of them after the horizon
            why = f"the run reached its horizon of {horizon:g} ms"
        else:
            why = "the run ended: nothing more was scheduled"
        runloop.close_open_spans(tracer, why)
    trace = tracer.close()
    outcome = {
        "sessions": {state: n for state, n in sorted(broker.dispatch.session_states.items()) if n},
        "faults": dict(sorted(broker.dispatch.fault_counts.items())),
        "clients": dict(sorted(Counter(p.outcome for p in processes).items())),
        "end_ms": trace[-1].t if len(trace) else 0.0,
    }
    return Run(trace, outcome)


def provider_label(spec: ProviderSpec) -> str:
    """How the trace header names a provider: its registered name, else its class name."""
    if isinstance(spec, str):
        return spec
    for name, factory in providers.items():
        if spec is factory:
            return name
    if isinstance(spec, functools.partial):
        return f"{spec.func.__name__}(...)"
    return spec.__name__ if isinstance(spec, type) else type(spec).__name__


def _is_factory(spec: ProviderSpec) -> bool:
    return isinstance(spec, type | functools.partial) or (
        callable(spec) and not hasattr(spec, "NSPv2LookupServiceBegin")
    )


def _host(broker: Broker, host: Host) -> Generator[simpy.Event, Any, None]:
    """A provider host process: create the provider, advertise, later maybe unadvertise."""
    env = broker.env
    if host.advertise_at_ms:
        yield env.timeout(host.advertise_at_ms)
    spec = providers.get(host.provider) if isinstance(host.provider, str) else host.provider
    if _is_factory(spec):
        outcome = broker.guard.call(f"{provider_label(spec)}()", spec)
        if outcome.fault is not None:
            broker.dispatch.user_code_fault(outcome.fault, subject=f"provider:{host.label}")
            return
        spec = outcome.value
    instance = broker.advertise(host.entry, spec, name=host.label, user=host.user, logon=host.logon)
    if instance is not None and host.unadvertise_at_ms is not None:
        yield env.timeout(max(0.0, host.unadvertise_at_ms - host.advertise_at_ms))
        broker.unadvertise(instance)
