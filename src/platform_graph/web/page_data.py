"""What the web pages show, read from the store: labels, the text with its statements,
descriptions of any resource, the named queries as ready-to-run SPARQL.

No web framework here: the web layer renders what this module returns. Commitments,
resources and counts come from the :class:`ReadModel`; this module only adds what the
pages need beyond it (the source text, context statements, labels of every node).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rdflib import Literal as RDFLiteral
from rdflib import URIRef

from platform_graph.build.platforms import ORIGINAL
from platform_graph.read.model import (
    Commitment,
    CommitmentFilter,
    ReadModel,
    UnknownResource,
    fold,
)
from platform_graph.read.named_queries import RESOURCE_KINDS, NamedQuery
from platform_graph.store import SelectResult, Term
from platform_graph.vocab.identifiers import LOCAL_NAME, slug_of
from platform_graph.vocab.namespaces import ID, PG, PREFIXES, sparql_prefixes

__all__ = [
    "STATUS_ORDER",
    "ContextStatement",
    "Description",
    "Memo",
    "Pages",
    "Piece",
    "Provenance",
    "SectionText",
    "SourcedFact",
    "Statement",
    "example_query",
    "local_path",
    "paragraphs",
    "prefixed",
]

# The status scale has no notation in the ontology: the order a reader expects.
STATUS_ORDER = (
    "not-yet-rated",
    "in-progress",
    "partially-fulfilled",
    "fulfilled",
    "stalled",
    "not-fulfilled",
)
KIND_ORDER = ("action", "outcome", "process")
# Where a label comes from, best first.
_LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
# A paragraph ends where a line ends a sentence: the source came from a PDF and breaks
# lines inside sentences, with an empty line after each.
_PARAGRAPH_END = re.compile(r"[.!?][ \t]*\n")
_WS = re.compile(r"\s+")


P = sparql_prefixes()


def local_path(iri: str) -> str | None:
    """The path at which this service resolves one of the graph's IRIs, else None."""
    if iri.startswith(str(PG)) or iri == str(PG).rstrip("#"):
        return "/ontology"
    if not iri.startswith(str(ID)) or "#" in iri:
        return None
    return "/id/" + iri[len(str(ID)) :]


def _int(term: Term | None) -> int:
    return int(str(term))


@dataclass(frozen=True, slots=True)
class Statement:
    """A commitment or a context statement, as located in the text."""

    id: str
    iri: str
    kind: Literal["commitment", "context"]
    start: int
    end: int
    section: str
    title: Mapping[str, str | None]
    strength: str | None = None

    @property
    def path(self) -> str:
        return f"/id/{self.kind}/{self.id}"

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass(slots=True)
class ContextStatement:
    id: str
    iri: str
    quote: str
    span: dict[str, int]
    section: str
    sentence: str
    title: dict[str, str | None]
    themes: list[str] = field(default_factory=list)
    actors: list[dict[str, str]] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text in a paragraph: plain words, or the words of one statement."""

    text: str
    statement: Statement | None = None


@dataclass(frozen=True, slots=True)
class SectionText:
    id: str
    iri: str
    position: int
    label: Mapping[str, str | None]
    heading: str | None
    paragraphs: list[list[Piece]]
    start: int = 0
    body: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class Description:
    """Every triple about a resource (and its own #parts), and the links to it."""

    iri: str
    types: list[str]
    outgoing: list[tuple[str, Term]]
    parts: dict[str, list[tuple[str, Term]]]
    incoming: list[tuple[str, str]]


def paragraphs(
    text: str, start: int, end: int, statements: Iterable[Statement]
) -> list[list[Piece]]:
    """The text between start and end as paragraphs of pieces, whitespace collapsed.

    Each statement's words become one piece; no word is added, dropped or changed, only
    runs of whitespace become one space.
    """
    breaks = [m.end() for m in _PARAGRAPH_END.finditer(text, start, end)]
    runs: list[tuple[int, int, Statement | None]] = []
    cursor = start
    for st in sorted(statements, key=lambda s: s.start):
        if st.start < cursor or st.end > end:
            continue  # outside this range, or overlapping one already placed
        runs.append((cursor, st.start, None))
        runs.append((st.start, st.end, st))
        cursor = st.end
    runs.append((cursor, end, None))
    out: list[list[Piece]] = [[]]
    for a, b, run in runs:
        if run is not None:
            out[-1].append(Piece(_WS.sub(" ", text[a:b]), run))
            continue
        cut = a
        for brk in (x for x in breaks if a < x <= b):
            out[-1].append(Piece(_WS.sub(" ", text[cut:brk])))
            out.append([])
            cut = brk
        out[-1].append(Piece(_WS.sub(" ", text[cut:b])))
    result: list[list[Piece]] = []
    for para in out:
        pieces = [p for p in para if p.text]
        if pieces and pieces[0].statement is None:
            pieces[0] = Piece(pieces[0].text.lstrip())
        if pieces and pieces[-1].statement is None:
            pieces[-1] = Piece(pieces[-1].text.rstrip())
        pieces = [p for p in pieces if p.text]
        if pieces:
            result.append(pieces)
    return result


_EXAMPLE = re.compile(r"such as ([A-Za-z0-9_-]+)")
_WHERE = re.compile(r"\bWHERE\s*\{[^\n]*\n", re.IGNORECASE)


def example_query(q: NamedQuery) -> str:
    """The query's text, ready to run by hand: each required parameter bound by VALUES.

    The value is the example the parameter's description gives ("such as vivalla"). A
    parameter with a default is left unbound: the query then uses its default.
    """
    values: list[str] = []
    for p in q.parameters:
        if not p.required:
            continue
        m = _EXAMPLE.search(p.description)
        if m is None:
            continue
        example = m.group(1)
        if p.type in RESOURCE_KINDS:
            term = f"<{ID}{p.type}/{example}>"
        elif p.type in ("integer", "boolean"):
            term = example
        else:
            term = '"' + example.replace("\\", "\\\\").replace('"', '\\"') + '"'
        values.append(f"  VALUES ?{p.name} {{ {term} }}  # change the example to ask again\n")
    if not values:
        return q.text
    m = _WHERE.search(q.text)
    if m is None:
        return q.text
    return q.text[: m.end()] + "".join(values) + q.text[m.end() :]


Memo = Callable[[str, Callable[[], Any]], Any]
"""Keeps what a page reads for the next page: (name, compute) -> the value."""


def _no_memo(name: str, compute: Callable[[], Any]) -> Any:
    return compute()


class Pages:
    """The data behind the web pages.

    ``memo`` may keep whole-graph reads (labels, commitments, context statements, counts,
    the text) between pages; the caller must forget them when the data changes.
    """

    def __init__(
        self, read_model: ReadModel, memo: Memo | None = None, platform: str = ORIGINAL
    ) -> None:
        self.rm = read_model
        self.store = read_model.store
        self.slug = platform
        self.document = URIRef(ID[f"document/{platform}"])
        kept = memo or _no_memo
        # What is kept is kept per platform.
        self.memo: Memo = lambda name, compute: kept(f"{platform}/{name}", compute)

    def commitments(self) -> list[Commitment]:
        """The platform's commitments, in the order of the text (kept by memo)."""
        items: list[Commitment] = self.memo(
            "commitments", lambda: self.rm.commitments(CommitmentFilter(platform=self.slug))
        )
        return items

    def stats(self) -> dict[str, Any]:
        counts: dict[str, Any] = self.memo("stats", lambda: self.rm.stats(self.slug))
        return counts

    def sections(self) -> list[dict[str, Any]]:
        """The platform's sections in the order of the text (kept by memo)."""
        items: list[dict[str, Any]] = self.memo(
            "sections", lambda: self.rm.resources("section", self.slug)
        )
        return items

    def platforms(self) -> list[dict[str, Any]]:
        """Every platform of the graph, for the picker."""
        items: list[dict[str, Any]] = self.memo("platforms", self.rm.platforms)
        return items

    def commitment(self, slug: str) -> Commitment:
        for c in self.commitments():
            if c.id == slug:
                return c
        raise UnknownResource("commitment", slug)

    def _select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        result = self.store.query(P + query, bindings=bindings)
        assert isinstance(result, SelectResult)
        return result

    # --- labels ------------------------------------------------------------------------

    def labels(self) -> dict[str, dict[str, str]]:
        """A label in Swedish and in English for every node that has one."""
        found: dict[str, dict[str, str]] = self.memo("labels", self._labels)
        return found

    def _labels(self) -> dict[str, dict[str, str]]:
        rows = self._select(
            "SELECT ?x ?p ?l WHERE { VALUES ?p { skos:prefLabel dcterms:title rdfs:label } "
            '?x ?p ?l FILTER (lang(?l) IN ("sv", "en")) }'
        ).rows
        best: dict[tuple[str, str], tuple[int, str]] = {}
        for x, p, label in rows:
            if not isinstance(label, RDFLiteral):
                continue
            rank = _LABEL_PROPERTIES.index(str(p))
            key = (str(x), label.language or "")
            if key not in best or (rank, str(label)) < best[key]:
                best[key] = (rank, str(label))
        out: dict[str, dict[str, str]] = {}
        for (iri, lang), (_, text) in best.items():
            out.setdefault(iri, {})[lang] = text
        return out

    # --- the platform ---------------------------------------------------------------------

    def platform(self) -> dict[str, Any]:
        """The document: title, coalition and its parties, term of office."""
        rows = self._select(
            """SELECT ?coalition ?term ?begin ?end
                   (GROUP_CONCAT(DISTINCT STR(?party); SEPARATOR=" ") AS ?parties)
            WHERE { ?doc prov:wasAttributedTo ?coalition ; dcterms:temporal ?term .
                    OPTIONAL { ?doc dcterms:creator ?party }
                    OPTIONAL { ?term time:hasBeginning/time:inXSDgYear ?begin }
                    OPTIONAL { ?term time:hasEnd/time:inXSDgYear ?end } }
            GROUP BY ?coalition ?term ?begin ?end""",
            {"doc": self.document},
        ).dicts()
        row = next(iter(rows))
        return {
            "iri": str(self.document),
            "id": self.slug,
            "coalition": str(row["coalition"]),
            "parties": sorted(str(row.get("parties", "")).split()),
            "term": str(row["term"]),
            "begin": str(row.get("begin", "")),
            "end": str(row.get("end", "")),
        }

    def full_text(self) -> str:
        text: str = self.memo("full_text", self._full_text)
        return text

    def _full_text(self) -> str:
        rows = self._select("SELECT ?t WHERE { ?doc pg:fullText ?t }", {"doc": self.document}).rows
        return str(rows[0][0]) if rows else ""

    # --- statements ---------------------------------------------------------------------

    def context_statements(self) -> list[ContextStatement]:
        items: list[ContextStatement] = self.memo("context_statements", self._context_statements)
        return items

    def _context_statements(self) -> list[ContextStatement]:
        rows = self._select(
            """SELECT ?s ?quote ?start ?end ?section ?sentence ?title_sv ?title_en ?note WHERE {
              ?s a pg:ContextStatement ; pg:inSection ?section ; pg:inSentence ?sentence ;
                 prov:wasDerivedFrom ?doc ;
                 oa:hasSelector/oa:start ?start ; oa:hasSelector/oa:end ?end ;
                 oa:hasSelector/oa:exact ?quote .
              OPTIONAL { ?s dcterms:title ?title_sv FILTER (lang(?title_sv) = "sv") }
              OPTIONAL { ?s dcterms:title ?title_en FILTER (lang(?title_en) = "en") }
              OPTIONAL { ?s skos:editorialNote ?note }
            } ORDER BY ?start""",
            {"doc": self.document},
        ).dicts()
        found: dict[str, ContextStatement] = {}
        for r in rows:
            iri = str(r["s"])
            found.setdefault(
                iri,
                ContextStatement(
                    id=slug_of(r["s"]) or "",
                    iri=iri,
                    quote=str(r["quote"]),
                    span={"start": _int(r["start"]), "end": _int(r["end"])},
                    section=slug_of(r["section"]) or "",
                    sentence=slug_of(r["sentence"]) or "",
                    title={"sv": _opt(r.get("title_sv")), "en": _opt(r.get("title_en"))},
                    note=_opt(r.get("note")),
                ),
            )
        links = self._select(
            """SELECT ?s ?p ?o WHERE { ?s a pg:ContextStatement ; ?p ?o .
               FILTER (?p IN (pg:theme, pg:concernsArea, pg:responsibleActor, pg:partnerActor,
                              pg:affectedActor)) } ORDER BY ?s ?p ?o"""
        ).rows
        for s, p, o in links:
            if (item := found.get(str(s))) is None:
                continue
            name = str(p).rsplit("#", 1)[-1]
            slug = slug_of(o) or ""
            if name == "theme":
                item.themes.append(slug)
            elif name == "concernsArea":
                item.areas.append(slug)
            else:
                item.actors.append({"id": slug, "role": name.removesuffix("Actor")})
        return sorted(found.values(), key=lambda c: c.span["start"])

    def context_statement(self, slug: str) -> ContextStatement:
        if LOCAL_NAME.match(slug):
            for c in self.context_statements():
                if c.id == slug:
                    return c
        raise UnknownResource("context", slug)

    def statements(
        self,
        commitments: Sequence[Commitment] | None = None,
        contexts: Sequence[ContextStatement] | None = None,
    ) -> list[Statement]:
        """Every statement located in the text, in the order of the text."""
        commitments = self.commitments() if commitments is None else commitments
        contexts = self.context_statements() if contexts is None else contexts
        out = [
            Statement(
                c.id,
                c.iri,
                "commitment",
                c.span["start"],
                c.span["end"],
                c.section,
                c.title,
                c.strength,
            )
            for c in commitments
        ] + [
            Statement(x.id, x.iri, "context", x.span["start"], x.span["end"], x.section, x.title)
            for x in contexts
        ]
        return sorted(out, key=lambda s: s.start)

    def sections_text(
        self, statements: Sequence[Statement] | None = None, only: str | None = None
    ) -> list[SectionText]:
        """The whole platform (or one section), section by section, paragraph by paragraph."""
        text = self.full_text()
        statements = self.statements() if statements is None else statements
        rows = self._select(
            """SELECT ?section ?start ?end ?heading WHERE {
              ?section a pg:Section ; oa:hasSelector/oa:start ?start ;
                       oa:hasSelector/oa:end ?end .
              OPTIONAL { ?section pg:heading ?heading } }"""
        ).dicts()
        spans = {
            slug_of(r["section"]) or "": (
                _int(r["start"]),
                _int(r["end"]),
                _opt(r.get("heading")),
            )
            for r in rows
        }
        out: list[SectionText] = []
        for s in self.sections():
            if only is not None and s["id"] != only:
                continue
            start, end, heading = spans[s["id"]]
            body = start + len(heading) if heading else start
            mine = [st for st in statements if body <= st.start and st.end <= end]
            out.append(
                SectionText(
                    id=s["id"],
                    iri=s["iri"],
                    position=s["position"],
                    label=s["label"],
                    heading=heading,
                    paragraphs=paragraphs(text, body, end, mine),
                    start=start,
                    body=body,
                    end=end,
                )
            )
        return out

    def in_context(
        self, iri: str, statements: Sequence[Statement] | None = None
    ) -> tuple[list[Piece], Statement | None, Statement | None]:
        """The paragraph that holds a statement, and the commitments before and after it."""
        statements = self.statements() if statements is None else statements
        here = next((s for s in statements if s.iri == iri), None)
        if here is None:
            return [], None, None
        paragraph: list[Piece] = []
        for section in self.sections_text(statements, only=here.section):
            for para in section.paragraphs:
                if any(p.statement is not None and p.statement.iri == iri for p in para):
                    paragraph = para
        commitments = [s for s in statements if s.kind == "commitment"]
        before = [c for c in commitments if c.start < here.start]
        after = [c for c in commitments if c.start > here.start]
        return paragraph, before[-1] if before else None, after[0] if after else None

    def search(self, q: str) -> tuple[list[Commitment], list[ContextStatement]]:
        """Commitments and context statements whose quote or title has every word of q."""
        words = fold(q).split()
        if not words:
            return [], []
        commitments = self.rm.commitments(CommitmentFilter(q=q))
        contexts = [
            c
            for c in self.context_statements()
            if all(
                w in fold(" ".join([c.quote, *(t or "" for t in c.title.values())])) for w in words
            )
        ]
        return commitments, contexts

    # --- provenance: references back, inherited codes, sourced facts ---------------------

    def provenance(self, iri: str) -> Provenance:
        """What a statement takes from the statements it refers back to, and where from;
        and which statements refer back to it."""
        node = {"s": URIRef(iri)}
        refers = self._select(
            "SELECT DISTINCT ?t WHERE { ?s pg:refersTo ?t } ORDER BY ?t", node
        ).rows
        referred = self._select(
            "SELECT DISTINCT ?r WHERE { ?r pg:refersTo ?s } ORDER BY ?r", node
        ).rows
        # Each inherited code with the statement(s) in the chain of references that name it.
        areas = self._select(
            """SELECT DISTINCT ?x ?src WHERE { ?s pg:inheritedArea ?x .
                 ?s pg:refersTo+ ?src . ?src pg:concernsArea ?x } ORDER BY ?x ?src""",
            node,
        ).rows
        actors = self._select(
            """SELECT DISTINCT ?x ?src WHERE { ?s pg:inheritedActor ?x .
                 ?s pg:refersTo+ ?src . ?src ?role ?x .
                 ?role rdfs:subPropertyOf pg:namesActor } ORDER BY ?x ?src""",
            node,
        ).rows
        return Provenance(
            refers_to=[str(r[0]) for r in refers],
            referred_by=[str(r[0]) for r in referred],
            inherited_areas=_grouped(areas),
            inherited_actors=_grouped(actors),
        )

    def inheriting(self, kind: str, iri: str) -> list[tuple[str, list[str]]]:
        """The statements that inherit an actor or area (by reference), each with the
        statement(s) it comes from, in the order of the text."""
        prop = {"actor": "pg:inheritedActor", "area": "pg:inheritedArea"}[kind]
        named = {
            "actor": "?src ?role ?x . ?role rdfs:subPropertyOf pg:namesActor .",
            "area": "?src pg:concernsArea ?x .",
        }[kind]
        rows = self._select(
            f"""SELECT DISTINCT ?s ?src ?start WHERE {{ ?s {prop} ?x ; pg:refersTo+ ?src .
                 {named} ?s oa:hasSelector/oa:start ?start }} ORDER BY ?start ?s ?src""",
            {"x": URIRef(iri)},
        ).rows
        out: dict[str, list[str]] = {}
        for s, src, _start in rows:
            out.setdefault(str(s), []).append(str(src))
        return list(out.items())

    def sourced_facts(self, iri: str) -> list[SourcedFact]:
        """The facts about a record that come from outside the text, with their source."""
        rows = self._select(
            """SELECT ?p ?o ?source ?date WHERE { ?f a pg:SourcedFact ; rdf:subject ?x ;
                 rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?source ;
                 dcterms:date ?date } ORDER BY ?p ?o ?source""",
            {"x": URIRef(iri)},
        ).rows
        return [
            SourcedFact(str(p), o, str(source), str(date))
            for p, o, source, date in rows
            if p is not None and o is not None
        ]

    # --- scales --------------------------------------------------------------------------

    def scale(self, kind: str) -> list[str]:
        """The slugs of a scale (strength, kind, status) in the scale's order."""
        if kind == "status":
            known = set(self.rm.slugs("status"))
            return [s for s in STATUS_ORDER if s in known] + sorted(known - set(STATUS_ORDER))
        if kind == "kind":
            known = set(self.rm.slugs("kind"))
            return [s for s in KIND_ORDER if s in known] + sorted(known - set(KIND_ORDER))
        scheme = {"strength": "pg:StrengthScheme"}[kind]
        rows = self._select(
            f"SELECT ?x ?n WHERE {{ ?x skos:inScheme {scheme} OPTIONAL {{ ?x skos:notation ?n }} }}"
        ).rows
        ordered = sorted(
            rows, key=lambda r: (int(str(r[1])) if r[1] is not None else 99, str(r[0]))
        )
        return [slug_of(r[0]) or "" for r in ordered]

    # --- any resource ----------------------------------------------------------------------

    def describe(self, iri: str) -> Description:
        node = URIRef(iri)
        out = self._select("SELECT ?p ?o WHERE { ?x ?p ?o } ORDER BY ?p ?o", {"x": node}).rows
        parts: dict[str, list[tuple[str, Term]]] = {}
        for _, o in out:
            if o is not None and str(o).startswith(iri + "#") and str(o) not in parts:
                rows = self._select(
                    "SELECT ?p ?o WHERE { ?x ?p ?o } ORDER BY ?p ?o", {"x": URIRef(str(o))}
                ).rows
                parts[str(o)] = [(str(p), v) for p, v in rows if v is not None]
        incoming = self._select(
            "SELECT DISTINCT ?s ?p WHERE { ?s ?p ?x FILTER (isIRI(?s)) } ORDER BY ?p ?s LIMIT 500",
            {"x": node},
        ).rows
        rdf_type = PREFIXES["rdf"] + "type"
        return Description(
            iri=iri,
            types=sorted(str(o) for p, o in out if str(p) == rdf_type),
            outgoing=[(str(p), o) for p, o in out if o is not None],
            parts=parts,
            incoming=[(str(s), str(p)) for s, p in incoming],
        )


@dataclass(frozen=True, slots=True)
class Provenance:
    """A statement's references back and what it inherits through them: each inherited
    actor or area (IRI) with the statements (IRIs) that name it."""

    refers_to: list[str]
    referred_by: list[str]
    inherited_areas: list[tuple[str, list[str]]]
    inherited_actors: list[tuple[str, list[str]]]


@dataclass(frozen=True, slots=True)
class SourcedFact:
    """A fact from outside the text: the property, its value, the public source and date."""

    predicate: str
    value: Term
    source: str
    date: str


def _grouped(rows: Sequence[Sequence[Term | None]]) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for x, src in rows:
        out.setdefault(str(x), []).append(str(src))
    return list(out.items())


def _opt(term: Term | None) -> str | None:
    return None if term is None else str(term)


def prefixed(iri: str) -> str:
    """A compact name for an IRI, with the project's prefixes: 'pg:strength'."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri
