"""Source + curated facts -> the platform graph.

Offsets are computed here from the quotes (see ``curation.py``), never typed by hand.
The result is an rdflib ``Dataset`` with one named graph per part: the ontology, the
themes and the data.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS, TIME, XSD
from rdflib.term import Node

from platform_graph.build.curation import (
    Actor,
    Area,
    Curation,
    Source,
    Statement,
    load_curation,
    load_platform_curation,
)
from platform_graph.build.platforms import ORIGINAL, PlatformSpec, discover_platforms
from platform_graph.build.reliability import measured_study
from platform_graph.build.reliability_graph import add_reliability
from platform_graph.build.source import SourceDocument
from platform_graph.config import Paths
from platform_graph.store import nquads
from platform_graph.vocab.namespaces import (
    DATA_GRAPH,
    GEO,
    GRAPH,
    ID,
    OA,
    ONTOLOGY_GRAPH,
    ORG,
    PG,
    PREFIXES,
    THEME,
    THEMES_GRAPH,
    WD,
)
from platform_graph.vocab.scales import ROLE_PROPERTY

__all__ = [
    "DATA_GRAPH",
    "DOCUMENT",
    "ONTOLOGY_GRAPH",
    "PROPOSALS_GRAPH",
    "THEMES_GRAPH",
    "BuildResult",
    "Namer",
    "Paths",
    "PlatformBuild",
    "build",
    "document_iri",
    "load_platforms",
    "statement_triples",
    "theme_slugs",
    "write_outputs",
]

log = logging.getLogger(__name__)

DOC_SLUG = ORIGINAL
DOCUMENT = ID[f"document/{DOC_SLUG}"]
# A draft's proposed statements, built and validated like the rest but never loaded into
# the public store: the review (write.drafts) takes them from here, one by one.
PROPOSALS_GRAPH = URIRef(GRAPH["proposals"])
# Characters of context kept around a quote, as Web Annotation's TextQuoteSelector
# recommends, so a reader can find the quote again even in an edited copy.
CONTEXT_CHARS = 32

Progress = Callable[[str], None]


@dataclass(slots=True)
class PlatformBuild:
    """One platform of the build: what platform.yaml says, its curation and its text."""

    spec: PlatformSpec
    curation: Curation
    source: SourceDocument

    @property
    def namer(self) -> Namer:
        return Namer(self.spec, self.curation)


@dataclass(slots=True)
class BuildResult:
    dataset: Dataset
    curation: Curation
    source: SourceDocument
    platforms: list[PlatformBuild] = field(default_factory=list)

    def nquads(self) -> bytes:
        """The dataset as N-Quads, one named graph per part."""
        return nquads(
            self.dataset.graph(name) for name in (ONTOLOGY_GRAPH, THEMES_GRAPH, DATA_GRAPH)
        )

    def union(self) -> Graph:
        """All named graphs as one graph (what validation and a researcher see)."""
        g = Graph()
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        for name in (ONTOLOGY_GRAPH, THEMES_GRAPH, DATA_GRAPH):
            for triple in self.dataset.graph(name):
                g.add(triple)
        return g

    def proposals(self) -> Graph:
        """The drafts' proposed statements (with what they name), not public."""
        return self.dataset.graph(PROPOSALS_GRAPH)

    def platform(self, slug: str) -> PlatformBuild:
        for p in self.platforms:
            if p.spec.slug == slug:
                return p
        raise KeyError(slug)


def theme_slugs(themes: Graph) -> set[str]:
    prefix = str(THEME)
    return {
        str(s)[len(prefix) :]
        for s in themes.subjects(RDF.type, SKOS.Concept)
        if isinstance(s, URIRef) and str(s).startswith(prefix)
    }


def _iri(kind: str, slug: str) -> URIRef:
    return ID[f"{kind}/{slug}"]


def document_iri(platform: str) -> URIRef:
    return _iri("document", platform)


@dataclass(frozen=True, slots=True)
class Namer:
    """The IRIs of one platform's resources: Örebro 2022–2026's as published, every other
    platform's own ones qualified by its slug (build.platforms); a shared actor or area
    keeps its one IRI in every platform that names it."""

    spec: PlatformSpec
    curation: Curation

    @property
    def document(self) -> URIRef:
        return document_iri(self.spec.slug)

    @property
    def term(self) -> URIRef:
        return _iri("term", self.spec.term_slug)

    def actor(self, slug: str) -> URIRef:
        local = slug in self.curation.local_actors
        return _iri("actor", self.spec.local(slug) if local else slug)

    def area(self, slug: str) -> URIRef:
        local = slug in self.curation.local_areas
        return _iri("area", self.spec.local(slug) if local else slug)

    def section(self, slug: str) -> URIRef:
        return _iri("section", self.spec.local(slug))

    def sentence(self, index: int) -> URIRef:
        if self.spec.original:
            return _iri("sentence", f"{DOC_SLUG}-{index + 1:03d}")
        return _iri("sentence", self.spec.local(f"{index + 1:03d}"))

    def statement(self, st: Statement, *, kind: str | None = None) -> URIRef:
        kind = kind or ("commitment" if st.commitment else "context")
        return _iri(kind, self.spec.local(st.id))


def _add_span(
    g: Graph, node: URIRef, text: str, start: int, end: int, document: URIRef = DOCUMENT
) -> None:
    """Anchor ``node`` in the document with a position and a quote selector."""
    pos = URIRef(f"{node}#position")
    quote = URIRef(f"{node}#quote")
    g.add((node, OA.hasSource, document))
    g.add((node, OA.hasSelector, pos))
    g.add((node, OA.hasSelector, quote))
    g.add((pos, RDF.type, OA.TextPositionSelector))
    g.add((pos, OA.start, Literal(start, datatype=XSD.integer)))
    g.add((pos, OA.end, Literal(end, datatype=XSD.integer)))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(text[start:end])))
    g.add((quote, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS) : start])))
    g.add((quote, OA.suffix, Literal(text[end : end + CONTEXT_CHARS])))


def _add_document(g: Graph, n: Namer, doc: SourceDocument, raw: bytes) -> None:
    spec = n.spec
    document, term = n.document, n.term
    g.add((document, RDF.type, PG.Platform))
    g.add((document, DCTERMS.title, Literal(spec.title_sv, lang="sv")))
    g.add((document, DCTERMS.title, Literal(spec.title_en, lang="en")))
    for party in spec.parties:
        g.add((document, DCTERMS.creator, n.actor(party)))
    if spec.kind == "coalition-platform":
        # A party's programme has no coalition; its "vi" is the party (spec.coalition).
        g.add((document, PG.coalition, n.actor(spec.coalition)))
    g.add((document, PROV.wasAttributedTo, n.actor(spec.coalition)))
    g.add((document, DCTERMS.spatial, n.area(spec.municipality_area)))
    g.add((document, DCTERMS.temporal, term))
    g.add((document, DCTERMS.language, Literal("sv", datatype=XSD.language)))
    g.add((document, PG.fullText, Literal(doc.text)))
    g.add((document, PG.sha256, Literal(hashlib.sha256(raw).hexdigest(), datatype=XSD.hexBinary)))
    if not spec.original:
        g.add((document, PG.platformKind, Literal(spec.kind)))
        if spec.municipality_code is not None:
            g.add((document, PG.municipalityCode, Literal(spec.municipality_code)))
    g.add((term, RDF.type, TIME.Interval))
    g.add(
        (
            term,
            SKOS.prefLabel,
            Literal(f"Mandatperioden {spec.term_start}–{spec.term_end}", lang="sv"),
        )
    )
    g.add(
        (
            term,
            SKOS.prefLabel,
            Literal(f"The term of office {spec.term_start}–{spec.term_end}", lang="en"),
        )
    )
    for edge, year in ((TIME.hasBeginning, spec.term_start), (TIME.hasEnd, spec.term_end)):
        instant = URIRef(f"{term}#{'beginning' if edge == TIME.hasBeginning else 'end'}")
        g.add((term, edge, instant))
        g.add((instant, RDF.type, TIME.Instant))
        g.add((instant, TIME.inXSDgYear, Literal(str(year), datatype=XSD.gYear)))
    for section in doc.sections:
        node = n.section(section.spec.slug)
        g.add((document, DCTERMS.hasPart, node))
        g.add((node, RDF.type, PG.Section))
        g.add((node, DCTERMS.isPartOf, document))
        g.add((node, PG.position, Literal(section.index + 1)))
        g.add((node, DCTERMS.title, Literal(section.spec.label_sv, lang="sv")))
        g.add((node, DCTERMS.title, Literal(section.spec.label_en, lang="en")))
        g.add((node, PG.theme, THEME[section.spec.theme]))
        if section.spec.heading is not None:
            g.add((node, PG.heading, Literal(section.spec.heading)))
        end = section.start + len(doc.text[section.start : section.end].rstrip())
        _add_span(g, node, doc.text, section.start, end, document)
    for sentence in doc.sentences:
        node = n.sentence(sentence.index)
        g.add((node, RDF.type, PG.Sentence))
        g.add((node, PG.position, Literal(sentence.index + 1)))
        g.add((node, PG.inSection, n.section(sentence.section.spec.slug)))
        _add_span(g, node, doc.text, sentence.start, sentence.end, document)


def _labels(g: Graph, node: URIRef, sv: str, en: str, alt: tuple[str, ...]) -> None:
    g.add((node, SKOS.prefLabel, Literal(sv, lang="sv")))
    g.add((node, SKOS.prefLabel, Literal(en, lang="en")))
    for a in alt:
        g.add((node, SKOS.altLabel, Literal(a, lang="sv")))


def _add_actor(g: Graph, a: Actor, n: Namer) -> None:
    node = n.actor(a.slug)
    g.add((node, RDF.type, PG[a.type]))
    g.add((node, RDF.type, PG.Actor))
    _labels(g, node, a.label_sv, a.label_en, a.alt)
    if a.part_of:
        g.add((node, ORG.subOrganizationOf, n.actor(a.part_of)))
    for member in a.members:
        g.add((node, ORG.hasMember, n.actor(member)))
    if a.wikidata:
        g.add((node, OWL.sameAs, WD[a.wikidata]))
    if a.municipality_code:
        g.add((node, PG.municipalityCode, Literal(a.municipality_code)))
    if a.jurisdiction:
        g.add((node, PG.jurisdiction, n.area(a.jurisdiction)))
    facts: dict[str, list[tuple[URIRef, URIRef, Node]]] = {
        "type": [(node, RDF.type, PG[a.type])],
        "part_of": [(node, ORG.subOrganizationOf, n.actor(a.part_of))] if a.part_of else [],
        "members": [(node, ORG.hasMember, n.actor(m)) for m in a.members],
        "wikidata": [(node, OWL.sameAs, WD[a.wikidata])] if a.wikidata else [],
        "municipality_code": [(node, PG.municipalityCode, Literal(a.municipality_code))]
        if a.municipality_code
        else [],
        "jurisdiction": [(node, PG.jurisdiction, n.area(a.jurisdiction))] if a.jurisdiction else [],
    }
    _add_sources(g, node, a.sources, facts)


def _add_area(g: Graph, a: Area, n: Namer) -> None:
    node = n.area(a.slug)
    g.add((node, RDF.type, PG[a.type]))
    g.add((node, RDF.type, PG.Area))
    _labels(g, node, a.label_sv, a.label_en, a.alt)
    if a.part_of:
        g.add((node, GEO.sfWithin, n.area(a.part_of)))
    geometry = URIRef(f"{node}#geometry")
    # WKT in the default CRS84 is longitude first.
    wkt = Literal(f"POINT({a.lon} {a.lat})", datatype=GEO.wktLiteral)
    if a.lat and a.lon:
        g.add((node, GEO.hasGeometry, geometry))
        g.add((geometry, RDF.type, GEO.Geometry))
        g.add((geometry, GEO.asWKT, wkt))
    for prop, value in (
        (PG.municipalityCode, a.municipality_code),
        (PG.countyCode, a.county_code),
        (PG.icaoCode, a.icao),
        (PG.iataCode, a.iata),
    ):
        if value:
            g.add((node, prop, Literal(value)))
    if a.police_classification:
        g.add((node, PG.policeClassification, Literal(a.police_classification, lang="sv")))
    facts: dict[str, list[tuple[URIRef, URIRef, Node]]] = {
        "type": [(node, RDF.type, PG[a.type])],
        "part_of": [(node, GEO.sfWithin, n.area(a.part_of))] if a.part_of else [],
        "coordinates": [(geometry, GEO.asWKT, wkt)] if a.lat and a.lon else [],
        "police_classification": [
            (node, PG.policeClassification, Literal(a.police_classification, lang="sv"))
        ]
        if a.police_classification
        else [],
    }
    for fact, prop, value in (
        ("municipality_code", PG.municipalityCode, a.municipality_code),
        ("county_code", PG.countyCode, a.county_code),
        ("icao", PG.icaoCode, a.icao),
        ("iata", PG.iataCode, a.iata),
    ):
        facts[fact] = [(node, prop, Literal(value))] if value else []
    _add_sources(g, node, a.sources, facts)


def _add_sources(
    g: Graph,
    node: URIRef,
    sources: tuple[Source, ...],
    facts: dict[str, list[tuple[URIRef, URIRef, Node]]],
) -> None:
    """Each sourced fact as a reified statement with dcterms:source and dcterms:date.

    ``<node#source-N>`` (``-M`` after it when the fact is several triples) is a
    pg:SourcedFact: rdf:subject, rdf:predicate and rdf:object say which triple of the graph
    it is, dcterms:source the public document it comes from, dcterms:date that document's
    date. A fact with no such node comes from the platform's text.
    """
    for i, src in enumerate(sources, start=1):
        triples = facts[src.fact]
        for j, (s, p, o) in enumerate(triples, start=1):
            fact = URIRef(f"{node}#source-{i}" + (f"-{j}" if len(triples) > 1 else ""))
            g.add((fact, RDF.type, PG.SourcedFact))
            g.add((fact, RDF.subject, s))
            g.add((fact, RDF.predicate, p))
            g.add((fact, RDF.object, o))
            g.add((fact, DCTERMS.source, URIRef(src.url)))
            dtype = XSD.gYear if len(src.date) == 4 else XSD.date
            g.add((fact, DCTERMS.date, Literal(src.date, datatype=dtype)))


def _iri_of(by_id: dict[str, Statement], sid: str) -> URIRef:
    return statement_iri(by_id[sid])


def statement_iri(st: Statement) -> URIRef:
    """An Örebro 2022–2026 statement's IRI (another platform's: ``Namer.statement``)."""
    return _iri("commitment" if st.commitment else "context", st.id)


def _inherited(st: Statement, by_id: dict[str, Statement]) -> tuple[list[str], list[str]]:
    """The areas and actors a statement takes over from the statements it refers back to.

    Followed transitively (a reference to a statement that itself refers back brings that
    one's too); what the statement names itself is not inherited again.
    """
    areas: list[str] = []
    actors: list[str] = []
    seen: set[str] = {st.id}
    todo = list(st.refers_to)
    while todo:
        target = by_id[todo.pop(0)]
        if target.id in seen:
            continue
        seen.add(target.id)
        areas += [a for a in target.areas if a not in areas]
        actors += [a for slugs in target.actors.values() for a in slugs if a not in actors]
        todo += target.refers_to
    named = {a for slugs in st.actors.values() for a in slugs}
    return [a for a in areas if a not in st.areas], [a for a in actors if a not in named]


def _add_references(g: Graph, st: Statement, by_id: dict[str, Statement], n: Namer) -> None:
    node = n.statement(st)
    for target in st.refers_to:
        g.add((node, PG.refersTo, n.statement(by_id[target])))
    areas, actors = _inherited(st, by_id)
    for slug in areas:
        g.add((node, PG.inheritedArea, n.area(slug)))
    for slug in actors:
        g.add((node, PG.inheritedActor, n.actor(slug)))
    if st.formerly:
        # Published before as the other kind: the old IRI stays resolvable.
        old = n.statement(st, kind=st.formerly)
        g.add((old, DCTERMS.isReplacedBy, node))
        g.add((node, DCTERMS.replaces, old))


def _add_statement(g: Graph, st: Statement, doc: SourceDocument, n: Namer) -> None:
    node = n.statement(st)
    g.add((node, RDF.type, PG.Statement))
    g.add((node, RDF.type, PG.Commitment if st.commitment else PG.ContextStatement))
    g.add((node, PG.inSection, n.section(st.section)))
    g.add((node, PG.inSentence, n.sentence(st.sentence)))
    g.add((node, PROV.wasDerivedFrom, n.document))
    _add_span(g, node, doc.text, st.start, st.end, n.document)
    if st.title_sv:
        g.add((node, DCTERMS.title, Literal(st.title_sv, lang="sv")))
    if st.title_en:
        g.add((node, DCTERMS.title, Literal(st.title_en, lang="en")))
    for t in st.themes:
        g.add((node, PG.theme, THEME[t]))
    for role, slugs in st.actors.items():
        for slug in slugs:
            g.add((node, ROLE_PROPERTY[role], n.actor(slug)))
    for slug in st.areas:
        g.add((node, PG.concernsArea, n.area(slug)))
    if st.note:
        g.add((node, SKOS.editorialNote, Literal(st.note, lang="en")))
    if not st.commitment:
        return
    g.add((node, PROV.wasAttributedTo, n.actor(n.spec.coalition)))
    g.add((node, PG.strength, ID[f"strength/{st.strength}"]))
    g.add((node, PG.kind, ID[f"kind/{st.kind}"]))
    g.add((node, PG.changeType, ID[f"change-type/{st.change}"]))
    g.add((node, PG.testable, Literal(bool(st.testable))))
    if st.testable:
        # Derived, not curated: a pledge in the research sense is a testable commitment.
        g.add((node, RDF.type, PG.Pledge))
    g.add((node, PG.status, ID["status/not-yet-rated"]))
    if st.cue:
        g.add((node, PG.strengthCue, Literal(st.cue)))
    if st.deadline:
        dtype = XSD.gYear if len(st.deadline) == 4 else XSD.date
        g.add((node, PG.deadline, Literal(st.deadline, datatype=dtype)))
    if st.period:
        g.add((node, PG.period, Literal(st.period, datatype=XSD.duration)))
    if st.amount_sek is not None:
        g.add((node, PG.amountSEK, Literal(Decimal(st.amount_sek))))


def statement_triples(
    st: Statement, platform: PlatformBuild, by_id: dict[str, Statement] | None = None
) -> Graph:
    """A statement's triples as the build makes them (for the review: accepting a
    proposal adds exactly what a build of it would), with the records of the platform's
    own actors and areas it names."""
    g = Graph()
    n = platform.namer
    by_id = by_id or {s.id: s for s in platform.curation.statements}
    _add_statement(g, st, platform.source, n)
    _add_references(g, st, by_id, n)
    cur = platform.curation
    for slug in {a for slugs in st.actors.values() for a in slugs} & cur.local_actors:
        _add_actor(g, cur.actors[slug], n)
    for slug in set(st.areas) & cur.local_areas:
        _add_area(g, cur.areas[slug], n)
    return g


def load_platforms(paths: Paths, themes: set[str] | None = None) -> list[PlatformBuild]:
    """Every platform's curation and text (no graph): what the review reads its drafts from."""
    if themes is None:
        g = Graph()
        g.parse(paths.themes, format="turtle")
        themes = theme_slugs(g)
    specs = discover_platforms(paths.data, paths.extra_platforms)
    cur, doc = load_curation(paths.data, theme_slugs=themes)
    out = [PlatformBuild(specs[0], cur, doc)]
    for spec in specs[1:]:
        pcur, pdoc = load_platform_curation(spec.folder, spec.source, cur.actors, cur.areas, themes)
        out.append(PlatformBuild(spec, pcur, pdoc))
    return out


def build(paths: Paths, progress: Progress | None = None) -> BuildResult:
    """Read the ontology, themes and every platform's curation; return the dataset."""

    def step(msg: str) -> None:
        log.info(msg)
        if progress is not None:
            progress(msg)

    ds = Dataset()
    for prefix, iri in PREFIXES.items():
        ds.bind(prefix, iri)
    step("reading the ontology and themes")
    ontology = ds.graph(ONTOLOGY_GRAPH)
    ontology.parse(paths.ontology, format="turtle")
    themes = ds.graph(THEMES_GRAPH)
    themes.parse(paths.themes, format="turtle")
    step("locating sections, sentences and quotes in the source")
    platforms = load_platforms(paths, theme_slugs(themes))
    data = ds.graph(DATA_GRAPH)
    proposals = ds.graph(PROPOSALS_GRAPH)
    for p in platforms:
        n, cur, doc = p.namer, p.curation, p.source
        raw = p.spec.source_path.read_bytes()
        _add_document(data, n, doc, raw)
        actors = cur.actors if p.spec.original else {s: cur.actors[s] for s in cur.local_actors}
        areas = cur.areas if p.spec.original else {s: cur.areas[s] for s in cur.local_areas}
        public = [st for st in cur.statements if st.status != "proposed"]
        step(
            f"{p.spec.slug}: adding {len(actors)} actors, {len(areas)} areas and "
            f"{len(public)} statements ({len(cur.statements) - len(public)} proposed, kept apart)"
        )
        for actor in actors.values():
            _add_actor(data, actor, n)
        for area in areas.values():
            _add_area(data, area, n)
        by_id = {st.id: st for st in cur.statements}
        for st in cur.statements:
            target = proposals if st.status == "proposed" else data
            _add_statement(target, st, doc, n)
            _add_references(target, st, by_id, n)
        reliability = paths.data / "reliability"
        if p.spec.original and (reliability / "study.yaml").exists():
            # The reliability study is of the Örebro 2022–2026 coding (codebook).
            step("measuring the coding's reliability")
            study, whole, blind = measured_study(reliability)
            add_reliability(data, study, whole, blind, partial(_iri_of, dict(by_id)), DOCUMENT)
    if any(isinstance(t, BNode) for triple in data for t in triple):
        raise AssertionError("the data graph must not contain blank nodes")
    first = platforms[0]
    return BuildResult(ds, first.curation, first.source, platforms)


def write_outputs(
    result: BuildResult, out_dir: Path, progress: Progress | None = None
) -> list[Path]:
    """Write the graph as Turtle (one graph) and N-Quads (one named graph per part), and
    the drafts' proposals apart (proposals.nq) when there are any."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ttl = out_dir / "platform-graph.ttl"
    nq = out_dir / "platform-graph.nq"
    if progress:
        progress(f"writing {ttl}")
    result.union().serialize(ttl, format="turtle", encoding="utf-8")
    if progress:
        progress(f"writing {nq}")
    nq.write_bytes(result.nquads())
    written = [ttl, nq]
    proposals = out_dir / "proposals.nq"
    if len(result.proposals()):
        proposals.write_bytes(nquads([result.proposals()]))
        written.append(proposals)
    elif proposals.exists():
        proposals.unlink()
    return written
