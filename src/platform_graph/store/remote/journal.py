"""The journal: a change that takes more than one update operation is first written
whole into a graph of its own (one operation, so atomic), then applied, then its entry
dropped; a crash in between is finished by the next write."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
from rdflib import URIRef

from platform_graph.rdf.terms import (
    Quad,
)
from platform_graph.store.engine_terms import from_ox, to_ox
from platform_graph.store.rdf_io import format_for
from platform_graph.vocab.namespaces import GRAPH

__all__ = [
    "JOURNAL_GRAPH",
    "JOURNAL_PART_CHARS",
    "from_nquads",
    "journal_parts",
    "nquads_text",
    "parse_quads",
]

JOURNAL_GRAPH = str(GRAPH["journal"])
"""Where a change that takes several update operations is written first, whole."""


def nquads_text(quads: Sequence[Quad]) -> str:
    return "".join(" ".join(str(to_ox(t)) for t in q) + " .\n" for q in quads)


JOURNAL_PART_CHARS = 1_000_000


def journal_parts(quads: Sequence[Quad]) -> list[str]:
    """N-Quads text in pieces of at most about JOURNAL_PART_CHARS characters."""
    parts: list[str] = []
    lines: list[str] = []
    size = 0
    for q in quads:
        line = nquads_text([q])
        if lines and size + len(line) > JOURNAL_PART_CHARS:
            parts.append("".join(lines))
            lines, size = [], 0
        lines.append(line)
        size += len(line)
    if lines:
        parts.append("".join(lines))
    return parts


def from_nquads(text: str) -> list[Quad]:
    return parse_quads(text.encode("utf-8"), "application/n-quads", None)


def parse_quads(data: bytes, media_type: str, graph: str | None) -> list[Quad]:
    """Quads from RDF data; triples go to ``graph`` (a remote store has no default graph)."""
    fmt = format_for(media_type)
    target = URIRef(graph) if graph else URIRef(str(GRAPH["default"]))
    out: list[Quad] = []
    for q in ox.parse(data, format=fmt):
        g = q.graph_name
        name = target if isinstance(g, ox.DefaultGraph) else from_ox(g)
        out.append((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), name))  # type: ignore[arg-type]
    return out
