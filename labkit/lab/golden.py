"""Golden traces: one recorded trace per registered scenario, kept in ``data/traces/``.

Regenerate with ``make data`` (``python -m labkit.lab.golden data/traces --rules docs/rules.md``); a test
regenerates them into a temporary folder and compares byte for byte, so a behaviour change shows up as a
diff of data files. ``--rules`` also writes the rule catalogue document, which names the scenarios whose
traces cite each rule.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from labkit import cluster, nspv2
from labkit.engine.registry import Registry
from labkit.engine.run import Run
from labkit.views.rules import catalogue_document

DOMAINS: dict[str, tuple[Registry[Any], Callable[[str], Run]]] = {
    "nspv2": (nspv2.scenarios, nspv2.simulate),
    "cluster": (cluster.scenarios, cluster.simulate),
}
"""Each domain's scenario registry and its simulate."""


def golden_runs(domain: str) -> Iterator[tuple[str, Run]]:
    """``(file name, run)`` for every scenario of ``domain`` with its default options."""
    registry, simulate = DOMAINS[domain]
    for name in registry.names():
        yield f"{domain}-{name}.jsonl", simulate(name)


def regenerate(directory: Path, domains: tuple[str, ...] = tuple(DOMAINS)) -> list[Path]:
    """Write every golden trace of ``domains`` into ``directory`` (overwriting) and return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [run.write(directory / filename, force=True) for d in domains for filename, run in golden_runs(d)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", type=Path, help="where to write the traces (data/traces)")
    parser.add_argument("--domain", choices=list(DOMAINS), action="append", help="default: both")
    parser.add_argument(
        "--rules", type=Path, help="also write the rule catalogue document here (docs/rules.md)"
    )
    args = parser.parse_args()
    for path in regenerate(args.directory, tuple(args.domain or DOMAINS)):
        print(path)
    if args.rules is not None:
        args.rules.write_text(catalogue_document(args.directory), encoding="utf-8")
        print(args.rules)


if __name__ == "__main__":
    main()
