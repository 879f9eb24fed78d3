"""Linked Data: every /id/... IRI resolves here; the whole graph downloads under /data/."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.read.describe import DESCRIBE
from platform_graph.store import GraphResult
from platform_graph.store.time_limited import time_limited
from platform_graph.vocab.namespaces import (
    DATA_GRAPH,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
)
from platform_graph.web.render import resource_page

__all__ = ["router"]

router = APIRouter(tags=["Linked Data"])

_PATH = re.compile(r"^[a-z0-9-]+(?:/[A-Za-z0-9._-]+)+$")
RDF_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
_RDFLIB = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
VOID = "http://rdfs.org/ns/void#"

_DESCRIBE = DESCRIBE  # the asserted description (read.describe)


def _negotiate(request: Request) -> tuple[str, str]:
    """(format media type, Content-Type to send). A browser gets Turtle as text.

    /id/... answers a browser with its HTML page before it gets here (see _prefers_html);
    /ontology still answers Turtle as text.
    """
    accept = request.headers.get("accept")
    try:
        media = best_match(accept, (*RDF_TYPES, "text/html"), "text/turtle")
    except NotAcceptable as exc:
        raise ProblemError(406, "Not acceptable", f"{exc}") from exc
    if media == "text/html":
        return "text/turtle", "text/plain; charset=utf-8"
    content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
    return media, content_type


def _prefers_html(request: Request) -> bool:
    """A browser: text/html is what the client likes best (a wildcard means RDF)."""
    try:
        media = best_match(request.headers.get("accept"), (*RDF_TYPES, "text/html"), "text/turtle")
    except NotAcceptable:
        return False
    return media == "text/html"


def _graph() -> Graph:
    g = Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri)
    return g


@router.get(
    "/id/{path:path}",
    summary="A resource of the graph, as RDF (content negotiation), or its page for a browser",
)
def resource(path: str, request: Request, state: ServiceDep) -> Response:
    if not _PATH.match(path):
        raise ProblemError(
            404, "Not found", f"no resource {path!r}: not an identifier of this graph"
        )
    iri = URIRef(ID[path])
    # Under the query time limit, as every read of the data.
    result = time_limited(state.store, state.pool).query(_DESCRIBE, bindings={"iri": iri})
    assert isinstance(result, GraphResult)
    if not result.triples:
        raise ProblemError(404, "Not found", f"nothing is known about {iri}")
    if _prefers_html(request):
        page = resource_page(request, state.site, path)
        page.headers["Link"] = f'<{iri}>; rel="canonical"'
        return page
    media, content_type = _negotiate(request)
    g = _graph()
    for t in result.triples:
        g.add(t)
    return Response(
        g.serialize(format=_RDFLIB[media], encoding="utf-8"),
        media_type=content_type,
        headers={"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'},
    )


@router.get("/ontology", summary="The ontology, as RDF")
def ontology(request: Request, state: ServiceDep) -> Response:
    media, content_type = _negotiate(request)
    data = state.store.dump(
        media if media != "application/ld+json" else "text/turtle", graph=str(ONTOLOGY_GRAPH)
    )
    if media == "application/ld+json":
        g = _graph()
        g.parse(data=data.decode("utf-8"), format="turtle")
        data = g.serialize(format="json-ld", encoding="utf-8")
    return Response(data, media_type=content_type)


_DUMPS = {
    "platform-graph.ttl": "text/turtle",
    "platform-graph.nt": "application/n-triples",
    "platform-graph.nq": "application/n-quads",
    "platform-graph.trig": "application/trig",
    "platform-graph.jsonld": "application/ld+json",
}


@router.get(
    "/data/{name}",
    summary="The whole graph as a download (Turtle, N-Triples, N-Quads, TriG, JSON-LD)",
)
def dump(name: str, request: Request, state: ServiceDep) -> Response:
    if name == "void.ttl":
        return Response(
            void(request, state).serialize(format="turtle", encoding="utf-8"),
            media_type="text/turtle; charset=utf-8",
        )
    if name not in _DUMPS:
        raise ProblemError(
            404,
            "Not found",
            f"no download {name!r}; try one of {', '.join(sorted(_DUMPS))} or void.ttl",
        )
    media = _DUMPS[name]
    # Written once per version of the dataset and sent from disk, in chunks.
    path = state.downloads.file(name, media)
    return FileResponse(
        path,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def void(request: Request, state: ServiceDep) -> Graph:
    base = state.settings.public_base
    g = _graph()
    g.bind("void", VOID)
    ds = URIRef(f"{base}/data/void.ttl#dataset")
    g.add((ds, RDF.type, URIRef(VOID + "Dataset")))
    g.add(
        (
            ds,
            DCTERMS.title,
            Literal("Örebro kommun: politisk plattform 2022–2026 som kunskapsgraf", lang="sv"),
        )
    )
    g.add(
        (
            ds,
            DCTERMS.title,
            Literal(
                "Örebro municipality: political platform 2022–2026 as a knowledge graph", lang="en"
            ),
        )
    )
    g.add((ds, URIRef(VOID + "sparqlEndpoint"), URIRef(f"{base}/sparql")))
    g.add((ds, URIRef(VOID + "uriSpace"), Literal(str(ID))))
    # The dataset is what is asserted (as the downloads hold it); the inferred graph is
    # a subset of its own, counted apart.
    inferred = len(state.store.quads(None, None, None, INFERRED_GRAPH))
    g.add(
        (
            ds,
            URIRef(VOID + "triples"),
            Literal(len(state.store) - inferred, datatype=XSD.integer),
        )
    )
    for name in _DUMPS:
        g.add((ds, URIRef(VOID + "dataDump"), URIRef(f"{base}/data/{name}")))
    for prefix in ("dcterms", "oa", "org", "cv", "geo", "skos", "prov", "time", "pg"):
        g.add((ds, URIRef(VOID + "vocabulary"), URIRef(PREFIXES[prefix])))
    for name in state.store.named_graphs():
        sub = URIRef(f"{base}/data/void.ttl#{name.rsplit('/', 1)[-1]}")
        g.add((ds, URIRef(VOID + "subset"), sub))
        g.add((sub, RDF.type, URIRef(VOID + "Dataset")))
        g.add((sub, URIRef("http://www.w3.org/ns/sparql-service-description#name"), URIRef(name)))
        if name == str(INFERRED_GRAPH):
            g.add((sub, URIRef(VOID + "triples"), Literal(inferred, datatype=XSD.integer)))
            g.add(
                (
                    sub,
                    DCTERMS.description,
                    Literal(
                        "What the ontology's hierarchy entails (rdfs:subPropertyOf, "
                        "rdfs:subClassOf, owl:inverseOf) and no asserted graph says; not in "
                        "the downloads.",
                        lang="en",
                    ),
                )
            )
    g.add((ds, DCTERMS.source, URIRef(str(DATA_GRAPH))))
    return g
