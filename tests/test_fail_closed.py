"""Fail closed: whatever a request says, the engine cannot reach the network, exhaust the
host, crash the server or wipe the data (issue 13).

Each test is one finding of the attack on the first round's service, and fails on that
code. The service runs in this process (the app and its lifespan, over ASGI); its query
and update workers are real, confined processes.
"""

from __future__ import annotations

import contextvars
import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from platform_graph.build.graph import BuildResult
from platform_graph.rdf.sparql_text import Analysis
from platform_graph.store import request_scope
from platform_graph.store.errors import PoolClosed, QueryStopped, ServerBusy, StoreTimeout
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.pool import QueryPool, WorkerLimits
from tests.support.inprocess import ADMIN, BASE, EDITOR, auth, platform_store, service
from tests.support.listener import Listener

ID = "https://w3id.org/platform-graph/id/"
PG = "https://w3id.org/platform-graph/ontology#"
DATA = "https://w3id.org/platform-graph/graph/data"
COMMITMENT = "trygghet-narkotikateam"
SU = {"Content-Type": "application/sparql-update"}
JSON = "application/sparql-results+json"
BOMB = (
    "SELECT ("
    + "REPLACE(" * 9
    + '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'
    + ', "a", "aaaaaaaaaa")' * 9
    + " AS ?x) {}"
)


def _count(client: TestClient) -> int:
    r = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": JSON},
    )
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _update(client: TestClient, text: str, token: str = EDITOR, **params: str) -> httpx2.Response:
    return client.post("/update", content=text, headers={**auth(token), **SU}, params=params)


def _change(client: TestClient, token: str = EDITOR, **body: Any) -> httpx2.Response:
    return client.post("/api/changes", json={"message": "test", **body}, headers=auth(token))


@pytest.fixture(scope="module")
def svc(built: BuildResult) -> Iterator[TestClient]:
    """A service whose data the tests here may change (each says what it changes)."""
    with service(
        platform_store(built),
        query_timeout=5,
        max_result_bytes=100_000,
        query_memory_mb=256,
        editor_max_removals=50,
    ) as client:
        yield client


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    yield running
    running.close()


# --- 1. No network for the engine, even with the text guard off -----------------------


def _no_guard(text: str, **_: Any) -> Analysis:
    """The text guard turned off: only the form, so the endpoint knows what to answer."""
    upper = text.upper()
    form = next((f for f in ("CONSTRUCT", "DESCRIBE", "ASK", "SELECT") if f in upper), "SELECT")
    return Analysis(form=form)


@pytest.fixture
def guardless(built: BuildResult) -> Iterator[TestClient]:
    """A service with the text guard off (for one test only: the patch is global)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("platform_graph.http.sparql.check_query", _no_guard)
        patch.setattr("platform_graph.http.update.analyse", lambda text: Analysis(form="UPDATE"))
        with service(platform_store(built), query_timeout=5, query_memory_mb=256) as client:
            yield client


def test_with_the_guard_off_service_and_load_make_no_connection(
    guardless: TestClient, listener: Listener
) -> None:
    target = f"{listener.url}/sparql"
    queries = [
        f"SELECT * WHERE {{ BIND(1 AS ?a) SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(1 AS ?a) SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{target}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ #x\r SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<http://a/\u00a0'> AS ?x) SERVICE <{target}> {{ }} #'\n}}",
    ]
    for query in queries:
        r = guardless.get("/sparql", params={"query": query}, headers={"Accept": JSON})
        assert r.status_code in (200, 400), (query, r.status_code, r.text)
    for update in (f"LOAD <{target}>", f"LOAD SILENT <{target}> INTO GRAPH <urn:g>"):
        for params in ({}, {"dry_run": "true"}):
            r = _update(guardless, update, **params)
            assert r.status_code in (200, 400), (update, r.status_code, r.text)
    assert listener.connections == 0


def test_a_worker_cannot_open_a_socket_whatever_it_runs(
    memory_store: OxigraphStore, listener: Listener
) -> None:
    pool = QueryPool(lambda: memory_store.dump("application/n-quads"), size=1, timeout=10)
    try:
        answer = pool.run(
            f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}/x> {{ ?s ?p ?o }} }}",
            None,
            JSON,
            None,
        )
        assert json.loads(answer.body)["results"]["bindings"] == [{}]  # SILENT: no rows
    finally:
        pool.close()
    assert listener.connections == 0


# --- 2. One editor request cannot wipe the data ---------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("DROP ALL", "destructive-operation"),
        ("CLEAR ALL", "destructive-operation"),
        ("CLEAR DEFAULT", "destructive-operation"),
        ("DROPALL", "destructive-operation"),
        ("MOVE DEFAULT TO <urn:junk>", "destructive-operation"),
        (f"COPY <urn:empty> TO <{DATA}>", "destructive-operation"),
        ("DELETE WHERE { ?s ?p ?o }", "too-many-removals"),
        ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", "protected-graph"),
        (
            "DELETE { GRAPH <https://w3id.org/platform-graph/graph/themes> { ?s ?p ?o } } "
            "WHERE { GRAPH <https://w3id.org/platform-graph/graph/themes> { ?s ?p ?o } } ",
            "protected-graph",
        ),
    ],
)
def test_an_editor_cannot_wipe_graphs_by_update(svc: TestClient, text: str, rule: str) -> None:
    before = _count(svc)
    for params in ({}, {"dry_run": "true"}):
        r = _update(svc, text, **params)
        assert r.status_code == 403, r.text
        problem = r.json()
        assert problem["rule"] == rule
        assert problem["errors"][0]["message"]["sv"]
        assert problem["errors"][0]["message"]["en"]
    assert _count(svc) == before


def test_an_editor_cannot_wipe_graphs_through_the_graph_store(svc: TestClient) -> None:
    before = _count(svc)
    r = svc.delete("/rdf-graphs/service", params={"default": ""}, headers=auth(EDITOR))
    assert r.status_code == 403
    assert r.json()["rule"] == "too-many-removals"
    one = "<urn:a> <urn:b> <urn:c> ."
    r = svc.put(
        "/rdf-graphs/service",
        params={"default": ""},
        content=one,
        headers={**auth(EDITOR), "Content-Type": "text/turtle"},
    )
    assert r.status_code == 403
    r = svc.put(
        "/rdf-graphs/service",
        params={"graph": "https://w3id.org/platform-graph/graph/ontology"},
        content=one,
        headers={**auth(EDITOR), "Content-Type": "text/turtle"},
    )
    assert r.status_code == 403
    assert r.json()["rule"] == "protected-graph"
    assert _count(svc) == before
    assert svc.get("/").status_code == 200


def test_an_admin_may_do_what_an_editor_may_not(svc: TestClient) -> None:
    graph = "urn:x-test:scratch"
    r = _update(svc, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert r.status_code == 201, r.text
    assert _update(svc, f"DROP GRAPH <{graph}>").status_code == 403
    r = _update(svc, f"DROP GRAPH <{graph}>", ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["removed"] == 1


def test_a_commitment_that_loses_its_type_is_caught(svc: TestClient) -> None:
    c = f"<{ID}commitment/{COMMITMENT}>"
    strength = svc.get(
        "/sparql",
        params={"query": f"SELECT ?s WHERE {{ {c} <{PG}strength> ?s }}"},
        headers={"Accept": JSON},
    ).json()["results"]["bindings"][0]["s"]["value"]
    pledge = svc.get(
        "/sparql", params={"query": f"ASK {{ {c} a <{PG}Pledge> }}"}, headers={"Accept": JSON}
    ).json()["boolean"]
    # A pledge is a commitment too (pg:Pledge is a subclass): the types go together.
    types = f"<{PG}Commitment>" + (f", <{PG}Pledge>" if pledge else "")
    remove = f"{c} a {types} ; <{PG}strength> <{strength}> ."
    r = _change(svc, remove=remove)
    assert r.status_code == 422, r.text
    shapes = {res["shape"] for res in r.json()["validation"]["results"]}
    assert any(shape and shape.endswith("CommitmentByProperty") for shape in shapes), shapes
    r = _change(svc, remove=f"{c} a {types} .", add=f"{c} <{PG}strength> <urn:bogus> .")
    assert r.status_code == 422


# --- 3. and 4. No request crashes the server or exhausts the host ----------------------


def test_a_memory_bomb_stops_its_worker_only(memory_store: OxigraphStore) -> None:
    limits = WorkerLimits(memory_bytes=128 * 2**20)
    pool = QueryPool(
        lambda: memory_store.dump("application/n-quads"), size=1, max_size=2, limits=limits
    )
    try:
        with pytest.raises(QueryStopped, match="memory"):
            pool.run(BOMB, None, JSON, None)
        answer = pool.run("ASK { ?s ?p ?o }", None, JSON, None)
        assert json.loads(answer.body)["boolean"] is True
    finally:
        pool.close()


def test_bombs_in_queries_and_updates_leave_the_server_serving(guardless: TestClient) -> None:
    r = guardless.get("/sparql", params={"query": BOMB}, headers={"Accept": JSON})
    assert r.status_code == 503
    assert r.json()["title"] == "Query stopped"
    deep_or = "INSERT { <urn:a> <urn:b> ?v } WHERE { BIND((" + "||".join(["true"] * 12000)
    r = _update(guardless, deep_or + ") AS ?v) }", dry_run="true")
    assert r.status_code in (400, 503), r.text
    cross = "INSERT { ?s <urn:p> ?c } WHERE { ?s ?p ?o . ?a ?b ?c }"
    r = _update(guardless, cross, dry_run="true")
    assert r.status_code in (413, 503), r.text
    assert guardless.get("/api/stats").status_code == 200
    assert guardless.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_the_text_guard_refuses_deep_and_long_requests(svc: TestClient) -> None:
    deep = "SELECT * WHERE { " + "[ <urn:p> " * 300 + "1" + " ]" * 300 + " }"
    long_or = "ASK { FILTER(" + "||".join(["true"] * 3000) + ") }"
    for query in (deep, long_or):
        r = svc.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400
    r = _update(svc, "INSERT { <urn:a> <urn:b> ?v } WHERE { BIND(" + "||".join(["true"] * 3000))
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("media", "body"),
    [
        (
            "application/ld+json",
            '{"@id":"urn:x","urn:p":' + '{"urn:p":' * 10000 + "1" + "}" * 10001,
        ),
        (
            "application/rdf+xml",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:e#">'
            + "<rdf:Description><e:p>" * 500
            + "</e:p></rdf:Description>" * 500
            + "</rdf:RDF>",
        ),
    ],
)
def test_deeply_nested_rdf_is_refused_before_parsing(
    svc: TestClient, media: str, body: str
) -> None:
    r = svc.put(
        "/rdf-graphs/service",
        params={"graph": "urn:x-test:deep"},
        content=body,
        headers={**auth(EDITOR), "Content-Type": media},
    )
    assert r.status_code == 400
    assert "nested" in r.json()["detail"]
    r = svc.post(
        "/api/changes",
        json={"message": "deep", "add": body, "format": media},
        headers=auth(EDITOR),
    )
    assert r.status_code == 400
    assert svc.get("/api/stats").status_code == 200


def test_a_huge_answer_is_cut_cleanly_and_says_so(svc: TestClient) -> None:
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    for media in (JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        r = svc.get("/sparql", params={"query": query}, headers={"Accept": media})
        assert r.status_code == 200
        assert len(r.content) <= 100_000
        assert "X-Result-Truncated" in r.headers
        if media == JSON:
            assert len(r.json()["results"]["bindings"]) > 100
    r = svc.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/n-triples"},
    )
    assert len(r.content) <= 100_000
    assert "X-Result-Truncated" in r.headers


# --- 5. Fair sharing, and one time limit ------------------------------------------------

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _as(client: str, timeout: float, call: Any) -> Any:
    """``call()`` as a request of ``client`` with ``timeout`` seconds, in a context of its
    own (the scope must not outlive the call, as it does not outlive a request)."""

    def scoped() -> Any:
        request_scope.enter(client, timeout)
        return call()

    return contextvars.copy_context().run(scoped)


def test_a_light_query_is_served_while_heavy_ones_run(memory_store: OxigraphStore) -> None:
    pool = QueryPool(
        lambda: memory_store.dump("application/n-quads"), size=3, max_size=3, timeout=6
    )
    outcomes: list[str] = []

    def heavy() -> None:
        try:
            _as("heavy", 6, lambda: pool.query(SLOW))
            outcomes.append("answered")
        except StoreTimeout:
            outcomes.append("timeout")
        except ServerBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=heavy) for _ in range(3)]
    try:
        for t in threads:
            t.start()
            time.sleep(0.1)
        time.sleep(1.0)  # all three have turned slow, or been stopped for it
        started = time.monotonic()
        assert _as("light", 6, lambda: pool.query("ASK { ?s ?p ?o }")).value
        assert time.monotonic() - started < 3.0
        for t in threads:
            t.join(20)
        # Slow queries may hold two of the three workers: the third was stopped.
        assert outcomes.count("busy") == 1, outcomes
    finally:
        pool.close()


def test_one_time_limit_covers_waiting_and_running(memory_store: OxigraphStore) -> None:
    pool = QueryPool(
        lambda: memory_store.dump("application/n-quads"), size=1, max_size=1, timeout=30
    )
    try:
        with pool._cond:
            held = pool._idle.pop()  # the only worker, busy with another request
        started = time.monotonic()
        with pytest.raises(StoreTimeout):
            _as("waiting", 1.5, lambda: pool.query("ASK {}"))
        assert time.monotonic() - started < 3.0  # the request's limit, not the pool's 30 s
        with pool._cond:
            pool._idle.append(held)
            pool._cond.notify_all()
    finally:
        pool.close()
    with pytest.raises(PoolClosed):
        pool.query("ASK {}")


def test_a_service_shutting_down_answers_503(built: BuildResult) -> None:
    with service(platform_store(built)) as client:
        pool = client.app.state.platform.pool  # type: ignore[attr-defined]
        pool.close()
        r = client.get("/sparql", params={"query": "ASK {}"})
        assert r.status_code == 503
        assert "Retry-After" in r.headers


# --- 6. Reverts that a later change blocks, and restore ---------------------------------


def _title_en(client: TestClient) -> str:
    r = client.get(f"/api/commitments/{COMMITMENT}")
    return str(r.json()["title"]["en"])


def test_a_blocked_revert_names_the_change_and_restore_undoes_all(svc: TestClient) -> None:
    c = f"<{ID}commitment/{COMMITMENT}>"
    original = _title_en(svc)
    title = "<http://purl.org/dc/terms/title>"
    ids = []
    for old, new in ((original, "First"), ("First", "Second")):
        r = _change(svc, remove=f'{c} {title} "{old}"@en .', add=f'{c} {title} "{new}"@en .')
        assert r.status_code == 201, r.text
        ids.append(r.json()["change"]["id"])
    r = svc.post(f"/api/changes/{ids[0]}/revert", headers=auth(ADMIN))
    assert r.status_code == 409
    assert [b["id"] for b in r.json()["blocked_by"]] == [ids[1]]
    assert _title_en(svc) == "Second"
    assert svc.post(f"/api/changes/{ids[0]}/restore", headers=auth(EDITOR)).status_code == 403
    r = svc.post(f"/api/changes/{ids[0]}/restore", headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    assert _title_en(svc) == original
    record = svc.get(f"/api/changes/{r.json()['change']['id']}").json()
    assert record["reverts"] == f"{ID}change/{ids[0]}"


# --- 7. Data never turns into script on a page ---------------------------------------


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.hrefs: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and "src" not in a and a.get("type") != "application/json":
            self._in_inline = True
            self.inline.append("")
        if "href" in a and a["href"] is not None:
            self.hrefs.append(a["href"])
        for name, value in attrs:
            if name.startswith("on"):
                self.inline.append(f"{name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self._in_inline = False


def test_only_http_iris_become_links(svc: TestClient) -> None:
    c = f"<{ID}commitment/{COMMITMENT}>"
    bad = ["javascript:alert(document.domain)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x"]
    add = " ".join(f"{c} <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{b}> ." for b in bad)
    assert _change(svc, add=add).status_code == 201
    r = svc.get(f"/id/commitment/{COMMITMENT}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    page = _Scripts()
    page.feed(r.text)
    assert not [h for h in page.hrefs if not h.startswith(("/", "#", "http://", "https://"))]
    assert "javascript:alert(document.domain)" in r.text  # shown, as text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/platform",
        "/search?q=trygghet",
        "/browse/commitments",
        "/sparql",
        f"/id/commitment/{COMMITMENT}",
        "/id/area/vivalla",
        "/docs",
    ],
)
def test_pages_run_no_inline_script_and_say_so(svc: TestClient, path: str) -> None:
    r = svc.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    page = _Scripts()
    page.feed(r.text)
    assert page.inline == []
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]


# --- 9. The rest of the list ----------------------------------------------------------


def test_spreadsheet_cells_never_hold_a_live_formula(svc: TestClient) -> None:
    c = f"<{ID}commitment/{COMMITMENT}>"
    formula = '=HYPERLINK("http://evil.example/","klicka")'
    current = _title_en(svc)
    title = "<http://purl.org/dc/terms/title>"
    r = _change(
        svc,
        remove=f'{c} {title} "{current}"@en .',
        add=f"{c} {title} {json.dumps(formula)}@en .",
    )
    assert r.status_code == 201, r.text
    query = f"SELECT ?t WHERE {{ {c} {title} ?t FILTER(LANG(?t) = 'en') }}"
    r = svc.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert r.text.splitlines()[1].startswith("\"'=HYPERLINK")
    r = svc.get("/api/commitments", params={"format": "csv", "limit": 500})
    rows = list(csv.reader(io.StringIO(r.text)))
    cells = [cell for row in rows for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
    r = svc.get("/sparql", params={"query": "SELECT (-1 AS ?n) {}"}, headers={"Accept": "text/csv"})
    assert r.text.splitlines()[1] == "-1"  # numbers stay numbers


def test_a_conditional_read_is_never_answered_before_authorization(svc: TestClient) -> None:
    etag = svc.get("/api/stats").headers["ETag"]
    for value in (etag, "*"):
        r = svc.get("/api/tokens", headers={"If-None-Match": value})
        assert r.status_code == 401
    r = svc.get("/api/tokens", headers={**auth(ADMIN), "If-None-Match": etag})
    assert r.status_code == 200
    assert "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
    assert svc.get("/api/stats", headers={"If-None-Match": etag}).status_code == 304


def test_assessments_come_a_page_at_a_time(svc: TestClient) -> None:
    for day in ("2023-01-10", "2023-02-10", "2023-03-10"):
        r = svc.post(
            f"/api/commitments/{COMMITMENT}/assessments",
            json={
                "status": "in-progress",
                "date": day,
                "assessor": "Anna Öberg",
                "evidence": ["https://www.orebro.se/"],
            },
            headers=auth(EDITOR),
        )
        assert r.status_code == 201, r.text
    page = svc.get(f"/api/commitments/{COMMITMENT}/assessments", params={"limit": 2}).json()
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    rest = svc.get(
        f"/api/commitments/{COMMITMENT}/assessments", params={"limit": 2, "offset": 2}
    ).json()
    assert {i["id"] for i in page["items"]}.isdisjoint({i["id"] for i in rest["items"]})


def test_links_come_from_the_configured_base_not_the_host_header(svc: TestClient) -> None:
    evil = {"Host": "evil.example"}
    r = svc.get("/sparql", headers={**evil, "Accept": "text/turtle"})
    assert f"{BASE}/sparql" in r.text
    assert "evil.example" not in r.text
    r = svc.get("/api/commitments", params={"limit": 5}, headers=evil)
    assert "evil.example" not in r.headers["Link"]
    assert r.headers["Link"].startswith(f"<{BASE}/api/commitments")
    r = svc.post(
        "/rdf-graphs/service",
        content="<urn:a> <urn:b> <urn:c> .",
        headers={**evil, **auth(EDITOR), "Content-Type": "text/turtle"},
    )
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith(f"{BASE}/rdf-graphs/")
    assert "evil.example" not in svc.get("/data/void.ttl", headers=evil).text


def test_token_holders_and_assessors_have_separate_namespaces(svc: TestClient) -> None:
    r = svc.post(
        f"/api/commitments/{COMMITMENT}/assessments",
        json={
            "status": "in-progress",
            "date": "2024-01-01",
            "assessor": "editor",
            "evidence": ["https://www.orebro.se/"],
        },
        headers=auth(EDITOR),
    )
    assert r.status_code == 201, r.text
    query = (
        "SELECT ?who ?by WHERE { GRAPH ?g { ?a <http://www.w3.org/ns/prov#wasAttributedTo> ?by } "
        f"GRAPH <https://w3id.org/platform-graph/graph/changes> {{ <{r.json()['change']['iri']}> "
        "<http://www.w3.org/ns/prov#wasAssociatedWith> ?who } }"
    )
    rows = svc.get("/sparql", params={"query": query}, headers={"Accept": JSON}).json()
    found = {(b["who"]["value"], b["by"]["value"]) for b in rows["results"]["bindings"]}
    assert (f"{ID}account/editor", f"{ID}assessor/editor") in found


def test_twenty_assessments_at_once_are_all_accepted(svc: TestClient) -> None:
    statuses = ["in-progress", "partially-fulfilled", "fulfilled", "stalled"]
    codes: list[int] = []
    where: list[str] = []

    def post(i: int) -> None:
        r = svc.post(
            f"/api/commitments/{COMMITMENT}/assessments",
            json={
                "status": statuses[i % 4],
                "date": f"2025-05-{i + 1:02d}",
                "assessor": f"Bedömare {i}",
                "evidence": ["https://www.orebro.se/"],
            },
            headers=auth(EDITOR),
        )
        codes.append(r.status_code)
        where.append(r.headers.get("Content-Location", ""))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert codes == [201] * 20
    assert len(set(where)) == 20
    # The latest by date (2025-05-20, i = 19) sets the status.
    assert svc.get(f"/api/commitments/{COMMITMENT}").json()["status"] == statuses[19 % 4]


def test_the_token_file_is_written_under_a_lock(tmp_path: Any) -> None:
    from concurrent.futures import ProcessPoolExecutor

    path = tmp_path / "tokens.json"
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_issue_tokens, [(str(path), "a"), (str(path), "b")]))
    names = {t["name"] for t in json.loads(path.read_text())["tokens"]}
    assert names == {f"{p}{i}" for p in "ab" for i in range(15)}


def _issue_tokens(args: tuple[str, str]) -> None:
    from pathlib import Path

    from platform_graph.write.tokens import TokenRegistry

    path, prefix = args
    registry = TokenRegistry(Path(path))
    for i in range(15):
        registry.issue(f"{prefix}{i}", "editor")


def test_a_remote_store_that_drops_the_connection_is_unavailable_not_an_error() -> None:
    from platform_graph.store import StoreUnavailable
    from platform_graph.store.remote import RemoteSettings, RemoteStore

    silent = Listener(b"")  # accepts, reads, closes without an answer: a crashed server
    try:
        store = RemoteStore(RemoteSettings(query_url=f"{silent.url}/sparql", timeout=5))
        with pytest.raises(StoreUnavailable, match="closed the connection"):
            store.query("ASK {}")
    finally:
        silent.close()
