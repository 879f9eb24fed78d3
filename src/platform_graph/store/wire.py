"""Query results in a compact, picklable form, for the trip from a query worker.

A query worker could send the neutral result types as they are (they pickle), but an
rdflib term costs about as much to unpickle as to make (a Literal parses its value
again), and the worker would make every term first. Instead the worker reads plain
strings straight from pyoxigraph, and the server makes each term once, as
``OxigraphStore.query`` does in process: the answer is the same.

A term on the wire: an IRI is its string; a blank node ``(id,)``; a literal
``(value, language, datatype)``, the language ``""`` when it has none.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from platform_graph.rdf.terms import (
    AskResult,
    DatasetSpec,
    GraphResult,
    QueryResult,
    SelectResult,
    Term,
    Triple,
)
from platform_graph.store.oxigraph import OxigraphStore

__all__ = ["Wire", "from_wire", "query_wire"]

WireTerm = str | tuple[str] | tuple[str, str, str]
Wire = (
    tuple[str, bool]  # ("ask", value)
    | tuple[str, list[str], list[tuple[WireTerm | None, ...]], bool]  # ("select", ...)
    | tuple[str, list[tuple[WireTerm, WireTerm, WireTerm]], bool]  # ("graph", ...)
)


def _encode(term: Any) -> WireTerm:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return (term.value, term.language or "", term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return (term.value,)
    raise TypeError(f"unsupported term {term!r}")


def query_wire(
    store: OxigraphStore,
    sparql: str,
    *,
    dataset: DatasetSpec | None = None,
    max_rows: int | None = None,
    base_iri: str | None = None,
) -> Wire:
    """Run a query (its values already bound) and give its answer in wire form.

    The dataset, ``max_rows`` and ``truncated`` mean what they mean for
    ``OxigraphStore.query``.
    """
    result = store.raw_query(sparql, dataset, base_iri)
    if isinstance(result, ox.QueryBoolean):
        return ("ask", bool(result))
    truncated = False
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[tuple[WireTerm | None, ...]] = []
        for solution in result:
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            rows.append(
                tuple(None if (t := solution[v]) is None else _encode(t) for v in variables)
            )
        return ("select", variables, rows, truncated)
    triples: list[tuple[WireTerm, WireTerm, WireTerm]] = []
    for t in result:
        if max_rows is not None and len(triples) >= max_rows:
            truncated = True
            break
        triples.append((_encode(t.subject), _encode(t.predicate), _encode(t.object)))
    return ("graph", triples, truncated)


class _Decoder:
    """Makes rdflib terms from wire terms; a term an answer repeats (a section, a scale's
    concept, a datatype IRI) is made once: rdflib terms are immutable."""

    def __init__(self) -> None:
        self._datatypes: dict[str, URIRef] = {}
        self._made: dict[WireTerm, Term] = {}

    def term(self, wire: WireTerm) -> Term:
        known = self._made.get(wire)
        if known is None:
            known = self._made[wire] = self._make(wire)
        return known

    def _make(self, wire: WireTerm) -> Term:
        if isinstance(wire, str):
            return URIRef(wire)
        if len(wire) == 1:
            return BNode(wire[0])
        value, language, datatype = wire
        if language:
            return Literal(value, lang=language)
        iri = self._datatypes.get(datatype)
        if iri is None:
            iri = self._datatypes[datatype] = URIRef(datatype)
        return Literal(value, datatype=iri)


def from_wire(wire: Wire) -> QueryResult:
    """The neutral result types of a wire answer, as ``OxigraphStore.query`` gives them."""
    decode = _Decoder().term
    if wire[0] == "ask":
        return AskResult(bool(wire[1]))
    if wire[0] == "select":
        _, variables, rows, truncated = wire  # type: ignore[misc]
        return SelectResult(
            list(variables),
            [tuple(None if t is None else decode(t) for t in row) for row in rows],
            bool(truncated),
        )
    _, wire_triples, truncated = wire  # type: ignore[misc]
    triples: list[Triple] = [
        (decode(s), decode(p), decode(o))  # type: ignore[misc]
        for s, p, o in wire_triples
    ]
    return GraphResult(triples, bool(truncated))
