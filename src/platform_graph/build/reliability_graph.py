"""The reliability study as data in the graph: one measurement per field (DQV).

``id/reliability/{date}`` is the study (a pg:ReliabilityStudy: its seed, sample size and
sampled statements); ``id/reliability/{date}/{field}`` each agreement figure over the
whole sample, and ``.../{field}-blind`` over the units whose sentence the codebook does
not cite as an example. A SPARQL user reads them as:

    SELECT ?field ?kappa WHERE { ?m a pg:ReliabilityMeasurement ; pg:codedField ?field ;
                                   dqv:value ?kappa ; pg:blindSubset false }
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from platform_graph.build.reliability import FieldResult, Study
from platform_graph.vocab.namespaces import DQV, ID, PG

__all__ = ["FIELD_IRIS", "add_reliability"]

# The graph's name for each compared field (pg:codedField).
FIELD_IRIS: dict[str, URIRef] = {
    "commitment": URIRef(PG.Commitment),
    "strength": URIRef(PG.strength),
    "kind": URIRef(PG.kind),
    "change": URIRef(PG.changeType),
    "testable": URIRef(PG.testable),
    "refers_back": URIRef(PG.refersTo),
    "actors": URIRef(PG.namesActor),
    "areas": URIRef(PG.concernsArea),
    "themes": URIRef(PG.theme),
}
METRICS = {"cohen": URIRef(PG.cohensKappa), "pooled": URIRef(PG.pooledKappa)}


def _decimal(value: float) -> Literal:
    return Literal(Decimal(f"{value:.4f}"), datatype=XSD.decimal)


def add_reliability(
    g: Graph,
    study: Study,
    results: Sequence[FieldResult],
    blind: Sequence[FieldResult],
    statement_iri: Callable[[str], URIRef],
    document: URIRef,
) -> URIRef:
    """Add the study and its measurements to ``g``; return the study's IRI."""
    node = ID[f"reliability/{study.drawn_on}"]
    g.add((node, RDF.type, PG.ReliabilityStudy))
    g.add(
        (
            node,
            DCTERMS.title,
            Literal("Reliabilitetsstudie av kodningen", lang="sv"),
        )
    )
    g.add((node, DCTERMS.title, Literal("Reliability study of the coding", lang="en")))
    g.add((node, DCTERMS.date, Literal(study.drawn_on, datatype=XSD.date)))
    g.add((node, PG.randomSeed, Literal(study.seed, datatype=XSD.integer)))
    g.add((node, PG.sampleSize, Literal(len(study.units), datatype=XSD.integer)))
    g.add((node, PROV.used, document))
    g.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"{len(study.units)} statements drawn by random.Random({study.seed}).sample "
                f"over the {len(study.population)} statement ids in sorted order, coded a "
                "second time from the codebook alone by a coder who did not see the first "
                "coding; Cohen's kappa per single-valued field, pooled kappa (de Vries et "
                "al. 2008) per set-valued field, 95 % percentile bootstrap intervals over "
                "the units (docs/reliability.md).",
                lang="en",
            ),
        )
    )
    for unit in study.units:
        g.add((node, PG.sampledStatement, statement_iri(study.key[unit])))
    for subset, items in ((False, results), (True, blind)):
        for r in items:
            if r.agreement.kappa is None:
                continue  # undefined: one category only (docs/reliability.md says so)
            m = URIRef(f"{node}/{r.field}" + ("-blind" if subset else ""))
            g.add((m, RDF.type, PG.ReliabilityMeasurement))
            g.add((m, RDF.type, DQV.QualityMeasurement))
            g.add((m, DQV.isMeasurementOf, METRICS[r.method]))
            g.add((m, DQV.computedOn, document))
            g.add((m, PROV.wasGeneratedBy, node))
            g.add((m, PG.codedField, FIELD_IRIS[r.field]))
            g.add((m, PG.blindSubset, Literal(subset)))
            g.add((m, DQV.value, _decimal(r.agreement.kappa)))
            g.add((m, PG.observedAgreement, _decimal(r.agreement.observed)))
            g.add((m, PG.expectedAgreement, _decimal(r.agreement.expected)))
            g.add((m, PG.sampleSize, Literal(r.agreement.n, datatype=XSD.integer)))
            g.add((m, PG.disagreements, Literal(len(r.disagreeing), datatype=XSD.integer)))
            if r.interval is not None:
                g.add((m, PG.confidenceLower, _decimal(r.interval[0])))
                g.add((m, PG.confidenceUpper, _decimal(r.interval[1])))
    return node
