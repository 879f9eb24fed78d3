"""What the query workers read (``store/replicas.py``): copies in memory for small data,
read-only snapshots of the on-disk store above ``query_copy_max_quads``; and the pool's
way in from the event loop (``run_async``). Either way a worker answers as the store
does, sees every change it was told of, and stays confined, memory-bounded and killable.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from platform_graph.store.errors import QueryStopped, StoreTimeout
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.pool import QueryPool, WorkerLimits
from platform_graph.store.replicas import Copies, Snapshots, replicas_for

G = URIRef("https://w3id.org/platform-graph/graph/data")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")
JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BOMB = (
    "SELECT ("
    + "REPLACE(" * 9
    + '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'
    + ', "a", "aaaaaaaaaaaaaaaa")' * 9
    + " AS ?x) WHERE {}"
)


@pytest.fixture
def disk_store(memory_store: OxigraphStore, tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore(tmp_path / "store")
    store.load(memory_store.dump("application/n-quads"), "application/n-quads")
    return store


def _count(pool: QueryPool) -> int:
    answer = pool.run(COUNT, None, JSON, None)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def _snapshot_pool(store: OxigraphStore, **options: object) -> QueryPool:
    replicas = replicas_for(store, copy_max_quads=0)
    assert isinstance(replicas, Snapshots)
    return QueryPool(replicas, **options)  # type: ignore[arg-type]


def test_the_size_of_the_data_chooses_copies_or_snapshots(
    memory_store: OxigraphStore, disk_store: OxigraphStore
) -> None:
    quads = len(disk_store)
    assert isinstance(replicas_for(disk_store), Copies)  # the default: copies, whatever the size
    assert isinstance(replicas_for(disk_store, copy_max_quads=None), Copies)
    small = replicas_for(disk_store, copy_max_quads=quads)
    assert isinstance(small, Copies)
    large = replicas_for(disk_store, copy_max_quads=quads - 1)
    try:
        assert isinstance(large, Snapshots)
    finally:
        large.close()
    # An in-memory store has no files to snapshot: copies, whatever its size.
    assert isinstance(replicas_for(memory_store, copy_max_quads=0), Copies)


def test_snapshot_workers_answer_as_the_store_does_and_see_every_change(
    disk_store: OxigraphStore,
) -> None:
    pool = _snapshot_pool(disk_store, size=1, max_size=2, timeout=30)
    folder = disk_store.path.with_name(disk_store.path.name + "-snapshots")  # type: ignore[union-attr]
    try:
        assert pool.replicas == "snapshots"
        expected = len(disk_store)
        assert _count(pool) == expected
        for i in range(3):
            quad = (S, P, Literal(i), G)
            disk_store.apply([], [quad])
            pool.changed([], [quad])
        assert pool.generation == 3
        assert _count(pool) == expected + 3
        # A worker started now starts from the newest snapshot, not from the first.
        with pool._cond:
            first = pool._idle.pop()
        extra = pool._start_worker()
        assert extra.generation == 3
        with pool._cond:
            pool._idle.append(extra)
        assert _count(pool) == expected + 3
        with pool._cond:
            pool._idle.append(first)
        # A removal too; and the snapshots nobody reads any more are gone.
        quad = (S, P, Literal(0), G)
        disk_store.apply([quad], [])
        pool.changed([quad], [])
        assert _count(pool) == expected + 2
        assert _count(pool) == expected + 2
        kept = {int(p.name) for p in folder.iterdir()}
        assert 4 in kept
        assert kept <= {3, 4}
    finally:
        pool.close()
    assert not folder.exists()  # the snapshots go when the service stops


def test_a_snapshot_worker_past_the_time_limit_is_stopped(disk_store: OxigraphStore) -> None:
    pool = _snapshot_pool(disk_store, size=1, timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(StoreTimeout):
            pool.run(SLOW, None, JSON, None)
        assert time.monotonic() - started < 5
        assert _count(pool) == len(disk_store)  # its replacement answers
    finally:
        pool.close()


def test_a_snapshot_worker_is_memory_bounded(disk_store: OxigraphStore) -> None:
    pool = _snapshot_pool(
        disk_store, size=1, max_size=2, limits=WorkerLimits(memory_bytes=128 * 2**20)
    )
    try:
        with pytest.raises(QueryStopped, match="memory"):
            pool.run(BOMB, None, JSON, None)
        assert _count(pool) == len(disk_store)
    finally:
        pool.close()


def test_run_async_answers_as_run_does_and_keeps_the_time_limit(
    memory_store: OxigraphStore,
) -> None:
    pool = QueryPool(lambda: memory_store.dump("application/n-quads"), size=1, timeout=1)

    async def both() -> None:
        sync = pool.run(COUNT, None, JSON, None)
        on_loop = await pool.run_async(COUNT, None, JSON, None)
        assert on_loop == sync
        # Every worker busy: the second waits (in a thread) and is answered too.
        first, second = await asyncio.gather(
            pool.run_async(COUNT, None, JSON, None), pool.run_async(COUNT, None, JSON, None)
        )
        assert first == second == sync
        started = time.monotonic()
        with pytest.raises(StoreTimeout):
            await pool.run_async(SLOW, None, JSON, None)
        assert time.monotonic() - started < 5
        assert await pool.run_async(COUNT, None, JSON, None) == sync

    try:
        asyncio.run(both())
    finally:
        pool.close()


def test_run_async_sees_the_changes_it_was_told_of(memory_store: OxigraphStore) -> None:
    store = OxigraphStore(None)
    store.load(memory_store.dump("application/n-quads"), "application/n-quads")
    pool = QueryPool(lambda: store.dump("application/n-quads"), size=1, timeout=30)

    async def count() -> int:
        answer = await pool.run_async(COUNT, None, JSON, None)
        return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])

    try:
        before = asyncio.run(count())
        quad = (S, P, Literal("new"), G)
        store.apply([], [quad])
        pool.changed([], [quad])
        assert asyncio.run(count()) == before + 1
    finally:
        pool.close()
