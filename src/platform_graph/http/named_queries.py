"""Named queries from queries/*.rq as REST endpoints with typed, bound parameters.

As the REST routes do: a parameter the query does not take, or one given twice, is a
422 naming it (with the nearest valid name); a slug that names no resource is a 422
with the allowed values; an answer cut at MAX_ROWS says so (``truncated`` and
``X-Result-Truncated``, as /sparql does). JSON, CSV or XLSX."""

from __future__ import annotations

import asyncio
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
from platform_graph.store.version_cache import VersionCache

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


def _invalid(name: str, message: str, sv: str | None = None, **extra: Any) -> ProblemError:
    """422 for one parameter, said in Swedish and English."""
    said_sv = f"{name}: {sv or message}"
    return ProblemError(
        422,
        "Invalid parameter",
        f"{name}: {message}",
        sv=said_sv,
        errors=[{"parameter": name, "message": {"sv": said_sv, "en": message}, **extra}],
    )


def _check_slugs(state: Service, q: NamedQuery, values: dict[str, str]) -> None:
    for p in q.parameters:
        raw = values.get(p.name)
        if raw is None or p.type not in RESOURCE_KINDS:
            continue
        allowed = state.read_model.slugs(p.type)
        if raw not in allowed:
            raise _invalid(
                p.name, f"unknown {p.type} {raw!r}", f"okänt id {raw!r}", allowed=allowed
            )


_ON_THE_LOOP = 500
"""Rows a JSON answer may have to be written on the event loop (more: in a thread)."""


def _answer(
    q: NamedQuery, result: SelectResult, fmt: OutputFormat, bom: bool, max_rows: int
) -> Response:
    """A named query's answer as JSON, CSV or XLSX."""
    rows = [{v: _plain(t) for v, t in zip(result.variables, r, strict=True)} for r in result.rows]
    headers: dict[str, str] = {}
    if result.truncated:
        headers["X-Result-Truncated"] = (
            f"cut at {len(rows)} rows (at most {max_rows} rows are sent)"
        )
    if fmt in (OutputFormat.csv, OutputFormat.xlsx):
        return table(fmt, rows, list(result.variables), filename=q.name, bom=bom, headers=headers)
    body = {
        "query": q.name,
        "title": q.title,
        "variables": result.variables,
        "rows": rows,
        "total": len(rows),
        "truncated": bool(result.truncated),
    }
    return JSONResponse(body, headers={"Vary": "Accept", **headers})


def build_router(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(prefix="/api/queries", tags=["Named queries"])
    # JSON answers kept for the data's version (the read model's, which moves with every
    # change the workers have seen): asked again, a named query is sent as written the
    # first time, without turning the engine's answer into JSON anew. One per app.
    written: VersionCache[tuple[bytes, dict[str, str]]] = VersionCache(512)

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

        async def run(request: Request, state: ServiceDep) -> Response:
            given = request.query_params.multi_items()
            check_names(given, [p.name for p in q.parameters] + ["format", "bom"])
            values = {k: v for k, v in given if k not in ("format", "bom")}
            try:
                bindings = q.bindings(values)
            except ParameterError as exc:
                raise _invalid(exc.name, exc.message, exc.sv) from exc
            if any(p.type in RESOURCE_KINDS and p.name in values for p in q.parameters):
                # The read model may have to ask the store first: not on the event loop.
                await asyncio.to_thread(_check_slugs, state, q, values)
            raw_format = request.query_params.get("format")
            if raw_format is not None and raw_format not in {f.value for f in TableFormat}:
                raise _invalid(
                    "format",
                    f"{raw_format!r}: a named query answers json, csv or xlsx",
                    f"{raw_format!r}: en namngiven fråga svarar i json, csv eller xlsx",
                    allowed=[f.value for f in TableFormat],
                )
            raw_bom = request.query_params.get("bom", "false").lower()
            if raw_bom not in ("true", "false"):
                raise _invalid("bom", "expected true or false", "ange true eller false")
            fmt = negotiate(request, raw_format, _TABLES)
            # Kept with the pool's answers, and turned off with them (ANSWER_CACHE_MB=0).
            keep = fmt is OutputFormat.json and state.settings.answer_cache_mb > 0
            version = state.read_model.version() if keep else None
            key = (q.name, tuple(sorted(values.items())))
            if version is not None and (kept := written.get(version, key)) is not None:
                return Response(kept[0], media_type="application/json", headers=kept[1])
            max_rows = state.settings.max_rows
            # In a query worker, under the time limit: past it, StoreTimeout (a 503).
            if state.pool is not None:
                result = await state.pool.query_async(q.text, bindings=bindings, max_rows=max_rows)
            else:  # a remote store, which keeps its own time limit
                result = await asyncio.to_thread(
                    state.store.query, q.text, bindings=bindings, max_rows=max_rows
                )
            if not isinstance(result, SelectResult):
                raise ProblemError(500, "Bad named query", f"{q.name} is not a SELECT query")
            if fmt is OutputFormat.json and len(result.rows) <= _ON_THE_LOOP:
                answer = _answer(q, result, fmt, raw_bom == "true", max_rows)
            else:  # a spreadsheet, or many rows: written in a thread, the loop serving others
                answer = await asyncio.to_thread(
                    _answer, q, result, fmt, raw_bom == "true", max_rows
                )
            # At most 512 answers of a 512th of ANSWER_CACHE_MB each: bounded in bytes
            # too, whatever MAX_ROWS lets one answer hold.
            if version is not None and len(answer.body) <= state.settings.answer_cache_mb * 2**11:
                headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
                written.put(version, key, (bytes(answer.body), headers))
            return answer

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
