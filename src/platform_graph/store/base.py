"""A small store protocol with neutral result types (rdflib terms, plain containers)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import BNode, Literal, URIRef

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

Term = URIRef | BNode | Literal
Triple = tuple[URIRef | BNode, URIRef, Term]
Quad = tuple[URIRef | BNode, URIRef, Term, URIRef]
"""A triple in a named graph: (subject, predicate, object, graph)."""


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """The RDF dataset a query runs over (SPARQL protocol's default-/named-graph-uri).

    ``default_graphs=None`` means the union of all graphs, as researchers expect.
    ``named_graphs=None`` means every named graph in the store.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(slots=True)
class SelectResult:
    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    truncated: bool = False

    def dicts(self) -> Iterator[dict[str, Term]]:
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}


@dataclass(slots=True)
class AskResult:
    value: bool


@dataclass(slots=True)
class GraphResult:
    triples: list[Triple] = field(default_factory=list)
    truncated: bool = False


QueryResult = SelectResult | AskResult | GraphResult


class StoreTimeout(Exception):
    """The query ran past its time limit and was stopped (or given up on)."""


class StoreQueryError(Exception):
    """The engine refused the query (syntax or evaluation); ``syntax`` says which."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


class StoreUnavailable(Exception):
    """The store cannot be reached (a remote server down, refusing, or misconfigured)."""


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
