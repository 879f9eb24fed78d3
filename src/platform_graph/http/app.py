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
    linked_data,
    named_queries,
    openapi_doc,
    pages,
    rest,
    security,
    sparql,
    writes,
)
from platform_graph.http.middleware import BodyLimit, DatasetETag, RequestScope, SecurityHeaders
from platform_graph.http.problems import install_handlers
from platform_graph.http.state import AppState
from platform_graph.read.downloads import Downloads
from platform_graph.read.model import ReadModel
from platform_graph.read.named_queries import load_queries
from platform_graph.service.open_store import open_store
from platform_graph.store import Store
from platform_graph.store.oxigraph import OxigraphStore, data_update
from platform_graph.store.pool import QueryPool, WorkerLimits
from platform_graph.store.time_limited import read_version, time_limited
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.vocab.namespaces import ONTOLOGY_GRAPH, THEMES_GRAPH
from platform_graph.write.tokens import TokenRegistry
from platform_graph.write.update_runner import UpdateRunner
from platform_graph.write.writer import WritePolicy, Writer

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
    state = scope["app"].state.platform
    if isinstance(state.store, OxigraphStore):
        etag: str = state.writer.etag()  # an in-memory lookup: no need for a thread
        return etag
    # A remote store answers over the network: not on the event loop.
    remote: str = await asyncio.to_thread(state.writer.etag)
    return remote


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
        the_store = store if store is not None else open_store(settings)
        pool: QueryPool | None = None
        policy = WritePolicy(
            max_removals=settings.editor_max_removals,
            protected=frozenset({ONTOLOGY_GRAPH, THEMES_GRAPH}),
        )
        writer = Writer(the_store, Validator(load_shapes(settings.paths.shapes)), policy)
        limits = WorkerLimits(
            memory_bytes=settings.query_memory_mb * 2**20,
            max_result_bytes=settings.max_result_bytes,
            network=settings.allow_service,
        )
        embedded = isinstance(the_store, OxigraphStore)
        if embedded:
            # The embedded engine cannot be interrupted: /sparql runs in killable workers.
            # A remote server runs queries itself, under the client's time limit.
            pool = QueryPool(
                lambda: the_store.dump("application/n-quads"),
                size=settings.query_workers,
                timeout=settings.query_timeout,
                max_size=settings.query_workers_max,
                limits=limits,
            )
            replicas = pool
            writer.on_commit(lambda removed, added: replicas.changed(data_update(removed, added)))
        # SPARQL Update runs in a confined worker too, whichever the store.
        updates = UpdateRunner(
            the_store,
            persistent=embedded,
            timeout=settings.query_timeout,
            limits=limits,
            max_quads=settings.max_change_quads,
        )
        writer.on_commit(updates.changed)
        app.state.platform = AppState(
            settings=settings,
            store=the_store,
            pool=pool,
            queries=queries,
            read_model=ReadModel(time_limited(the_store, pool), read_version(writer.etag, pool)),
            tokens=TokenRegistry(settings.tokens_path, configured=settings.tokens),
            writer=writer,
            updates=updates,
            downloads=Downloads(settings.downloads_dir, the_store, writer.etag),
        )
        try:
            yield
        finally:
            updates.close()
            if pool is not None:
                pool.close()

    app = FastAPI(
        title="platform-graph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the vendored Swagger UI: no CDN
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI, vendored, started by a script file: no CDN, no inline script.
        return HTMLResponse(_DOCS_PAGE)

    install_handlers(app)
    security.install_handlers(app)

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(
        DatasetETag, prefixes=_VERSIONED, etag=_dataset_etag, excluded=("/api/tokens",)
    )
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    # Outermost: the time limit starts when the request arrives.
    app.add_middleware(RequestScope, timeout=settings.query_timeout)

    pages.mount_static(app)
    app.include_router(pages.router)  # before Linked Data: it answers /id/....ttl and .jsonld
    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(named_queries.build_router(queries))
    app.include_router(linked_data.router)
    app.include_router(writes.router)
    app.include_router(graph_store.router)
    app.include_router(security.tokens_router)
    openapi_doc.document(app)
    return app
