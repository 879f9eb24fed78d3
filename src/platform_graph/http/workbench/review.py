"""Review, four eyes: the proposals, one proposal in words, approve or reject it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.proposals import decide
from platform_graph.http.workbench.common import done, first, page, post_checked, require
from platform_graph.http.workbench.session import SessionDep
from platform_graph.service.parts import Service
from platform_graph.web.change_words import in_words
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role
from platform_graph.write.writer import Outcome

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/workbench/review", response_class=HTMLResponse)
def proposals(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    require(session, Role.editor)
    wanted = request.query_params.get("state", "open")
    shown = wanted if wanted in ("open", "approved", "rejected") else None
    items, total = state.proposals.list(shown, limit=200)  # type: ignore[arg-type]
    return page(request, state, "review.html", session, items=items, total=total, shown=wanted)


def _proposal_page(
    request: Request,
    state: Service,
    session: Session,
    proposal_id: int,
    *,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    proposal = state.proposals.get(proposal_id)
    if proposal is None:
        return page(request, state, "not_found.html", session, status=404)
    return page(
        request,
        state,
        "proposal.html",
        session,
        status=status,
        p=proposal,
        words=in_words(proposal.added, proposal.removed),
        **context,
    )


@router.get("/workbench/review/{proposal_id}", response_class=HTMLResponse)
def proposal(
    proposal_id: int, request: Request, state: ServiceDep, session: SessionDep
) -> HTMLResponse:
    require(session, Role.editor)
    notice = None
    params = request.query_params
    if params.get("approved"):
        notice = ("approved_as", {"change": params["approved"]})
    elif params.get("rejected"):
        notice = ("rejected_done", {})
    return _proposal_page(request, state, session, proposal_id, notice=notice)


@router.post("/workbench/review/{proposal_id}", response_class=HTMLResponse)
async def decide_on(
    proposal_id: int, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.editor)
    verdict = first(values, "verdict")
    comment = first(values, "comment")[:2000] or None
    if verdict not in ("approve", "reject"):
        return _proposal_page(request, state, session, proposal_id, status=422)
    if verdict == "reject" and not comment:
        return _proposal_page(
            request, state, session, proposal_id, status=422, comment_missing=True
        )
    try:
        result = decide(
            state,
            session.principal,
            proposal_id,
            "approve" if verdict == "approve" else "reject",
            comment,
        )
    except ProblemError as exc:
        return _proposal_page(
            request, state, session, proposal_id, status=exc.status, refusal=exc.detail
        )
    if isinstance(result, Outcome):
        if result.status not in ("applied", "unchanged"):
            return _proposal_page(
                request,
                state,
                session,
                proposal_id,
                status=422,
                violations=result.report.violations,
            )
        change = str(result.change).rsplit("/", 1)[-1] if result.change else ""
        return done(request, f"/workbench/review/{proposal_id}", approved=change)
    return done(request, f"/workbench/review/{proposal_id}", rejected=1)
