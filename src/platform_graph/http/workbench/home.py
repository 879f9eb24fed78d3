"""The workbench's start page and the list of statements to follow up or correct."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.workbench.common import page
from platform_graph.http.workbench.session import SessionDep
from platform_graph.read.model import fold
from platform_graph.write.corrections import read_coding, statement_node

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

RECENT = 5


@router.get("/workbench", response_class=HTMLResponse)
@router.get("/workbench/", response_class=HTMLResponse)
def start(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    head = state.writer.head()[0]
    recent = [
        r
        for r in (state.writer.record(n) for n in range(head, max(0, head - RECENT), -1))
        if r is not None
    ]
    return page(
        request,
        state,
        "start.html",
        session,
        recent=recent,
        open_proposals=state.proposals.open_count(),
    )


@router.get("/workbench/statements", response_class=HTMLResponse)
def statements(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    params = request.query_params
    q = params.get("q", "").strip()[:200]
    kind = params.get("kind", "")
    section = params.get("section", "")
    status = params.get("status", "")
    everything = state.read_model.statements()
    items = everything
    if kind in ("commitment", "context"):
        items = [s for s in items if s["kind"] == kind]
    if section:
        items = [s for s in items if s["section"] == section]
    if status:
        items = [s for s in items if s["status"] == status]
    if q:
        words = fold(q).split()
        items = [
            s
            for s in items
            if all(
                w in fold(" ".join([s["quote"], *(t or "" for t in s["title"].values())]))
                for w in words
            )
        ]
    pages = state.site.pages()
    return page(
        request,
        state,
        "statements.html",
        session,
        items=items,
        total=len(everything),
        q=q,
        kind=kind,
        section=section,
        status_filter=status,
        sections=[s["id"] for s in pages.sections()],
        statuses=pages.scale("status"),
    )


@router.get("/workbench/statements/{slug}", response_class=HTMLResponse)
def statement(slug: str, request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    node = statement_node(state.store, slug)
    if node is None:
        return page(request, state, "not_found.html", session, status=404)
    coding = read_coding(state.store, node)
    found = next((s for s in state.read_model.statements() if s["id"] == slug), None)
    assessments: list[dict[str, object]] = []
    if coding.commitment:
        assessments, _ = state.read_model.assessments(slug, limit=20)
    params = request.query_params
    notice = None
    if params.get("proposed"):
        notice = ("proposed", {"proposal": params["proposed"]})
    elif params.get("saved"):
        notice = ("saved_correction", {"change": params["saved"]})
    elif params.get("assessed"):
        notice = ("saved_assessment", {"change": params["assessed"]})
    return page(
        request,
        state,
        "statement.html",
        session,
        slug=slug,
        node=str(node),
        coding=coding,
        statement=found,
        assessments=assessments,
        notice=notice,
        renamed=params.get("renamed"),
    )
