"""Corrections of a statement's coding: the form, a preview of the change in words
(computed by a dry run of the very change), then saving it; a clear conflict page when
someone else changed the same statement meanwhile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import URIRef

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.workbench.common import done, first, page, post_checked, require
from platform_graph.http.workbench.session import SessionDep
from platform_graph.http.writing import submit
from platform_graph.service.parts import Service
from platform_graph.store import Quad
from platform_graph.vocab.identifiers import slug_of
from platform_graph.vocab.scales import CHANGES, KINDS, ROLES, STRENGTHS
from platform_graph.write.corrections import (
    SHAPE_PATHS,
    Coding,
    StaleForm,
    check_coding,
    coding_change,
    differences,
    read_coding,
    statement_node,
    version,
)
from platform_graph.write.field_errors import FieldError, violations_by_field
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

EMPTY_ACTOR_ROWS = 3


def _node(state: Service, slug: str) -> URIRef:
    node = statement_node(state.store, slug)
    if node is None:
        raise ProblemError(
            404, "Not found", f"no statement {slug!r}", sv=f"Det finns inget påstående {slug!r}."
        )
    return node


def _coding_from(values: dict[str, list[str]]) -> Coding:
    actors = values.get("actor", [])
    roles = values.get("actor_role", [])
    pairs = sorted(
        {
            (a.strip(), r.strip())
            for a, r in zip(actors, roles, strict=False)
            if a.strip() and r.strip()
        }
    )
    testable = first(values, "testable")
    return Coding(
        commitment=first(values, "commitment") != "context",
        title_sv=first(values, "title_sv"),
        title_en=first(values, "title_en"),
        strength=first(values, "strength") or None,
        cue=first(values, "cue") or None,
        kind=first(values, "kind") or None,
        change=first(values, "change") or None,
        testable=None if testable == "" else testable == "true",
        deadline=first(values, "deadline") or None,
        actors=tuple(pairs),
        areas=tuple(sorted({a for a in values.get("area", []) if a})),
        themes=tuple(sorted({t for t in values.get("theme", []) if t})),
    )


def _for_context(coding: Coding) -> Coding:
    """Context carries no commitment fields: the form may still hold them."""
    if coding.commitment:
        return coding
    return replace(
        coding, strength=None, cue=None, kind=None, change=None, testable=None, deadline=None
    )


def _form(
    request: Request,
    state: Service,
    session: Session,
    slug: str,
    coding: Coding,
    form_version: str,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
) -> HTMLResponse:
    rm = state.site.read_model
    return page(
        request,
        state,
        "edit.html",
        session,
        status=status,
        slug=slug,
        node=str(_node(state, slug)),
        coding=coding,
        version=form_version,
        errors=errors or [],
        strengths=STRENGTHS,
        kinds=KINDS,
        changes=CHANGES,
        roles=ROLES,
        actors=sorted(rm.slugs("actor")),
        areas=sorted(rm.slugs("area")),
        themes=sorted(rm.slugs("theme")),
        empty_rows=EMPTY_ACTOR_ROWS,
        quote=_quote(state, slug),
    )


def _quote(state: Service, slug: str) -> str:
    for s in state.read_model.statements():
        if s["id"] == slug:
            return str(s["quote"])
    return ""


@router.get("/workbench/statements/{slug}/edit", response_class=HTMLResponse)
def edit_form(slug: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    require(session, Role.editor)
    node = _node(state, slug)
    return _form(
        request, state, session, slug, read_coding(state.store, node), version(state.store, node)
    )


def _change(
    state: Service, node: URIRef, coding: Coding, form_version: str
) -> tuple[list[URIRef], Any]:
    """A build for the writer: the correction computed from the state it applies to, or
    StaleForm when the statement changed since the form was opened."""
    targets: list[URIRef] = []

    def build() -> tuple[list[Quad], list[Quad]]:
        current = version(state.store, node)
        if current != form_version:
            raise StaleForm(node, current)
        target, remove, add = coding_change(state.store, node, coding)
        targets.append(target)
        return remove, add

    return targets, build


@router.post("/workbench/statements/{slug}/edit", response_class=HTMLResponse)
async def edit(slug: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.editor)
    node = _node(state, slug)
    coding = _for_context(_coding_from(values))
    form_version = first(values, "version")
    action = first(values, "action")
    errors = check_coding(state.store, coding)
    if action == "edit" or errors:
        return _form(
            request,
            state,
            session,
            slug,
            coding,
            form_version,
            status=422 if errors else 200,
            errors=errors,
        )
    before = read_coding(state.store, node)
    targets, build = _change(state, node, coding, form_version)
    try:
        if action == "save":
            outcome = submit(
                state,
                session.principal,
                build=build,
                message=first(values, "message") or _message(slug, before, coding),
                kind="correction",
            )
        else:
            outcome = state.writer.submit_with(
                build, author=session.principal.name, message="preview", dry_run=True
            )
    except StaleForm as exc:
        return _conflict(request, state, session, slug, coding, exc)
    violations = violations_by_field(
        outcome.report, SHAPE_PATHS, focus=[str(node), *(str(t) for t in targets)]
    )
    if action == "save" and outcome.status in ("applied", "unchanged", "proposed"):
        target = slug_of(targets[-1]) if targets else slug
        params: dict[str, str | int] = {}
        if outcome.proposal is not None:
            params["proposed"] = outcome.proposal
        elif outcome.change is not None:
            params["saved"] = str(outcome.change).rsplit("/", 1)[-1]
        if targets and targets[-1] != node:
            params["renamed"] = str(targets[-1])
        return done(request, f"/workbench/statements/{target}", **params)
    return page(
        request,
        state,
        "preview.html",
        session,
        status=422 if violations else 200,
        slug=slug,
        coding=coding,
        before=before,
        changes=differences(before, coding),
        violations=violations,
        version=form_version,
        message=first(values, "message"),
    )


def _message(slug: str, before: Coding, after: Coding) -> str:
    fields = ", ".join(c.field for c in differences(before, after)) or "-"
    return f"Rättning av kodningen / Coding correction: {slug} ({fields})"


def _conflict(
    request: Request,
    state: Service,
    session: Session,
    slug: str,
    mine: Coding,
    exc: StaleForm,
) -> HTMLResponse:
    current = read_coding(state.store, exc.node)
    last = _last_change(state, exc.node)
    return page(
        request,
        state,
        "conflict.html",
        session,
        status=409,
        slug=slug,
        mine=mine,
        theirs=current,
        changes=differences(current, mine),
        version=exc.current,
        last=last,
    )


def _last_change(state: Service, node: URIRef) -> int | None:
    head = state.writer.head()[0]
    for n in range(head, max(0, head - 500), -1):
        record = state.writer.record(n)
        if record is None:
            continue
        if any(str(s).split("#", 1)[0] == str(node) for s, *_ in (*record.added, *record.removed)):
            return n
    return None
