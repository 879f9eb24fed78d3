"""Linked Data end to end: /id/... resolves with content negotiation, /ontology, /data/."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from tests.support.inprocess import Client, Response
from tests.test_api_rest import FACTS, ID, PG, VIVALLA_2027, assert_problem, parse_rdf

OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
GEO = "http://www.opengis.net/ont/geosparql#"
VOID = "http://rdfs.org/ns/void#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

RESOURCES = [
    ("commitment", VIVALLA_2027),
    ("actor", "obo"),
    ("area", "vivalla"),
    ("theme", "trygghet"),
    ("section", "trygghet"),
]
FORMATS = [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
]


def iri(kind: str, slug: str) -> URIRef:
    return URIRef(f"{ID}{kind}/{slug}")


def get_rdf(http: Client, path: str, accept: str | None = None) -> Response:
    """GET with this Accept header; with None, no Accept header at all."""
    request = http.build_request("GET", path)
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    return http.send(request)


def assert_about(g: Graph, subject: URIRef) -> None:
    """The description has triples about the IRI, and only about it and its #parts."""
    assert len(g) > 0
    assert (subject, None, None) in g, f"no triple about {subject}"
    strangers = {
        str(s) for s in g.subjects() if s != subject and not str(s).startswith(f"{subject}#")
    }
    assert not strangers, f"{len(strangers)} other subjects, e.g. {sorted(strangers)[:3]}"


def parse_dataset(text: str, fmt: str) -> Dataset:
    ds = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r".*(ConjunctiveGraph|default_context) is deprecated",
            category=DeprecationWarning,
        )
        ds.parse(data=text, format=fmt)
    return ds


def quads(ds: Dataset) -> set[tuple[Any, Any, Any, Any]]:
    return {(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None)) if g is not None}


# --- /id/... ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "slug"), RESOURCES)
def test_an_iri_answers_turtle_by_default(http: Client, kind: str, slug: str) -> None:
    for accept in (None, "*/*"):
        r = get_rdf(http, f"/id/{kind}/{slug}", accept)
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-type"].startswith("text/turtle")
        assert "Accept" in r.headers.get("vary", "")
        assert f"<{iri(kind, slug)}>" in r.headers.get("link", "")
        assert_about(parse_rdf(r.text, "turtle"), iri(kind, slug))


@pytest.mark.parametrize(("kind", "slug"), RESOURCES)
@pytest.mark.parametrize(("accept", "media", "fmt"), FORMATS[1:])
def test_an_iri_answers_json_ld_and_n_triples_by_accept(
    http: Client, kind: str, slug: str, accept: str, media: str, fmt: str
) -> None:
    r = get_rdf(http, f"/id/{kind}/{slug}", accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    g = parse_rdf(r.text, fmt)
    assert_about(g, iri(kind, slug))
    turtle = parse_rdf(get_rdf(http, f"/id/{kind}/{slug}", "text/turtle").text, "turtle")
    assert {(s, p) for s, p, _ in g} == {(s, p) for s, p, _ in turtle}
    assert len(g) == len(turtle)


def test_a_commitment_with_its_selectors(http: Client) -> None:
    node = iri("commitment", VIVALLA_2027)
    g = parse_rdf(get_rdf(http, f"/id/commitment/{VIVALLA_2027}").text, "turtle")
    assert_about(g, node)
    item = http.get(f"/api/commitments/{VIVALLA_2027}").json()
    position = URIRef(f"{node}#position")
    quote = URIRef(f"{node}#quote")
    assert set(g.objects(node, URIRef(OA + "hasSelector"))) == {position, quote}
    assert (position, RDF.type, URIRef(OA + "TextPositionSelector")) in g
    assert (quote, RDF.type, URIRef(OA + "TextQuoteSelector")) in g
    start = g.value(position, URIRef(OA + "start"))
    end = g.value(position, URIRef(OA + "end"))
    assert isinstance(start, Literal)
    assert isinstance(end, Literal)
    assert (int(start), int(end)) == (item["span"]["start"], item["span"]["end"])
    exact = g.value(quote, URIRef(OA + "exact"))
    assert str(exact) == FACTS.text[int(start) : int(end)] == item["quote"]
    c = FACTS.commitments[VIVALLA_2027]
    assert (node, RDF.type, URIRef(PG + "Commitment")) in g
    assert (node, URIRef(PG + "concernsArea"), iri("area", "vivalla")) in g
    assert (node, URIRef(PG + "strength"), iri("strength", c.strength or "")) in g
    assert (node, URIRef(PG + "deadline"), Literal("2027", datatype=XSD.gYear)) in g
    assert (node, DCTERMS.title, Literal(c.title_sv, lang="sv")) in g
    for actor, role in c.actors:
        assert (node, URIRef(f"{PG}{role}Actor"), iri("actor", actor)) in g


def test_the_actor_obo(http: Client) -> None:
    node = iri("actor", "obo")
    g = parse_rdf(get_rdf(http, "/id/actor/obo").text, "turtle")
    assert_about(g, node)
    assert (node, RDF.type, URIRef(PG + "MunicipalCompany")) in g
    assert (node, URIRef(ORG + "subOrganizationOf"), iri("actor", "kommunala-fastighetsbolag")) in g
    assert (node, SKOS.prefLabel, Literal(FACTS.actors["obo"].sv, lang="sv")) in g


def test_the_area_vivalla(http: Client) -> None:
    node = iri("area", "vivalla")
    g = parse_rdf(get_rdf(http, "/id/area/vivalla").text, "turtle")
    assert_about(g, node)
    assert (node, URIRef(GEO + "sfWithin"), iri("area", "utsatta-stadsdelar")) in g
    assert (node, SKOS.prefLabel, Literal("Vivalla", lang="sv")) in g
    geometry = g.value(node, URIRef(GEO + "hasGeometry"))
    assert geometry == URIRef(f"{node}#geometry")
    assert "POINT" in str(g.value(geometry, URIRef(GEO + "asWKT")))


def test_the_theme_and_the_section_trygghet(http: Client) -> None:
    theme = iri("theme", "trygghet")
    g = parse_rdf(get_rdf(http, "/id/theme/trygghet").text, "turtle")
    assert_about(g, theme)
    broader = {str(b).rsplit("/", 1)[-1] for b in g.objects(theme, SKOS.broader)}
    assert broader == set(FACTS.themes["trygghet"].parents)
    section = iri("section", "trygghet")
    g = parse_rdf(get_rdf(http, "/id/section/trygghet").text, "turtle")
    assert_about(g, section)
    assert (section, RDF.type, URIRef(PG + "Section")) in g
    position = g.value(section, URIRef(PG + "position"))
    assert isinstance(position, Literal)
    assert int(position) == FACTS.section_order.index("trygghet") + 1
    assert (section, URIRef(PG + "theme"), theme) in g


@pytest.mark.parametrize(("kind", "slug"), RESOURCES)
def test_a_browser_gets_the_resource_page(http: Client, kind: str, slug: str) -> None:
    r = get_rdf(http, f"/id/{kind}/{slug}", BROWSER)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "utf-8" in r.headers["content-type"].lower()
    assert str(iri(kind, slug)) in r.text
    # The page links to the same description as data (tests/test_web_pages.py checks more).
    assert_about(parse_rdf(http.get(f"/id/{kind}/{slug}.ttl").text, "turtle"), iri(kind, slug))


@pytest.mark.parametrize(
    "path",
    [
        "/id/actor/nobody",
        "/id/commitment/no-such-commitment",
        "/id/area/atlantis",
        "/id/nothing",
        "/id/theme/",
    ],
)
def test_an_unknown_iri_is_404(http: Client, path: str) -> None:
    body = assert_problem(get_rdf(http, path, "text/turtle"), 404)
    assert path.removeprefix("/id/") in body["detail"]


@pytest.mark.parametrize(
    "path", ["/id/actor/%22%3E%3C", "/id/area/a%20b", "/id/%7B%7D", "/id/theme/x%5Ey"]
)
def test_an_iri_with_characters_an_iri_cannot_hold_is_404_not_500(http: Client, path: str) -> None:
    assert_problem(get_rdf(http, path, "text/turtle"), 404)


def test_an_unacceptable_type_is_406(http: Client) -> None:
    assert_problem(get_rdf(http, "/id/actor/obo", "application/pdf"), 406)


# --- /ontology ---------------------------------------------------------------------------


def test_the_ontology_answers_turtle(http: Client) -> None:
    r = get_rdf(http, "/ontology")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = parse_rdf(r.text, "turtle")
    ontology = URIRef("https://w3id.org/platform-graph/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in g
    assert (URIRef(PG + "Commitment"), None, None) in g


@pytest.mark.parametrize(("accept", "media", "fmt"), FORMATS[1:])
def test_the_ontology_in_other_formats(http: Client, accept: str, media: str, fmt: str) -> None:
    r = get_rdf(http, "/ontology", accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    g = parse_rdf(r.text, fmt)
    turtle = parse_rdf(get_rdf(http, "/ontology").text, "turtle")
    assert len(g) == len(turtle)


def test_the_ontology_for_a_browser_is_its_documentation_page(http: Client) -> None:
    r = http.get("/ontology", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    # Every class and property of the ontology has its own anchor, with its definition.
    for name in ("Commitment", "namesActor", "responsibleActor", "inheritedArea", "testable"):
        assert f'id="{name}"' in r.text, name
    assert "Sub-property of" in r.text or "Underegenskap till" in r.text
    assert 'href="/ontology.ttl"' in r.text


def test_the_ontology_as_turtle_has_its_prefixes(http: Client) -> None:
    for r in (http.get("/ontology.ttl"), http.get("/ontology", headers={"Accept": "text/turtle"})):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/turtle")
        assert "@prefix pg: <https://w3id.org/platform-graph/ontology#> ." in r.text
        assert "@prefix rdfs:" in r.text
        assert "pg:responsibleActor" in r.text
        assert len(parse_rdf(r.text, "turtle")) > 100


# --- /data/ ---------------------------------------------------------------------------

TRIPLE_DUMPS = [
    ("platform-graph.ttl", "text/turtle", "turtle"),
    ("platform-graph.nt", "application/n-triples", "nt"),
    ("platform-graph.jsonld", "application/ld+json", "json-ld"),
]
QUAD_DUMPS = [
    ("platform-graph.nq", "application/n-quads", "nquads"),
    ("platform-graph.trig", "application/trig", "trig"),
]


@pytest.fixture(scope="module")
def reference(app: Client) -> Graph:
    """The whole graph as N-Triples, to compare the other downloads of the same service
    with (a service on a store built from files also records the build it rests on)."""
    return parse_rdf(app.get("/data/platform-graph.nt").text, "nt")


@pytest.fixture(scope="module")
def nquads(app: Client) -> Dataset:
    return parse_dataset(app.get("/data/platform-graph.nq").text, "nquads")


def _assert_download(r: Response, name: str, media: str) -> None:
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert name in r.headers.get("content-disposition", "")


def test_the_downloads_hold_every_commitment(reference: Graph) -> None:
    commitments = {str(s) for s in reference.subjects(RDF.type, URIRef(PG + "Commitment"))}
    assert commitments == {f"{ID}commitment/{c}" for c in FACTS.commitments}
    assert (iri("area", "vivalla"), None, None) in reference


@pytest.mark.parametrize(("name", "media", "fmt"), TRIPLE_DUMPS)
def test_a_triple_download_parses(
    http: Client, reference: Graph, name: str, media: str, fmt: str
) -> None:
    r = http.get(f"/data/{name}")
    _assert_download(r, name, media)
    g = parse_rdf(r.text, fmt)
    assert len(g) == len(reference)
    assert {s for s in g.subjects() if isinstance(s, URIRef)} == {
        s for s in reference.subjects() if isinstance(s, URIRef)
    }


@pytest.mark.parametrize(("name", "media", "fmt"), QUAD_DUMPS)
def test_a_quad_download_parses_into_named_graphs(
    http: Client, reference: Graph, name: str, media: str, fmt: str
) -> None:
    r = http.get(f"/data/{name}")
    _assert_download(r, name, media)
    ds = parse_dataset(r.text, fmt)
    # The change log's graph holds the build a store rests on where one was recorded.
    graphs = {str(g) for *_, g in quads(ds)} - {"https://w3id.org/platform-graph/graph/changes"}
    assert graphs == {
        "https://w3id.org/platform-graph/graph/ontology",
        "https://w3id.org/platform-graph/graph/themes",
        "https://w3id.org/platform-graph/graph/data",
    }
    assert {(s, p, o) for s, p, o, _ in quads(ds)} == set(reference)


def test_void_describes_the_dataset(http: Client, nquads: Dataset) -> None:
    r = http.get("/data/void.ttl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = parse_rdf(r.text, "turtle")
    datasets = set(g.subjects(URIRef(VOID + "sparqlEndpoint"), None))
    assert len(datasets) == 1
    ds = datasets.pop()
    assert (ds, RDF.type, URIRef(VOID + "Dataset")) in g
    endpoint = g.value(ds, URIRef(VOID + "sparqlEndpoint"))
    assert httpx.URL(str(endpoint)).path == "/sparql"
    ask = http.get(httpx.URL(str(endpoint)).path, params={"query": "ASK { ?s ?p ?o }"})
    assert ask.status_code == 200
    triples = g.value(ds, URIRef(VOID + "triples"))
    assert isinstance(triples, Literal)
    assert triples.datatype == XSD.integer
    assert int(triples) == len(quads(nquads))
    dumps = {httpx.URL(str(d)).path for d in g.objects(ds, URIRef(VOID + "dataDump"))}
    assert {f"/data/{n}" for n, *_ in TRIPLE_DUMPS + QUAD_DUMPS} <= dumps
    assert str(g.value(ds, URIRef(VOID + "uriSpace"))) == ID


@pytest.mark.parametrize(
    "name", ["nope.ttl", "platform-graph.xml", "platform-graph", "..%2Fpyproject.toml"]
)
def test_an_unknown_download_is_404(http: Client, name: str) -> None:
    assert_problem(http.get(f"/data/{name}"), 404)
