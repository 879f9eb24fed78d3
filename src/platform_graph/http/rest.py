"""The REST API under /api/: commitments with filters, and the resources they link to."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.rdf.spreadsheets import neutralise_cell
from platform_graph.read.model import COMMITMENT_SORTS, CommitmentFilter, UnknownResource
from platform_graph.service.parts import Service
from platform_graph.vocab.scales import Kind, Status, Strength

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["REST"])

CONTEXT_PATH = "/api/context.jsonld"
COLUMNS = [
    "id",
    "iri",
    "platform",
    "title",
    "quote",
    "span",
    "section",
    "themes",
    "actors",
    "areas",
    "strength",
    "kind",
    "change",
    "testable",
    "deadline",
    "period",
    "amount_sek",
    "status",
]


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"
    jsonld = "jsonld"


SortField = Enum(  # type: ignore[misc]
    "SortField", {s.replace("-", "_"): s for f in COMMITMENT_SORTS for s in (f, f"-{f}")}, type=str
)

ID_BASE = "https://w3id.org/platform-graph/id/"


def _ref(prop: str) -> dict[str, Any]:
    return {"@id": prop, "@type": "@id"}


JSONLD_CONTEXT: dict[str, Any] = {
    "@context": {
        "@version": 1.1,
        "pg": "https://w3id.org/platform-graph/ontology#",
        "dcterms": "http://purl.org/dc/terms/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "oa": "http://www.w3.org/ns/oa#",
        "prov": "http://www.w3.org/ns/prov#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "iri": "@id",
        "items": "@graph",
        "id": "dcterms:identifier",
        "title": {"@id": "dcterms:title", "@container": "@language"},
        "label": {"@id": "skos:prefLabel", "@container": "@language"},
        "quote": "oa:exact",
        "span": "pg:span",
        "start": {"@id": "oa:start", "@type": "xsd:integer"},
        "end": {"@id": "oa:end", "@type": "xsd:integer"},
        "section": _ref("pg:inSection"),
        "platform": _ref("prov:wasDerivedFrom"),
        "themes": _ref("pg:theme"),
        "areas": _ref("pg:concernsArea"),
        "strength": _ref("pg:strength"),
        "kind": _ref("pg:kind"),
        "change": _ref("pg:changeType"),
        "status": _ref("pg:status"),
        "part_of": _ref("dcterms:isPartOf"),
        "parts": _ref("dcterms:hasPart"),
        "actors": {"@id": "pg:namesActor"},
        "commitments": {"@id": "pg:commitment"},
        "actor": _ref("pg:actor"),
        "role": "pg:role",
        "roles": "pg:role",
        "testable": {"@id": "pg:testable", "@type": "xsd:boolean"},
        "deadline": "pg:deadline",
        "period": {"@id": "pg:period", "@type": "xsd:duration"},
        "amount_sek": {"@id": "pg:amountSEK", "@type": "xsd:decimal"},
        "commitments_count": "pg:commitmentsCount",
        "commitments_including_parts": "pg:commitmentsIncludingParts",
        "position": "pg:position",
        "type": "pg:typeName",
        "total": "pg:total",
        "limit": "pg:limit",
        "offset": "pg:offset",
    }
}

# In JSON-LD the slugs become the IRIs they stand for: (field, kind of resource).
_SLUG_FIELDS = {
    "platform": "document",
    "section": "section",
    "themes": "theme",
    "areas": "area",
    "strength": "strength",
    "kind": "kind",
    "change": "change-type",
    "status": "status",
}


def _iri(kind: str, slug: Any) -> Any:
    return f"{ID_BASE}{kind}/{slug}" if isinstance(slug, str) else slug


def _as_linked(item: dict[str, Any], kind: str) -> dict[str, Any]:
    """An item of the JSON API, with slugs replaced by IRIs, for JSON-LD."""
    out = dict(item)
    out.setdefault("iri", _iri(kind, item.get("id")))
    for key, target in _SLUG_FIELDS.items():
        if kind == "commitment" and key in out:
            value = out[key]
            out[key] = (
                [_iri(target, v) for v in value] if isinstance(value, list) else _iri(target, value)
            )
    if "part_of" in out:
        out["part_of"] = _iri(kind, out["part_of"])
    if "parts" in out:
        out["parts"] = [_iri(kind, v) for v in out["parts"]]
    if isinstance(out.get("actors"), list):
        out["actors"] = [{**a, "actor": _iri("actor", a.get("id"))} for a in out["actors"]]
    if isinstance(out.get("commitments"), list):
        out["commitments"] = [_as_linked(c, "commitment") for c in out["commitments"]]
    return out


def _format(request: Request, explicit: OutputFormat | None) -> OutputFormat:
    if explicit is not None:
        return explicit
    offered = ["application/json", "text/csv", "application/ld+json"]
    try:
        media = best_match(request.headers.get("accept"), offered, "application/json")
    except NotAcceptable as exc:
        raise ProblemError(406, "Not acceptable", f"{exc}") from exc
    return {"text/csv": OutputFormat.csv, "application/ld+json": OutputFormat.jsonld}.get(
        media, OutputFormat.json
    )


def _csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    def flat(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dict):
            return "; ".join(f"{k}={flat(v)}" for k, v in value.items())
        if isinstance(value, list):
            return "; ".join(flat(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    buf = io.StringIO()
    names: list[str] = list(columns or [])
    for row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    if names:
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([neutralise_cell(flat(row.get(c))) for c in names])
    return buf.getvalue()


def _respond(
    request: Request,
    fmt: OutputFormat,
    body: dict[str, Any],
    rows: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
    *,
    kind: str | None = None,
    columns: list[str] | None = None,
) -> Response:
    headers = {"Vary": "Accept", **(headers or {})}
    if fmt is OutputFormat.csv:
        return Response(_csv(rows, columns), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt is OutputFormat.jsonld:
        linked = dict(body)
        if kind is not None:
            if isinstance(body.get("items"), list):
                linked["items"] = [_as_linked(i, kind) for i in body["items"]]
            else:
                linked = _as_linked(body, kind)
        base = request.app.state.platform.settings.public_base
        doc = {"@context": base + CONTEXT_PATH, **linked}
        return Response(
            json.dumps(doc, ensure_ascii=False), media_type="application/ld+json", headers=headers
        )
    return JSONResponse(body, headers=headers)


def _check_slug(state: Service, kind: str, value: str | None) -> None:
    if value is None:
        return
    allowed = state.read_model.slugs(kind)
    if value not in allowed:
        raise ProblemError(
            422,
            "Invalid parameter",
            f"unknown {kind} {value!r}",
            errors=[
                {"parameter": kind, "message": f"unknown {kind} {value!r}", "allowed": allowed}
            ],
        )


def _links(request: Request, total: int, limit: int, offset: int) -> str:
    # From the configured base, never the request's Host header.
    base = request.app.state.platform.settings.public_base

    def url(off: int) -> str:
        here = request.url.include_query_params(offset=off, limit=limit)
        return f"{base}{here.path}?{here.query}"

    links = [f'<{url(0)}>; rel="first"']
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    last = max(0, ((total - 1) // limit) * limit) if total else 0
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


PlatformParam = Annotated[
    str | None,
    Query(
        description="A platform's slug (GET /api/platforms): only its commitments. "
        "Default: every platform's.",
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length=100,
    ),
]


@router.get("/commitments", summary="Commitments, filtered, sorted and paged")
def list_commitments(
    request: Request,
    state: ServiceDep,
    platform: PlatformParam = None,
    actor: Annotated[
        str | None,
        Query(description="Actor slug; also matches its parts (e.g. kommunala-bolag finds obo)."),
    ] = None,
    area: Annotated[
        str | None,
        Query(
            description="Area slug; also matches places within it (landsbygd finds mindre-orter)."
        ),
    ] = None,
    theme: Annotated[
        str | None, Query(description="Theme slug (a broader theme finds its narrower ones).")
    ] = None,
    section: Annotated[str | None, Query(description="Section slug.")] = None,
    strength: Strength | None = None,
    kind: Kind | None = None,
    status: Status | None = None,
    testable: bool | None = None,
    has_deadline: bool | None = None,
    deadline_before: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}(-\d{2}-\d{2})?$", description="A year or date: deadlines before it."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200, description="Words in the quote or title (case and diacritics ignored)."
        ),
    ] = None,
    sort: SortField = SortField.position,  # type: ignore[attr-defined]
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: OutputFormat | None = None,
) -> Response:
    if deadline_before is not None and len(deadline_before) == 10:
        try:
            date.fromisoformat(deadline_before)
        except ValueError as exc:
            raise ProblemError(
                422,
                "Invalid parameter",
                f"deadline_before: {deadline_before!r} is not a date",
                errors=[{"parameter": "deadline_before", "message": "not a calendar date"}],
            ) from exc
    for kind_name, value in (
        ("platform", platform),
        ("actor", actor),
        ("area", area),
        ("theme", theme),
        ("section", section),
    ):
        _check_slug(state, kind_name, value)
    flt = CommitmentFilter(
        platform=platform,
        actor=actor,
        area=area,
        theme=theme,
        section=section,
        strength=strength.value if strength else None,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        testable=testable,
        has_deadline=has_deadline,
        deadline_before=deadline_before,
        q=q,
    )
    items = state.read_model.commitments(flt, sort=sort.value)
    page = [c.as_dict() for c in items[offset : offset + limit]]
    body = {"items": page, "total": len(items), "limit": limit, "offset": offset}
    fmt = _format(request, format)
    headers = {"Link": _links(request, len(items), limit, offset), "X-Total-Count": str(len(items))}
    return _respond(request, fmt, body, page, headers, kind="commitment", columns=COLUMNS)


@router.get("/commitments/{commitment_id}", summary="One commitment")
def get_commitment(
    commitment_id: str, request: Request, state: ServiceDep, format: OutputFormat | None = None
) -> Response:
    try:
        item = state.read_model.commitment(commitment_id).as_dict()
    except UnknownResource as exc:
        raise ProblemError(404, "Not found", str(exc)) from exc
    return _respond(
        request, _format(request, format), item, [item], kind="commitment", columns=COLUMNS
    )


def _resource_routes(kind: str, plural: str) -> None:
    @router.get(
        f"/{plural}", summary=f"All {plural}, with commitment counts", name=f"list_{plural}"
    )
    def list_resources(
        request: Request,
        state: ServiceDep,
        platform: PlatformParam = None,
        format: OutputFormat | None = None,
    ) -> Response:
        _check_slug(state, "platform", platform)
        items = state.read_model.resources(kind, platform)
        body = {"items": items, "total": len(items)}
        return _respond(request, _format(request, format), body, items, kind=kind)

    @router.get(
        f"/{plural}/{{resource_id}}",
        summary=f"One {kind}, with its commitments",
        name=f"get_{kind}",
    )
    def get_resource(
        resource_id: str, request: Request, state: ServiceDep, format: OutputFormat | None = None
    ) -> Response:
        try:
            item = state.read_model.resource(kind, resource_id)
        except UnknownResource as exc:
            raise ProblemError(404, "Not found", str(exc)) from exc
        return _respond(
            request,
            _format(request, format),
            item,
            item["commitments"],
            kind=kind,
            columns=["id", "title", "roles"] if kind == "actor" else ["id", "title"],
        )


for _kind, _plural in (
    ("actor", "actors"),
    ("area", "areas"),
    ("theme", "themes"),
    ("section", "sections"),
):
    _resource_routes(_kind, _plural)


@router.get("/stats", summary="Counts by theme, strength, kind, status, actor, area and section")
def stats(state: ServiceDep, platform: PlatformParam = None) -> dict[str, Any]:
    _check_slug(state, "platform", platform)
    return state.read_model.stats(platform)


@router.get("/platforms", summary="The platforms the graph holds, with their terms and counts")
def list_platforms(
    request: Request, state: ServiceDep, format: OutputFormat | None = None
) -> Response:
    items = state.read_model.platforms()
    body = {"items": items, "total": len(items)}
    return _respond(request, _format(request, format), body, items, kind="document")


@router.get("/platforms/{platform_id}", summary="One platform, with its sections")
def get_platform(
    platform_id: str, request: Request, state: ServiceDep, format: OutputFormat | None = None
) -> Response:
    try:
        item = state.read_model.platform(platform_id)
    except UnknownResource as exc:
        raise ProblemError(404, "Not found", str(exc)) from exc
    return _respond(request, _format(request, format), item, [item], kind="document")


@router.get(
    "/context.jsonld", summary="The JSON-LD context of the API's JSON", include_in_schema=True
)
def context() -> Response:
    return Response(json.dumps(JSONLD_CONTEXT, indent=2), media_type="application/ld+json")
