"""What every write route shares: dry runs, If-Match, the principal's rights, and one
answer for a change's outcome (201 applied, 200 dry run or nothing to do, 422 rejected).

Every write route goes through ``Writer.submit`` (or ``submit_with``): validated against
the shapes, applied whole or not at all, recorded with its author, time, message and
exact triples.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Request, Response
from fastapi.responses import JSONResponse

from platform_graph.errors import InputError
from platform_graph.http.problems import ProblemError
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.service.parts import Service
from platform_graph.store import nquad_line
from platform_graph.write.tokens import Principal, Role
from platform_graph.write.writer import Outcome, PreconditionFailed

__all__ = ["DryRun", "IfMatch", "bad_input", "is_admin", "outcome_response", "submit"]

DryRun = Annotated[
    bool, Query(description="Validate and report what would change, without changing anything.")
]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag the change is based on; a stale one gives 412 and no change."),
]


def bad_input(exc: InputError) -> ProblemError:
    extra: dict[str, Any] = {"part": exc.source}
    if exc.line is not None:
        extra["line"] = exc.line
    if exc.column is not None:
        extra["column"] = exc.column
    where = ""
    if exc.line is not None:
        where = f" (rad {exc.line}" + (f", kolumn {exc.column})" if exc.column else ")")
    return ProblemError(
        400,
        "Unreadable RDF",
        str(exc),
        sv=f"RDF-innehållet ({exc.source}) går inte att läsa{where}: {exc}",
        **extra,
    )


def outcome_response(request: Request, outcome: Outcome) -> Response:
    """201 applied, 200 dry run or no change, 422 rejected (JSON, or a SHACL report in Turtle)."""
    body: dict[str, Any] = {
        "status": outcome.status,
        "etag": outcome.etag,
        "added": len(outcome.added),
        "removed": len(outcome.removed),
        "triples": {
            "added": [nquad_line(q) for q in outcome.added],
            "removed": [nquad_line(q) for q in outcome.removed],
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
        violations = outcome.report.violations
        body.update(
            type="about:blank",
            title="The change is not valid",
            http_status=422,
            detail=f"{len(violations)} violation(s): nothing was changed",
            errors=[
                {
                    "focus_node": r.focus,
                    "path": r.path,
                    "value": r.value,
                    "message": {"sv": r.message_sv, "en": r.message_en},
                }
                for r in violations
            ],
        )
        return JSONResponse(
            body, status_code=422, headers=headers, media_type="application/problem+json"
        )
    code = 201 if outcome.status == "applied" else 200
    return JSONResponse(body, status_code=code, headers=headers)


def is_admin(principal: Principal) -> bool:
    return principal.role.includes(Role.admin)


def submit(state: Service, principal: Principal, **kwargs: Any) -> Outcome:
    """``Writer.submit`` (or ``submit_with``, given ``build``) in the principal's name."""
    build = kwargs.pop("build", None)
    try:
        if build is not None:
            return state.writer.submit_with(
                build, author=principal.name, admin=is_admin(principal), **kwargs
            )
        return state.writer.submit(author=principal.name, admin=is_admin(principal), **kwargs)
    except PreconditionFailed as exc:
        raise ProblemError(
            412,
            "Precondition failed",
            str(exc),
            sv=f"If-Match {exc.expected} stämmer inte med nuvarande ETag {exc.current}: "
            "data har ändrats sedan du läste. Läs igen och försök på nytt.",
            current_etag=exc.current,
        ) from exc
    except PermissionError as exc:
        raise ProblemError(
            400, "Bad change", str(exc), sv="Ändringsloggen kan inte skrivas direkt."
        ) from exc
