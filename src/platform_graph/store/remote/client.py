"""Talking to a SPARQL 1.1 server: its answers read back into the neutral types, its
errors into the store's, its syntax checked first by the embedded engine's parser."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from platform_graph.rdf.terms import (
    AskResult,
    GraphResult,
    SelectResult,
    Term,
)
from platform_graph.store.engine_terms import to_ox
from platform_graph.store.errors import StoreQueryError
from platform_graph.store.oxigraph import collect_triples
from platform_graph.store.remote.dialect import INTEGER_TYPES, OPAQUE, decode

__all__ = [
    "N_TRIPLES",
    "SPARQL_JSON",
    "check_syntax",
    "check_update_syntax",
    "gave_up",
    "parse_json",
    "parse_triples",
    "server_message",
    "stopped",
    "string_literal",
    "term_text",
]

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


# --- helpers ----------------------------------------------------------------------------


def server_message(exc: SPARQLWrapperException) -> str:
    text = str(exc)
    # SPARQLWrapper appends the server's body after "Response:"; keep what the server said.
    if "Response:" in text:
        text = text.split("Response:", 1)[1]
    return text.strip().removeprefix("b'").removeprefix('b"')[:2000]


_PROBE = ox.Store()


def check_syntax(text: str, base_iri: str | None) -> str:
    """Parse the query as the embedded store would (same errors, same line and column).

    Running it on an empty store is how pyoxigraph parses without a separate parser;
    it costs well under a millisecond. Returns "graph" for CONSTRUCT/DESCRIBE.
    """
    try:
        result = _PROBE.query(text, base_iri=base_iri)
    except SyntaxError:
        raise
    except (RuntimeError, ValueError, OSError) as exc:
        # The embedded store would refuse it too (an unsupported function, say).
        raise StoreQueryError(f"{type(exc).__name__}: {exc}", syntax=False) from exc
    return "graph" if isinstance(result, ox.QueryTriples) else "solutions"


def check_update_syntax(text: str) -> None:
    ox.Store().update(text)


def stopped(limit: float) -> str:
    return f"the query ran past the limit of {limit:g} s and was stopped"


def gave_up(limit: float) -> str:
    return f"the store did not answer within {limit:g} s: the request was stopped"


def string_literal(value: str) -> str:
    return term_text(Literal(value))


def term_text(term: Term) -> str:
    return str(to_ox(term))


def json_term(binding: Mapping[str, str]) -> Term:
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value.removeprefix("nodeID://"))
    lang = binding.get("xml:lang") or binding.get("lang")
    if lang:
        return Literal(value, lang=lang.lower())
    datatype = binding.get("datatype") or str(XSD.string)
    datatype = str(XSD.integer) if datatype in INTEGER_TYPES else datatype.removeprefix(OPAQUE)
    if datatype == str(XSD.boolean) and value in ("1", "0"):
        value = "true" if value == "1" else "false"
    return Literal(value, datatype=URIRef(datatype))


def parse_json(body: bytes) -> SelectResult | AskResult:
    data = json.loads(body)
    if "boolean" in data:
        return AskResult(bool(data["boolean"]))
    variables = list(data["head"].get("vars", []))
    result = SelectResult(variables)
    for b in data["results"]["bindings"]:
        result.rows.append(tuple(json_term(b[v]) if v in b else None for v in variables))
    return result


def parse_triples(body: bytes, max_rows: int | None) -> GraphResult:
    result = collect_triples(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), max_rows)
    result.triples = [(s, p, decode(o)) for s, p, o in result.triples]
    return result
