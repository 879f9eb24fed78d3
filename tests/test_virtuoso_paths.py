"""The rewrite that answers fixed-end transitive paths for Virtuoso (no server needed)."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import URIRef

from platform_graph.store.remote.virtuoso_paths import expand_paths

A, B = URIRef("http://ex/a"), URIRef("http://ex/b")
P = "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"


def closure_of(found: list[URIRef], asked: list[str]) -> Callable[[str], list[URIRef]]:
    def closure(query: str) -> list[URIRef]:
        asked.append(query)
        return found

    return closure


def test_a_path_to_a_bound_variable_becomes_values_of_its_closure() -> None:
    asked: list[str] = []
    text = P + "SELECT ?c WHERE { ?c geo:x ?p . ?p geo:sfWithin* ?area . }"
    out = expand_paths(text, {"area": URIRef("http://ex/k")}, closure_of([A, B], asked))
    assert "VALUES ?p { <http://ex/a> <http://ex/b> }" in out
    assert "sfWithin*" not in out
    assert asked == [P + "SELECT DISTINCT ?x WHERE { ?x geo:sfWithin* <http://ex/k> }"]


def test_a_path_from_an_iri_and_an_empty_closure() -> None:
    text = "SELECT ?p WHERE { <http://ex/k> <http://ex/in>+ ?p }"
    out = expand_paths(text, {}, closure_of([], []))
    assert out == "SELECT ?p WHERE { VALUES ?p {  } }"


def test_not_exists_becomes_not_in() -> None:
    text = "SELECT ?a WHERE { ?a a ?t FILTER NOT EXISTS { ?a <http://ex/sub>* <http://ex/k> } }"
    out = expand_paths(text, {}, closure_of([A], []))
    assert "FILTER (?a NOT IN (<http://ex/a>))" in out
    assert "EXISTS" not in out


def test_left_alone_where_it_cannot_be_rewritten() -> None:
    unchanged = [
        "SELECT * WHERE { ?a <http://ex/p>* ?b }",  # both ends free
        "SELECT * WHERE { ?a ?b ?c MINUS { ?a <http://ex/p>* <http://ex/k> } }",  # MINUS
        "SELECT * WHERE { ?a <http://ex/p>* <http://ex/k> ; <http://ex/q> ?o }",  # ';' goes on
        'SELECT * WHERE { ?a <http://ex/p> "x*" }',  # a star inside a string
    ]
    for text in unchanged:
        assert expand_paths(text, {}, closure_of([A], [])) == text
