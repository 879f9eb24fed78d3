"""Linked Data: every /id/... IRI resolves here; the whole graph downloads under /data/."""

from __future__ import annotations

import asyncio
import mimetypes
import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from platform_graph.errors import InputError
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.etags import tag
from platform_graph.http.models import DownloadList
from platform_graph.http.problems import ProblemError
from platform_graph.http.routes import flat_routes
from platform_graph.http.workbench.change_log import public_change
from platform_graph.rdf import media_types
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.rdf.sparql_text import bind_values
from platform_graph.read import research_dataset
from platform_graph.read.describe import DESCRIBE
from platform_graph.read.downloads import CATALOGUE, GRAPH_DUMPS, Download, register
from platform_graph.service.parts import Service
from platform_graph.store import GraphResult
from platform_graph.store.pool import WorkerAnswer
from platform_graph.store.time_limited import time_limited
from platform_graph.vocab.namespaces import (
    DATA_GRAPH,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
)
from platform_graph.web.documents import data_index_page, ontology_page
from platform_graph.web.render import resource_page

__all__ = ["in_lane", "resource_async", "router"]

router = APIRouter(tags=["Linked Data"])

_CHANGE = re.compile(r"^change/(\d{1,12})$")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
        raise ProblemError(
            406,
            "Not acceptable",
            f"{exc}",
            sv="Inget av de begärda formaten går att leverera; en resurs finns som Turtle, "
            "N-Triples, JSON-LD, RDF/XML och HTML.",
        ) from exc
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


# Written by the engine in the query worker (as /sparql writes a CONSTRUCT), not through
# rdflib terms in the server: a tenth of the time for a page of one resource.
_BY_ENGINE = ("text/turtle", "application/n-triples")


def _checked(path: str) -> URIRef:
    if not _PATH.match(path):
        raise ProblemError(
            404,
            "Not found",
            f"no resource {path!r}: not an identifier of this graph",
            sv=f"Ingen resurs {path!r}: det är inte en identifierare i den här grafen.",
        )
    return URIRef(ID[path])


def _by_engine(iri: URIRef, answer: WorkerAnswer, content_type: str, etag: str) -> Response:
    if not answer.rows:
        raise ProblemError(
            404, "Not found", f"nothing is known about {iri}", sv=f"Inget är känt om {iri}."
        )
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"', "ETag": etag}
    if answer.truncated:
        headers["X-Result-Truncated"] = f"cut at {answer.rows} triples"
    return Response(answer.body, media_type=content_type, headers=headers)


def in_lane(path: str) -> bool:
    """Whether ``/id/{path}`` is answered by ``resource`` (not a file of the pages)."""
    return not path.endswith((".ttl", ".jsonld"))


async def resource_async(path: str, request: Request, state: Service) -> Response | None:
    """``resource`` from the event loop (``http.lanes``): Turtle and N-Triples without a
    thread; None for a browser, whose page the route renders."""
    if _prefers_html(request):
        return None
    iri = _checked(path)
    media, content_type = _negotiate(request)
    if state.pool is None or media not in _BY_ENGINE:
        return await asyncio.to_thread(resource, path, request, state)
    # The resource's own version, read before its description (see rest.get_commitment).
    etag = state.writer.resource_etag(iri, RDF_VARIANTS[media])
    answer = await state.pool.run_async(
        bind_values(_DESCRIBE, {"iri": iri}), None, media, None, None
    )
    return _by_engine(iri, answer, content_type, etag)


@router.get(
    "/id/{path:path}",
    summary="A resource of the graph, as RDF (content negotiation), or its page for a browser",
)
def resource(path: str, request: Request, state: ServiceDep) -> Response:
    iri = _checked(path)
    html = _prefers_html(request)
    media, content_type = _negotiate(request)
    # The resource's own version, read before its description (see rest.get_commitment).
    etag = "" if html else state.writer.resource_etag(iri, RDF_VARIANTS[media])
    if state.pool is not None and not html and media in _BY_ENGINE:
        # Turtle and N-Triples written by the engine in the worker.
        answer = state.pool.run(bind_values(_DESCRIBE, {"iri": iri}), None, media, None)
        return _by_engine(iri, answer, content_type, etag)
    # Under the query time limit, as every read of the data.
    result = time_limited(state.store, state.pool).query(_DESCRIBE, bindings={"iri": iri})
    assert isinstance(result, GraphResult)
    if not result.triples:
        raise ProblemError(
            404, "Not found", f"nothing is known about {iri}", sv=f"Inget är känt om {iri}."
        )
    if html:
        change = _CHANGE.match(path)
        if change is not None:
            # A change of the log, for a browser: what it did, in words.
            return public_change(request, state, int(change.group(1)))
        page = resource_page(request, state.site, path)
        page.headers["Link"] = f'<{iri}>; rel="canonical"'
        # The page shows its neighbours and the labels of what it links to as well.
        return tag(page)
    g = _graph()
    for t in result.triples:
        g.add(t)
    return Response(
        g.serialize(format=_RDFLIB[media], encoding="utf-8"),
        media_type=content_type,
        headers={"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"', "ETag": etag},
    )


RDF_VARIANTS = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
}
"""The format part of a resource's ETag in each RDF format (a strong ETag names one
representation)."""


def _ontology_rdf(state: Service, media: str) -> bytes:
    """The ontology graph in ``media``, written with the project's prefixes."""
    g = _graph()
    data = state.store.dump("application/n-triples", graph=str(ONTOLOGY_GRAPH))
    g.parse(data=data.decode("utf-8"), format="nt")
    return g.serialize(format=_RDFLIB[media], encoding="utf-8")


@router.get(
    "/ontology",
    summary="The ontology: its documentation page for a browser, RDF for everyone else",
    response_class=Response,
)
def ontology(request: Request, state: ServiceDep) -> Response:
    if _prefers_html(request):
        return ontology_page(request, state.site)
    media, content_type = _negotiate(request)
    return Response(
        _ontology_rdf(state, media),
        media_type=content_type,
        headers={"Vary": "Accept", "Link": '</ontology.ttl>; rel="alternate"; type="text/turtle"'},
    )


@router.get("/ontology.ttl", summary="The ontology as a Turtle file", response_class=Response)
def ontology_turtle(state: ServiceDep) -> Response:
    return Response(
        _ontology_rdf(state, "text/turtle"),
        media_type="text/turtle; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="platform-graph-ontology.ttl"'},
    )


def _media_of(name: str) -> str:
    try:
        return media_types.by_file_name(name).media_type
    except InputError:
        if name.endswith(".xlsx"):
            return XLSX_MEDIA
        return mimetypes.guess_type(name)[0] or "application/octet-stream"


# The research dataset (read/research_dataset.py): tables, not RDF dumps, in the one
# catalogue the index page and VoID read.
_TABLES = dict(research_dataset.MEDIA_TYPES)
_TABLE_WORDS = {
    "pledges.csv": (
        "Forskningsdata: en rad per åtagande (CSV)",
        "Research data: one row per commitment (CSV)",
    ),
    "pledges.xlsx": (
        "Forskningsdata: en rad per åtagande (Excel)",
        "Research data: one row per commitment (Excel)",
    ),
    "pledges.csv-metadata.json": (
        "Forskningsdatans kolumner (CSV on the Web)",
        "The research data's columns (CSV on the Web)",
    ),
}
for _name, _media in _TABLES.items():
    register(Download(_name, _media, *_TABLE_WORDS[_name]))


def downloads(request: Request) -> list[dict[str, str]]:
    """Every download the app serves: the catalogue, and any route of its own under
    /data/ (a research dataset, say), each once."""
    found: dict[str, dict[str, str]] = {}
    for d in CATALOGUE.values():
        found[d.path] = {
            "path": d.path,
            "name": d.name,
            "media_type": d.media_type,
            "sv": d.sv,
            "en": d.en,
        }
    for info in flat_routes(request.app):
        path = info.path
        if (
            path.startswith("/data/")
            and "{" not in path
            and path != "/data/"
            and "GET" in info.methods
            and path not in found
        ):
            name = path.removeprefix("/data/")
            found[path] = {
                "path": path,
                "name": name,
                "media_type": _media_of(name),
                "sv": info.summary,
                "en": info.summary,
            }
    return sorted(found.values(), key=lambda d: d["name"])


@router.get(
    "/data/",
    summary="The downloads: a page for a browser, a JSON list for everyone else",
    response_class=Response,
    responses={
        200: {
            "model": DownloadList,
            "description": "Success",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def data_index(request: Request, state: ServiceDep) -> Response:
    listed = downloads(request)
    if _prefers_html(request):
        return data_index_page(request, state.site, listed)
    base = state.settings.public_base
    items = [{**d, "url": base + d["path"]} for d in listed]
    return JSONResponse({"items": items, "total": len(items)}, headers={"Vary": "Accept"})


@router.get(
    "/data/{name}",
    summary="The whole graph as a download (Turtle, N-Triples, N-Quads, TriG, JSON-LD), "
    "and the dataset's VoID description, or the research dataset (pledges.csv, pledges.xlsx, "
    "pledges.csv-metadata.json)",
)
def dump(name: str, request: Request, state: ServiceDep) -> Response:
    if name == "void.ttl":
        return Response(
            void(request, state).serialize(format="turtle", encoding="utf-8"),
            media_type="text/turtle; charset=utf-8",
        )
    if name not in GRAPH_DUMPS and name not in _TABLES:
        known = ", ".join(sorted(CATALOGUE))
        raise ProblemError(
            404,
            "Not found",
            f"no download {name!r}; the downloads are listed at /data/: {known}",
            sv=f"Ingen nedladdning {name!r}; nedladdningarna finns på /data/: {known}.",
        )
    media = CATALOGUE[name].media_type
    # Written once per version of the dataset and sent from disk, in chunks.
    path = state.downloads.file(name, media)
    return FileResponse(
        path,
        media_type=media + ("; charset=utf-8" if media == "text/csv" else ""),
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
    for name in GRAPH_DUMPS:
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
