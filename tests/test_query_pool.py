"""The query pool: new workers start from a kept copy and catch up; ``QueryPool.query``
answers as the store does, under the time limit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rdflib import Literal, URIRef

from platform_graph.store import (
    AskResult,
    DatasetSpec,
    GraphResult,
    QueryResult,
    SelectResult,
    Term,
)
from platform_graph.store.errors import StoreQueryError, StoreTimeout
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.pool import SNAPSHOT_REPLAY_MAX, QueryPool

G = URIRef("https://w3id.org/platform-graph/graph/data")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _take(pool: QueryPool) -> Any:
    """Set an idle worker aside, as if another query held it."""
    with pool._cond:
        return pool._idle.pop()


def _give(pool: QueryPool, worker: Any) -> None:
    """Hand a worker set aside back to the pool, as when its query ends."""
    with pool._cond:
        pool._idle.append(worker)
        pool._cond.notify_all()


def _count(pool: QueryPool) -> int:
    answer = pool.run(COUNT, None, "application/sparql-results+json", None)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_new_workers_start_from_the_kept_copy_and_replay_the_changes() -> None:
    store = OxigraphStore(None)
    calls: list[int] = []

    def snapshot() -> bytes:
        calls.append(1)
        return store.dump("application/n-quads")

    pool = QueryPool(snapshot, size=1, max_size=3, timeout=30)
    try:
        for i in range(3):
            quad = (S, P, Literal(i), G)
            store.apply([], [quad])
            pool.changed([], [quad])
        extra = pool._start_worker()
        assert len(calls) == 1  # the copy taken for the first worker is reused
        first = _take(pool)  # set the first worker aside: the new one answers
        _give(pool, extra)
        assert _count(pool) == 3  # it replayed the three changes since the copy
        _give(pool, first)
        for i in range(3, 3 + SNAPSHOT_REPLAY_MAX + 1):
            quad = (S, P, Literal(i), G)
            store.apply([], [quad])
            pool.changed([], [quad])
        _give(pool, pool._start_worker())
        assert len(calls) == 2  # a long replay: a fresh copy
    finally:
        pool.close()


def test_a_query_that_finds_every_worker_busy_takes_the_first_one_free() -> None:
    """It does not wait for a new worker to load its copy, and one starts at a time."""
    store = OxigraphStore(None)
    pool = QueryPool(lambda: store.dump("application/n-quads"), size=1, max_size=3, timeout=30)
    loading = threading.Event()  # held shut: a new worker still loading its copy of the data
    starts: list[int] = []
    plain_start = pool._start_worker

    def slow_start(**kwargs: Any) -> Any:
        starts.append(1)
        loading.wait(60)
        return plain_start(**kwargs)

    pool._start_worker = slow_start  # type: ignore[method-assign]
    pool.start_seconds = 0.01  # the waiting queries soon ask for a new worker
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(_count(pool))) for _ in range(3)]
    try:
        busy = _take(pool)  # the only worker, busy with another query
        for t in threads:
            t.start()
        time.sleep(0.3)
        _give(pool, busy)  # it comes free while the new one is still loading
        for t in threads:
            t.join(20)
        assert answers == [0, 0, 0]  # all answered by the freed worker, none by the new one
        assert not loading.is_set()
        assert len(starts) == 1  # one new worker on its way, not one per waiting query
    finally:
        loading.set()
        for t in threads:
            if t.is_alive():
                t.join(20)
        deadline = time.monotonic() + 30
        while pool._starting and time.monotonic() < deadline:
            time.sleep(0.05)  # the new worker finishes starting before the pool closes
        pool.close()


def test_a_busy_pool_waits_as_long_as_a_start_takes_before_starting_a_worker() -> None:
    """A new worker costs a copy of the data; a worker coming free sooner is cheaper."""
    store = OxigraphStore(None)
    pool = QueryPool(lambda: store.dump("application/n-quads"), size=1, max_size=3, timeout=30)
    assert pool.start_seconds > 0  # measured on the first worker
    pool.start_seconds = 20.0  # as for a copy of millions of triples
    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(_count(pool)))
    try:
        busy = _take(pool)  # the only worker, busy with another query
        thread.start()
        time.sleep(0.5)
        assert pool.workers == 1  # waiting: nothing started
        assert not pool._starting
        _give(pool, busy)
        thread.join(20)
        assert answers == [0]
        assert pool.workers == 1
    finally:
        pool.close()


# --- QueryPool.query: the neutral result types, under the time limit ----------------------

PREFIXES = (
    "PREFIX pg: <https://w3id.org/platform-graph/ontology#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
)
AREA = URIRef("https://w3id.org/platform-graph/id/area/vivalla")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def pool(memory_store: OxigraphStore) -> Iterator[QueryPool]:
    running = QueryPool(lambda: memory_store.dump("application/n-quads"), size=1, timeout=30)
    yield running
    running.close()


@pytest.mark.parametrize(
    ("sparql", "bindings", "options"),
    [
        pytest.param(
            PREFIXES + "SELECT ?c ?title ?deadline WHERE { ?c pg:concernsArea ?area ; "
            "dcterms:title ?title OPTIONAL { ?c pg:deadline ?deadline } } ORDER BY ?c ?title",
            {"area": AREA},
            {},
            id="select-bound-optional",
        ),
        pytest.param(
            "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
            {},
            {"max_rows": 7},
            id="select-truncated",
        ),
        pytest.param(
            "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5",
            {},
            {"dataset": DatasetSpec(default_graphs=(str(G),))},
            id="select-dataset",
        ),
        pytest.param(PREFIXES + "ASK { ?c pg:concernsArea ?area }", {"area": AREA}, {}, id="ask"),
        pytest.param(
            "CONSTRUCT { ?area ?p ?o } WHERE { ?area ?p ?o }", {"area": AREA}, {}, id="construct"
        ),
        pytest.param("DESCRIBE ?area WHERE {}", {"area": AREA}, {}, id="describe"),
        pytest.param(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            {},
            {"max_rows": 3},
            id="construct-truncated",
        ),
        pytest.param(
            "SELECT ?x WHERE { ?x ?p ?o }",
            {"o": Literal('vivalla" } ; DROP ALL #', lang="sv")},
            {},
            id="hostile-literal-bound",
        ),
        pytest.param(
            "SELECT ?x WHERE { BIND(<rel> AS ?x) }",
            {},
            {"base_iri": "http://example.org/base/"},
            id="base-iri",
        ),
    ],
)
def test_query_answers_as_the_store_does(
    pool: QueryPool,
    memory_store: OxigraphStore,
    sparql: str,
    bindings: dict[str, Term],
    options: dict[str, Any],
) -> None:
    expected = memory_store.query(sparql, bindings=bindings, **options)
    answer = pool.query(sparql, bindings=bindings, **options)
    if isinstance(expected, GraphResult):
        # Triples come in no set order: the same set, or as many of the whole answer.
        assert isinstance(answer, GraphResult)
        assert (len(answer.triples), answer.truncated) == (
            len(expected.triples),
            expected.truncated,
        )
        whole = memory_store.query(sparql, bindings=bindings)
        assert isinstance(whole, GraphResult)
        assert set(answer.triples) <= set(whole.triples)
    else:
        assert answer == expected
    if "DROP" not in str(bindings.get("o", "")):  # that one must find nothing
        assert _size(expected) > 0


def _size(result: QueryResult) -> int:
    if isinstance(result, SelectResult):
        return len(result.rows)
    if isinstance(result, GraphResult):
        return len(result.triples)
    return int(result.value)


def test_query_binds_values_and_never_pastes_them(pool: QueryPool) -> None:
    query = PREFIXES + "SELECT ?c WHERE { ?c pg:concernsArea ?area }"
    every = pool.query(query)
    assert isinstance(every, SelectResult)
    bound = pool.query(query, bindings={"area": AREA})
    assert isinstance(bound, SelectResult)
    assert bound.rows
    assert set(bound.rows) < set(every.rows)
    with pytest.raises(ValueError, match="not a valid RDF term"):
        pool.query(query, bindings={"area": URIRef("x> } ; DROP ALL #")})
    with pytest.raises(ValueError, match="not a variable name"):
        pool.query(query, bindings={"area } #": AREA})
    assert pool.query(query, bindings={"area": AREA}) == bound  # nothing was dropped


def test_query_keeps_blank_nodes_and_literal_types() -> None:
    store = OxigraphStore(None)
    store.load(
        b'_:b <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        b'_:b <http://example.org/q> "hej"@sv .\n'
        b'<http://example.org/s> <http://example.org/r> "plain" .\n',
        "application/n-triples",
        graph=str(G),
    )
    running = QueryPool(lambda: store.dump("application/n-quads"), size=1, timeout=30)
    try:
        for sparql in (
            "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        ):
            answer = running.query(sparql)
            expected = store.query(sparql)
            if isinstance(expected, SelectResult):
                assert isinstance(answer, SelectResult)
                assert answer.variables == expected.variables
                # Blank node labels are the engine's own: compare everything else.
                assert [r[1:] for r in answer.rows] == [r[1:] for r in expected.rows]
                assert [type(r[0]) for r in answer.rows] == [type(r[0]) for r in expected.rows]
            else:
                assert isinstance(answer, GraphResult)
                assert isinstance(expected, GraphResult)
                assert sorted(t[1:] for t in answer.triples) == sorted(
                    t[1:] for t in expected.triples
                )
    finally:
        running.close()


def test_query_past_the_time_limit_is_stopped(memory_store: OxigraphStore) -> None:
    running = QueryPool(lambda: memory_store.dump("application/n-quads"), size=1, timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(StoreTimeout):
            running.query(SLOW)
        assert time.monotonic() - started < 5
        # The stopped worker is replaced: the pool answers again.
        assert running.query("ASK { ?s ?p ?o }") == AskResult(True)
        with pytest.raises(StoreQueryError) as error:
            running.query("SELECT ?x WHERE {")
        assert error.value.syntax
    finally:
        running.close()


def test_query_sees_the_changes_it_was_told_of(memory_store: OxigraphStore) -> None:
    store = OxigraphStore(None)
    store.load(memory_store.dump("application/n-quads"), "application/n-quads")
    running = QueryPool(lambda: store.dump("application/n-quads"), size=1, timeout=30)
    try:
        ask = "ASK { ?s ?p ?o }"
        quad = (S, P, Literal("new"), G)
        assert running.query(ask, bindings={"s": S}) == AskResult(False)
        generation = running.generation
        store.apply([], [quad])
        running.changed([], [quad])
        assert running.generation == generation + 1
        assert running.query(ask, bindings={"s": S}) == AskResult(True)
    finally:
        running.close()
