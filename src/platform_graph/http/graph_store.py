"""The SPARQL 1.1 Graph Store HTTP Protocol: the store's graphs as web resources.

* **Indirect identification** at ``/rdf-graphs/service?graph=<IRI>`` (any absolute IRI,
  percent-decoded once, as any query parameter) and ``/rdf-graphs/service?default``.
* **Direct identification** at ``/rdf-graphs/{path}``: the graph's IRI is the request's
  own IRI without its query string, e.g. ``http://host/rdf-graphs/person/1.ttl``. The
  scheme and host are those of the ``base_url`` setting (by default ``http://HOST:PORT`` of
  this server), never the request's Host header.
* **The default graph** (``?default``) is the platform's data graph
  ``https://w3id.org/platform-graph/graph/data``, as it is for SPARQL Update at
  ``/update``. (A query at ``/sparql`` sees the union of all graphs as its default graph,
  which is not a graph one could PUT.) It always exists: GET gives it even when empty.
* **GET / HEAD** (public): Turtle by default, N-Triples, JSON-LD or RDF/XML by ``Accept``;
  404 for a graph with no triples (a graph exists in this store only while it holds
  triples). The ``ETag`` is the dataset's version, the one ``If-Match`` takes on writes.
* **PUT** replaces a graph, **POST** merges RDF into it (also ``multipart/form-data``, one
  RDF document per part), **DELETE** removes it: 201 when the graph did not exist before,
  200 otherwise (404 for DELETE of a graph that does not exist), with the change's outcome
  as JSON. **POST to the service** without a graph creates a graph with a fresh IRI under
  ``/rdf-graphs/`` and answers 201 with that IRI in ``Location``.
* Writes need an editor's bearer token and, like every write, go through
  ``Writer.submit``: validated against the shapes (422 with the report when the result
  would break one, nothing changed), recorded in the change log with the token's name
  and the ``X-Change-Message`` header (or "Graph Store Protocol PUT <graph>"), with
  ``?dry_run=true`` and ``If-Match`` as on the other write routes. A PUT or DELETE
  removes exactly the triples read when it started: if another change lands meanwhile, it
  is read again. The change log's graph cannot be written (403).
* Bodies: Turtle, N-Triples, JSON-LD, RDF/XML, and N-Quads or TriG whose statements are
  all in the default graph (or the target graph); anything else is 415, and a body that
  does not parse is 400 with its line and column.
* **Blank nodes.** The write path removes triples by SPARQL ``DELETE DATA``, which cannot
  name blank nodes, so a graph holding them could never be replaced or deleted. So the
  blank nodes of a body are replaced by fresh Skolem IRIs (RDF 1.1 Concepts §3.5),
  ``<origin>/.well-known/genid/platform-graph/<uuid>``, and a GET turns those IRIs back
  into blank nodes. SPARQL sees the Skolem IRIs. A graph that holds real blank nodes
  (written another way) cannot be replaced or deleted here: 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit
from uuid import uuid4

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from rdflib import BNode, URIRef

from platform_graph.errors import InputError
from platform_graph.http.auth import EditorDep
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.sparql import _charset_ok
from platform_graph.http.writing import DryRun, IfMatch, bad_input, is_admin, outcome_response
from platform_graph.rdf import media_types
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.rdf.terms import skolemize
from platform_graph.service.parts import Service
from platform_graph.store import Quad, Term, is_iri, serialize_triples
from platform_graph.vocab.namespaces import CHANGES_GRAPH, DATA_GRAPH, INFERRED_GRAPH, PREFIXES
from platform_graph.write.change_sets import parse_quads
from platform_graph.write.tokens import Principal
from platform_graph.write.writer import Outcome, PreconditionFailed

__all__ = ["GENID_PATH", "ROOT", "SERVICE", "router"]

router = APIRouter(tags=["Graph Store"])

ROOT = "/rdf-graphs"
SERVICE = f"{ROOT}/service"
GENID_PATH = "/.well-known/genid/platform-graph/"
_SKOLEM = re.compile(r"^https?://[^/?#]+/\.well-known/genid/platform-graph/([0-9a-f]{32})$")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

OUT_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
BODY_TYPES = frozenset(
    {
        "text/turtle",
        "application/x-turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-quads",
        "application/trig",
    }
)
MULTIPART = "multipart/form-data"
_RETRIES = 3

Method = Literal["PUT", "POST", "DELETE"]

GraphParam = Annotated[
    str | None,
    Query(description="The graph's IRI (indirect identification), percent-encoded."),
]
DefaultParam = Annotated[
    str | None,
    Query(description="Present (`?default`): the default graph, which here is the data graph."),
]
MessageHeader = Annotated[
    str | None,
    Header(max_length=2000, description="Why: kept in the change log."),
]


@dataclass(frozen=True, slots=True)
class Target:
    """The graph a request names, and where this server serves it."""

    iri: URIRef
    location: str
    always_exists: bool = False


# --- identifying the graph ------------------------------------------------------------


def _base(request: Request, state: Service) -> str:
    # The configured base, never the request's Host header (which a client chooses).
    return state.settings.public_base


def _origin(base: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def _checked_iri(value: str) -> URIRef:
    if not _ABSOLUTE.match(value):
        raise ProblemError(400, "Bad graph IRI", f"the graph must be an absolute IRI: {value!r}")
    if not is_iri(value):
        raise ProblemError(400, "Bad graph IRI", f"{value!r} is not an IRI")
    return URIRef(value)


def _indirect(request: Request, state: Service) -> Target | None:
    """The graph of ``?graph=`` or ``?default``; None when the request names neither."""
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if graphs and default:
        raise ProblemError(400, "Bad request", "name either ?graph=<IRI> or ?default, not both")
    if len(graphs) > 1:
        raise ProblemError(400, "Bad request", "more than one 'graph' parameter")
    service = _base(request, state) + SERVICE
    if default:
        return Target(DATA_GRAPH, f"{service}?default", always_exists=True)
    if graphs:
        iri = _checked_iri(graphs[0])
        return Target(iri, f"{service}?graph={quote(str(iri), safe='')}")
    return None


def _named(request: Request, state: Service) -> Target:
    target = _indirect(request, state)
    if target is None:
        raise ProblemError(
            400, "Bad request", f"name the graph: {SERVICE}?graph=<IRI> or {SERVICE}?default"
        )
    return target


def _direct(request: Request, state: Service) -> Target:
    """The graph whose IRI is the request's own (without its query string)."""
    extra = set(request.query_params) - {"dry_run"}
    if extra:
        raise ProblemError(
            400,
            "Bad request",
            f"{', '.join(sorted(extra))}: under {ROOT}/ the request IRI names the graph; "
            f"name a graph by parameter at {SERVICE}",
        )
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else quote(request.url.path)
    iri = _checked_iri(_base(request, state) + path)
    return Target(iri, str(iri))


# --- reading ----------------------------------------------------------------------------


def _deskolemized(term: Term) -> Term:
    if isinstance(term, URIRef):
        m = _SKOLEM.match(str(term))
        if m:
            return BNode("b" + m.group(1))
    return term


def _get(request: Request, state: Service, target: Target) -> Response:
    try:
        media = best_match(request.headers.get("accept"), OUT_TYPES, "text/turtle")
    except NotAcceptable as exc:
        raise ProblemError(
            406, "Not acceptable", f"{exc}; a graph is served as {', '.join(OUT_TYPES)}"
        ) from exc
    quads = state.store.quads(graph=target.iri)
    if not quads and not target.always_exists:
        raise ProblemError(404, "Not found", f"there is no graph <{target.iri}>")
    triples = [(_deskolemized(s), p, _deskolemized(o)) for s, p, o, _ in quads]
    body = serialize_triples(triples, media, PREFIXES)
    content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
    return Response(
        body,
        media_type=content_type,
        headers={"Vary": "Accept", "ETag": state.writer.etag()},
    )


# --- request bodies -------------------------------------------------------------------


def _unsupported(media: str) -> ProblemError:
    return ProblemError(
        415,
        "Unsupported media type",
        f"send RDF as one of {', '.join(sorted(BODY_TYPES))}"
        f" (or {MULTIPART} to POST); got {media or 'no content type'}",
    )


def _rdf(data: bytes, content_type: str, target: Target, origin: str, source: str) -> list[Quad]:
    media = content_type.split(";")[0].strip().lower()
    if not media and not data.strip():
        return []
    if media not in BODY_TYPES:
        raise _unsupported(media)
    if not _charset_ok(content_type):
        raise ProblemError(415, "Unsupported media type", "only UTF-8 request bodies are accepted")
    try:
        quads = parse_quads(data, media, graph=target.iri, source=source)
    except InputError as exc:
        raise bad_input(exc) from exc
    others = sorted({str(g) for *_, g in quads if g != target.iri})
    if others:
        raise ProblemError(
            400,
            "Bad request",
            f"the {source} names other graphs ({', '.join(others)}): a Graph Store Protocol "
            "body is the content of one graph",
        )
    return skolemize(quads, f"{origin}{GENID_PATH}")


def _parts(content_type: str, body: bytes) -> list[tuple[bytes, str, str]]:
    """(content, content type, name) of each part of a multipart/form-data body."""
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise ProblemError(400, "Bad request", f"the {MULTIPART} body does not parse")
    parts: list[tuple[bytes, str, str]] = []
    for i, part in enumerate(message.iter_parts(), 1):
        payload = part.get_payload(decode=True)
        name = part.get_filename() or part.get_param("name", header="content-disposition")
        name = str(name) if name else f"part {i}"
        part_type = str(part.get("content-type") or "")
        if part_type.split(";")[0].strip().lower() in ("", "application/octet-stream"):
            with contextlib.suppress(InputError):
                part_type = media_types.by_file_name(name).media_type
        parts.append((payload if isinstance(payload, bytes) else b"", part_type, name))
    return parts


async def _body(request: Request, target: Target, origin: str, method: Method) -> list[Quad]:
    if method == "DELETE":
        return []
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != MULTIPART:
        return _rdf(body, content_type, target, origin, "body")
    if method != "POST":
        raise _unsupported(MULTIPART)
    quads: list[Quad] = []
    for data, part_type, name in _parts(content_type, body):
        quads += _rdf(data, part_type, target, origin, name)
    return quads


# --- writing ----------------------------------------------------------------------------


def _apply(
    state: Service,
    principal: Principal,
    target: Target,
    method: Method,
    add: list[Quad],
    message: str,
    dry_run: bool,
    if_match: str | None,
) -> tuple[Outcome, bool]:
    """Submit the change; (its outcome, whether the graph existed before)."""
    wanted = None if if_match is None or if_match.strip() == "*" else if_match.strip()
    for attempt in range(_RETRIES):
        current = state.writer.etag()
        existing = state.store.quads(graph=target.iri)
        existed = bool(existing) or target.always_exists
        if if_match is not None and if_match.strip() == "*" and not existed:
            raise ProblemError(
                412, "Precondition failed", f"If-Match: * but there is no graph <{target.iri}>"
            )
        if method == "DELETE" and not existed:
            raise ProblemError(404, "Not found", f"there is no graph <{target.iri}>")
        remove = existing if method in ("PUT", "DELETE") else []
        if any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o, _ in remove):
            raise ProblemError(
                409,
                "Conflict",
                f"the graph <{target.iri}> holds blank nodes, which the validated write path "
                "cannot remove: change it with SPARQL Update or a change set instead",
            )
        try:
            outcome = state.writer.submit(
                add=add,
                remove=remove,
                author=principal.name,
                admin=is_admin(principal),
                message=message,
                dry_run=dry_run,
                # What was read above is what is removed: if the dataset changed since, the
                # writer refuses and the graph is read again.
                if_match=wanted or current,
            )
        except PreconditionFailed as exc:
            if wanted is not None:
                raise ProblemError(
                    412, "Precondition failed", str(exc), current_etag=exc.current
                ) from exc
            if attempt == _RETRIES - 1:
                raise ProblemError(
                    409, "Conflict", "the dataset kept changing during the request: try again"
                ) from exc
            continue
        except PermissionError as exc:
            raise ProblemError(400, "Bad change", str(exc)) from exc
        return outcome, existed
    raise AssertionError("unreachable")  # pragma: no cover


async def _write(
    request: Request,
    state: Service,
    principal: Principal,
    target: Target,
    method: Method,
    *,
    message: str | None,
    dry_run: bool,
    if_match: str | None,
    create: bool = False,
) -> Response:
    if target.iri == CHANGES_GRAPH:
        raise ProblemError(
            403,
            "Forbidden",
            f"<{CHANGES_GRAPH}> is the change log: only the server writes it",
        )
    if target.iri == INFERRED_GRAPH:
        raise ProblemError(
            403,
            "Forbidden",
            f"<{INFERRED_GRAPH}> holds what the ontology's hierarchy entails: only the server "
            "writes it (change the asserted triples instead)",
        )
    origin = _origin(_base(request, state))
    add = await _body(request, target, origin, method)
    if create and not add:
        raise ProblemError(
            400, "Bad request", "POST to the service creates a graph from RDF: the body has none"
        )
    text = message or f"Graph Store Protocol {method} <{target.iri}>"
    outcome, existed = await asyncio.to_thread(
        _apply, state, principal, target, method, add, text, dry_run, if_match
    )
    response = outcome_response(request, outcome)
    if outcome.status not in ("applied", "unchanged"):
        return response  # 422 rejected, 200 dry run: as on every write route
    created = outcome.status == "applied" and not existed and method != "DELETE"
    body = json.loads(bytes(response.body))
    body["graph"] = str(target.iri)
    headers = {"ETag": outcome.etag}
    if created:
        headers["Location"] = target.location
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)


# --- routes: indirect identification --------------------------------------------------

_WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    200: {"description": "Changed (the graph existed), unchanged, or a dry run"},
    201: {"description": "The graph was created; Location says where it is served"},
    400: {"description": "Unreadable body, or a bad graph IRI"},
    401: {"description": "No editor token"},
    412: {"description": "If-Match does not match the dataset's ETag"},
    415: {"description": "Not an RDF media type"},
    422: {"description": "The change would break a shape: nothing changed"},
}


_READ_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "No such graph"},
    406: {"description": "None of Turtle, N-Triples, JSON-LD, RDF/XML is acceptable"},
}


_SUMMARIES: dict[str, str] = {
    "GET": "Get a graph",
    "HEAD": "A graph's headers",
    "PUT": "Replace a graph",
    "POST": "Add RDF to a graph",
    "DELETE": "Delete a graph",
}


def _responses(method: str) -> dict[int | str, dict[str, str]]:
    if method in ("GET", "HEAD"):
        return _READ_RESPONSES
    if method == "DELETE":
        return {**_WRITE_RESPONSES, 404: {"description": "No such graph"}}
    return _WRITE_RESPONSES


def _indirect_route(method: str) -> Callable[..., Any]:
    """The handler of ``method`` at the service, the graph named by ``?graph`` or
    ``?default`` (a POST naming neither creates a graph with a fresh IRI)."""
    if method in ("GET", "HEAD"):

        async def read(
            request: Request,
            state: ServiceDep,
            graph: GraphParam = None,
            default: DefaultParam = None,
        ) -> Response:
            return _get(request, state, _named(request, state))

        return read

    async def write(
        request: Request,
        state: ServiceDep,
        principal: EditorDep,
        graph: GraphParam = None,
        default: DefaultParam = None,
        dry_run: DryRun = False,
        if_match: IfMatch = None,
        x_change_message: MessageHeader = None,
    ) -> Response:
        target = _indirect(request, state) if method == "POST" else _named(request, state)
        create = target is None
        if target is None:
            iri = URIRef(f"{_base(request, state)}{ROOT}/{uuid4().hex}")
            target = Target(iri, str(iri))
        return await _write(
            request,
            state,
            principal,
            target,
            method,  # type: ignore[arg-type]
            message=x_change_message,
            dry_run=dry_run,
            if_match=if_match,
            create=create,
        )

    return write


def _direct_route(method: str) -> Callable[..., Any]:
    """The handler of ``method`` for the graph whose IRI is the request's own."""
    if method in ("GET", "HEAD"):

        def read(path: str, request: Request, state: ServiceDep) -> Response:
            return _get(request, state, _direct(request, state))

        return read

    async def write(
        path: str,
        request: Request,
        state: ServiceDep,
        principal: EditorDep,
        dry_run: DryRun = False,
        if_match: IfMatch = None,
        x_change_message: MessageHeader = None,
    ) -> Response:
        return await _write(
            request,
            state,
            principal,
            _direct(request, state),
            method,  # type: ignore[arg-type]
            message=x_change_message,
            dry_run=dry_run,
            if_match=if_match,
        )

    return write


# The Graph Store Protocol's five methods, at the service (indirect identification) and
# under /rdf-graphs/ (direct): one route each, one operation id each in the OpenAPI.
for _method in ("GET", "HEAD", "PUT", "POST", "DELETE"):
    router.add_api_route(
        SERVICE,
        _indirect_route(_method),
        methods=[_method],
        summary=f"{_SUMMARIES[_method]} (indirect identification)"
        + (": or, naming no graph, create one" if _method == "POST" else ""),
        response_class=Response,
        responses=_responses(_method),
        operation_id=f"graph_store_service_{_method.lower()}",
    )
    router.add_api_route(
        ROOT + "/{path:path}",
        _direct_route(_method),
        methods=[_method],
        summary=f"{_SUMMARIES[_method]} (direct identification: its IRI is this URL)",
        response_class=Response,
        responses=_responses(_method),
        operation_id=f"graph_store_direct_{_method.lower()}",
    )
