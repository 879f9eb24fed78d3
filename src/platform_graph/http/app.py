"""The app factory: settings and store in, a FastAPI app out; nothing global."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.types import Scope

import platform_graph.http.graph_store as graph_store
from platform_graph import __version__
from platform_graph.config import Settings
from platform_graph.http import (
    assessments,
    auth,
    changes,
    follow_up,
    linked_data,
    named_queries,
    openapi_doc,
    pages,
    proposals,
    rest,
    review,
    sparql,
    tokens,
    update,
    workbench,
)
from platform_graph.http.cors import Cors
from platform_graph.http.lanes import Lanes
from platform_graph.http.middleware import (
    BodyLimit,
    DatasetETag,
    HeadAsGet,
    RequestScope,
    SecurityHeaders,
)
from platform_graph.http.problems import install_handlers
from platform_graph.read.named_queries import load_queries
from platform_graph.service.parts import Service, start
from platform_graph.store import Store

__all__ = ["create_app"]

# Paths whose answers depend on the data, and so on the dataset's version.
_VERSIONED = ("/api/", "/id/", "/data/", "/sparql", "/ontology")

log = logging.getLogger(__name__)

DESCRIPTION = """
A knowledge graph over Örebro kommun's political platform 2022–2026: every sentence as a
commitment or as context, linked to its exact words in the source, to the actors it names,
the areas it concerns and its themes.

* **SPARQL** at `/sparql` (SPARQL 1.1 Protocol, read-only).
* **REST** under `/api/`: commitments with filters, actors, areas, themes, sections, counts,
  and the named queries under `/api/queries`.
* **Linked Data**: every `https://w3id.org/platform-graph/id/...` IRI resolves at `/id/...`;
  downloads under `/data/`.
"""


_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>platform-graph: API</title>
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


async def _dataset_etag(scope: Scope) -> str:
    service: Service = scope["app"].state.platform
    if service.store.capabilities.local:
        return service.writer.etag()  # a lookup in this process: no need for a thread
    # A remote store answers over the network: not on the event loop.
    return await asyncio.to_thread(service.writer.etag)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. Without a store, the embedded store is opened from the settings."""
    settings = settings or Settings()
    queries = load_queries(settings.queries_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests wait in threads for a query worker; with the default pools (six and
        # forty threads) eight slow requests left a short one queued for a thread.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=settings.max_connections, thread_name_prefix="request")
        )
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.max_connections
        service = start(settings, store, queries)
        app.state.platform = service
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="platform-graph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the vendored Swagger UI: no CDN
        redoc_url=None,  # ReDoc would load its script from a CDN
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI, vendored, started by a script file: no CDN, no inline script.
        return HTMLResponse(_DOCS_PAGE)

    install_handlers(app)
    auth.install_handlers(app)

    # Innermost: the most frequent reads skip the router (inside every middleware below).
    app.add_middleware(Lanes)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(
        DatasetETag,
        prefixes=_VERSIONED,
        etag=_dataset_etag,
        excluded=("/api/tokens", "/api/proposals"),
    )
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    # Reads open to pages on other origins (never writes, never with credentials).
    app.add_middleware(Cors, origins=settings.cors_origins)
    # HEAD wherever GET answers; outside the rest, which then see (and cache, and open
    # to other origins) the GET it stands for.
    app.add_middleware(HeadAsGet, router=app.router)
    # Outermost: the time limit starts when the request arrives.
    app.add_middleware(RequestScope, timeout=settings.query_timeout)

    pages.mount_static(app)
    app.include_router(pages.router)  # before Linked Data: it answers /id/....ttl and .jsonld
    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(named_queries.build_router(queries))
    app.include_router(linked_data.router)
    app.include_router(changes.router)
    app.include_router(assessments.router)
    app.include_router(follow_up.router)
    app.include_router(review.router)
    app.include_router(update.router)
    app.include_router(graph_store.router)
    app.include_router(tokens.router)
    app.include_router(proposals.router)
    workbench.install(app)
    openapi_doc.document(app)
    return app
