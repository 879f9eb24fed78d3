"""Assessments of fulfilment (``/api/commitments/{id}/assessments``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from rdflib import URIRef

from platform_graph.http.auth import EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.etags import tag
from platform_graph.http.params import Offset, strict_query
from platform_graph.http.problems import ProblemError
from platform_graph.http.writing import (
    DryRun,
    IfMatch,
    outcome_response,
    submit,
)
from platform_graph.service.parts import Service
from platform_graph.store import Quad
from platform_graph.vocab.identifiers import LOCAL_NAME
from platform_graph.vocab.namespaces import ID
from platform_graph.vocab.scales import Status
from platform_graph.write.assessment_rules import (
    ASSESSOR_MAX,
    DATE_REASON_MAX,
    EVIDENCE_MAX,
    NOTE_MAX,
    FieldError,
    assessment_term,
    check_assessment,
)
from platform_graph.write.assessments import (
    AssessmentInput,
    assessment_change,
    assessment_message,
)
from platform_graph.write.writer import Message

__all__ = ["AssessmentIn", "NoteIn", "field_errors", "router"]

# Unknown and repeated single-valued parameters are a 422, as everywhere under /api/.
router = APIRouter(tags=["Writing"], dependencies=[Depends(strict_query)])


class NoteIn(BaseModel):
    """A note in Swedish, and optionally the same in English."""

    model_config = ConfigDict(extra="forbid")

    sv: str = Field(min_length=1, max_length=NOTE_MAX, description="The note in Swedish.")
    en: str | None = Field(None, max_length=NOTE_MAX, description="The note in English.")


class AssessmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "partially-fulfilled",
                    "date": "2025-06-30",
                    "assessor": "Anna Öberg",
                    "evidence": ["https://www.orebro.se/"],
                    "note": {
                        "sv": "Planen antogs; genomförandet pågår. Kommunstyrelsens protokoll "
                        "2025-06-12 § 4.",
                        "en": "The plan was adopted; it is being carried out.",
                    },
                }
            ]
        },
    )

    status: Status = Field(description="The verdict, from the status scale.")
    date: dt.date = Field(
        description="When the verdict holds (YYYY-MM-DD): not after today, nor before the "
        "platform's term begins, unless `date_reason` says why."
    )
    assessor: str = Field(
        min_length=1, max_length=ASSESSOR_MAX, description="Who assessed: a name, or an IRI."
    )
    evidence: list[str] = Field(
        min_length=1,
        max_length=EVIDENCE_MAX,
        description="Web addresses (http or https) of the evidence. A citation of a document "
        "without an address goes in the note.",
    )
    note: str | NoteIn | None = Field(
        None,
        description='A note in Swedish (a string), or `{"sv": …, "en": …}` with an '
        f"English one too; at most {NOTE_MAX} characters each.",
    )
    date_reason: str | None = Field(
        None,
        max_length=DATE_REASON_MAX,
        description="Why the date is after today or before the term: without it such a date "
        "is refused (422), so that one typo does not decide a commitment's status.",
    )
    message: str | None = Field(None, max_length=2000, description="For the change log.")

    def as_input(self) -> AssessmentInput:
        note_sv, note_en = (
            (self.note.sv, self.note.en) if isinstance(self.note, NoteIn) else (self.note, None)
        )
        return AssessmentInput(
            status=self.status.value,
            date=self.date,
            assessor=self.assessor,
            evidence=tuple(self.evidence),
            note=note_sv,
            note_en=note_en,
            date_reason=self.date_reason,
        )


def field_errors(errors: list[FieldError]) -> ProblemError:
    """The 422 for an assessment that breaks the rules: each error next to its field."""
    names = ", ".join(dict.fromkeys(e.parameter for e in errors))
    return ProblemError(
        422,
        "Invalid assessment",
        f"the assessment breaks the rules for: {names}; nothing was changed",
        sv=f"Bedömningen bryter mot reglerna för: {names}; inget ändrades.",
        errors=[e.to_json() for e in errors],
    )


def _commitment(state: Service, commitment_id: str) -> URIRef:
    commitment = URIRef(ID[f"commitment/{commitment_id}"])
    if not LOCAL_NAME.match(commitment_id) or not state.store.quads(commitment):
        raise ProblemError(
            404,
            "Not found",
            f"no commitment with id {commitment_id!r}",
            sv=f"Det finns inget åtagande med id {commitment_id!r}.",
        )
    return commitment


@router.post(
    "/api/commitments/{commitment_id}/assessments",
    summary="Add an assessment of whether a commitment was kept",
    description="The commitment's status follows its latest assessment (the latest date; "
    "on the same date, the one recorded last), derived by the write path in the same "
    "change. `If-Match` takes the commitment's ETag (from `GET /api/commitments/{id}`) "
    "or the dataset's; the answer's `ETag` is the commitment's new one.",
    status_code=201,
    responses={
        422: {
            "description": "The body does not fit the schema, the assessment breaks a rule "
            "(a date after today or before the term without `date_reason`, evidence that is "
            "not a web address), or the change would break a shape: each error names its "
            "field (`parameter`) with a message in Swedish and English"
        },
        412: {
            "description": "The commitment changed since its ETag was read: which "
            "resource, its current ETag and the change that changed it last"
        },
    },
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
    commitment = _commitment(state, commitment_id)
    item = assessment.as_input()
    broken = check_assessment(item, assessment_term(state.store, commitment))
    if broken:
        raise field_errors(broken)
    made: list[URIRef] = []

    def build() -> tuple[list[Quad], list[Quad]]:
        # Under the writer's lock: the assessment's number and the commitment's status
        # come from the state the change is applied to.
        node, add, remove = assessment_change(state.store, commitment, item)
        made.append(node)
        return remove, add

    message: Message = assessment.message or assessment_message(state.store, commitment, item)
    outcome = submit(
        state,
        principal,
        build=build,
        message=message,
        dry_run=dry_run,
        # A write about this commitment: its own ETag (or the dataset's) in If-Match.
        if_match=if_match,
        resources=(commitment,),
    )
    response = outcome_response(request, outcome)
    if commitment in outcome.resource_etags:
        # The commitment's new version: the If-Match of a next write about it.
        response.headers["ETag"] = outcome.resource_etags[commitment]
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
    offset: Offset = 0,
) -> JSONResponse:
    _commitment(state, commitment_id)
    rows, total = state.read_model.assessments(commitment_id, limit=limit, offset=offset)
    # The assessors' names are other resources' data: a validator of the answer itself.
    return tag(JSONResponse({"items": rows, "total": total, "limit": limit, "offset": offset}))
