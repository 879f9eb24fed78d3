"""The benchmark's own parts: the graph generator, the workload, the harness, the report.

Small and quick: the benchmark itself runs with ``make bench-quick`` / ``make bench``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from benchmarks.generate import DATA_GRAPH, generate
from benchmarks.measure import median, p95
from benchmarks.run import PLANS, run
from benchmarks.workload import FAMILIES, build_workload, recorded_read_model_queries
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from platform_graph.config import default_root
from platform_graph.read.model import CommitmentFilter
from platform_graph.store import GraphResult, SelectResult
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes, validate
from platform_graph.vocab.namespaces import ID, OA, PG
from platform_graph.write.assessments import AssessmentInput, assessment_change

ROOT = default_root()
SMALL = 4_000  # the ontology, the themes and one small platform


@pytest.fixture(scope="module")
def small() -> bytes:
    return generate(SMALL).nquads


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT / "shapes" / "platform-graph.shapes.ttl")


def _union(nquads: bytes) -> Graph:
    """All named graphs as one rdflib graph (what validation sees)."""
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store)
    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


def _store(nquads: bytes) -> OxigraphStore:
    store = OxigraphStore(None)
    store.load(nquads, "application/n-quads")
    return store


# --- the generator ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes() -> None:
    assert generate(SMALL).nquads == generate(SMALL).nquads
    assert generate(SMALL, seed=8).nquads != generate(SMALL).nquads


def test_a_larger_graph_holds_the_smaller_ones_platforms() -> None:
    """A municipality generated whole in both graphs has the same platform in both.

    (Any municipality may be cut to the sections that fit the target, the first too.)
    """
    smaller, larger = generate(30_000), generate(60_000)
    lines = set(larger.nquads.splitlines())
    whole = 0
    for mine, theirs in zip(smaller.municipalities, larger.municipalities, strict=False):
        assert mine.slug == theirs.slug
        if len(mine.sections) != len(theirs.sections):
            continue
        doc = f"<{mine.document}> <{PG.fullText}>".encode()
        line = next(ln for ln in smaller.nquads.splitlines() if ln.startswith(doc))
        assert line in lines
        whole += 1
    assert whole >= 2


@pytest.mark.parametrize("target", [10_000, 30_000])
def test_the_size_lands_near_the_target(target: int) -> None:
    g = generate(target)
    store = ox.Store()
    store.load(g.nquads, format=ox.RdfFormat.N_QUADS)
    assert len(store) == g.quads == len(g.nquads.splitlines())  # no quad written twice
    assert 0.97 * target <= g.quads <= 1.06 * target


def test_the_generated_graph_conforms(small: bytes, shapes: Graph) -> None:
    report = validate(_union(small), shapes)
    assert report.conforms, report.to_text()
    assert not report.warnings, report.to_text()


def test_a_graph_of_several_platforms_conforms(shapes: Graph) -> None:
    g = generate(25_000)
    assert len(g.municipalities) >= 2
    report = validate(_union(g.nquads), shapes)
    assert report.conforms, report.to_text()


def test_every_node_a_statement_links_to_is_typed() -> None:
    """What the shapes' sh:class checks need, over many platforms (no validation: fast)."""
    store = ox.Store()
    store.load(generate(150_000).nquads, format=ox.RdfFormat.N_QUADS)
    for prop, cls in (
        ("responsibleActor", "Actor"),
        ("partnerActor", "Actor"),
        ("affectedActor", "Actor"),
        ("concernsArea", "Area"),
        ("inSection", "Section"),
        ("inSentence", "Sentence"),
    ):
        untyped = store.query(
            f"ASK {{ ?s <{PG[prop]}> ?o FILTER NOT EXISTS {{ ?o a <{PG[cls]}> }} }}",
            use_default_graph_as_union=True,
        )
        assert isinstance(untyped, ox.QueryBoolean)
        assert not untyped, f"a pg:{prop} value is not a pg:{cls}"


def test_every_quote_is_the_text_at_its_offsets(small: bytes) -> None:
    store = ox.Store()
    store.load(small, format=ox.RdfFormat.N_QUADS)
    solutions = store.query(
        "SELECT ?text ?start ?end ?exact WHERE { ?x <http://www.w3.org/ns/oa#hasSource> ?d . "
        f"?d <{PG.fullText}> ?text . ?x <{OA.hasSelector}> ?p, ?q . ?p <{OA.start}> ?start ; "
        f"<{OA.end}> ?end . ?q <{OA.exact}> ?exact }}",
        use_default_graph_as_union=True,
    )
    assert isinstance(solutions, ox.QuerySolutions)
    rows = list(solutions)
    assert len(rows) > 50
    for row in rows:
        text, start, end = row["text"].value, int(row["start"].value), int(row["end"].value)
        assert text[start:end] == row["exact"].value


def test_a_misquote_in_a_generated_graph_is_caught(small: bytes, shapes: Graph) -> None:
    g = _union(small)
    quote = next(g.subjects(RDF.type, OA.TextQuoteSelector))
    g.set((quote, OA.exact, Literal("Något som inte står i texten.")))
    report = validate(g, shapes)
    assert not report.conforms
    assert any("Misquote" in r.message_en for r in report.violations)


def test_the_graph_has_what_the_workload_needs() -> None:
    g = generate(30_000)
    store = ox.Store()
    store.load(g.nquads, format=ox.RdfFormat.N_QUADS)

    def count(pattern: str) -> int:
        rows = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", use_default_graph_as_union=True
        )
        assert isinstance(rows, ox.QuerySolutions)
        return int(next(iter(rows))["n"].value)

    assert count(f"?c a <{PG.Commitment}>") > 100
    assert count(f"?c a <{PG.ContextStatement}>") > 5
    assert count(f"?a a <{PG.Assessment}>") > 10
    assert count(f"?c <{PG.deadline}> ?d") > 3
    assert count(f"?c <{PG.partnerActor}> ?a") > 3
    assert count(f"?c <{PG.concernsArea}> ?a") > 10
    changes = count(
        f"GRAPH <https://w3id.org/platform-graph/graph/changes> {{ ?c a <{PG.Change}> }}"
    )
    assert changes == g.changes == count(f"?a a <{PG.Assessment}>")


# --- the workload --------------------------------------------------------------------------


def test_the_rest_requests_are_the_read_models_queries() -> None:
    queries = recorded_read_model_queries(CommitmentFilter(area="x-kommun"))
    # The slug check, the commitments, their themes, actors, areas, and the filter.
    assert len(queries) == 6
    assert "<https://w3id.org/platform-graph/id/area/x-kommun>" in queries[-1]
    assert "VALUES" in queries[-1]
    assert len(recorded_read_model_queries(CommitmentFilter(q="word"))) == 4


def test_every_request_runs_on_pyoxigraph() -> None:
    g = generate(12_000)
    workload = build_workload(ROOT, g.municipalities[0])
    assert {r.family for r in workload.requests} == set(FAMILIES)
    assert len(workload.family("named")) == len(list((ROOT / "queries").glob("*.rq")))
    assert [r for r in workload.requests if r.small]
    store = ox.Store()
    store.load(g.nquads, format=ox.RdfFormat.N_QUADS)
    empty = []
    for request in workload.requests:
        rows = 0
        for q in request.sparql:
            result = store.query(q.text, use_default_graph_as_union=True)
            rows += 1 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
        if rows == 0:
            empty.append(request.key)
    assert len(empty) <= 3, empty  # nearly every request has something to answer


# --- measuring -----------------------------------------------------------------------------


def test_median_and_p95() -> None:
    values = [float(v) for v in range(1, 101)]
    assert median(values) == 50.5
    assert p95(values) == 95.0
    assert p95([3.0, 1.0, 2.0]) == 3.0


def test_the_validator_judges_changes_to_generated_graphs(shapes: Graph) -> None:
    """The validated-change benchmark measures verdicts that are right."""
    g = generate(12_000)
    commitment = URIRef(ID[f"commitment/{g.municipalities[0].commitments[0]}"])
    validator = Validator(shapes)
    store = _store(g.nquads)
    # A valid change: a new assessment.
    item = AssessmentInput("fulfilled", date(2026, 5, 1), "Test", ("https://example.org/t",))
    _, add, remove = assessment_change(store, commitment, item)
    report, _ = validator.validate_change(store, remove, add)
    assert report.conforms, report.to_text()
    # An invalid one, seen only along an inverse path: a sentence left unaccounted for.
    (sentence_quad,) = store.quads(commitment, PG.inSentence)
    sentence = sentence_quad[2]
    others = [q for q in store.quads(None, PG.inSentence, sentence) if q[0] != commitment]
    report, _ = validator.validate_change(store, [sentence_quad, *others], [])
    focus = {r.focus for r in report.violations}
    assert not report.conforms
    assert any(str(sentence).rsplit("/", 1)[-1] in f for f in focus), report.to_text()
    # A wrong status value.
    bad = [(commitment, PG.status, URIRef(ID["status/finished"]), URIRef(DATA_GRAPH))]
    report, _ = validator.validate_change(store, store.quads(commitment, PG.status), bad)
    assert not report.conforms


# --- the harness, end to end -------------------------------------------------------------


def test_the_harness_runs_and_the_report_renders(tmp_path: Path) -> None:
    plan = replace(
        PLANS["quick"],
        sizes=(4_000,),
        reps=1,
        request_budget=0.01,
        system_budget=60,
        throughput_seconds=0.05,
        clients=(2,),
        changes=2,
        full_validation_max=4_000,
    )
    results = run(plan, tmp_path, ("oxigraph",))
    entry = results["sizes"][0]
    oxigraph = entry["systems"]["oxigraph"]
    assert oxigraph["status"] == "ok", oxigraph
    outcomes = {r["outcome"] for r in oxigraph["requests"].values()}
    assert outcomes == {"ok"}, [
        (k, r["detail"]) for k, r in oxigraph["requests"].items() if r["outcome"] != "ok"
    ]
    updates = entry["updates"]["oxigraph"]
    assert len(updates["inprocess"]) == 2
    assert updates["full_conforms"] is True
    assert updates["profile"]["neighbourhood_triples"] > 0
    assert oxigraph["split"]["pool_round_trip"] > 0
    from benchmarks.report import goals, write_report

    results["seconds"] = 1.0
    (tmp_path / "benchmarks-quick.json").write_text(json.dumps(results))
    report = write_report(tmp_path).read_text()
    assert "## The quick run" in report
    assert "full validation" in report
    assert (tmp_path / "benchmarks-quick-latency.png").stat().st_size > 1000
    judged = {g["goal"].split(" (")[0] for g in goals(results)}
    assert any(g.startswith("a validated one-commitment change") for g in judged)


def test_the_report_says_where_more_clients_got_fewer_answers(tmp_path: Path) -> None:
    """Rendered from the committed full run with the service's answers per second set."""
    from benchmarks.report import write_report

    results = json.loads((default_root() / "docs" / "benchmarks-full.json").read_text())
    service = results["sizes"][-1]["systems"]["service"]

    def render(rest_with_four_clients: float) -> str:
        for e in results["sizes"]:
            throughput = e["systems"]["service"]["throughput"]
            for f in FAMILIES:  # the same with one client as with four
                throughput["4"][f]["rps"] = throughput["1"][f]["rps"]
        service["throughput"]["1"]["rest"]["rps"] = 10.0
        service["throughput"]["4"]["rest"]["rps"] = rest_with_four_clients
        (tmp_path / "benchmarks-full.json").write_text(json.dumps(results))
        return write_report(tmp_path).read_text()

    fell = render(2.0)
    assert "**More clients, fewer answers.**" in fell
    assert "fell for the REST filters (5M: 10.0 → 2.0)." in fell
    assert "PLATFORM_GRAPH_QUERY_WORKERS_MAX" in fell
    assert "When this run was made, the pool started a new worker" in fell  # it predates
    assert "More clients, fewer answers" not in render(12.0)
    results["machine"]["date"] = "2026-12-01T00:00:00+00:00"  # a run after the change
    later = render(2.0)
    assert "When this run was made" not in later
    assert "first waits as long as a worker takes to start" in later


def test_the_head_to_head_requests_find_the_platform_and_the_section_judges_them(
    memory_store: OxigraphStore,
) -> None:
    """Every request of the side-by-side comparison finds something in the real platform
    (a request that finds nothing would compare two empty answers); the report gives a
    verdict per kind, and ``missed`` when any request of the kind is slower."""
    from benchmarks.head_to_head import KINDS, platform_requests
    from benchmarks.report import head_to_head_section

    pairs = platform_requests()
    assert {p.kind for p in pairs} == set(KINDS)
    for pair in pairs:
        (q,) = pair.request.sparql
        result = memory_store.query(q.text)
        assert isinstance(result, GraphResult | SelectResult)
        found = result.triples if isinstance(result, GraphResult) else result.rows
        assert found, pair.name
    requests = [
        {
            "kind": "lookup",
            "name": "a",
            "service": [0.001],
            "virtuoso": [0.002],
            "service_rows": 1,
            "virtuoso_rows": 1,
        },
        {
            "kind": "join",
            "name": "b",
            "service": [0.001, 0.003, 0.003],
            "virtuoso": [0.002],
            "service_rows": 5,
            "virtuoso_rows": 5,
        },
    ]
    section = head_to_head_section(
        {"quads": 9900, "rounds": 3, "warmup": 1, "date": "2026-12-06", "requests": requests}
    )
    assert "SPARQL lookups: ratio 0.50: **met**" in section
    assert "joins: ratio 1.50: **missed**" in section
    assert "Not measured" in head_to_head_section(None)


def test_the_at_scale_section_judges_each_goal() -> None:
    from benchmarks.report import at_scale_section

    entry = {
        "target": 1_000_000,
        "quads": 1_000_000,
        "import_seconds": 12.0,
        "bulk_load_seconds": 8.0,
        "service": {"cold_start_seconds": 6.5, "rss_kb": 900 * 1024, "pss_kb": 700 * 1024},
        "in_memory": {"load_seconds": 9.0, "peak_rss_kb": 600 * 1024},
    }
    section = at_scale_section({"date": "2026-12-06", "sizes": [entry]})
    assert "import ≤ 2× bulk_load: 1.50×, **met**" in section
    assert "cold start ≤ 5 s: 6.5 s, **missed**" in section
    assert "1.50× (RSS), 1.17× (PSS), **met**" in section
