"""Each resource's own version: its ETag, the If-Match it takes, the change that last
touched it.

A resource's version is a hash of what the graph says about it:

- the triples it is the subject of;
- the triples of the nodes it owns: IRIs under its own after a ``#`` (a statement's
  ``#position`` and ``#quote`` selectors, an area's ``#geometry``), which its pages and
  forms show as part of it;
- the triples that point at it (an assessment of a commitment, the commitments that name
  an actor): a write about it changes its version, and so does a new assessment of it,
  which may change its status.

in every named graph but the change log. A write to another resource leaves it as it is,
so an editor's ``If-Match`` goes stale only when this resource changed.

The ETag is ``"r-<hash>"``; answers in another format than the default JSON add the
format (``"r-<hash>.csv"``, ``"r-<hash>.ttl"``), since a strong validator names one
representation. ``If-Match`` takes any of them, the dataset's ``"N"`` (the change log's
head: stale after any write), or ``*``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from rdflib import URIRef
from rdflib.namespace import RDF

from platform_graph.rdf.terms import Quad
from platform_graph.store import Store, nquad_line
from platform_graph.vocab.namespaces import CHANGES_GRAPH, GRAPH
from platform_graph.write.change_log import sequence_of, unapplied_sequences

__all__ = [
    "last_change",
    "matches",
    "owned_nodes",
    "parse_if_match",
    "resource_etag",
    "resource_quads",
]

_KEPT_OUT = frozenset({CHANGES_GRAPH, URIRef(GRAPH["journal"])})
_ETAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')


def owned_nodes(store: Store, iri: URIRef) -> list[URIRef]:
    """The nodes ``iri`` owns: the IRIs under its own after a ``#`` it links to."""
    prefix = f"{iri}#"
    return sorted(
        {
            o
            for _, _, o, g in store.quads(iri)
            if g not in _KEPT_OUT and isinstance(o, URIRef) and str(o).startswith(prefix)
        },
        key=str,
    )


def resource_quads(store: Store, iri: URIRef) -> list[Quad]:
    """What the resource's version covers (see the module's doc), sorted."""
    found: set[Quad] = set()
    for node in (iri, *owned_nodes(store, iri)):
        found.update(q for q in store.quads(node) if q[3] not in _KEPT_OUT)
    found.update(q for q in store.quads(None, None, iri) if q[3] not in _KEPT_OUT)
    return sorted(found, key=nquad_line)


def resource_etag(store: Store, iri: URIRef, variant: str | None = None) -> str:
    """The resource's ETag; ``variant`` (``csv``, ``ttl``, …) for another format."""
    digest = hashlib.sha256()
    for q in resource_quads(store, iri):
        digest.update(nquad_line(q).encode("utf-8"))
        digest.update(b"\n")
    tag = f"r-{digest.hexdigest()[:32]}"
    return f'"{tag}.{variant}"' if variant else f'"{tag}"'


def parse_if_match(header: str) -> list[str] | None:
    """The entity tags of an If-Match header (each with its quotes), or None for ``*``.

    Weak tags (``W/"…"``) are left out: If-Match compares strongly (RFC 9110, 13.1.1).
    """
    if header.strip() == "*":
        return None
    tags: list[str] = []
    for part in header.split(","):
        m = _ETAG.fullmatch(part)
        if m is None:
            # Not an entity tag (a bare 3, say): kept as it is, it matches nothing
            # but itself, as the dataset's ETag was compared before.
            tags.append(part.strip())
        elif not m.group(1):
            tags.append(f'"{m.group(2)}"')
    return tags


def _core(tag: str) -> str:
    """An ETag without its format: ``"r-abc.csv"`` → ``"r-abc"``."""
    m = re.fullmatch(r'"(r-[0-9a-f]+)(?:\.[a-z0-9+-]+)?"', tag)
    return f'"{m.group(1)}"' if m else tag


def matches(tags: Sequence[str] | None, current: str) -> bool:
    """Whether an If-Match (as ``parse_if_match`` gives it) matches ``current``."""
    if tags is None:
        return True
    return any(_core(t) == _core(current) for t in tags)


def last_change(store: Store, iri: URIRef) -> int | None:
    """The sequence number of the latest applied change that touched the resource (its
    own triples, its nodes', or a link to it), or None if none did since the base."""
    statements: set[URIRef] = set()
    for node in (iri, *owned_nodes(store, iri)):
        statements.update(
            s
            for s, _, _, _ in store.quads(None, RDF.subject, node, CHANGES_GRAPH)
            if isinstance(s, URIRef)
        )
    statements.update(
        s
        for s, _, _, _ in store.quads(None, RDF.object, iri, CHANGES_GRAPH)
        if isinstance(s, URIRef)
    )
    seqs = {sequence_of(s) for s in statements if "#" in str(s)}
    seqs -= unapplied_sequences(store)
    return max(seqs) if seqs else None
