"""The coding scales, defined once: strength, kind, change, status, and actor roles.

The ontology (``ontology/platform-graph.ttl``) holds each as a SKOS concept scheme whose
concepts are ``id/{scale}/{value}``; the curation files, the REST API's parameters and
the pages use the values below. A test keeps the two in step.
"""

from __future__ import annotations

from enum import StrEnum

from rdflib import URIRef

from platform_graph.vocab.namespaces import PG

__all__ = [
    "CHANGES",
    "KINDS",
    "ROLES",
    "ROLE_BY_PROPERTY",
    "ROLE_PROPERTY",
    "STATUSES",
    "STRENGTHS",
    "Change",
    "Kind",
    "Role",
    "Status",
    "Strength",
]


class Strength(StrEnum):
    """How firmly the coalition commits, firmest first (docs/codebook.md)."""

    binding = "binding"
    intent = "intent"
    process = "process"
    aspirational = "aspirational"


class Kind(StrEnum):
    action = "action"
    outcome = "outcome"
    process = "process"


class Change(StrEnum):
    change = "change"
    status_quo = "status-quo"


class Status(StrEnum):
    """How far a commitment has been kept: pledge research's scale, and the trackers'."""

    not_yet_rated = "not-yet-rated"
    in_progress = "in-progress"
    stalled = "stalled"
    fulfilled = "fulfilled"
    partially_fulfilled = "partially-fulfilled"
    not_fulfilled = "not-fulfilled"


class Role(StrEnum):
    """In what role a statement names an actor."""

    responsible = "responsible"
    partner = "partner"
    affected = "affected"


STRENGTHS: tuple[str, ...] = tuple(s.value for s in Strength)
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)
CHANGES: tuple[str, ...] = tuple(c.value for c in Change)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
ROLES: tuple[str, ...] = tuple(r.value for r in Role)

ROLE_PROPERTY: dict[str, URIRef] = {
    Role.responsible: URIRef(PG.responsibleActor),
    Role.partner: URIRef(PG.partnerActor),
    Role.affected: URIRef(PG.affectedActor),
}
ROLE_BY_PROPERTY: dict[str, str] = {str(p): str(role) for role, p in ROLE_PROPERTY.items()}
