"""JSON-LD answers that are the graph: the asserted triples of the resources an answer
is about (read.describe), compacted with a published, versioned context, and paging
metadata in Hydra, in nodes of its own (the collection and its view).

Parsed, such an answer holds only triples the store holds, plus the Hydra nodes'.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rdflib import Graph

from platform_graph.rdf.terms import Triple
from platform_graph.vocab.namespaces import PREFIXES

__all__ = [
    "CONTEXT",
    "CONTEXT_PATH",
    "CONTEXT_VERSION",
    "HYDRA",
    "LATEST_CONTEXT_PATH",
    "document",
]

HYDRA = "http://www.w3.org/ns/hydra/core#"
CONTEXT_VERSION = "1"
CONTEXT_PATH = f"/api/contexts/{CONTEXT_VERSION}.jsonld"
"""Where this version of the context is published; it never changes once published (a
change makes a new version at a new path)."""
LATEST_CONTEXT_PATH = "/api/context.jsonld"

_PREFIXES = {
    p: PREFIXES[p]
    for p in (
        "pg",
        "dcterms",
        "skos",
        "oa",
        "org",
        "cv",
        "geo",
        "foaf",
        "prov",
        "time",
        "owl",
        "rdf",
        "rdfs",
        "xsd",
    )
}
CONTEXT: dict[str, Any] = {
    "@context": {
        **_PREFIXES,
        "hydra": HYDRA,
        "schema": "https://schema.org/",
        "id": "@id",
        "type": "@type",
    }
}
"""Prefixes only: every property keeps its IRI's compact form (pg:theme, dcterms:title),
so that the answer reads as the graph does in Turtle."""


def _compact(triples: Sequence[Triple]) -> list[dict[str, Any]]:
    g = Graph()
    for prefix, iri in _PREFIXES.items():
        g.bind(prefix, iri)
    for t in triples:
        g.add(t)
    if not len(g):
        return []
    text = g.serialize(format="json-ld", context=CONTEXT["@context"], auto_compact=True)
    doc = json.loads(text)
    if isinstance(doc, list):
        return doc
    if "@graph" in doc:
        nodes: list[dict[str, Any]] = doc["@graph"]
        return nodes
    doc.pop("@context", None)
    return [doc]


def document(
    triples: Sequence[Triple],
    context_url: str,
    *,
    collection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A JSON-LD document of ``triples`` (and a Hydra collection, for a list)."""
    nodes = _compact(triples)
    if collection is not None:
        nodes.append(collection)
    return {"@context": context_url, "@graph": nodes}


def hydra_collection(
    collection_url: str,
    view_url: str,
    members: Sequence[str],
    total: int,
    links: dict[str, str],
) -> dict[str, Any]:
    """The collection (what the filters select) and its view (this page) in Hydra."""
    view: dict[str, Any] = {"@id": view_url, "@type": "hydra:PartialCollectionView"}
    for rel, prop in (
        ("first", "hydra:first"),
        ("prev", "hydra:previous"),
        ("next", "hydra:next"),
        ("last", "hydra:last"),
    ):
        if rel in links:
            view[prop] = {"@id": links[rel]}
    return {
        "@id": collection_url,
        "@type": "hydra:Collection",
        "hydra:totalItems": total,
        "hydra:member": [{"@id": m} for m in members],
        "hydra:view": view,
    }
