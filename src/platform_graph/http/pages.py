"""The web face: the home page, the platform's text, search, browsing, and each /id/
resource as Turtle or JSON-LD by file extension (for links a browser can follow).

The /id/... pages themselves (HTML by content negotiation) and the YASGUI page at
/sparql are answered by the Linked Data and SPARQL routers, which render through
:mod:`platform_graph.web.render`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from rdflib import URIRef

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.linked_data import _DESCRIBE, _PATH, _graph
from platform_graph.http.problems import ProblemError
from platform_graph.read.model import UnknownResource
from platform_graph.store import GraphResult
from platform_graph.store.time_limited import time_limited
from platform_graph.vocab.namespaces import ID
from platform_graph.web import render

__all__ = ["mount_static", "router"]

router = APIRouter(include_in_schema=False)

_AS_FILE = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
}


def mount_static(app: FastAPI) -> None:
    """The pages' own CSS and scripts, and the vendored YASGUI: nothing from a CDN."""
    app.mount("/static", StaticFiles(directory=render.STATIC_DIR), name="static")


def _unknown_platform(exc: UnknownResource) -> ProblemError:
    return ProblemError(404, "Not found", f"{exc}; the platforms are listed at /api/platforms")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: ServiceDep) -> HTMLResponse:
    """The home page of one platform (?platform=, default Örebro 2022–2026), with a picker."""
    try:
        return render.home_page(request, state.site)
    except UnknownResource as exc:
        raise _unknown_platform(exc) from exc


@router.get("/platform", response_class=HTMLResponse)
def platform(request: Request, state: ServiceDep) -> HTMLResponse:
    try:
        return render.platform_page(request, state.site)
    except UnknownResource as exc:
        raise _unknown_platform(exc) from exc


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, state: ServiceDep) -> HTMLResponse:
    return render.search_page(request, state.site)


@router.get("/browse", response_class=HTMLResponse)
def browse_index(request: Request, state: ServiceDep) -> HTMLResponse:
    try:
        return render.browse_page(request, state.site, None)
    except UnknownResource as exc:
        raise _unknown_platform(exc) from exc


@router.get("/browse/{kinds}", response_class=HTMLResponse)
def browse(kinds: str, request: Request, state: ServiceDep) -> HTMLResponse:
    if kinds not in render.BROWSE_PATHS:
        raise ProblemError(
            404,
            "Not found",
            f"nothing to browse as {kinds!r}; try {', '.join(render.BROWSE_PATHS)}",
            sv=f"Inget att bläddra bland som {kinds!r}; prova {', '.join(render.BROWSE_PATHS)}.",
        )
    try:
        return render.browse_page(request, state.site, render.BROWSE_PATHS[kinds])
    except UnknownResource as exc:
        raise _unknown_platform(exc) from exc


def _as_file(path: str, ext: str, state: ServiceDep) -> Response:
    if not _PATH.match(path):
        raise ProblemError(
            404, "Not found", f"no resource {path}.{ext}", sv=f"Ingen resurs {path}.{ext}."
        )
    iri = URIRef(ID[path])
    # The resource's own version, read before its description.
    etag = state.writer.resource_etag(iri, ext)
    # Under the query time limit, as every read of the data.
    result = time_limited(state.store, state.pool).query(_DESCRIBE, bindings={"iri": iri})
    assert isinstance(result, GraphResult)
    if not result.triples:
        raise ProblemError(
            404, "Not found", f"nothing is known about {iri}", sv=f"Inget är känt om {iri}."
        )
    fmt, media = _AS_FILE[ext]
    g = _graph()
    for t in result.triples:
        g.add(t)
    return Response(
        g.serialize(format=fmt, encoding="utf-8"),
        media_type=media,
        headers={"Link": f'<{iri}>; rel="canonical"', "ETag": etag},
    )


@router.get("/id/{path:path}.ttl")
def resource_as_turtle(path: str, state: ServiceDep) -> Response:
    """/id/actor/polisen.ttl: the resource's description as a Turtle file."""
    return _as_file(path, "ttl", state)


@router.get("/id/{path:path}.jsonld")
def resource_as_jsonld(path: str, state: ServiceDep) -> Response:
    """/id/actor/polisen.jsonld: the resource's description as a JSON-LD file."""
    return _as_file(path, "jsonld", state)
