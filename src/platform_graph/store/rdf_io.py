"""Reading RDF with errors that say where: file, line and column.

pyoxigraph's parsers report the line and column of a syntax error (rdflib's report
only the line), and they never fetch anything from the network: a JSON-LD document
with a remote ``@context`` is refused, not followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Identifier

from platform_graph.errors import InputError

__all__ = [
    "convert",
    "format_for",
    "nquads",
    "parse_into",
    "read_graph",
    "refuse_xml_entities",
    "to_oxigraph",
    "to_rdflib",
]

_EXTENSIONS = {
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
}


def format_for(name: str) -> ox.RdfFormat:
    """The RDF format for a file name (by extension) or a media type."""
    if "/" in name:
        fmt = ox.RdfFormat.from_media_type(name.split(";")[0].strip())
        if fmt is None:
            raise InputError(f"unsupported media type {name!r}", source=name)
        return fmt
    ext = name.rsplit(".", 1)[-1].lower()
    if ext not in _EXTENSIONS:
        raise InputError(
            f"unknown RDF file extension {ext!r} (use one of {', '.join(sorted(_EXTENSIONS))})",
            source=name,
        )
    return _EXTENSIONS[ext]


def to_rdflib(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph,
) -> Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise InputError(f"unsupported RDF term {term!r}", source="<input>")


_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

MAX_DEPTH = 100
"""Deepest nesting of JSON-LD objects and arrays, or of RDF/XML elements, accepted: the
JSON-LD parser recurses (10,000 levels crash it) and deep RDF/XML slows it down. Real
documents nest a few levels."""

_JSON_NESTING = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_XML_NESTING = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)[^<>]*?(/?)>", re.DOTALL)


def refuse_deep_nesting(data: bytes, fmt: ox.RdfFormat, *, source: str) -> None:
    """Refuse JSON-LD or RDF/XML nested deeper than MAX_DEPTH, before any parser sees it."""
    depth = deepest = 0
    if fmt == ox.RdfFormat.JSON_LD:
        for m in _JSON_NESTING.finditer(data):
            token = m.group()
            if token in (b"[", b"{"):
                depth += 1
                deepest = max(deepest, depth)
            elif token in (b"]", b"}"):
                depth -= 1
    elif fmt == ox.RdfFormat.RDF_XML:
        for m in _XML_NESTING.finditer(data):
            if m.group(1) is None:
                continue  # a comment, CDATA or processing instruction
            if m.group(1):
                depth -= 1
            elif not m.group(2):
                depth += 1
                deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise InputError(
            f"the document is nested {deepest} levels deep; at most {MAX_DEPTH} are accepted",
            source=source,
        )


def refuse_xml_entities(data: bytes, fmt: ox.RdfFormat, *, source: str) -> None:
    """RDF/XML with a DTD is refused: entity expansion can blow up ("billion laughs").
    JSON-LD and RDF/XML nested past MAX_DEPTH are refused too."""
    if fmt == ox.RdfFormat.RDF_XML and _DTD.search(data):
        raise InputError(
            "RDF/XML with a DOCTYPE or ENTITY declaration is not accepted", source=source
        )
    refuse_deep_nesting(data, fmt, source=source)


def to_oxigraph(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"unsupported RDF term {term!r}", source="<graph>")


def convert(data: bytes, source_type: str, target_type: str) -> bytes:
    """RDF in one syntax, written in another by pyoxigraph (terms kept exactly)."""
    quads = ox.parse(data, format=format_for(source_type))
    out = ox.serialize(quads, format=format_for(target_type))
    assert out is not None
    return out


def nquads(graphs: Iterable[Graph]) -> bytes:
    """N-Quads of named graphs (each graph's identifier names it), written by pyoxigraph."""
    quads = [
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.NamedNode(str(g.identifier)))  # type: ignore[arg-type]
        for g in graphs
        for s, p, o in g
    ]
    out = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert out is not None
    return out


def parse_into(
    target: Graph | Dataset,
    data: bytes | Path,
    fmt: ox.RdfFormat,
    *,
    source: str,
    base_iri: str | None = None,
) -> int:
    """Parse ``data`` into ``target``; return the number of statements read.

    Quads go to their named graph when ``target`` is a Dataset, else into the graph.
    """
    count = 0
    try:
        if fmt in (ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
            refuse_xml_entities(
                data.read_bytes() if isinstance(data, Path) else data, fmt, source=source
            )
        if isinstance(data, Path):
            quads = ox.parse(path=data, format=fmt, base_iri=base_iri)
        else:
            quads = ox.parse(data, format=fmt, base_iri=base_iri)
        for q in quads:
            s, p, o = to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)
            if isinstance(target, Dataset) and not isinstance(q.graph_name, ox.DefaultGraph):
                target.graph(to_rdflib(q.graph_name)).add((s, p, o))
            else:
                target.add((s, p, o))
            count += 1
    except SyntaxError as exc:
        raise InputError(exc.msg, source=source, line=exc.lineno, column=exc.offset) from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(exc), source=source) from exc
    return count


def read_graph(path: Path, graph: Graph | None = None) -> Graph:
    """Read an RDF file (any format, by extension) into ``graph`` (all graphs merged)."""
    g = graph if graph is not None else Graph()
    parse_into(g, path, format_for(path.name), source=str(path))
    return g
