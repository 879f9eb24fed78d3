"""Entailment of the ontology's own hierarchy (issue 17): materialised in the inferred
graph, kept current by every write, never validated as asserted, never logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from platform_graph.build.graph import BuildResult
from platform_graph.rdf.entailment import (
    NOT_ENTAILED_FROM,
    Axioms,
    derive,
    materialise,
    materialise_queries,
)
from platform_graph.rdf.terms import Quad
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.vocab.namespaces import (
    CHANGES_GRAPH,
    DATA_GRAPH,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PG,
)
from tests.support.inprocess import ADMIN, EDITOR, Client, auth, platform_service

JSON = "application/sparql-results+json"
INFERRED = str(INFERRED_GRAPH)
DATA = str(DATA_GRAPH)


def select(client: Client, query: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/sparql", params={"query": query, **params}, headers={"Accept": JSON})
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()["results"]["bindings"]
    return rows


PREFIX = "PREFIX pg: <https://w3id.org/platform-graph/ontology#>\n"


def test_general_terms_find_what_the_specific_ones_say(http: Client) -> None:
    names = select(http, PREFIX + "SELECT DISTINCT ?c WHERE { ?c pg:namesActor ?a }")
    responsible = select(http, PREFIX + "SELECT DISTINCT ?c WHERE { ?c pg:responsibleActor ?a }")
    assert len(names) >= len(responsible) > 0
    # Every public body is an actor; every commitment a statement.
    bodies = select(
        http,
        PREFIX + "SELECT ?x WHERE { ?x a pg:PublicBody FILTER NOT EXISTS { ?x a pg:Actor } }",
    )
    assert bodies == []
    statements = select(
        http,
        PREFIX + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a pg:Statement }",
    )
    assert int(statements[0]["n"]["value"]) >= 190
    # No triple is both asserted and inferred: the union holds each once.
    twice = select(
        http,
        "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } GRAPH <" + INFERRED + "> { ?s ?p ?o } "
        "FILTER (?g != <" + INFERRED + ">) } LIMIT 1",
    )
    assert twice == []


def test_asserted_only_by_naming_the_graphs(http: Client) -> None:
    query = PREFIX + "SELECT ?c WHERE { ?c pg:namesActor ?a } LIMIT 1"
    assert select(http, query, **{"default-graph-uri": DATA}) == []
    from_data = PREFIX + f"SELECT ?c FROM <{DATA}> WHERE {{ ?c pg:namesActor ?a }} LIMIT 1"
    assert select(http, from_data) == []
    assert select(http, query) != []


def test_downloads_hold_the_asserted_triples_only(http: Client) -> None:
    r = http.get("/data/platform-graph.nq")
    assert r.status_code == 200
    assert INFERRED not in r.text
    g = Graph().parse(data=http.get("/data/platform-graph.ttl").text, format="turtle")
    assert not list(g.triples((None, PG.namesActor, None)))


def test_rules_close_over_sub_properties_sub_classes_and_inverses() -> None:
    ex = "http://example.org/"
    a, b, c, d = (URIRef(ex + n) for n in "abcd")
    p, q, r, s = (URIRef(ex + n) for n in ("p", "q", "r", "s"))
    axioms = Axioms.from_triples(
        [
            (p, RDFS.subPropertyOf, q),
            (q, RDFS.subPropertyOf, r),
            (r, OWL.inverseOf, s),
            (c, RDFS.subClassOf, d),
        ]
    )
    closed = axioms.close([(a, p, b), (a, RDF.type, c)])
    assert {(a, q, b), (a, r, b), (b, s, a), (a, RDF.type, d)} <= closed


def _quads(store: OxigraphStore, graph: URIRef) -> set[tuple[Any, ...]]:
    return set(store.quads(None, None, None, graph))


def test_incremental_upkeep_matches_a_full_materialisation(built: BuildResult) -> None:
    """Changes applied with derive() leave the inferred graph just as a fresh
    materialisation of the same data would, with an inverse in the ontology too."""
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    inverse = URIRef(PG + "namedIn")
    store.apply([], [(PG.namesActor, OWL.inverseOf, inverse, ONTOLOGY_GRAPH)])
    remove, add = materialise(store.quads)
    assert not remove
    assert add
    store.apply(remove, add)
    commitment = URIRef(ID["commitment/trygghet-narkotikateam"])
    polisen = URIRef(ID["actor/polisen"])
    skolan = URIRef(ID["actor/test-skola"])
    changes: list[tuple[list[Quad], list[Quad]]] = [
        ([], [(commitment, PG.partnerActor, skolan, DATA_GRAPH)]),
        ([], [(skolan, RDF.type, PG.PublicBody, DATA_GRAPH)]),
        (
            [(q[0], q[1], q[2], q[3]) for q in store.quads(commitment, None, polisen, DATA_GRAPH)],
            [],
        ),
        ([(commitment, PG.partnerActor, skolan, DATA_GRAPH)], []),
    ]
    for removed, added in changes:
        inferred_remove, inferred_add = derive(store.quads, removed, added)
        store.apply([*removed, *inferred_remove], [*added, *inferred_add])
        fresh_remove, fresh_add = materialise(store.quads)
        assert (fresh_remove, fresh_add) == ([], []), (removed, added)
    assert (skolan, RDF.type, PG.Actor, INFERRED_GRAPH) in _quads(store, INFERRED_GRAPH)


@pytest.fixture(scope="module")
def writable(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with platform_service(built, tmp_path_factory.mktemp("entailment")) as client:
        yield client


def test_every_write_keeps_the_inferred_graph_and_never_logs_it(writable: Client) -> None:
    c = "https://w3id.org/platform-graph/id/commitment/trygghet-narkotikateam"
    a = "https://w3id.org/platform-graph/id/actor/obo"
    ask = PREFIX + f"ASK {{ <{c}> pg:namesActor <{a}> }}"

    def holds() -> bool:
        r = writable.get(
            "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
        )
        return bool(r.json()["boolean"])

    assert not holds()
    triple = f"<{c}> <{PG.affectedActor}> <{a}> ."
    r = writable.post(
        "/api/changes",
        json={"message": "OBO berörs", "add": triple, "format": "application/n-triples"},
        headers=auth(EDITOR),
    )
    assert r.status_code == 201, r.text
    assert holds()
    change = writable.get(r.headers["Location"]).json()
    assert change["added"] == 1
    assert change["triples"]["added"] == [f"{triple[:-2]} <{DATA}> ."]
    # The change log never mentions the inferred graph.
    logged = select(
        writable, f"SELECT ?st WHERE {{ GRAPH <{CHANGES_GRAPH}> {{ ?st ?p <{INFERRED}> }} }}"
    )
    assert logged == []
    # Removing the asserted triple removes what it entailed.
    r = writable.post(
        "/api/changes",
        json={"message": "OBO berörs inte", "remove": triple, "format": "application/n-triples"},
        headers=auth(EDITOR),
    )
    assert r.status_code == 201, r.text
    assert not holds()


def test_nobody_writes_the_inferred_graph(writable: Client) -> None:
    triple = f"<{ID['actor/polisen']}> <{RDFS.label}> {Literal('x').n3()} ."
    r = writable.post(
        "/api/changes",
        json={"message": "x", "add": triple, "format": "application/n-triples", "graph": INFERRED},
        headers=auth(ADMIN),
    )
    assert r.status_code == 400
    assert "inferred" in r.json()["detail"]
    r = writable.put(
        "/rdf-graphs/service",
        params={"graph": INFERRED},
        content=triple,
        headers={**auth(ADMIN), "Content-Type": "application/n-triples"},
    )
    assert r.status_code == 403
    r = writable.post(
        "/update",
        content=f"INSERT DATA {{ GRAPH <{INFERRED}> {{ {triple} }} }}",
        headers={**auth(ADMIN), "Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 400


def test_the_shapes_never_see_inferred_triples(writable: Client, monkeypatch: Any) -> None:
    import platform_graph.validation.incremental as incremental

    seen: list[Graph] = []
    real = incremental.validate  # type: ignore[attr-defined]

    def spy(graph: Graph, shapes: Graph) -> Any:
        seen.append(graph)
        return real(graph, shapes)

    monkeypatch.setattr(incremental, "validate", spy)
    c = ID["commitment/trygghet-narkotikateam"]
    triple = f"<{c}> <{PG.partnerActor}> <{ID['actor/obo']}> ."
    r = writable.post(
        "/api/changes",
        json={"message": "x", "add": triple, "format": "application/n-triples"},
        headers=auth(EDITOR),
        params={"dry_run": "true"},
    )
    assert r.status_code == 200, r.text
    assert seen
    # The commitment's actors are asserted by role only: no pg:namesActor in what the
    # shapes validate, though the inferred graph holds it.
    assert not any(p == PG.namesActor for g in seen for _, p, _ in g)


def test_the_service_description_names_the_inferred_graph(http: Client) -> None:
    r = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert INFERRED in r.text


def test_the_engine_concludes_what_materialise_adds(built: BuildResult, tmp_path: Any) -> None:
    """The start's materialisation in the engine (materialise_queries, add_concluded)
    fills the inferred graph exactly as materialise() would, an inverse included, and
    leaves out what an asserted graph states already."""
    store = OxigraphStore(tmp_path / "store")
    store.load(built.nquads(), "application/n-quads")
    inverse = URIRef(PG + "namedIn")
    commitment = URIRef(ID["commitment/trygghet-narkotikateam"])
    stated = (commitment, PG.namesActor, URIRef(ID["actor/polisen"]), DATA_GRAPH)
    store.apply([], [(PG.namesActor, OWL.inverseOf, inverse, ONTOLOGY_GRAPH), stated])
    remove, add = materialise(store.quads)
    assert not remove
    queries = materialise_queries(Axioms.from_store(store.quads))
    assert queries is not None
    added = store.add_concluded(queries, INFERRED_GRAPH, NOT_ENTAILED_FROM)
    assert added == len(add) > 0
    assert _quads(store, INFERRED_GRAPH) == set(add)
    assert (*stated[:3], INFERRED_GRAPH) not in _quads(store, INFERRED_GRAPH)
    assert (URIRef(ID["actor/polisen"]), inverse, commitment, INFERRED_GRAPH) in set(add)


def test_a_sub_property_of_rdf_type_is_left_to_materialise() -> None:
    ex = "http://example.org/"
    axioms = Axioms.from_triples([(URIRef(ex + "isA"), RDFS.subPropertyOf, RDF.type)])
    assert materialise_queries(axioms) is None
