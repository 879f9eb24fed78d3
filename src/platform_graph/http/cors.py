"""CORS for the reads, so that a notebook or a YASGUI on another origin can query the
service from a browser: GET and HEAD of the data (``/sparql``, ``/api/``, ``/id/``,
``/data/``, ``/ontology``, the OpenAPI document), and POST of a query to ``/sparql``.

Never for a write (any other method, or a POST anywhere else), never with credentials
(``Access-Control-Allow-Credentials`` is never sent: reads need no token, and a browser
sends no cookie cross-origin without it), never for the cookie-authenticated pages under
``/workbench/``, nor for the token administration under ``/api/tokens``. Any origin by
default (``*``); ``CORS_ORIGINS`` lists the origins allowed instead, or is empty for none.
A preflight (OPTIONS with ``Access-Control-Request-Method``) for a read is answered here
with 204; one for anything else gets 403 and no CORS headers, so the browser refuses.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_graph.http.problems import problem

__all__ = ["READ_PREFIXES", "Cors", "parse_origins"]

READ_PREFIXES = ("/sparql", "/api/", "/id/", "/data/", "/ontology", "/openapi.json")
EXCLUDED_PREFIXES = ("/workbench", "/api/tokens")
QUERY_POSTS = ("/sparql",)
# Request headers a cross-origin read may send beyond the CORS-safelisted ones.
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since"
# Response headers a page on another origin may read.
EXPOSED_HEADERS = (
    "ETag, Link, Location, X-Total-Count, X-Result-Truncated, Content-Disposition, "
    "Content-Language, Retry-After"
)
MAX_AGE = "600"


def parse_origins(setting: str) -> frozenset[str] | None:
    """None for any origin ("*"), else the origins allowed (none for "")."""
    parts = {o.strip().rstrip("/") for o in setting.split(",") if o.strip()}
    return None if "*" in parts else frozenset(parts)


def _allowed_method(path: str, method: str) -> bool:
    if not path.startswith(READ_PREFIXES) or path.startswith(EXCLUDED_PREFIXES):
        return False
    if method in ("GET", "HEAD"):
        return True
    return method == "POST" and path in QUERY_POSTS


class Cors:
    def __init__(self, app: ASGIApp, origins: str = "*") -> None:
        self.app = app
        self.origins = parse_origins(origins)

    def _allow_origin(self, origin: str) -> bytes | None:
        if self.origins is None:
            return b"*"
        if origin.rstrip("/") in self.origins:
            return origin.encode("latin-1")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = None
        requested = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                requested = value.decode("latin-1").strip().upper()
        method, path = scope["method"], scope["path"]
        if method == "OPTIONS" and origin is not None and requested is not None:
            await self._preflight(scope, receive, send, origin, requested)
            return
        allow = (
            self._allow_origin(origin)
            if origin is not None and _allowed_method(path, method)
            else None
        )
        if allow is None:
            await self.app(scope, receive, send)
            return
        extra = [
            (b"access-control-allow-origin", allow),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        ]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *extra]
                if self.origins is not None:
                    headers.append((b"vary", b"Origin"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(
        self, scope: Scope, receive: Receive, send: Send, origin: str, requested: str
    ) -> None:
        path = scope["path"]
        allow = self._allow_origin(origin)
        if allow is None or not _allowed_method(path, requested):
            response = problem(
                403,
                "Cross-origin request refused",
                f"{requested} {path} is not open to other origins"
                + ("" if allow is not None else f" (origin {origin} is not allowed)")
                + ": only reads, and POST of a query to /sparql, are",
            )
            await response(scope, receive, send)
            return
        methods = "GET, HEAD, POST" if path in QUERY_POSTS else "GET, HEAD"
        headers = [
            (b"access-control-allow-origin", allow),
            (b"access-control-allow-methods", methods.encode()),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", MAX_AGE.encode()),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
