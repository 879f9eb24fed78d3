"""A store whose queries run in the query pool, under its time limit.

The REST read model, the named queries and the web pages read with ``Store.query``.
On the embedded store that runs in the server process, where pyoxigraph cannot be
interrupted: a slow query (``area-overview`` on a large graph) would hold a thread
until it ends. Behind ``TimeLimitedStore`` each such query runs in a killable query
worker instead, and past the limit raises ``StoreTimeout`` (a 503, as at /sparql).

Everything else goes to the real store. The writer and the validator keep the real
store itself: they read and write under the writer's lock, and must see exactly what
they are about to change, which a replica may not yet have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from rdflib import BNode, URIRef

from platform_graph.store import DatasetSpec, Quad, QueryResult, Store, Term
from platform_graph.store.base import Capabilities
from platform_graph.store.pool import QueryPool

__all__ = ["TimeLimitedStore", "read_version", "time_limited"]


class TimeLimitedStore:
    """``query`` through ``pool`` (time-limited, on a replica); the rest to ``store``."""

    def __init__(self, store: Store, pool: QueryPool) -> None:
        self.store = store
        self.pool = pool

    @property
    def capabilities(self) -> Capabilities:
        return self.store.capabilities

    def clear(self) -> None:
        self.store.clear()

    def flush(self) -> None:
        self.store.flush()

    def query(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        return self.pool.query(
            sparql, dataset=dataset, bindings=bindings, max_rows=max_rows, base_iri=base_iri
        )

    def update(self, sparql: str) -> None:
        self.store.update(sparql)

    def quads(
        self,
        subject: URIRef | BNode | None = None,
        predicate: URIRef | None = None,
        obj: Term | None = None,
        graph: URIRef | None = None,
    ) -> list[Quad]:
        return self.store.quads(subject, predicate, obj, graph)

    def apply(self, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        self.store.apply(remove, add)

    def load(self, data: bytes, media_type: str, graph: str | None = None) -> int:
        return self.store.load(data, media_type, graph)

    def dump(self, media_type: str, graph: str | None = None) -> bytes:
        return self.store.dump(media_type, graph)

    def named_graphs(self) -> Sequence[str]:
        return self.store.named_graphs()

    def transaction(self) -> AbstractContextManager[None]:
        return self.store.transaction()

    def __len__(self) -> int:
        return len(self.store)


def time_limited(store: Store, pool: QueryPool | None) -> Store:
    """``store`` with its queries under the pool's time limit; without a pool (a remote
    store, which has its own time limit), ``store`` itself."""
    return store if pool is None else TimeLimitedStore(store, pool)


def read_version(etag: Callable[[], str], pool: QueryPool | None) -> Callable[[], str]:
    """The version to key what is read through ``time_limited`` by (``ReadModel``'s cache).

    The dataset's ETag moves as soon as a change is in the store, but the query workers
    learn of it a moment later (the writer tells the pool after applying). A read in
    between would run on a replica without the change, and be kept under the new ETag
    until the next write. With the pool's count of changes in the version, such a read
    is kept under a version that ends as soon as the pool learns of the change.
    """
    if pool is None:
        return etag
    replicas = pool

    def version() -> str:
        return f"{etag()}/{replicas.generation}"

    return version
