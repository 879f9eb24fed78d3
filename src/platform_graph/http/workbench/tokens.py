"""Tokens (an administrator's): create (shown once), list, revoke, from a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.workbench.common import first, page, post_checked, require
from platform_graph.http.workbench.session import SessionDep
from platform_graph.service.parts import Service
from platform_graph.write.field_errors import FieldError
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role, TokenError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _tokens_page(
    request: Request,
    state: Service,
    session: Session,
    *,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    now = datetime.now(UTC)
    return page(
        request,
        state,
        "tokens.html",
        session,
        status=status,
        tokens=state.tokens.list(),
        now=now,
        roles=[r.value for r in Role],
        errors=context.pop("errors", []),
        **context,
    )


@router.get("/workbench/tokens", response_class=HTMLResponse)
def tokens(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    require(session, Role.admin)
    return _tokens_page(request, state, session)


@router.post("/workbench/tokens", response_class=HTMLResponse)
async def change_tokens(request: Request, state: ServiceDep, session: SessionDep) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.admin)
    action = first(values, "action")
    name = first(values, "name")
    if action == "revoke":
        try:
            state.tokens.revoke(name)
        except TokenError as exc:
            return _tokens_page(
                request,
                state,
                session,
                status=422,
                errors=[FieldError("", "token", str(exc), str(exc))],
            )
        ended = state.sessions.close_for(name)
        return _tokens_page(
            request, state, session, notice=("token_revoked", {"name": name, "n": ended})
        )
    errors: list[FieldError] = []
    days_text = first(values, "days")
    expires = None
    if days_text:
        try:
            days = int(days_text)
            if not 1 <= days <= 3650:
                raise ValueError(days_text)
            expires = datetime.now(UTC) + timedelta(days=days)
        except ValueError:
            errors.append(
                FieldError(
                    "days",
                    "range",
                    "Skriv ett antal dagar mellan 1 och 3650.",
                    "Write a number of days between 1 and 3650.",
                )
            )
    if not errors:
        try:
            token = state.tokens.issue(name, first(values, "role"), expires)
        except TokenError as exc:
            errors.append(FieldError("name", "token", str(exc), str(exc)))
        else:
            return _tokens_page(
                request,
                state,
                session,
                status=201,
                created=(name, token),
                notice=("token_created", {"name": name}),
            )
    return _tokens_page(request, state, session, status=422, errors=errors, form=values)
