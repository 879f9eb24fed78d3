"""The reliability study (docs/reliability.md): the draw, the statistics, the resolutions
against the curation, the figures on the page, in the graph and from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from platform_graph.build.agreement import cohen_kappa, pooled_kappa
from platform_graph.build.graph import BuildResult
from platform_graph.build.reliability import (
    RESOLUTION_FIELDS,
    Study,
    coding_of,
    differences,
    load_study,
    measure,
    worked_examples,
)
from platform_graph.build.reliability_graph import FIELD_IRIS
from platform_graph.cli import main
from platform_graph.cli.reliability import tables
from platform_graph.validation.shacl import validate
from platform_graph.vocab.namespaces import DQV, ID, PG

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "reliability"
DOC = ROOT / "docs" / "reliability.md"


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(STUDY)


# --- the statistics, on cases worked by hand ---------------------------------------------


def test_cohen_kappa_of_a_textbook_table() -> None:
    # 50 units: 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes. p_o = 0.7; the first says yes
    # 25 times, the second 30: p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.4.
    pairs = [(1, 1)] * 20 + [(0, 0)] * 15 + [(1, 0)] * 5 + [(0, 1)] * 10
    result = cohen_kappa(pairs)
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)
    assert result.disagreements == 15


def test_kappa_is_undefined_with_one_category_only() -> None:
    assert cohen_kappa([("a", "a")] * 5).kappa is None


def test_pooled_kappa_of_one_code_is_cohens_kappa() -> None:
    pairs = [(1, 1)] * 20 + [(0, 0)] * 15 + [(1, 0)] * 5 + [(0, 1)] * 10
    sets = [(frozenset({"x"} if a else set()), frozenset({"x"} if b else set())) for a, b in pairs]
    assert pooled_kappa(sets).kappa == pytest.approx(0.4)
    # A second code the coders agree on in half the units raises the pooled figure.
    agreed = [(a | {"y"}, b | {"y"}) if i % 2 else (a, b) for i, (a, b) in enumerate(sets)]
    assert (pooled_kappa(agreed).kappa or 0) > 0.4


def test_pooled_kappa_averages_agreement_over_codes() -> None:
    # Two codes over four units. Code a: 3 of 4 agree, marginals 2 and 1 -> p_o 0.75,
    # p_e (2*1 + 2*3) / 16 = 0.5. Code b: 4 of 4, marginals 2 and 2 -> p_o 1, p_e 0.5.
    # Pooled: (0.875 - 0.5) / 0.5 = 0.75.
    units = [
        (frozenset({"a", "b"}), frozenset({"a", "b"})),
        (frozenset({"a"}), frozenset()),
        (frozenset({"b"}), frozenset({"b"})),
        (frozenset(), frozenset()),
    ]
    result = pooled_kappa(units)
    assert result.observed == pytest.approx(0.875)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.75)
    assert result.disagreements == 1


def test_worked_examples_are_sentence_numbers_not_sections_or_counts() -> None:
    text = (
        '"Fler lärare ska anställas" (22); see section 3 (item 7 of issue 19); '
        "(41, 45 and 61); (6 commitments) (1 of 6)\n| `x` | 138 | y |\n## References\n(99)"
    )
    assert worked_examples(text, [110], 185) == {22, 41, 45, 61, 138, 110}


# --- the sample ------------------------------------------------------------------------------


def test_the_seeded_draw_gives_the_keyed_statements(study: Study) -> None:
    assert sorted(study.draw()) == sorted(study.key.values())
    assert len(study.units) == study.size == 70
    assert len(study.population) == len(set(study.population)) == 209


def test_the_sample_is_the_curation_in_the_order_of_the_text(
    study: Study, built: BuildResult
) -> None:
    by_id = {st.id: st for st in built.curation.statements}
    starts = [by_id[study.key[u]].start for u in study.units]
    assert starts == sorted(starts)
    for unit in study.sample:
        st = by_id[study.key[unit["unit"]]]
        # sample.yaml counts sentences from 0, as the build's index does.
        assert unit["sentence_number"] == st.sentence
        assert " ".join(str(unit["quote"]).split()) == " ".join(st.quote.split())
    assert set(study.population) >= set(study.key.values())


# --- the resolutions against the data ------------------------------------------------------


def test_every_disagreement_has_one_resolution_with_both_codes(study: Study) -> None:
    found = {
        (u, name): (a, b)
        for u in study.units
        for name, a, b in differences(study.first[u], study.second[u])
    }
    recorded = {(r.unit, r.field): r for r in study.resolutions}
    assert len(recorded) == len(study.resolutions)
    assert set(recorded) == set(found)
    for key, r in recorded.items():
        assert (r.first, r.second) == found[key], key


def test_the_curation_holds_every_resolved_code_and_the_first_elsewhere(
    study: Study, built: BuildResult
) -> None:
    by_id = {st.id: st for st in built.curation.statements}
    resolved = {(r.unit, r.field): r for r in study.resolutions}
    for unit in study.units:
        now = coding_of(by_id[study.key[unit]])
        first = study.first[unit]
        for name in RESOLUTION_FIELDS:
            r = resolved.get((unit, name))
            want = r.resolved if r is not None else first.value(name)
            want = sorted(want) if isinstance(want, list) else want
            assert now.value(name) == want, (unit, name)
            if r is not None:
                assert r.data_changed == (r.resolved != r.first), (unit, name)


# --- the figures: the page, the graph, the command ---------------------------------------


def _block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {marker}: start -->\n(.*?)<!-- {marker}: end -->", text, re.S)
    assert m, marker
    return m.group(1)


def test_the_page_gives_the_figures_the_command_computes(study: Study) -> None:
    from platform_graph.cli.reliability import report

    data = report(study)
    assert _block("kappas") == tables(data["fields"])
    assert _block("blind-kappas") == tables(data["blind_fields"])
    units = _block("units")
    for u in study.units:
        assert f"| {u} | `{study.key[u]}` | {study.sentence(u)} |" in units
    rows = [line for line in _block("resolutions").splitlines()[2:] if line.strip()]
    assert len(rows) == len(study.resolutions)


def test_the_goal_is_met_for_commitment_and_strength(study: Study) -> None:
    by_field = {r.field: r.agreement.kappa for r in measure(study)}
    assert (by_field["commitment"] or 0) >= 0.8
    assert (by_field["strength"] or 0) >= 0.8


def test_the_graph_carries_each_figure_with_its_study(
    study: Study, built: BuildResult, union: Graph, shapes: Graph
) -> None:
    node = ID[f"reliability/{study.drawn_on}"]
    assert (node, RDF.type, PG.ReliabilityStudy) in union
    assert len(set(union.objects(node, PG.sampledStatement))) == 70
    for r in measure(study):
        m = URIRef(f"{node}/{r.field}")
        assert (m, PG.codedField, FIELD_IRIS[r.field]) in union
        assert (m, RDF.type, DQV.QualityMeasurement) in union
        value = union.value(m, DQV.value)
        assert isinstance(value, Literal)
        assert value.datatype == XSD.decimal
        assert r.agreement.kappa is not None
        assert float(value) == pytest.approx(r.agreement.kappa, abs=5e-5)
        assert str(union.value(m, PG.sampleSize)) == str(r.agreement.n)
    rows = list(
        union.query(
            "SELECT ?f ?k WHERE { ?m a pg:ReliabilityMeasurement ; pg:codedField ?f ; "
            "dqv:value ?k ; pg:blindSubset false }",
            initNs={"pg": PG, "dqv": DQV},
        )
    )
    assert len(rows) == 9
    # The shapes hold a measurement to its value range.
    broken = Graph()
    for t in union:
        broken.add(t)
    m = URIRef(f"{node}/strength")
    broken.remove((m, DQV.value, None))
    broken.add((m, DQV.value, Literal("1.5", datatype=XSD.decimal)))
    report = validate(broken, shapes)
    assert not report.conforms
    assert any(str(m) == v.focus for v in report.violations)


def test_the_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "reliability", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["draw_reproduced"] is True
    assert data["goal"]["met"] is True
    assert len(data["units"]) == 70
    assert {r["field"] for r in data["fields"]} == set(FIELD_IRIS)
    assert main(["--root", str(ROOT), "reliability"]) == 0
    out = capsys.readouterr().out
    assert "the draw reproduces key.yaml" in out
    assert "goal kappa >= 0.8 for commitment and strength: met" in out


# --- pledges -------------------------------------------------------------------------------


def test_pledges_are_exactly_the_testable_commitments(union: Graph, shapes: Graph) -> None:
    pledges = set(union.subjects(RDF.type, PG.Pledge))
    testable = {c for c in union.subjects(PG.testable, Literal(True))}
    assert pledges == testable
    assert len(pledges) == 123
    assert all((p, RDF.type, PG.Commitment) in union for p in pledges)
    # Both directions are shapes: a testable commitment without the type, and a pledge that
    # is not testable, are violations.
    some = min(pledges, key=str)
    for change in ("drop-type", "untestable"):
        g = Graph()
        for t in union:
            g.add(t)
        if change == "drop-type":
            g.remove((some, RDF.type, PG.Pledge))
        else:
            g.remove((some, PG.testable, None))
            g.add((some, PG.testable, Literal(False)))
        report = validate(g, shapes)
        assert not report.conforms, change
        assert any(v.focus == str(some) for v in report.violations), change
