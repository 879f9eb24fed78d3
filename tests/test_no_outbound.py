"""The server makes no request on anyone's behalf: no SSRF through any way in.

A plain TCP listener on 127.0.0.1 counts the connections it receives (and a second one
answers every connection with a redirect to the first). Then every way a request could
make the server fetch something names one of them: SERVICE, LOAD, FROM / FROM NAMED,
default-graph-uri / named-graph-uri, USING through the protocol's using-graph-uri,
remote JSON-LD contexts, XML external entities, in queries, updates, change sets,
assessments and the Graph Store Protocol; and IRIs of private and loopback addresses.
Each must be refused (4xx) or answered without fetching (2xx), and no listener may see
a connection. Last, a server started with PLATFORM_GRAPH_ALLOW_SERVICE=true does reach
the listener through SERVICE: the switch works (loopback only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from platform_graph.write.tokens import hash_token
from tests.support.listener import Listener
from tests.support.server import BACKEND, RunningServer, start_server

EDITOR = "pgt_no-outbound-editor-0123456789abcdefghijklmnop"
ID = "https://w3id.org/platform-graph/id/"
COMMITMENT = "trygghet-narkotikateam"
RESULTS = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}
).encode("utf-8")


RESULTS_XML = (
    b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="x"/></head><results><result><binding name="x">'
    b"<literal>1</literal></binding></result></results></sparql>"
)


def _http(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("ascii") + body


@dataclass
class Net:
    server: RunningServer
    target: Listener
    redirector: Listener
    work: Path
    sent: int = 0

    def total(self) -> int:
        return self.target.connections + self.redirector.connections


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    work = tmp_path_factory.mktemp("no-outbound")
    target = Listener(_http("200 OK", {"Content-Type": "application/sparql-results+json"}, RESULTS))
    redirector = Listener(_http("302 Found", {"Location": f"{target.url}/redirected"}))
    server = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
            "PLATFORM_GRAPH_QUERY_TIMEOUT": "10",
        },
    )
    try:
        yield Net(server, target, redirector, work)
    finally:
        server.stop()
        target.close()
        redirector.close()


@dataclass(frozen=True)
class Way:
    """A request that names the listener; ``refused``: it must get a 4xx, else a 2xx."""

    id: str
    method: str
    path: str
    refused: bool = True
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    json: Any = None
    editor: bool = False


SQ = {"Content-Type": "application/sparql-query"}
SU = {"Content-Type": "application/sparql-update"}
DRY = {"dry_run": "true"}
# {L}: the counting listener; {R}: the one that redirects to it; {P}: the counting port.
HIDDEN = "PREFIX ex: <http://example.org/>\n"


def _xml(doctype: str) -> str:
    return (
        f'<?xml version="1.0"?>{doctype}<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="urn:x"><rdf:value>&e;</rdf:value>'
        "</rdf:Description></rdf:RDF>"
    )


WAYS = [
    # -- /sparql ---------------------------------------------------------------------------
    Way(
        "sparql-service",
        "GET",
        "/sparql",
        params={"query": "SELECT * WHERE { SERVICE <{L}/sparql> { ?s ?p ?o } }"},
    ),
    Way(
        "sparql-service-silent-form",
        "POST",
        "/sparql",
        params={},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content="query=" + "SELECT%20*%20WHERE%20%7B%20SERVICE%20SILENT%20%3C{L}%2Fsparql%3E"
        "%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D",
    ),
    Way(
        "sparql-service-direct",
        "POST",
        "/sparql",
        headers=SQ,
        content="SELECT * WHERE { BIND(1 AS ?x) SERVICE <{L}/sparql> { ?s ?p ?o } }",
    ),
    Way(
        "sparql-service-by-variable",
        "GET",
        "/sparql",
        params={"query": "SELECT * WHERE { VALUES ?e { <{L}/sparql> } SERVICE ?e { ?s ?p ?o } }"},
    ),
    Way(
        "sparql-service-through-a-redirect",
        "GET",
        "/sparql",
        params={"query": "SELECT * WHERE { BIND(1 AS ?x) SERVICE <{R}/sparql> { ?s ?p ?o } }"},
    ),
    Way(
        "sparql-service-hidden-by-an-escaped-quote",
        "POST",
        "/sparql",
        headers=SQ,
        content=HIDDEN + "SELECT * WHERE { BIND(ex:a\\' AS ?x) "
        "SERVICE <{L}/sparql> { ?s ?p ?o } # '\n}",
    ),
    # The bypass classes of issue 13: what the first lexer read differently from the engine.
    Way(
        "sparql-service-after-a-comment-ended-by-cr",
        "POST",
        "/sparql",
        headers=SQ,
        content="SELECT * WHERE { BIND(1 AS ?a) #x\r SERVICE <{L}/sparql> { ?s ?p ?o } }",
    ),
    *[
        Way(
            f"sparql-service-after-an-iri-with-{name}",
            "POST",
            "/sparql",
            headers=SQ,
            content="SELECT * WHERE { BIND(<http://a/" + space + "'> AS ?x) "
            "SERVICE <{L}/sparql> { ?s ?p ?o } #'\n}",
        )
        for name, space in (
            ("nbsp", "\u00a0"),
            ("line-separator", "\u2028"),
            ("ideographic-space", "\u3000"),
            ("escaped-nbsp", "\\u00A0"),
        )
    ],
    Way(
        "sparql-service-glued-to-a-prefixed-name",
        "POST",
        "/sparql",
        headers=SQ,
        content="PREFIX ex: <{L}/> SELECT * WHERE { BIND(1 AS ?a) SERVICEex:sparql { ?s ?p ?o } }",
    ),
    Way(
        "sparql-service-read-out-of-a-prefix-name",
        "POST",
        "/sparql",
        headers=SQ,
        content="PREFIX s: <{L}/> SELECT * WHERE { BIND(1 AS ?a) services:parql { ?s ?p ?o } }",
    ),
    Way(
        "sparql-service-after-a-prefixed-name-with-dots",
        "POST",
        "/sparql",
        headers=SQ,
        content="PREFIX ex: <http://x/> SELECT * WHERE { BIND(1 AS ?a) BIND(ex:a.b.SERVICE "
        "<{L}/sparql> { ?s ?p ?o } }",
    ),
    Way(
        "update-load-glued",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="INSERT DATA { <urn:a> <urn:b> <urn:c> } ; LOAD<{L}/data.ttl>",
    ),
    Way(
        "update-load-after-a-comment-ended-by-cr",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="INSERT DATA { <urn:a> <urn:b> <urn:c> } ; #x\r LOAD <{L}/data.ttl>",
    ),
    Way("sparql-load", "GET", "/sparql", params={"query": "LOAD <{L}/data.ttl>"}),
    Way(
        "sparql-from",
        "GET",
        "/sparql",
        params={"query": "SELECT * FROM <{L}/g> WHERE { ?s ?p ?o }"},
    ),
    Way(
        "sparql-from-named",
        "GET",
        "/sparql",
        params={"query": "SELECT * FROM NAMED <{L}/g> WHERE { GRAPH ?g { ?s ?p ?o } }"},
    ),
    Way(
        "sparql-from-prefixed-name",
        "GET",
        "/sparql",
        params={"query": "PREFIX r: <{L}/> SELECT * FROM r:g WHERE { ?s ?p ?o }"},
    ),
    Way(
        "sparql-from-through-a-redirect",
        "GET",
        "/sparql",
        params={"query": "SELECT * FROM <{R}/g> WHERE { ?s ?p ?o }"},
    ),
    Way(
        "sparql-default-graph-uri",
        "GET",
        "/sparql",
        refused=False,
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": "{L}/g"},
    ),
    Way(
        "sparql-named-graph-uri",
        "GET",
        "/sparql",
        refused=False,
        params={
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
            "named-graph-uri": "{R}/g",
        },
    ),
    Way(
        "sparql-protocol-dataset-with-from",
        "GET",
        "/sparql",
        refused=False,
        params={
            "query": "SELECT * FROM <{L}/f> WHERE { ?s ?p ?o } LIMIT 1",
            "named-graph-uri": "{L}/n",
        },
    ),
    Way(
        "sparql-describe-a-remote-iri",
        "GET",
        "/sparql",
        refused=False,
        params={"query": "DESCRIBE <{L}/thing>"},
    ),
    # -- /update ---------------------------------------------------------------------------
    Way(
        "update-load",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="LOAD <{L}/data.ttl>",
    ),
    # LOAD SILENT reaches the engine, whose worker cannot fetch: a silent no-op (2xx).
    Way(
        "update-load-silent-into-graph",
        "POST",
        "/update",
        refused=False,
        editor=True,
        headers=SU,
        params=DRY,
        content="LOAD SILENT <{L}/data.ttl> INTO GRAPH <urn:g>",
    ),
    Way(
        "update-load-through-a-redirect",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="LOAD <{R}/data.ttl>",
    ),
    Way(
        "update-service",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="INSERT { <urn:a> <urn:b> ?o } WHERE { SERVICE <{L}/sparql> { ?s ?p ?o } }",
    ),
    Way(
        "update-load-hidden-by-an-escaped-quote",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content=HIDDEN + "INSERT DATA { <urn:a> <urn:b> ex:a\\' } ; LOAD <{L}/data.ttl> # '\n",
    ),
    Way(
        "update-service-hidden-by-an-escaped-quote",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content=HIDDEN + "INSERT { ?s ?p ex:a\\' . } WHERE "
        "{ SERVICE <{L}/sparql> { ?s ?p ?o } } # '\n",
    ),
    Way(
        "update-load-injected-through-using-graph-uri",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        content="DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }",
        params={
            **DRY,
            "using-graph-uri": "urn:a> WHERE {} ; LOAD <{L}/data.ttl> ; "
            "DELETE { ?s ?p ?o } USING <urn:b",
        },
    ),
    Way(
        "update-service-injected-through-using-named-graph-uri",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        content="DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }",
        params={
            **DRY,
            "using-named-graph-uri": "urn:a> WHERE { SERVICE <{L}/sparql> "
            "{ ?s ?p ?o } } ; DELETE { ?s ?p ?o } USING NAMED <urn:b",
        },
    ),
    Way(
        "update-using-graph-uri-remote",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        refused=False,
        content="DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }",
        params={**DRY, "using-graph-uri": "{L}/g"},
    ),
    # -- change sets, assessments and the Graph Store Protocol ----------------------------
    Way(
        "changes-jsonld-remote-context",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={"message": "m", "add": {"@context": "{L}/ctx.jsonld", "@id": "urn:a", "b": "c"}},
    ),
    Way(
        "changes-jsonld-remote-context-as-text",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={
            "message": "m",
            "format": "application/ld+json",
            "add": '{"@context": "{L}/ctx.jsonld", "@id": "urn:a", "b": "c"}',
        },
    ),
    Way(
        "changes-jsonld-remote-context-in-a-list",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={
            "message": "m",
            "add": {"@context": [{"@vocab": "urn:v#"}, "{L}/ctx.jsonld"], "@id": "urn:a"},
        },
    ),
    Way(
        "changes-jsonld-import",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={
            "message": "m",
            "add": {"@context": {"@version": 1.1, "@import": "{L}/ctx.jsonld"}, "@id": "urn:a"},
        },
    ),
    Way(
        "changes-jsonld-remote-context-through-a-redirect",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={"message": "m", "add": {"@context": "{R}/ctx.jsonld", "@id": "urn:a"}},
    ),
    Way(
        "changes-rdfxml-external-entity",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={
            "message": "m",
            "format": "application/rdf+xml",
            "add": _xml('<!DOCTYPE r [<!ENTITY e SYSTEM "{L}/entity">]>'),
        },
    ),
    Way(
        "changes-rdfxml-external-dtd",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={
            "message": "m",
            "format": "application/rdf+xml",
            "add": _xml('<!DOCTYPE r SYSTEM "{L}/doc.dtd">'),
        },
    ),
    Way(
        "changes-turtle-naming-the-listener",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        refused=False,
        json={"message": "m", "add": "@prefix r: <{L}/> . r:a r:b r:c .", "graph": "{L}/g"},
    ),
    Way(
        "assessment-with-evidence-at-the-listener",
        "POST",
        f"/api/commitments/{COMMITMENT}/assessments",
        editor=True,
        params=DRY,
        refused=False,
        json={
            "status": "in-progress",
            "date": "2025-03-01",
            "assessor": "{L}/me",
            "evidence": ["{L}/evidence", "{R}/evidence"],
        },
    ),
    Way(
        "graph-store-jsonld-remote-context",
        "PUT",
        "/rdf-graphs/service",
        editor=True,
        params={"graph": "urn:no-outbound:g", **DRY},
        headers={"Content-Type": "application/ld+json"},
        content='{"@context": "{L}/ctx.jsonld", "@id": "urn:a", "b": "c"}',
    ),
    Way(
        "graph-store-rdfxml-external-entity",
        "PUT",
        "/rdf-graphs/service",
        editor=True,
        params={"graph": "urn:no-outbound:g", **DRY},
        headers={"Content-Type": "application/rdf+xml"},
        content=_xml('<!DOCTYPE r [<!ENTITY e SYSTEM "{L}/entity">]>'),
    ),
    # A graph named by a remote IRI is looked up in the store only: 404, nothing fetched.
    Way(
        "graph-store-graph-at-the-listener", "GET", "/rdf-graphs/service", params={"graph": "{L}/g"}
    ),
    # -- private and loopback addresses: refused before any network ------------------------
    *(
        Way(
            f"sparql-service-{name}",
            "GET",
            "/sparql",
            params={"query": f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"},
        )
        for name, iri in (
            ("localhost", "http://localhost:{P}/sparql"),
            ("ipv6-loopback", "http://[::1]:{P}/sparql"),
            ("ipv4-mapped-ipv6", "http://[::ffff:127.0.0.1]:{P}/sparql"),
            ("unspecified-address", "http://0.0.0.0:{P}/sparql"),
            ("decimal-address", "http://2130706433:{P}/sparql"),
            ("short-address", "http://127.1:{P}/sparql"),
            ("cloud-metadata", "http://169.254.169.254/latest/meta-data/"),
            ("private-10", "http://10.0.0.1/sparql"),
            ("private-192-168", "http://192.168.1.1/sparql"),
            ("file", "file:///etc/passwd"),
        )
    ),
    Way(
        "update-load-private-172-16",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="LOAD <http://172.16.0.1/data.ttl>",
    ),
    Way(
        "update-load-localhost",
        "POST",
        "/update",
        editor=True,
        headers=SU,
        params=DRY,
        content="LOAD <http://localhost:{P}/data.ttl>",
    ),
    Way(
        "sparql-from-cloud-metadata",
        "GET",
        "/sparql",
        params={
            "query": "SELECT * FROM <http://metadata.google.internal/computeMetadata/v1/> "
            "WHERE { ?s ?p ?o }"
        },
    ),
    Way(
        "changes-jsonld-context-at-localhost",
        "POST",
        "/api/changes",
        editor=True,
        params=DRY,
        json={"message": "m", "add": {"@context": "http://localhost:{P}/ctx", "@id": "urn:a"}},
    ),
]


def _fill(value: Any, net: Net) -> Any:
    if isinstance(value, str):
        return (
            value.replace("{L}", net.target.url)
            .replace("{R}", net.redirector.url)
            .replace("{P}", str(net.target.port))
        )
    if isinstance(value, list):
        return [_fill(v, net) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, net) for k, v in value.items()}
    return value


def _send(net: Net, server: RunningServer, way: Way) -> httpx.Response:
    headers = _fill(dict(way.headers), net)
    if way.editor:
        headers["Authorization"] = f"Bearer {EDITOR}"
    net.sent += 1
    with httpx.Client(base_url=server.url, timeout=60) as client:
        return client.request(
            way.method,
            way.path,
            params=_fill(way.params, net) or None,
            headers=headers,
            content=None if way.content is None else _fill(way.content, net),
            json=None if way.json is None else _fill(way.json, net),
        )


@pytest.mark.server
@pytest.mark.parametrize("way", WAYS, ids=[w.id for w in WAYS])
def test_no_way_in_makes_the_server_fetch(net: Net, way: Way) -> None:
    before = (net.target.connections, net.redirector.connections)
    response = _send(net, net.server, way)
    after = (net.target.connections, net.redirector.connections)
    assert after == before, (
        f"{way.id}: the server connected to the listener "
        f"({after[0] - before[0]} direct, {after[1] - before[1]} to the redirector); "
        f"it asked: {net.target.requests[-1:]!r}; answer {response.status_code}: "
        f"{response.text[:300]}"
    )
    assert response.status_code < 500, f"{way.id}: {response.status_code}: {response.text[:300]}"
    assert "Traceback" not in response.text
    if way.refused:
        assert 400 <= response.status_code < 500, (
            f"{way.id}: expected a refusal, got {response.status_code}: {response.text[:300]}"
        )
        assert response.json()["detail"]
    else:
        assert 200 <= response.status_code < 300, (
            f"{way.id}: expected an answer, got {response.status_code}: {response.text[:300]}"
        )


@pytest.mark.server
def test_the_listeners_saw_no_connection_at_all(net: Net) -> None:
    if net.sent < len(WAYS):  # run on its own: send every way first
        for way in WAYS:
            _send(net, net.server, way)
    assert net.total() == 0, f"{net.total()} connection(s): {net.target.requests!r}"


@pytest.mark.server
def test_an_operator_can_allow_service_and_then_it_is_attempted(net: Net) -> None:
    """PLATFORM_GRAPH_ALLOW_SERVICE=true: SERVICE reaches the listener (loopback only).

    LOAD stays refused and FROM still names only the store's graphs.
    """
    # SPARQL XML: what every engine's SERVICE client reads (Virtuoso 7.2 reads no JSON).
    listener = Listener(
        _http("200 OK", {"Content-Type": "application/sparql-results+xml"}, RESULTS_XML)
    )
    allowed = start_server(
        net.work,  # the same build as the first server: no second build
        store=net.work / "store-allow-service",
        env={
            "PLATFORM_GRAPH_ALLOW_SERVICE": "true",
            "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(net.work / "tokens-allow.json"),
            "PLATFORM_GRAPH_QUERY_TIMEOUT": "10",
        },
    )
    try:
        with httpx.Client(base_url=allowed.url, timeout=60) as client:
            load = client.post(
                "/update",
                content=f"LOAD <{listener.url}/data.ttl>",
                params=DRY,
                headers={**SU, "Authorization": f"Bearer {EDITOR}"},
            )
            assert load.status_code == 400, load.text
            from_ = client.get(
                "/sparql", params={"query": f"SELECT * FROM <{listener.url}/g> WHERE {{}}"}
            )
            assert from_.status_code == 400, from_.text
            assert listener.connections == 0
            query = f"SELECT ?x WHERE {{ SERVICE <{listener.url}/sparql> {{ ?x ?p ?o }} }}"
            answer = client.get(
                "/sparql",
                params={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
        assert listener.connections >= 1, (answer.status_code, answer.text[:300])
        assert listener.requests[0].split(b" ")[1].startswith(b"/sparql")
        assert answer.status_code == 200, answer.text[:300]
        bindings = json.loads(answer.text)["results"]["bindings"]
        if BACKEND == "virtuoso":
            # Virtuoso makes the call itself, with its own rewrite of the query (its own
            # variable names), so the canned answer binds nothing it asked for.
            assert len(bindings) == 1
        else:
            assert bindings == [{"x": {"type": "literal", "value": "1"}}]
    finally:
        allowed.stop()
        listener.close()
