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
from platform_graph.vocab.namespaces import ID
from platform_graph.write.change_log import Message
from platform_graph.write.tokens import Principal, Role
from platform_graph.write.writer import Outcome, PreconditionFailed

__all__ = [
    "DryRun",
    "IfMatch",
    "bad_input",
    "is_admin",
    "needs_review",
    "outcome_response",
    "precondition_problem",
    "propose",
    "submit",
]

DryRun = Annotated[
    bool, Query(description="Validate and report what would change, without changing anything.")
]
IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag the change is based on; a stale one gives 412 and no change. "
        "On a write about one resource (an assessment of a commitment): that resource's "
        'ETag (`"r-…"`, from its GET), or the dataset\'s (`"N"`); elsewhere the dataset\'s.'
    ),
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
    if outcome.derived:
        # What the write path derived from the change's own triples (a commitment's status).
        body["derived"] = [nquad_line(q) for q in outcome.derived]
    if outcome.resource_etags:
        body["resources"] = [
            {"iri": str(iri), "etag": etag} for iri, etag in outcome.resource_etags.items()
        ]
    headers = {"ETag": outcome.etag}
    if outcome.status == "proposed" and outcome.proposal is not None:
        n = outcome.proposal
        body["proposal"] = {
            "id": n,
            "href": f"/api/proposals/{n}",
            "page": f"/workbench/review/{n}",
        }
        body["detail"] = (
            "the change is valid and waits for review by another editor or an administrator "
            "(four eyes): nothing is changed until it is approved"
        )
        headers["Location"] = f"/api/proposals/{n}"
        return JSONResponse(body, status_code=202, headers=headers)
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


def needs_review(state: Service, principal: Principal, dry_run: bool) -> bool:
    """Four eyes (``require_review``): an editor's change is held as a proposal; an
    administrator's applies at once; a dry run only checks, as always."""
    return state.settings.require_review and not dry_run and not is_admin(principal)


def propose(
    state: Service,
    principal: Principal,
    outcome: Outcome,
    message: Message,
    *,
    kind: str = "change",
    payload: dict[str, Any] | None = None,
) -> Outcome:
    """Hold a change that validated (as a dry run) as a proposal: its outcome becomes
    ``proposed`` with the proposal's number. An invalid change is not proposed: its
    outcome (``rejected``) is answered as usual."""
    if not outcome.report.conforms:
        outcome.status = "rejected"
        return outcome
    if not outcome.added and not outcome.removed:
        return outcome
    resources = sorted({str(s) for s, *_ in [*outcome.added, *outcome.removed]})
    if not isinstance(message, str):  # both languages, kept as one line until approved
        message = " / ".join(dict.fromkeys(t for t in (message.get("sv"), message.get("en")) if t))
    proposal = state.proposals.propose(
        kind=kind,
        author=principal.name,
        message=message,
        removed=outcome.removed,
        added=outcome.added,
        resources=resources,
        store=state.store,
        payload=payload,
    )
    outcome.status = "proposed"
    outcome.proposal = proposal.id
    return outcome


def submit(state: Service, principal: Principal, **kwargs: Any) -> Outcome:
    """``Writer.submit`` (or ``submit_with``, given ``build``) in the principal's name;
    with ``require_review``, an editor's valid change is held as a proposal instead."""
    build = kwargs.pop("build", None)
    kind = kwargs.pop("kind", "change")
    review = needs_review(state, principal, bool(kwargs.get("dry_run")))
    if review:
        kwargs["dry_run"] = True
    try:
        if build is not None:
            outcome = state.writer.submit_with(
                build, author=principal.name, admin=is_admin(principal), **kwargs
            )
        else:
            outcome = state.writer.submit(
                author=principal.name, admin=is_admin(principal), **kwargs
            )
    except PreconditionFailed as exc:
        raise precondition_problem(exc) from exc
    except PermissionError as exc:
        raise ProblemError(
            400, "Bad change", str(exc), sv="Ändringsloggen kan inte skrivas direkt."
        ) from exc
    if review:
        return propose(state, principal, outcome, kwargs["message"], kind=kind)
    return outcome


def precondition_problem(exc: PreconditionFailed) -> ProblemError:
    """412: which resource changed, its current ETag, and the change that changed it
    last, so that a client (the workbench's conflict page) can show both versions."""
    changed_by: dict[str, Any] | None = None
    if exc.last_change is not None:
        n = exc.last_change
        changed_by = {"id": n, "iri": str(ID[f"change/{n}"]), "href": f"/api/changes/{n}"}
    if exc.resource is not None:
        by_sv = f" (ändring {exc.last_change})" if exc.last_change is not None else ""
        by_en = f" (change {exc.last_change})" if exc.last_change is not None else ""
        sv = (
            f"<{exc.resource}> har ändrats sedan du läste den{by_sv}. Läs den igen och gör "
            "om din ändring utifrån det nya läget."
        )
        en = (
            f"<{exc.resource}> has changed since you read it{by_en}. Read it again and "
            "make your change on what it is now."
        )
    else:
        sv = "Datan har ändrats sedan du läste den. Läs den igen och gör om din ändring."
        en = "The data has changed since you read it. Read it again and make your change again."
    return ProblemError(
        412,
        "Precondition failed",
        str(exc),
        resource=str(exc.resource) if exc.resource is not None else None,
        current_etag=exc.current,
        dataset_etag=exc.dataset,
        changed_by=changed_by,
        errors=[{"message": {"sv": sv, "en": en}}],
    )
