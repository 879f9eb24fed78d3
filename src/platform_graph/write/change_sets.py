"""Change sets as data officers write them: a JSON envelope with RDF to add and remove.

    {
      "message": "why this change",
      "add": "<RDF text>" or a JSON-LD object,
      "remove": "<RDF text>" or a JSON-LD object,
      "format": "text/turtle",          # or application/n-triples, application/n-quads,
                                         # application/trig, application/ld+json
      "graph": "https://w3id.org/platform-graph/graph/data"   # for triples
    }

The same envelope is what ``POST /api/changes`` takes and what
``platform-graph validate --changes FILE`` checks offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from platform_graph.errors import InputError
from platform_graph.store import Quad, parse_quads
from platform_graph.vocab.namespaces import DATA_GRAPH

__all__ = ["ChangeSet", "ChangeSetError", "parse_quads", "read_change_set"]


class ChangeSetError(InputError):
    """A change set that is not well formed (not its RDF: its envelope)."""


@dataclass(frozen=True, slots=True)
class ChangeSet:
    message: str
    add: list[Quad]
    remove: list[Quad]


def _part(value: Any, fmt: str, graph: URIRef, part: str) -> list[Quad]:
    if value is None:
        return []
    if isinstance(value, (dict, list)):
        return parse_quads(json.dumps(value), "application/ld+json", graph=graph, source=part)
    if isinstance(value, str):
        return parse_quads(value, fmt, graph=graph, source=part)
    raise ChangeSetError(f"'{part}' must be RDF text or a JSON-LD object", source=part)


def read_change_set(envelope: Any, *, source: str = "change set") -> ChangeSet:
    """A change set from its JSON envelope (already decoded)."""
    if not isinstance(envelope, dict):
        raise ChangeSetError("a change set is a JSON object", source=source)
    unknown = set(envelope) - {"message", "add", "remove", "format", "graph"}
    if unknown:
        raise ChangeSetError(f"unknown fields: {', '.join(sorted(unknown))}", source=source)
    message = envelope.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ChangeSetError("'message' (why) is required", source=source)
    fmt = envelope.get("format", "text/turtle")
    graph_text = envelope.get("graph", str(DATA_GRAPH))
    if not isinstance(fmt, str) or not isinstance(graph_text, str):
        raise ChangeSetError("'format' and 'graph' are strings", source=source)
    if not graph_text.startswith(("http://", "https://", "urn:")) or any(
        c in graph_text for c in '<>" {}'
    ):
        raise ChangeSetError("'graph' must be an absolute IRI", source=source)
    graph = URIRef(graph_text)
    return ChangeSet(
        message=message,
        add=_part(envelope.get("add"), fmt, graph, "add"),
        remove=_part(envelope.get("remove"), fmt, graph, "remove"),
    )
