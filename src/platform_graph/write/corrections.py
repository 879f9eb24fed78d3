"""Corrections of a statement's coding, as a data officer makes them in a form: titles,
commitment or context, strength and cue, kind, change, testable, deadline, actors with
their roles, areas and themes.

The form's values become one change: the coding's triples as they are, replaced by the
triples of the new coding (nothing else about the statement is touched: its quote, its
anchoring in the text, its assessments stay as they are). Turning a commitment into
context or back changes its IRI (``id/commitment/…`` ↔ ``id/context/…``): every triple
about it and every link to it moves to the new IRI, and the old IRI is kept as replaced
by the new (``dcterms:isReplacedBy``), as a rebuild with ``formerly`` would. Statements that
refer back to the corrected one inherit its areas and actors anew.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from platform_graph.store import Quad, Store, Term, nquad_line
from platform_graph.vocab.identifiers import LOCAL_NAME, SLUG, slug_of
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, PG, THEME
from platform_graph.vocab.scales import (
    CHANGES,
    KINDS,
    ROLE_BY_PROPERTY,
    ROLE_PROPERTY,
    ROLES,
    STRENGTHS,
)
from platform_graph.write.field_errors import FieldError

__all__ = [
    "FIELDS",
    "SHAPE_PATHS",
    "Coding",
    "FieldChange",
    "StaleForm",
    "check_coding",
    "coding_change",
    "differences",
    "read_coding",
    "statement_node",
    "version",
]

G = DATA_GRAPH
FIELDS = (
    "commitment",
    "title_sv",
    "title_en",
    "strength",
    "cue",
    "kind",
    "change",
    "testable",
    "deadline",
    "actors",
    "areas",
    "themes",
)
TITLE_MAX = 120

# A SHACL result's path, to the form field it concerns.
SHAPE_PATHS: dict[str, str] = {
    str(DCTERMS.title): "title_sv",
    str(PG.strength): "strength",
    str(PG.strengthCue): "cue",
    str(PG.kind): "kind",
    str(PG.changeType): "change",
    str(PG.testable): "testable",
    str(PG.deadline): "deadline",
    str(PG.concernsArea): "areas",
    str(PG.theme): "themes",
    **{str(p): "actors" for p in ROLE_PROPERTY.values()},
}


@dataclass(frozen=True, slots=True)
class Coding:
    """A statement's coding, as the form shows it."""

    commitment: bool
    title_sv: str = ""
    title_en: str = ""
    strength: str | None = None
    cue: str | None = None
    kind: str | None = None
    change: str | None = None
    testable: bool | None = None
    deadline: str | None = None
    actors: tuple[tuple[str, str], ...] = ()
    """(actor slug, role) pairs, sorted."""
    areas: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "commitment": self.commitment,
            "title_sv": self.title_sv,
            "title_en": self.title_en,
            "strength": self.strength,
            "cue": self.cue,
            "kind": self.kind,
            "change": self.change,
            "testable": self.testable,
            "deadline": self.deadline,
            "actors": [list(a) for a in self.actors],
            "areas": list(self.areas),
            "themes": list(self.themes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coding:
        return cls(
            commitment=bool(data["commitment"]),
            title_sv=str(data.get("title_sv") or ""),
            title_en=str(data.get("title_en") or ""),
            strength=data.get("strength"),
            cue=data.get("cue"),
            kind=data.get("kind"),
            change=data.get("change"),
            testable=data.get("testable"),
            deadline=data.get("deadline"),
            actors=tuple(sorted((str(a), str(r)) for a, r in data.get("actors", []))),
            areas=tuple(sorted(data.get("areas", []))),
            themes=tuple(sorted(data.get("themes", []))),
        )


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def statement_node(store: Store, slug: str) -> URIRef | None:
    """The statement with this id, commitment or context; None if there is none."""
    if not LOCAL_NAME.match(slug):
        return None
    for kind in ("commitment", "context"):
        node = URIRef(ID[f"{kind}/{slug}"])
        if store.quads(node, RDF.type, PG.Statement):
            return node
    return None


def _one(store: Store, s: URIRef, p: URIRef) -> Term | None:
    found = store.quads(s, p, None, G)
    return found[0][2] if found else None


def read_coding(store: Store, node: URIRef) -> Coding:
    """The statement's coding as it is in the data."""
    quads = store.quads(node, None, None, G)
    by: dict[URIRef, list[Term]] = {}
    for _, p, o, _ in quads:
        by.setdefault(p, []).append(o)
    titles = {getattr(t, "language", None): str(t) for t in by.get(DCTERMS.title, [])}
    testable = by.get(PG.testable)
    actors = sorted(
        (slug_of(o) or "", ROLE_BY_PROPERTY[str(p)])
        for p, values in by.items()
        if str(p) in ROLE_BY_PROPERTY
        for o in values
    )
    return Coding(
        commitment=PG.Commitment in by.get(RDF.type, []),
        title_sv=titles.get("sv", ""),
        title_en=titles.get("en", ""),
        strength=slug_of(by[PG.strength][0]) if PG.strength in by else None,
        cue=str(by[PG.strengthCue][0]) if PG.strengthCue in by else None,
        kind=slug_of(by[PG.kind][0]) if PG.kind in by else None,
        change=slug_of(by[PG.changeType][0]) if PG.changeType in by else None,
        testable=(str(testable[0]) in ("true", "1")) if testable else None,
        deadline=str(by[PG.deadline][0]) if PG.deadline in by else None,
        actors=tuple(actors),
        areas=tuple(sorted(slug_of(o) or "" for o in by.get(PG.concernsArea, []))),
        themes=tuple(sorted(slug_of(o) or "" for o in by.get(PG.theme, []))),
    )


def differences(before: Coding, after: Coding) -> list[FieldChange]:
    """What the correction changes, field by field (for the preview in words)."""
    return [
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in FIELDS
        if getattr(before, name) != getattr(after, name)
    ]


def _known(store: Store, kind: str, slug: str) -> bool:
    return bool(LOCAL_NAME.match(slug)) and bool(
        store.quads(URIRef(ID[f"{kind}/{slug}"]), RDF.type)
    )


def check_coding(store: Store, coding: Coding) -> list[FieldError]:
    """What is wrong with the form's values before the shapes see them: every error next
    to its field, in Swedish and English."""
    errors: list[FieldError] = []

    def err(name: str, code: str, sv: str, en: str) -> None:
        errors.append(FieldError(name, code, sv, en))

    for name, lang in (("title_sv", "svenska"), ("title_en", "engelska")):
        value: str = getattr(coding, name)
        if not value.strip():
            err(
                name,
                "required",
                f"Skriv en titel på {lang}.",
                f"Write a title in {'Swedish' if name == 'title_sv' else 'English'}.",
            )
        elif len(value) > TITLE_MAX:
            err(
                name,
                "too-long",
                f"Titeln är {len(value)} tecken; högst {TITLE_MAX}.",
                f"The title is {len(value)} characters; at most {TITLE_MAX}.",
            )
    if coding.commitment:
        if coding.strength not in STRENGTHS:
            err("strength", "required", "Välj styrka.", "Choose a strength.")
        if coding.kind not in KINDS:
            err("kind", "required", "Välj typ av åtagande.", "Choose a kind.")
        if coding.change not in CHANGES:
            err(
                "change",
                "required",
                "Välj förändring eller status quo.",
                "Choose change or status quo.",
            )
        if coding.testable is None:
            err(
                "testable",
                "required",
                "Ange om åtagandet går att pröva.",
                "Say whether the commitment is testable.",
            )
        if coding.deadline and not _deadline_ok(coding.deadline):
            err(
                "deadline",
                "format",
                "Skriv tidsgränsen som år (2026) eller datum (2026-12-31).",
                "Write the deadline as a year (2026) or a date (2026-12-31).",
            )
    for slug, role in coding.actors:
        if role not in ROLES:
            err("actors", "role", f"Okänd roll {role!r}.", f"Unknown role {role!r}.")
        if not _known(store, "actor", slug):
            err(
                "actors",
                "unknown",
                f"Det finns ingen aktör {slug!r}.",
                f"There is no actor {slug!r}.",
            )
    if len({a for a, _ in coding.actors}) != len(coding.actors):
        err(
            "actors",
            "twice",
            "En aktör kan bara ha en roll i ett påstående.",
            "An actor can have only one role in a statement.",
        )
    for slug in coding.areas:
        if not _known(store, "area", slug):
            err(
                "areas",
                "unknown",
                f"Det finns inget område {slug!r}.",
                f"There is no area {slug!r}.",
            )
    for slug in coding.themes:
        if not SLUG.match(slug) or not store.quads(URIRef(THEME[slug]), RDF.type):
            err(
                "themes",
                "unknown",
                f"Det finns inget tema {slug!r}.",
                f"There is no theme {slug!r}.",
            )
    if not coding.themes:
        err("themes", "required", "Välj minst ett tema.", "Choose at least one theme.")
    return errors


def _deadline_ok(text: str) -> bool:
    return re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", text) is not None


def _coding_quads(node: URIRef, c: Coding, coalition: Term | None) -> list[Quad]:
    out: list[Quad] = [
        (node, RDF.type, PG.Commitment if c.commitment else PG.ContextStatement, G),
    ]
    if c.title_sv:
        out.append((node, DCTERMS.title, Literal(c.title_sv, lang="sv"), G))
    if c.title_en:
        out.append((node, DCTERMS.title, Literal(c.title_en, lang="en"), G))
    for t in c.themes:
        out.append((node, PG.theme, URIRef(THEME[t]), G))
    for slug, role in c.actors:
        out.append((node, ROLE_PROPERTY[role], URIRef(ID[f"actor/{slug}"]), G))
    for slug in c.areas:
        out.append((node, PG.concernsArea, URIRef(ID[f"area/{slug}"]), G))
    if not c.commitment:
        return out
    if coalition is not None:
        out.append((node, PROV.wasAttributedTo, coalition, G))
    out += [
        (node, PG.strength, URIRef(ID[f"strength/{c.strength}"]), G),
        (node, PG.kind, URIRef(ID[f"kind/{c.kind}"]), G),
        (node, PG.changeType, URIRef(ID[f"change-type/{c.change}"]), G),
        (node, PG.testable, Literal(bool(c.testable)), G),
    ]
    if c.testable:
        # A pledge is derived from the coding (a testable commitment), as the build does.
        out.append((node, RDF.type, PG.Pledge, G))
    if c.cue:
        out.append((node, PG.strengthCue, Literal(c.cue), G))
    if c.deadline:
        dtype = XSD.gYear if len(c.deadline) == 4 else XSD.date
        out.append((node, PG.deadline, Literal(c.deadline, datatype=dtype), G))
    return out


# What the coding consists of: replaced as a whole by a correction. (The status of a
# commitment is not coding: it follows the assessments; it goes when a commitment becomes
# context, and starts as not yet rated when context becomes a commitment.)
_CODING_PREDICATES = frozenset(
    {
        DCTERMS.title,
        PG.theme,
        PG.concernsArea,
        PG.strength,
        PG.strengthCue,
        PG.kind,
        PG.changeType,
        PG.testable,
        PG.deadline,
        *ROLE_PROPERTY.values(),
    }
)


def _coalition(store: Store, node: URIRef) -> Term | None:
    doc = _one(store, node, PROV.wasDerivedFrom)
    if isinstance(doc, URIRef):
        return _one(store, doc, PG.coalition)
    return None


@dataclass(slots=True)
class _Delta:
    remove: list[Quad] = field(default_factory=list)
    add: list[Quad] = field(default_factory=list)


def coding_change(store: Store, node: URIRef, new: Coding) -> tuple[URIRef, list[Quad], list[Quad]]:
    """(the statement's IRI after the change, quads to remove, quads to add)."""
    old = read_coding(store, node)
    coalition = _coalition(store, node)
    kind = "commitment" if new.commitment else "context"
    target = URIRef(ID[f"{kind}/{slug_of(node)}"])
    delta = _Delta()
    mine = store.quads(node, None, None, G)
    types = {PG.Commitment, PG.ContextStatement, PG.Pledge}
    for q in mine:
        _, p, o, _ = q
        coding = p in _CODING_PREDICATES or (p == RDF.type and o in types)
        attributed = p == PROV.wasAttributedTo and o == coalition and old.commitment
        if coding or attributed:
            delta.remove.append(q)
    delta.add += _coding_quads(target, new, coalition)
    if target != node:
        _rename(store, node, target, old, new, delta)
    else:
        # Only the coding moves; PROV.wasAttributedTo stays for a commitment.
        delta.remove = [
            q for q in delta.remove if not (q[1] == PROV.wasAttributedTo and new.commitment)
        ]
        delta.add = [q for q in delta.add if not (q[1] == PROV.wasAttributedTo and q in mine)]
    _reinherit(store, node, target, new, delta)
    return target, delta.remove, delta.add


def _rename(
    store: Store, node: URIRef, target: URIRef, old: Coding, new: Coding, delta: _Delta
) -> None:
    """Everything about ``node`` moves to ``target``; links to it too, and its own
    fragment nodes (``#quote``, ``#position``) become the target's."""
    removed = set(delta.remove)
    prefix = f"{node}#"

    def moved(term: Term) -> Term:
        if isinstance(term, URIRef) and str(term).startswith(prefix):
            return URIRef(f"{target}#{str(term)[len(prefix) :]}")
        return term

    fragments = {
        o
        for _, _, o, _ in store.quads(node, None, None, G)
        if isinstance(o, URIRef) and moved(o) != o
    }
    for frag in fragments:
        for q in store.quads(frag, None, None, G):
            delta.remove.append(q)
            subject = moved(q[0])
            assert isinstance(subject, URIRef)
            delta.add.append((subject, q[1], moved(q[2]), q[3]))
    for q in store.quads(node, None, None, G):
        s, p, o, g = q
        if q in removed:
            continue
        if p == PG.status and not new.commitment:
            delta.remove.append(q)  # context has no status
            continue
        if (p, o) in ((DCTERMS.replaces, target), (DCTERMS.isReplacedBy, target)):
            delta.remove.append(q)  # back to the IRI it had: no loop of replacements
            continue
        delta.remove.append(q)
        delta.add.append((target, p, moved(o), g))
    for q in store.quads(None, None, node, G):
        s, p, o, g = q
        if (p, s) in ((DCTERMS.replaces, target), (DCTERMS.isReplacedBy, target)):
            delta.remove.append(q)
            continue
        delta.remove.append(q)
        delta.add.append((s, p, target, g))
    if new.commitment and not old.commitment:
        delta.add.append((target, PG.status, URIRef(ID["status/not-yet-rated"]), G))
    delta.add += [
        (node, DCTERMS.isReplacedBy, target, G),
        (target, DCTERMS.replaces, node, G),
    ]


def _referrers(store: Store, node: URIRef) -> list[URIRef]:
    """The statements that refer back to ``node``, directly or through others."""
    found: list[URIRef] = []
    todo = [node]
    while todo:
        current = todo.pop()
        for s, *_ in store.quads(None, PG.refersTo, current, G):
            if isinstance(s, URIRef) and s not in found and s != node:
                found.append(s)
                todo.append(s)
    return found


def _targets(store: Store, node: URIRef) -> list[URIRef]:
    seen: list[URIRef] = []
    todo = [o for _, _, o, _ in store.quads(node, PG.refersTo, None, G) if isinstance(o, URIRef)]
    while todo:
        t = todo.pop(0)
        if t in seen or t == node:
            continue
        seen.append(t)
        todo += [o for _, _, o, _ in store.quads(t, PG.refersTo, None, G) if isinstance(o, URIRef)]
    return seen


def _reinherit(store: Store, node: URIRef, target: URIRef, new: Coding, delta: _Delta) -> None:
    """What the statements referring to this one inherit (its areas and actors), as the
    build computes it (build.graph._inherited), from the corrected coding."""
    corrected_areas = {URIRef(ID[f"area/{a}"]) for a in new.areas}
    corrected_actors = {URIRef(ID[f"actor/{a}"]) for a, _ in new.actors}

    def own(s: URIRef) -> tuple[set[Term], set[Term]]:
        if s == node:
            return set(corrected_areas), set(corrected_actors)
        areas = {o for _, _, o, _ in store.quads(s, PG.concernsArea, None, G)}
        actors = {o for p in ROLE_PROPERTY.values() for _, _, o, _ in store.quads(s, p, None, G)}
        return areas, actors

    for s in [node, *_referrers(store, node)]:
        areas: set[Term] = set()
        actors: set[Term] = set()
        for t in _targets(store, s):
            a, b = own(t)
            areas |= a
            actors |= b
        mine_areas, mine_actors = own(s)
        subject = target if s == node else s
        want = {(PG.inheritedArea, a) for a in areas - mine_areas} | {
            (PG.inheritedActor, a) for a in actors - mine_actors
        }
        have = {
            (p, o)
            for p in (PG.inheritedArea, PG.inheritedActor)
            for _, _, o, _ in store.quads(s, p, None, G)
        }
        if s != node or subject == node:
            for p, o in have - want:
                delta.remove.append((s, p, o, G))
            for p, o in want - have:
                delta.add.append((subject, p, o, G))
        else:
            # Renamed: its inherited triples moved with it (in _rename); fix them there.
            moved = [(subject, p, o, G) for p, o in have]
            delta.add = [q for q in delta.add if q not in moved]
            delta.add += [(subject, p, o, G) for p, o in want]


def version(store: Store, node: URIRef) -> str:
    """The statement's version as a correction form sees it: a hash of its triples (and
    its fragments'), so that a change elsewhere never makes the form stale."""
    prefix = f"{node}#"
    quads = list(store.quads(node, None, None, G))
    for _, _, o, _ in list(quads):
        if isinstance(o, URIRef) and str(o).startswith(prefix):
            quads += store.quads(o, None, None, G)
    lines = sorted(nquad_line(q) for q in quads)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]


class StaleForm(Exception):
    """The statement changed since the form was opened."""

    def __init__(self, node: URIRef, current: str) -> None:
        super().__init__(f"{node} changed since the form was opened")
        self.node = node
        self.current = current
