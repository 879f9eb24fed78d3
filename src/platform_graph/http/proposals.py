"""Proposals awaiting review, four eyes (``/api/proposals``): with
``PLATFORM_GRAPH_REQUIRE_REVIEW=true`` an editor's change is held here until another
editor or an administrator approves it (validated again, then applied) or rejects it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from platform_graph.http.auth import EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.params import Offset
from platform_graph.http.problems import ProblemError
from platform_graph.http.writing import outcome_response
from platform_graph.service.parts import Service
from platform_graph.write.proposals import Proposal, ProposalConflict
from platform_graph.write.review import NotOpen, OwnProposal, approve, reject
from platform_graph.write.tokens import Principal
from platform_graph.write.writer import Outcome

__all__ = ["decide", "router"]

router = APIRouter(tags=["Review"])


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(
        None, max_length=2000, description="Why: kept with the decision (and in the change log)."
    )


@router.get("/api/proposals", summary="Proposals awaiting review (editor), newest first")
def list_proposals(
    state: ServiceDep,
    _: EditorDep,
    status: Annotated[
        Literal["open", "approved", "rejected"] | None,
        Query(description="Only proposals in this state."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> JSONResponse:
    items, total = state.proposals.list(status, limit=limit, offset=offset)
    return JSONResponse(
        {
            "items": [_summary(p) for p in items],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def _summary(p: Proposal) -> dict[str, Any]:
    out = p.as_dict()
    out["added"] = len(p.added)
    out["removed"] = len(p.removed)
    del out["triples"]
    return out


def _get(state: Service, proposal_id: int) -> Proposal:
    found = state.proposals.get(proposal_id)
    if found is None:
        raise ProblemError(
            404,
            "Not found",
            f"no proposal {proposal_id}",
            sv=f"Det finns inget förslag {proposal_id}.",
        )
    return found


@router.get("/api/proposals/{proposal_id}", summary="One proposal, with its triples (editor)")
def get_proposal(proposal_id: int, state: ServiceDep, _: EditorDep) -> JSONResponse:
    return JSONResponse(_get(state, proposal_id).as_dict())


def decide(
    state: Service,
    principal: Principal,
    proposal_id: int,
    verdict: Literal["approve", "reject"],
    comment: str | None,
) -> Outcome | Proposal:
    """Approve (an outcome: applied, or rejected by validation) or reject (the proposal);
    ProblemError for a proposal that is not there (404), one's own (403) or decided (409)."""
    _get(state, proposal_id)
    try:
        if verdict == "approve":
            return approve(state.writer, state.proposals, proposal_id, principal, comment)
        return reject(state.proposals, proposal_id, principal, comment)
    except OwnProposal as exc:
        raise ProblemError(
            403,
            "Forbidden",
            str(exc),
            sv=f"Förslag {proposal_id} är ditt eget: en annan redaktör eller en administratör "
            "beslutar om det (fyra ögon).",
            rule="four-eyes",
        ) from exc
    except NotOpen as exc:
        raise ProblemError(
            409,
            "Conflict",
            str(exc),
            sv=f"Förslag {proposal_id} är redan avgjort ({exc.proposal.state}).",
            state=exc.proposal.state,
        ) from exc
    except ProposalConflict as exc:
        raise ProblemError(
            409,
            "Conflict",
            f"{exc}: the data changed since the proposal; propose the change again",
            sv="Data har ändrats sedan förslaget lämnades (tripler det tar bort finns inte "
            "längre): lämna förslaget på nytt.",
        ) from exc


@router.post(
    "/api/proposals/{proposal_id}/approve",
    summary="Approve a proposal: validated again and applied (editor, not its author)",
    status_code=201,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
def approve_proposal(
    proposal_id: int,
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    decision: Annotated[Decision | None, Body()] = None,
) -> Response:
    outcome = decide(
        state, principal, proposal_id, "approve", decision.comment if decision else None
    )
    assert isinstance(outcome, Outcome)
    return outcome_response(request, outcome)


@router.post(
    "/api/proposals/{proposal_id}/reject",
    summary="Reject a proposal (editor, not its author)",
    responses={403: {}, 404: {}, 409: {}},
)
def reject_proposal(
    proposal_id: int,
    state: ServiceDep,
    principal: EditorDep,
    decision: Annotated[Decision | None, Body()] = None,
) -> JSONResponse:
    proposal = decide(
        state, principal, proposal_id, "reject", decision.comment if decision else None
    )
    assert isinstance(proposal, Proposal)
    return JSONResponse(_summary(proposal))
