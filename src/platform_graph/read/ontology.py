"""The ontology as a person reads it: its classes and properties with their labels,
definitions, super-terms, domains and ranges, from the ontology graph in the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from platform_graph.store import Store
from platform_graph.vocab.namespaces import DCTERMS, ONTOLOGY_GRAPH, PG

__all__ = ["OntologyTerm", "ontology_header", "ontology_terms"]

_CLASS_TYPES = {OWL.Class, RDFS.Class}
_PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty}


@dataclass(slots=True)
class OntologyTerm:
    iri: str
    name: str
    kind: str  # class, object property, datatype property, property, scheme, concept
    label: dict[str, str] = field(default_factory=dict)
    comment: dict[str, str] = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    inverse: list[str] = field(default_factory=list)


def _texts(values: list[object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        if isinstance(v, Literal) and v.language in ("sv", "en"):
            out.setdefault(v.language, str(v))
    return out


def ontology_terms(store: Store) -> list[OntologyTerm]:
    """Every class and property the ontology defines in its own namespace."""
    by: dict[URIRef, dict[URIRef, list[object]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o, _ in store.quads(None, None, None, ONTOLOGY_GRAPH):
        if isinstance(s, URIRef):
            by[s][p].append(o)
    terms: list[OntologyTerm] = []
    for iri, props in by.items():
        if not str(iri).startswith(str(PG)) or str(iri) == str(PG):
            continue
        types = set(props.get(RDF.type, []))
        if types & _CLASS_TYPES:
            kind = "class"
        elif OWL.ObjectProperty in types:
            kind = "object property"
        elif OWL.DatatypeProperty in types:
            kind = "datatype property"
        elif types & _PROPERTY_TYPES:
            kind = "property"
        else:
            continue
        broader = props.get(RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf, [])
        terms.append(
            OntologyTerm(
                iri=str(iri),
                name=str(iri)[len(str(PG)) :],
                kind=kind,
                label=_texts(props.get(RDFS.label, []) or props.get(SKOS.prefLabel, [])),
                comment=_texts(props.get(RDFS.comment, []) or props.get(SKOS.definition, [])),
                broader=sorted(str(b) for b in broader if isinstance(b, URIRef)),
                domain=sorted(str(d) for d in props.get(RDFS.domain, []) if isinstance(d, URIRef)),
                range=sorted(str(r) for r in props.get(RDFS.range, []) if isinstance(r, URIRef)),
                inverse=sorted(
                    str(r) for r in props.get(OWL.inverseOf, []) if isinstance(r, URIRef)
                ),
            )
        )
    order = {"class": 0, "object property": 1, "datatype property": 2, "property": 3}
    return sorted(terms, key=lambda t: (order[t.kind], t.name.casefold()))


def ontology_header(store: Store) -> dict[str, dict[str, str] | str | None]:
    """The ontology's own title, description and version."""
    onto = URIRef(str(PG).rstrip("#"))
    quads = store.quads(onto, None, None, ONTOLOGY_GRAPH)
    values: dict[URIRef, list[object]] = defaultdict(list)
    for _, p, o, _ in quads:
        values[p].append(o)
    version = values.get(OWL.versionInfo) or values.get(OWL.versionIRI) or []
    return {
        "iri": str(onto),
        "title": _texts(values.get(DCTERMS.title, []) or values.get(RDFS.label, [])),
        "description": _texts(values.get(DCTERMS.description, []) or values.get(RDFS.comment, [])),
        "version": str(version[0]) if version else None,
    }
