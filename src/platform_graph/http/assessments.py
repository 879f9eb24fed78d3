"""Assessments of fulfilment (``/api/commitments/{id}/assessments``)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rdflib import URIRef

from platform_graph.http.auth import EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.params import strict_query
from platform_graph.http.problems import ProblemError
from platform_graph.http.writing import (
    DryRun,
    IfMatch,
    outcome_response,
    submit,
)
from platform_graph.store import Quad
from platform_graph.vocab.identifiers import SLUG
from platform_graph.vocab.namespaces import ID
from platform_graph.vocab.scales import Status
from platform_graph.write.assessments import AssessmentInput, assessment_change

__all__ = ["router"]

# Unknown and repeated single-valued parameters are a 422, as everywhere under /api/.
router = APIRouter(tags=["Writing"], dependencies=[Depends(strict_query)])


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    date: date
    assessor: str = Field(min_length=1, max_length=200, description="A name, or an IRI.")
    evidence: list[str] = Field(
        min_length=1, max_length=50, description="IRIs (http or https) or citations."
    )
    note: str | None = Field(None, max_length=4000)
    message: str | None = Field(None, max_length=2000, description="For the change log.")

    @field_validator("assessor")
    @classmethod
    def _assessor(cls, value: str) -> str:
        return _iri_or_text(value)

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, values: list[str]) -> list[str]:
        return [_iri_or_text(v) for v in values]


_HTTP_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`\[\]]+$")


def _iri_or_text(value: str) -> str:
    """A value that starts like an IRI must be one; anything else is kept as text."""
    if not value.strip():
        raise ValueError("must not be empty")
    if re.match(r"^https?:", value) and not _HTTP_IRI.match(value):
        raise ValueError("looks like an IRI but is not a valid one (spaces, <, >, quotes?)")
    return value


@router.post(
    "/api/commitments/{commitment_id}/assessments",
    summary="Add an assessment of whether a commitment was kept",
    status_code=201,
)
def post_assessment(
    commitment_id: str,
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    assessment: Annotated[AssessmentIn, Body()],
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    commitment = URIRef(ID[f"commitment/{commitment_id}"])
    if not SLUG.match(commitment_id) or not state.store.quads(commitment):
        raise ProblemError(404, "Not found", f"no commitment with id {commitment_id!r}")
    item = AssessmentInput(
        status=assessment.status.value,
        date=assessment.date,
        assessor=assessment.assessor,
        evidence=tuple(assessment.evidence),
        note=assessment.note,
    )
    made: list[URIRef] = []

    def build() -> tuple[list[Quad], list[Quad]]:
        # Under the writer's lock: the assessment's number and the commitment's status
        # come from the state the change is applied to.
        node, add, remove = assessment_change(state.store, commitment, item)
        made.append(node)
        return remove, add

    message = assessment.message or f"Assessment of {commitment_id}: {item.status}"
    outcome = submit(
        state,
        principal,
        build=build,
        message=message,
        dry_run=dry_run,
        if_match=if_match,
    )
    response = outcome_response(request, outcome)
    if outcome.status == "applied" and made:
        response.headers["Content-Location"] = f"/id/assessment/{str(made[-1]).rsplit('/', 1)[-1]}"
    return response


@router.get(
    "/api/commitments/{commitment_id}/assessments",
    summary="The assessments of a commitment, newest first, a page at a time",
)
def list_assessments(
    commitment_id: str,
    state: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    commitment = URIRef(ID[f"commitment/{commitment_id}"])
    if not SLUG.match(commitment_id) or not state.store.quads(commitment):
        raise ProblemError(404, "Not found", f"no commitment with id {commitment_id!r}")
    rows, total = state.read_model.assessments(commitment_id, limit=limit, offset=offset)
    return JSONResponse({"items": rows, "total": total, "limit": limit, "offset": offset})
