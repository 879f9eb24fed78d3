"""Named queries from queries/*.rq as REST endpoints with typed, bound parameters.

As the REST routes do: a parameter the query does not take, or one given twice, is a
422 naming it (with the nearest valid name); a slug that names no resource is a 422
with the allowed values; an answer cut at MAX_ROWS says so (``truncated`` and
``X-Result-Truncated``, as /sparql does). JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.models import NamedQueryList, NamedQueryResult
from platform_graph.http.params import check_names
from platform_graph.http.problems import ProblemError
from platform_graph.http.rest import OutputFormat, TableFormat, negotiate, table
from platform_graph.http.tables import XLSX
from platform_graph.read.named_queries import RESOURCE_KINDS, NamedQuery, ParameterError
from platform_graph.service.parts import Service
from platform_graph.store import SelectResult, Term
from platform_graph.store.time_limited import time_limited

__all__ = ["build_router"]

_OPENAPI_TYPES = {"integer": "integer", "boolean": "boolean"}
_TABLES = (OutputFormat.json, OutputFormat.csv, OutputFormat.xlsx)


def _plain(term: Term | None) -> Any:
    if term is None:
        return None
    value = term.toPython()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(term)


def _describe(q: NamedQuery) -> dict[str, Any]:
    return {
        "name": q.name,
        "title": q.title,
        "description": q.description,
        "path": f"/api/queries/{q.name}",
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "description": p.description,
            }
            for p in q.parameters
        ],
        "sparql": q.text,
    }


def _invalid(name: str, message: str, **extra: Any) -> ProblemError:
    return ProblemError(
        422,
        "Invalid parameter",
        f"{name}: {message}",
        errors=[{"parameter": name, "message": message, **extra}],
    )


def _check_slugs(state: Service, q: NamedQuery, values: dict[str, str]) -> None:
    for p in q.parameters:
        raw = values.get(p.name)
        if raw is None or p.type not in RESOURCE_KINDS:
            continue
        allowed = state.read_model.slugs(p.type)
        if raw not in allowed:
            raise _invalid(p.name, f"unknown {p.type} {raw!r}", allowed=allowed)


def build_router(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(prefix="/api/queries", tags=["Named queries"])

    @router.get("", summary="The named queries and their parameters", response_model=NamedQueryList)
    def list_queries(request: Request) -> dict[str, Any]:
        check_names(request.query_params.multi_items(), ())
        return {"items": [_describe(q) for q in queries.values()], "total": len(queries)}

    def add(q: NamedQuery) -> None:
        params: list[dict[str, Any]] = [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": f"{p.description} ({p.type}"
                + (
                    ", a slug"
                    if p.type not in _OPENAPI_TYPES and p.type not in ("string", "date", "year")
                    else ""
                )
                + ")",
                "schema": {
                    "type": _OPENAPI_TYPES.get(p.type, "string"),
                    **({"default": p.default} if p.default is not None else {}),
                },
            }
            for p in q.parameters
        ]
        params.append(
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "json (default), csv or xlsx; or by Accept.",
                "schema": {"type": "string", "enum": [f.value for f in TableFormat]},
            }
        )
        params.append(
            {
                "name": "bom",
                "in": "query",
                "required": False,
                "description": "CSV only: start with a byte-order mark (for Excel).",
                "schema": {"type": "boolean", "default": False},
            }
        )

        def run(request: Request, state: ServiceDep) -> Response:
            given = request.query_params.multi_items()
            check_names(given, [p.name for p in q.parameters] + ["format", "bom"])
            values = {k: v for k, v in given if k not in ("format", "bom")}
            try:
                bindings = q.bindings(values)
            except ParameterError as exc:
                raise _invalid(exc.name, exc.message) from exc
            _check_slugs(state, q, values)
            raw_format = request.query_params.get("format")
            if raw_format is not None and raw_format not in {f.value for f in TableFormat}:
                raise _invalid(
                    "format",
                    f"{raw_format!r}: a named query answers json, csv or xlsx",
                    allowed=[f.value for f in TableFormat],
                )
            raw_bom = request.query_params.get("bom", "false").lower()
            if raw_bom not in ("true", "false"):
                raise _invalid("bom", "expected true or false")
            fmt = negotiate(request, raw_format, _TABLES)
            # In a query worker, under the time limit: past it, StoreTimeout (a 503).
            store = time_limited(state.store, state.pool)
            max_rows = state.settings.max_rows
            result = store.query(q.text, bindings=bindings, max_rows=max_rows)
            if not isinstance(result, SelectResult):
                raise ProblemError(500, "Bad named query", f"{q.name} is not a SELECT query")
            rows = [
                {v: _plain(t) for v, t in zip(result.variables, r, strict=True)}
                for r in result.rows
            ]
            headers: dict[str, str] = {}
            if result.truncated:
                headers["X-Result-Truncated"] = (
                    f"cut at {len(rows)} rows (at most {max_rows} rows are sent)"
                )
            if fmt in (OutputFormat.csv, OutputFormat.xlsx):
                return table(
                    fmt,
                    rows,
                    list(result.variables),
                    filename=q.name,
                    bom=raw_bom == "true",
                    headers=headers,
                )
            body = {
                "query": q.name,
                "title": q.title,
                "variables": result.variables,
                "rows": rows,
                "total": len(rows),
                "truncated": bool(result.truncated),
            }
            return JSONResponse(body, headers={"Vary": "Accept", **headers})

        router.add_api_route(
            f"/{q.name}",
            run,
            methods=["GET"],
            summary=q.title,
            description=q.description,
            name=f"query_{q.name}",
            openapi_extra={"parameters": params},
            response_model=None,
            responses={
                200: {
                    "model": NamedQueryResult,
                    "description": "Success",
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        XLSX: {"schema": {"type": "string", "format": "binary"}},
                    },
                }
            },
        )

    for q in queries.values():
        add(q)
    return router
