"""The change log in words: every change, filtered by resource and by author; one change
with what it did, resource by resource; revert (an administrator's)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.workbench.common import done, first, page, post_checked, require
from platform_graph.http.workbench.session import COOKIE, SessionDep
from platform_graph.service.parts import Service
from platform_graph.vocab.namespaces import ID
from platform_graph.web.workbench import change_in_words
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role
from platform_graph.write.writer import (
    ChangeRecord,
    PreconditionFailed,
    RevertBlocked,
    UndoRefused,
)

__all__ = ["change_page", "router"]

router = APIRouter(include_in_schema=False)

PAGE = 25
SCAN = 5000
"""The most changes a filtered list looks through (newest first)."""


def _matches(record: ChangeRecord, resource: str, author: str) -> bool:
    if author and record.author != author:
        return False
    if resource:
        wanted = resource if "://" in resource else str(ID[resource.strip("/")])
        for s, _, o, _ in (*record.added, *record.removed):
            if str(s).split("#", 1)[0] == wanted or str(o) == wanted:
                return True
        return False
    return True


@router.get("/workbench/changes", response_class=HTMLResponse)
def changes(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    params = request.query_params
    resource = params.get("resource", "").strip()[:500]
    author = params.get("author", "").strip()[:100]
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    head = state.writer.head()[0]
    found: list[ChangeRecord] = []
    skipped = 0
    more = False
    for n in range(head, max(0, head - SCAN), -1):
        record = state.writer.record(n)
        if record is None or not _matches(record, resource, author):
            continue
        if skipped < offset:
            skipped += 1
            continue
        if len(found) == PAGE:
            more = True
            break
        found.append(record)
    return page(
        request,
        state,
        "changes.html",
        session,
        records=found,
        resource=resource,
        author=author,
        offset=offset,
        more=more,
        page_size=PAGE,
    )


def change_page(
    request: Request,
    state: Service,
    seq: int,
    session: Session | None,
    *,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    """The change, in words. Public at /id/change/N (without the revert form)."""
    record = state.writer.record(seq)
    if record is None:
        return page(request, state, "not_found.html", session, status=404)
    return page(
        request,
        state,
        "change.html",
        session,
        status=status,
        record=record,
        words=change_in_words(record),
        **context,
    )


@router.get("/workbench/changes/{seq}", response_class=HTMLResponse)
def change(seq: int, request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    notice = None
    if request.query_params.get("reverted"):
        notice = ("reverted_as", {"change": seq, "revert": request.query_params["reverted"]})
    return change_page(request, state, seq, session, notice=notice)


@router.post("/workbench/changes/{seq}/revert", response_class=HTMLResponse)
async def revert(seq: int, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.admin)
    if first(values, "confirm") != "yes":
        return change_page(request, state, seq, session, status=422, must_confirm=True)
    try:
        outcome = state.writer.revert(
            seq,
            author=session.principal.name,
            message=first(values, "message") or None,
            if_match=first(values, "etag") or None,
        )
    except LookupError:
        return page(request, state, "not_found.html", session, status=404)
    except RevertBlocked as exc:
        return change_page(request, state, seq, session, status=409, blocked=exc.blockers)
    except UndoRefused as exc:
        refused = {"sv": exc.sv, "en": exc.en}
        return change_page(request, state, seq, session, status=409, refused=refused)
    except PreconditionFailed:
        return change_page(request, state, seq, session, status=412, stale=True)
    if outcome.status == "rejected":
        return change_page(
            request, state, seq, session, status=422, report=outcome.report.violations
        )
    new = str(outcome.change).rsplit("/", 1)[-1] if outcome.change else ""
    return done(request, f"/workbench/changes/{seq}", reverted=new)


def public_change(request: Request, state: Service, seq: int) -> HTMLResponse:
    """/id/change/N for a browser: the same page, signed in or not."""
    session = state.sessions.get(request.cookies.get(COOKIE))
    return change_page(request, state, seq, session, public=True)
