"""What the workbench's routes share: the page answer, role checks, form values."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from platform_graph.http.workbench.session import check_post
from platform_graph.service.parts import Service
from platform_graph.web import workbench as web
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role

__all__ = ["RoleTooLow", "done", "form", "page", "post_checked", "require"]


class RoleTooLow(Exception):
    """The signed-in token's role is too low for this page: 403 with the reason."""

    def __init__(self, needed: Role, has: Role) -> None:
        super().__init__(f"needs {needed.value}, has {has.value}")
        self.needed = needed
        self.has = has


def require(session: Session, role: Role) -> None:
    if not session.principal.role.includes(role):
        raise RoleTooLow(role, session.principal.role)


def page(
    request: Request,
    state: Service,
    template: str,
    session: Session | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("notice", None)
    context.setdefault("review_on", state.settings.require_review)
    return web.page(request, state.site, template, session=session, status=status, **context)


def done(request: Request, path: str, **params: str | int) -> RedirectResponse:
    """303 to a page after a successful POST (post/redirect/get), keeping the language."""
    query = {k: str(v) for k, v in params.items()}
    lang = request.query_params.get("lang")
    if lang in ("sv", "en"):
        query["lang"] = lang
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


async def form(request: Request) -> dict[str, list[str]]:
    """The posted form's fields, each with all its values."""
    out: dict[str, list[str]] = {}
    # No form here takes a file: one sent all the same is dropped (and its spool closed).
    async with request.form(max_files=0, max_fields=2000) as data:
        for key, value in data.multi_items():
            if isinstance(value, str):
                out.setdefault(key, []).append(value)
    return out


def first(values: dict[str, list[str]], key: str) -> str:
    found = values.get(key) or [""]
    return found[0].strip()


async def post_checked(request: Request, state: Service, session: Session) -> dict[str, list[str]]:
    """The form of a POST that passed the same-site and CSRF checks."""
    values = await form(request)
    check_post(request, state, first(values, "csrf") or None, session.csrf)
    return values
