"""Reading and writing RDF by the engine's parsers and serialisers, terms kept exactly.

Errors say where: file, line and column.

pyoxigraph's parsers report the line and column of a syntax error (rdflib's report
only the line), and they never fetch anything from the network: a JSON-LD document
with a remote ``@context`` is refused, not followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from platform_graph.errors import InputError
from platform_graph.rdf import media_types
from platform_graph.rdf.terms import Quad
from platform_graph.store.engine_terms import from_ox, to_ox

__all__ = [
    "convert",
    "format_for",
    "is_iri",
    "nquad_line",
    "nquads",
    "parse_into",
    "parse_quads",
    "read_graph",
    "refuse_xml_entities",
    "serialize_triples",
]

_ENGINE_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdf-xml": ox.RdfFormat.RDF_XML,
    "n-quads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


def format_for(name: str) -> ox.RdfFormat:
    """The engine's RDF format for a file name (by extension) or a media type."""
    if "/" in name:
        found = media_types.by_media_type(name)
        if found is None or found.name not in _ENGINE_FORMATS:
            raise InputError(f"unsupported media type {name!r}", source=name)
        return _ENGINE_FORMATS[found.name]
    return _ENGINE_FORMATS[media_types.by_file_name(name).name]


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


def convert(data: bytes, source_type: str, target_type: str) -> bytes:
    """RDF in one syntax, written in another by pyoxigraph (terms kept exactly)."""
    quads = ox.parse(data, format=format_for(source_type))
    out = ox.serialize(quads, format=format_for(target_type))
    assert out is not None
    return out


def nquads(graphs: Iterable[Graph]) -> bytes:
    """N-Quads of named graphs (each graph's identifier names it), written by pyoxigraph."""
    quads = [
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(g.identifier)))  # type: ignore[arg-type]
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
            s, p, o = from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)
            if isinstance(target, Dataset) and not isinstance(q.graph_name, ox.DefaultGraph):
                target.graph(from_ox(q.graph_name)).add((s, p, o))
            else:
                target.add((s, p, o))
            count += 1
    except SyntaxError as exc:
        raise InputError(exc.msg, source=source, line=exc.lineno, column=exc.offset) from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(exc), source=source) from exc
    return count


def check_file(source: Path, media_type: str) -> int:
    """Read an RDF file through to its end as the engine would load it, streamed (no
    quad kept): its quads, or the engine's ``SyntaxError`` with the line and column."""
    count = 0
    for _ in ox.parse(path=str(source), format=format_for(media_type)):
        count += 1
    return count


def parse_quads(data: bytes | str, media_type: str, *, graph: URIRef, source: str) -> list[Quad]:
    """RDF in any supported syntax as quads (IRIs resolved against ``graph``); triples
    land in ``graph``. Unreadable input is an ``InputError`` with its line and column."""
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        fmt = format_for(media_type)
        refuse_xml_entities(raw, fmt, source=source)
        parsed = list(ox.parse(raw, format=fmt, base_iri=str(graph)))
    except SyntaxError as exc:
        raise InputError(exc.msg, source=source, line=exc.lineno, column=exc.offset) from exc
    except (ValueError, OSError) as exc:  # UnicodeEncodeError included: a lone surrogate
        raise InputError(str(exc), source=source) from exc
    out: list[Quad] = []
    for q in parsed:
        if isinstance(q.graph_name, ox.BlankNode):
            raise InputError("a graph name must be an IRI, not a blank node", source=source)
        g = graph if isinstance(q.graph_name, ox.DefaultGraph) else from_ox(q.graph_name)
        try:
            quad = (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), g)
        except TypeError as exc:
            raise InputError(
                f"RDF 1.2 triple terms are not supported: {exc}", source=source
            ) from exc
        out.append(quad)  # type: ignore[arg-type]
    return out


def serialize_triples(
    triples: Iterable[tuple[Any, Any, Any]], media_type: str, prefixes: Mapping[str, str]
) -> bytes:
    """Triples (of neutral terms) in an RDF syntax, with those of ``prefixes`` it uses."""
    engine = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]  # type: ignore[arg-type]
    used = {
        t.value
        for tr in engine
        for t in (tr.subject, tr.predicate, tr.object)
        if isinstance(t, ox.NamedNode)
    }
    chosen = {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in used)}
    body = ox.serialize(engine, format=format_for(media_type), prefixes=chosen)
    assert body is not None
    return body


def nquad_line(quad: Quad) -> str:
    """One quad as a line of N-Quads (without the line break), terms exactly as stored."""
    s, p, o, g = (to_ox(t) for t in quad)
    return f"{s} {p} {o} {g} ."


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI the engine accepts."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def read_graph(path: Path, graph: Graph | None = None) -> Graph:
    """Read an RDF file (any format, by extension) into ``graph`` (all graphs merged)."""
    g = graph if graph is not None else Graph()
    parse_into(g, path, format_for(path.name), source=str(path))
    return g
