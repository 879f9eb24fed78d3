"""Follow-up in the browser: record an assessment of one commitment, and many at once
from a spreadsheet (the template, an upload checked row by row, then one change)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import URIRef
from starlette.datastructures import UploadFile

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.follow_up import import_sheet, read_upload
from platform_graph.http.problems import ProblemError
from platform_graph.http.workbench.common import done, first, page, post_checked, require
from platform_graph.http.workbench.session import SessionDep, check_post
from platform_graph.http.writing import submit
from platform_graph.service.parts import Service
from platform_graph.store import Quad
from platform_graph.vocab.identifiers import LOCAL_NAME
from platform_graph.vocab.namespaces import ID, PG
from platform_graph.vocab.scales import STATUSES
from platform_graph.write.assessment_rules import (
    FieldError,
    assessment_term,
    check_assessment,
    field_for_violation,
    today_in_sweden,
)
from platform_graph.write.assessments import AssessmentInput, assessment_change
from platform_graph.write.follow_up_sheets import CSV_TYPES, XLSX_TYPE
from platform_graph.write.follow_up_template import follow_up_template
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _commitment(state: Service, slug: str) -> URIRef | None:
    node = URIRef(ID[f"commitment/{slug}"])
    if not LOCAL_NAME.match(slug) or not state.store.quads(node, None, PG.Commitment):
        return None
    return node


def _form(
    request: Request,
    state: Service,
    session: Session,
    slug: str,
    values: dict[str, str],
    errors: list[FieldError],
    status: int = 200,
) -> HTMLResponse:
    c = state.read_model.commitment(slug)
    return page(
        request,
        state,
        "assess.html",
        session,
        status=status,
        c=c,
        slug=slug,
        values=values,
        errors=errors,
        statuses=STATUSES,
        today=today_in_sweden().isoformat(),
    )


@router.get("/workbench/statements/{slug}/assess", response_class=HTMLResponse)
def assess_form(slug: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    require(session, Role.editor)
    if _commitment(state, slug) is None:
        return page(request, state, "not_found.html", session, status=404)
    values = dict.fromkeys(_NAMES, "")
    values["date"] = today_in_sweden().isoformat()
    return _form(request, state, session, slug, values, [])


_NAMES = ("status", "date", "assessor", "evidence", "note", "note_en", "date_reason", "message")


def _date_error(text: str) -> FieldError | None:
    try:
        date.fromisoformat(text)
    except ValueError:
        return FieldError(
            "date",
            "date-unreadable",
            "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-31.",
            "Write the date as YYYY-MM-DD, for example 2025-03-31.",
        )
    return None


@router.post("/workbench/statements/{slug}/assess", response_class=HTMLResponse)
async def assess(slug: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    form = await post_checked(request, state, session)
    require(session, Role.editor)
    commitment = _commitment(state, slug)
    if commitment is None:
        return page(request, state, "not_found.html", session, status=404)
    values = {name: first(form, name) for name in _NAMES}
    errors: list[FieldError] = []
    bad_date = _date_error(values["date"])
    if bad_date is not None:
        errors.append(bad_date)
    item = AssessmentInput(
        status=values["status"],
        date=date.fromisoformat(values["date"]) if bad_date is None else today_in_sweden(),
        assessor=values["assessor"],
        evidence=tuple(values["evidence"].split()),
        note=values["note"] or None,
        note_en=values["note_en"] or None,
        date_reason=values["date_reason"] or None,
    )
    errors += [
        e
        for e in check_assessment(item, assessment_term(state.store, commitment))
        if not (bad_date is not None and e.field == "date")
    ]
    if errors:
        return _form(request, state, session, slug, values, errors, status=422)

    def build() -> tuple[list[Quad], list[Quad]]:
        _, add, remove = assessment_change(state.store, commitment, item)
        return remove, add

    outcome = await asyncio.to_thread(
        submit,
        state,
        session.principal,
        build=build,
        message=values["message"] or _message(slug, item.status),
        kind="assessment",
    )
    if outcome.status == "rejected":
        shaped = [
            FieldError(field_for_violation(v) or "", "shape", v.message_sv, v.message_en)
            for v in outcome.report.violations
        ]
        return _form(request, state, session, slug, values, shaped, status=422)
    if outcome.proposal is not None:
        return done(request, f"/workbench/statements/{slug}", proposed=outcome.proposal)
    change = str(outcome.change).rsplit("/", 1)[-1] if outcome.change else ""
    return done(request, f"/workbench/statements/{slug}", assessed=change)


def _message(slug: str, status: str) -> str:
    return f"Bedömning av {slug}: {status} / Assessment of {slug}: {status}"


# --- spreadsheets ---------------------------------------------------------------------------


@router.get("/workbench/follow-up-template.xlsx")
async def template(state: ServiceDep, session: SessionDep) -> Response:
    body = await asyncio.to_thread(follow_up_template, state.store, today_in_sweden())
    return Response(
        body,
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": 'attachment; filename="uppfoljning.xlsx"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/workbench/import", response_class=HTMLResponse)
def import_form(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    require(session, Role.editor)
    return page(
        request,
        state,
        "import.html",
        session,
        result=None,
        upload=None,
        failure=None,
        applied=False,
    )


def _media_of(upload: UploadFile) -> str:
    name = (upload.filename or "").lower()
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if name.endswith(".xlsx") or declared == XLSX_TYPE:
        return XLSX_TYPE
    if name.endswith((".csv", ".txt")) or declared in CSV_TYPES:
        return "text/csv"
    return declared or "application/octet-stream"


@router.post("/workbench/import", response_class=HTMLResponse)
async def upload(request: Request, state: ServiceDep, session: SessionDep) -> Response:
    # The form's files are spooled to temporary files: closed when read.
    async with request.form(max_files=1, max_fields=10) as data:
        token = data.get("csrf")
        check_post(request, state, token if isinstance(token, str) else None, session.csrf)
        require(session, Role.editor)
        file = data.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return _import_page(request, state, session, failure=_failure("no-file"), status=422)
        body = await file.read()
    media = _media_of(file)
    try:
        sheet = await asyncio.to_thread(read_upload, body, media)
    except ProblemError as exc:
        return _import_page(
            request,
            state,
            session,
            failure={"sv": exc.sv or exc.detail, "en": exc.detail},
            status=exc.status,
        )
    result = await asyncio.to_thread(import_sheet, state, session.principal, sheet, dry_run=True)
    kept = state.uploads.put(session.id_hash, media, file.filename, body)
    return _import_page(
        request,
        state,
        session,
        result=result,
        upload=kept.id,
        filename=kept.filename,
        status=422 if result.status == "invalid" else 200,
    )


@router.post("/workbench/import/{upload_id}", response_class=HTMLResponse)
async def apply(
    upload_id: str, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    await post_checked(request, state, session)
    require(session, Role.editor)
    kept = state.uploads.get(upload_id, session.id_hash)
    if kept is None:
        return _import_page(request, state, session, failure=_failure("gone"), status=410)
    sheet = await asyncio.to_thread(read_upload, kept.body, kept.media_type)
    result = await asyncio.to_thread(import_sheet, state, session.principal, sheet)
    if result.status == "invalid":
        return _import_page(
            request,
            state,
            session,
            result=result,
            upload=kept.id,
            filename=kept.filename,
            status=422,
        )
    state.uploads.forget(kept.id)
    return _import_page(request, state, session, result=result, applied=True, status=201)


def _failure(kind: str) -> dict[str, str]:
    texts = {
        "no-file": (
            "Välj ett kalkylblad (.xlsx eller .csv) att ladda upp.",
            "Choose a spreadsheet (.xlsx or .csv) to upload.",
        ),
        "gone": (
            "Uppladdningen finns inte längre: ladda upp filen igen.",
            "The upload is no longer there: upload the file again.",
        ),
    }
    sv, en = texts[kind]
    return {"sv": sv, "en": en}


def _import_page(
    request: Request,
    state: Service,
    session: Session,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("result", None)
    context.setdefault("upload", None)
    context.setdefault("failure", None)
    context.setdefault("applied", False)
    return page(request, state, "import.html", session, status=status, **context)
