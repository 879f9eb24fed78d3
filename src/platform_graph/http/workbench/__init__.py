"""The data officer's workbench under /workbench/: sign in, follow up, correct, review,
the change log, spreadsheets and tokens, as server-rendered pages with plain forms."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from platform_graph.http.workbench import (
    change_log,
    corrections,
    drafts,
    follow_up,
    home,
    review,
    sign_in,
    tokens,
)
from platform_graph.http.workbench.common import RoleTooLow, page
from platform_graph.http.workbench.session import (
    COOKIE,
    CsrfRefused,
    NeedsSignIn,
    sign_in_redirect,
)

__all__ = ["install", "router"]

router = APIRouter(include_in_schema=False)
for part in (sign_in, home, follow_up, corrections, review, drafts, change_log, tokens):
    router.include_router(part.router)


def install(app: FastAPI) -> None:
    """The workbench's routes and its answers to a missing sign-in, a page above the
    token's role, and a form that may come from another site."""
    app.include_router(router)

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, exc: NeedsSignIn) -> Response:
        if request.method != "GET":
            return _refusal(request, 403, "sign_in_needed")
        return sign_in_redirect(exc, request.query_params.get("lang"))

    @app.exception_handler(RoleTooLow)
    async def _forbidden(request: Request, exc: RoleTooLow) -> Response:
        key = "needs_admin" if exc.needed.value == "admin" else "needs_editor"
        return _refusal(request, 403, key, role=exc.has.value)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        state = request.app.state.platform
        session = state.sessions.get(request.cookies.get(COOKIE))
        return page(
            request,
            state,
            "refused.html",
            session,
            status=403,
            reason={"sv": exc.sv, "en": exc.en},
        )


def _refusal(request: Request, status: int, key: str, **values: str) -> HTMLResponse:
    state = request.app.state.platform
    session = state.sessions.get(request.cookies.get(COOKIE))
    return page(request, state, "refused.html", session, status=status, key=key, values=values)
