"""/sparql answers what the engine answers: the query's own dataset, every cell as it is.

The W3C suites (``test_w3c_query_suite.py``) measure this over the whole query suite;
these are the cases they found, small enough to read, on the store, the writers and
the app (its query workers are real processes).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from platform_graph.store import DatasetSpec
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.results_writer import CSV, write_solutions
from tests.support.inprocess import service

G1 = "http://example.org/g1"
G2 = "http://example.org/g2"
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
NAMED = "SELECT ?g (COUNT(*) AS ?n) {dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def _store() -> OxigraphStore:
    """Two named graphs: g1 holds one triple, g2 two."""
    store = OxigraphStore(None)
    store.load(
        (
            f'<http://example.org/a> <http://example.org/p> "1" <{G1}> .\n'
            f'<http://example.org/b> <http://example.org/p> "2" <{G2}> .\n'
            f'<http://example.org/c> <http://example.org/p> "3" <{G2}> .\n'
        ).encode(),
        "application/n-quads",
    )
    return store


def _count(result: object) -> int:
    assert isinstance(result, ox.QuerySolutions)
    [row] = list(result)
    value = row["n"]
    assert isinstance(value, ox.Literal)
    return int(value.value)


def _graphs(result: object) -> dict[str, int]:
    assert isinstance(result, ox.QuerySolutions)
    out: dict[str, int] = {}
    for row in result:
        graph, n = row["g"], row["n"]
        assert isinstance(graph, ox.NamedNode)
        assert isinstance(n, ox.Literal)
        out[graph.value] = int(n.value)
    return out


def test_without_a_dataset_the_default_graph_is_the_union() -> None:
    store = _store()
    assert _count(store.raw_query(COUNT.format(dataset=""))) == 3
    assert _graphs(store.raw_query(NAMED.format(dataset=""))) == {G1: 1, G2: 2}


def test_a_querys_own_from_is_its_default_graph() -> None:
    store = _store()
    assert _count(store.raw_query(COUNT.format(dataset=f"FROM <{G1}>"))) == 1
    assert _count(store.raw_query(COUNT.format(dataset=f"from <{G1}> FROM <{G2}>"))) == 3


def test_a_querys_own_from_named_is_its_named_graphs_and_its_default_graph_is_empty() -> None:
    store = _store()
    named = NAMED.format(dataset=f"FROM NAMED <{G2}>")
    assert _graphs(store.raw_query(named)) == {G2: 2}
    assert _count(store.raw_query(COUNT.format(dataset=f"FROM NAMED <{G2}>"))) == 0


def test_the_protocols_dataset_replaces_the_querys_own() -> None:
    store = _store()
    query = COUNT.format(dataset=f"FROM <{G1}>")
    assert _count(store.raw_query(query, DatasetSpec((G2,), ()))) == 2


def test_a_from_in_a_string_or_an_iri_names_no_dataset() -> None:
    store = _store()
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?s != <http://example.org/FROM> "
        '&& STR(?o) != "FROM <x>") }'
    )
    assert _count(store.raw_query(query)) == 3


@pytest.fixture(scope="module")
def app() -> Iterator[TestClient]:
    with service(_store()) as client:
        yield client


def test_over_sparql_a_construct_from_one_graph_gives_that_graph(app: TestClient) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} FROM <{G1}> WHERE {{ ?s ?p ?o }}"
    r = app.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    triples = list(ox.parse(r.content, ox.RdfFormat.N_TRIPLES))
    assert [t.subject for t in triples] == [ox.NamedNode("http://example.org/a")]


def test_over_sparql_from_named_limits_the_graphs(app: TestClient) -> None:
    query = NAMED.format(dataset=f"FROM NAMED <{G1}>")
    r = app.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert list(csv.reader(io.StringIO(r.text))) == [["g", "n"], [G1, "1"]]


def _csv_cells(*terms: ox.NamedNode | ox.Literal) -> list[str]:
    rows = [{"x": term} for term in terms]
    written = write_solutions(["x"], rows, CSV)
    [_, *cells] = list(csv.reader(io.StringIO(written.body.decode())))
    return [cell for [cell] in cells]


def test_csv_cells_that_cannot_act_as_a_formula_are_the_values() -> None:
    duration = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dayTimeDuration")
    values = [
        ox.Literal("-nglish"),
        ox.Literal("---"),
        ox.Literal("-PT8H", datatype=duration),
        ox.Literal("-08:00"),
        ox.Literal("+1"),
        ox.Literal("=1+2"),
        ox.Literal("@home"),
    ]
    assert _csv_cells(*values) == [v.value for v in values]


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://evil.example/","klicka")',
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        '+WEBSERVICE("http://evil.example/")',
        "=[book.xlsx]Sheet1!A1",
        "\t=IMPORTXML(A1)",
    ],
)
def test_csv_cells_that_could_act_as_a_formula_are_neutralised(formula: str) -> None:
    assert _csv_cells(ox.Literal(formula)) == ["'" + formula]
