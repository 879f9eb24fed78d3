"""The store protocol: what the service needs from a triple store, and what a store can do.

Results are the neutral types of ``rdf.terms``; errors are the one tree of ``store.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from rdflib import BNode, URIRef

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
from platform_graph.store.errors import StoreQueryError, StoreTimeout, StoreUnavailable

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
    "Triple",
]


class Store(Protocol):
    """What the service needs from a triple store."""

    def query(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; ``bindings`` are bound, never pasted into the text."""
        ...

    def update(self, sparql: str) -> None: ...

    def quads(
        self,
        subject: URIRef | BNode | None = None,
        predicate: URIRef | None = None,
        obj: Term | None = None,
        graph: URIRef | None = None,
    ) -> list[Quad]:
        """The quads in named graphs that match a pattern (None matches anything)."""
        ...

    def apply(self, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        """Remove, then add, as one atomic write: all of it lands or none of it."""
        ...

    def load(self, data: bytes, media_type: str, graph: str | None = None) -> int:
        """Add RDF data; quads keep their graph, triples go to ``graph`` (or the default)."""
        ...

    def dump(self, media_type: str, graph: str | None = None) -> bytes: ...

    def named_graphs(self) -> Sequence[str]: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def __len__(self) -> int: ...
