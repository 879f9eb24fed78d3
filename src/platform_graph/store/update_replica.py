"""What a SPARQL Update would change, computed by the engine in a confined worker.

The update runs on a replica in a worker process of its own (``query_pool``): no
network, a memory cap, the request's time limit; it is killed and replaced if it goes
past any of them, and the server goes on. The replica is laid out as /update sees the
dataset: the data graph is the default graph (an update without GRAPH reads and writes
it) and the change log is not there (no change may write it). The worker gives back the
quads the update would remove and add, and puts its replica back; the writer then
validates that change and, if it passes, applies it to the store and replays it on the
replica like any other change.

With the embedded store the replica lives as long as the service and follows every
change. With a remote store, which other processes may change too, each update gets a
fresh replica, taken under the writer's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pyoxigraph as ox

from platform_graph.rdf.terms import Quad
from platform_graph.store.base import Store
from platform_graph.store.engine_terms import from_ox
from platform_graph.store.errors import StoreQueryError
from platform_graph.store.pool import QueryPool, WorkerLimits
from platform_graph.vocab.namespaces import CHANGES_GRAPH, DATA_GRAPH, INFERRED_GRAPH

__all__ = ["UpdateReplica"]


def shadow_snapshot(store: Store) -> bytes:
    """The store as /update sees it: the data graph as the default graph, no change log
    and no inferred graph (both kept by the server alone)."""
    data = store.dump("application/n-quads")
    out: list[ox.Quad] = []
    skipped, default = {str(CHANGES_GRAPH), str(INFERRED_GRAPH)}, str(DATA_GRAPH)
    for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value in skipped:
            continue
        if isinstance(graph, ox.NamedNode) and graph.value == default:
            q = ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
        out.append(q)
    body = ox.serialize(out, format=ox.RdfFormat.N_QUADS)
    assert body is not None
    return body


def _quads(data: bytes) -> list[Quad]:
    out: list[Quad] = []
    for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
        graph = DATA_GRAPH if isinstance(q.graph_name, ox.DefaultGraph) else from_ox(q.graph_name)
        try:
            quad = (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), graph)
        except TypeError as exc:  # an RDF 1.2 triple term: the graph holds RDF 1.1 only
            raise StoreQueryError(f"unsupported term: {exc}", syntax=False) from exc
        out.append(quad)  # type: ignore[arg-type]
    return sorted(out, key=str)


class UpdateReplica:
    """Computes SPARQL Update deltas in a confined, killable worker."""

    def __init__(
        self,
        store: Store,
        *,
        persistent: bool,
        timeout: float,
        limits: WorkerLimits,
        max_quads: int = 100_000,
    ) -> None:
        self.store = store
        self.persistent = persistent
        self.timeout = timeout
        self.limits = limits
        self.max_quads = max_quads
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()

    def _new_pool(self) -> QueryPool:
        return QueryPool(
            lambda: shadow_snapshot(self.store),
            size=1,
            max_size=1,
            timeout=self.timeout,
            limits=self.limits,
            layout="update",
        )

    def changed(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        """A change applied to the store: the replica replays it (if it has started)."""
        with self._lock:
            if self._pool is not None:
                self._pool.changed(
                    [q for q in removed if q[3] != INFERRED_GRAPH],
                    [q for q in added if q[3] != INFERRED_GRAPH],
                )

    def delta(self, text: str, *, base_iri: str | None) -> tuple[list[Quad], list[Quad]]:
        """(removed, added): what running ``text`` on the store would change.

        Call it under the writer's lock, so that the replica is the store as it is.
        """
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool()
            pool = self._pool
        try:
            answer = pool.call(("delta", text, base_iri, self.max_quads))
        finally:
            if not self.persistent:
                self.close()
        return _quads(answer[1]), _quads(answer[2])

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
