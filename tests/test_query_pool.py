"""The query pool reuses its copy of the store for new workers, and they catch up."""

from __future__ import annotations

import json

from rdflib import Literal, URIRef

from platform_graph.query_pool import SNAPSHOT_REPLAY_MAX, QueryPool
from platform_graph.store.oxigraph import OxigraphStore, data_update

G = URIRef("https://w3id.org/platform-graph/graph/data")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


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
            pool.changed(data_update([], [quad]))
        extra = pool._start_worker()
        assert len(calls) == 1  # the copy taken for the first worker is reused
        first = pool._idle.get()  # set the first worker aside: the new one answers
        pool._idle.put(extra)
        assert _count(pool) == 3  # it replayed the three changes since the copy
        pool._idle.put(first)
        for i in range(3, 3 + SNAPSHOT_REPLAY_MAX + 1):
            quad = (S, P, Literal(i), G)
            store.apply([], [quad])
            pool.changed(data_update([], [quad]))
        pool._idle.put(pool._start_worker())
        assert len(calls) == 2  # a long replay: a fresh copy
    finally:
        pool.close()
