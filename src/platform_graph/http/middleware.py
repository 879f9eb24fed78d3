"""The service's middleware, as plain ASGI: the request's scope (client, deadline), the
security headers, the body size and time limits, and the dataset's ETag.

Plain ASGI classes, not ``BaseHTTPMiddleware`` (``@app.middleware("http")``): that one
runs the rest of the app in a task of its own and passes the response through a memory
stream, which every request paid for, whether it touched data or not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_graph.http.problems import problem
from platform_graph.store import request_scope

__all__ = ["BodyLimit", "DatasetETag", "HeadAsGet", "RequestScope", "SecurityHeaders"]


class RequestScope:
    """Note who asks and when the answer is due, as the request arrives: one time limit
    covers the whole request, and the query workers are shared between clients."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            request_scope.enter(client[0] if client else "unknown", self.timeout)
        await self.app(scope, receive, send)


class HeadAsGet:
    """HEAD wherever GET answers (RFC 9110 9.3.2): the GET's status and headers, no body.

    The web framework routes HEAD only where a route declares it (the Graph Store Protocol,
    the static files, the OpenAPI document do); every other read answered 405, though CORS
    and HTTP promise HEAD beside GET. A HEAD that no route takes but a GET would is run as
    that GET, and its body is dropped on the way out (Content-Length stays the GET's).
    """

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    def _routed(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or self._routed(scope):
            await self.app(scope, receive, send)
            return
        as_get = {**scope, "method": "GET"}
        if not self._routed(as_get):
            await self.app(scope, receive, send)  # no GET either: the usual 404 or 405
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(as_get, receive, without_body)


def content_security_policy(frame_ancestors: str) -> str:
    """No inline script anywhere: pages load their scripts from /static only."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # YASGUI and Swagger UI set style attributes; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


class SecurityHeaders:
    """Every answer says: no script but our own, no sniffing, no framing, little referrer."""

    def __init__(self, app: ASGIApp, frame_ancestors: str = "'none'") -> None:
        self.app = app
        headers = [
            (b"content-security-policy", content_security_policy(frame_ancestors).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if frame_ancestors.strip() == "'none'":
            headers.append((b"x-frame-options", b"DENY"))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [h for h in self.headers if h[0] not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """A request body past ``limit`` bytes gets 413; one that trickles in slower than
    ``timeout`` seconds a piece gets 408.

    The bytes received are counted, so a chunked body without Content-Length is held to
    the same limit as one that declares its length.
    """

    def __init__(self, app: ASGIApp, limit: int, timeout: float = 30.0) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        framed = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                framed = True
        if declared is None and not framed:
            # Neither Content-Length nor Transfer-Encoding: HTTP/1.1 says there is no
            # body, so there is nothing to count.
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        # Read the body first, counting: a chunked body without Content-Length is held
        # to the same limit, and the app sees a body only once it is known to fit.
        chunks: list[bytes] = []
        received = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout=self.timeout)
            except TimeoutError:
                response = problem(
                    408,
                    "Request timeout",
                    f"the request body did not arrive within {self.timeout:g} s",
                )
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Request too large", f"the request body exceeds {self.limit} bytes")
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class DatasetETag:
    """Reads carry the dataset's ETag (the latest change); If-None-Match gives 304.

    Applies to GET and HEAD under ``prefixes`` (but not under ``excluded``). The ETag is
    read before the request runs: if a write lands meanwhile, the client holds an older
    ETag, and a write based on it gets 412, never a lost update. A 200 answer that sets
    no ETag of its own gets the dataset's. The 304 replaces the app's own 200, so it is
    given only to a request the app answered, after its authorization.
    """

    def __init__(
        self,
        app: ASGIApp,
        prefixes: tuple[str, ...],
        etag: Callable[[Scope], Awaitable[str]],
        excluded: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.excluded = excluded
        self.etag = etag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefixes)
            or scope["path"].startswith(self.excluded)
        ):
            await self.app(scope, receive, send)
            return
        etag = await self.etag(scope)
        wanted: list[str] = []
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                # The first If-None-Match header, as Starlette's Request.headers.get reads it.
                wanted = [t.strip() for t in value.decode("latin-1").split(",")]
                break
        header = (b"etag", etag.encode("latin-1"))
        not_modified = False

        async def send_with_etag(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", ()))
                own = next((v.decode("latin-1") for n, v in headers if n.lower() == b"etag"), None)
                if own is None:
                    headers.append(header)
                if (own or etag) in wanted or "*" in wanted:
                    not_modified = True
                    kept = [
                        (n, v)
                        for n, v in headers
                        if n.lower() not in (b"content-length", b"content-type")
                    ]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    return
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_with_etag)
