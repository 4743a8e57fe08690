"""The rule catalogues: every rule well formed, with a known evidence level, a source and (when inferred
with alternatives) a policy that exists."""

import dataclasses
from pathlib import Path

import pytest

from labkit.cluster.policy import Policy as ClusterPolicy
from labkit.cluster.rules import RULES as CLUSTER
from labkit.exceptions import UnknownNameError
from labkit.nspv2.policy import Policy
from labkit.nspv2.rules import RULES as NSPV2
from labkit.trace import Evidence
from labkit.trace.rules import Catalogue, Rule
from labkit.views.rules import catalogue, find_rule, rules_table

ALL = list(NSPV2.values()) + list(CLUSTER.values())


def test_catalogues_are_large_and_ids_unique():
    """Both catalogues list their rules once each; ids are unique across the two."""
    assert len(NSPV2) >= 80 and len(CLUSTER) >= 90
    assert len({r.id for r in ALL}) == len(ALL)
    assert [r.domain for r in NSPV2.values()] == ["nspv2"] * len(NSPV2)
    assert [r.domain for r in CLUSTER.values()] == ["cluster"] * len(CLUSTER)


@pytest.mark.parametrize("rule", ALL, ids=lambda r: r.id)
def test_every_rule_names_evidence_and_source(rule):
    """A known evidence level, a source naming the sheet section and what it rests on, one sentence."""
    assert rule.evidence in set(Evidence)
    sheet = "nspv2" if rule.domain == "nspv2" else "cluster-offline"
    assert rule.section.startswith(f"{sheet} §")
    assert rule.source.partition(";")[2].strip()
    assert rule.statement.endswith(".") and rule.statement.count(". ") == 0


def test_inferred_rules_say_they_are_labkits():
    """An inferred rule's sentence starts with 'labkit', and only an inferred one does."""
    assert [r.id for r in ALL if (r.evidence is Evidence.INFERRED) != r.statement.startswith("labkit ")] == []


def test_policies_named_by_rules_exist():
    """Each rule's policy is a field of the domain's policy class (or a simulate parameter), and every
    switchable policy has a rule."""
    nspv2 = {f.name for f in dataclasses.fields(Policy)}
    cluster = {f.name for f in dataclasses.fields(ClusterPolicy)}
    named = {(r.domain, r.policy) for r in ALL if r.policy}
    assert {p for d, p in named if d == "nspv2"} == nspv2 | {"simulate(async_deadline_ms=...)"}
    assert {p for d, p in named if d == "cluster"} == cluster


def test_not_modelled_rules_rest_on_a_source_not_an_inference():
    """Rules labkit does not model are ones the docs state: never inferred."""
    missing = [r for r in ALL if not r.modelled]
    assert missing and all(r.evidence is not Evidence.INFERRED for r in missing)


def test_sample_evidence_is_used_for_the_sample_only_rules():
    """'Exactly once' and the unknown-handle rule rest on Microsoft's sample; the deadline is inferred."""
    assert NSPV2["nspv2.complete-exactly-once"].evidence is Evidence.SAMPLE
    assert NSPV2["nspv2.complete-known-handle"].evidence is Evidence.SAMPLE
    assert NSPV2["nspv2.complete-deadline"].evidence is Evidence.INFERRED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "nspv2.Bad_Id"}, "id must be"),
        ({"id": "cluster.x"}, "id must be"),
        ({"statement": "Two sentences. Here is the second."}, "one sentence"),
        ({"statement": "No full stop"}, "ending with '.'"),
        ({"statement": "labkit assumes a thing."}, "only an inferred"),
        ({"source": "D-Begin"}, "source must read"),
        ({"source": "nspv2 §1.3"}, "source must read"),
        ({"policy": "crash"}, "only an inferred choice has a policy"),
        ({"evidence": Evidence.INFERRED}, "starts with 'labkit '"),
    ],
)
def test_a_malformed_rule_is_refused_with_what_is_wrong(change, message):
    """The Rule type checks its fields when it is made and says which one is wrong."""
    fields = {
        "id": "nspv2.some-rule",
        "domain": "nspv2",
        "statement": "A provider does a thing.",
        "evidence": Evidence.DOCUMENTED,
        "source": "nspv2 §1.3; D-Begin",
    }
    with pytest.raises(ValueError, match=message):
        Rule(**(fields | change))


def test_an_inferred_rule_cannot_be_not_modelled():
    """'Not modelled' is for what a source states; an inference labkit does not make is not a rule."""
    with pytest.raises(ValueError, match="never an inference"):
        Rule("nspv2.x-y", "nspv2", "labkit assumes x.", Evidence.INFERRED, "nspv2 §1; none", modelled=False)


def test_catalogue_refuses_duplicates_and_foreign_rules():
    """A catalogue holds each id once, and only rules of its own domain."""
    rule = NSPV2["nspv2.startup-cleanup-pairing"]
    with pytest.raises(ValueError, match="twice"):
        Catalogue("nspv2", [rule, rule])
    with pytest.raises(ValueError, match="belongs to nspv2"):
        Catalogue("cluster", [rule])


def test_unknown_rule_lists_the_known_ones():
    """Looking up a rule that does not exist names it and lists the valid ids."""
    with pytest.raises(UnknownNameError, match=r"'nspv2\.no-such-rule'.*nspv2\.install-adds-catalog-entry"):
        find_rule("nspv2.no-such-rule")
    with pytest.raises(UnknownNameError, match="unknown rule domain 'dns'"):
        catalogue("dns")
    assert find_rule("cluster.pending-timeout-terminates") is CLUSTER["cluster.pending-timeout-terminates"]


def test_catalogue_filters_by_evidence_and_modelled():
    """`rules` keeps one evidence level and / or the (not) modelled rules, in catalogue order."""
    sample = NSPV2.rules(evidence="sample")
    assert sample and {r.evidence for r in sample} == {Evidence.SAMPLE}
    assert [r.id for r in NSPV2.rules(modelled=False)] == [r.id for r in NSPV2.values() if not r.modelled]


def test_rules_table_has_one_row_per_rule_with_its_columns():
    """The table: every rule of both domains, the documented columns, text columns as strings."""
    table = rules_table(traces=[])
    assert list(table.columns) == [
        "id",
        "domain",
        "statement",
        "evidence",
        "source",
        "policy",
        "modelled",
        "scenarios",
    ]
    assert list(table["id"]) == [r.id for r in ALL]
    assert set(table["scenarios"]) == {""}
    assert list(rules_table("cluster", evidence="header", traces=[])["id"]) == [
        r.id for r in CLUSTER.rules(evidence=Evidence.HEADER)
    ]


def test_cli_rules_prints_the_catalogue_as_csv(capsys):
    """`labkit rules --format csv` lists every rule with a known evidence value and a non-empty source."""
    import csv
    import io

    from labkit.cli import main

    assert main(["rules", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["id"] for row in rows] == [r.id for r in ALL]
    assert {row["evidence"] for row in rows} <= {e.value for e in Evidence}
    assert all(row["source"] for row in rows)
    assert {row["modelled"] for row in rows} == {"yes", "not modelled"}


def test_cli_rules_of_one_domain_as_markdown(capsys):
    """`labkit rules --domain cluster` prints a markdown table of the cluster rules only."""
    from labkit.cli import main

    assert main(["rules", "--domain", "cluster"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| id | domain | statement | evidence | source | policy | modelled |")
    assert len(lines) == 2 + len(CLUSTER)
    assert all(line.split(" | ")[1] == "cluster" for line in lines[2:])


def test_record_without_evidence_is_a_type_error():
    """Tracer.record has no default evidence: neither a rule nor evidence is a TypeError, as is an event
    built by hand without evidence."""
    from labkit.trace import Kind, TraceEvent, TraceHeader, Tracer

    tracer = Tracer(TraceHeader(domain="nspv2"))
    with pytest.raises(TypeError, match="needs the rule it follows"):
        tracer.record(Kind.NOTE, "n", actor="broker")
    with pytest.raises(TypeError, match="evidence"):
        TraceEvent(seq=0, t=0.0, kind=Kind.NOTE, name="n", actor="a")  # type: ignore[call-arg]
    assert len(tracer.trace) == 0


def test_record_takes_evidence_and_ref_from_the_rule():
    """With rule=, the event's evidence is the rule's and its ref the rule's id; giving evidence or ref as
    well is refused, so the two can never disagree."""
    from labkit.trace import Kind, TraceHeader, Tracer

    tracer = Tracer(TraceHeader(domain="nspv2"))
    rule = NSPV2["nspv2.complete-exactly-once"]
    event = tracer.record(Kind.FAULT, "CompletedTwice", actor="broker", rule=rule)
    assert (event.evidence, event.ref) == (Evidence.SAMPLE, "nspv2.complete-exactly-once")
    with pytest.raises(TypeError, match="the rule gives both"):
        tracer.record(Kind.NOTE, "n", actor="broker", rule=rule, evidence="documented")
    with pytest.raises(TypeError, match="the rule gives both"):
        tracer.record(Kind.NOTE, "n", actor="broker", rule=rule, ref="elsewhere")
    imported = tracer.record(Kind.NOTE, "line", actor="rcm", evidence="observed", ref="cluster.log:12")
    assert (imported.evidence, imported.ref) == (Evidence.OBSERVED, "cluster.log:12")


def test_sample_evidence_reads_back_and_older_traces_still_read(tmp_path):
    """A trace with 'sample' evidence round-trips; one written before 'sample' existed reads unchanged."""
    from labkit.trace import Kind, TraceHeader, Tracer, read_trace

    tracer = Tracer(TraceHeader(domain="nspv2"))
    tracer.record(Kind.NOTE, "a", actor="broker", rule=NSPV2["nspv2.complete-exactly-once"])
    tracer.record(Kind.NOTE, "b", actor="broker", evidence="documented")
    path = tmp_path / "t.jsonl"
    path.write_text(tracer.trace.to_jsonl())
    assert [e.evidence.value for e in read_trace(path)] == ["sample", "documented"]
    old = sorted((Path(__file__).parent / "corpus" / "before-sample").glob("*.jsonl"))
    assert [p.name for p in old] == ["cluster-pending-offline.jsonl", "nspv2-happy-path.jsonl"]
    for trace_file in old:  # golden traces as labkit wrote them before 'sample' and rule refs existed
        trace = read_trace(trace_file)
        assert trace.to_jsonl().encode() == trace_file.read_bytes()
        assert {e.ref for e in trace} >= {"nspv2 §1.3"} or {e.ref for e in trace} >= {"cluster-offline §4"}


def test_rules_table_names_the_scenarios_whose_golden_traces_cite_each_rule():
    """The scenarios column comes from data/traces: the pairing rule is exercised exactly by the two
    scenarios whose policy breaks it; a not-modelled rule is cited by none."""
    table = rules_table("nspv2").set_index("id")
    assert table.loc["nspv2.startup-cleanup-pairing", "scenarios"] == "crash-without-cleanup, leaky-rundown"
    assert table.loc["nspv2.repeated-startup-refcounted", "scenarios"] == ""
    assert (table.loc[~table.modelled, "scenarios"] == "").all()


def test_scenario_rules_lists_each_scenarios_rules_by_evidence():
    """One row per scenario of the domain; the sample-only rules of a misbehaving provider show up under
    'sample'; the count is of distinct rules."""
    from labkit import nspv2
    from labkit.views import scenario_rules

    frame = scenario_rules("nspv2")
    assert list(frame.index) == nspv2.scenarios.names()
    assert list(frame.columns) == [e.value for e in Evidence] + ["rules"]
    assert "complete-exactly-once" in frame.loc["completes-twice", "sample"].split(", ")
    assert frame.loc["happy-path", "observed"] == ""
    assert frame.loc["happy-path", "rules"] == sum(
        len(frame.loc["happy-path", e.value].split(", "))
        for e in Evidence
        if frame.loc["happy-path", e.value]
    )
