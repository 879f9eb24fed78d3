"""Writing: change sets, SPARQL Update, assessments, the change log and reverts.

Every route here goes through ``Writer.submit``: validated against the shapes, applied
whole or not at all, recorded with its author, time, message and exact triples.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rdflib import URIRef

from platform_graph.errors import InputError
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.security import AdminDep, EditorDep
from platform_graph.http.sparql import _charset_ok, _decode
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.rdf.sparql_text import RefusedQuery, analyse
from platform_graph.service.parts import Service
from platform_graph.store import Quad, StoreQueryError, nquad_line
from platform_graph.vocab.identifiers import SLUG
from platform_graph.vocab.namespaces import DATA_GRAPH, ID
from platform_graph.vocab.scales import Status
from platform_graph.write.assessments import AssessmentInput, assessment_change
from platform_graph.write.change_sets import read_change_set
from platform_graph.write.sparql_update import add_using
from platform_graph.write.tokens import Principal, Role
from platform_graph.write.writer import Forbidden, Outcome, PreconditionFailed

__all__ = ["outcome_response", "router"]

router = APIRouter(tags=["Writing"])

DryRun = Annotated[
    bool, Query(description="Validate and report what would change, without changing anything.")
]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag the change is based on; a stale one gives 412 and no change."),
]


def _nquad(q: Quad) -> str:
    return nquad_line(q)


def _bad_input(exc: InputError) -> ProblemError:
    extra: dict[str, Any] = {"part": exc.source}
    if exc.line is not None:
        extra["line"] = exc.line
    if exc.column is not None:
        extra["column"] = exc.column
    return ProblemError(400, "Unreadable RDF", str(exc), **extra)


def outcome_response(request: Request, outcome: Outcome) -> Response:
    """201 applied, 200 dry run or no change, 422 rejected (JSON, or a SHACL report in Turtle)."""
    body: dict[str, Any] = {
        "status": outcome.status,
        "etag": outcome.etag,
        "added": len(outcome.added),
        "removed": len(outcome.removed),
        "triples": {
            "added": [_nquad(q) for q in outcome.added],
            "removed": [_nquad(q) for q in outcome.removed],
        },
        "validation": outcome.report.to_json(),
        "focus_nodes": outcome.focus_nodes,
        "milliseconds": round(outcome.seconds * 1000, 1),
    }
    headers = {"ETag": outcome.etag}
    if outcome.change is not None:
        seq = str(outcome.change).rsplit("/", 1)[-1]
        body["change"] = {"id": int(seq), "iri": str(outcome.change), "href": f"/api/changes/{seq}"}
        headers["Location"] = f"/api/changes/{seq}"
    if outcome.status == "rejected":
        try:
            wants = best_match(
                request.headers.get("accept"),
                ["application/json", "text/turtle"],
                "application/json",
            )
        except NotAcceptable:
            wants = "application/json"
        if wants == "text/turtle":
            return Response(
                outcome.report.to_turtle(),
                status_code=422,
                media_type="text/turtle; charset=utf-8",
                headers=headers,
            )
        body.update(
            type="about:blank",
            title="The change is not valid",
            http_status=422,
            detail=f"{len(outcome.report.violations)} violation(s): nothing was changed",
        )
        return JSONResponse(
            body, status_code=422, headers=headers, media_type="application/problem+json"
        )
    code = 201 if outcome.status == "applied" else 200
    return JSONResponse(body, status_code=code, headers=headers)


def is_admin(principal: Principal) -> bool:
    return principal.role.includes(Role.admin)


def _submit(state: Service, principal: Principal, **kwargs: Any) -> Outcome:
    """``Writer.submit`` (or ``submit_with``, given ``build``) in the principal's name."""
    build = kwargs.pop("build", None)
    try:
        if build is not None:
            return state.writer.submit_with(
                build, author=principal.name, admin=is_admin(principal), **kwargs
            )
        return state.writer.submit(author=principal.name, admin=is_admin(principal), **kwargs)
    except PreconditionFailed as exc:
        raise ProblemError(412, "Precondition failed", str(exc), current_etag=exc.current) from exc
    except PermissionError as exc:
        raise ProblemError(400, "Bad change", str(exc)) from exc


# --- change sets ------------------------------------------------------------------------


class ChangeSetIn(BaseModel):
    """A change set: RDF to add and to remove, with the reason for it."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=2000, description="Why: kept in the change log.")
    add: str | dict[str, Any] | list[Any] | None = Field(
        None, description="RDF to add: text in `format`, or a JSON-LD object."
    )
    remove: str | dict[str, Any] | list[Any] | None = Field(
        None, description="RDF to remove: text in `format`, or a JSON-LD object."
    )
    format: str = Field(
        "text/turtle",
        description="Media type of `add` and `remove`: text/turtle, application/n-triples, "
        "application/n-quads, application/trig or application/ld+json.",
    )
    graph: str = Field(str(DATA_GRAPH), description="The named graph for triples.")


@router.post(
    "/api/changes",
    summary="Apply a change set (validated; all or nothing)",
    status_code=201,
    responses={200: {"description": "dry run, or nothing to change"}, 400: {}, 412: {}, 422: {}},
)
def post_change(
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    change: Annotated[ChangeSetIn, Body()],
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    try:
        parsed = read_change_set(change.model_dump(exclude_none=True))
    except InputError as exc:
        raise _bad_input(exc) from exc
    outcome = _submit(
        state,
        principal,
        add=parsed.add,
        remove=parsed.remove,
        message=parsed.message,
        dry_run=dry_run,
        if_match=if_match,
    )
    return outcome_response(request, outcome)


@router.get("/api/changes", summary="The change log, newest first")
def list_changes(
    state: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    head = state.writer.head()[0]
    seqs = list(range(head - offset, max(0, head - offset - limit), -1))
    items = []
    for seq in seqs:
        record = state.writer.record(seq)
        if record is not None:
            items.append(_record_json(record, summary=True))
    return JSONResponse(
        {"items": items, "total": head, "limit": limit, "offset": offset},
        headers={"ETag": state.writer.etag()},
    )


def _record_json(record: Any, *, summary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.sequence,
        "iri": str(record.iri),
        "author": record.author,
        "time": record.time,
        "message": record.message,
        "added": len(record.added),
        "removed": len(record.removed),
        "reverts": str(record.reverts) if record.reverts else None,
        "reverted_by": str(record.reverted_by) if record.reverted_by else None,
    }
    if not summary:
        out["triples"] = {
            "added": [_nquad(q) for q in record.added],
            "removed": [_nquad(q) for q in record.removed],
        }
    return out


@router.get("/api/changes/{change_id}", summary="One change: who, when, why, which triples")
def get_change(change_id: int, state: ServiceDep) -> JSONResponse:
    record = state.writer.record(change_id)
    if record is None:
        raise ProblemError(404, "Not found", f"no change {change_id}")
    return JSONResponse(_record_json(record), headers={"ETag": state.writer.etag()})


@router.post(
    "/api/changes/{change_id}/revert",
    summary="Revert a change (admin; itself a validated change)",
    status_code=201,
    responses={409: {"description": "Later changes changed the same triples: they are named"}},
)
def revert_change(
    change_id: int,
    request: Request,
    state: ServiceDep,
    principal: AdminDep,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
    message: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    try:
        outcome = state.writer.revert(
            change_id, author=principal.name, message=message, dry_run=dry_run, if_match=if_match
        )
    except LookupError as exc:
        raise ProblemError(404, "Not found", str(exc)) from exc
    except PreconditionFailed as exc:
        raise ProblemError(412, "Precondition failed", str(exc), current_etag=exc.current) from exc
    return outcome_response(request, outcome)


@router.post(
    "/api/changes/{change_id}/restore",
    summary="Restore the data as it was before a change (admin; one validated change that "
    "undoes it and every later change)",
    status_code=201,
)
def restore_before_change(
    change_id: int,
    request: Request,
    state: ServiceDep,
    principal: AdminDep,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
    message: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    try:
        outcome = state.writer.restore(
            change_id, author=principal.name, message=message, dry_run=dry_run, if_match=if_match
        )
    except LookupError as exc:
        raise ProblemError(404, "Not found", str(exc)) from exc
    except PreconditionFailed as exc:
        raise ProblemError(412, "Precondition failed", str(exc), current_etag=exc.current) from exc
    return outcome_response(request, outcome)


# --- assessments ----------------------------------------------------------------------


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
    outcome = _submit(
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


# --- SPARQL 1.1 Update --------------------------------------------------------------------


async def _read_update(request: Request) -> tuple[str, dict[str, list[str]]]:
    params = parse_qs(request.url.query, keep_blank_values=True)
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if not _charset_ok(content_type):
        raise ProblemError(415, "Unsupported media type", "only UTF-8 request bodies are accepted")
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(_decode(body), keep_blank_values=True)
        if "query" in form:
            raise ProblemError(400, "Bad request", "queries go to /sparql")
        updates = form.get("update", [])
        merged = {**params, **{k: params.get(k, []) + v for k, v in form.items()}}
    elif media == "application/sparql-update":
        updates = [_decode(body)]
        merged = params
    else:
        raise ProblemError(
            415,
            "Unsupported media type",
            "POST an update as application/x-www-form-urlencoded (update=...) or as "
            f"application/sparql-update; got {media or 'no content type'}",
        )
    if len(updates) != 1:
        raise ProblemError(400, "Bad request", "exactly one 'update' parameter is required")
    return updates[0], merged


@router.api_route("/update", methods=["GET"], include_in_schema=False)
def update_get() -> Response:
    raise ProblemError(405, "Method not allowed", "updates are accepted by POST only")


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (validated; all or nothing)",
    description="The SPARQL 1.1 Protocol's update operation, by POST form (`update=`) or "
    "direct (`application/sparql-update`), with `using-graph-uri` and `using-named-graph-uri`. "
    "Without GRAPH, an update reads and writes the data graph. LOAD and SERVICE are refused. "
    "The update's effect is validated like any change set.",
    response_class=Response,
)
async def update(
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
) -> Response:
    text, params = await _read_update(request)
    try:
        text = add_using(
            text, params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
        )
        # Checked on the final text, dataset clauses included.
        analysis = analyse(text)
    except RefusedQuery as exc:
        raise ProblemError(400, "Update refused", str(exc)) from exc
    if analysis.load and not analysis.load_silent_only:
        # LOAD SILENT goes on to the engine: its worker cannot fetch, so it fails silently
        # and changes nothing, as the standard says a failed LOAD SILENT does.
        raise ProblemError(400, "Update refused", "LOAD is refused: this server fetches nothing")
    if analysis.service and not state.settings.allow_service:
        raise ProblemError(400, "Update refused", "SERVICE is refused in updates")
    if analysis.destructive and not is_admin(principal):
        ops = ", ".join(sorted(analysis.destructive))
        raise Forbidden(
            "destructive-operation",
            f"{ops} tömmer eller skriver över hela grafer: det får bara en administratör göra.",
            f"{ops} empties or overwrites whole graphs: only an administrator may do that.",
        )
    endpoint = state.settings.public_base + "/update"

    def build() -> tuple[list[Quad], list[Quad]]:
        # Under the writer's lock: the update reads the state it will change.
        try:
            return state.updates.delta(text, base_iri=endpoint)
        except StoreQueryError as exc:
            title = "Malformed update" if exc.syntax else "Update failed"
            raise ProblemError(400, title, str(exc)) from exc

    message = request.headers.get("x-change-message") or "SPARQL Update"
    outcome = await asyncio.to_thread(
        _submit,
        state,
        principal,
        build=build,
        message=message,
        dry_run=dry_run,
        if_match=if_match,
    )
    return outcome_response(request, outcome)
