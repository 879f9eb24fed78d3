"""Bulk follow-up from a spreadsheet: ``POST /api/assessments/import`` and the template
at ``GET /api/assessments/template`` (XLSX, or CSV with ``?format=csv``).

The import reads the body (CSV or XLSX), checks every row with the rules of a single
assessment, and applies all rows as one validated change, or none: 201 applied, 200 a
dry run (``?dry_run=true``), 422 when any row has an error (each named by its row and
column, in Swedish and English), 400 a body that is no readable spreadsheet, 413 past the
body or row limit.
"""

from __future__ import annotations

import asyncio
import warnings
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from platform_graph.http.auth import EditorDep
from platform_graph.http.change_message import (
    MessageHeader,
    MessageHeaderExtended,
    decode_change_message,
)
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError, bilingual
from platform_graph.http.writing import DryRun, IfMatch, is_admin, needs_review, propose
from platform_graph.service.parts import Service
from platform_graph.write.assessment_rules import today_in_sweden
from platform_graph.write.follow_up_import import (
    ImportResult,
    follow_up_message,
    import_follow_up,
)
from platform_graph.write.follow_up_sheets import (
    CSV_TYPES,
    MAX_ROWS,
    XLSX_TYPE,
    Sheet,
    SheetTooLarge,
    UnreadableSheet,
    read_sheet,
)
from platform_graph.write.follow_up_template import follow_up_template, follow_up_template_csv
from platform_graph.write.tokens import Principal
from platform_graph.write.writer import PreconditionFailed

__all__ = ["import_sheet", "read_upload", "router"]

# Workbooks saved by Excel carry extensions openpyxl does not read (and says so): the
# values are read all the same.
warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")

router = APIRouter(tags=["Writing"])

_IMPORT_DOC = f"""Record many assessments at once from a spreadsheet, as **one** validated change.

The body is the file itself: `text/csv` (`,` or `;` between the cells, UTF-8 with or
without a byte order mark, or cp1252 from an older Excel: detected, and said in the
answer's `encoding`) or `{XLSX_TYPE}` (the sheet "Uppföljning", else the first).

The first row names the columns, in any order, case ignored: `commitment` (`åtagande`),
`status`, `date` (`datum`), `assessor` (`bedömare`), `evidence` (`underlag`: web addresses
separated by spaces) and `note` (`anteckning`); optionally `note_en` (`anteckning (en)`) and
`date_reason` (`skäl till datumet`). Other columns are ignored and listed in
`ignored_columns`. `commitment` is the id or the whole IRI; `status` the id or its Swedish
or English label; `date` YYYY-MM-DD or an Excel date. Rows that fill in nothing but the
commitment are skipped (the template's untouched rows). At most {MAX_ROWS} rows.

Each row is checked as `POST /api/commitments/{{id}}/assessments` checks one assessment
(a date after today or before the term needs a `date_reason`; evidence must be web
addresses). The answer lists every row: `{{"row": 2, "commitment": "…", "ok": true,
"errors": [{{"column": "date", "message": {{"sv": "…", "en": "…"}}}}]}}`; 201 when applied
(`Location` names the change), 200 for a dry run, 422 when any row has an error (nothing
is applied).
"""


def _media(request: Request) -> tuple[str, str | None]:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    charset = None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media not in (*CSV_TYPES, XLSX_TYPE):
        raise ProblemError(
            415,
            "Unsupported media type",
            f"send the spreadsheet as text/csv or {XLSX_TYPE}; got {media or 'no content type'}",
            sv=f"Skicka kalkylbladet som text/csv eller {XLSX_TYPE}; fick "
            f"{media or 'ingen innehållstyp'}.",
        )
    if charset not in (None, "utf-8", "utf8", "windows-1252", "cp1252"):
        raise ProblemError(
            415,
            "Unsupported media type",
            f"a CSV file is read as UTF-8 or cp1252 (windows-1252), not {charset}",
            sv=f"En CSV-fil läses som UTF-8 eller cp1252 (windows-1252), inte {charset}.",
        )
    return media, "cp1252" if charset == "windows-1252" else charset


def read_upload(data: bytes, media: str, charset: str | None = None) -> Sheet:
    """A spreadsheet from its bytes, or ProblemError (400 unreadable, 413 too large)."""
    return _sheet(data, media, charset)


def _sheet(data: bytes, media: str, charset: str | None) -> Sheet:
    try:
        return read_sheet(data, media, charset)
    except UnreadableSheet as exc:
        errors = [
            {"column": c, "code": exc.code, "message": {"sv": exc.sv, "en": exc.en}}
            for c in exc.columns
        ] or [{"code": exc.code, "message": {"sv": exc.sv, "en": exc.en}}]
        raise ProblemError(
            400, "Unreadable spreadsheet", exc.en, sv=exc.sv, code=exc.code, errors=errors
        ) from exc
    except SheetTooLarge as exc:
        raise ProblemError(413, "Spreadsheet too large", exc.en, sv=exc.sv) from exc


def _answer(result: ImportResult) -> Response:
    body = result.to_json()
    if result.status == "invalid":
        bad = [r for r in result.rows if not r.ok]
        errors = [{"row": r.row, **e.to_json()} for r in bad for e in r.errors]
        listed = ", ".join(str(r.row) for r in bad[:20]) + (" …" if len(bad) > 20 else "")
        detail = f"{len(bad)} row(s) have errors ({listed}): nothing was applied"
        problem: dict[str, Any] = {
            "type": "about:blank",
            "title": "Rows with errors",
            "status": 422,
            "detail": detail,
            **body,
            "errors": bilingual(422, detail, None, errors),
        }
        return JSONResponse(problem, status_code=422, media_type="application/problem+json")
    headers: dict[str, str] = {}
    if result.proposal is not None:
        n = result.proposal
        body["proposal"] = {
            "id": n,
            "href": f"/api/proposals/{n}",
            "page": f"/workbench/review/{n}",
        }
        return JSONResponse(body, status_code=202, headers={"Location": f"/api/proposals/{n}"})
    if result.outcome is not None:
        headers["ETag"] = result.outcome.etag
    if result.change is not None:
        headers["Location"] = f"/api/changes/{result.change}"
    return JSONResponse(
        body, status_code=201 if result.status == "applied" else 200, headers=headers
    )


@router.post(
    "/api/assessments/import",
    summary="Record assessments from a spreadsheet (CSV or XLSX), all as one change",
    description=_IMPORT_DOC,
    status_code=201,
    response_class=Response,
    responses={
        200: {"description": "A dry run, or nothing to change"},
        201: {"description": "Applied: one change, named in `Location`"},
        400: {"description": "Not a spreadsheet, an empty file, or a missing column"},
        413: {"description": f"Past the body limit, or more than {MAX_ROWS} rows"},
        415: {"description": "Neither text/csv nor XLSX"},
        422: {"description": "A row has an error: the rows and columns are named; nothing applied"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_assessments(
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
    x_change_message: MessageHeader = None,
    x_change_message_extended: MessageHeaderExtended = None,
) -> Response:
    message = decode_change_message(x_change_message, x_change_message_extended)
    media, charset = _media(request)
    data = await request.body()
    sheet = await asyncio.to_thread(_sheet, data, media, charset)
    result = await asyncio.to_thread(
        import_sheet, state, principal, sheet, dry_run=dry_run, if_match=if_match, message=message
    )
    return _answer(result)


def import_sheet(
    state: Service,
    principal: Principal,
    sheet: Sheet,
    *,
    dry_run: bool = False,
    if_match: str | None = None,
    message: str | None = None,
) -> ImportResult:
    """The import in the principal's name (the API's and the workbench's): with four
    eyes, an editor's valid rows become one proposal (``ImportResult.proposal``)."""
    review = needs_review(state, principal, dry_run)
    try:
        result = import_follow_up(
            state.writer,
            sheet,
            author=principal.name,
            admin=is_admin(principal),
            dry_run=dry_run or review,
            if_match=if_match,
            message=message,
        )
    except PreconditionFailed as exc:
        raise ProblemError(
            412,
            "Precondition failed",
            str(exc),
            sv=f"If-Match {exc.expected} stämmer inte med nuvarande ETag {exc.current}: "
            "data har ändrats sedan du läste.",
            current_etag=exc.current,
        ) from exc
    if review and result.status == "dry-run" and result.outcome is not None:
        outcome = propose(
            state,
            principal,
            result.outcome,
            message or follow_up_message(len(result.rows)),
            kind="import",
        )
        result.proposal = outcome.proposal
    return result


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@router.get(
    "/api/assessments/template",
    summary="The follow-up template: every commitment, ready to fill in and import",
    description="XLSX (by default): the sheet Uppföljning with each commitment's id, title "
    "and current status, a drop-down of the statuses, and a sheet of instructions in "
    "Swedish and English. `?format=csv`: the same columns, `;`-separated, UTF-8 with a byte "
    "order mark. Filled in, either imports as it is at `POST /api/assessments/import`.",
    response_class=Response,
    responses={
        200: {
            "content": {
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def template(
    state: ServiceDep,
    format: Annotated[TemplateFormat, Query(description="xlsx or csv")] = TemplateFormat.xlsx,
) -> Response:
    if format is TemplateFormat.csv:
        body = await asyncio.to_thread(follow_up_template_csv, state.store)
        media = "text/csv; charset=utf-8"
        name = "uppfoljning.csv"
    else:
        body = await asyncio.to_thread(follow_up_template, state.store, today_in_sweden())
        media = XLSX_TYPE
        name = "uppfoljning.xlsx"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
