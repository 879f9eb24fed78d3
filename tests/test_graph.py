"""The built graph: it conforms, it accounts for every sentence, and it quotes exactly."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from platform_graph.build.curation import uncovered
from platform_graph.build.graph import DOCUMENT, BuildResult
from platform_graph.build.stats import graph_stats
from platform_graph.validation.shacl import validate
from platform_graph.vocab.namespaces import ID, OA, PG, sparql_prefixes


def test_built_graph_conforms_to_the_shapes(union: Graph, shapes: Graph) -> None:
    report = validate(union, shapes)
    assert report.conforms, report.to_text()
    assert report.violations == []


def test_statements_account_for_every_sentence(built: BuildResult) -> None:
    assert uncovered(built.source, built.curation.statements) == []
    quoted = {st.sentence for st in built.curation.statements}
    assert quoted == {s.index for s in built.source.sentences}


def test_every_sentence_in_the_graph_has_a_statement(union: Graph) -> None:
    q = (
        sparql_prefixes()
        + """
        SELECT ?s WHERE { ?s a pg:Sentence FILTER NOT EXISTS { ?st pg:inSentence ?s } }"""
    )
    assert list(union.query(q)) == []


def test_every_quote_equals_the_source_at_its_offsets(union: Graph, built: BuildResult) -> None:
    text = built.source.text
    q = (
        sparql_prefixes()
        + """
        SELECT ?node ?start ?end ?exact WHERE {
            ?node oa:hasSelector ?p, ?q .
            ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
            ?q a oa:TextQuoteSelector ; oa:exact ?exact .
        }"""
    )
    rows = list(union.query(q))
    anchored = (
        len(built.source.sentences) + len(built.source.sections) + len(built.curation.statements)
    )
    assert len(rows) == anchored
    for node, start, end, exact in rows:  # type: ignore[misc]
        assert text[int(start) : int(end)] == str(exact), node


def test_the_full_text_in_the_graph_is_the_source(union: Graph, built: BuildResult) -> None:
    assert str(union.value(DOCUMENT, PG.fullText)) == built.source.text


def test_ontology_declares_every_term_the_data_uses_with_both_labels(union: Graph) -> None:
    pg = str(PG)
    used: set[URIRef] = set()
    for _s, p, o in union:
        if str(p).startswith(pg):
            used.add(p)  # type: ignore[arg-type]
        if p == RDF.type and str(o).startswith(pg):
            used.add(o)  # type: ignore[arg-type]
    assert PG.Commitment in used
    assert PG.responsibleActor in used
    for term in sorted(used):
        kinds = set(union.objects(term, RDF.type))
        assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme}, (
            term
        )
        if SKOS.ConceptScheme in kinds:
            labels = list(union.objects(term, SKOS.prefLabel))
        else:
            labels = list(union.objects(term, RDFS.label))
            comments = {
                c.language for c in union.objects(term, RDFS.comment) if isinstance(c, Literal)
            }
            assert comments >= {"sv", "en"}, f"{term} lacks a comment in sv and en"
        langs = {lab.language for lab in labels if isinstance(lab, Literal)}
        assert langs >= {"sv", "en"}, f"{term} lacks a label in sv and en"


def test_every_class_and_property_refines_a_standard_term(union: Graph) -> None:
    for cls in union.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(PG)):
            assert list(union.objects(cls, RDFS.subClassOf)), cls
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in union.subjects(RDF.type, kind):
            # A few properties have no standard counterpart: they must say what they hold.
            assert (
                list(union.objects(prop, RDFS.subPropertyOf))
                or list(union.objects(prop, RDFS.range))
                or list(union.objects(prop, RDFS.domain))
            ), prop


def test_fixed_slugs_exist(union: Graph) -> None:
    for slug in ("obo", "orebroporten", "kumbro", "polisen", "civilsamhallet"):
        assert (ID[f"actor/{slug}"], RDF.type, PG.Actor) in union, slug
    for slug in ("vivalla", "varberga", "oxhagen", "landsbygd"):
        assert (ID[f"area/{slug}"], RDF.type, PG.Area) in union, slug


def test_only_verified_external_identifiers(union: Graph) -> None:
    same = {(str(s), str(o)) for s, o in union.subject_objects(OWL.sameAs)}
    assert same == {
        (str(ID["actor/socialdemokraterna"]), "http://www.wikidata.org/entity/Q105112"),
        (str(ID["actor/moderaterna"]), "http://www.wikidata.org/entity/Q110843"),
        (str(ID["actor/centerpartiet"]), "http://www.wikidata.org/entity/Q110832"),
    }
    wkt = [
        str(o) for o in union.objects(None, URIRef("http://www.opengis.net/ont/geosparql#asWKT"))
    ]
    assert wkt == ["POINT(15.18694 59.30000)"]
    assert union.value(ID["area/orebro-kommun"], PG.municipalityCode) == Literal("1880")
    assert union.value(ID["area/orebro-lan"], PG.countyCode) == Literal("18")
    assert union.value(ID["area/orebro-airport"], PG.icaoCode) == Literal("ESOE")


def test_the_vivalla_pledge(union: Graph) -> None:
    vivalla = ID["commitment/trygghet-vivalla-ej-sarskilt-utsatt-2027"]
    assert (vivalla, PG.concernsArea, ID["area/vivalla"]) in union
    assert str(union.value(vivalla, PG.deadline)) == "2027"
    assert union.value(vivalla, PG.status) == ID["status/not-yet-rated"]


def test_the_billion_for_safety(union: Graph) -> None:
    q = (
        sparql_prefixes()
        + "SELECT ?c ?p WHERE { ?c pg:amountSEK ?a ; pg:period ?p FILTER (?a = 1000000000) }"
    )
    rows = list(union.query(q))
    assert len(rows) == 1
    assert str(rows[0][1]) == "P8Y"  # type: ignore[index]


def test_counts_are_plausible(union: Graph, built: BuildResult) -> None:
    stats = graph_stats(union)
    assert stats.sections == 15
    assert stats.sentences == len(built.source.sentences) == 185
    assert stats.commitments + stats.contexts == len(built.curation.statements)
    assert stats.commitments > stats.contexts > 0
    assert stats.themes >= 20


def test_every_commitment_has_oa_anchor_in_its_section(union: Graph) -> None:
    q = (
        sparql_prefixes()
        + """
        SELECT ?c WHERE {
            ?c a pg:Commitment ; pg:inSection ?sec ; oa:hasSelector/oa:start ?s .
            ?sec oa:hasSelector/oa:start ?ss ; oa:hasSelector/oa:end ?se .
            FILTER (?s < ?ss || ?s >= ?se)
        }"""
    )
    assert list(union.query(q)) == []
    assert OA.hasSelector in set(union.predicates())


def test_references_back_carry_their_targets_places_as_inherited(union: Graph) -> None:
    # The four of issue 19: "Planen tas fram i dialog med polisen ..." (the Vivalla plan),
    # "Inför beslut om etapp 2" (BRT), "En utvärdering ska göras" (Tamarinden), "Kumbro bör
    # inkluderas i det arbetet" (the airport). None names the place itself.
    cases = {
        "commitment/trygghet-vivalla-plan-i-dialog": "vivalla",
        "commitment/trafik-brt-etapp2-utvardering": "brt",
        "commitment/klimat-tamarinden-utvardering": "tamarinden",
        "commitment/bolag-kumbro-i-flygplatsens-hallbarhetsarbete": "orebro-airport",
    }
    for statement, area in cases.items():
        node = ID[statement]
        assert ID[f"area/{area}"] in set(union.objects(node, PG.inheritedArea)), statement
        assert ID[f"area/{area}"] not in set(union.objects(node, PG.concernsArea)), statement
        assert list(union.objects(node, PG.refersTo)), statement


def test_the_police_and_vivalla_with_and_without_inherited_areas(union: Graph) -> None:
    query = (
        sparql_prefixes()
        + """
        SELECT ?c WHERE {
            ?c a pg:Commitment ; pg:partnerActor|pg:responsibleActor|pg:affectedActor
                <https://w3id.org/platform-graph/id/actor/polisen> ;
               %s <https://w3id.org/platform-graph/id/area/vivalla> .
        }"""
    )
    with_inherited = {str(r[0]) for r in union.query(query % "pg:concernsArea|pg:inheritedArea")}  # type: ignore[index]
    assert with_inherited == {str(ID["commitment/trygghet-vivalla-plan-i-dialog"])}
    assert list(union.query(query % "pg:concernsArea")) == []
