"""The W3C SPARQL 1.1 Protocol test suite, replayed against the real server.

The manifest and its data are a copy of the W3C test suite under
``tests/conformance/w3c-sparql11/`` (see its LICENSE.md). Every entry is one case: its
requests are sent in order, as the manifest writes them (method, path, headers, body
bytes in the stated encoding), and every response is checked for its status class and,
where the manifest says, its format. The manifest sends queries and updates to one
``/sparql/`` path; this service answers updates at ``/update``, with an editor's
token, so update requests go there with one.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import httpx
import pytest
from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, seed_store, start_server

SUITE = Path(__file__).resolve().parent / "conformance" / "w3c-sparql11"
MANIFEST = SUITE / "protocol" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

SELECTED_PREFIXES = ("query_", "bad_query_", "update_", "bad_update_")
SELECTED_NAMES = frozenset({"bad_multiple_queries", "bad_multiple_updates"})
# The suite's updates CLEAR and DROP whole graphs: an administrator's work.
EDITOR_TOKEN = "pgt_w3c-protocol-admin-0123456789abcdef"
UPDATE_ENDPOINT = "/update"
MANIFEST_PATH_PREFIX = "/sparql/"
ENDPOINT = "/sparql"

STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4}

SPARQL_JSON = ("application/sparql-results+json", "application/json")
SPARQL_XML = ("application/sparql-results+xml", "application/xml", "text/xml")
TABULAR_TYPES = frozenset(
    {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    }
)
# "expect one of: RDF/XML, Turtle, N-Triples, RDFa": rdflib 7 has no RDFa parser and the
# service offers none, so an RDFa answer could not be checked to parse and is not accepted.
RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}
SPARQL_RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@dataclass(frozen=True, slots=True)
class ExpectedResponse:
    status_classes: frozenset[int]
    format: str | None
    boolean: bool | None


@dataclass(frozen=True, slots=True)
class ProtocolRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: ExpectedResponse


@dataclass(frozen=True, slots=True)
class GraphData:
    file: Path
    name: str


@dataclass(frozen=True, slots=True)
class ProtocolCase:
    name: str
    requests: tuple[ProtocolRequest, ...]
    graph_data: tuple[GraphData, ...]


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node:
    value = graph.value(subject, predicate)
    assert value is not None, f"the manifest has no {predicate} for {subject}"
    return value


def _literal(graph: Graph, subject: Node, predicate: URIRef) -> Literal:
    value = _one(graph, subject, predicate)
    assert isinstance(value, Literal), f"{predicate} of {subject} is not a literal"
    return value


def _optional_literal(graph: Graph, subject: Node, predicate: URIRef) -> Literal | None:
    value = graph.value(subject, predicate)
    assert value is None or isinstance(value, Literal), f"{predicate} is not a literal"
    return value


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _local_name(entry: Node) -> str:
    assert isinstance(entry, URIRef), f"a manifest entry is not an IRI: {entry!r}"
    return str(entry).rpartition("#")[2]


def _endpoint_path(absolute_path: str) -> str:
    assert absolute_path.startswith(MANIFEST_PATH_PREFIX), absolute_path
    return ENDPOINT + absolute_path.removeprefix(MANIFEST_PATH_PREFIX)


def _local_file(iri: Node) -> Path:
    assert isinstance(iri, URIRef), f"ut:graph is not an IRI: {iri!r}"
    parsed = urlparse(str(iri))
    assert parsed.scheme == "file", f"ut:graph is not a file of the suite: {iri}"
    path = Path(url2pathname(parsed.path)).resolve()
    assert path.is_relative_to(SUITE), f"ut:graph is outside the suite copy: {path}"
    return path


def _expected(graph: Graph, response: Node) -> ExpectedResponse:
    statuses = frozenset(
        STATUS_CLASSES[status]
        for status in graph.objects(response, MF.expectedStatus)
        if isinstance(status, URIRef)
    )
    assert statuses, f"no known mf:expectedStatus on {response}"
    fmt = _optional_literal(graph, response, MF.expectedFormat)
    boolean = _optional_literal(graph, response, MF.expectedBoolean)
    return ExpectedResponse(
        status_classes=statuses,
        format=None if fmt is None else str(fmt),
        boolean=None if boolean is None else bool(boolean.toPython()),
    )


def _request(graph: Graph, node: Node) -> ProtocolRequest:
    headers = tuple(
        (str(_literal(graph, h, HT.fieldName)), str(_literal(graph, h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    )
    body_node = graph.value(node, HT.body)
    body: bytes | None = None
    if body_node is not None:
        chars = str(_literal(graph, body_node, CNT.chars))
        encoding = str(_literal(graph, body_node, CNT.characterEncoding))
        body = chars.encode(encoding)
    path = _endpoint_path(str(_literal(graph, node, HT.absolutePath)))
    content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
    is_update = (
        content_type.startswith("application/sparql-update")
        or (body is not None and body.startswith(b"update="))
        or "update=" in path
    )
    if is_update:
        path = UPDATE_ENDPOINT + path[len(ENDPOINT) :]
        headers = (*headers, ("Authorization", f"Bearer {EDITOR_TOKEN}"))
    return ProtocolRequest(
        method=str(_literal(graph, node, HT.methodName)),
        path=path,
        headers=headers,
        body=body,
        expected=_expected(graph, _one(graph, node, HT.resp)),
    )


def load_cases() -> list[ProtocolCase]:
    """The selected manifest entries, in the manifest's order."""
    graph = Graph()
    graph.parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = URIRef(MANIFEST.as_uri())
    cases: list[ProtocolCase] = []
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        name = _local_name(entry)
        if not name.startswith(SELECTED_PREFIXES) and name not in SELECTED_NAMES:
            continue
        action = _one(graph, entry, MF.action)
        requests = tuple(
            _request(graph, node) for node in _list(graph, graph.value(action, HT.requests))
        )
        assert requests, f"{name} has no requests"
        graph_data = tuple(
            sorted(
                (
                    GraphData(
                        _local_file(_one(graph, data, UT.graph)),
                        str(_literal(graph, data, RDFS.label)),
                    )
                    for data in graph.objects(entry, UT.graphData)
                ),
                key=lambda d: d.name,
            )
        )
        cases.append(ProtocolCase(name, requests, graph_data))
    return cases


CASES = load_cases()


def test_every_manifest_entry_is_replayed() -> None:
    names = [case.name for case in CASES]
    assert len(names) == 34
    assert len(set(names)) == len(names)


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real service over a store holding every graph the selected tests name."""
    work = tmp_path_factory.mktemp("w3c-protocol")
    store_path = work / "store"
    loaded: dict[str, Path] = {}
    for case in CASES:
        for data in case.graph_data:
            previous = loaded.setdefault(data.name, data.file)
            assert previous == data.file, f"two files for the graph {data.name}"
    nquads = OxigraphStore(None)
    for name, file in loaded.items():
        nquads.load(file.read_bytes(), "application/n-triples", graph=name)
    assert set(nquads.named_graphs()) == set(loaded)
    seed_store(store_path, nquads.dump("application/n-quads"), "application/n-quads")
    tokens = f"w3c:admin:{hash_token(EDITOR_TOKEN)}"
    running = start_server(work, store=store_path, env={"PLATFORM_GRAPH_TOKENS": tokens})
    yield running
    running.stop()


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def _boolean_answer(response: httpx.Response) -> bool:
    media = _media_type(response)
    if media in SPARQL_JSON:
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool), f"not a JSON boolean: {value!r}"
        return value
    if media in SPARQL_XML:
        element = ET.fromstring(response.content).find(f"{SPARQL_RESULTS_NS}boolean")
        assert element is not None, f"no <boolean> in {response.text!r}"
        text = (element.text or "").strip()
        assert text in ("true", "false"), f"not an XML boolean: {text!r}"
        return text == "true"
    pytest.fail(f"an ASK answer must be SPARQL JSON or XML, got {media!r}: {response.text!r}")


def _check_format(response: httpx.Response, expected: ExpectedResponse) -> None:
    media = _media_type(response)
    if expected.format == "boolean":
        answer = _boolean_answer(response)
        if expected.boolean is not None:
            assert answer is expected.boolean, f"ASK answered {answer}"
    elif expected.format == "tabular":
        assert media in TABULAR_TYPES, f"not a SPARQL results type: {media!r}"
    elif expected.format == "RDF":
        assert media in RDF_TYPES, f"not RDF/XML, Turtle or N-Triples: {media!r}"
        Graph().parse(data=response.content, format=RDF_TYPES[media])
    else:
        assert expected.format is None, f"unknown mf:expectedFormat {expected.format!r}"


def _replay(client: httpx.Client, request: ProtocolRequest) -> None:
    response = client.request(
        request.method, request.path, headers=list(request.headers), content=request.body
    )
    described = (
        f"{request.method} {request.path} -> {response.status_code} "
        f"{response.headers.get('content-type')}: {response.text[:500]!r}"
    )
    status_class = response.status_code // 100
    allowed = request.expected.status_classes
    assert status_class in allowed, described
    if status_class == 3 and request.expected.format is not None:
        # A redirect is allowed: the answer to check is where it leads.
        assert response.next_request is not None, described
        response = client.send(response.next_request)
        assert response.status_code // 100 == 2, described
    if request.expected.format is not None:
        try:
            _check_format(response, request.expected)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{described}") from exc


@pytest.mark.server
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_w3c_protocol(case: ProtocolCase, protocol_server: RunningServer) -> None:
    with protocol_server.client() as client:
        for request in case.requests:
            _replay(client, request)
