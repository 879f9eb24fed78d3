"""Serialising query results: SPARQL JSON, XML, CSV and TSV; RDF for graph results."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import XSD

from platform_graph.rdf.terms import AskResult, GraphResult, QueryResult, SelectResult, Term
from platform_graph.vocab.namespaces import PREFIXES

__all__ = [
    "GRAPH_TYPES",
    "SOLUTION_TYPES",
    "serialize",
]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
SOLUTION_TYPES = (JSON, XML, CSV, TSV, "application/json")
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
GRAPH_TYPES = (TURTLE, NTRIPLES, JSONLD, RDFXML, "text/plain")
_RDFLIB_FORMAT = {
    TURTLE: "turtle",
    NTRIPLES: "nt",
    "text/plain": "nt",
    JSONLD: "json-ld",
    RDFXML: "xml",
}


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def _xml_term(term: Term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype and term.datatype != XSD.string:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    if term.datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.boolean) and not term.language:
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "\\r").replace("\t", "\\t")
    if term.language:
        return f'"{escaped}"@{term.language}'
    if term.datatype and term.datatype != XSD.string:
        return f'"{escaped}"^^<{term.datatype}>'
    return f'"{escaped}"'


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _select(result: SelectResult, media: str) -> bytes:
    if media in (JSON, "application/json"):
        body = {
            "head": {"vars": result.variables},
            "results": {
                "bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.dicts()]
            },
        }
        return json.dumps(body, ensure_ascii=False).encode()
    if media == XML:
        out = [
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
            "<head>",
            *(f"<variable name={quoteattr(v)}/>" for v in result.variables),
            "</head>\n<results>",
        ]
        for row in result.dicts():
            out.append("<result>")
            out.extend(
                f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items()
            )
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode()
    if media == CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        for r in result.rows:
            writer.writerow([_csv_term(t) for t in r])
        return buf.getvalue().encode()
    if media == TSV:
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        lines.extend("\t".join(_tsv_term(t) for t in r) for r in result.rows)
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unsupported media type for solutions: {media}")


def _ask(result: AskResult, media: str) -> bytes:
    if media in (JSON, "application/json"):
        return json.dumps({"head": {}, "boolean": result.value}).encode()
    if media == XML:
        value = "true" if result.value else "false"
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{value}</boolean></sparql>\n"
        ).encode()
    if media in (CSV, TSV):
        # SPARQL 1.1 CSV/TSV defines no boolean form; this is what other stores answer.
        return ("true\n" if result.value else "false\n").encode()
    raise ValueError(f"unsupported media type for a boolean: {media}")


def _graph(result: GraphResult, media: str) -> bytes:
    g = Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri)
    for t in result.triples:
        g.add(t)
    data: bytes = g.serialize(format=_RDFLIB_FORMAT[media], encoding="utf-8")
    return data


def serialize(result: QueryResult, media: str) -> bytes:
    if isinstance(result, SelectResult):
        return _select(result, media)
    if isinstance(result, AskResult):
        return _ask(result, media)
    return _graph(result, media)


def offered_types(result_kind: str) -> tuple[str, ...]:
    return GRAPH_TYPES if result_kind == "graph" else SOLUTION_TYPES
