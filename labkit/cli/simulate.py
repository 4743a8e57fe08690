"""Commands that run the simulators: scenarios, simulate nspv2 / cluster, matrix."""

from __future__ import annotations

import argparse
import sys

from labkit.cli.common import Commands, Parser, count
from labkit.exceptions import UsageError
from labkit.trace import Trace


def add_scenarios(commands: Commands) -> None:
    scenarios = commands.add_parser(
        "scenarios",
        help="list the named scenarios of both domains",
        description="List every named scenario: its domain (as 'labkit simulate' spells it), name and what "
        "it shows.",
    )
    scenarios.add_argument(
        "--domain", choices=["nspv2", "cluster", "offline"], help="only this domain (offline: cluster)"
    )
    scenarios.set_defaults(run=_scenarios)


def _scenarios(args: argparse.Namespace) -> int:
    from labkit import cluster, nspv2
    from labkit.text import sentence

    wanted = "cluster" if args.domain == "offline" else args.domain
    rows = [
        (word, scenario.name, sentence(scenario.summary))
        for word, registry in (("nspv2", nspv2.scenarios), ("cluster", cluster.scenarios))
        if wanted in (None, word)
        for scenario in registry
    ]
    domain_width = max(len(word) for word, _, _ in rows)
    name_width = max(len(name) for _, name, _ in rows)
    for word, name, summary in rows:
        print(f"{word:{domain_width}}  {name:{name_width}}  {summary}")
    return 0


def add_simulate(commands: Commands) -> Commands:
    simulate = commands.add_parser(
        "simulate",
        help="run a scenario and write its trace",
        description="Run a named scenario of one domain and write its trace as JSON Lines.",
    )
    domains = simulate.add_subparsers(dest="domain", metavar="DOMAIN", parser_class=Parser)
    domains.required = True
    return domains


def add_nspv2_simulate(commands: Commands) -> None:
    nspv2 = commands.add_parser(
        "nspv2",
        help="the Winsock broker driving an NSPv2 provider through client sessions",
        description="Run a named NSPv2 scenario and write its trace (JSON Lines). Unknown names list "
        "the valid ones.",
    )
    nspv2.add_argument("--scenario", required=True, metavar="NAME", help="a scenario name")
    nspv2.add_argument("--provider", metavar="NAME", help="replace the first host's provider")
    nspv2.add_argument("--crash-policy", metavar="both|rundown|cleanup", help="what a client crash triggers")
    nspv2.add_argument("--startup-policy", metavar="first-use|wsastartup", help="when NSPv2Startup fires")
    nspv2.add_argument(
        "--unadvertise-policy",
        metavar="both|rundown|silent|drain",
        help="what unadvertising does to open sessions",
    )
    nspv2.add_argument("--os", metavar="vista|win7", help="NSPv2 OS profile (default: the scenario's)")
    nspv2.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _output_options(nspv2)
    nspv2.set_defaults(run=_simulate_nspv2)


def _simulate_nspv2(args: argparse.Namespace) -> int:
    from labkit import nspv2

    policy = {
        "crash": args.crash_policy,
        "startup": args.startup_policy,
        "unadvertise": args.unadvertise_policy,
    }
    run = nspv2.simulate(args.scenario, provider=args.provider, policy=policy, os=args.os, seed=args.seed)
    where = _save(run.trace, args, f"labkit simulate nspv2 --scenario {args.scenario}")
    print(f"{where}: {count(len(run.trace), 'event')}, {count(len(run.faults), 'fault')}")
    return 0


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", help="where to write the trace (JSON Lines)")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument(
        "--store", metavar="STORE", help="add the trace to this trace store (created if missing)"
    )


def _save(trace: Trace, args: argparse.Namespace, origin: str) -> str:
    """Write ``trace`` where the command line asks (--out, --store or both); says where it went."""
    if not args.out and not args.store:
        raise UsageError("say where the trace goes: --out FILE, --store STORE, or both")
    places = []
    if args.out:
        places.append(str(trace.write(args.out, force=args.force)))
    if args.store:
        from labkit import store

        trace_id = store.add_trace(args.store, trace, origin=origin)
        places.append(f"{args.store} (trace {trace_id})")
    return ", ".join(places)


def add_cluster_commands(simulate: Commands, commands: Commands) -> None:
    offline = simulate.add_parser(
        "cluster",
        aliases=["offline"],
        help="the cluster and its Resource Monitors driving a resource DLL (offline is the old name)",
        description="Run a named cluster scenario and write its trace (JSON Lines): OfflineV2 and its flags, "
        "health checks, restarts, failovers, deadlocked monitors. Unknown names list the valid ones.",
    )
    offline.add_argument("--scenario", required=True, metavar="NAME", help="a cluster scenario name")
    offline.add_argument(
        "--flags",
        metavar="FLAGS",
        help="OfflineFlags the requests ask for: names joined by ',' or '|' (QUEUE_ENABLED,"
        "RETURN_TO_SOURCE_NODE_ON_ERROR) or a number (0x6); default: the scenario's",
    )
    _cluster_options(offline)
    offline.add_argument(
        "--property",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a resource or group common property, e.g. RestartAction=1 or FailoverThreshold=5 (repeatable)",
    )
    offline.add_argument(
        "--health",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="poll online resources with LooksAlive / IsAlive (default: the scenario's)",
    )
    _output_options(offline)
    offline.set_defaults(run=_simulate_offline)

    matrix = commands.add_parser(
        "matrix",
        help="run a cluster scenario with all 128 combinations of the seven OfflineV2 flags",
        description="One row per combination of the seven CLUS_RESDLL_OFFLINE_* flags: what was asked "
        "for, what OfflineV2 received on the OS profile, and how the run ended.",
    )
    matrix.add_argument("--scenario", required=True, metavar="NAME", help="a cluster scenario name")
    _cluster_options(matrix, several_os=True)
    matrix.add_argument("--out", metavar="FILE.csv", help="write CSV there instead of printing the table")
    matrix.add_argument("--force", action="store_true", help="overwrite FILE.csv if it exists")
    matrix.add_argument(
        "--store", metavar="STORE", help="also add every run's trace to this trace store (created if missing)"
    )
    matrix.set_defaults(run=_matrix)


def _cluster_options(parser: argparse.ArgumentParser, *, several_os: bool = False) -> None:
    parser.add_argument(
        "--os",
        default="2016",
        metavar="2012,2012r2,2016" if several_os else "2012|2012r2|2016",
        help="cluster OS profile" + (" or several joined by ','" if several_os else "") + " (default 2016)",
    )
    parser.add_argument("--dll", metavar="NAME", help="replace the scenario's resource DLL (a sample name)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch an inferred choice, e.g. unknown_flags=drop (repeatable)",
    )


def _policies(pairs: list[str]) -> dict[str, object]:
    from labkit.exceptions import UnknownNameError

    policies: dict[str, object] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise UnknownNameError("--policy setting", pair, ["NAME=VALUE"])
        policies[name.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return policies


def _properties(pairs: list[str]) -> dict[str, int]:
    from labkit.exceptions import UnknownNameError

    values: dict[str, int] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        try:
            if not equals:
                raise ValueError(pair)
            values[name.strip()] = int(value.strip(), 0)
        except ValueError:
            raise UnknownNameError("--property setting", pair, ["NAME=NUMBER"]) from None
    return values


def _simulate_offline(args: argparse.Namespace) -> int:
    from labkit import cluster

    run = cluster.simulate(
        args.scenario,
        flags=args.flags,
        os=args.os,
        dll=args.dll,
        seed=args.seed,
        policy=_policies(args.policy),
        properties=_properties(args.property),
        health=args.health,
    )
    where = _save(run.trace, args, f"labkit simulate cluster --scenario {args.scenario}")
    counts = f"{count(len(run.trace), 'event')}, {count(len(run.faults), 'fault')}"
    print(f"{where}: {counts}, result {run.outcome['result_name']}")
    return 0


def _matrix(args: argparse.Namespace) -> int:

    from labkit import cluster
    from labkit.trace.files import write_new
    from labkit.views.tables import matrix_text

    profiles = [p.strip() for p in args.os.split(",") if p.strip()]
    table = cluster.flag_matrix(
        args.scenario,
        os=profiles,
        dll=args.dll,
        seed=args.seed,
        policy=_policies(args.policy),
        store=args.store,
    )
    if args.store:
        print(f"{args.store}: {count(len(table), 'run')} stored", file=sys.stderr)
    if not args.out:
        sys.stdout.write(matrix_text(table))
        return 0
    out = write_new(args.out, lambda f: table.to_csv(f, index=False, lineterminator="\n"), force=args.force)
    print(f"{out}: {count(len(table), 'row')}")
    return 0
