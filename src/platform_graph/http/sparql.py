"""SPARQL 1.1 Protocol at /sparql: GET, POST form, POST direct; a service description."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.rdf.negotiation import NotAcceptable, best_match
from platform_graph.rdf.results import GRAPH_TYPES, SOLUTION_TYPES, serialize
from platform_graph.rdf.sparql_errors import explain
from platform_graph.rdf.sparql_text import RefusedQuery, check_query
from platform_graph.service.parts import Service
from platform_graph.store import DatasetSpec, Store, StoreQueryError
from platform_graph.store.pool import WorkerAnswer
from platform_graph.web.render import yasgui_page

__all__ = ["router", "service_description"]

router = APIRouter(tags=["SPARQL"])

SD = "http://www.w3.org/ns/sparql-service-description#"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def _charset_ok(content_type: str) -> bool:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(
            400,
            "Bad request",
            "the request body is not UTF-8",
            sv="Innehållet i begäran är inte UTF-8.",
        ) from exc


def _one(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name, [])
    if len(found) > 1:
        raise ProblemError(
            400,
            "Bad request",
            f"more than one '{name}' parameter",
            sv=f"Parametern '{name}' förekommer mer än en gång.",
        )
    return found[0] if found else None


@lru_cache(maxsize=256)
def _parsed_query_string(raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((k, tuple(v)) for k, v in parse_qs(raw, keep_blank_values=True).items())


def _query_string(raw: str) -> dict[str, list[str]]:
    """The request's parameters; a query string sent again is decoded once (decoding a
    long query took a tenth of a small answer's time)."""
    return {k: list(v) for k, v in _parsed_query_string(raw)}


async def _read_request(request: Request) -> tuple[str | None, dict[str, list[str]]]:
    """The query text and the protocol parameters, from GET or either POST form."""
    params = _query_string(request.scope["query_string"].decode("utf-8", "replace"))
    if request.method == "GET":
        if "update" in params:
            raise ProblemError(
                400,
                "Bad request",
                "updates are not accepted by GET: POST to /update",
                sv="Uppdateringar tas inte emot med GET: skicka dem med POST till /update.",
            )
        return _one(params, "query"), params
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if not _charset_ok(content_type):
        raise ProblemError(
            415,
            "Unsupported media type",
            "only UTF-8 request bodies are accepted",
            sv="Bara innehåll i UTF-8 tas emot.",
        )
    body = await request.body()
    if media == FORM:
        form = parse_qs(_decode(body), keep_blank_values=True)
        if "update" in form:
            raise ProblemError(
                400,
                "Bad request",
                "this endpoint only answers queries: POST updates to /update",
                sv="Den här adressen svarar bara på frågor: skicka uppdateringar till /update.",
            )
        if "query" in params and "query" in form:
            raise ProblemError(
                400,
                "Bad request",
                "more than one 'query' parameter",
                sv="Parametern 'query' förekommer mer än en gång.",
            )
        merged = {**params, **{k: params.get(k, []) + v for k, v in form.items()}}
        return _one(merged, "query"), merged
    if media == DIRECT:
        if "query" in params:
            raise ProblemError(
                400,
                "Bad request",
                "a direct POST carries the query in its body only",
                sv="En direkt POST har frågan i innehållet, inte som parameter.",
            )
        return _decode(body), params
    raise ProblemError(
        415,
        "Unsupported media type",
        f"POST a query as {FORM} (query=...) or as {DIRECT}; got {media or 'no content type'}",
        sv=f"Skicka en fråga som {FORM} (query=...) eller som {DIRECT}; fick "
        f"{media or 'ingen innehållstyp'}.",
    )


def service_description(state: Service, endpoint: str) -> Graph:
    g = Graph()
    g.bind("sd", SD)
    service = URIRef(endpoint + "#service")
    sd = {
        name: URIRef(SD + name)
        for name in (
            "Service",
            "endpoint",
            "supportedLanguage",
            "SPARQL11Query",
            "resultFormat",
            "feature",
            "UnionDefaultGraph",
            "defaultDataset",
            "Dataset",
            "defaultGraph",
            "namedGraph",
            "NamedGraph",
            "name",
            "Graph",
            "BasicFederatedQuery",
        )
    }
    g.add((service, RDF.type, sd["Service"]))
    g.add((service, sd["endpoint"], URIRef(endpoint)))
    g.add((service, sd["supportedLanguage"], sd["SPARQL11Query"]))
    g.add((service, sd["feature"], sd["UnionDefaultGraph"]))
    for fmt in (
        "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "http://www.w3.org/ns/formats/Turtle",
        "http://www.w3.org/ns/formats/N-Triples",
        "http://www.w3.org/ns/formats/JSON-LD",
        "http://www.w3.org/ns/formats/RDF_XML",
    ):
        g.add((service, sd["resultFormat"], URIRef(fmt)))
    dataset = URIRef(endpoint + "#dataset")
    g.add((service, sd["defaultDataset"], dataset))
    g.add((dataset, RDF.type, sd["Dataset"]))
    for name in state.store.named_graphs():
        node = URIRef(f"{endpoint}#graph-{name.rsplit('/', 1)[-1]}")
        g.add((dataset, sd["namedGraph"], node))
        g.add((node, RDF.type, sd["NamedGraph"]))
        g.add((node, sd["name"], URIRef(name)))
    g.add(
        (
            dataset,
            URIRef("http://purl.org/dc/terms/description"),
            Literal(
                "The default graph is the union of the named graphs, the inferred graph "
                "(what the ontology's hierarchy entails) included; name the asserted graphs "
                "(FROM, or default-graph-uri) to leave the inferred one out.",
                lang="en",
            ),
        )
    )
    # Where a client goes next: the ontology, the dataset's VoID, the named queries.
    base = endpoint.removesuffix("/sparql")
    title = URIRef("http://purl.org/dc/terms/title")
    for path, label in (
        ("/ontology", "The ontology (its documentation page, or RDF by Accept)"),
        ("/data/void.ttl", "The dataset's VoID description"),
        ("/data/", "The downloads"),
        ("/api/queries", "The named queries"),
    ):
        g.add((service, RDFS.seeAlso, URIRef(base + path)))
        g.add((URIRef(base + path), title, Literal(label, lang="en")))
    for q in state.queries.values():
        iri = URIRef(f"{base}/api/queries/{q.name}")
        g.add((service, RDFS.seeAlso, iri))
        g.add((iri, title, Literal(q.title, lang="en")))
    return g


class _NamedGraphs(Collection[str]):
    """The store's named graphs, asked of the store only if the guard needs them (a
    query with FROM): most queries have none, and the answer costs a store lookup."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._names: frozenset[str] | None = None

    def _get(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset(self._store.named_graphs())
        return self._names

    def __contains__(self, name: object) -> bool:
        return name in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _prefers_html(accept: str | None) -> bool:
    """A browser asking for the endpoint itself: it gets the YASGUI page."""
    try:
        return best_match(accept, (*GRAPH_TYPES, "text/html"), "text/turtle") == "text/html"
    except NotAcceptable:
        return False


def _dataset(params: dict[str, list[str]]) -> DatasetSpec | None:
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    if default is None and named is None:
        return None
    # A protocol-specified dataset replaces the query's own FROM clauses.
    return DatasetSpec(tuple(default or ()), tuple(named or ()))


_SPARQL_DOC: dict[str, Any] = dict(
    summary="SPARQL 1.1 query endpoint",
    description="The SPARQL 1.1 Protocol: `query` by GET, by POST form or by POST direct "
    "(`application/sparql-query`), with `default-graph-uri` and `named-graph-uri`. Results "
    "by `Accept`: SPARQL JSON, XML, CSV, TSV; graphs as Turtle, N-Triples, JSON-LD, "
    "RDF/XML. Without a query: the service description (a browser asking for HTML gets the "
    "YASGUI query editor instead). Read-only: SERVICE, LOAD and "
    "FROM graphs that are not in the store are refused.",
    response_class=Response,
)


# One route per method: one operation id each in the OpenAPI document.
@router.get("/sparql", operation_id="sparql_get", **_SPARQL_DOC)
@router.post("/sparql", operation_id="sparql_post", **_SPARQL_DOC)
async def sparql(request: Request, state: ServiceDep) -> Response:
    query, params = await _read_request(request)
    accept = request.headers.get("accept")
    if query is None and request.method == "GET" and _prefers_html(accept):
        return yasgui_page(request, state.site)
    if query is None:
        try:
            media = best_match(accept, GRAPH_TYPES, "text/turtle")
        except NotAcceptable:
            media = "text/turtle"
        endpoint = state.settings.public_base + "/sparql"
        fmt = {
            "application/n-triples": "nt",
            "text/plain": "nt",
            "application/ld+json": "json-ld",
            "application/rdf+xml": "xml",
        }.get(media, "turtle")
        body = service_description(state, endpoint).serialize(format=fmt, encoding="utf-8")
        return Response(body, media_type=media)
    dataset = _dataset(params)
    try:
        analysis = check_query(
            query,
            graphs=_NamedGraphs(state.store),
            allow_service=state.settings.allow_service,
            allow_remote_from=state.settings.allow_remote_from or dataset is not None,
        )
    except RefusedQuery as exc:
        raise ProblemError(
            400,
            "Query refused",
            str(exc),
            sv=f"Frågan avvisades innan den kördes: {exc}",
        ) from exc
    offered = GRAPH_TYPES if analysis.result_kind == "graph" else SOLUTION_TYPES
    default = offered[0]
    try:
        media = best_match(accept, offered, default)
    except NotAcceptable as exc:
        raise ProblemError(
            406,
            "Not acceptable",
            f"{exc}; this query can answer as {', '.join(offered)}",
            sv=f"Inget av de begärda formaten går att leverera; den här frågan kan svara som "
            f"{', '.join(offered)}.",
        ) from exc
    if analysis.form == "ASK" and media in ("text/csv", "text/tab-separated-values"):
        media = default
    try:
        # The protocol lets the service define the base IRI: it is the endpoint itself.
        endpoint = state.settings.public_base + "/sparql"
        if state.pool is not None:
            answer = await state.pool.run_async(
                query, dataset, media, state.settings.max_rows, endpoint
            )
        else:
            answer = await asyncio.to_thread(
                _run_on_store, state.store, query, dataset, media, state.settings.max_rows, endpoint
            )
    except StoreQueryError as exc:
        if exc.syntax:
            found = explain(query, str(exc))
            where: dict[str, Any] = {}
            if found.line is not None:
                where = {"line": found.line, "column": found.column, "excerpt": found.excerpt}
            raise ProblemError(
                400,
                "Malformed query",
                found.detail,
                **where,
                expected=list(found.expected),
                sv=_syntax_sv(found.detail, found.line, found.column),
            ) from exc
        raise ProblemError(
            400, "Query failed", str(exc), sv=f"Frågan kunde inte köras: {exc}"
        ) from exc
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["X-Result-Truncated"] = (
            f"cut at {answer.rows} rows (at most {state.settings.max_rows} rows and "
            f"{state.settings.max_result_bytes} bytes are sent); add LIMIT"
        )
    content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
    return Response(answer.body, media_type=content_type, headers=headers)


def _run_on_store(
    store: Store,
    query: str,
    dataset: DatasetSpec | None,
    media: str,
    max_rows: int,
    base_iri: str,
) -> WorkerAnswer:
    """A query on a store that keeps its own time limit (a remote server)."""
    try:
        result = store.query(query, dataset=dataset, max_rows=max_rows, base_iri=base_iri)
    except SyntaxError as exc:
        raise StoreQueryError(str(exc), syntax=True) from exc
    rows = len(getattr(result, "rows", getattr(result, "triples", [])))
    return WorkerAnswer(serialize(result, media), bool(getattr(result, "truncated", False)), rows)


def _syntax_sv(detail: str, line: int | None, column: int | None) -> str:
    """The syntax error in Swedish: where, and what the parser expected."""
    wanted = detail.split(": ", 1)[-1]
    wanted = wanted.replace("expected one of ", "väntade ett av ").replace("expected ", "väntade ")
    at = f" på rad {line}, kolumn {column}" if line is not None else ""
    return f"Syntaxfel i SPARQL-frågan{at}: {wanted}"
