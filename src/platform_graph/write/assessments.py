"""Assessments of fulfilment: each verdict its own node.

The commitment's status is not set here: the writer derives it from the latest of its
assessments (``write.derived``) for every change, whatever the way in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from platform_graph.store import Quad, Store
from platform_graph.vocab.identifiers import slugify
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, PG
from platform_graph.write.writer import assessor_iri

__all__ = ["AssessmentInput", "assessment_change", "assessment_message", "slugify"]


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    status: str
    date: date
    assessor: str
    evidence: tuple[str, ...]
    note: str | None = None


def assessment_change(
    store: Store, commitment: URIRef, item: AssessmentInput
) -> tuple[URIRef, list[Quad], list[Quad]]:
    """The quads to add (and remove: none) for a new assessment of ``commitment``.

    The commitment's pg:status follows from the writer's derivation (the latest
    assessment decides), in the same change.
    """
    g = DATA_GRAPH
    existing = [s for s, _, _, _ in store.quads(None, PG.assesses, commitment)]
    slug = str(commitment).rsplit("/", 1)[-1]
    n = len(existing) + 1
    node = URIRef(ID[f"assessment/{slug}-{n}"])
    while store.quads(node):
        n += 1
        node = URIRef(ID[f"assessment/{slug}-{n}"])
    status = URIRef(ID[f"status/{item.status}"])
    assessor = (
        URIRef(item.assessor)
        if re.match(r"^https?://", item.assessor)
        else assessor_iri(slugify(item.assessor))
    )
    add: list[Quad] = [
        (node, RDF.type, PG.Assessment, g),
        (node, PG.assesses, commitment, g),
        (node, PG.status, status, g),
        (node, DCTERMS.date, Literal(item.date.isoformat(), datatype=XSD.date), g),
        (node, PROV.wasAttributedTo, assessor, g),
    ]
    if not re.match(r"^https?://", item.assessor):
        add += [
            (assessor, RDF.type, PROV.Agent, g),
            (assessor, RDFS.label, Literal(item.assessor), g),
        ]
    for ev in item.evidence:
        value = URIRef(ev) if re.match(r"^https?://\S+$", ev) else Literal(ev)
        add.append((node, PG.evidence, value, g))
    if item.note:
        add.append((node, RDFS.comment, Literal(item.note), g))
    return node, add, []


def assessment_message(store: Store, commitment: URIRef, item: AssessmentInput) -> dict[str, str]:
    """The change log's message for a new assessment, in Swedish and English."""
    slug = str(commitment).rsplit("/", 1)[-1]
    status = URIRef(ID[f"status/{item.status}"])
    labels = {
        o.language: str(o)
        for _, _, o, _ in store.quads(status, SKOS.prefLabel)
        if isinstance(o, Literal) and o.language
    }
    when = item.date.isoformat()
    return {
        "sv": f"Bedömning av {slug} ({when}): {labels.get('sv', item.status)}",
        "en": f"Assessment of {slug} ({when}): {labels.get('en', item.status)}",
    }
