"""The OpenAPI document says what the service really answers: problem documents for
every error status, and every media type a route negotiates."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from platform_graph.http.models import JsonLdDocument

__all__ = ["document"]

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["title", "status", "detail"],
    "additionalProperties": True,
}
ERROR_STATUSES = {
    "400": "Bad request: malformed input (with line and column where it has them)",
    "401": "No token, or an unknown one",
    "403": "The token's role is too low",
    "404": "No such resource",
    "405": "Method not allowed",
    "406": "None of the acceptable media types can be produced",
    "409": "Conflict",
    "412": "If-Match does not match the dataset's ETag",
    "413": "Request body too large",
    "415": "Unsupported request media type or charset",
    "422": "Invalid parameter, or a change that breaks a shape",
    "503": "A query past its time limit",
}
_RDF = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
_RESULTS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
]
# Media types a successful answer may have, by path prefix (longest prefix wins).
_SUCCESS_TYPES: dict[str, list[str]] = {
    "/sparql": [*_RESULTS, *_RDF, "text/plain", "text/html"],
    # The REST reads and the named queries declare their own formats (http.models);
    # the rest of /api/ (the change log, assessments, tokens) answers JSON.
    "/api/": ["application/json"],
    "/id/": [*_RDF, "text/plain", "text/html"],
    "/ontology": [*_RDF, "text/plain", "text/html"],
    "/data/": [*_RDF, "application/n-quads", "application/trig"],
    "/rdf-graphs": [*_RDF, "application/json"],
    "/update": ["application/json", "text/turtle"],
}


def _success_types(path: str) -> list[str] | None:
    matches = [p for p in _SUCCESS_TYPES if path.startswith(p)]
    return _SUCCESS_TYPES[max(matches, key=len)] if matches else None


def document(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that documents errors and media types."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        components["JsonLdDocument"] = JsonLdDocument.model_json_schema(by_alias=True)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema.get("paths", {}).items():
            types = _success_types(path)
            for op in operations.values():
                responses = op.setdefault("responses", {})
                for code, description in ERROR_STATUSES.items():
                    responses[code] = {
                        "description": description,
                        "content": {PROBLEM: {"schema": ref}},
                    }
                if types is None:
                    continue
                for code in ("200", "201"):
                    if code not in responses and code == "201" and op is operations.get("get"):
                        continue
                    entry = responses.setdefault(code, {"description": "Success"})
                    content = entry.setdefault("content", {})
                    if any(v.get("schema") for v in content.values()):
                        continue  # the route says what it answers, format by format
                    for media in types:
                        content.setdefault(media, {})
                # Reads may answer 304 to If-None-Match.
                if "get" in operations and op is operations["get"]:
                    responses.setdefault("304", {"description": "Not modified (If-None-Match)"})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
