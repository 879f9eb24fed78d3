"""CORS for the reads (issue 17): any origin by default, an allow-list setting, preflight
answered; never for writes or the cookie pages. In process for the headers, and from a
page on another origin in Debian's Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from platform_graph.http.cors import parse_origins
from platform_graph.store.oxigraph import OxigraphStore
from tests.support.inprocess import EDITOR, Client, auth, service
from tests.support.server import RunningServer

CHROMIUM = Path("/usr/bin/chromium")
OTHER = "https://notebook.example"


def preflight(client: Client, path: str, method: str, origin: str = OTHER, **headers: str) -> Any:
    return client.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, **headers},
    )


def test_reads_answer_any_origin(http: Client) -> None:
    for path in (
        "/sparql?query=ASK%7B%7D",
        "/api/commitments?limit=1",
        "/id/actor/polisen",
        "/data/void.ttl",
        "/ontology",
    ):
        r = http.get(path, headers={"Origin": OTHER, "Accept": "text/turtle, */*"})
        assert r.status_code == 200, path
        assert r.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in r.headers
    r = http.get("/api/commitments?limit=1", headers={"Origin": OTHER})
    assert "X-Total-Count" in r.headers["access-control-expose-headers"]
    # A query by POST, form or direct.
    r = http.post(
        "/sparql",
        content="ASK {}",
        headers={"Origin": OTHER, "Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"


def test_head_answers_wherever_get_does(http: Client) -> None:
    """HEAD, which CORS and HTTP promise beside GET: the GET's status and headers, no body."""
    for path in (
        "/sparql?query=ASK%7B%7D",
        "/sparql",
        "/api/commitments?limit=1",
        "/api/commitments.csv",
        "/api/queries/area-commitments?area=vivalla",
        "/id/actor/polisen",
        "/data/void.ttl",
        "/data/",
        "/ontology",
        "/",
    ):
        got = http.get(path, headers={"Origin": OTHER})
        head = http.head(path, headers={"Origin": OTHER})
        assert (head.status_code, got.status_code) == (200, 200), path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers.get("content-length") == got.headers.get("content-length"), path
        cors = head.headers.get("access-control-allow-origin")
        assert cors == got.headers.get("access-control-allow-origin"), path
        assert cors == (None if path == "/" else "*"), path  # the pages are not data
    # An error is the GET's error; a path no GET takes is still 404; HEAD of a write, 405.
    assert http.head("/api/commitments?actors=polisen").status_code == 422
    assert http.head("/id/actor/no-such-actor").status_code == 404
    assert http.head("/no/such/path").status_code == 404
    assert http.head("/api/changes/1/revert").status_code == 405


def test_preflight_is_answered_for_reads_only(http: Client) -> None:
    r = preflight(http, "/sparql", "POST", **{"Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "Content-Type" in r.headers["access-control-allow-headers"]
    assert preflight(http, "/api/commitments", "GET").status_code == 204
    for path, method in (
        ("/api/changes", "POST"),
        ("/update", "POST"),
        ("/rdf-graphs/service", "PUT"),
        ("/api/commitments/x/assessments", "POST"),
        ("/workbench/", "GET"),
        ("/api/tokens", "GET"),
    ):
        r = preflight(http, path, method)
        assert r.status_code == 403, (path, method)
        assert "access-control-allow-origin" not in r.headers


def test_writes_and_cookie_pages_never_carry_cors(http: Client) -> None:
    r = http.post(
        "/api/changes",
        json={"message": "x", "add": ""},
        headers={"Origin": OTHER, **auth(EDITOR)},
    )
    assert "access-control-allow-origin" not in r.headers
    r = http.get("/workbench/", headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in r.headers


def test_the_allow_list_setting(built: Any) -> None:
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    with service(store, cors_origins="https://a.example, https://b.example") as client:
        r = client.get("/api/themes", headers={"Origin": "https://a.example"})
        assert r.headers["access-control-allow-origin"] == "https://a.example"
        assert "Origin" in r.headers["vary"]
        r = client.get("/api/themes", headers={"Origin": OTHER})
        assert "access-control-allow-origin" not in r.headers
        assert preflight(client, "/sparql", "POST").status_code == 403
    assert parse_origins("") == frozenset()
    assert parse_origins("*") is None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no {CHROMIUM}: `apt-get install chromium` (.ci/run does)"
        if os.environ.get("PLATFORM_GRAPH_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"]
        )
        yield launched
        launched.close()


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>notebook</title></head>
<body><p>another origin</p></body></html>"""


@pytest.mark.browser
@pytest.mark.server
def test_a_page_on_another_origin_reads_but_cannot_write(
    browser: Browser, server: RunningServer
) -> None:
    # The page's origin is another port on the loopback address: a different origin
    # from the service's, in the same address space (Chromium refuses a public page's
    # requests to loopback whatever CORS says).
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    other_server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=other_server.serve_forever, daemon=True)
    thread.start()
    other = f"http://127.0.0.1:{other_server.server_address[1]}/notebook.html"
    context = browser.new_context()
    page = context.new_page()
    page.goto(other)
    assert page.evaluate("location.origin") != server.url
    base = server.url
    result = page.evaluate(
        """async (base) => {
            const out = {};
            const q = encodeURIComponent("ASK { ?s ?p ?o }");
            let r = await fetch(base + "/sparql?query=" + q,
                                {headers: {"Accept": "application/sparql-results+json"}});
            out.get = (await r.json()).boolean;
            r = await fetch(base + "/sparql", {method: "POST",
                headers: {"Content-Type": "application/sparql-query",
                          "Accept": "application/sparql-results+json"},
                body: "ASK { ?s a <https://w3id.org/platform-graph/ontology#Commitment> }"});
            out.post = (await r.json()).boolean;
            r = await fetch(base + "/api/commitments?limit=2");
            out.total = r.headers.get("X-Total-Count");
            out.items = (await r.json()).items.length;
            try {
                await fetch(base + "/api/changes", {method: "POST",
                    headers: {"Content-Type": "application/json"}, body: "{}"});
                out.write = "sent";
            } catch (e) { out.write = "refused"; }
            try {
                await fetch(base + "/update", {method: "POST",
                    headers: {"Content-Type": "application/sparql-update"},
                    body: "CLEAR ALL"});
                out.update = "sent";
            } catch (e) { out.update = "refused"; }
            return out;
        }""",
        base,
    )
    context.close()
    other_server.shutdown()
    other_server.server_close()
    assert result["get"] is True
    assert result["post"] is True
    assert int(result["total"]) >= 190
    assert result["items"] == 2
    assert result["write"] == "refused"
    assert result["update"] == "refused"
