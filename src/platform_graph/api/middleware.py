"""The service's middleware, as plain ASGI: the body size limit and the dataset's ETag.

Plain ASGI classes, not ``BaseHTTPMiddleware`` (``@app.middleware("http")``): that one
runs the rest of the app in a task of its own and passes the response through a memory
stream, which every request paid for, whether it touched data or not.
"""

from __future__ import annotations

import asyncio

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_graph.api.problems import problem
from platform_graph.store.oxigraph import OxigraphStore

__all__ = ["BodyLimit", "DatasetETag"]


class BodyLimit:
    """A request body past ``limit`` bytes gets 413.

    The bytes received are counted, so a chunked body without Content-Length is held to
    the same limit as one that declares its length.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

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
            message = await receive()
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

    Applies to GET and HEAD under ``prefixes``. The ETag is read before the request runs:
    if a write lands meanwhile, the client holds an older ETag, and a write based on it
    gets 412, never a lost update. A 200 answer that sets no ETag of its own gets the
    dataset's.
    """

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.platform
        if isinstance(state.store, OxigraphStore):
            etag: str = state.writer.etag()  # an in-memory lookup: no need for a thread
        else:
            # A remote store answers over the network: not on the event loop.
            etag = await asyncio.to_thread(state.writer.etag)
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                # The first If-None-Match header, as Starlette's Request.headers.get reads it.
                if etag in [t.strip() for t in value.decode("latin-1").split(",")]:
                    await Response(status_code=304, headers={"ETag": etag})(scope, receive, send)
                    return
                break
        header = (b"etag", etag.encode("latin-1"))

        async def send_with_etag(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", ()))
                if not any(name.lower() == b"etag" for name, _ in headers):
                    headers.append(header)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_etag)
