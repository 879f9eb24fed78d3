"""Named queries from queries/*.rq as REST endpoints with typed, bound parameters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.rest import OutputFormat, _format, _respond
from platform_graph.read.named_queries import NamedQuery, ParameterError
from platform_graph.store import SelectResult, Term
from platform_graph.store.time_limited import time_limited

__all__ = ["build_router"]

_OPENAPI_TYPES = {"integer": "integer", "boolean": "boolean"}


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


def build_router(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(prefix="/api/queries", tags=["Named queries"])

    @router.get("", summary="The named queries and their parameters")
    def list_queries() -> dict[str, Any]:
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
                "schema": {"type": "string", "enum": ["json", "csv"]},
            }
        )

        def run(request: Request, state: ServiceDep) -> Response:
            values = {k: v for k, v in request.query_params.items() if k != "format"}
            try:
                bindings = q.bindings(values)
            except ParameterError as exc:
                raise ProblemError(
                    422,
                    "Invalid parameter",
                    str(exc),
                    sv=f"{exc.name}: {exc.sv}",
                    errors=[
                        {
                            "parameter": exc.name,
                            "message": {"sv": f"{exc.name}: {exc.sv}", "en": exc.message},
                        }
                    ],
                ) from exc
            # In a query worker, under the time limit: past it, StoreTimeout (a 503).
            store = time_limited(state.store, state.pool)
            result = store.query(q.text, bindings=bindings, max_rows=state.settings.max_rows)
            if not isinstance(result, SelectResult):
                raise ProblemError(500, "Bad named query", f"{q.name} is not a SELECT query")
            rows = [
                {v: _plain(t) for v, t in zip(result.variables, r, strict=True)}
                for r in result.rows
            ]
            body = {
                "query": q.name,
                "title": q.title,
                "variables": result.variables,
                "rows": rows,
                "total": len(rows),
            }
            raw_format = request.query_params.get("format")
            try:
                explicit = OutputFormat(raw_format) if raw_format else None
            except ValueError as exc:
                raise ProblemError(
                    422,
                    "Invalid parameter",
                    "format must be json or csv",
                    sv="format måste vara json eller csv",
                    errors=[
                        {
                            "parameter": "format",
                            "allowed": ["json", "csv"],
                            "message": {
                                "sv": "format måste vara json eller csv.",
                                "en": "format must be json or csv.",
                            },
                        }
                    ],
                ) from exc
            return _respond(
                request, _format(request, explicit), body, rows, columns=result.variables
            )

        router.add_api_route(
            f"/{q.name}",
            run,
            methods=["GET"],
            summary=q.title,
            description=q.description,
            name=f"query_{q.name}",
            openapi_extra={"parameters": params},
        )

    for q in queries.values():
        add(q)
    return router
