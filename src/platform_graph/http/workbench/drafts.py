"""The review of a draft in the browser (issue 16): the platforms with proposed
statements, one platform's statements to accept (as they are or edited) or reject, one by
one or many at once, and its continuity links to confirm or reject.

Every decision goes through what the API's routes use (``state.drafts`` and
``http.writing.submit``): the curation rules and SHACL, the change log, four eyes when
they are on. A signed-in reader sees the pages; deciding needs an editor.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.workbench.common import done, first, page, post_checked, require
from platform_graph.http.workbench.session import SessionDep
from platform_graph.http.writing import submit
from platform_graph.service.parts import Service
from platform_graph.store import Quad
from platform_graph.vocab.scales import CHANGES, KINDS, ROLES, STRENGTHS
from platform_graph.write.drafts import ReviewError
from platform_graph.write.field_errors import FieldError
from platform_graph.write.sessions import Session
from platform_graph.write.tokens import Role
from platform_graph.write.writer import Outcome

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STATUSES = ("pending", "accepted", "rejected")
LINK_STATUSES = ("pending", "confirmed", "rejected")
_SLUG = re.compile(r"^[a-z0-9-]{1,200}$")
_CONFIDENCE = re.compile(r"confidence (\d(?:\.\d+)?)")
EMPTY_ACTOR_ROWS = 2

Delta = tuple[Sequence[Quad], Sequence[Quad]]

# The curation rules' messages (build.curation.check_statement), in both languages, with
# the form field each concerns.
_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"at least one theme is required"), "themes", "Välj minst ett tema."),
    (re.compile(r"unknown theme '([^']*)'"), "themes", "Okänt tema: {0}."),
    (re.compile(r"unknown actor role '([^']*)'"), "actors", "Okänd roll: {0}."),
    (re.compile(r"unknown actor '([^']*)'"), "actors", "Okänd aktör: {0}."),
    (re.compile(r"unknown area '([^']*)'"), "areas", "Okänt område: {0}."),
    (
        re.compile(r"deadline must be"),
        "deadline",
        "Tidsgränsen ska vara ett år (2027) eller ett datum (2027-12-31).",
    ),
    (re.compile(r"a commitment needs a Swedish title"), "title_sv", "Skriv en titel på svenska."),
    (re.compile(r"strength must be one of"), "strength", "Välj styrka."),
    (re.compile(r"kind must be one of"), "kind", "Välj typ."),
    (re.compile(r"change must be one of"), "change", "Välj förändring."),
    (re.compile(r"testable must be"), "testable", "Ange om åtagandet går att pröva."),
    (
        re.compile(r"at least one responsible actor"),
        "actors",
        "Ett åtagande behöver minst en ansvarig aktör.",
    ),
)


def rule_error(problem: str) -> tuple[str | None, FieldError]:
    """A curation rule's message (``file: id: what``) as a field error in both languages,
    with the statement it is about."""
    parts = problem.split(": ", 2)
    statement = parts[1] if len(parts) == 3 else None
    what = parts[-1]
    for pattern, field, sv in _RULES:
        found = pattern.search(what)
        if found:
            return statement, FieldError(field, "curation", sv.format(*found.groups()), what)
    return statement, FieldError("", "curation", f"Kurationens regler: {what}", what)


def _review_errors(exc: ReviewError) -> list[tuple[str | None, FieldError]]:
    if exc.problems:
        return [rule_error(p) for p in exc.problems]
    sv = {
        404: "Finns inte: ",
        409: "Redan beslutat: ",
        422: "Kan inte genomföras: ",
    }.get(exc.status, "")
    return [(None, FieldError("", f"review-{exc.status}", f"{sv}{exc}", str(exc)))]


def _problem_errors(exc: ProblemError) -> list[tuple[str | None, FieldError]]:
    out: list[tuple[str | None, FieldError]] = []
    for e in exc.extra.get("errors") or []:
        message = e.get("message", {}) if isinstance(e, dict) else {}
        if isinstance(message, dict):
            out.append(
                (None, FieldError("", "problem", str(message.get("sv")), str(message.get("en"))))
            )
    if not out:
        out.append((None, FieldError("", "problem", exc.sv or exc.detail, exc.detail)))
    return out


def _outcome_errors(outcome: Outcome) -> list[tuple[str | None, FieldError]]:
    return [
        (None, FieldError("", "shape", v.message_sv, v.message_en))
        for v in outcome.report.violations
    ]


# --- what the pages show -----------------------------------------------------------------


def _platform_or_none(state: Service, slug: str) -> Any:
    if not _SLUG.match(slug):
        return None
    return state.drafts.platforms().get(slug)


def _confidence(note: str | None) -> float | None:
    found = _CONFIDENCE.search(note or "")
    return float(found.group(1)) if found else None


def _items(state: Service, platform: str, status: str | None) -> list[dict[str, Any]]:
    items = state.drafts.proposals(platform, status)
    for item in items:
        item["confidence"] = _confidence(item.get("note"))
        item["path"] = item["iri"].split("/id/", 1)[-1]
    return items


def _counts(state: Service, platform: str) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for item in state.drafts.proposals(platform):
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return counts


def _names(p: Any) -> dict[str, dict[str, dict[str, str]]]:
    """The labels of the platform's actors and areas (its own ones are not in the graph
    until accepted)."""
    return {
        "actor": {k: {"sv": a.label_sv, "en": a.label_en} for k, a in p.curation.actors.items()},
        "area": {k: {"sv": a.label_sv, "en": a.label_en} for k, a in p.curation.areas.items()},
    }


def _status_filter(request: Request, default: str = "pending") -> str:
    wanted = request.query_params.get("status", default)
    return wanted if wanted in (*STATUSES, *LINK_STATUSES, "all") else default


def _draft_page(
    request: Request,
    state: Service,
    session: Session,
    platform: str,
    *,
    status: int = 200,
    errors: Sequence[tuple[str | None, FieldError]] = (),
    shown: str | None = None,
    notice: tuple[str, dict[str, Any]] | None = None,
    values: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    p = _platform_or_none(state, platform)
    if p is None:
        return page(request, state, "not_found.html", session, status=404)
    shown = shown or _status_filter(request)
    items = _items(state, platform, None if shown == "all" else shown)
    by_statement: dict[str, list[FieldError]] = {}
    general: list[FieldError] = []
    ids = {i["id"] for i in items}
    for statement, error in errors:
        if statement is not None and statement in ids:
            by_statement.setdefault(statement, []).append(error)
        else:
            general.append(error)
    return page(
        request,
        state,
        "draft.html",
        session,
        status=status,
        platform=p.spec,
        items=items,
        counts=_counts(state, platform),
        shown=shown,
        statuses=STATUSES,
        errors=general,
        item_errors=by_statement,
        names=_names(p),
        notice=notice,
        values=values or {},
    )


@router.get("/workbench/drafts", response_class=HTMLResponse)
def drafts(request: Request, state: ServiceDep, session: SessionDep) -> HTMLResponse:
    rows = []
    for slug, p in sorted(state.drafts.platforms().items()):
        counts = _counts(state, slug)
        if sum(counts.values()):
            rows.append({"spec": p.spec, "counts": counts})
    return page(request, state, "drafts.html", session, rows=rows)


@router.get("/workbench/drafts/{platform}", response_class=HTMLResponse)
def draft(platform: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    params = request.query_params
    notice: tuple[str, dict[str, Any]] | None = None
    if params.get("accepted"):
        notice = ("draft_accepted", {"n": params.get("n", "1"), "change": params["accepted"]})
    elif params.get("proposed"):
        notice = ("proposed", {"proposal": params["proposed"]})
    elif params.get("rejected"):
        notice = ("draft_rejected", {"n": params["rejected"]})
    return _draft_page(request, state, session, platform, notice=notice)


async def _accept(
    state: Service,
    session: Session,
    platform: str,
    ids: Sequence[str],
    edits: Mapping[str, Mapping[str, Any]],
) -> Outcome | list[tuple[str | None, FieldError]]:
    """Accepting as the API does: the backend's change, through ``submit``."""
    try:
        build, message = state.drafts.accept(platform, ids, edits)
        outcome = await asyncio.to_thread(
            submit, state, session.principal, build=build, message=message
        )
    except ReviewError as exc:
        errors = _review_errors(exc)
        if len(ids) == 1:
            return [(ids[0], e) for _, e in errors]
        return errors
    except ProblemError as exc:
        return _problem_errors(exc)
    if outcome.status == "rejected":
        errors = _outcome_errors(outcome)
        return [(ids[0], e) for _, e in errors] if len(ids) == 1 else errors
    return outcome


def _accepted(request: Request, platform: str, outcome: Outcome, n: int) -> Response:
    path = f"/workbench/drafts/{platform}"
    if outcome.proposal is not None:
        return done(request, path, proposed=outcome.proposal)
    change = str(outcome.change).rsplit("/", 1)[-1] if outcome.change else "-"
    return done(request, path, accepted=change, n=n)


def _reject(
    state: Service, session: Session, platform: str, ids: Sequence[str], reason: str
) -> list[tuple[str | None, FieldError]]:
    try:
        state.drafts.reject(platform, ids, author=session.principal.name, reason=reason)
    except ReviewError as exc:
        errors = _review_errors(exc)
        return [(ids[0], e) for _, e in errors] if len(ids) == 1 else errors
    return []


def _needs_reason(statement: str | None) -> tuple[str | None, FieldError]:
    return (
        statement,
        FieldError(
            "reason",
            "reason-missing",
            "Skriv varför du avvisar.",
            "Write why you reject.",
        ),
    )


def _none_chosen() -> tuple[str | None, FieldError]:
    return (
        None,
        FieldError("ids", "none-chosen", "Välj minst ett påstående.", "Choose at least one."),
    )


@router.post("/workbench/drafts/{platform}", response_class=HTMLResponse)
async def decide_many(
    platform: str, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.editor)
    if _platform_or_none(state, platform) is None:
        return page(request, state, "not_found.html", session, status=404)
    ids = [i for i in dict.fromkeys(values.get("id", [])) if _SLUG.match(i)]
    action = first(values, "action")
    reason = first(values, "reason")[:2000]
    form = {"reason": reason, "ids": ids}
    if not ids:
        return _draft_page(
            request, state, session, platform, status=422, errors=[_none_chosen()], values=form
        )
    if action == "reject":
        if not reason:
            errors = [_needs_reason(None)]
        else:
            errors = await asyncio.to_thread(_reject, state, session, platform, ids, reason)
        if errors:
            return _draft_page(
                request, state, session, platform, status=422, errors=errors, values=form
            )
        return done(request, f"/workbench/drafts/{platform}", rejected=len(ids))
    result = await _accept(state, session, platform, ids, {})
    if isinstance(result, Outcome):
        return _accepted(request, platform, result, len(ids))
    return _draft_page(request, state, session, platform, status=422, errors=result, values=form)


# --- one statement: accept, reject, or edit then accept ------------------------------------


def _proposal(state: Service, platform: str, statement: str) -> dict[str, Any] | None:
    if not _SLUG.match(statement):
        return None
    for item in _items(state, platform, None):
        if item["id"] == statement:
            return item
    return None


def _coding(item: Mapping[str, Any]) -> dict[str, Any]:
    """A proposal's fields as the edit form holds them."""
    title = item.get("title") or {}
    return {
        "commitment": item["label"] == "commitment",
        "title_sv": title.get("sv") or "",
        "title_en": title.get("en") or "",
        "strength": item.get("strength") or "",
        "cue": item.get("cue") or "",
        "kind": item.get("kind") or "",
        "change": item.get("change") or "",
        "testable": item.get("testable"),
        "deadline": item.get("deadline") or "",
        "actors": [(a, r) for r, ids in (item.get("actors") or {}).items() for a in ids],
        "areas": list(item.get("areas") or ()),
        "themes": list(item.get("themes") or ()),
    }


def _coding_from(values: dict[str, list[str]]) -> dict[str, Any]:
    pairs = [
        (a.strip(), r.strip())
        for a, r in zip(values.get("actor", []), values.get("actor_role", []), strict=False)
        if a.strip() and r.strip()
    ]
    testable = first(values, "testable")
    return {
        "commitment": first(values, "commitment") != "context",
        "title_sv": first(values, "title_sv"),
        "title_en": first(values, "title_en"),
        "strength": first(values, "strength"),
        "cue": first(values, "cue"),
        "kind": first(values, "kind"),
        "change": first(values, "change"),
        "testable": None if testable == "" else testable == "true",
        "deadline": first(values, "deadline"),
        "actors": list(dict.fromkeys(pairs)),
        "areas": list(dict.fromkeys(a for a in values.get("area", []) if a)),
        "themes": list(dict.fromkeys(t for t in values.get("theme", []) if t)),
    }


def _edits(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What the reviewer changed, as the backend's accept takes it (``write.drafts.EDITABLE``)."""
    out: dict[str, Any] = {}
    if after["commitment"] != before["commitment"]:
        out["commitment"] = after["commitment"]
    if (after["title_sv"], after["title_en"]) != (before["title_sv"], before["title_en"]):
        out["title"] = {"sv": after["title_sv"] or None, "en": after["title_en"] or None}
    for key in ("strength", "cue", "kind", "change", "deadline"):
        if after[key] != before[key]:
            out[key] = after[key] or None
    if after["testable"] != before["testable"]:
        out["testable"] = after["testable"]
    if sorted(after["actors"]) != sorted(before["actors"]):
        roles: dict[str, list[str]] = {}
        for a, r in after["actors"]:
            roles.setdefault(r, []).append(a)
        out["actors"] = roles
    for key in ("areas", "themes"):
        if sorted(after[key]) != sorted(before[key]):
            out[key] = list(after[key])
    return out


def _edit_page(
    request: Request,
    state: Service,
    session: Session,
    platform: str,
    item: Mapping[str, Any],
    coding: Mapping[str, Any],
    *,
    status: int = 200,
    errors: Sequence[FieldError] = (),
) -> HTMLResponse:
    p = state.drafts.platform(platform)
    names = _names(p)
    return page(
        request,
        state,
        "draft_edit.html",
        session,
        status=status,
        platform=p.spec,
        item=item,
        coding=coding,
        errors=list(errors),
        strengths=STRENGTHS,
        kinds=KINDS,
        changes=CHANGES,
        roles=ROLES,
        actors=sorted(names["actor"], key=lambda k: names["actor"][k]["sv"].lower()),
        areas=sorted(names["area"], key=lambda k: names["area"][k]["sv"].lower()),
        themes=sorted(state.site.read_model.slugs("theme")),
        names=names,
        empty_rows=EMPTY_ACTOR_ROWS,
    )


@router.get("/workbench/drafts/{platform}/statements/{statement}", response_class=HTMLResponse)
def edit_form(
    platform: str, statement: str, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    if _platform_or_none(state, platform) is None:
        return page(request, state, "not_found.html", session, status=404)
    item = _proposal(state, platform, statement)
    if item is None:
        return page(request, state, "not_found.html", session, status=404)
    return _edit_page(request, state, session, platform, item, _coding(item))


@router.post("/workbench/drafts/{platform}/statements/{statement}", response_class=HTMLResponse)
async def decide_one(
    platform: str, statement: str, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.editor)
    if _platform_or_none(state, platform) is None:
        return page(request, state, "not_found.html", session, status=404)
    item = _proposal(state, platform, statement)
    if item is None:
        return page(request, state, "not_found.html", session, status=404)
    action = first(values, "action")
    if action == "reject":
        reason = first(values, "reason")[:2000]
        errors = (
            [_needs_reason(statement)]
            if not reason
            else await asyncio.to_thread(_reject, state, session, platform, [statement], reason)
        )
        if errors:
            return _draft_page(
                request,
                state,
                session,
                platform,
                status=422,
                errors=errors,
                values={f"reason-{statement}": reason},
            )
        return done(request, f"/workbench/drafts/{platform}", rejected=1)
    if action == "edit":
        coding = _coding_from(values)
        edits = _edits(_coding(item), coding)
        result = await _accept(state, session, platform, [statement], {statement: edits})
        if isinstance(result, Outcome):
            return _accepted(request, platform, result, 1)
        return _edit_page(
            request,
            state,
            session,
            platform,
            item,
            coding,
            status=422,
            errors=[e for _, e in result],
        )
    result = await _accept(state, session, platform, [statement], {})
    if isinstance(result, Outcome):
        return _accepted(request, platform, result, 1)
    return _draft_page(request, state, session, platform, status=422, errors=result)


# --- continuity ---------------------------------------------------------------------------


def _link_of(value: str) -> tuple[str, str] | None:
    new, _, old = value.partition(">")
    if _SLUG.match(new) is None or _SLUG.match(old) is None:
        return None
    return new, old


def _continuity_page(
    request: Request,
    state: Service,
    session: Session,
    platform: str,
    *,
    status: int = 200,
    errors: Sequence[tuple[str | None, FieldError]] = (),
    notice: tuple[str, dict[str, Any]] | None = None,
    values: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    p = _platform_or_none(state, platform)
    if p is None:
        return page(request, state, "not_found.html", session, status=404)
    shown = _status_filter(request)
    if shown not in (*LINK_STATUSES, "all"):
        shown = "pending"
    try:
        links = state.drafts.continuity(platform, None if shown == "all" else shown)
    except ReviewError as exc:
        links, errors = [], [*errors, *_review_errors(exc)]
    for link in links:
        link["key"] = f"{link['commitment']}>{link['continues']}"
    return page(
        request,
        state,
        "continuity.html",
        session,
        status=status,
        platform=p.spec,
        links=links,
        shown=shown,
        statuses=LINK_STATUSES,
        errors=[e for _, e in errors],
        notice=notice,
        values=values or {},
    )


@router.get("/workbench/drafts/{platform}/continuity", response_class=HTMLResponse)
def continuity(platform: str, request: Request, state: ServiceDep, session: SessionDep) -> Response:
    params = request.query_params
    notice: tuple[str, dict[str, Any]] | None = None
    if params.get("confirmed"):
        notice = ("links_confirmed", {"n": params.get("n", "1"), "change": params["confirmed"]})
    elif params.get("proposed"):
        notice = ("proposed", {"proposal": params["proposed"]})
    elif params.get("rejected"):
        notice = ("links_rejected", {"n": params["rejected"]})
    return _continuity_page(request, state, session, platform, notice=notice)


@router.post("/workbench/drafts/{platform}/continuity", response_class=HTMLResponse)
async def decide_links(
    platform: str, request: Request, state: ServiceDep, session: SessionDep
) -> Response:
    values = await post_checked(request, state, session)
    require(session, Role.editor)
    if _platform_or_none(state, platform) is None:
        return page(request, state, "not_found.html", session, status=404)
    one = first(values, "one")
    action = first(values, "action")
    chosen = values.get("link", [])
    if one:
        action, _, key = one.partition(":")
        chosen = [key]
    links = [link for link in (_link_of(v) for v in dict.fromkeys(chosen)) if link is not None]
    reason = first(values, "reason")[:2000]
    form = {"reason": reason, "links": [f"{a}>{b}" for a, b in links]}
    path = f"/workbench/drafts/{platform}/continuity"

    def again(errors: Sequence[tuple[str | None, FieldError]]) -> HTMLResponse:
        return _continuity_page(
            request, state, session, platform, status=422, errors=errors, values=form
        )

    if not links:
        return again([_none_chosen()])
    if action == "reject":
        if not reason:
            return again([_needs_reason(None)])
        try:
            await asyncio.to_thread(
                _reject_links, state.drafts.reject_links, platform, links, session, reason
            )
        except ReviewError as exc:
            return again(_review_errors(exc))
        return done(request, path, rejected=len(links))
    try:
        build, message = state.drafts.confirm_links(platform, links)
        outcome = await asyncio.to_thread(
            submit, state, session.principal, build=build, message=message
        )
    except ReviewError as exc:
        return again(_review_errors(exc))
    except ProblemError as exc:
        return again(_problem_errors(exc))
    if outcome.status == "rejected":
        return again(_outcome_errors(outcome))
    if outcome.proposal is not None:
        return done(request, path, proposed=outcome.proposal)
    change = str(outcome.change).rsplit("/", 1)[-1] if outcome.change else "-"
    return done(request, path, confirmed=change, n=len(links))


def _reject_links(
    reject: Callable[..., Any],
    platform: str,
    links: Sequence[tuple[str, str]],
    session: Session,
    reason: str,
) -> None:
    reject(platform, links, author=session.principal.name, reason=reason)
