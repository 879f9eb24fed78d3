"""What Virtuoso does differently, and how the remote store makes up for it
(docs/deployment.md lists it all)."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from platform_graph.rdf.sparql_text import tokens
from platform_graph.rdf.terms import (
    Term,
)
from platform_graph.store.errors import StoreQueryError

__all__ = [
    "INTEGER_TYPES",
    "OPAQUE",
    "VIRTUOSO_MANGLED",
    "VIRTUOSO_SYSTEM_GRAPHS",
    "decode",
    "refuse_virtuoso_functions",
    "virtuoso_stopped_it",
]

VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
    "virtrdf-label",
)
"""Graphs a fresh Virtuoso holds for itself; never part of the service's dataset."""

OPAQUE = "urn:x-platform-graph:literal:"
"""Prefix of the stand-in datatype for a literal the server would not keep as it is."""

VIRTUOSO_MANGLED = frozenset(
    [
        *(str(XSD[name]) for name in ("duration", "yearMonthDuration", "dayTimeDuration")),
        "http://www.opengis.net/ont/geosparql#wktLiteral",
    ]
)
"""Datatypes Virtuoso 7.2 cannot store faithfully: it refuses ``"P8Y"^^xsd:duration`` in
INSERT DATA, turns it into ``"96"`` through its loaders, and rewrites ``P1D`` as
``PT86400S``; a ``geo:wktLiteral`` becomes its own geometry type, with its coordinates
rounded through single-precision floats (``59.3`` comes back as ``59.299999237061``).
Such literals are stored under an opaque stand-in datatype and read back as themselves,
so the service's data and answers stay exact (a query on the server itself does not
see them as durations or geometries)."""

INTEGER_TYPES = frozenset(
    str(XSD[name])
    for name in (
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
"""Types derived from xsd:integer. The embedded store keeps their values as xsd:integer
(and the shapes say so); Virtuoso keeps the derived type. Written and read as
xsd:integer, so both stores hold and answer the same terms."""

VIRTUOSO_FUNCTION_SCHEMES = ("bif:", "sql:")


def refuse_virtuoso_functions(text: str) -> None:
    """Refuse IRIs in Virtuoso's ``bif:`` and ``sql:`` schemes.

    Virtuoso runs its SQL built-ins (file access, HTTP clients, signals) when a query
    calls a function with such an IRI. The embedded store has no such functions; a
    query that names them is refused before it reaches the server.
    """
    for token in tokens(text):
        if token.kind == "iri" and token.text[1:].lower().startswith(VIRTUOSO_FUNCTION_SCHEMES):
            raise StoreQueryError(
                f"refused: {token.text} names one of Virtuoso's own functions "
                "(bif:, sql:), which this service does not offer",
                syntax=False,
            )


# How Virtuoso says that its own time limit stopped a query, when it does not give the
# "anytime" answer: at random, about one time in twenty, the same runaway query comes
# back as HTTP 500 "Virtuoso HY008 Error SR203: Async statement killed by SQLCancel"
# instead (S1T00/SR171 is the transaction's own timeout).
_VIRTUOSO_STOPPED = re.compile(r"^Virtuoso (HY008|S1T00|S1TAT) Error")


def virtuoso_stopped_it(message: str) -> bool:
    """Whether Virtuoso's error ``message`` says that its time limit stopped the query."""
    return _VIRTUOSO_STOPPED.match(message) is not None


def decode(term: Term) -> Term:
    if isinstance(term, Literal):
        datatype = str(term.datatype or "")
        if datatype.startswith(OPAQUE):
            return Literal(str(term), datatype=URIRef(datatype.removeprefix(OPAQUE)))
        if datatype in INTEGER_TYPES:
            return Literal(str(term), datatype=XSD.integer)
    return term
