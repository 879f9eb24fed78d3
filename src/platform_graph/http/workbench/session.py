"""The workbench's session cookie, CSRF tokens and same-origin checks.

Signing in gives a session cookie (``HttpOnly``, ``SameSite=Strict``, ``Path=/``,
``Secure`` over https, with an expiry). Every form that changes something carries the
session's CSRF token, and every POST must come from this site: a POST without the token,
with another site's ``Origin`` or ``Sec-Fetch-Site: cross-site`` is refused with 403
before anything is read or changed.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.service.parts import Service
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role

__all__ = [
    "COOKIE",
    "LOGIN_COOKIE",
    "CsrfRefused",
    "NeedsSignIn",
    "SessionDep",
    "check_post",
    "clear_cookie",
    "current_session",
    "is_https",
    "login_nonce",
    "safe_next",
    "set_cookie",
]

COOKIE = "pg_session"
LOGIN_COOKIE = "pg_login"
"""A nonce for the sign-in form itself (there is no session yet to hold a CSRF token)."""


class NeedsSignIn(Exception):
    """No live session: a page answers 303 to the sign-in page (a form POST, 403)."""

    def __init__(self, next_path: str, role: Role | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.role = role


class CsrfRefused(Exception):
    """A state-changing request that may come from another site: 403, nothing changed."""

    def __init__(self, reason_sv: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.sv = reason_sv
        self.en = reason_en


def is_https(request: Request, state: Service) -> bool:
    return request.url.scheme == "https" or state.settings.public_base.startswith("https:")


def set_cookie(response: Response, request: Request, state: Service, value: str) -> None:
    seconds = int(state.sessions.lifetime.total_seconds())
    response.set_cookie(
        COOKIE,
        value,
        max_age=seconds,
        expires=seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request, state),
    )


def clear_cookie(response: Response, request: Request, state: Service) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request, state)
    )


def login_nonce(request: Request) -> str:
    """The sign-in form's nonce: the one in the browser's cookie, or a new one."""
    found = request.cookies.get(LOGIN_COOKIE)
    if found and 20 <= len(found) <= 100:
        return found
    return secrets.token_urlsafe(24)


def safe_next(path: str | None) -> str:
    """Where to go after signing in: only a path of the workbench on this site."""
    if not path or not path.startswith("/workbench") or path.startswith("//"):
        return "/workbench/"
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or "\\" in path:
        return "/workbench/"
    return path


def _own_origins(request: Request, state: Service) -> set[str]:
    origins = {state.settings.public_base.rstrip("/")}
    host = request.headers.get("host")
    if host:
        origins.add(f"{request.url.scheme}://{host}")
    return origins


def check_post(request: Request, state: Service, offered: str | None, expected: str) -> None:
    """Refuse (CsrfRefused) a POST from another site, or without the right CSRF token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise CsrfRefused(
            "Formuläret skickades från en annan webbplats.",
            "The form was sent from another site.",
        )
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in _own_origins(request, state):
        raise CsrfRefused(
            f"Formuläret skickades från en annan webbplats ({origin}).",
            f"The form was sent from another site ({origin}).",
        )
    if not offered or not hmac.compare_digest(offered, expected):
        raise CsrfRefused(
            "Formuläret saknar eller har fel säkerhetsnyckel (CSRF). Ladda om sidan och "
            "försök igen.",
            "The form's security token (CSRF) is missing or wrong. Reload the page and try again.",
        )


def current_session(request: Request, state: ServiceDep) -> Session:
    """The signed-in data officer's session, or NeedsSignIn."""
    session = state.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise NeedsSignIn(target)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def sign_in_redirect(exc: NeedsSignIn, lang: str | None) -> RedirectResponse:
    url = f"/workbench/login?next={quote(exc.next_path, safe='')}"
    if lang:
        url += f"&lang={lang}"
    return RedirectResponse(url, status_code=303)
