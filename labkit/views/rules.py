"""The rule catalogues as tables: every rule of both domains, and the scenarios whose traces cite it.

    from labkit import views
    views.rules_table()                      # one row per rule of both domains
    views.rules_table("nspv2", evidence="sample")

A rule is *exercised* by a scenario when an event of the scenario's golden trace (``data/traces``) cites it
in its ``ref``. Without that folder (an installed labkit) the scenarios are simulated once instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.exceptions import UnknownNameError
from labkit.trace import Evidence, Trace, read_trace
from labkit.trace.rules import DOMAINS, Catalogue, Rule

if TYPE_CHECKING:
    import pandas as pd

GOLDEN_TRACES = Path(__file__).resolve().parent.parent / "data" / "traces"
"""Where the golden traces are in a source checkout."""
COLUMNS = ("id", "domain", "statement", "evidence", "source", "policy", "modelled", "scenarios")


def catalogues() -> Mapping[str, Catalogue]:
    """The catalogue of each domain (the simulator packages load on first use)."""
    from labkit.cluster.rules import RULES as CLUSTER_RULES
    from labkit.nspv2.rules import RULES as NSPV2_RULES

    return {"nspv2": NSPV2_RULES, "cluster": CLUSTER_RULES}


def catalogue(domain: str | None = None) -> list[Rule]:
    """Every rule of ``domain`` (``nspv2`` or ``cluster``), or of both, in catalogue order."""
    if domain is not None and domain not in DOMAINS:
        raise UnknownNameError("rule domain", domain, DOMAINS)
    return [rule for name, rules in catalogues().items() if domain in (None, name) for rule in rules.values()]


def find_rule(rule_id: str) -> Rule:
    """The rule with ``rule_id`` in either catalogue; an unknown id raises `UnknownNameError`."""
    domain = rule_id.partition(".")[0]
    if domain not in DOMAINS:
        raise UnknownNameError("rule", rule_id, [r.id for r in catalogue()])
    return catalogues()[domain].rule(rule_id)


def cited(traces: Iterable[Trace]) -> dict[str, list[str]]:
    """Rule id → the scenarios (sorted) whose trace has an event citing it."""
    found: dict[str, set[str]] = {}
    for trace in traces:
        for ref in {event.ref for event in trace if event.ref}:
            found.setdefault(ref, set()).add(trace.header.scenario)
    return {ref: sorted(names) for ref, names in found.items()}


def golden_citations(directory: str | os.PathLike[str] | None = None) -> dict[str, list[str]]:
    """`cited` over the golden traces in ``directory`` (default ``data/traces``), or, when there is no
    such folder, over a fresh run of every registered scenario."""
    folder = Path(directory) if directory is not None else GOLDEN_TRACES
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        return _simulated_citations()
    stamps = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _file_citations(stamps)


@functools.lru_cache(maxsize=4)
def _file_citations(stamps: tuple[tuple[str, int, int], ...]) -> dict[str, list[str]]:
    return cited(read_trace(path) for path, _, _ in stamps)


@functools.lru_cache(maxsize=1)
def _simulated_citations() -> dict[str, list[str]]:
    from labkit import cluster, nspv2

    runs = [nspv2.simulate(name).trace for name in nspv2.scenarios.names()]
    runs += [cluster.simulate(name).trace for name in cluster.scenarios.names()]
    return cited(runs)


def rules_table(
    domain: str | None = None,
    *,
    evidence: Evidence | str | None = None,
    traces: str | os.PathLike[str] | Iterable[Trace] | None = None,
) -> pd.DataFrame:
    """One row per rule: id, domain, statement, evidence, source, policy, modelled, and ``scenarios``, the
    scenarios whose golden traces cite it (comma-separated; empty for a rule no event cites).

    ``domain`` and ``evidence`` keep only those rules; ``traces`` is a folder of traces or the traces
    themselves to count citations in (default: the golden traces).
    """
    import pandas as pd

    wanted = None if evidence is None else Evidence(evidence)
    rules = [r for r in catalogue(domain) if wanted is None or r.evidence is wanted]
    if traces is None or isinstance(traces, str | os.PathLike):
        citations = golden_citations(traces)
    else:
        citations = cited(traces)
    frame = pd.DataFrame(
        {
            "id": [r.id for r in rules],
            "domain": [r.domain for r in rules],
            "statement": [r.statement for r in rules],
            "evidence": pd.Categorical(
                [r.evidence.value for r in rules], categories=[e.value for e in Evidence]
            ),
            "source": [r.source for r in rules],
            "policy": [r.policy for r in rules],
            "modelled": [r.modelled for r in rules],
            "scenarios": [", ".join(citations.get(r.id, [])) for r in rules],
        },
        columns=list(COLUMNS),
    )
    return frame.astype({c: "string" for c in ("id", "domain", "statement", "source", "policy", "scenarios")})


def scenario_rules(
    domain: str, traces: str | os.PathLike[str] | Iterable[Trace] | None = None
) -> pd.DataFrame:
    """The rules each scenario of ``domain`` exercises: one row per scenario (index), one column per
    evidence level holding the ids of the rules its trace cites (without the domain prefix, comma-separated),
    and ``rules``, how many distinct rules it cites."""
    import pandas as pd

    if traces is None or isinstance(traces, str | os.PathLike):
        citations = golden_citations(traces)
    else:
        citations = cited(traces)
    rules = {rule.id: rule for rule in catalogue(domain)}
    names = _scenario_names(domain)
    by_scenario: dict[str, list[Rule]] = {name: [] for name in names}
    for rule_id, scenarios in citations.items():
        for scenario in scenarios:
            if rule_id in rules and scenario in by_scenario:
                by_scenario[scenario].append(rules[rule_id])
    order = list(rules)
    rows = []
    for name in names:
        cited_here = sorted(by_scenario[name], key=lambda r: order.index(r.id))
        row = {
            level.value: ", ".join(r.id.partition(".")[2] for r in cited_here if r.evidence is level)
            for level in Evidence
        }
        rows.append({**row, "rules": len(cited_here)})
    frame = pd.DataFrame(rows, index=pd.Index(names, name="scenario"))
    return frame.astype({level.value: "string" for level in Evidence})


def evidence_summary(domain: str | None = None) -> pd.DataFrame:
    """How many rules rest on each kind of evidence, modelled or not: one row per evidence level (in the
    order documented, header, sample, observed, inferred), columns ``modelled`` and ``not modelled``."""
    import pandas as pd

    rules = catalogue(domain)
    rows = {
        level.value: (
            sum(r.evidence is level and r.modelled for r in rules),
            sum(r.evidence is level and not r.modelled for r in rules),
        )
        for level in Evidence
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["modelled", "not modelled"]).rename_axis(
        "evidence"
    )


EVIDENCE_MEANING = {
    Evidence.DOCUMENTED: "a Microsoft doc page (or MS-CMRP, or the clustering team's blog) says it",
    Evidence.HEADER: "an SDK header defines it and no page documents it",
    Evidence.SAMPLE: "Microsoft's sample code does it and no page says it",
    Evidence.OBSERVED: "seen in real cluster.log files",
    Evidence.INFERRED: "labkit's reasoning where no source says it; each such rule starts 'labkit …'",
}
"""What each evidence level means, in one line each."""
MAX_NAMED = 6
"""A rule cited in more scenarios than this names the first ones only."""
_INTRO = """# The rule catalogue

Every behaviour labkit's two simulators model is a rule: one sentence, the evidence it rests on, its
source (reference sheet section; Microsoft page, header line or protocol section) and, for an inferred
choice that can be switched, its policy. Every event of a simulated trace cites one in `ref`.
Rules the sources state that labkit does not model are listed too, as *not modelled*.
`make data` writes this page from `labkit/nspv2/rules/` and `labkit/cluster/rules/` and the golden
traces in `data/traces`; `labkit rules` prints the same as a table.

Evidence levels:
"""


def catalogue_document(traces: str | os.PathLike[str] | None = None) -> str:
    """The catalogue as a markdown document (``docs/rules.md``): per domain and evidence level, every rule
    with an anchor named by its id, its statement, source, policy and the scenarios whose traces (in the
    folder ``traces``, default the golden ones) cite it."""
    citations = golden_citations(traces)
    lines = [_INTRO, *(f"- **{level.value}**: {meaning}." for level, meaning in EVIDENCE_MEANING.items())]
    for domain, rules in catalogues().items():
        every = {scenario for cited_in in citations.values() for scenario in cited_in}
        every &= set(_scenario_names(domain))
        lines += ["", f"## {domain}"]
        for level in Evidence:
            chosen = rules.rules(evidence=level)
            if chosen:
                lines += ["", f"### {level.value} ({len(chosen)})", ""]
                lines += [_rule_line(rule, citations.get(rule.id, []), len(every)) for rule in chosen]
    return "\n".join(lines) + "\n"


def _rule_line(rule: Rule, scenarios: list[str], every: int) -> str:
    """One rule as a markdown list item with an anchor named by its id (``every``: how many scenarios the
    domain has, so a rule all of them cite says so instead of listing them)."""
    extra = [f"policy `{rule.policy}`"] if rule.policy else []
    extra += [] if rule.modelled else ["**not modelled**"]
    note = f" ({'; '.join(extra)})" if extra else ""
    named = ", ".join(f"`{s}`" for s in scenarios[:MAX_NAMED])
    if scenarios and len(scenarios) == every:
        seen = " Cited in every scenario."
    elif len(scenarios) > MAX_NAMED:
        seen = f" Cited in {len(scenarios)} scenarios: {named}, …"
    else:
        seen = f" Cited in {named}." if scenarios else ""
    return f'- <a id="{rule.id}"></a>`{rule.id}`{note}: {rule.statement} *{rule.source}*.{seen}'


def _scenario_names(domain: str) -> list[str]:
    from labkit import cluster, nspv2

    return (nspv2.scenarios if domain == "nspv2" else cluster.scenarios).names()
