"""Change sets, the change log, reverts and restores (``/api/changes``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from platform_graph.errors import InputError
from platform_graph.http.auth import AdminDep, EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.etags import tag
from platform_graph.http.params import Offset, strict_query
from platform_graph.http.problems import ProblemError
from platform_graph.http.writing import (
    DryRun,
    IfMatch,
    bad_input,
    outcome_response,
    precondition_problem,
    submit,
)
from platform_graph.store import nquad_line
from platform_graph.vocab.namespaces import DATA_GRAPH
from platform_graph.write.change_sets import read_change_set
from platform_graph.write.tokens import Principal
from platform_graph.write.writer import ChangeRecord, Outcome, PreconditionFailed

__all__ = ["router"]

# Unknown and repeated single-valued parameters are a 422, as everywhere under /api/.
router = APIRouter(tags=["Writing"], dependencies=[Depends(strict_query)])


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
        raise bad_input(exc) from exc
    outcome = submit(
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
    offset: Offset = 0,
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


def _record_json(record: ChangeRecord, *, summary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.sequence,
        "iri": str(record.iri),
        "kind": record.kind,
        "author": record.author,
        "time": record.time,
        "message": record.message,
        "messages": record.messages,
        "added": len(record.added),
        "removed": len(record.removed),
        "reverts": str(record.reverts) if record.reverts else None,
        "reverted_by": str(record.reverted_by) if record.reverted_by else None,
        "applied": record.applied,
        "unapplied": None
        if record.unapplied is None
        else {
            "rule": record.unapplied.rule,
            "reason": {"sv": record.unapplied.sv, "en": record.unapplied.en},
            "base": record.unapplied.base,
            "found_by": {
                "id": record.unapplied.rebase,
                "href": f"/api/changes/{record.unapplied.rebase}",
            },
        },
    }
    if record.kind == "rebase":
        out["base"] = record.base
    if not summary:
        out["triples"] = {
            "added": [nquad_line(q) for q in record.added],
            "removed": [nquad_line(q) for q in record.removed],
            "derived": [nquad_line(q) for q in record.derived],
        }
    return out


@router.get("/api/changes/{change_id}", summary="One change: who, when, why, which triples")
def get_change(change_id: int, state: ServiceDep) -> JSONResponse:
    record = state.writer.record(change_id)
    if record is None:
        raise ProblemError(
            404, "Not found", f"no change {change_id}", sv=f"Det finns ingen ändring {change_id}."
        )
    # A record changes only when it is reverted or found not to apply on a new base.
    return tag(JSONResponse(_record_json(record)))


Message = Annotated[str | None, Query(max_length=2000, description="For the change log.")]


def _undo(
    undo: Callable[..., Outcome],
    change_id: int,
    request: Request,
    principal: Principal,
    dry_run: bool,
    if_match: str | None,
    message: str | None,
) -> Response:
    """Revert or restore: an administrator's validated change, or 404 / 412."""
    try:
        outcome = undo(
            change_id, author=principal.name, message=message, dry_run=dry_run, if_match=if_match
        )
    except LookupError as exc:
        raise ProblemError(
            404, "Not found", str(exc), sv=f"Det finns ingen ändring {change_id}."
        ) from exc
    except PreconditionFailed as exc:
        raise precondition_problem(exc) from exc
    return outcome_response(request, outcome)


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
    message: Message = None,
) -> Response:
    return _undo(state.writer.revert, change_id, request, principal, dry_run, if_match, message)


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
    message: Message = None,
) -> Response:
    return _undo(state.writer.restore, change_id, request, principal, dry_run, if_match, message)
