"""Errors as JSON problem documents (RFC 9457): never a stack trace, always a reason.

Every problem document carries ``errors``: a list whose entries each hold a ``message``
in Swedish and English (``{"sv": …, "en": …}``), and where it helps the ``parameter``,
``column``, ``rule`` or ``allowed`` values it concerns. ``detail`` stays the English
sentence existing clients read. A call site gives its Swedish with ``sv=``; where it
gives none, the status's general Swedish sentence stands in (``GENERAL_SV``), so no
answer is ever English only.

A browser that navigates to a page that does not exist (``Accept: text/html``, outside
the API's paths) gets the site's HTML 404 page instead of the problem document.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from platform_graph.config import Settings
from platform_graph.http.request_errors import invalid_json, invalid_request
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.store import (
    ChangeTooLarge,
    PoolClosed,
    QueryStopped,
    ServerBusy,
    StoreTimeout,
    StoreUnavailable,
)
from platform_graph.web.render import not_found_page
from platform_graph.write.writer import Forbidden, RevertBlocked, UndoRefused

__all__ = [
    "GENERAL_SV",
    "ProblemError",
    "bilingual",
    "install_handlers",
    "problem",
    "store_problem",
]

log = logging.getLogger(__name__)

GENERAL_SV: dict[int, str] = {
    400: "Begäran kunde inte läsas.",
    401: "Det här kräver en giltig nyckel (token).",
    403: "Du har inte behörighet att göra det här.",
    404: "Det som efterfrågades finns inte.",
    405: "Metoden är inte tillåten här.",
    406: "Inget av de format som begärdes kan levereras.",
    408: "Begäran kom inte fram i tid.",
    409: "Begäran krockar med hur data ser ut nu.",
    412: "Villkoret i begäran (If-Match) stämmer inte längre: data har ändrats sedan du läste.",
    413: "Begäran är för stor.",
    415: "Innehållstypen stöds inte.",
    422: "Ett värde i begäran är ogiltigt.",
    500: "Servern kunde inte svara; felet är loggat.",
    503: "Tjänsten kan inte svara just nu; försök igen om en stund.",
}
"""Each status's general Swedish sentence: what an answer says when its call site gave
no Swedish of its own."""


def _general_sv(status: int) -> str:
    return GENERAL_SV.get(status) or GENERAL_SV[500 if status >= 500 else 400]


def bilingual(
    status: int, detail: str, sv: str | None, errors: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """``errors`` with a Swedish and an English message on every entry (one entry made
    from ``detail`` and ``sv`` when there are none)."""
    if not errors:
        return [{"message": {"sv": sv or _general_sv(status), "en": detail}}]
    out: list[dict[str, Any]] = []
    for item in errors:
        # A bare string is an entry's message (English): never a 500 for its shape.
        entry = item if isinstance(item, dict) else {"message": str(item)}
        message = entry.get("message")
        if isinstance(message, dict) and message.get("sv") and message.get("en"):
            out.append(entry)
            continue
        en = message if isinstance(message, str) and message else detail
        if isinstance(message, dict):
            en = str(message.get("en") or detail)
        out.append({**entry, "message": {"sv": sv or _general_sv(status), "en": en}})
    return out


class ProblemError(Exception):
    """Raise to answer with a problem document; ``sv`` is the Swedish of ``detail``."""

    def __init__(
        self, status: int, title: str, detail: str, *, sv: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.sv = sv
        self.extra = extra


def problem(
    status: int, title: str, detail: str, *, sv: str | None = None, **extra: Any
) -> JSONResponse:
    errors = bilingual(status, detail, sv, extra.pop("errors", None))
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
        "errors": errors,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def store_problem(exc: BaseException, settings: Settings | None) -> Response | None:
    """The problem document for a refused request or a store that could not answer it;
    None for any other error. (The app's handlers and the short lanes both use it.)"""
    if isinstance(exc, ProblemError):
        return problem(exc.status, exc.title, exc.detail, sv=exc.sv, **exc.extra)
    settings = settings or Settings()
    if isinstance(exc, StoreTimeout):
        # A read that ran past the time limit (its query worker was stopped): the same
        # answer everywhere, /sparql, the REST API, a named query or a page.
        seconds = settings.query_timeout
        return problem(
            503,
            "Query timeout",
            str(exc),
            sv=f"Frågan tog längre tid än gränsen ({seconds:g} s) och stoppades.",
            timeout_seconds=seconds,
        )
    if isinstance(exc, ServerBusy):
        response = problem(
            503,
            "Server busy",
            str(exc),
            sv="Servern är upptagen av långsamma frågor; försök igen om "
            f"{exc.retry_after} sekunder.",
            retry_after_seconds=exc.retry_after,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, QueryStopped):
        return problem(
            503,
            "Query stopped",
            str(exc),
            sv="Frågan stoppades: den använde mer minne än den får "
            f"({settings.query_memory_mb} MiB).",
            memory_limit_mb=settings.query_memory_mb,
        )
    if isinstance(exc, StoreUnavailable):
        log.error("the store is unavailable: %s", exc)
        response = problem(
            503,
            "Store unavailable",
            "the store cannot be reached; try again later",
            sv="Databasen går inte att nå; försök igen senare.",
        )
        response.headers["Retry-After"] = "10"
        return response
    if isinstance(exc, PoolClosed):
        response = problem(
            503,
            "Service unavailable",
            str(exc),
            sv="Tjänsten håller på att stänga; försök igen om en stund.",
        )
        response.headers["Retry-After"] = "5"
        return response
    return None


# Where a browser never navigates to a page: the API, the endpoints, the downloads.
_API_PATHS = ("/api/", "/sparql", "/update", "/rdf-graphs", "/data/", "/openapi.json", "/static/")


def wants_page(request: Request) -> bool:
    """A browser navigating to a page: it asks for HTML first, outside the API's paths."""
    path = request.url.path
    if path.startswith(_API_PATHS) or path in ("/api", "/data"):
        return False
    try:
        chosen = best_match(
            request.headers.get("accept"),
            ("application/problem+json", "application/json", "text/html"),
            "application/problem+json",
        )
    except NotAcceptable:
        return False
    return chosen == "text/html"


def _not_found(request: Request, detail: str, sv: str | None) -> Response:
    if wants_page(request) and hasattr(request.app.state, "platform"):
        return not_found_page(request)
    return problem(404, "Not found", detail, sv=sv)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        if exc.status == 404 and not exc.extra:
            return _not_found(request, exc.detail, exc.sv)
        return problem(exc.status, exc.title, exc.detail, sv=exc.sv, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body_errors = [e for e in errors if tuple(e.get("loc", ())) == ("body",)]
        if body_errors and media != "application/json":
            return problem(
                415,
                "Unsupported media type",
                f"send the body as application/json, not {media or 'without a content type'}",
                sv=f"Skicka innehållet som application/json, inte {media or 'utan innehållstyp'}.",
            )
        broken = [e for e in errors if e.get("type") == "json_invalid"]
        if broken:
            return problem(**invalid_json(broken[0], exc.body))
        return problem(**invalid_request(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            detail = str(exc.detail)
            response = _not_found(
                request,
                f"nothing is served at {request.url.path}" if detail == "Not Found" else detail,
                f"Inget finns på {request.url.path}.",
            )
        elif exc.status_code == 405:
            response = problem(
                405,
                "Method not allowed",
                f"{request.method} is not allowed at {request.url.path}",
                sv=f"{request.method} är inte tillåtet på {request.url.path}.",
            )
        else:
            titles = {406: "Not acceptable"}
            response = problem(
                exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
            )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _store(request: Request, exc: Exception) -> Response:
        service = getattr(request.app.state, "platform", None)
        response = store_problem(exc, None if service is None else service.settings)
        assert response is not None
        return response

    for kind in (StoreTimeout, ServerBusy, QueryStopped, StoreUnavailable, PoolClosed):
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
        listed = ", ".join(str(b) for b in exc.blockers)
        return problem(
            409,
            "Revert blocked",
            str(exc),
            sv=f"Ändring {exc.seq} kan inte ångras ensam: senare ändring(ar) {listed} ändrade "
            f"samma tripler. Ångra dem först, eller återställ läget före ändring {exc.seq}.",
            blocked_by=[{"id": n, "href": f"/api/changes/{n}"} for n in exc.blockers],
            restore=f"/api/changes/{exc.seq}/restore",
        )

    @app.exception_handler(UndoRefused)
    async def _refused(_: Request, exc: UndoRefused) -> JSONResponse:
        return problem(
            409,
            "Cannot be undone",
            exc.en,
            change={"id": exc.seq, "href": f"/api/changes/{exc.seq}"},
            errors=[{"message": {"sv": exc.sv, "en": exc.en}}],
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem(500, "Internal error", "the server failed to answer; the error is logged")
