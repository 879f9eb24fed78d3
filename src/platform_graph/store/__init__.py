"""The store interface and its backends. Nothing outside this package knows the engine."""

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
from platform_graph.store.base import Store
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

__all__ = [
    "AskResult",
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
]
