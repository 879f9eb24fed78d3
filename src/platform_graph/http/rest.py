"""The REST API under /api/: commitments with filters, and the resources they link to.

Every route takes its own query parameters and nothing else (http.params); a list
answers JSON, CSV, XLSX or JSON-LD (the graph itself: http.jsonld), each described in
the OpenAPI document (http.models)."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from rdflib import URIRef

from platform_graph.http import jsonld
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.etags import tag
from platform_graph.http.models import Commitment as CommitmentModel
from platform_graph.http.models import (
    CommitmentPage,
    PlatformDetail,
    PlatformList,
    ResourceDetail,
    ResourceList,
    Stats,
    responses,
)
from platform_graph.http.params import Offset, strict_query
from platform_graph.http.problems import ProblemError
from platform_graph.http.tables import XLSX, csv_response, flatten, table_columns, xlsx_response
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.read.describe import describe
from platform_graph.read.model import COMMITMENT_SORTS, CommitmentFilter, UnknownResource
from platform_graph.service.parts import Service
from platform_graph.store.time_limited import time_limited
from platform_graph.vocab.identifiers import LOCAL_NAME
from platform_graph.vocab.namespaces import ID
from platform_graph.vocab.scales import Kind, Status, Strength

__all__ = ["OutputFormat", "TableFormat", "router"]

router = APIRouter(prefix="/api", tags=["REST"], dependencies=[Depends(strict_query)])

CONTEXT_PATH = jsonld.CONTEXT_PATH
DEFAULT_LIMIT = 50
COLUMNS = [
    "id",
    "iri",
    "platform",
    "title_sv",
    "title_en",
    "quote",
    "quote_text",
    "span_start",
    "span_end",
    "section",
    "themes",
    "actors_responsible",
    "actors_partner",
    "actors_affected",
    "inherited_actors",
    "areas",
    "inherited_areas",
    "refers_to",
    "strength",
    "kind",
    "change",
    "testable",
    "deadline",
    "period",
    "amount_sek",
    "status",
]
RESOURCE_COLUMNS = [
    "id",
    "iri",
    "label_sv",
    "label_en",
    "type",
    "part_of",
    "position",
    "commitments_count",
    "commitments_including_parts",
    "commitments_including_inherited",
]


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    jsonld = "jsonld"


XLSX_FORMAT = OutputFormat.xlsx


class TableFormat(StrEnum):
    """What a named query answers: a table."""

    json = "json"
    csv = "csv"
    xlsx = "xlsx"


_MEDIA = {
    "application/json": OutputFormat.json,
    "text/csv": OutputFormat.csv,
    XLSX: OutputFormat.xlsx,
    "application/ld+json": OutputFormat.jsonld,
}

SortField = Enum(  # type: ignore[misc]
    "SortField", {s.replace("-", "_"): s for f in COMMITMENT_SORTS for s in (f, f"-{f}")}, type=str
)


def negotiate(
    request: Request, explicit: str | None, offered: tuple[OutputFormat, ...]
) -> OutputFormat:
    """``format=`` if given, else the Accept header, among the formats ``offered``."""
    if explicit is not None:
        return OutputFormat(explicit)
    media_types = [m for m, f in _MEDIA.items() if f in offered]
    try:
        media = best_match(request.headers.get("accept"), media_types, "application/json")
    except NotAcceptable as exc:
        raise ProblemError(406, "Not acceptable", f"{exc}") from exc
    return _MEDIA[media]


def _base(request: Request) -> str:
    # From the configured base, never the request's Host header.
    return str(request.app.state.platform.settings.public_base)


def _jsonld(
    request: Request,
    state: Service,
    iris: list[str],
    headers: dict[str, str] | None = None,
    collection: dict[str, Any] | None = None,
) -> Response:
    triples = describe(time_limited(state.store, state.pool), iris)
    doc = jsonld.document(triples, _base(request) + CONTEXT_PATH, collection=collection)
    return Response(
        json.dumps(doc, ensure_ascii=False),
        media_type="application/ld+json",
        headers={"Vary": "Accept", **(headers or {})},
    )


def table(
    fmt: OutputFormat,
    rows: list[dict[str, Any]],
    columns: list[str] | None,
    *,
    filename: str,
    bom: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    flat = [flatten(r) for r in rows]
    names = table_columns(flat, columns)
    headers = {"Vary": "Accept", **(headers or {})}
    if fmt is OutputFormat.xlsx:
        return xlsx_response(flat, names, filename=f"{filename}.xlsx", headers=headers)
    return csv_response(flat, names, filename=f"{filename}.csv", bom=bom, headers=headers)


_KIND_SV = {"actor": "aktör", "area": "område", "theme": "tema", "section": "avsnitt"}


def _check_slugs(state: Service, kind: str, values: list[str] | None) -> None:
    if not values:
        return
    allowed = state.read_model.slugs(kind)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ProblemError(
            422,
            "Invalid parameter",
            f"unknown {kind} {', '.join(repr(v) for v in unknown)}",
            errors=[
                {
                    "parameter": kind,
                    "message": {
                        "sv": f"Okänt id för {_KIND_SV.get(kind, kind)}: {v!r}.",
                        "en": f"unknown {kind} {v!r}",
                    },
                    "allowed": allowed,
                }
                for v in unknown
            ],
        )


def _answer(
    request: Request,
    state: Service,
    fmt: OutputFormat,
    body: Any,
    *,
    iris: list[str],
    rows: list[dict[str, Any]],
    columns: list[str] | None,
    filename: str,
    bom: bool,
) -> Response:
    """A read in the format asked for: JSON-LD of the resources ``iris`` from the store,
    ``rows`` as CSV or XLSX, or ``body`` as JSON."""
    if fmt is OutputFormat.jsonld:
        return _jsonld(request, state, iris)
    if fmt in (OutputFormat.csv, OutputFormat.xlsx):
        return table(fmt, rows, columns, filename=filename, bom=bom)
    return JSONResponse(body, headers={"Vary": "Accept"})


def page_links(request: Request, total: int, limit: int, offset: int) -> dict[str, str]:
    """first, prev, next, last: every one a page of the result (prev from past the end
    is the last page)."""
    base = _base(request)

    def url(off: int) -> str:
        here = request.url.include_query_params(offset=off, limit=limit)
        return f"{base}{here.path}?{here.query}"

    last = max(0, ((total - 1) // limit) * limit) if total else 0
    links = {"first": url(0)}
    if offset > 0:
        links["prev"] = url(min(max(0, offset - limit), last))
    if offset + limit < total:
        links["next"] = url(offset + limit)
    links["last"] = url(last)
    return links


PlatformParam = Annotated[
    str | None,
    Query(
        description="A platform's slug (GET /api/platforms): only its commitments. "
        "Default: every platform's.",
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length=100,
    ),
]


def link_header(links: dict[str, str]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


_BOM = Annotated[
    bool, Query(description="CSV only: start with a byte-order mark (for Excel on Windows).")
]
_FORMAT_DOC = (
    "json (default), csv, xlsx or jsonld; or by Accept. A csv or xlsx download without "
    "limit holds every matching row."
)


@dataclass(slots=True)
class CommitmentQuery:
    """The filters, sort, page and CSV options of GET /api/commitments (and its .csv,
    .xlsx and .jsonld forms)."""

    platform: Any
    actor: Any
    area: Any
    theme: Any
    section: Any
    strength: Any
    kind: Any
    status: Any
    testable: Any
    pledge: Any
    inherited: Any
    include_parts: Any
    has_deadline: Any
    deadline_before: Any
    q: Any
    sort: Any
    limit: Any
    offset: Any
    bom: Any


def commitment_query(
    platform: PlatformParam = None,
    actor: Annotated[
        list[str] | None,
        Query(
            description="Actor slug (repeat for any of several); also matches its parts "
            "(kommunala-bolag finds obo) unless include_parts=false, and statements that "
            "inherit it from the one they refer back to unless inherited=false."
        ),
    ] = None,
    area: Annotated[
        list[str] | None,
        Query(
            description="Area slug (repeat for any of several); also matches places within "
            "it (landsbygd finds mindre-orter) unless include_parts=false, and inherited "
            "areas unless inherited=false."
        ),
    ] = None,
    theme: Annotated[
        list[str] | None,
        Query(description="Theme slug (repeat for any); a broader theme finds its narrower."),
    ] = None,
    section: Annotated[
        list[str] | None, Query(description="Section slug (repeat for any).")
    ] = None,
    strength: Annotated[list[Strength] | None, Query(description="Repeat for any.")] = None,
    kind: Annotated[list[Kind] | None, Query(description="Repeat for any.")] = None,
    status: Annotated[list[Status] | None, Query(description="Repeat for any.")] = None,
    testable: bool | None = None,
    pledge: Annotated[
        bool | None,
        Query(
            description="Pledges in the Comparative Party Pledges Project's sense: testable "
            "commitments (true), or the others (false)."
        ),
    ] = None,
    inherited: Annotated[
        bool,
        Query(
            description="Whether actor and area also find statements that inherit them "
            "(pg:inheritedActor, pg:inheritedArea) from the statement they refer back to."
        ),
    ] = True,
    include_parts: Annotated[
        bool,
        Query(description="Whether actor and area also find their parts."),
    ] = True,
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
    sort: Annotated[
        SortField,
        Query(
            description="Titles sort in Swedish order; commitments without the value "
            "(no deadline) come last in both directions."
        ),
    ] = SortField.position,  # type: ignore[attr-defined]
    limit: Annotated[
        int | None,
        Query(ge=1, le=1000, description=f"Page size ({DEFAULT_LIMIT} unless csv or xlsx)."),
    ] = None,
    offset: Offset = 0,
    bom: _BOM = False,
) -> CommitmentQuery:
    return CommitmentQuery(
        platform=platform,
        actor=actor,
        area=area,
        theme=theme,
        section=section,
        strength=strength,
        kind=kind,
        status=status,
        testable=testable,
        pledge=pledge,
        inherited=inherited,
        include_parts=include_parts,
        has_deadline=has_deadline,
        deadline_before=deadline_before,
        q=q,
        sort=sort,
        limit=limit,
        offset=offset,
        bom=bom,
    )


CommitmentQueryDep = Annotated[CommitmentQuery, Depends(commitment_query)]
_LIST_DOC = (
    "Filters that take several values (actor, area, theme, section, strength, kind, "
    "status: `actor=a&actor=b`) match any of them; different filters must all match. "
    "Every other parameter takes one value; a parameter the route does not take, or one "
    "given twice, is a 422 naming it."
)


@router.get(
    "/commitments",
    operation_id="list_commitments",
    summary="Commitments, filtered, sorted and paged",
    description=_LIST_DOC,
    responses=responses(CommitmentPage, csv=True, xlsx=True, jsonld=True),
    response_model=None,
)
def list_commitments(
    request: Request,
    state: ServiceDep,
    query: CommitmentQueryDep,
    format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
) -> Response:
    return _list_commitments(request, state, query, negotiate(request, format, tuple(OutputFormat)))


def _list_commitments(
    request: Request, state: Service, query: CommitmentQuery, fmt: OutputFormat
) -> Response:
    if query.deadline_before is not None and len(query.deadline_before) == 10:
        try:
            date.fromisoformat(query.deadline_before)
        except ValueError as exc:
            raise ProblemError(
                422,
                "Invalid parameter",
                f"deadline_before: {query.deadline_before!r} is not a date",
                errors=[{"parameter": "deadline_before", "message": "not a calendar date"}],
            ) from exc
    if query.platform is not None:
        _check_slugs(state, "platform", [query.platform])
    for kind_name, values in (
        ("actor", query.actor),
        ("area", query.area),
        ("theme", query.theme),
        ("section", query.section),
    ):
        _check_slugs(state, kind_name, values)
    flt = CommitmentFilter(
        platform=query.platform,
        actor=tuple(query.actor) if query.actor else None,
        area=tuple(query.area) if query.area else None,
        theme=tuple(query.theme) if query.theme else None,
        section=tuple(query.section) if query.section else None,
        strength=tuple(s.value for s in query.strength) if query.strength else None,
        kind=tuple(k.value for k in query.kind) if query.kind else None,
        status=tuple(s.value for s in query.status) if query.status else None,
        testable=query.testable,
        pledge=query.pledge,
        inherited=query.inherited,
        parts=query.include_parts,
        has_deadline=query.has_deadline,
        deadline_before=query.deadline_before,
        q=query.q,
    )
    items = state.read_model.commitments(flt, sort=query.sort.value)
    total = len(items)
    if fmt in (OutputFormat.csv, OutputFormat.xlsx):
        # A download: every matching row unless a limit is given.
        chosen = (
            items[query.offset :]
            if query.limit is None
            else items[query.offset : query.offset + query.limit]
        )
        headers = {"X-Total-Count": str(total)}
        return table(
            fmt,
            [c.as_dict() for c in chosen],
            COLUMNS,
            filename="commitments",
            bom=query.bom,
            headers=headers,
        )
    size = query.limit or DEFAULT_LIMIT
    page = items[query.offset : query.offset + size]
    links = page_links(request, total, size, query.offset)
    headers = {"Link": link_header(links), "X-Total-Count": str(total)}
    if fmt is OutputFormat.jsonld:
        here = request.url
        collection = jsonld.hydra_collection(
            f"{_base(request)}{here.path}"
            + (f"?{here.remove_query_params(['offset', 'limit']).query}" if here.query else ""),
            f"{_base(request)}{here.path}?"
            + here.include_query_params(offset=query.offset, limit=size).query,
            [c.iri for c in page],
            total,
            links,
        )
        return _jsonld(request, state, [c.iri for c in page], headers, collection)
    body = {
        "items": [c.as_dict() for c in page],
        "total": total,
        "limit": size,
        "offset": query.offset,
        "links": links,
    }
    return JSONResponse(body, headers={"Vary": "Accept", **headers})


def _fixed_format_routes(
    path: str, name: str, handler: Any, dependency: Any, description: str
) -> None:
    """``{path}.csv``, ``.xlsx`` and ``.jsonld``: one format each, so that a generated
    client has a typed function for each (OpenAPI cannot vary a response by a query
    parameter)."""
    for fmt, response_class, content in (
        (OutputFormat.csv, CsvResponse, {"text/csv": {"schema": {"type": "string"}}}),
        (XLSX_FORMAT, XlsxResponse, {XLSX: {"schema": {"type": "string", "format": "binary"}}}),
        (
            OutputFormat.jsonld,
            JsonLdResponse,
            {"application/ld+json": {"schema": {"$ref": "#/components/schemas/JsonLdDocument"}}},
        ),
    ):
        router.add_api_route(
            f"{path}.{fmt.value}",
            _in_format(handler, dependency, fmt),
            methods=["GET"],
            name=f"{name}_{fmt.value}",
            operation_id=f"{name}_{fmt.value}",
            summary=f"{description} ({fmt.value})",
            response_class=response_class,
            responses={200: {"description": "Success", "content": content}},
        )


def _in_format(handler: Any, dependency: Any, fmt: OutputFormat) -> Any:
    def route(request: Request, state: Service, query: Any) -> Response:
        return handler(request, state, query, fmt)  # type: ignore[no-any-return]

    # The signature FastAPI reads (annotations as objects: the dependency is local).
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", positional, annotation=Request),
            inspect.Parameter("state", positional, annotation=ServiceDep),
            inspect.Parameter("query", positional, annotation=Annotated[Any, Depends(dependency)]),
        ],
        return_annotation=Response,
    )
    return route


class CsvResponse(Response):
    media_type = "text/csv"


class XlsxResponse(Response):
    media_type = XLSX


class JsonLdResponse(Response):
    media_type = "application/ld+json"


_fixed_format_routes(
    "/commitments", "list_commitments", _list_commitments, commitment_query, "Commitments"
)


@router.get(
    "/commitments/{commitment_id}",
    operation_id="get_commitment",
    summary="One commitment",
    responses=responses(CommitmentModel, csv=True, xlsx=True, jsonld=True),
    response_model=None,
)
def get_commitment(
    commitment_id: str,
    request: Request,
    state: ServiceDep,
    format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
    bom: _BOM = False,
) -> Response:
    fmt = negotiate(request, format, tuple(OutputFormat))
    # The commitment's own version (what If-Match on a write about it takes), read before
    # the answer: a write in between leaves the client an older ETag, never a newer one.
    variant = None if fmt is OutputFormat.json else fmt.value + ("-bom" if bom else "")
    etag = (
        state.writer.resource_etag(URIRef(ID[f"commitment/{commitment_id}"]), variant)
        if LOCAL_NAME.match(commitment_id)
        else None
    )
    try:
        item = state.read_model.commitment(commitment_id)
    except UnknownResource as exc:
        raise ProblemError(
            404, "Not found", str(exc), sv=f"Det finns inget åtagande med id {commitment_id!r}."
        ) from exc
    one = item.as_dict()
    response = _answer(
        request,
        state,
        fmt,
        one,
        iris=[item.iri],
        rows=[one],
        columns=COLUMNS,
        filename=f"commitment-{item.id}",
        bom=bom,
    )
    return tag(response, etag)


@dataclass(slots=True)
class ResourceQuery:
    """The options of a resource list: one platform's resources, and CSV's BOM."""

    platform: str | None
    bom: bool


def resource_query(platform: PlatformParam = None, bom: _BOM = False) -> ResourceQuery:
    return ResourceQuery(platform, bom)


ResourceQueryDep = Annotated[ResourceQuery, Depends(resource_query)]


def _resource_routes(kind: str, plural: str) -> None:
    def listing(
        request: Request, state: Service, query: ResourceQuery, fmt: OutputFormat
    ) -> Response:
        if query.platform is not None:
            _check_slugs(state, "platform", [query.platform])
        items = state.read_model.resources(kind, query.platform)
        return _answer(
            request,
            state,
            fmt,
            {"items": items, "total": len(items)},
            iris=[i["iri"] for i in items],
            rows=items,
            columns=RESOURCE_COLUMNS,
            filename=plural,
            bom=query.bom,
        )

    @router.get(
        f"/{plural}",
        summary=f"All {plural}, with commitment counts",
        name=f"list_{plural}",
        operation_id=f"list_{plural}",
        responses=responses(ResourceList, csv=True, xlsx=True, jsonld=True),
        response_model=None,
    )
    def list_resources(
        request: Request,
        state: ServiceDep,
        query: ResourceQueryDep,
        format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
    ) -> Response:
        return listing(request, state, query, negotiate(request, format, tuple(OutputFormat)))

    _fixed_format_routes(f"/{plural}", f"list_{plural}", listing, resource_query, f"All {plural}")

    @router.get(
        f"/{plural}/{{resource_id}}",
        summary=f"One {kind}, with its commitments",
        name=f"get_{kind}",
        operation_id=f"get_{kind}",
        responses=responses(ResourceDetail, csv=True, xlsx=True, jsonld=True),
        response_model=None,
    )
    def get_resource(
        resource_id: str,
        request: Request,
        state: ServiceDep,
        format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
        bom: _BOM = False,
    ) -> Response:
        try:
            item = state.read_model.resource(kind, resource_id)
        except UnknownResource as exc:
            raise ProblemError(
                404,
                "Not found",
                str(exc),
                sv=f"Det finns inget {_KIND_SV.get(kind, kind)} med id {resource_id!r}.",
            ) from exc
        fmt = negotiate(request, format, tuple(OutputFormat))
        columns = ["id", "title_sv", "title_en"] + (["roles"] if kind == "actor" else [])
        response = _answer(
            request,
            state,
            fmt,
            item,
            iris=[item["iri"]],
            rows=item["commitments"],
            columns=columns,
            filename=f"{kind}-{resource_id}",
            bom=bom,
        )
        # It shows its commitments' titles too: a validator of the answer itself.
        return tag(response)


for _kind, _plural in (
    ("actor", "actors"),
    ("area", "areas"),
    ("theme", "themes"),
    ("section", "sections"),
):
    _resource_routes(_kind, _plural)


@router.get(
    "/stats",
    operation_id="stats",
    summary="Counts by theme, strength, kind, status, actor, area and section",
    description="`by` counts the commitments that name an actor, area or theme "
    "themselves; `by_including_parts` also those that name one of its parts (as the "
    "filters do with inherited=false). `counting` says so in the answer.",
    response_model=Stats,
)
def stats(state: ServiceDep, platform: PlatformParam = None) -> dict[str, Any]:
    if platform is not None:
        _check_slugs(state, "platform", [platform])
    return state.read_model.stats(platform)


@router.get(
    "/platforms",
    operation_id="list_platforms",
    summary="The platforms the graph holds, with their terms and counts",
    responses=responses(PlatformList, csv=True, xlsx=True, jsonld=True),
    response_model=None,
)
def list_platforms(
    request: Request,
    state: ServiceDep,
    format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
    bom: _BOM = False,
) -> Response:
    items = state.read_model.platforms()
    fmt = negotiate(request, format, tuple(OutputFormat))
    return _answer(
        request,
        state,
        fmt,
        {"items": items, "total": len(items)},
        iris=[i["iri"] for i in items],
        rows=items,
        columns=None,
        filename="platforms",
        bom=bom,
    )


@router.get(
    "/platforms/{platform_id}",
    operation_id="get_platform",
    summary="One platform, with its sections",
    responses=responses(PlatformDetail, csv=True, xlsx=True, jsonld=True),
    response_model=None,
)
def get_platform(
    platform_id: str,
    request: Request,
    state: ServiceDep,
    format: Annotated[OutputFormat | None, Query(description=_FORMAT_DOC)] = None,
    bom: _BOM = False,
) -> Response:
    try:
        item = state.read_model.platform(platform_id)
    except UnknownResource as exc:
        raise ProblemError(
            404, "Not found", str(exc), sv=f"Det finns ingen plattform med id {platform_id!r}."
        ) from exc
    fmt = negotiate(request, format, tuple(OutputFormat))
    return _answer(
        request,
        state,
        fmt,
        item,
        iris=[item["iri"]],
        rows=[item],
        columns=None,
        filename=f"platform-{platform_id}",
        bom=bom,
    )


def _context() -> Response:
    return Response(
        json.dumps(jsonld.CONTEXT, indent=2),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(
    jsonld.CONTEXT_PATH.removeprefix("/api"),
    summary=f"The JSON-LD context, version {jsonld.CONTEXT_VERSION} (never changes)",
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
    response_class=Response,
)
def versioned_context() -> Response:
    return _context()


@router.get(
    "/context.jsonld",
    summary="The JSON-LD context, the latest version",
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
    response_class=Response,
)
def context() -> Response:
    return _context()
