"""Signing in and out of the workbench."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.workbench.common import first, form, page
from platform_graph.http.workbench.session import (
    COOKIE,
    LOGIN_COOKIE,
    check_post,
    clear_cookie,
    is_https,
    login_nonce,
    safe_next,
    set_cookie,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    state: ServiceDep,
    *,
    status: int = 200,
    failed: bool = False,
    next_path: str | None = None,
) -> HTMLResponse:
    nonce = login_nonce(request)
    response = page(
        request,
        state,
        "login.html",
        None,
        status=status,
        csrf=nonce,
        next=safe_next(next_path or request.query_params.get("next")),
        failed=failed,
        ended=request.query_params.get("ended") == "1",
        hours=round(state.sessions.lifetime.total_seconds() / 3600, 1),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/workbench/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request, state),
    )
    return response


@router.get("/workbench/login", response_class=HTMLResponse)
def login_form(request: Request, state: ServiceDep) -> Response:
    if state.sessions.get(request.cookies.get(COOKIE)) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request, state)


@router.post("/workbench/login", response_class=HTMLResponse)
async def login(request: Request, state: ServiceDep) -> Response:
    values = await form(request)
    # No session yet: the form's nonce must match the one this browser was given.
    expected = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    check_post(request, state, first(values, "csrf") or None, expected)
    opened = state.sessions.open(first(values, "token"))
    if opened is None:
        return _login_page(request, state, status=401, failed=True, next_path=first(values, "next"))
    value, _ = opened
    target = safe_next(first(values, "next"))
    lang = request.query_params.get("lang")
    if lang in ("sv", "en") and "lang=" not in target:
        target += ("&" if "?" in target else "?") + f"lang={lang}"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, state, value)
    response.delete_cookie(LOGIN_COOKIE, path="/workbench/login")
    return response


@router.post("/workbench/logout")
async def logout(request: Request, state: ServiceDep) -> Response:
    value = request.cookies.get(COOKIE)
    session = state.sessions.get(value)
    if session is not None:
        values = await form(request)
        check_post(request, state, first(values, "csrf") or None, session.csrf)
        state.sessions.close(value)
    lang = request.query_params.get("lang")
    suffix = f"&lang={lang}" if lang in ("sv", "en") else ""
    response = RedirectResponse(f"/workbench/login?ended=1{suffix}", status_code=303)
    clear_cookie(response, request, state)
    return response
