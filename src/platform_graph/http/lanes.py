"""A short way in for the most frequent reads: /sparql and the Linked Data resources.

Through FastAPI a request is matched against the routes before its own, its
dependencies are solved, and a plain function handler runs in a thread: for a small
/sparql answer that was about half of the service's time (docs/benchmarks.md). These
requests go straight to their handlers instead, inside the same middleware (the
request's scope and time limit, the security headers, the dataset's ETag, the body
limit). The routes stay in the app, where the OpenAPI document describes them and where
every other method at these paths is answered. A refusal or a store error becomes the
same problem document the app's handlers give.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from platform_graph.http import linked_data, sparql
from platform_graph.http.problems import store_problem
from platform_graph.service.parts import Service

__all__ = ["Lanes"]

_RESOURCE = re.compile(r"^/id/(.+)$")


class Lanes:
    """GET and POST /sparql, and GET /id/…, to their handlers without the router."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if path == "/sparql" and method in ("GET", "POST"):
                await self._sparql(scope, receive, send)
                return
            found = _RESOURCE.match(path) if method == "GET" else None
            if found is not None and linked_data.in_lane(found.group(1)):
                await self._resource(found.group(1), scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _sparql(self, scope: Scope, receive: Receive, send: Send) -> None:
        service: Service = scope["app"].state.platform
        request = Request(scope, receive)
        try:
            response = await sparql.sparql(request, service)
        except Exception as exc:
            refused = store_problem(exc, service.settings)
            if refused is None:
                raise  # the app's last handler: a 500 problem, logged
            response = refused
        await response(scope, receive, send)

    async def _resource(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        service: Service = scope["app"].state.platform
        request = Request(scope, receive)
        try:
            response = await linked_data.resource_async(path, request, service)
        except Exception as exc:
            refused = store_problem(exc, service.settings)
            if refused is None:
                raise
            response = refused
        if response is None:  # a browser: the route renders the resource's page
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
