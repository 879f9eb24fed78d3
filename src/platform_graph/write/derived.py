"""Facts the write path derives: a commitment's status is that of its latest assessment.

``pg:status`` on a commitment is not edited by anyone: every change that adds or removes
an assessment (its ``pg:assesses``, its ``dcterms:date`` or its ``pg:status``), whatever
the way in (an assessment, a change set, SPARQL Update, the Graph Store Protocol, a
revert, a restore, a replay onto a new base), gets the status of each commitment it
affects recomputed from the state the change produces, in the same validated, atomic
change, and recorded in the log as derived.

The rule, in one place:

- the latest assessment decides: the latest ``dcterms:date`` (a date, or the date and
  time of an ``xsd:dateTime``, compared as written; a plain date counts as the start of
  its day);
- on the same date, the one recorded last: the assessment first added by the later change
  of the log (one added by the change being made is later than every recorded one; one
  that came with the curated base is earlier than all); within one change, by IRI;
- no assessment left: ``id/status/not-yet-rated``, as the build sets it.

A change whose own triples set a commitment's status other than the rule gives is
rejected (422, in Swedish and English): the status follows the assessments, so an
editor adds or removes an assessment instead.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from platform_graph.rdf.terms import Quad, Term
from platform_graph.store import Store
from platform_graph.validation.shacl import Result
from platform_graph.vocab.namespaces import CHANGES_GRAPH, DATA_GRAPH, ID, PG

__all__ = [
    "NOT_YET_RATED",
    "Derivation",
    "Derive",
    "first_recorded",
    "is_derived",
    "latest_assessment",
    "status_follows_assessments",
]

NOT_YET_RATED = URIRef(ID["status/not-yet-rated"])
_PENDING = 1 << 62
"""The order of an assessment the change being made adds: after every recorded one."""


@dataclass(slots=True)
class Derivation:
    """What a change's own triples imply: more to remove and to add, or conflicts."""

    remove: list[Quad] = field(default_factory=list)
    add: list[Quad] = field(default_factory=list)
    conflicts: list[Result] = field(default_factory=list)


Derive = Callable[[Store, Sequence[Quad], Sequence[Quad]], Derivation]
"""A derivation hook: (store, removed, added) → what else the change must do."""


def is_derived(store: Store, quad: Quad) -> bool:
    """Whether the write path derives ``quad`` (a commitment's status): such a triple is
    recomputed, never undone or replayed by itself."""
    s, p, _, _ = quad
    return (
        p == PG.status and isinstance(s, URIRef) and bool(store.quads(s, RDF.type, PG.Commitment))
    )


class _After:
    """The store as it will be after a change: its quads, less ``removed``, plus ``added``."""

    def __init__(self, store: Store, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        self.store = store
        self.removed = set(removed)
        self.added = list(added)

    def out(self, s: URIRef, p: URIRef) -> list[Quad]:
        found = [q for q in self.store.quads(s, p) if q not in self.removed]
        return found + [q for q in self.added if q[0] == s and q[1] == p and q not in found]

    def into(self, p: URIRef, o: Term) -> list[Quad]:
        found = [q for q in self.store.quads(None, p, o) if q not in self.removed]
        return found + [q for q in self.added if q[1] == p and q[2] == o and q not in found]


def _when(values: Iterable[Term]) -> tuple[str, str]:
    """The latest of an assessment's dates, as (day, time of day) compared as written."""
    best = ("", "")
    for value in values:
        text = str(value).strip()
        m = re.match(r"(-?\d{4,}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?", text)
        key = (m.group(1), m.group(2) or "") if m else (text, "")
        best = max(best, key)
    return best


def first_recorded(store: Store, assessment: URIRef) -> int | None:
    """The sequence number of the change that first added ``assessment`` (its
    ``pg:assesses``), or None if no change did (it came with the base)."""
    seqs: list[int] = []
    for st, _, _, _ in store.quads(None, RDF.subject, assessment, CHANGES_GRAPH):
        change, _, kind = str(st).partition("#")
        if not kind.startswith("added-"):
            continue
        if store.quads(st, RDF.predicate, PG.assesses, CHANGES_GRAPH):
            seqs.append(int(change.rsplit("/", 1)[-1]))
    return min(seqs) if seqs else None


def latest_assessment(
    store: Store,
    commitment: URIRef,
    removed: Sequence[Quad] = (),
    added: Sequence[Quad] = (),
) -> tuple[URIRef, URIRef] | None:
    """(the assessment that decides ``commitment``'s status, its status) in the state
    after the change (``removed``, ``added``), or None when it has no assessment."""
    after = _After(store, removed, added)
    pending = {q[0] for q in added if q[1] == PG.assesses and q[2] == commitment}
    candidates: list[tuple[tuple[str, str], URIRef, URIRef]] = []
    for a, _, _, _ in after.into(PG.assesses, commitment):
        if not isinstance(a, URIRef):
            continue
        statuses = sorted(str(q[2]) for q in after.out(a, PG.status))
        if not statuses:
            continue  # the shapes reject an assessment without a status
        when = _when(q[2] for q in after.out(a, DCTERMS.date))
        candidates.append((when, a, URIRef(statuses[-1])))
    if not candidates:
        return None
    latest = max(c[0] for c in candidates)
    tied = [c for c in candidates if c[0] == latest]
    if len(tied) == 1:
        return tied[0][1], tied[0][2]

    # The same date: the order they were recorded in (looked up for these only: a
    # commitment may have thousands of assessments).
    def order(a: URIRef) -> tuple[int, str]:
        return (_PENDING if a in pending else first_recorded(store, a) or 0), str(a)

    best = max(tied, key=lambda c: order(c[1]))
    return best[1], best[2]


def _affected(
    store: Store, removed: Sequence[Quad], added: Sequence[Quad]
) -> tuple[set[URIRef], set[URIRef]]:
    """(the commitments whose status the change may move, those it sets a status of)."""
    after = _After(store, removed, added)
    affected: set[URIRef] = set()
    edited: set[URIRef] = set()
    for s, p, o, _ in [*removed, *added]:
        if p == PG.assesses and isinstance(o, URIRef):
            affected.add(o)
        elif p == RDF.type and o == PG.Commitment and isinstance(s, URIRef):
            affected.add(s)  # a statement that becomes a commitment needs a status
        if p not in (PG.status, DCTERMS.date) or not isinstance(s, URIRef):
            continue
        assessed = {q[2] for q in store.quads(s, PG.assesses)} | {
            q[2] for q in after.out(s, PG.assesses)
        }
        affected |= {c for c in assessed if isinstance(c, URIRef)}
        if p == PG.status and not assessed:
            affected.add(s)
            edited.add(s)
    return affected, edited


def _conflict(commitment: URIRef, target: URIRef, asked: Term) -> Result:
    slug = str(target).rsplit("/", 1)[-1]
    return Result(
        severity="violation",
        focus=str(commitment),
        path="pg:status",
        value=str(asked),
        message_sv=(
            "Ett åtagandes status följer dess senaste bedömning och sätts av systemet: lägg "
            f"till eller ta bort en bedömning i stället (efter ändringen blir statusen {slug})."
        ),
        message_en=(
            "A commitment's status follows its latest assessment and is set by the write "
            "path: add or remove an assessment instead (after this change the status is "
            f"{slug})."
        ),
        shape=None,
        constraint="pg:status",
    )


def status_follows_assessments(
    store: Store, removed: Sequence[Quad], added: Sequence[Quad]
) -> Derivation:
    """The derivation hook of the writer: each affected commitment's status, recomputed."""
    out = Derivation()
    affected, edited = _affected(store, removed, added)
    if not affected:
        return out
    after = _After(store, removed, added)
    own_added: defaultdict[Term, list[Quad]] = defaultdict(list)
    for q in added:
        if q[1] == PG.status:
            own_added[q[0]].append(q)
    own_removed = {q for q in removed if q[1] == PG.status}
    for c in sorted(affected, key=str):
        if not after.out(c, RDF.type) or not any(
            q[2] == PG.Commitment for q in after.out(c, RDF.type)
        ):
            continue  # not a commitment (any more): no status to keep
        latest = latest_assessment(store, c, removed, added)
        target = latest[1] if latest is not None else NOT_YET_RATED
        wanted: Quad = (c, PG.status, target, DATA_GRAPH)
        # One finding per commitment whose status the change's own triples set otherwise.
        asked = [q[2] for q in own_added.get(c, []) if q != wanted]
        if asked or (wanted in own_removed and c in edited):
            out.conflicts.append(_conflict(c, target, asked[0] if asked else target))
            continue
        for q in after.out(c, PG.status):
            if q != wanted and q not in own_added.get(c, []):
                out.remove.append(q)
        if not any(q == wanted for q in after.out(c, PG.status)):
            out.add.append(wanted)
    return out
