"""The store interface and its backends. Nothing outside this package knows the engine."""

from platform_graph.store.base import (
    AskResult,
    DatasetSpec,
    GraphResult,
    Quad,
    QueryResult,
    SelectResult,
    Store,
    StoreQueryError,
    StoreTimeout,
    StoreUnavailable,
    Term,
)

__all__ = [
    "AskResult",
    "DatasetSpec",
    "GraphResult",
    "Quad",
    "QueryResult",
    "SelectResult",
    "Store",
    "StoreQueryError",
    "StoreTimeout",
    "StoreUnavailable",
    "Term",
]
