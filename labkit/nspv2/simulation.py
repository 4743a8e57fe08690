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

from labkit.engine import runloop, scaffold
from labkit.engine.gcfreeze import freeze_survivors
from labkit.engine.guard import DEFAULT_LIMIT_S, UserCodeGuard
from labkit.engine.run import Run
from labkit.nspv2 import rules as R
from labkit.nspv2.broker import Broker
from labkit.nspv2.clients import Client, ClientProcess
from labkit.nspv2.policy import Policy
from labkit.nspv2.sample_providers import providers
from labkit.nspv2.scenarios import Host, ProviderSpec, Scenario, scenarios
from labkit.trace import Tracer
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
    profile (``vista``, ``win7``); ``clients`` replaces the scenario's clients. The run lasts
    ``horizon_ms`` of virtual time at most (default the scenario's; `labkit.engine.scaffold`). Provider
    code that raises or blocks longer than ``guard_limit_s`` real seconds becomes a fault; the run goes
    on. Provider code that keeps virtual time from advancing, or keeps the run going past ``max_steps``
    events, is a fault that ends the run; calls still waiting then are closed as ``abandoned``.
    """
    chosen = scenarios.get(scenario)
    profile = nsp_profile(os or chosen.os)
    rules = Policy.of(policy, base=chosen.policy)
    hosts = _hosts(chosen, provider)
    specs = tuple(chosen.clients if clients is None else clients)
    horizon = scaffold.check_horizon(chosen.horizon_ms if horizon_ms is None else horizon_ms)
    params = {
        "scenario": chosen.name,
        **_providers(hosts),
        "os": profile.name,
        "seed": seed,
        "policies": rules.as_params(),
        "horizon_ms": horizon,
        "async_deadline_ms": async_deadline_ms,
        "clients": len(specs),
    }
    env = simpy.Environment()
    tracer = Tracer(scaffold.header("nspv2", chosen.name, params), clock=lambda: float(env.now))
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
        processes = _start(broker, hosts, specs)
        ending = _run(broker, horizon, max_steps, clients=len(processes))
        trace = scaffold.close_run(tracer, ending, R.RUN_END)
    sessions = {state: n for state, n in sorted(broker.dispatch.session_states.items()) if n}
    clients_by_outcome = dict(sorted(Counter(p.outcome for p in processes).items()))
    return Run(trace, scaffold.outcome(trace, ending, sessions=sessions, clients=clients_by_outcome))


def _hosts(chosen: Scenario, provider: ProviderSpec | None) -> list[Host]:
    """The scenario's provider hosts, the first one's provider replaced by ``provider``."""
    hosts = list(chosen.hosts)
    if provider is not None:
        hosts[0] = replace(hosts[0], provider=provider)
    for host in hosts:
        if isinstance(host.provider, str):
            providers.get(host.provider)  # an unknown name fails here, listing the valid ones
    return hosts


def _run(broker: Broker, horizon: float, max_steps: int, *, clients: int) -> scaffold.Ending:
    """Run to the horizon; a runaway is blamed on the provider code that ran last; open calls end."""
    # Every client process starts at t=0 (then waits for its start_ms): a run with many clients does a
    # lot at one instant without running away, so that limit grows with them.
    at_one_instant = max(runloop.MAX_STEPS_AT_ONE_INSTANT, 10 * clients)
    ending = scaffold.run_to_horizon(
        broker.env, horizon, max_steps=max_steps, max_steps_at_one_instant=at_one_instant
    )
    if ending.runaway is not None:
        broker.dispatch.runaway(ending.runaway)
    broker.finish()
    return ending


def _providers(hosts: list[Host]) -> dict[str, Any]:
    """The header's providers: the first host's, and every host's by label."""
    return {
        "provider": provider_label(hosts[0].provider),
        "providers": {host.label: provider_label(host.provider) for host in hosts},
    }


def _start(broker: Broker, hosts: list[Host], specs: tuple[Client, ...]) -> list[ClientProcess]:
    """Install the catalog entries, start the provider hosts and the client processes."""
    for entry in {host.entry.lpProviderId: host.entry for host in hosts if host.install}.values():
        broker.install(entry)
    for host in hosts:
        broker.env.process(_host(broker, host))
    return [ClientProcess(broker, spec) for spec in specs]


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
    """A provider host process, as Microsoft's sample host runs: WSAStartup, create the provider, advertise,
    later maybe unadvertise; WSACleanup at ``wsacleanup_at_ms``, advertised or not."""
    env = broker.env
    if host.wsacleanup_at_ms is not None:
        env.process(_host_cleanup_at(broker, host.label, host.wsacleanup_at_ms))
    if host.advertise_at_ms:
        yield env.timeout(host.advertise_at_ms)
    if host.wsastartup:
        broker.host_startup(host.label)
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


def _host_cleanup_at(broker: Broker, name: str, at_ms: float) -> Generator[simpy.Event, Any, None]:
    yield broker.env.timeout(at_ms)
    broker.host_cleanup(name)
