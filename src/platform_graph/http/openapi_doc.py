"""The OpenAPI document says what the service really answers: problem documents for
every error status, and every media type a route negotiates."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from platform_graph.http.models import (
    AssessmentList,
    ChangeDetail,
    ChangeLog,
    ChangeOutcome,
    ImportAnswer,
    JsonLdDocument,
    ProposalDetail,
    ProposalList,
    ProposalSummary,
    ReviewDecisions,
    ReviewItems,
    SparqlJsonResults,
)

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
        "errors": {
            "type": "array",
            "description": "What went wrong, each with a message in Swedish and English, and "
            "where it helps the parameter, column, row or rule it concerns.",
            "items": {
                "type": "object",
                "properties": {
                    "message": {
                        "type": "object",
                        "properties": {"sv": {"type": "string"}, "en": {"type": "string"}},
                        "required": ["sv", "en"],
                    },
                    "parameter": {"type": "string"},
                    "column": {
                        "type": ["string", "integer"],
                        "description": "A spreadsheet's column, or the column (from 1) in "
                        "a line of unreadable input",
                    },
                    "row": {"type": "integer"},
                    "rule": {"type": "string"},
                },
                "required": ["message"],
                "additionalProperties": True,
            },
        },
    },
    "required": ["title", "status", "detail", "errors"],
    "additionalProperties": True,
}
ERROR_STATUSES = {
    "400": "Bad request: malformed input (with line and column where it has them)",
    "401": "No token, or an unknown one",
    "403": "The token's role is too low",
    "404": "No such resource",
    "405": "Method not allowed",
    "406": "None of the acceptable media types can be produced",
    "408": "The request's headers or body did not arrive in time",
    "409": "Conflict",
    "412": "If-Match does not match: on a write about one resource (an assessment of a "
    "commitment) that resource's ETag, elsewhere the dataset's; the problem names the "
    "resource, its current ETag and the change that changed it last",
    "413": "Request body too large",
    "415": "Unsupported request media type or charset",
    "422": "Invalid parameter, or a change that breaks a shape",
    "503": "A query past its time limit",
}
PRECONDITION_SCHEMA: dict[str, Any] = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {
                "resource": {
                    "type": ["string", "null"],
                    "description": "The resource that changed (null: the dataset's ETag).",
                },
                "current_etag": {"type": "string", "description": "Its ETag now."},
                "dataset_etag": {"type": "string", "description": 'The dataset\'s, "N".'},
                "changed_by": {
                    "type": ["object", "null"],
                    "description": "The change that changed it last (null: none since the "
                    "base was built).",
                    "properties": {
                        "id": {"type": "integer"},
                        "iri": {"type": "string"},
                        "href": {"type": "string"},
                    },
                },
            },
        },
    ]
}
_BILINGUAL: dict[str, Any] = {
    "type": "object",
    "properties": {"sv": {"type": "string"}, "en": {"type": "string"}},
}
ETAG_HEADER: dict[str, Any] = {
    "description": 'The version of what was read: a resource\'s own (`"r-…"`) for '
    "`/api/commitments/{id}` and `/id/…` as RDF (what `If-Match` takes on a write about "
    'it), a validator of the answer (`"h-…"`) for answers that also show other '
    'resources, else the dataset\'s (`"N"`).',
    "schema": {"type": "string"},
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
    "/api/assessments/template": [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    ],
    "/id/": [*_RDF, "text/plain", "text/html"],
    "/ontology": [*_RDF, "text/plain", "text/html"],
    "/data/": [
        *_RDF,
        "application/n-quads",
        "application/trig",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/csvm+json",
    ],
    "/rdf-graphs": [*_RDF, "application/json"],
    "/update": ["application/json", "text/turtle"],
}


def _success_types(path: str) -> list[str] | None:
    matches = [p for p in _SUCCESS_TYPES if path.startswith(p)]
    return _SUCCESS_TYPES[max(matches, key=len)] if matches else None


_REF = "#/components/schemas/{model}"
_JSON_LD: dict[str, Any] = {
    "type": ["object", "array"],
    "description": "JSON-LD: the resource's triples (an object with @context and @graph, "
    "or an array of nodes)",
}
_RDF_READS = ("/id/", "/ontology", "/data/", "/rdf-graphs")


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": _REF.format(model=model.__name__)}


def _json_model(path: str, method: str) -> type[BaseModel]:
    """What a JSON answer under /api/ or /update (not a REST read: those declare theirs) is."""
    if method == "get" and path == "/api/changes":
        return ChangeLog
    if method == "get" and path.startswith("/api/changes/"):
        return ChangeDetail
    if method == "get" and path.endswith("/assessments"):
        return AssessmentList
    if method == "get" and path == "/api/proposals":
        return ProposalList
    if method == "get" and path.startswith("/api/proposals/"):
        return ProposalDetail
    if path.endswith("/reject") and path.startswith("/api/proposals/"):
        return ProposalSummary
    if path == "/api/assessments/import":
        return ImportAnswer
    if path.startswith("/api/review/"):
        if method == "get":
            return ReviewItems
        if path.endswith("/reject"):
            return ReviewDecisions
    return ChangeOutcome  # every write answers what it did


def _schema(path: str, method: str, media: str) -> dict[str, Any]:
    """The schema of a successful answer in ``media``: never ``{}``, which says nothing."""
    if method == "head":
        return {"maxLength": 0, "description": "No body: the headers of the GET"}
    if media == "application/sparql-results+json" or (
        path == "/sparql" and media == "application/json"
    ):
        return _ref(SparqlJsonResults)
    if media == "application/ld+json" or (
        media == "application/json" and method == "get" and path.startswith(_RDF_READS)
    ):
        return _JSON_LD
    if media == "application/json":
        return _ref(_json_model(path, method))
    return {"type": "string"}  # Turtle, N-Triples, RDF/XML, CSV, TSV, XML, HTML, text


def _components(models: list[type[BaseModel]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in models:
        found = model.model_json_schema(ref_template=_REF)
        out.update(found.pop("$defs", {}))
        out[model.__name__] = found
    return out


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
        components["PreconditionFailed"] = PRECONDITION_SCHEMA
        components["JsonLdDocument"] = JsonLdDocument.model_json_schema(by_alias=True)
        for name, found in _components(
            [
                SparqlJsonResults,
                ChangeOutcome,
                ChangeLog,
                ChangeDetail,
                AssessmentList,
                ProposalList,
                ProposalDetail,
                ProposalSummary,
                ImportAnswer,
                ReviewItems,
                ReviewDecisions,
            ]
        ).items():
            components.setdefault(name, found)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema.get("paths", {}).items():
            types = _success_types(path)
            for method, op in operations.items():
                responses = op.setdefault("responses", {})
                for code, description in ERROR_STATUSES.items():
                    schema_ref = (
                        {"$ref": "#/components/schemas/PreconditionFailed"}
                        if code == "412"
                        else ref
                    )
                    responses[code] = {
                        "description": description,
                        "content": {PROBLEM: {"schema": schema_ref}},
                    }
                if types is None:
                    continue
                for code in ("200", "201"):
                    if code not in responses and code == "201" and op is operations.get("get"):
                        continue
                    entry = responses.setdefault(code, {"description": "Success"})
                    content = entry.setdefault("content", {})
                    for answer in content.values():
                        # A route whose response class is not JSON gets FastAPI's
                        # {"type": "string"} merged into the model it declares: the model
                        # alone is what it answers (JSON-LD is an object, not a string).
                        if "$ref" in answer.get("schema", {}):
                            answer["schema"].pop("type", None)
                    if any(v.get("schema") for v in content.values()):
                        continue  # the route says what it answers, format by format
                    for media in content.keys() - types:
                        if not content[media].get("schema"):
                            del content[media]  # FastAPI's default JSON, which it never serves
                    for media in types:
                        answer = content.setdefault(media, {})
                        if not answer.get("schema"):  # FastAPI's {} for a plain Response
                            answer["schema"] = _schema(path, method, media)
                # Reads carry an ETag and may answer 304 to If-None-Match.
                if "get" in operations and op is operations["get"]:
                    responses["200"].setdefault("headers", {})["ETag"] = ETAG_HEADER
                    responses.setdefault("304", {"description": "Not modified (If-None-Match)"})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
