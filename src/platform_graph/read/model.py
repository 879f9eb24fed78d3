"""The read side of the REST API: commitments, actors, areas, themes, sections, counts.

Everything is read from the store with SPARQL; request values are bound (never pasted)
through the store's ``bindings``. No web framework here: the API renders what this
module returns.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import astuple, dataclass, field, replace
from typing import Any

from rdflib import Literal, URIRef

from platform_graph.read.collation import label_key, swedish_key
from platform_graph.store import SelectResult, Store, Term
from platform_graph.store.errors import StoreTimeout
from platform_graph.store.request_scope import current
from platform_graph.store.version_cache import VersionCache
from platform_graph.vocab.identifiers import LOCAL_NAME, slug_of
from platform_graph.vocab.namespaces import ID, PG, sparql_prefixes
from platform_graph.vocab.scales import ROLE_BY_PROPERTY

__all__ = [
    "COMMITMENT_SORTS",
    "KINDS_OF_RESOURCE",
    "CommitmentFilter",
    "ReadModel",
    "UnknownResource",
    "fold",
    "quote_text",
    "slug_of",
]

P = sparql_prefixes()
COMMITMENT_SORTS = ("position", "deadline", "title", "section", "strength", "status")
KINDS_OF_RESOURCE = ("actor", "area", "theme", "section")


class UnknownResource(LookupError):
    def __init__(self, kind: str, slug: str) -> None:
        super().__init__(f"no {kind} with id {slug!r}")
        self.kind = kind
        self.slug = slug


def _note(sv: Any, en: Any) -> dict[str, str] | None:
    """An assessment's note by language: {"sv": …, "en": …} with the ones it has."""
    note = {lang: str(v) for lang, v in (("sv", sv), ("en", en)) if v is not None}
    return note or None


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: 'Örebro' and 'orebro' fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _str(term: Term | None) -> str | None:
    return None if term is None else str(term)


def quote_text(quote: str) -> str:
    """The quote as clean text: the PDF's line and page breaks (and runs of spaces)
    become one space. The exact quote stays as the source has it."""
    return " ".join(quote.split())


Values = str | tuple[str, ...] | None
"""One value, several (any of them matches), or none (no filter)."""


def values_of(value: Values) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(slots=True)
class CommitmentFilter:
    """The filters of GET /api/commitments. A filter given several values matches any of
    them (``actor=a&actor=b``: a or b); different filters must all match."""

    platform: str | None = None
    actor: Values = None
    area: Values = None
    theme: Values = None
    section: Values = None
    strength: Values = None
    kind: Values = None
    status: Values = None
    testable: bool | None = None
    has_deadline: bool | None = None
    deadline_before: str | None = None
    q: str | None = None
    pledge: bool | None = None
    """A pledge in the Comparative Party Pledges Project's sense: a testable commitment."""
    inherited: bool = True
    """Whether actor and area also match what a statement inherits from the statement it
    refers back to (pg:inheritedActor, pg:inheritedArea)."""
    parts: bool = True
    """Whether actor and area also match their parts (sub-organisations, places within)."""

    def key(self) -> tuple[Any, ...]:
        return tuple(tuple(v) if isinstance(v, list) else v for v in astuple(self))


# Each filter is a fixed pattern over one bound variable; the values come as bindings.
# For actor and area, {x} is the node the statement names: the value itself, or (with
# parts) anything within it ({tail} walks up to the value).
_FILTER_PATTERNS = {
    "platform": "?c prov:wasDerivedFrom ?platform .",
    "actor": "{{ ?c ?role_f {x} . ?role_f rdfs:subPropertyOf pg:namesActor . }}{inherited}{tail}",
    "area": "{{ ?c pg:concernsArea {x} . }}{inherited}{tail}",
    "theme": "?c pg:theme ?th_f . ?th_f skos:broader* ?theme .",
    "section": "?c pg:inSection ?section .",
    "strength": "?c pg:strength ?strength .",
    "kind": "?c pg:kind ?kind .",
    "status": "?c pg:status ?status .",
}
_INHERITED = {
    "actor": " UNION {{ ?c pg:inheritedActor {x} . }}",
    "area": " UNION {{ ?c pg:inheritedArea {x} . }}",
}
_PARTS = {"actor": ("?a_f", "org:subOrganizationOf*"), "area": ("?ar_f", "geo:sfWithin*")}


@dataclass(slots=True)
class Commitment:
    id: str
    iri: str
    title: dict[str, str | None]
    quote: str
    span: dict[str, int]
    section: str
    position: int
    strength: str
    kind: str
    change: str
    testable: bool
    deadline: str | None
    period: str | None
    amount_sek: float | None
    status: str
    platform: str = ""
    themes: list[str] = field(default_factory=list)
    actors: list[dict[str, str]] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    inherited_actors: list[str] = field(default_factory=list)
    inherited_areas: list[str] = field(default_factory=list)
    refers_to: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "iri": self.iri,
            "platform": self.platform,
            "title": self.title,
            "quote": self.quote,
            "quote_text": quote_text(self.quote),
            "span": self.span,
            "section": self.section,
            "themes": self.themes,
            "actors": self.actors,
            "areas": self.areas,
            "inherited_actors": self.inherited_actors,
            "inherited_areas": self.inherited_areas,
            "refers_to": self.refers_to,
            "strength": self.strength,
            "kind": self.kind,
            "change": self.change,
            "testable": self.testable,
            "deadline": self.deadline,
            "period": self.period,
            "amount_sek": self.amount_sek,
            "status": self.status,
        }


_MUTABLE = frozenset(
    {
        "title",
        "span",
        "themes",
        "actors",
        "areas",
        "inherited_actors",
        "inherited_areas",
        "refers_to",
    }
)
"""The fields of a ``Commitment`` that hold a container: what a copy must copy."""


def copied(c: Commitment) -> Commitment:
    """A copy of ``c`` that shares nothing mutable with it: what ``copy.deepcopy`` gives,
    five to ten times faster (a deep copy of 15,000 commitments took seconds). The other
    fields hold strings, numbers or None."""
    return replace(
        c,
        title=dict(c.title),
        span=dict(c.span),
        themes=list(c.themes),
        actors=[dict(a) for a in c.actors],
        areas=list(c.areas),
        inherited_actors=list(c.inherited_actors),
        inherited_areas=list(c.inherited_areas),
        refers_to=list(c.refers_to),
    )


class ReadModel:
    """The read side. With ``version`` (the dataset's ETag), answers are cached per
    version: a write changes the version, and so empties the cache."""

    def __init__(self, store: Store, version: Callable[[], str] | None = None) -> None:
        self.store = store
        self._version = version
        self._cache: VersionCache[list[Commitment]] = VersionCache()
        self._building: dict[str, Future[list[Commitment]]] = {}
        self._building_lock = threading.Lock()

    def version(self) -> str | None:
        """The version answers are kept under now; None when nothing is kept."""
        return None if self._version is None else self._version()

    def _cached(self, key: tuple[Any, ...]) -> list[Commitment] | None:
        if self._version is None:
            return None
        found = self._cache.get(self._version(), key)
        return None if found is None else [copied(c) for c in found]

    def _remember(self, key: tuple[Any, ...], version: str | None, items: list[Commitment]) -> None:
        if version is not None:
            self._cache.put(version, key, [copied(c) for c in items])

    def _select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        result = self.store.query(P + query, bindings=bindings)
        assert isinstance(result, SelectResult)
        return result

    # --- vocabularies -----------------------------------------------------------

    def slugs(self, kind: str) -> list[str]:
        """Every id of a kind of resource: actor, area, theme, section, strength, ..."""
        patterns = {
            "actor": "?x a pg:Actor",
            "area": "?x a pg:Area",
            "theme": "?x skos:inScheme pg:ThemeScheme",
            "section": "?x a pg:Section",
            "strength": "?x skos:inScheme pg:StrengthScheme",
            "kind": "?x skos:inScheme pg:KindScheme",
            "status": "?x skos:inScheme pg:StatusScheme",
            "commitment": "?x a pg:Commitment",
            "platform": "?x a pg:Platform",
        }
        rows = self._select(f"SELECT DISTINCT ?x WHERE {{ {patterns[kind]} }}").rows
        return sorted(s for s in (slug_of(r[0]) for r in rows) if s)

    # --- commitments ------------------------------------------------------------

    def commitments(
        self, flt: CommitmentFilter | None = None, sort: str = "position"
    ) -> list[Commitment]:
        flt = flt or CommitmentFilter()
        key = (*flt.key(), sort)
        version = self._version() if self._version is not None else None
        cached = self._cached(key)
        if cached is not None:
            return cached
        items = self._commitments(flt, sort)
        self._remember(key, version, items)
        return items

    def _commitments(self, flt: CommitmentFilter, sort: str) -> list[Commitment]:
        # Two queries: the filters pick commitment IRIs, and the details come from the
        # unfiltered list (one query text, cached per version). A remote server then
        # compiles the long details query once; Virtuoso takes seconds for each new
        # text of it, and every filter value would make a new one.
        every = self._all_commitments()
        chosen = self._chosen(flt)
        items = every if chosen is None else [c for c in every if c.iri in chosen]
        if flt.q:
            words = fold(flt.q).split()
            items = [
                c
                for c in items
                if all(
                    w in fold(" ".join([c.quote, *(t or "" for t in c.title.values())]))
                    for w in words
                )
            ]
        return sort_commitments(items, sort)

    def _chosen(self, flt: CommitmentFilter) -> set[str] | None:
        """The IRIs of the commitments the filters let through; None: no filter.

        One query for the filters with a single value; a filter with several values is
        asked once per value, and its answers joined (any value matches)."""
        single: dict[str, str] = {}
        several: dict[str, tuple[str, ...]] = {}
        for name in _FILTER_PATTERNS:
            found = values_of(getattr(flt, name))
            if len(found) == 1:
                single[name] = found[0]
            elif found:
                several[name] = found
        chosen = self._chosen_single(flt, single, scalars=True)
        for name, options in several.items():
            either: set[str] = set()
            for value in options:
                either |= self._chosen_single(flt, {name: value}, scalars=False) or set()
            chosen = either if chosen is None else chosen & either
        return chosen

    def _pattern(self, name: str, flt: CommitmentFilter) -> str:
        if name not in _PARTS:
            return _FILTER_PATTERNS[name]
        node, path = _PARTS[name]
        x = node if flt.parts else f"?{name}"
        tail = f" {node} {path} ?{name} ." if flt.parts else ""
        inherited = _INHERITED[name].format(x=x) if flt.inherited else ""
        return _FILTER_PATTERNS[name].format(x=x, inherited=inherited, tail=tail)

    def _chosen_single(
        self, flt: CommitmentFilter, values: dict[str, str], *, scalars: bool
    ) -> set[str] | None:
        bindings: dict[str, Term] = {}
        clauses: list[str] = []
        for name, value in values.items():
            kind = "document" if name == "platform" else name  # a platform is its document
            bindings[name] = URIRef(ID[f"{kind}/{value}"])
            # A join, not FILTER EXISTS: Virtuoso finds nothing for a property path
            # inside FILTER EXISTS.
            clauses.append(self._pattern(name, flt))
        if scalars:
            self._scalar_clauses(flt, bindings, clauses)
        if not clauses:
            return None
        query = f"SELECT DISTINCT ?c WHERE {{ ?c a pg:Commitment . {' '.join(clauses)} }}"
        return {str(row[0]) for row in self._select(query, bindings).rows}

    @staticmethod
    def _scalar_clauses(
        flt: CommitmentFilter, bindings: dict[str, Term], clauses: list[str]
    ) -> None:
        testable = {flt.testable, flt.pledge} - {None}
        if len(testable) > 1:
            clauses.append("FILTER (false)")  # testable=true&pledge=false: nothing
        elif testable:
            bindings["testable_f"] = Literal(testable.pop())
            clauses.append("?c pg:testable ?testable_f .")
        if flt.has_deadline is True or flt.deadline_before is not None:
            clauses.append("?c pg:deadline ?deadline_f .")
        elif flt.has_deadline is False:
            clauses.append("FILTER NOT EXISTS { ?c pg:deadline ?deadline_f }")
        if flt.deadline_before is not None:
            # A deadline year means the end of that year ("senast år 2027"); a year asked
            # for means its first day: compare as dates.
            before = flt.deadline_before
            bindings["before_f"] = Literal(before + "-01-01" if len(before) == 4 else before)
            clauses.append(
                "FILTER (IF(STRLEN(STR(?deadline_f)) = 4, "
                'CONCAT(STR(?deadline_f), "-12-31"), STR(?deadline_f)) < ?before_f)'
            )

    def every_commitment(self) -> list[Commitment]:
        """Every commitment with its details and links (what every list is made from)."""
        return self._all_commitments()

    def keep_every_commitment(self, items: list[Commitment]) -> None:
        """Take ``items`` as every commitment for the current version (read from the file
        written for this very state of the store, ``read.model_file``)."""
        if self._version is None:
            return
        version = self._version()
        self._cache.get(version, ("all-commitments",))  # the cache takes this version
        self._remember(("all-commitments",), version, items)

    def _all_commitments(self) -> list[Commitment]:
        """Every commitment, built once per version however many readers ask.

        The build runs in a thread of its own, outside any reader's time limit (each of
        its queries still under the pool's): at millions of triples it can take longer
        than one request may wait (five million on snapshots ran past 30 s, request after
        request, each starting over). A reader waits for it until its own time limit,
        then gets ``StoreTimeout`` (a 503) while the build goes on and is kept for the
        next reader."""
        key = ("all-commitments",)
        cached = self._cached(key)
        if cached is not None:
            return cached
        if self._version is None:
            return self._build_all(None)
        version = self._version()
        with self._building_lock:
            running = self._building.get(version)
            if running is None:
                running = self._building[version] = Future()
                threading.Thread(
                    target=self._build_into, args=(running, version), daemon=True
                ).start()
        deadline = current().deadline
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            items = running.result(timeout=wait)
        except FutureTimeout as exc:
            raise StoreTimeout(
                "the list of every commitment is still being built (it is kept once built): "
                "ask again in a while"
            ) from exc
        return [copied(c) for c in items]

    def _build_into(self, running: Future[list[Commitment]], version: str) -> None:
        try:
            items = self._build_all(version)
        except BaseException as exc:  # the readers waiting get it; the next one builds anew
            self._done_building(version, running)
            running.set_exception(exc)
            return
        self._done_building(version, running)
        running.set_result(items)

    def _done_building(self, version: str, running: Future[list[Commitment]]) -> None:
        # Before the readers are woken: one that asks again must not find this build.
        with self._building_lock:
            if self._building.get(version) is running:
                del self._building[version]

    def _build_all(self, version: str | None) -> list[Commitment]:
        key = ("all-commitments",)
        query = """
SELECT ?c ?title_sv ?title_en ?quote ?start ?end ?section ?spos ?strength ?kind ?change
       ?testable ?deadline ?period ?amount ?status ?platform
WHERE {
  ?c a pg:Commitment ; pg:inSection ?section ; pg:strength ?strength ; pg:kind ?kind ;
     prov:wasDerivedFrom ?platform ;
     pg:changeType ?change ; pg:testable ?testable ; pg:status ?status ;
     oa:hasSelector/oa:start ?start ; oa:hasSelector/oa:end ?end ;
     oa:hasSelector/oa:exact ?quote .
  ?section pg:position ?spos .
  OPTIONAL { ?c dcterms:title ?title_sv FILTER (lang(?title_sv) = "sv") }
  OPTIONAL { ?c dcterms:title ?title_en FILTER (lang(?title_en) = "en") }
  OPTIONAL { ?c pg:deadline ?deadline }
  OPTIONAL { ?c pg:period ?period }
  OPTIONAL { ?c pg:amountSEK ?amount }
}"""
        found: dict[str, Commitment] = {}
        for row in self._select(query).dicts():
            c = self._commitment(row)
            found.setdefault(c.iri, c)
        items = list(found.values())
        self._attach_links(items)
        self._remember(key, version, items)
        return items

    def commitment(self, slug: str) -> Commitment:
        if not LOCAL_NAME.match(slug):
            raise UnknownResource("commitment", slug)
        for c in self.commitments(CommitmentFilter()):
            if c.id == slug:
                return c
        raise UnknownResource("commitment", slug)

    @staticmethod
    def _commitment(row: Mapping[str, Term]) -> Commitment:
        amount = row.get("amount")
        return Commitment(
            id=slug_of(row["c"]) or "",
            iri=str(row["c"]),
            title={"sv": _str(row.get("title_sv")), "en": _str(row.get("title_en"))},
            quote=str(row["quote"]),
            span={"start": int(str(row["start"])), "end": int(str(row["end"]))},
            section=slug_of(row["section"]) or "",
            position=int(str(row["spos"])) * 100_000 + int(str(row["start"])),
            strength=slug_of(row["strength"]) or "",
            kind=slug_of(row["kind"]) or "",
            change=slug_of(row["change"]) or "",
            testable=str(row["testable"]) in ("true", "1"),
            deadline=_str(row.get("deadline")),
            period=_str(row.get("period")),
            amount_sek=None if amount is None else float(str(amount)),
            status=slug_of(row["status"]) or "",
            platform=slug_of(row["platform"]) or "",
        )

    def _attach_links(self, items: list[Commitment]) -> None:
        if not items:
            return
        by_iri = {c.iri: c for c in items}
        themes = self._select("SELECT ?c ?t WHERE { ?c a pg:Commitment ; pg:theme ?t }")
        for c_iri, t in themes.rows:
            if (c := by_iri.get(str(c_iri))) is not None:
                c.themes.append(slug_of(t) or "")
        actors = self._select(
            "SELECT ?c ?p ?a WHERE { ?c a pg:Commitment ; ?p ?a . "
            "?p rdfs:subPropertyOf pg:namesActor }"
        )
        for c_iri, p, a in actors.rows:
            if (c := by_iri.get(str(c_iri))) is not None and str(p) in ROLE_BY_PROPERTY:
                c.actors.append({"id": slug_of(a) or "", "role": ROLE_BY_PROPERTY[str(p)]})
        # The areas it names, and what it refers back to and inherits: one query.
        attrs = {
            str(PG.concernsArea): "areas",
            str(PG.inheritedArea): "inherited_areas",
            str(PG.inheritedActor): "inherited_actors",
            str(PG.refersTo): "refers_to",
        }
        linked = self._select(
            "SELECT ?c ?p ?a WHERE { ?c a pg:Commitment ; ?p ?a . VALUES ?p { "
            "pg:concernsArea pg:inheritedArea pg:inheritedActor pg:refersTo } }"
        )
        for c_iri, p, a in linked.rows:
            if (c := by_iri.get(str(c_iri))) is not None and str(p) in attrs:
                getattr(c, attrs[str(p)]).append(slug_of(a) or "")
        role_order = {"responsible": 0, "partner": 1, "affected": 2}
        for c in items:
            c.themes.sort()
            c.areas.sort()
            c.inherited_areas.sort()
            c.inherited_actors.sort()
            c.refers_to.sort()
            c.actors.sort(key=lambda x: (role_order[x["role"]], x["id"]))

    def assessments(
        self, slug: str, *, limit: int | None = None, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """A commitment's assessments, newest first (a page of them), and how many it has."""
        commitment = {"c": URIRef(ID[f"commitment/{slug}"])}
        counted = self._select("SELECT (COUNT(?a) AS ?n) WHERE { ?a pg:assesses ?c }", commitment)
        total = int(str(counted.rows[0][0])) if counted.rows and counted.rows[0][0] else 0
        page = f" LIMIT {int(limit)}" if limit is not None else ""
        page += f" OFFSET {int(offset)}" if offset else ""
        rows = self._select(
            # The note in Swedish (or, in older data, without a language) and in English.
            """SELECT ?a ?status ?date ?assessor ?name ?note ?note_en ?reason
                   (GROUP_CONCAT(STR(?ev); SEPARATOR="\\n") AS ?evidence)
            WHERE { ?a pg:assesses ?c ; pg:status ?status ; dcterms:date ?date ;
                       prov:wasAttributedTo ?assessor .
                    OPTIONAL { ?assessor rdfs:label ?name }
                    OPTIONAL { ?a rdfs:comment ?note
                               FILTER (LANG(?note) = "" || LANGMATCHES(LANG(?note), "sv")) }
                    OPTIONAL { ?a rdfs:comment ?note_en FILTER (LANGMATCHES(LANG(?note_en), "en")) }
                    OPTIONAL { ?a pg:dateReason ?reason }
                    OPTIONAL { ?a pg:evidence ?ev } }
            GROUP BY ?a ?status ?date ?assessor ?name ?note ?note_en ?reason
            ORDER BY DESC(?date) DESC(?a)"""
            + page,
            commitment,
        )
        items = [
            {
                "id": slug_of(r["a"]),
                "iri": str(r["a"]),
                "status": slug_of(r["status"]),
                "date": str(r["date"]),
                "assessor": _str(r.get("name")) or str(r["assessor"]),
                "assessor_iri": str(r["assessor"]),
                "evidence": [e for e in str(r.get("evidence", "")).split("\n") if e],
                "note": _note(r.get("note"), r.get("note_en")),
                "date_reason": _str(r.get("reason")),
            }
            for r in rows.dicts()
        ]
        return items, total

    # --- actors, areas, themes, sections --------------------------------------------

    def resources(self, kind: str, platform: str | None = None) -> list[dict[str, Any]]:
        """A list of actors, areas, themes or sections, with their commitment counts (of
        one platform's commitments with ``platform``; its own sections only): sections in
        the platform's order, the others by their Swedish label in Swedish alphabetical
        order (Ä after Z, not with A)."""
        counts = self.counts(kind, platform)
        out = []
        for row in self._resource_rows(kind, None, platform):
            item = self._resource_summary(kind, row)
            item.update(counts.get(item["id"], _zero_counts(kind)))
            out.append(item)
        if kind != "section":
            out.sort(key=lambda i: (label_key(i["label"]["sv"]), i["id"]))
        return out

    def _ancestors(self, kind: str) -> dict[str, set[str]]:
        path = {"actor": "org:subOrganizationOf", "area": "geo:sfWithin", "theme": "skos:broader"}
        if kind not in path:
            return {}
        # The direct links, closed here: a path open at both ends (``?x p+ ?up``) is one
        # Virtuoso refuses ("transitive start not given"), and the hierarchy is small.
        parents: dict[str, set[str]] = defaultdict(set)
        for x, up in self._select(f"SELECT DISTINCT ?x ?up WHERE {{ ?x {path[kind]} ?up }}").rows:
            parents[slug_of(x) or ""].add(slug_of(up) or "")
        found: dict[str, set[str]] = defaultdict(set)
        for start in parents:
            todo = list(parents[start])
            while todo:
                above = todo.pop()
                if above not in found[start]:
                    found[start].add(above)
                    todo.extend(parents.get(above, ()))
        return found

    def counts(self, kind: str, platform: str | None = None) -> dict[str, dict[str, int]]:
        """For each actor, area, theme or section: the commitments that name it
        (``commitments_count``), that name it or one of its parts
        (``commitments_including_parts``: sub-organisations, places within, narrower
        themes), and, for actors and areas, also those that inherit it from the statement
        they refer back to (``commitments_including_inherited``: what the filter finds)."""
        up = self._ancestors(kind)
        out: dict[str, dict[str, int]] = defaultdict(lambda: _zero_counts(kind))
        for c in self.commitments(CommitmentFilter(platform=platform)):
            direct, inherited = _links_of(c, kind)
            with_parts = set(direct) | {a for d in direct for a in up.get(d, ())}
            for x in set(direct):
                out[x]["commitments_count"] += 1
            for x in with_parts:
                out[x]["commitments_including_parts"] += 1
            if kind in ("actor", "area"):
                every = with_parts | set(inherited)
                every |= {a for d in inherited for a in up.get(d, ())}
                for x in every:
                    out[x]["commitments_including_inherited"] += 1
        return dict(out)

    def resource(self, kind: str, slug: str) -> dict[str, Any]:
        """One resource with the commitments linked to it or to one of its parts."""
        if not LOCAL_NAME.match(slug):
            raise UnknownResource(kind, slug)
        iri = URIRef(ID[f"{kind}/{slug}"])
        rows = self._resource_rows(kind, iri)
        if not rows:
            raise UnknownResource(kind, slug)
        out = self._resource_summary(kind, rows[0])
        flt = CommitmentFilter(inherited=False)
        setattr(flt, kind, slug)
        parts = self._parts(kind, iri)
        out["parts"] = sorted(p for p in parts if p != slug)
        items = self.commitments(flt)
        out["commitments"] = [
            {"id": c.id, "title": c.title, **_role_of(c, parts, kind)} for c in items
        ]
        out.update(self.counts(kind).get(slug, _zero_counts(kind)))
        return out

    def _parts(self, kind: str, iri: URIRef) -> set[str]:
        """The slugs of a resource and everything within it."""
        path = {
            "actor": "org:subOrganizationOf*",
            "area": "geo:sfWithin*",
            "theme": "skos:broader*",
            "section": "^pg:inSection/pg:inSection",
        }[kind]
        rows = self._select(f"SELECT DISTINCT ?part WHERE {{ ?part {path} ?x }}", {"x": iri}).rows
        return {slug_of(r[0]) or "" for r in rows} | {str(iri).rsplit("/", 1)[-1]}

    def _resource_rows(
        self, kind: str, iri: URIRef | None, platform: str | None = None
    ) -> list[dict[str, Term]]:
        member = {
            "actor": "?x a pg:Actor . OPTIONAL { ?x a ?type . ?type rdfs:subClassOf pg:Actor }"
            " OPTIONAL { ?x org:subOrganizationOf ?parent }",
            "area": "?x a pg:Area . OPTIONAL { ?x a ?type . ?type rdfs:subClassOf pg:Area }"
            " OPTIONAL { ?x geo:sfWithin ?parent }",
            "theme": "?x skos:inScheme pg:ThemeScheme . OPTIONAL { ?x skos:broader ?parent }",
            "section": "?x a pg:Section ; pg:position ?order .",
        }[kind]
        label = "dcterms:title" if kind == "section" else "skos:prefLabel"
        bindings: dict[str, Term] = {"x": iri} if iri is not None else {}
        within = ""
        if platform is not None:
            bindings["pf"] = URIRef(ID[f"document/{platform}"])
            within = "?c prov:wasDerivedFrom ?pf ."
            if kind == "section":
                member += " ?x dcterms:isPartOf ?pf ."
        link = {
            "actor": "?c ?role ?x . ?role rdfs:subPropertyOf pg:namesActor .",
            "area": "?c pg:concernsArea ?x .",
            "theme": "?c pg:theme ?x .",
            "section": "?c pg:inSection ?x .",
        }[kind]
        query = f"""
SELECT ?x (SAMPLE(?type) AS ?t) (SAMPLE(?parent) AS ?up) (SAMPLE(?order) AS ?pos)
       (SAMPLE(?sv) AS ?label_sv) (SAMPLE(?en) AS ?label_en) (COUNT(DISTINCT ?c) AS ?n)
WHERE {{
  {member}
  OPTIONAL {{ ?x {label} ?sv FILTER (lang(?sv) = "sv") }}
  OPTIONAL {{ ?x {label} ?en FILTER (lang(?en) = "en") }}
  OPTIONAL {{ ?c a pg:Commitment . {link} {within} }}
}} GROUP BY ?x ORDER BY ?pos ?x"""
        return list(self._select(query, bindings).dicts())

    @staticmethod
    def _resource_summary(kind: str, row: Mapping[str, Term]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": slug_of(row["x"]),
            "iri": str(row["x"]),
            "label": {"sv": _str(row.get("label_sv")), "en": _str(row.get("label_en"))},
            "commitments_count": int(str(row["n"])),
        }
        if kind in ("actor", "area"):
            out["type"] = str(row["t"]).rsplit("#", 1)[-1] if row.get("t") else None
        if kind in ("actor", "area", "theme"):
            parent = row.get("up")
            out["part_of"] = slug_of(parent) if parent is not None else None
        if kind == "section":
            out["position"] = int(str(row["pos"]))
        return out

    # --- every statement ---------------------------------------------------------

    def statements(self) -> list[dict[str, Any]]:
        """Every statement, commitment or context, in the order of the text: what the
        workbench lists for follow-up and corrections."""
        rows = self._select(
            """SELECT ?s ?type ?title_sv ?title_en ?section ?spos ?start ?status ?quote
            WHERE { ?s a pg:Statement ; a ?type ; pg:inSection ?section ;
                       oa:hasSelector/oa:start ?start ; oa:hasSelector/oa:exact ?quote .
                    FILTER (?type IN (pg:Commitment, pg:ContextStatement))
                    ?section pg:position ?spos .
                    OPTIONAL { ?s dcterms:title ?title_sv FILTER (lang(?title_sv) = "sv") }
                    OPTIONAL { ?s dcterms:title ?title_en FILTER (lang(?title_en) = "en") }
                    OPTIONAL { ?s pg:status ?status } }"""
        )
        out = [
            {
                "id": slug_of(r["s"]) or "",
                "iri": str(r["s"]),
                "kind": "commitment" if r["type"] == PG.Commitment else "context",
                "title": {"sv": _str(r.get("title_sv")), "en": _str(r.get("title_en"))},
                "section": slug_of(r["section"]) or "",
                "position": int(str(r["spos"])) * 100_000 + int(str(r["start"])),
                "status": slug_of(r.get("status")),
                "quote": str(r["quote"]),
            }
            for r in rows.dicts()
        ]
        out.sort(key=lambda x: (x["position"], x["id"]))
        return out

    # --- platforms ---------------------------------------------------------------

    def platforms(self) -> list[dict[str, Any]]:
        """Every platform the graph holds: title, term, municipality, kind, parties and
        counts; the first platform (Örebro 2022–2026) first, then by term and slug."""
        rows = self._select(
            """
SELECT ?p (SAMPLE(?sv) AS ?title_sv) (SAMPLE(?en) AS ?title_en) (SAMPLE(?begin) AS ?b)
       (SAMPLE(?finish) AS ?e) (SAMPLE(?place) AS ?where) (SAMPLE(?place_sv) AS ?where_sv)
       (SAMPLE(?pkind) AS ?k) (SAMPLE(?code) AS ?mcode) (SAMPLE(?coal) AS ?coalition)
       (GROUP_CONCAT(DISTINCT STR(?party); SEPARATOR=" ") AS ?parties)
WHERE {
  ?p a pg:Platform ; dcterms:temporal ?term ; dcterms:spatial ?place ; dcterms:creator ?party .
  ?term time:hasBeginning/time:inXSDgYear ?begin ; time:hasEnd/time:inXSDgYear ?finish .
  OPTIONAL { ?p dcterms:title ?sv FILTER (lang(?sv) = "sv") }
  OPTIONAL { ?p dcterms:title ?en FILTER (lang(?en) = "en") }
  OPTIONAL { ?place skos:prefLabel ?place_sv FILTER (lang(?place_sv) = "sv") }
  OPTIONAL { ?p pg:platformKind ?pkind }
  OPTIONAL { ?p pg:municipalityCode ?code }
  OPTIONAL { ?place pg:municipalityCode ?code }
  OPTIONAL { ?p prov:wasAttributedTo ?coal }
} GROUP BY ?p"""
        ).dicts()
        counts = self._select(
            """
SELECT ?p (COUNT(DISTINCT ?c) AS ?commitments) (COUNT(DISTINCT ?x) AS ?contexts)
WHERE { ?p a pg:Platform .
  OPTIONAL { { ?c a pg:Commitment ; prov:wasDerivedFrom ?p }
             UNION { ?x a pg:ContextStatement ; prov:wasDerivedFrom ?p } } }
GROUP BY ?p"""
        ).dicts()
        by = {str(r["p"]): r for r in counts}
        out: list[dict[str, Any]] = []
        for r in rows:
            slug = slug_of(r["p"]) or ""
            n = by.get(str(r["p"]), {})
            out.append(
                {
                    "id": slug,
                    "iri": str(r["p"]),
                    "title": {"sv": _str(r.get("title_sv")), "en": _str(r.get("title_en"))},
                    "kind": _str(r.get("k")) or "coalition-platform",
                    "term": {"start": int(str(r["b"])), "end": int(str(r["e"]))},
                    "municipality": {
                        "area": slug_of(r["where"]),
                        "label": _str(r.get("where_sv")),
                        "code": _str(r.get("mcode")),
                    },
                    "coalition": slug_of(r.get("coalition")),
                    "parties": sorted(slug_of(p) or "" for p in str(r["parties"]).split()),
                    "commitments": int(str(n.get("commitments", 0))),
                    "context_statements": int(str(n.get("contexts", 0))),
                }
            )
        first = "orebro-2022-2026"
        return sorted(out, key=lambda p: (p["id"] != first, p["term"]["start"], p["id"]))

    def platform(self, slug: str) -> dict[str, Any]:
        for p in self.platforms():
            if p["id"] == slug:
                sections = self.resources("section", slug)
                return {**p, "sections": [s["id"] for s in sections]}
        raise UnknownResource("platform", slug)

    # --- counts ------------------------------------------------------------------

    def stats(self, platform: str | None = None) -> dict[str, Any]:
        """Counts of all the commitments, or of one platform's."""
        items = self.commitments(CommitmentFilter(platform=platform))
        by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for c in items:
            by["strength"][c.strength] += 1
            by["kind"][c.kind] += 1
            by["status"][c.status] += 1
            by["section"][c.section] += 1
            by["testable"]["true" if c.testable else "false"] += 1
            for t in c.themes:
                by["theme"][t] += 1
            for a in {a["id"] for a in c.actors}:
                by["actor"][a] += 1
            for ar in c.areas:
                by["area"][ar] += 1
        including_parts = {
            k: {
                x: n["commitments_including_parts"]
                for x, n in sorted(
                    self.counts(k, platform).items(),
                    key=lambda kv: (-kv[1]["commitments_including_parts"], kv[0]),
                )
                if n["commitments_including_parts"]
            }
            for k in ("actor", "area", "theme")
        }
        of: dict[str, Term] = {}
        context_of = sentence_of = ""
        if platform is not None:
            of = {"pf": URIRef(ID[f"document/{platform}"])}
            context_of = "?s prov:wasDerivedFrom ?pf ."
            sentence_of = "?s pg:inSection/dcterms:isPartOf ?pf ."
        contexts = self._select(
            f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a pg:ContextStatement . {context_of} }}", of
        )
        sentences = self._select(
            f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a pg:Sentence . {sentence_of} }}", of
        )
        return {
            "commitments": len(items),
            "context_statements": int(str(contexts.rows[0][0])),
            "sentences": int(str(sentences.rows[0][0])),
            "with_deadline": sum(1 for c in items if c.deadline),
            "by": {
                k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in by.items()
            },
            "by_including_parts": including_parts,
            "counting": {
                "by": "commitments that name the actor, area or theme themselves",
                "by_including_parts": "commitments that name it or one of its parts "
                "(sub-organisations, places within it, narrower themes), as the actor, "
                "area and theme filters count with inherited=false",
            },
        }


def _zero_counts(kind: str) -> dict[str, int]:
    out = {"commitments_count": 0, "commitments_including_parts": 0}
    if kind in ("actor", "area"):
        out["commitments_including_inherited"] = 0
    return out


def _links_of(c: Commitment, kind: str) -> tuple[list[str], list[str]]:
    """The resources of a kind a commitment names itself, and those it inherits."""
    if kind == "actor":
        return [a["id"] for a in c.actors], c.inherited_actors
    if kind == "area":
        return c.areas, c.inherited_areas
    if kind == "theme":
        return c.themes, []
    return [c.section], []


def _role_of(c: Commitment, parts: set[str], kind: str) -> dict[str, Any]:
    if kind != "actor":
        return {}
    return {"roles": sorted({a["role"] for a in c.actors if a["id"] in parts})}


def sort_commitments(items: Iterable[Commitment], sort: str) -> list[Commitment]:
    """Sorted by ``sort`` (``-`` for descending); titles in Swedish alphabetical order
    (å, ä, ö after z); commitments without the value last in either direction, in the
    platform's order."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    strength_order = {"binding": 0, "intent": 1, "process": 2, "aspirational": 3}

    # The order of the text is within a platform: Örebro 2022–2026's first, then the others.
    def at(c: Commitment) -> tuple[bool, str, int]:
        return (c.platform != "orebro-2022-2026", c.platform, c.position)

    value: dict[str, Callable[[Commitment], Any]] = {
        "position": lambda c: at(c),
        "deadline": lambda c: _deadline_key(c.deadline),
        "title": lambda c: swedish_key(c.title.get("sv")),
        "section": lambda c: at(c),
        "strength": lambda c: strength_order.get(c.strength, 9),
        "status": lambda c: c.status or None,
    }
    every = list(items)
    having = [c for c in every if value[key](c) is not None]
    missing = sorted((c for c in every if value[key](c) is None), key=at)
    # Ties keep the platforms' order in both directions.
    having.sort(key=at)
    having.sort(key=value[key], reverse=desc)
    return having + missing


def _deadline_key(deadline: str | None) -> str | None:
    """A deadline year counts as its last day."""
    if not deadline:
        return None
    return deadline + "-12-31" if len(deadline) == 4 else deadline
