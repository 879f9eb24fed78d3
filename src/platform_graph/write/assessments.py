"""Assessments of fulfilment: each verdict its own node.

The commitment's status is not set here: the writer derives it from the latest of its
assessments (``write.derived``) for every change, whatever the way in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from platform_graph.store import Quad, Store
from platform_graph.vocab.identifiers import slugify
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, PG
from platform_graph.write.writer import assessor_iri

__all__ = [
    "AssessmentInput",
    "assessment_change",
    "assessment_message",
    "assessments_change",
    "slugify",
]


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    """One assessment as a person gives it (checked by ``assessment_rules.check_assessment``).

    ``note`` is the note in Swedish, ``note_en`` the same in English (optional);
    ``date_reason`` says why a date after today or before the term is right.
    """

    status: str
    date: date
    assessor: str
    evidence: tuple[str, ...]
    note: str | None = None
    note_en: str | None = None
    date_reason: str | None = None


def assessment_change(
    store: Store, commitment: URIRef, item: AssessmentInput
) -> tuple[URIRef, list[Quad], list[Quad]]:
    """The quads to add (and remove: none) for a new assessment of ``commitment``.

    The commitment's pg:status follows from the writer's derivation (the latest
    assessment decides), in the same change.
    """
    nodes, add, remove = assessments_change(store, [(commitment, item)])
    return nodes[0], add, remove


def assessments_change(
    store: Store, items: Sequence[tuple[URIRef, AssessmentInput]]
) -> tuple[list[URIRef], list[Quad], list[Quad]]:
    """The nodes made, and the quads to add and remove (none), for several new assessments
    at once (a spreadsheet's rows): each gets its own number."""
    nodes: list[URIRef] = []
    add: list[Quad] = []
    taken: set[URIRef] = set()
    for commitment, item in items:
        node = _fresh_node(store, commitment, taken)
        taken.add(node)
        nodes.append(node)
        add += _quads(node, commitment, item)
    # The commitments' status is not set here: the writer derives it from the latest
    # remaining assessment, in the same change (write/derived.py).
    return nodes, list(dict.fromkeys(add)), []


def _fresh_node(store: Store, commitment: URIRef, taken: set[URIRef]) -> URIRef:
    slug = str(commitment).rsplit("/", 1)[-1]
    n = len(store.quads(None, PG.assesses, commitment)) + 1
    node = URIRef(ID[f"assessment/{slug}-{n}"])
    while node in taken or store.quads(node):
        n += 1
        node = URIRef(ID[f"assessment/{slug}-{n}"])
    return node


def _quads(node: URIRef, commitment: URIRef, item: AssessmentInput) -> list[Quad]:
    g = DATA_GRAPH
    status = URIRef(ID[f"status/{item.status}"])
    named_by_iri = re.match(r"^https?://", item.assessor) is not None
    assessor = URIRef(item.assessor) if named_by_iri else assessor_iri(slugify(item.assessor))
    out: list[Quad] = [
        (node, RDF.type, PG.Assessment, g),
        (node, PG.assesses, commitment, g),
        (node, PG.status, status, g),
        (node, DCTERMS.date, Literal(item.date.isoformat(), datatype=XSD.date), g),
        (node, PROV.wasAttributedTo, assessor, g),
    ]
    if not named_by_iri:
        out += [
            (assessor, RDF.type, PROV.Agent, g),
            (assessor, RDFS.label, Literal(item.assessor.strip()), g),
        ]
    for url in item.evidence:
        out.append((node, PG.evidence, URIRef(url.strip()), g))
    if item.note and item.note.strip():
        out.append((node, RDFS.comment, Literal(item.note.strip(), lang="sv"), g))
    if item.note_en and item.note_en.strip():
        out.append((node, RDFS.comment, Literal(item.note_en.strip(), lang="en"), g))
    if item.date_reason and item.date_reason.strip():
        out.append((node, PG.dateReason, Literal(item.date_reason.strip()), g))
    return out


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
