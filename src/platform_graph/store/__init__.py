"""The store interface and its backends. Nothing outside this package knows the engine."""

from collections.abc import Collection, Sequence
from pathlib import Path

from rdflib import URIRef

from platform_graph.rdf.terms import (
    AskResult,
    DatasetSpec,
    GraphResult,
    Quad,
    QueryResult,
    SelectResult,
    Term,
    Triple,
)
from platform_graph.store.base import Capabilities, Store
from platform_graph.store.errors import (
    ChangeTooLarge,
    PoolClosed,
    QueryStopped,
    ServerBusy,
    StoreError,
    StoreQueryError,
    StoreTimeout,
    StoreUnavailable,
)
from platform_graph.store.rdf_io import (
    check_file,
    convert,
    is_iri,
    nquad_line,
    nquads,
    parse_into,
    parse_quads,
    read_graph,
    serialize_triples,
)

__all__ = [
    "AskResult",
    "Capabilities",
    "ChangeTooLarge",
    "DatasetSpec",
    "GraphResult",
    "PoolClosed",
    "Quad",
    "QueryResult",
    "QueryStopped",
    "SelectResult",
    "ServerBusy",
    "Store",
    "StoreError",
    "StoreQueryError",
    "StoreTimeout",
    "StoreUnavailable",
    "Term",
    "Triple",
    "add_concluded",
    "check_file",
    "convert",
    "identity",
    "import_file",
    "is_empty",
    "is_iri",
    "nquad_line",
    "nquads",
    "open_embedded",
    "parse_into",
    "parse_quads",
    "read_graph",
    "serialize_triples",
]


def import_file(store: Store, source: Path, media_type: str) -> int:
    """Load a checked file (``check_file``) into ``store``: the embedded store on disk
    with the engine's bulk loader, streamed from the file; any other with ``load``."""
    from platform_graph.store.oxigraph import OxigraphStore

    if isinstance(store, OxigraphStore) and store.path is not None:
        return store.bulk_load_file(source, media_type)
    return store.load(source.read_bytes(), media_type)


def add_concluded(
    store: Store,
    queries: Sequence[str],
    graph: URIRef,
    asserted_not_in: Collection[URIRef],
    *,
    bulk: bool = False,
) -> bool:
    """Add to ``graph`` what the CONSTRUCT ``queries`` conclude that no other named graph
    (but ``asserted_not_in``) states, in the engine, where the store is the embedded one
    (``OxigraphStore.add_concluded``); False: the store cannot, nothing was done."""
    from platform_graph.store.oxigraph import OxigraphStore

    if not isinstance(store, OxigraphStore):
        return False
    store.add_concluded(queries, graph, asserted_not_in, bulk=bulk)
    return True


def is_empty(store: Store) -> bool:
    """Whether ``store`` holds no quad: for the embedded engine without counting them all
    (a count reads every quad, most of a second at a million)."""
    from platform_graph.store.oxigraph import OxigraphStore

    if isinstance(store, OxigraphStore):
        return store.is_empty()
    return not len(store)


def identity(store: Store) -> str | None:
    """The engine's identity of an embedded store on disk (made when its folder was
    created, RocksDB's IDENTITY); None for any other store."""
    from platform_graph.store.oxigraph import OxigraphStore

    if not isinstance(store, OxigraphStore) or store.path is None:
        return None
    try:
        return (store.path / "IDENTITY").read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def open_embedded(path: Path | None) -> Store:
    """The embedded store: on disk at ``path`` (RocksDB), or in memory when None."""
    from platform_graph.store.oxigraph import OxigraphStore

    return OxigraphStore(path)
