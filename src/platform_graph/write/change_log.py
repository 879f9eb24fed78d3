"""The change log, in its own graph: each accepted change with who, when, why and exactly
which triples, as reified statements; the base the store was loaded from; and, after a
replay onto a new base, which changes no longer applied and why.

Only the writer (and the replay onto a new base) writes here. This module turns a change
into the quads of its record, and the quads of a record back into a ``ChangeRecord``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal as LiteralType

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from platform_graph.rdf.terms import Quad, Term
from platform_graph.store import Store
from platform_graph.vocab.namespaces import CHANGES_GRAPH, ID, PG

__all__ = [
    "Base",
    "ChangeRecord",
    "Message",
    "Review",
    "Unapplied",
    "account_iri",
    "base_quads",
    "change_iri",
    "head",
    "now",
    "read_base",
    "read_record",
    "record_quads",
    "sequence_of",
    "unapplied_quads",
    "unapplied_sequences",
]

Message = str | Mapping[str, str]
"""A change's message: the author's own words (a string, in whatever language they wrote
it), or the same message in Swedish and English (``{"sv": ..., "en": ...}``)."""

SOFTWARE_AGENT = URIRef(ID["software/platform-graph"])
"""Who makes the changes no person makes: a replay onto a new base."""


def account_iri(name: str) -> URIRef:
    """The IRI of a token's holder: who made a change (the change log's agent)."""
    return URIRef(ID[f"account/{name}"])


def change_iri(seq: int) -> URIRef:
    return URIRef(ID[f"change/{seq}"])


def sequence_of(iri: URIRef | str) -> int:
    """The sequence number of a change (or of one of its statements, ``…/change/N#…``)."""
    return int(str(iri).partition("#")[0].rsplit("/", 1)[-1])


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Unapplied:
    """Why a change no longer applies, found when the log was replayed onto a new base."""

    rule: str
    """``triple-gone`` (a triple it removes is not there), ``invalid`` (the result breaks
    a shape), ``reverts-unapplied`` (what it undoes was not applied either)."""
    sv: str
    en: str
    base: str
    """The content hash of the base it failed on (``sha256:…``)."""
    rebase: int
    """The sequence number of the replay (the rebase change) that found it."""


@dataclass(frozen=True, slots=True)
class Base:
    """The built graph a store was loaded from, by the hash of its content."""

    hash: str
    quads: int

    @property
    def iri(self) -> URIRef:
        return URIRef(ID[f"base/{self.hash.replace(':', '-')[:23]}"])


@dataclass(frozen=True, slots=True)
class Review:
    """Who approved a proposed change (four eyes), with their comment: in the log."""

    reviewer: str
    comment: str | None
    proposal: int


@dataclass(slots=True)
class ChangeRecord:
    iri: URIRef
    sequence: int
    author: str
    time: str
    message: str
    """The author's words, or the English of a message in both languages."""
    messages: dict[str, str] = field(default_factory=dict)
    """The message by language (``sv``, ``en``): the author's words under both when they
    gave one message."""
    added: list[Quad] = field(default_factory=list)
    removed: list[Quad] = field(default_factory=list)
    derived: list[Quad] = field(default_factory=list)
    """Those of ``added`` and ``removed`` the write path derived (a commitment's status):
    recomputed, never undone or replayed by themselves."""
    reverts: URIRef | None = None
    """The (first) change this one undoes; a restore undoes several (``undoes``)."""
    reverted_by: URIRef | None = None
    undoes: list[URIRef] = field(default_factory=list)
    kind: LiteralType["change", "rebase"] = "change"
    """``rebase``: the store moved onto a new base (the curated files were rebuilt); its
    triples are what that changed."""
    base: str | None = None
    """For a rebase: the content hash of the base it moved onto."""
    unapplied: Unapplied | None = None
    """Set when the change no longer applied on a new base: kept in the log, not in the data."""
    reviewer: str | None = None
    """Who approved it, when it was a proposal (four eyes)."""
    review_comment: str | None = None

    @property
    def applied(self) -> bool:
        return self.unapplied is None

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (``sv`` or ``en``), as the change log pages show it."""
        return self.messages.get(lang) or self.message

    @property
    def own_added(self) -> list[Quad]:
        derived = set(self.derived)
        return [q for q in self.added if q not in derived]

    @property
    def own_removed(self) -> list[Quad]:
        derived = set(self.derived)
        return [q for q in self.removed if q not in derived]


def head(store: Store) -> tuple[int, URIRef | None]:
    """(the sequence number of the latest change, its IRI); (0, None) before any."""
    found = store.quads(CHANGES_GRAPH, PG.head, None, CHANGES_GRAPH)
    if not found:
        return 0, None
    change = found[0][2]
    assert isinstance(change, URIRef)
    seq = store.quads(change, PG.sequence, None, CHANGES_GRAPH)
    return int(str(seq[0][2])), change


def _message_literals(message: Message) -> list[Literal]:
    if isinstance(message, str):
        return [Literal(message)]
    return [Literal(text, lang=lang) for lang, text in sorted(message.items()) if text]


def record_quads(
    store: Store,
    seq: int,
    *,
    author: str | None,
    message: Message,
    added: Sequence[Quad],
    removed: Sequence[Quad],
    derived: Sequence[Quad] = (),
    reverts: Sequence[URIRef] = (),
    time: str | None = None,
    rebase: tuple[Base, Base | None] | None = None,
    review: Review | None = None,
) -> tuple[list[Quad], list[Quad]]:
    """(quads to add, quads to remove) to record change ``seq`` and make it the head.

    ``author`` None: the software itself (a replay). ``rebase``: (the new base, the old).
    """
    g = CHANGES_GRAPH
    change = change_iri(seq)
    agent = account_iri(author) if author is not None else SOFTWARE_AGENT
    out: list[Quad] = [
        (change, RDF.type, PG.Change, g),
        (change, RDF.type, PROV.Activity, g),
        (change, PG.sequence, Literal(seq), g),
        (change, PROV.wasAssociatedWith, agent, g),
        (agent, RDF.type, PROV.Agent if author is not None else PROV.SoftwareAgent, g),
        (agent, RDFS.label, Literal(author if author is not None else "platform-graph"), g),
        (change, PROV.startedAtTime, Literal(time or now(), datatype=XSD.dateTime), g),
        (CHANGES_GRAPH, PG.head, change, g),
    ]
    out += [(change, RDFS.comment, lit, g) for lit in _message_literals(message)]
    for reverted in reverts:
        out.append((change, PG.reverts, reverted, g))
    if review is not None:
        reviewer = account_iri(review.reviewer)
        out += [
            (change, PG.reviewedBy, reviewer, g),
            (reviewer, RDF.type, PROV.Agent, g),
            (reviewer, RDFS.label, Literal(review.reviewer), g),
            (change, PG.fromProposal, Literal(review.proposal), g),
        ]
        if review.comment:
            out.append((change, PG.reviewComment, Literal(review.comment), g))
    if rebase is not None:
        new, old = rebase
        out += [(change, RDF.type, PG.Rebase, g), (change, PG.onto, new.iri, g)]
        if old is not None:
            out.append((change, PG.fromBase, old.iri, g))
    marked = set(derived)
    for kind, quads in (("added", added), ("removed", removed)):
        for i, q in enumerate(quads):
            s, p, o, graph = q
            st = URIRef(f"{change}#{kind}-{i + 1}")
            out += [
                (change, PG[kind], st, g),
                (st, RDF.type, RDF.Statement, g),
                (st, RDF.subject, s, g),
                (st, RDF.predicate, p, g),
                (st, RDF.object, o, g),
                (st, PG.graph, graph, g),
            ]
            if q in marked:
                out.append((st, PG.derived, Literal(True), g))
    old_head = store.quads(CHANGES_GRAPH, PG.head, None, g)
    return out, old_head


def read_record(store: Store, seq: int) -> ChangeRecord | None:
    """Change ``seq`` from the log, or None if there is none."""
    g = CHANGES_GRAPH
    change = change_iri(seq)
    triples = store.quads(change, None, None, g)
    if not triples:
        return None
    values = {p: o for _, p, o, _ in triples}
    agent = values.get(PROV.wasAssociatedWith)
    name = store.quads(agent, RDFS.label, None, g) if isinstance(agent, URIRef) else []
    messages: dict[str, str] = {}
    for _, p, o, _ in triples:
        if p == RDFS.comment and isinstance(o, Literal):
            messages[o.language or ""] = str(o)
    plain = messages.pop("", None)
    message = plain if plain is not None else messages.get("en") or messages.get("sv", "")
    record = ChangeRecord(
        iri=change,
        sequence=seq,
        author=str(name[0][2]) if name else "",
        time=str(values.get(PROV.startedAtTime, "")),
        message=message,
        messages={
            "sv": messages.get("sv") or message,
            "en": messages.get("en") or message,
        },
    )
    record.undoes = sorted(
        (o for _, p, o, _ in triples if p == PG.reverts and isinstance(o, URIRef)),
        key=sequence_of,
    )
    record.reverts = record.undoes[0] if record.undoes else None
    reviewer = values.get(PG.reviewedBy)
    if isinstance(reviewer, URIRef):
        label = store.quads(reviewer, RDFS.label, None, g)
        record.reviewer = str(label[0][2]) if label else str(reviewer)
    comment = values.get(PG.reviewComment)
    record.review_comment = str(comment) if comment is not None else None
    if any(p == RDF.type and o == PG.Rebase for _, p, o, _ in triples):
        record.kind = "rebase"
        onto = values.get(PG.onto)
        if isinstance(onto, URIRef):
            found = store.quads(onto, PG.contentHash, None, g)
            record.base = str(found[0][2]) if found else None
    for kind, target in (("added", record.added), ("removed", record.removed)):
        statements = sorted(
            (o for _, p, o, _ in triples if p == PG[kind]),
            key=lambda n: int(str(n).rsplit("-", 1)[-1]),
        )
        for st in statements:
            parts = {p: o for _, p, o, _ in store.quads(st, None, None, g)}  # type: ignore[arg-type]
            quad = (parts[RDF.subject], parts[RDF.predicate], parts[RDF.object], parts[PG.graph])
            target.append(quad)  # type: ignore[arg-type]
            if str(parts.get(PG.derived, "")).lower() in ("true", "1"):
                record.derived.append(quad)  # type: ignore[arg-type]
    later = store.quads(None, PG.reverts, change, g)
    record.reverted_by = later[0][0] if later else None  # type: ignore[assignment]
    record.unapplied = _read_unapplied(store, change, values)
    return record


def _read_unapplied(
    store: Store, change: URIRef, values: Mapping[URIRef, Term]
) -> Unapplied | None:
    on = values.get(PG.unappliedOn)
    if not isinstance(on, URIRef):
        return None
    reasons: dict[str, str] = {}
    for _, _, o, _ in store.quads(change, PG.unappliedReason, None, CHANGES_GRAPH):
        if isinstance(o, Literal):
            reasons[o.language or ""] = str(o)
    found = store.quads(on, PG.contentHash, None, CHANGES_GRAPH)
    during = values.get(PG.unappliedIn)
    return Unapplied(
        rule=str(values.get(PG.unappliedRule, "")),
        sv=reasons.get("sv", ""),
        en=reasons.get("en", ""),
        base=str(found[0][2]) if found else "",
        rebase=sequence_of(during) if isinstance(during, URIRef) else 0,
    )


def unapplied_quads(seq: int, why: Unapplied, base: Base) -> list[Quad]:
    """The marks of change ``seq`` as not applied on ``base`` (found by change ``why.rebase``)."""
    g = CHANGES_GRAPH
    change = change_iri(seq)
    return [
        (change, PG.unappliedOn, base.iri, g),
        (change, PG.unappliedIn, change_iri(why.rebase), g),
        (change, PG.unappliedRule, Literal(why.rule), g),
        (change, PG.unappliedReason, Literal(why.sv, lang="sv"), g),
        (change, PG.unappliedReason, Literal(why.en, lang="en"), g),
    ]


def unapplied_sequences(store: Store) -> set[int]:
    """The sequence numbers of the changes marked as no longer applied."""
    return {
        sequence_of(s)
        for s, _, _, _ in store.quads(None, PG.unappliedOn, None, CHANGES_GRAPH)
        if isinstance(s, URIRef)
    }


def base_quads(base: Base, *, current: bool = True) -> list[Quad]:
    """The description of ``base``; with ``current``, also the store's pointer to it."""
    g = CHANGES_GRAPH
    out: list[Quad] = [
        (base.iri, RDF.type, PG.Base, g),
        (base.iri, PG.contentHash, Literal(base.hash), g),
        (base.iri, PG.quads, Literal(base.quads), g),
    ]
    if current:
        out.append((CHANGES_GRAPH, PG.base, base.iri, g))
    return out


def read_base(store: Store) -> Base | None:
    """The base the store says it was loaded from (None: it does not say)."""
    found = store.quads(CHANGES_GRAPH, PG.base, None, CHANGES_GRAPH)
    if not found or not isinstance(found[0][2], URIRef):
        return None
    iri = found[0][2]
    hashes = store.quads(iri, PG.contentHash, None, CHANGES_GRAPH)
    counts = store.quads(iri, PG.quads, None, CHANGES_GRAPH)
    if not hashes:
        return None
    return Base(str(hashes[0][2]), int(str(counts[0][2])) if counts else 0)
