"""Query results from the engine's own terms to the wire, under a row and a byte cap.

Terms go straight from pyoxigraph to text: a literal's lexical form is written as the
engine holds it (``"1050"^^xsd:decimal`` stays ``1050``, ``PT0S`` stays ``PT0S``), which
a detour through rdflib terms would rewrite. The writers follow pyoxigraph's own
serialisers (sparesults) term by term, and stop cleanly at ``max_rows`` rows or
``max_bytes`` bytes with a complete document of the rows that fit: the caller says it
was cut (``X-Result-Truncated``).

CSV holds values (SPARQL 1.1 Query Results CSV), and a spreadsheet opening it runs a
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula. Such a cell is prefixed with an apostrophe only when it could act as one: when
it holds ``(`` (a function call: HYPERLINK, WEBSERVICE, IMPORTXML …), ``|`` (a DDE link)
or ``!`` (a reference to another sheet or file). Every other value is written as it is:
``-PT8H``, ``-08:00`` or ``-nglish`` are data, and a client reading the CSV must get
them. (The REST API's CSV, made for spreadsheets, prefixes every such cell but numbers:
``neutralise_cell``.) TSV, whose cells are RDF terms in Turtle syntax, is exact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from platform_graph.rdf.spreadsheets import neutralise_acting_cell

__all__ = [
    "CSV",
    "JSON",
    "TSV",
    "XML",
    "Written",
    "write_boolean",
    "write_solutions",
    "write_triples",
]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = _XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class Written:
    body: bytes
    truncated: bool
    rows: int


# --- terms ------------------------------------------------------------------------------


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unsupported term {term!r}")


_quoted: Callable[[str], str] = json.encoder.encode_basestring
"""A JSON string literal, non-ASCII kept (json's own C function, as ``dumps`` uses)."""


def _json_term_text(term: Any) -> str:
    """``_json_term`` written out, without building a dict for every term: the JSON
    writer's hot loop (rows times variables)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return '{"type":"uri","value":' + _quoted(term.value) + "}"
    if kind is ox.Literal:
        language = term.language
        if language:
            return (
                '{"type":"literal","value":'
                + _quoted(term.value)
                + ',"xml:lang":'
                + _quoted(language)
                + "}"
            )
        datatype = term.datatype.value
        if datatype == _STRING:
            return '{"type":"literal","value":' + _quoted(term.value) + "}"
        return (
            '{"type":"literal","value":'
            + _quoted(term.value)
            + ',"datatype":'
            + _quoted(datatype)
            + "}"
        )
    if kind is ox.BlankNode:
        return '{"type":"bnode","value":' + _quoted(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False)  # a triple term


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        attrs = ""
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != _STRING:
            attrs = f" datatype={quoteattr(term.datatype.value)}"
        return f"<literal{attrs}>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unsupported term {term!r}")


def _csv_quoted(text: str) -> str:
    if any(c in text for c in '",\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return _csv_quoted(term.value)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        return _csv_quoted(neutralise_acting_cell(term.value))
    if isinstance(term, ox.Triple):
        parts = (term.subject, term.predicate, term.object)
        return _csv_quoted(" ".join(_csv_plain(t) for t in parts))
    raise TypeError(f"unsupported term {term!r}")


def _csv_plain(term: Any) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value) if not isinstance(term, ox.Triple) else _csv_term(term)


_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})
_TURTLE_INTEGER = re.compile(r"[+-]?[0-9]+")
_TURTLE_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_TURTLE_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+")
_BARE: Mapping[str, Callable[[str], bool]] = {
    _XSD + "boolean": lambda v: v in ("true", "false"),
    _XSD + "integer": lambda v: _TURTLE_INTEGER.fullmatch(v) is not None,
    _XSD + "decimal": lambda v: _TURTLE_DECIMAL.fullmatch(v) is not None,
    _XSD + "double": lambda v: _TURTLE_DOUBLE.fullmatch(v) is not None,
}


def _tsv_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        value = term.value
        quoted = '"' + value.translate(_TSV_ESCAPES) + '"'
        if term.language:
            return f"{quoted}@{term.language}"
        datatype = term.datatype.value
        bare = _BARE.get(datatype)
        if bare is not None and bare(value):
            return value
        if datatype == _STRING:
            return quoted
        return f"{quoted}^^<{datatype}>"
    if isinstance(term, ox.Triple):
        return (
            f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} "
            f"{_tsv_term(term.object)} )>>"
        )
    raise TypeError(f"unsupported term {term!r}")


# --- documents --------------------------------------------------------------------------


class _Budget:
    """Counts what is written; says when the next piece would not fit."""

    def __init__(self, max_rows: int | None, max_bytes: int | None) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.rows = 0
        self.size = 0
        self.parts: list[str] = []

    def head(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text.encode())

    def row(self, text: str, tail: int) -> bool:
        """Add a row if it and the document's ``tail`` still fit; False when it is cut."""
        if self.max_rows is not None and self.rows >= self.max_rows:
            return False
        size = len(text.encode())
        if self.max_bytes is not None and self.size + size + tail > self.max_bytes:
            return False
        self.parts.append(text)
        self.size += size
        self.rows += 1
        return True

    def body(self, tail: str) -> bytes:
        return ("".join(self.parts) + tail).encode()


def write_solutions(
    variables: list[str],
    solutions: Iterable[Any],
    media: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> Written:
    """A SELECT result in ``media``: SPARQL JSON, XML, CSV or TSV."""
    budget = _Budget(max_rows, max_bytes)
    if media in (JSON, "application/json"):
        budget.head(json.dumps({"head": {"vars": variables}})[:-1] + ',"results":{"bindings":[')
        tail = "]}}"
        names = [_quoted(v) + ":" for v in variables]

        def render(values: list[Any]) -> str:
            cells = ",".join(
                name + _json_term_text(t)
                for name, t in zip(names, values, strict=True)
                if t is not None
            )
            return ("{" if not budget.rows else ",{") + cells + "}"

    elif media == XML:
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        budget.head(
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>"
        )
        tail = "</results></sparql>\n"

        def render(values: list[Any]) -> str:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, values, strict=True)
                if t is not None
            )
            return f"<result>{cells}</result>"

    elif media == CSV:
        budget.head(",".join(_csv_quoted(v) for v in variables) + "\r\n")
        tail = ""

        def render(values: list[Any]) -> str:
            return ",".join("" if t is None else _csv_term(t) for t in values) + "\r\n"

    elif media == TSV:
        budget.head("\t".join("?" + v for v in variables) + "\n")
        tail = ""

        def render(values: list[Any]) -> str:
            return "\t".join("" if t is None else _tsv_term(t) for t in values) + "\n"

    else:
        raise ValueError(f"unsupported media type for solutions: {media}")
    tail_size = len(tail.encode())
    truncated = False
    for solution in solutions:
        if not budget.row(render([solution[v] for v in variables]), tail_size):
            truncated = True
            break
    return Written(budget.body(tail), truncated, budget.rows)


def write_boolean(value: bool, media: str) -> bytes:
    if media in (JSON, "application/json"):
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media == XML:
        text = "true" if value else "false"
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{text}</boolean></sparql>\n"
        ).encode()
    if media in (CSV, TSV):
        # SPARQL 1.1 CSV/TSV defines no boolean form; this is what other stores answer.
        return b"true\n" if value else b"false\n"
    raise ValueError(f"unsupported media type for a boolean: {media}")


_RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def write_triples(
    triples: Iterable[Any],
    media: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> Written:
    """A CONSTRUCT or DESCRIBE result in an RDF syntax, by pyoxigraph's serialisers.

    The byte cap is judged on the triples in N-Triples (a graph syntax can only be
    written whole); the answer in Turtle is smaller than that, in RDF/XML a little
    larger.
    """
    fmt = _RDF_FORMATS.get(media)
    if fmt is None:
        raise ValueError(f"unsupported media type for a graph: {media}")
    kept: list[Any] = []
    size = 0
    truncated = False
    for triple in triples:
        line = len(str(triple).encode()) + 3
        if (max_rows is not None and len(kept) >= max_rows) or (
            max_bytes is not None and size + line > max_bytes
        ):
            truncated = True
            break
        kept.append(triple)
        size += line
    used: dict[str, str] | None = None
    if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        iris = {
            t.value
            for triple in kept
            for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)
        }
        used = {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}
    body = ox.serialize(kept, format=fmt, prefixes=used)
    assert body is not None
    return Written(body, truncated, len(kept))
