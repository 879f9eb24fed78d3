"""The review of a draft (issue 16): proposed statements and continuity links, accepted,
edited or rejected by a data officer, one by one or many at once.

A draft's statements (``status: proposed`` in a platform folder's curation) are built and
validated with the rest but never loaded into the public store (build.graph keeps them in
graph/proposals). Accepting one adds to the data graph exactly the triples a build of it
would make (with the platform's own actors and areas it names), through the one write
path (``Writer.submit_with``: SHACL, the change log), many at once in one change.
Rejecting one changes no data: the decision is kept in the review's ledger (a JSON-lines
file beside the store), so that it is not offered again. A continuity link is a triple
``<later> pg:continues <earlier>``, proposed by ``extract.continuity`` from the
commitments in the store, confirmed through the same write path, or rejected in the
ledger.

Nothing here is public: the HTTP layer asks for an editor's token before it calls in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from platform_graph.build.curation import Statement, check_statement
from platform_graph.build.graph import PlatformBuild, load_platforms, statement_triples
from platform_graph.build.platforms import PlatformSpec
from platform_graph.config import Paths
from platform_graph.errors import PlatformGraphError
from platform_graph.extract.continuity import CommitmentText, Link, propose_links
from platform_graph.store import Quad, SelectResult, Store
from platform_graph.vocab.identifiers import slug_of
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, PG, sparql_prefixes

__all__ = ["EDITABLE", "DraftReview", "Ledger", "ReviewError"]

Delta = tuple[Sequence[Quad], Sequence[Quad]]

EDITABLE = frozenset(
    {
        "commitment",
        "title",
        "themes",
        "actors",
        "areas",
        "strength",
        "cue",
        "kind",
        "change",
        "testable",
        "deadline",
        "period",
        "amount_sek",
        "note",
    }
)
"""What a reviewer may change in a proposal before accepting it (not the quote: the
words are the text's)."""


class ReviewError(PlatformGraphError):
    """A review request that cannot be carried out: ``status`` is the HTTP status it
    means (404 unknown, 409 already decided, 422 an edit that breaks a rule)."""

    def __init__(self, status: int, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.problems = list(problems)


class Ledger:
    """The decisions that change no data, appended as JSON lines under a file lock."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self.path is None:
                yield
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with (self.path.with_suffix(".lock")).open("a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def entries(self) -> list[dict[str, Any]]:
        with self._locked():
            return self._read()

    def _read(self) -> list[dict[str, Any]]:
        if self.path is None:
            return list(self._memory)
        if not self.path.is_file():
            return []
        out: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def append(self, entries: Sequence[dict[str, Any]]) -> None:
        with self._locked():
            if self.path is None:
                self._memory.extend(entries)
                return
            with self.path.open("a", encoding="utf-8") as fh:
                for e in entries:
                    fh.write(json.dumps(e, ensure_ascii=False) + "\n")

    def latest(self, platform: str, kind: str) -> dict[str, dict[str, Any]]:
        """The last decision on each item of a platform (by key)."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.entries():
            if e.get("platform") == platform and e.get("kind") == kind:
                out[str(e["key"])] = e
        return out


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _link_key(commitment: str, continues: str) -> str:
    return f"{commitment} > {continues}"


@dataclass(slots=True)
class _Drafts:
    fingerprint: tuple[tuple[str, float], ...]
    platforms: dict[str, PlatformBuild] = field(default_factory=dict)


class DraftReview:
    """The write side of the review; the HTTP layer (http/review.py) sits on it."""

    def __init__(self, store: Store, paths: Paths, ledger: Ledger) -> None:
        self.store = store
        self.paths = paths
        self.ledger = ledger
        self._drafts: _Drafts | None = None
        self._lock = threading.Lock()

    # --- the drafts ---------------------------------------------------------------------

    def _fingerprint(self) -> tuple[tuple[str, float], ...]:
        folders = [self.paths.data / "platforms", *self.paths.extra_platforms]
        seen: list[tuple[str, float]] = []
        for folder in folders:
            if folder.is_dir():
                for p in sorted(folder.rglob("*.yaml")):
                    seen.append((str(p), p.stat().st_mtime))
        return tuple(seen)

    def platforms(self) -> dict[str, PlatformBuild]:
        """Every platform's curation as the folders hold it now (read again on change)."""
        with self._lock:
            fingerprint = self._fingerprint()
            if self._drafts is None or self._drafts.fingerprint != fingerprint:
                built = load_platforms(self.paths)
                self._drafts = _Drafts(fingerprint, {p.spec.slug: p for p in built})
            return self._drafts.platforms

    def platform(self, slug: str) -> PlatformBuild:
        found = self.platforms().get(slug)
        if found is None:
            raise ReviewError(404, f"no platform {slug!r} (GET /api/platforms lists them)")
        return found

    # --- statements -----------------------------------------------------------------------

    def _in_store(self, iri: URIRef) -> bool:
        return bool(self.store.quads(iri, RDF.type, None, DATA_GRAPH))

    def _accepted(self, p: PlatformBuild, st: Statement) -> URIRef | None:
        n = p.namer
        for kind in ("commitment", "context"):
            iri = n.statement(st, kind=kind)
            if self._in_store(iri):
                return iri
        return None

    def proposals(self, platform: str, status: str | None = None) -> list[dict[str, Any]]:
        """The platform's proposed statements, in the order of the text, each with its
        status: pending, accepted (its IRI is in the data) or rejected (the ledger)."""
        p = self.platform(platform)
        decided = self.ledger.latest(platform, "statement")
        out: list[dict[str, Any]] = []
        for st in sorted(p.curation.statements, key=lambda s: s.start):
            if st.status != "proposed":
                continue
            accepted = self._accepted(p, st)
            decision = decided.get(st.id)
            state = (
                "accepted"
                if accepted is not None
                else "rejected"
                if decision is not None and decision.get("decision") == "rejected"
                else "pending"
            )
            if status is not None and state != status:
                continue
            out.append(_view(p, st, state, accepted, decision))
        return out

    def _proposal(self, p: PlatformBuild, statement_id: str) -> Statement:
        for st in p.curation.statements:
            if st.id == statement_id and st.status == "proposed":
                return st
        raise ReviewError(404, f"no proposed statement {statement_id!r} in {p.spec.slug}")

    def accept(
        self, platform: str, ids: Sequence[str], edits: Mapping[str, Mapping[str, Any]]
    ) -> tuple[Callable[[], Delta], str]:
        """The change that accepts ``ids`` (edited as ``edits`` says), to be submitted
        through the writer (``submit_with``: its build runs under the writer's lock)."""
        p = self.platform(platform)
        if not ids:
            raise ReviewError(422, "name at least one proposed statement to accept")
        unknown_edits = sorted(set(edits) - set(ids))
        if unknown_edits:
            raise ReviewError(422, f"edits for statements not accepted here: {unknown_edits}")
        chosen = [_edited(self._proposal(p, i), edits.get(i, {})) for i in dict.fromkeys(ids)]
        themes = _themes(self.paths)
        problems = [
            problem
            for st in chosen
            for problem in check_statement(st, themes, p.curation.actors, p.curation.areas)
        ]
        if problems:
            raise ReviewError(422, "the edited statements break the curation rules", problems)
        by_id = {s.id: s for s in p.curation.statements}
        by_id.update({s.id: s for s in chosen})

        def build() -> Delta:
            add: list[Quad] = []
            for st in chosen:
                if self._accepted(p, st) is not None:
                    raise ReviewError(409, f"{st.id} is accepted already")
                g = statement_triples(st, p, by_id)
                add += [(s, pr, o, DATA_GRAPH) for s, pr, o in g]  # type: ignore[misc]
            return [], add

        names = ", ".join(st.id for st in chosen)
        edited = [st.id for st in chosen if st.id in edits]
        message = f"Review of {platform}: accepted {names}" + (
            f" (edited: {', '.join(edited)})" if edited else ""
        )
        return build, message

    def reject(
        self, platform: str, ids: Sequence[str], *, author: str, reason: str | None
    ) -> list[dict[str, Any]]:
        p = self.platform(platform)
        if not ids:
            raise ReviewError(422, "name at least one proposed statement to reject")
        entries: list[dict[str, Any]] = []
        for i in dict.fromkeys(ids):
            st = self._proposal(p, i)
            if self._accepted(p, st) is not None:
                raise ReviewError(
                    409,
                    f"{i} is accepted already: change or remove it through /api/changes",
                )
            entries.append(
                {
                    "platform": platform,
                    "kind": "statement",
                    "key": i,
                    "decision": "rejected",
                    "author": author,
                    "time": _now(),
                    "reason": reason,
                }
            )
        self.ledger.append(entries)
        return entries

    # --- continuity -----------------------------------------------------------------------

    def _earlier(self, spec: PlatformSpec) -> list[PlatformSpec]:
        specs = [p.spec for p in self.platforms().values()]
        if spec.continues:
            return [s for s in specs if s.slug in spec.continues]
        return [
            s
            for s in specs
            if s.slug != spec.slug
            and s.municipality_area == spec.municipality_area
            and s.term_end <= spec.term_start
        ]

    def _texts(self, platform: str) -> list[CommitmentText]:
        query = (
            sparql_prefixes()
            + """
SELECT ?c ?quote ?title (GROUP_CONCAT(DISTINCT STR(?a); SEPARATOR=" ") AS ?actors)
       (GROUP_CONCAT(DISTINCT STR(?ar); SEPARATOR=" ") AS ?areas)
       (GROUP_CONCAT(DISTINCT STR(?t); SEPARATOR=" ") AS ?themes)
WHERE {
  ?c a pg:Commitment ; prov:wasDerivedFrom ?doc ; oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?c dcterms:title ?title FILTER (lang(?title) = "sv") }
  OPTIONAL { ?c ?role ?a . ?role rdfs:subPropertyOf pg:namesActor }
  OPTIONAL { ?c pg:concernsArea ?ar }
  OPTIONAL { ?c pg:theme ?t }
} GROUP BY ?c ?quote ?title"""
        )
        result = self.store.query(query, bindings={"doc": URIRef(ID[f"document/{platform}"])})
        assert isinstance(result, SelectResult)
        out: list[CommitmentText] = []
        for r in result.dicts():
            out.append(
                CommitmentText(
                    id=slug_of(r["c"]) or "",
                    platform=platform,
                    quote=str(r["quote"]),
                    title=None if r.get("title") is None else str(r["title"]),
                    actors=frozenset(slug_of(x) or "" for x in str(r.get("actors", "")).split()),
                    areas=frozenset(slug_of(x) or "" for x in str(r.get("areas", "")).split()),
                    themes=frozenset(slug_of(x) or "" for x in str(r.get("themes", "")).split()),
                )
            )
        return out

    def continuity(self, platform: str, status: str | None = None) -> list[dict[str, Any]]:
        """Proposed links from the platform's commitments (in the store) to those of the
        platforms before it (same municipality, an earlier term, or those its
        platform.yaml names under ``continues``), each pending, confirmed or rejected."""
        p = self.platform(platform)
        earlier = self._earlier(p.spec)
        later_texts = self._texts(platform)
        earlier_texts = [t for s in earlier for t in self._texts(s.slug)]
        n = p.namer
        ignore = {
            slug_of(n.actor(p.spec.coalition)) or "",
            slug_of(n.actor(p.spec.municipality_actor)) or "",
            slug_of(n.area(p.spec.municipality_area)) or "",
            *(s.coalition for s in earlier),
            *(s.municipality_actor for s in earlier),
            *(s.municipality_area for s in earlier),
        }
        links = propose_links(later_texts, earlier_texts, ignore=ignore)
        confirmed = {
            (slug_of(s) or "", slug_of(o) or "")
            for s, _, o, _ in self.store.quads(None, PG.continues, None, DATA_GRAPH)
        }
        # A confirmed link the proposer would not make now is still listed.
        proposed = {(link.commitment, link.continues) for link in links}
        for new, old in sorted(confirmed - proposed):
            if any(t.id == new for t in later_texts):
                links.append(Link(new, old, 0.0, ("confirmed by a person",)))
        decided = self.ledger.latest(platform, "continuity")
        out: list[dict[str, Any]] = []
        for link in links:
            key = _link_key(link.commitment, link.continues)
            state = (
                "confirmed"
                if (link.commitment, link.continues) in confirmed
                else "rejected"
                if decided.get(key, {}).get("decision") == "rejected"
                else "pending"
            )
            if status is not None and state != status:
                continue
            out.append(
                {
                    "commitment": link.commitment,
                    "continues": link.continues,
                    "commitment_iri": str(ID[f"commitment/{link.commitment}"]),
                    "continues_iri": str(ID[f"commitment/{link.continues}"]),
                    "score": link.score,
                    "reasons": list(link.reasons),
                    "status": state,
                    "decision": decided.get(key),
                }
            )
        return out

    def _check_links(self, platform: str, links: Sequence[tuple[str, str]]) -> None:
        if not links:
            raise ReviewError(422, "name at least one link")
        p = self.platform(platform)
        mine = {t.id for t in self._texts(platform)}
        theirs = {t.id for s in self._earlier(p.spec) for t in self._texts(s.slug)}
        for new, old in links:
            if new not in mine:
                raise ReviewError(404, f"no commitment {new!r} of {platform} in the data")
            if old not in theirs:
                raise ReviewError(422, f"{old!r} is no commitment of a platform before {platform}")

    def confirm_links(
        self, platform: str, links: Sequence[tuple[str, str]]
    ) -> tuple[Callable[[], Delta], str]:
        """The change that confirms links (``pg:continues``), for ``submit_with``."""
        self._check_links(platform, links)
        quads: list[Quad] = [
            (
                URIRef(ID[f"commitment/{new}"]),
                URIRef(PG.continues),
                URIRef(ID[f"commitment/{old}"]),
                DATA_GRAPH,
            )
            for new, old in dict.fromkeys(links)
        ]

        def build() -> Delta:
            return [], quads

        listed = "; ".join(f"{new} continues {old}" for new, old in links)
        return build, f"Continuity of {platform} confirmed: {listed}"

    def reject_links(
        self, platform: str, links: Sequence[tuple[str, str]], *, author: str, reason: str | None
    ) -> list[dict[str, Any]]:
        self._check_links(platform, links)
        for new, old in links:
            if self.store.quads(
                URIRef(ID[f"commitment/{new}"]),
                PG.continues,
                URIRef(ID[f"commitment/{old}"]),
                DATA_GRAPH,
            ):
                raise ReviewError(
                    409, f"{new} > {old} is confirmed: remove it through /api/changes"
                )
        entries = [
            {
                "platform": platform,
                "kind": "continuity",
                "key": _link_key(new, old),
                "decision": "rejected",
                "author": author,
                "time": _now(),
                "reason": reason,
            }
            for new, old in dict.fromkeys(links)
        ]
        self.ledger.append(entries)
        return entries


def _themes(paths: Paths) -> set[str]:
    from platform_graph.build.graph import theme_slugs

    g = Graph()
    g.parse(paths.themes, format="turtle")
    return theme_slugs(g)


def _edited(st: Statement, edit: Mapping[str, Any]) -> Statement:
    unknown = sorted(set(edit) - EDITABLE)
    if unknown:
        raise ReviewError(
            422,
            f"{st.id}: these fields cannot be edited: {unknown} (the quote is the text's; "
            f"editable: {', '.join(sorted(EDITABLE))})",
        )
    changes: dict[str, Any] = {"status": "accepted"}
    for key, value in edit.items():
        if key == "title":
            if not isinstance(value, Mapping):
                raise ReviewError(422, f"{st.id}: title is {{'sv': ..., 'en': ...}}")
            changes["title_sv"] = value.get("sv")
            changes["title_en"] = value.get("en")
        elif key == "actors":
            if not isinstance(value, Mapping):
                raise ReviewError(422, f"{st.id}: actors maps a role to a list of actor ids")
            changes["actors"] = {str(r): tuple(str(a) for a in v) for r, v in value.items()}
        elif key in ("themes", "areas"):
            changes[key] = tuple(str(v) for v in value or ())
        elif key == "deadline":
            changes[key] = None if value is None else str(value)
        else:
            changes[key] = value
    out = replace(st, **changes)
    if not out.commitment:
        out = replace(
            out,
            strength=None,
            cue=None,
            kind=None,
            change=None,
            testable=None,
            deadline=None,
            period=None,
            amount_sek=None,
        )
    return out


def _view(
    p: PlatformBuild,
    st: Statement,
    state: str,
    accepted: URIRef | None,
    decision: dict[str, Any] | None,
) -> dict[str, Any]:
    n = p.namer
    return {
        "id": st.id,
        "iri": str(accepted or n.statement(st)),
        "status": state,
        "label": "commitment" if st.commitment else "context",
        "quote": p.source.text[st.start : st.end],
        "span": {"start": st.start, "end": st.end},
        "section": st.section,
        "title": {"sv": st.title_sv, "en": st.title_en},
        "themes": list(st.themes),
        "actors": {role: list(ids) for role, ids in st.actors.items()},
        "areas": list(st.areas),
        "strength": st.strength,
        "cue": st.cue,
        "kind": st.kind,
        "change": st.change,
        "testable": st.testable,
        "deadline": st.deadline,
        "period": st.period,
        "amount_sek": st.amount_sek,
        "note": st.note,
        "decision": decision if state == "rejected" else None,
    }
