"""The store interface and its backends. Nothing outside this package knows the engine."""

from pathlib import Path

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
    "convert",
    "is_iri",
    "nquad_line",
    "nquads",
    "open_embedded",
    "parse_into",
    "parse_quads",
    "read_graph",
    "serialize_triples",
]


def open_embedded(path: Path | None) -> Store:
    """The embedded store: on disk at ``path`` (RocksDB), or in memory when None."""
    from platform_graph.store.oxigraph import OxigraphStore

    return OxigraphStore(path)
