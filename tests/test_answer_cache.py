"""Answers kept per generation of the data: given out again until the next change, never
after it; volatile queries and writes are never kept; the budget holds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from rdflib import Literal, URIRef

from platform_graph.store.answer_cache import AnswerCache, cacheable
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.pool import QueryPool

G = URIRef("https://w3id.org/platform-graph/graph/data")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")
JSON = "application/sparql-results+json"
VALUES = "SELECT ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o"


def _values(body: bytes) -> list[str]:
    return [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]]


@pytest.fixture
def store_and_pool() -> Iterator[tuple[OxigraphStore, QueryPool]]:
    store = OxigraphStore(None)
    store.apply([], [(S, P, Literal("a"), G)])
    pool = QueryPool(
        lambda: store.dump("application/n-quads"), size=1, timeout=30, answer_cache_bytes=2**20
    )
    try:
        yield store, pool
    finally:
        pool.close()


def _change(store: OxigraphStore, pool: QueryPool, value: str) -> None:
    quad = (S, P, Literal(value), G)
    store.apply([], [quad])
    pool.changed([], [quad])


def test_the_same_query_is_answered_again_until_the_data_changes(
    store_and_pool: tuple[OxigraphStore, QueryPool],
) -> None:
    store, pool = store_and_pool
    assert pool.answers is not None
    first = pool.run(VALUES, None, JSON, None)
    again = pool.run(VALUES, None, JSON, None)
    assert again.body == first.body
    assert (pool.answers.hits, pool.answers.misses) == (1, 1)
    _change(store, pool, "b")
    assert _values(pool.run(VALUES, None, JSON, None).body) == ["a", "b"]
    assert pool.answers.misses == 2  # the change emptied what was kept
    # the same from the event loop, and through ``query`` (the read model's way in)
    assert _values(asyncio.run(pool.run_async(VALUES, None, JSON, None)).body) == ["a", "b"]
    assert pool.answers.hits == 2
    _change(store, pool, "c")
    assert [str(r[0]) for r in pool.query(VALUES).rows] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert [str(r[0]) for r in pool.query(VALUES).rows] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert pool.answers.hits == 3


def test_another_format_dataset_or_row_cap_is_another_answer(
    store_and_pool: tuple[OxigraphStore, QueryPool],
) -> None:
    _, pool = store_and_pool
    assert pool.answers is not None
    as_json = pool.run(VALUES, None, JSON, None).body
    as_csv = pool.run(VALUES, None, "text/csv", None).body
    assert as_csv != as_json
    assert b"a" in as_csv
    capped = pool.run(VALUES, None, JSON, 0)
    assert capped.truncated
    assert _values(capped.body) == []
    assert pool.answers.hits == 0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT (rand () AS ?r) WHERE {}",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "SELECT (UUID() AS ?u) WHERE {}",
        "CONSTRUCT { _:b <http://example.org/p> ?o } WHERE { ?s ?p ?o BIND(BNODE() AS ?x) }",
    ],
)
def test_a_query_whose_answer_varies_run_to_run_is_never_kept(
    store_and_pool: tuple[OxigraphStore, QueryPool], query: str
) -> None:
    _, pool = store_and_pool
    assert not cacheable(("query", query, None, JSON, None, None, None))
    media = "text/turtle" if query.startswith("CONSTRUCT") else JSON
    pool.run(query, None, media, None)
    pool.run(query, None, media, None)
    assert pool.answers is not None
    assert len(pool.answers) == 0


def test_two_runs_of_now_differ_so_it_is_not_kept(
    store_and_pool: tuple[OxigraphStore, QueryPool],
) -> None:
    _, pool = store_and_pool
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    bodies = {pool.run(query, None, JSON, None).body for _ in range(3)}
    assert len(bodies) == 3


def test_a_query_asking_another_server_is_never_kept() -> None:
    # SERVICE runs only where the operator allows it; the other server's data moves on
    # its own, whatever the generation of ours.
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    assert not cacheable(("query", query, None, JSON, None, None, None))
    assert not cacheable(("result", query.replace("SERVICE", "service silent"), None, None, None))
    described = "SELECT * WHERE { ?s a <http://www.w3.org/ns/sparql-service-description#Service> }"
    assert cacheable(("result", described, None, None, None))


def test_updates_and_deltas_are_never_kept() -> None:
    assert not cacheable(("delta", "INSERT DATA { <a> <b> <c> }", None, 10))
    assert not cacheable(("replay", "INSERT DATA { <a> <b> <c> }"))
    assert cacheable(("result", VALUES, None, None, None))


def test_the_budget_holds_and_the_least_recently_used_go_first() -> None:
    cache = AnswerCache(800)  # an answer may take at most 100 bytes
    cache.get(1, ("query", "x"))
    for i in range(8):
        cache.put(1, ("query", str(i)), ("ok", i), 100)
    assert len(cache) == 8
    assert cache.get(1, ("query", "0")) == ("ok", 0)  # now the most recently used
    cache.put(1, ("query", "8"), ("ok", 8), 100)
    assert cache.get(1, ("query", "1")) is None  # the least recently used went
    assert cache.get(1, ("query", "0")) == ("ok", 0)
    cache.put(1, ("query", "big"), ("ok", "big"), 101)
    assert cache.get(1, ("query", "big")) is None  # larger than its share
    cache.put(0, ("query", "old"), ("ok", "old"), 10)
    assert cache.get(1, ("query", "old")) is None  # computed at a generation gone by
    assert cache.get(2, ("query", "0")) is None  # a new generation starts empty
    assert len(cache) == 0
