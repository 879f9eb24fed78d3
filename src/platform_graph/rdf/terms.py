"""RDF terms and query results in neutral form: rdflib terms and plain containers.

What a store answers and what the layers above it read, whichever engine is below.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef

__all__ = [
    "AskResult",
    "DatasetSpec",
    "GraphResult",
    "Quad",
    "QueryResult",
    "SelectResult",
    "Term",
    "Triple",
    "skolemize",
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


def skolemize(quads: Sequence[Quad], base: str) -> list[Quad]:
    """Blank nodes become fresh IRIs under ``base`` (RDF 1.1 Skolem IRIs, §3.5).

    A blank node cannot be named again: a later change could never remove or correct the
    triples it is in. One blank node maps to one IRI throughout ``quads``.
    """
    names: dict[BNode, URIRef] = {}

    def fix(term: Any) -> Any:
        if isinstance(term, BNode):
            if term not in names:
                names[term] = URIRef(f"{base}{uuid.uuid4().hex}")
            return names[term]
        return term

    return [(fix(s), p, fix(o), g) for s, p, o, g in quads]
