"""Namespace constants and the prefix map used in every serialisation and query."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

__all__ = [
    "BASE",
    "CAP",
    "CHANGES_GRAPH",
    "CV",
    "DATA_GRAPH",
    "DCTERMS",
    "FOAF",
    "GENID",
    "GEO",
    "GRAPH",
    "ID",
    "INFERRED_GRAPH",
    "LOCN",
    "OA",
    "ONTOLOGY_GRAPH",
    "ORG",
    "OWL",
    "PG",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "THEME",
    "THEMES_GRAPH",
    "TIME",
    "WD",
    "XSD",
    "sparql_prefixes",
]

BASE = "https://w3id.org/platform-graph/"
PG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
THEME = Namespace(BASE + "id/theme/")
CAP = Namespace(BASE + "id/cap/")
GRAPH = Namespace(BASE + "graph/")

OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

# The named graphs of the dataset: the ontology and the theme scheme (changed by a build
# or an admin), the data, and the change log (written by the writer alone).
ONTOLOGY_GRAPH = URIRef(GRAPH["ontology"])
THEMES_GRAPH = URIRef(GRAPH["themes"])
DATA_GRAPH = URIRef(GRAPH["data"])
CHANGES_GRAPH = URIRef(GRAPH["changes"])
INFERRED_GRAPH = URIRef(GRAPH["inferred"])
"""What the ontology's own hierarchy entails from the asserted graphs (rdfs:subPropertyOf,
rdfs:subClassOf, owl:inverseOf) and they do not already say: kept by the writer, never
written by a change, never validated, never in the change log (rdf.entailment)."""
GENID = BASE + ".well-known/genid/"
"""Where the writer's Skolem IRIs for blank nodes live (RDF 1.1 Concepts §3.5)."""

PREFIXES: dict[str, str] = {
    "pg": str(PG),
    "id": str(ID),
    "theme": str(THEME),
    "cap": str(CAP),
    "dcterms": str(DCTERMS),
    "oa": str(OA),
    "org": str(ORG),
    "cv": str(CV),
    "locn": str(LOCN),
    "geo": str(GEO),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "skos": str(SKOS),
    "time": str(TIME),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "wd": str(WD),
}


def sparql_prefixes() -> str:
    """PREFIX declarations for every namespace in the prefix map."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
