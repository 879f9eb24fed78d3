"""The store protocol: what the service needs from a triple store, and what a store can do.

Results are the neutral types of ``rdf.terms``; errors are the one tree of ``store.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from rdflib import BNode, URIRef

from platform_graph.rdf.terms import (
    DatasetSpec,
    Quad,
    QueryResult,
    Term,
)

__all__ = ["Capabilities", "Store"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a store can do, so that callers ask this instead of which class it is."""

    local: bool
    """It answers in this process, without a network round trip: cheap to ask on the
    event loop (the dataset's ETag), and its queries need confined workers to run."""
    interruptible: bool
    """It stops a query at its time limit by itself (a remote server with its timeout);
    else the query workers, which can be killed, must run its untrusted queries."""
    shared: bool
    """Other processes may change it at the same time (a server behind several API
    processes): a copy of it is stale at once."""
    durable: bool
    """What is applied survives a crash (on disk, or on a server)."""


class Store(Protocol):
    """What the service needs from a triple store."""

    @property
    def capabilities(self) -> Capabilities:
        """What this store can do."""
        ...

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

    def clear(self) -> None:
        """Remove every quad (an import with --replace)."""
        ...

    def flush(self) -> None:
        """Make what was applied durable now (a no-op where every write already is)."""
        ...

    def __len__(self) -> int: ...
