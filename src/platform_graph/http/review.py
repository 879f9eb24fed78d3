"""The review of a draft (issue 16), for a data officer with an editor's token: a
platform's proposed statements, accepted (as they are or edited) or rejected, one by one
or many at once; the proposed continuity links to earlier platforms, confirmed or
rejected. Accepting and confirming go through the one write path (SHACL, the change
log: 201 applied, 422 rejected with the report, 412 a stale If-Match); rejecting
changes no data and is recorded in the review's ledger. Nothing here is public: every
route, reads too, needs an editor's token (docs/api.md, "Review").

A workbench page sits on these routes (write.drafts holds the logic).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from platform_graph.http.auth import EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.writing import DryRun, IfMatch, outcome_response, submit
from platform_graph.write.drafts import ReviewError

__all__ = ["router"]

router = APIRouter(prefix="/api/review", tags=["Review"])

PlatformId = Annotated[
    str,
    Path(description="The platform's slug (GET /api/platforms).", pattern=r"^[a-z0-9-]{1,100}$"),
]
StatementId = Annotated[
    str,
    Path(
        description="The proposed statement's id (as in the draft).", pattern=r"^[a-z0-9-]{1,200}$"
    ),
]


class StatementStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class LinkStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"


class Edit(BaseModel):
    """Fields of a proposal to change before accepting it (any subset)."""

    model_config = ConfigDict(extra="forbid")

    commitment: bool | None = None
    title: dict[str, str | None] | None = Field(None, description='{"sv": ..., "en": ...}')
    themes: list[str] | None = Field(None, max_length=20)
    actors: dict[str, list[str]] | None = Field(
        None, description='{"responsible": [...], "partner": [...], "affected": [...]}'
    )
    areas: list[str] | None = Field(None, max_length=50)
    strength: str | None = None
    cue: str | None = Field(None, max_length=500)
    kind: str | None = None
    change: str | None = None
    testable: bool | None = None
    deadline: str | None = Field(None, pattern=r"^\d{4}(-\d{2}-\d{2})?$")
    period: str | None = Field(None, pattern=r"^P(\d+Y)?(\d+M)?(\d+D)?$")
    amount_sek: int | None = Field(None, ge=0)
    note: str | None = Field(None, max_length=4000)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=1000, description="Proposed statements.")
    edits: dict[str, Edit] = Field(
        default_factory=dict, description="By statement id: what to change before accepting."
    )
    message: str | None = Field(None, max_length=2000, description="For the change log.")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=1000)
    reason: str | None = Field(None, max_length=2000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commitment: str = Field(description="The later platform's commitment.", max_length=300)
    continues: str = Field(description="The earlier platform's commitment.", max_length=300)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    links: list[LinkIn] = Field(min_length=1, max_length=1000)
    message: str | None = Field(None, max_length=2000)


class RejectLinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    links: list[LinkIn] = Field(min_length=1, max_length=1000)
    reason: str | None = Field(None, max_length=2000)


def _problem(exc: ReviewError) -> ProblemError:
    titles = {404: "Not found", 409: "Already decided", 422: "Invalid review"}
    extra: dict[str, Any] = (
        {"errors": [{"message": {"sv": f"Kurationens regler: {p}", "en": p}} for p in exc.problems]}
        if exc.problems
        else {}
    )
    return ProblemError(exc.status, titles.get(exc.status, "Review"), str(exc), **extra)


@router.get("/{platform_id}/statements", summary="A draft's proposed statements (editor)")
def list_proposals(
    platform_id: PlatformId,
    state: ServiceDep,
    _principal: EditorDep,
    status: Annotated[StatementStatus | None, Query(description="Only these.")] = None,
) -> JSONResponse:
    try:
        items = state.drafts.proposals(platform_id, status.value if status else None)
    except ReviewError as exc:
        raise _problem(exc) from exc
    counts: dict[str, int] = {}
    for item in state.drafts.proposals(platform_id):
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return JSONResponse({"items": items, "total": len(items), "counts": counts})


def _accept(
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    platform_id: str,
    body: AcceptIn,
    dry_run: bool,
    if_match: str | None,
) -> Response:
    try:
        build, message = state.drafts.accept(
            platform_id, body.ids, {k: v.fields() for k, v in body.edits.items()}
        )
        outcome = submit(
            state,
            principal,
            build=build,
            message=body.message or message,
            dry_run=dry_run,
            if_match=if_match,
        )
    except ReviewError as exc:
        raise _problem(exc) from exc
    return outcome_response(request, outcome)


@router.post(
    "/{platform_id}/statements/accept",
    summary="Accept proposed statements, as they are or edited, in one change (editor)",
    status_code=201,
)
def accept_many(
    platform_id: PlatformId,
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    body: Annotated[AcceptIn, Body()],
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    return _accept(request, state, principal, platform_id, body, dry_run, if_match)


@router.post(
    "/{platform_id}/statements/{statement_id}/accept",
    summary="Accept one proposed statement, as it is or edited (editor)",
    status_code=201,
)
def accept_one(
    platform_id: PlatformId,
    statement_id: StatementId,
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    edit: Annotated[Edit | None, Body()] = None,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    body = AcceptIn(
        ids=[statement_id], edits={statement_id: edit} if edit and edit.fields() else {}
    )
    return _accept(request, state, principal, platform_id, body, dry_run, if_match)


@router.post(
    "/{platform_id}/statements/reject",
    summary="Reject proposed statements: they stay out of the data (editor)",
)
def reject_many(
    platform_id: PlatformId,
    state: ServiceDep,
    principal: EditorDep,
    body: Annotated[RejectIn, Body()],
) -> JSONResponse:
    try:
        entries = state.drafts.reject(
            platform_id, body.ids, author=principal.name, reason=body.reason
        )
    except ReviewError as exc:
        raise _problem(exc) from exc
    return JSONResponse({"status": "rejected", "decisions": entries})


@router.post(
    "/{platform_id}/statements/{statement_id}/reject",
    summary="Reject one proposed statement (editor)",
)
def reject_one(
    platform_id: PlatformId,
    statement_id: StatementId,
    state: ServiceDep,
    principal: EditorDep,
    reason: Annotated[str | None, Query(max_length=2000)] = None,
) -> JSONResponse:
    try:
        entries = state.drafts.reject(
            platform_id, [statement_id], author=principal.name, reason=reason
        )
    except ReviewError as exc:
        raise _problem(exc) from exc
    return JSONResponse({"status": "rejected", "decisions": entries})


@router.get(
    "/{platform_id}/continuity",
    summary="Proposed links to the commitments of earlier platforms (editor)",
)
def list_links(
    platform_id: PlatformId,
    state: ServiceDep,
    _principal: EditorDep,
    status: Annotated[LinkStatus | None, Query(description="Only these.")] = None,
) -> JSONResponse:
    try:
        items = state.drafts.continuity(platform_id, status.value if status else None)
    except ReviewError as exc:
        raise _problem(exc) from exc
    return JSONResponse({"items": items, "total": len(items)})


@router.post(
    "/{platform_id}/continuity/confirm",
    summary="Confirm continuity links (pg:continues) in one change (editor)",
    status_code=201,
)
def confirm_links(
    platform_id: PlatformId,
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    body: Annotated[ConfirmIn, Body()],
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    try:
        build, message = state.drafts.confirm_links(
            platform_id, [(link.commitment, link.continues) for link in body.links]
        )
        outcome = submit(
            state,
            principal,
            build=build,
            message=body.message or message,
            dry_run=dry_run,
            if_match=if_match,
        )
    except ReviewError as exc:
        raise _problem(exc) from exc
    return outcome_response(request, outcome)


@router.post(
    "/{platform_id}/continuity/reject",
    summary="Reject continuity links: they are not offered again (editor)",
)
def reject_links(
    platform_id: PlatformId,
    state: ServiceDep,
    principal: EditorDep,
    body: Annotated[RejectLinksIn, Body()],
) -> JSONResponse:
    try:
        entries = state.drafts.reject_links(
            platform_id,
            [(link.commitment, link.continues) for link in body.links],
            author=principal.name,
            reason=body.reason,
        )
    except ReviewError as exc:
        raise _problem(exc) from exc
    return JSONResponse({"status": "rejected", "decisions": entries})
