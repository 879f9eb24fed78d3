"""Errors as JSON problem documents (RFC 9457): never a stack trace, always a reason."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from platform_graph.config import Settings
from platform_graph.store import (
    ChangeTooLarge,
    PoolClosed,
    QueryStopped,
    ServerBusy,
    StoreTimeout,
    StoreUnavailable,
)
from platform_graph.write.writer import Forbidden, RevertBlocked

__all__ = ["ProblemError", "install_handlers", "problem", "store_problem"]

log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def store_problem(exc: BaseException, settings: Settings | None) -> JSONResponse | None:
    """The problem document for a refused request or a store that could not answer it;
    None for any other error. (The app's handlers and the short lanes both use it.)"""
    if isinstance(exc, ProblemError):
        return problem(exc.status, exc.title, exc.detail, **exc.extra)
    settings = settings or Settings()
    if isinstance(exc, StoreTimeout):
        # A read that ran past the time limit (its query worker was stopped): the same
        # answer everywhere, /sparql, the REST API, a named query or a page.
        return problem(503, "Query timeout", str(exc), timeout_seconds=settings.query_timeout)
    if isinstance(exc, ServerBusy):
        response = problem(503, "Server busy", str(exc), retry_after_seconds=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, QueryStopped):
        return problem(503, "Query stopped", str(exc), memory_limit_mb=settings.query_memory_mb)
    if isinstance(exc, StoreUnavailable):
        log.error("the store is unavailable: %s", exc)
        response = problem(503, "Store unavailable", "the store cannot be reached; try again later")
        response.headers["Retry-After"] = "10"
        return response
    if isinstance(exc, PoolClosed):
        response = problem(503, "Service unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response
    return None


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body_errors = [e for e in exc.errors() if tuple(e.get("loc", ())) == ("body",)]
        if body_errors and media != "application/json":
            return problem(
                415,
                "Unsupported media type",
                f"send the body as application/json, not {media or 'without a content type'}",
            )
        errors = []
        for err in exc.errors():
            # A list's item (strength=firm&strength=...) is named by its parameter.
            loc = [
                str(p)
                for p in err.get("loc", ())
                if p not in ("query", "path", "body") and not isinstance(p, int)
            ]
            name = ".".join(loc) or "body"
            entry: dict[str, Any] = {"parameter": name, "message": err.get("msg", "")}
            ctx = err.get("ctx") or {}
            if "expected" in ctx:
                entry["allowed"] = ctx["expected"]
            errors.append(entry)
        names = ", ".join(e["parameter"] for e in errors)
        return problem(422, "Invalid parameter", f"invalid value for: {names}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable"}
        response = problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _store(request: Request, exc: Exception) -> JSONResponse:
        service = getattr(request.app.state, "platform", None)
        response = store_problem(exc, None if service is None else service.settings)
        assert response is not None
        return response

    for kind in (
        ProblemError,
        StoreTimeout,
        ServerBusy,
        QueryStopped,
        StoreUnavailable,
        PoolClosed,
    ):
        app.add_exception_handler(kind, _store)

    @app.exception_handler(ChangeTooLarge)
    async def _too_large(request: Request, exc: ChangeTooLarge) -> JSONResponse:
        most = request.app.state.platform.settings.max_change_quads
        return problem(
            413,
            "Change too large",
            f"{exc}; one change may add or remove at most {most} quads",
            errors=[
                {
                    "message": {
                        "sv": f"Ändringen skulle ändra {exc.quads} kvader; högst {most} "
                        "får ändras i en ändring.",
                        "en": f"The change would change {exc.quads} quads; at most {most} "
                        "may change in one change.",
                    }
                }
            ],
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return problem(
            403,
            "Forbidden",
            exc.en,
            rule=exc.rule,
            errors=[{"rule": exc.rule, "message": {"sv": exc.sv, "en": exc.en}}],
        )

    @app.exception_handler(RevertBlocked)
    async def _blocked(_: Request, exc: RevertBlocked) -> JSONResponse:
        return problem(
            409,
            "Revert blocked",
            str(exc),
            blocked_by=[{"id": n, "href": f"/api/changes/{n}"} for n in exc.blockers],
            restore=f"/api/changes/{exc.seq}/restore",
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem(500, "Internal error", "the server failed to answer; the error is logged")
