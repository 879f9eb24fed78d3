"""The SPARQL 1.1 Graph Store HTTP Protocol: the W3C tests replayed; its place in the write path.

The W3C manifests (a copy under ``tests/conformance/w3c-sparql11/graph-store-protocol/``)
are replayed against a real, writable server over a store that holds nothing but a marker
graph. Every test entry of the included manifests is a case: its requests are sent in
order, as written, with ``/gsp`` mapped onto this service (``/gsp?...`` and ``/gsp`` to
``/rdf-graphs/service``, ``/gsp/...`` to ``/rdf-graphs/...``) and an editor's token added
to writes. Each response is checked for its status, its ``Location`` (kept for
``$LOCATION$`` in later requests), its headers and, where given, its body (isomorphic
graphs). The entries share graph names and each expects to start afresh (a first PUT must
create its graph), so before each case the graphs it names are dropped by SPARQL Update.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node

from platform_graph.store.rdf_io import format_for, parse_into
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, seed_store, start_server

SUITE = Path(__file__).resolve().parent / "conformance" / "w3c-sparql11"
MANIFEST = SUITE / "graph-store-protocol" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")

MANIFEST_PREFIX = "/gsp"
ROOT = "/rdf-graphs"
SERVICE = "/rdf-graphs/service"
LOCATION_VARIABLE = "$LOCATION$"

STATUS_CODES = {HTS.OK: 200, HTS.Created: 201, HTS.NoContent: 204, HTS.NotFound: 404}
STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4}
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
WRITES = frozenset({"PUT", "POST", "DELETE"})

EDITOR = "pgt_gsp-editor-token-for-tests-0123456789abcdef"
# The tests reset graphs with DROP, which only an administrator may run.
ADMIN = "pgt_gsp-admin-token-for-tests-0123456789abcdefg"
READER = "pgt_gsp-reader-token-for-tests-0123456789abcdef"
DATA_GRAPH = "https://w3id.org/platform-graph/graph/data"
CHANGES_GRAPH = "https://w3id.org/platform-graph/graph/changes"
MARKER_GRAPH = "urn:x-platform-graph-test:marker"
PG = "https://w3id.org/platform-graph/ontology#"
ID = "https://w3id.org/platform-graph/id/"

pytestmark = pytest.mark.server


@dataclass(frozen=True, slots=True)
class Expected:
    codes: frozenset[int]
    classes: frozenset[int]
    location: str | None
    headers: tuple[tuple[str, str], ...]
    body: str | None


@dataclass(frozen=True, slots=True)
class GspRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    encoding: str
    expected: Expected


@dataclass(frozen=True, slots=True)
class GspCase:
    manifest: str
    name: str
    listed: bool
    requests: tuple[GspRequest, ...]

    @property
    def id(self) -> str:
        return f"{self.manifest}:{self.name}"


def _literal(graph: Graph, subject: Node, predicate: URIRef) -> Literal:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"{predicate} of {subject} is not a literal: {value!r}"
    return value


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _headers(graph: Graph, node: Node) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(_literal(graph, h, HT.fieldName)), str(_literal(graph, h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    )


def _body(graph: Graph, node: Node) -> tuple[str | None, str]:
    body = graph.value(node, HT.body)
    if body is None:
        return None, "UTF-8"
    return str(_literal(graph, body, CNT.chars)), str(_literal(graph, body, CNT.characterEncoding))


def service_path(absolute_path: str) -> str:
    """The manifest's ``/gsp`` paths on this service."""
    rest = absolute_path.removeprefix(MANIFEST_PREFIX)
    assert rest != absolute_path, absolute_path
    if rest.startswith("/"):
        return ROOT + rest  # direct identification
    assert rest == "" or rest.startswith("?"), absolute_path
    return SERVICE + rest  # indirect identification, or the service itself


def _expected(graph: Graph, response: Node) -> Expected:
    statuses = [s for s in graph.objects(response, MF.expectedStatus) if isinstance(s, URIRef)]
    unknown = [s for s in statuses if s not in STATUS_CODES and s not in STATUS_CLASSES]
    assert statuses, f"no mf:expectedStatus on {response}"
    assert not unknown, f"unknown status {unknown}"
    location = graph.value(response, MF.expectedLocation)
    return Expected(
        codes=frozenset(STATUS_CODES[s] for s in statuses if s in STATUS_CODES),
        classes=frozenset(STATUS_CLASSES[s] for s in statuses if s in STATUS_CLASSES),
        location=None if location is None else str(location),
        headers=_headers(graph, response),
        body=_body(graph, response)[0],
    )


def _request(graph: Graph, node: Node) -> GspRequest:
    body, encoding = _body(graph, node)
    response = graph.value(node, HT.resp)
    assert response is not None, f"a request without ht:resp: {node}"
    return GspRequest(
        method=str(_literal(graph, node, HT.methodName)),
        path=service_path(str(_literal(graph, node, HT.absolutePath))),
        headers=_headers(graph, node),
        body=body,
        encoding=encoding,
        expected=_expected(graph, response),
    )


def load_cases() -> list[GspCase]:
    """Every test of the included manifests: their listed entries, in order, then any test
    a manifest defines without listing it."""
    top = Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    cases: list[GspCase] = []
    for included in _list(top, top.value(URIRef(MANIFEST.as_uri()), MF.include)):
        path = MANIFEST.parent / str(included).rsplit("/", 1)[-1]
        graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
        listed = _list(graph, graph.value(URIRef(path.as_uri()), MF.entries))
        others = sorted(
            set(graph.subjects(RDF.type, MF.GraphStoreProtocolTest)) - set(listed), key=str
        )
        for entry in [*listed, *others]:
            action = graph.value(entry, MF.action)
            requests = tuple(
                _request(graph, node) for node in _list(graph, graph.value(action, HT.requests))
            )
            assert requests, f"{entry} has no requests"
            cases.append(
                GspCase(
                    manifest=path.stem,
                    name=str(entry).rpartition("#")[2],
                    listed=entry in listed,
                    requests=requests,
                )
            )
    return cases


CASES = load_cases()


def test_the_cases_are_every_test_of_both_manifests() -> None:
    by_manifest = {
        m: [c.name for c in CASES if c.manifest == m]
        for m in ("manifest-direct", "manifest-indirect")
    }
    assert len(by_manifest["manifest-direct"]) == 5
    assert len(by_manifest["manifest-indirect"]) == 9
    assert len(CASES) == 14
    # manifest-direct.ttl defines head_non_existing_direct but leaves it out of its entries.
    assert [c.name for c in CASES if not c.listed] == ["head_non_existing_direct"]
    assert len({c.id for c in CASES}) == len(CASES)


def auth(token: str = EDITOR) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def gsp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A writable server over a store holding only a marker graph (so the platform graph is
    not loaded into it): the W3C tests create their graphs from scratch."""
    work = tmp_path_factory.mktemp("graph-store")
    store_path = work / "store"
    seed_store(
        store_path,
        b"<urn:x-platform-graph-test:store> <http://www.w3.org/2000/01/rdf-schema#label> "
        b'"Graph Store Protocol test store" .\n',
        "application/n-triples",
        graph=MARKER_GRAPH,
    )
    tokens = ",".join(
        f"{name}:{name}:{hash_token(token)}"
        for name, token in (("editor", EDITOR), ("reader", READER), ("admin", ADMIN))
    )
    running = start_server(
        work,
        store=store_path,
        env={
            "PLATFORM_GRAPH_TOKENS": tokens,
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )
    yield running
    running.stop()


@pytest.fixture
def client(gsp_server: RunningServer) -> Iterator[httpx.Client]:
    with gsp_server.client() as c:
        yield c


def update(client: httpx.Client, text: str) -> None:
    response = client.post(
        "/update",
        content=text,
        headers={**auth(ADMIN), "Content-Type": "application/sparql-update"},
    )
    assert response.status_code in (200, 201), response.text


def ask(client: httpx.Client, query: str) -> bool:
    answer: bool = client.get("/sparql", params={"query": query}).json()["boolean"]
    return answer


# --- replaying the W3C tests ------------------------------------------------------------


def _graphs_named(case: GspCase, server_url: str) -> list[str | None]:
    """The graphs a case's requests name (None: the default graph)."""
    found: list[str | None] = []
    for request in case.requests:
        path, _, query = request.path.partition("?")
        if LOCATION_VARIABLE in request.path:
            continue  # a graph the case creates, with a fresh IRI
        if path == SERVICE:
            params = parse_qs(query, keep_blank_values=True)
            if "default" in params:
                found.append(None)
            found += params.get("graph", [])
        else:
            found.append(server_url + path)
    return list(dict.fromkeys(found))


def _reset(client: httpx.Client, case: GspCase, server_url: str) -> None:
    """Drop the graphs the case names, by SPARQL Update (not by the protocol under test)."""
    for graph in _graphs_named(case, server_url):
        update(client, "DROP SILENT DEFAULT" if graph is None else f"DROP SILENT GRAPH <{graph}>")


def _normal(value: str) -> str:
    return ";".join(p.strip().lower().replace('"', "") for p in value.split(";"))


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def parse(data: bytes | str, media: str) -> Graph:
    """A graph from RDF text, read by pyoxigraph (rdflib's JSON-LD parser warns)."""
    graph = Graph()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    parse_into(graph, raw, format_for(media), source=media)
    return graph


def _check(request: GspRequest, response: httpx.Response, described: str) -> None:
    expected = request.expected
    status = response.status_code
    assert status in expected.codes or status // 100 in expected.classes, described
    if expected.location is not None:
        assert response.headers.get("location"), f"no Location: {described}"
    for name, value in expected.headers:
        assert _normal(response.headers.get(name, "")) == _normal(value), (
            f"{name}: {response.headers.get(name)!r}, expected {value!r}: {described}"
        )
    if request.method == "HEAD":
        assert response.content == b"", f"a body in a HEAD answer: {described}"
    if expected.body is not None:
        media = _media_type(response)
        assert media in RDF_FORMATS, described
        got = parse(response.content, media)
        want = parse(expected.body, "text/turtle")
        assert isomorphic(got, want), (
            f"not the expected graph: {described}\ngot:\n"
            f"{got.serialize(format='nt')}\nexpected:\n{want.serialize(format='nt')}"
        )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_w3c_graph_store_protocol(case: GspCase, gsp_server: RunningServer) -> None:
    with gsp_server.client() as client:
        _reset(client, case, gsp_server.url)
        variables: dict[str, str] = {}
        for request in case.requests:
            path, body = request.path, request.body
            for name, value in variables.items():
                path = path.replace(name, value)
                body = None if body is None else body.replace(name, value)
            headers = list(request.headers)
            if request.method in WRITES:
                headers.append(("Authorization", f"Bearer {EDITOR}"))
            response = client.request(
                request.method,
                path,
                headers=headers,
                content=None if body is None else body.encode(request.encoding),
            )
            described = (
                f"{request.method} {path} -> {response.status_code} "
                f"{response.headers.get('content-type')}: {response.text[:500]!r}"
            )
            _check(request, response, described)
            if request.expected.location is not None:
                variables[request.expected.location] = response.headers["location"]


# --- the protocol in the write path -------------------------------------------------------

PERSON = """
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://example.org/person/1> a foaf:Person ; foaf:name "Ada" ;
    foaf:knows [ a foaf:Person ; foaf:name "Bea" ] .
"""
PERSON_JSONLD = json.dumps(
    {
        "@context": {"foaf": "http://xmlns.com/foaf/0.1/"},
        "@id": "http://example.org/person/1",
        "@type": "foaf:Person",
        "foaf:name": "Ada",
        "foaf:knows": {"@type": "foaf:Person", "foaf:name": "Bea"},
    }
)
_ADA = "<http://example.org/person/1>"
_A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_FOAF = "http://xmlns.com/foaf/0.1/"
PERSON_NT = f"""
{_ADA} {_A} <{_FOAF}Person> .
{_ADA} <{_FOAF}name> "Ada" .
{_ADA} <{_FOAF}knows> _:bea .
_:bea {_A} <{_FOAF}Person> .
_:bea <{_FOAF}name> "Bea" .
"""
PERSON_XML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:foaf="http://xmlns.com/foaf/0.1/">
  <foaf:Person rdf:about="http://example.org/person/1">
    <foaf:name>Ada</foaf:name>
    <foaf:knows><foaf:Person><foaf:name>Bea</foaf:name></foaf:Person></foaf:knows>
  </foaf:Person>
</rdf:RDF>
"""
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}


def graph_url(iri: str) -> str:
    return f"{SERVICE}?graph={quote(iri, safe='')}"


def test_writes_need_an_editor_token_and_reads_do_not(client: httpx.Client) -> None:
    url = graph_url("http://example.org/graphs/tokens")
    for method in ("PUT", "POST", "DELETE"):
        response = client.request(method, url, content=PERSON, headers=TURTLE)
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.put(url, content=PERSON, headers={**TURTLE, **auth("pgt_not-a-token")})
    assert wrong.status_code == 401
    reader = client.put(url, content=PERSON, headers={**TURTLE, **auth(READER)})
    assert reader.status_code == 403
    direct = client.put(f"{ROOT}/tokens.ttl", content=PERSON, headers=TURTLE)
    assert direct.status_code == 401
    # Nothing was written; reading needs no token.
    assert client.get(url).status_code == 404
    assert client.get(graph_url(MARKER_GRAPH)).status_code == 200


def test_a_put_that_breaks_a_shape_is_422_and_changes_nothing(client: httpx.Client) -> None:
    before = client.get("/api/changes").json()["total"]
    bad = f"""
        @prefix pg: <{PG}> .
        <{ID}commitment/gsp-without-theme> a pg:Commitment, pg:Statement ;
            pg:testable true .
    """
    response = client.put(
        graph_url(DATA_GRAPH),
        content=bad,
        headers={**TURTLE, **auth(), "X-Change-Message": "a commitment with no theme"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == "rejected"
    violations = [r for r in body["validation"]["results"] if r["severity"] == "violation"]
    assert "pg:theme" in {v["path"] for v in violations}
    # The new commitment is given the status the write path derives (not yet rated), a
    # concept this store, without the ontology, does not know: that is reported too.
    assert all(
        v["focus"].endswith(("gsp-without-theme", "status/not-yet-rated")) for v in violations
    )
    assert any(v["focus"].endswith("gsp-without-theme") for v in violations)
    assert client.get("/api/changes").json()["total"] == before
    assert not ask(client, f"ASK {{ <{ID}commitment/gsp-without-theme> ?p ?o }}")
    # The report in Turtle, for whoever asks for it.
    turtle = client.put(
        graph_url(DATA_GRAPH),
        content=bad,
        headers={**TURTLE, **auth(), "Accept": "text/turtle"},
    )
    assert turtle.status_code == 422
    report = Graph().parse(data=turtle.text, format="turtle")
    assert any("ValidationReport" in str(o) for o in report.objects())


def test_a_write_is_a_recorded_change(client: httpx.Client) -> None:
    iri = "http://example.org/graphs/recorded"
    url = graph_url(iri)
    update(client, f"DROP SILENT GRAPH <{iri}>")
    created = client.put(
        url, content=PERSON, headers={**TURTLE, **auth(), "X-Change-Message": "Ada and Bea"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith(url)
    body = created.json()
    assert body["status"] == "applied"
    assert body["graph"] == iri
    seq = body["change"]["id"]
    latest = client.get("/api/changes").json()["items"][0]
    assert latest["id"] == seq
    assert latest["author"] == "editor"
    assert latest["message"] == "Ada and Bea"
    record = client.get(f"/api/changes/{seq}").json()
    assert len(record["triples"]["added"]) == 5
    assert all(t.endswith(f"<{iri}> .") for t in record["triples"]["added"])
    # A default message names the method and the graph.
    merged = client.post(
        url,
        content="<http://example.org/person/1> <http://xmlns.com/foaf/0.1/age> 36 .",
        headers={**TURTLE, **auth()},
    )
    assert merged.status_code == 200, merged.text
    message = client.get("/api/changes").json()["items"][0]["message"]
    assert message == f"Graph Store Protocol POST <{iri}>"
    # Merging triples that are all there already changes nothing.
    again = client.post(
        url,
        content="<http://example.org/person/1> <http://xmlns.com/foaf/0.1/age> 36 .",
        headers={**TURTLE, **auth()},
    )
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged"
    # DELETE is a change too, and then the graph is gone.
    deleted = client.delete(url, headers=auth())
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["removed"] == 6
    assert (
        client.get("/api/changes")
        .json()["items"][0]["message"]
        .startswith("Graph Store Protocol DELETE")
    )
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=auth()).status_code == 404


def test_dry_run_and_if_match(client: httpx.Client) -> None:
    url = graph_url("http://example.org/graphs/conditional")
    dry = client.put(f"{url}&dry_run=true", content=PERSON, headers={**TURTLE, **auth()})
    assert dry.status_code == 200, dry.text
    assert dry.json()["status"] == "dry-run"
    assert client.get(url).status_code == 404
    # If-Match: * needs the graph to exist.
    star = client.put(url, content=PERSON, headers={**TURTLE, **auth(), "If-Match": "*"})
    assert star.status_code == 412
    etag = client.get("/api/changes").headers["ETag"]
    ok = client.put(url, content=PERSON, headers={**TURTLE, **auth(), "If-Match": etag})
    assert ok.status_code == 201, ok.text
    assert client.get(url).headers["ETag"] == ok.headers["ETag"] != etag
    stale = client.delete(url, headers={**auth(), "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).status_code == 200
    assert client.delete(url, headers={**auth(), "If-Match": ok.headers["ETag"]}).status_code == 200


def test_blank_nodes_are_skolemized_in_the_store_and_blank_on_the_way_out(
    client: httpx.Client,
) -> None:
    iri = "http://example.org/graphs/blank"
    url = graph_url(iri)
    update(client, f"DROP SILENT GRAPH <{iri}>")
    assert client.put(url, content=PERSON, headers={**TURTLE, **auth()}).status_code == 201
    # SPARQL sees a Skolem IRI where the body had a blank node ...
    assert ask(
        client,
        f"ASK {{ GRAPH <{iri}> {{ <http://example.org/person/1> ?p ?b . "
        'FILTER (isIRI(?b) && CONTAINS(STR(?b), "/.well-known/genid/")) } }',
    )
    # ... the protocol gives the graph back as it was sent ...
    got = client.get(url, headers={"Accept": "text/turtle"})
    assert "genid" not in got.text
    assert isomorphic(parse(got.text, "text/turtle"), parse(PERSON, "text/turtle"))
    # ... and a PUT replaces the blank node's triples like any other.
    jane = '<http://example.org/person/1> <http://xmlns.com/foaf/0.1/name> "Jane" .'
    replaced = client.put(
        url, content=jane, headers={"Content-Type": "application/n-triples", **auth()}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["removed"] == 5
    got = client.get(url, headers={"Accept": "application/n-triples"})
    assert got.text.strip() == jane


def test_content_negotiation_and_head(client: httpx.Client) -> None:
    iri = "http://example.org/graphs/formats"
    url = graph_url(iri)
    update(client, f"DROP SILENT GRAPH <{iri}>")
    assert client.put(url, content=PERSON, headers={**TURTLE, **auth()}).status_code == 201
    want = parse(PERSON, "text/turtle")
    default = client.get(url)
    assert default.headers["content-type"] == "text/turtle; charset=utf-8"
    assert default.headers["Vary"] == "Accept"
    for media in RDF_FORMATS:
        response = client.get(url, headers={"Accept": media})
        assert response.status_code == 200, response.text
        assert _media_type(response) == media
        assert isomorphic(parse(response.content, media), want), media
    assert client.get(url, headers={"Accept": "image/png"}).status_code == 406
    head = client.head(url, headers={"Accept": "application/n-triples"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/n-triples"
    assert client.head(graph_url("http://example.org/graphs/none")).status_code == 404


def test_bodies_in_every_rdf_syntax(client: httpx.Client) -> None:
    iri = "http://example.org/graphs/syntaxes"
    url = graph_url(iri)
    want = parse(PERSON, "text/turtle")
    bodies = {
        "application/n-triples": PERSON_NT,
        "application/ld+json": PERSON_JSONLD,
        "application/rdf+xml": PERSON_XML,
        "application/n-quads": PERSON_NT,
        "application/trig": PERSON,
    }
    for media, text in bodies.items():
        response = client.put(url, content=text, headers={"Content-Type": media, **auth()})
        assert response.status_code in (200, 201), f"{media}: {response.text}"
        got = parse(client.get(url).text, "text/turtle")
        assert isomorphic(got, want), media


def test_bodies_that_are_refused(client: httpx.Client) -> None:
    url = graph_url("http://example.org/graphs/refused")
    plain = client.put(url, content=PERSON, headers={"Content-Type": "text/plain", **auth()})
    assert plain.status_code == 415
    latin = client.put(
        url, content=PERSON, headers={"Content-Type": "text/turtle; charset=latin-1", **auth()}
    )
    assert latin.status_code == 415
    broken = client.put(url, content="<a> <b> <c> .\n<d> <e> <f", headers={**TURTLE, **auth()})
    assert broken.status_code == 400
    problem = broken.json()
    assert problem["line"] == 2
    assert "column" in problem
    elsewhere = (
        "<http://a.example/s> <http://a.example/p> <http://a.example/o> <http://other.example/g> ."
    )
    quads = client.put(
        url, content=elsewhere, headers={"Content-Type": "application/n-quads", **auth()}
    )
    assert quads.status_code == 400
    assert "other.example" in quads.json()["detail"]
    assert (
        client.put(
            f"{SERVICE}?graph=not-absolute", content=PERSON, headers={**TURTLE, **auth()}
        ).status_code
        == 400
    )
    assert client.get(f"{SERVICE}?graph=http://a.example/&default").status_code == 400
    assert client.get(SERVICE).status_code == 400
    assert client.get(url).status_code == 404


def test_the_change_log_cannot_be_written_but_can_be_read(client: httpx.Client) -> None:
    url = graph_url(CHANGES_GRAPH)
    for method in ("PUT", "POST", "DELETE"):
        response = client.request(method, url, content=PERSON, headers={**TURTLE, **auth()})
        assert response.status_code == 403, response.text
    assert client.get(url).status_code == 200


def test_post_to_the_service_creates_a_graph(
    client: httpx.Client, gsp_server: RunningServer
) -> None:
    response = client.post(SERVICE, content=PERSON, headers={**TURTLE, **auth()})
    assert response.status_code == 201, response.text
    location = response.headers["Location"]
    assert re.fullmatch(re.escape(gsp_server.url) + r"/rdf-graphs/[0-9a-f]{32}", location)
    assert response.json()["graph"] == location
    # The new graph is there by either identification.
    want = parse(PERSON, "text/turtle")
    for url in (graph_url(location), urlsplit(location).path):
        got = client.get(url)
        assert got.status_code == 200, url
        assert isomorphic(parse(got.text, "text/turtle"), want)
    empty = client.post(SERVICE, content=b"", headers={**TURTLE, **auth()})
    assert empty.status_code == 400


def test_default_graph_is_the_data_graph(client: httpx.Client) -> None:
    triple = f'<{ID}note/gsp> <http://www.w3.org/2000/01/rdf-schema#label> "default" .'
    put = client.put(
        f"{SERVICE}?default",
        content=triple,
        headers={"Content-Type": "application/n-triples", **auth()},
    )
    assert put.status_code in (200, 201), put.text
    assert put.json()["graph"] == DATA_GRAPH
    assert ask(client, f"ASK {{ GRAPH <{DATA_GRAPH}> {{ <{ID}note/gsp> ?p ?o }} }}")
    same = client.get(graph_url(DATA_GRAPH), headers={"Accept": "application/n-triples"})
    assert (
        same.text
        == client.get(f"{SERVICE}?default", headers={"Accept": "application/n-triples"}).text
    )
    # The default graph always exists, even empty.
    assert client.delete(f"{SERVICE}?default", headers=auth()).status_code == 200
    empty = client.get(f"{SERVICE}?default")
    assert empty.status_code == 200
    assert len(parse(empty.text, "text/turtle")) == 0


def test_direct_identification_uses_the_request_iri(
    client: httpx.Client, gsp_server: RunningServer
) -> None:
    path = f"{ROOT}/people/ada.ttl"
    update(client, f"DROP SILENT GRAPH <{gsp_server.url}{path}>")
    put = client.put(path, content=PERSON, headers={**TURTLE, **auth()})
    assert put.status_code == 201, put.text
    assert put.headers["Location"] == gsp_server.url + path
    assert client.get(graph_url(gsp_server.url + path)).status_code == 200
    assert client.get(f"{path}?graph=http://a.example/").status_code == 400
    assert client.delete(path, headers=auth()).status_code == 200
    assert client.get(path).status_code == 404
