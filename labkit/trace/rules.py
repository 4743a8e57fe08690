"""Rules: each behaviour a simulator models, or a documented one it does not, with the evidence it rests on.

A `Rule` is one sentence about the Windows contract (or about labkit's own reading of it), its evidence
(documented, header, sample, observed or inferred), its source (the reference sheet's section and the
Microsoft page, header line or protocol section behind it) and, for an inferred choice with real
alternatives, the policy that switches it. Every event a simulator records cites the rule that made the
host do it or judge it: the event's ``ref`` is the rule's id and its ``evidence`` the rule's, so the two
can never disagree.

Each domain keeps its `Catalogue` as data beside its model (`labkit.nspv2.rules`, `labkit.cluster.rules`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from labkit.exceptions import UnknownNameError
from labkit.trace.vocab import Evidence

DOMAINS = ("nspv2", "cluster")
SHEETS = {"nspv2": "nspv2", "cluster": "cluster-offline"}
"""The reference sheet of each domain, as a rule's source names it (``cluster-offline §4; ...``)."""
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE_BREAK = re.compile(r"[.!?] +[A-Z][a-z]")
_EVIDENCE = frozenset(Evidence)
MAX_STATEMENT = 320
"""Characters a statement may have: one sentence a person reads at once."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One modelled (or documented but not modelled) behaviour of a domain."""

    id: str
    """Stable id, ``<domain>.<words-with-dashes>`` (``nspv2.rundown-receives-startup-arg``)."""
    domain: str
    """``nspv2`` or ``cluster``."""
    statement: str
    """One sentence. An inferred rule says so: it starts with ``labkit`` (``labkit assumes …``)."""
    evidence: Evidence
    """What the behaviour rests on; every event citing the rule carries it."""
    source: str
    """``<sheet> §<section>; <Microsoft page, header line or protocol section>``."""
    policy: str = ""
    """For an inferred choice with real alternatives: the switch that changes it (``crash``)."""
    modelled: bool = True
    """False for a rule the docs state that labkit does not model (no event ever cites it)."""

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ValueError(f"rule {self.id!r}: {problem}")

    @property
    def section(self) -> str:
        """The sheet section part of `source` (``nspv2 §2.2``)."""
        return self.source.partition(";")[0].strip()


def _problem(rule: Rule) -> str:
    """What is wrong with a rule's fields, or an empty string."""
    prefix, dot, words = rule.id.partition(".")
    if rule.domain not in DOMAINS:
        return f"domain must be one of {', '.join(DOMAINS)}, not {rule.domain!r}"
    if prefix != rule.domain or not dot or not _ID.fullmatch(words):
        return f"id must be '{rule.domain}.' then lower-case words joined by '-'"
    if rule.evidence not in _EVIDENCE:
        return f"evidence must be an Evidence, not {rule.evidence!r}"
    statement = rule.statement
    if not statement.endswith(".") or "\n" in statement or len(statement) > MAX_STATEMENT:
        return f"statement must be one line of at most {MAX_STATEMENT} characters ending with '.'"
    if _SENTENCE_BREAK.search(statement[:-1]):
        return "statement must be one sentence"
    inferred = rule.evidence is Evidence.INFERRED
    if inferred and not statement.startswith("labkit "):
        return "an inferred rule's statement says it is labkit's: it starts with 'labkit '"
    if not inferred and statement.startswith("labkit "):
        return "only an inferred rule's statement starts with 'labkit '"
    sheet = SHEETS[rule.domain]
    section, semicolon, basis = rule.source.partition(";")
    if not section.startswith(f"{sheet} §") or not semicolon or not basis.strip():
        return f"source must read '{sheet} §<section>; <page, header line or protocol section>'"
    if rule.policy and not inferred:
        return "only an inferred choice has a policy"
    if not rule.modelled and inferred:
        return "a rule labkit does not model is one a source states, never an inference"
    return ""


class Catalogue(Mapping[str, Rule]):
    """The rules of one domain by id, in the order they were written down."""

    def __init__(self, domain: str, rules: Iterable[Rule]) -> None:
        self.domain = domain
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.domain != domain:
                raise ValueError(f"rule {rule.id!r} belongs to {rule.domain}, not to the {domain} catalogue")
            if rule.id in self._rules:
                raise ValueError(f"rule {rule.id!r} is in the {domain} catalogue twice")
            self._rules[rule.id] = rule

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"<Catalogue {self.domain}: {len(self)} rules>"

    def rule(self, rule_id: str) -> Rule:
        """The rule with ``rule_id``; an unknown id raises `UnknownNameError` listing the known ones."""
        try:
            return self._rules[rule_id]
        except KeyError:
            raise UnknownNameError(f"{self.domain} rule", rule_id, list(self._rules)) from None

    def rules(self, *, evidence: Evidence | str | None = None, modelled: bool | None = None) -> list[Rule]:
        """The rules, optionally only those of one evidence level and / or (not) modelled."""
        wanted = None if evidence is None else Evidence(evidence)
        return [
            r
            for r in self._rules.values()
            if (wanted is None or r.evidence is wanted) and (modelled is None or r.modelled is modelled)
        ]


class RuleMaker:
    """Makes the rules of one domain: ``rule = RuleMaker("nspv2")`` then ``rule("words", "One sentence.",
    evidence, "nspv2 §1.3; D-Begin")`` is the rule ``nspv2.words``."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def __call__(
        self,
        words: str,
        statement: str,
        evidence: Evidence,
        source: str,
        *,
        policy: str = "",
        modelled: bool = True,
    ) -> Rule:
        return Rule(f"{self.domain}.{words}", self.domain, statement, evidence, source, policy, modelled)


def collect(namespace: Mapping[str, object]) -> list[Rule]:
    """The `Rule` values of a module's namespace (``globals()``), in the order they were defined."""
    return [value for value in namespace.values() if isinstance(value, Rule)]
