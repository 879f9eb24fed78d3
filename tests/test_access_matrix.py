"""Who may do what: every route and method against every kind of caller, on a real server.

The matrix is generated from ROUTES below: each row names a request and who it is for.
Reads are public: every caller gets the same answer (200, or 404 for what does not exist),
whatever token it sends. Writes need an editor: no token, an unknown token, a revoked one
or an expired one (an admin's, expired) gets 401 (with ``WWW-Authenticate: Bearer``), a
reader 403. Token management and
reverts need an administrator: an editor gets 403 too. Writes run as dry runs, so that
every cell sees the same store; the one real change is made before the matrix runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

CALLERS = ("none", "wrong", "reader", "editor", "admin", "revoked", "expired")
CONFIGURED = {
    "reader": "pgt_matrix-reader-0123456789abcdefghijklmnopqrstuv",
    "editor": "pgt_matrix-editor-0123456789abcdefghijklmnopqrstuv",
    "admin": "pgt_matrix-admin-0123456789abcdefghijklmnopqrstuvw",
}
WRONG = "pgt_matrix-wrong-0123456789abcdefghijklmnopqrstuvw"
REVOKED_NAME = "revoked-admin"
# An admin's token whose expiry has passed: written into the token file before the server
# starts, as an operator's hand or an older issue would leave it.
EXPIRED = "pgt_matrix-expired-0123456789abcdefghijklmnopqrstu"
EXPIRED_NAME = "expired-admin"
EXPIRED_AT = "2020-01-01T00:00:00+00:00"

ID = "https://w3id.org/platform-graph/id/"
PG = "https://w3id.org/platform-graph/ontology#"
COMMITMENT = "trygghet-narkotikateam"
# The one real change, made before the matrix: change 1, which the revert rows revert.
FIRST_CHANGE = f"<{ID}commitment/{COMMITMENT}> <{PG}concernsArea> <{ID}area/vivalla> ."
DRY_CHANGE = f"<{ID}commitment/{COMMITMENT}> <{PG}concernsArea> <{ID}area/varberga> ."
DRY_UPDATE = (
    f"INSERT DATA {{ <{ID}commitment/{COMMITMENT}> <{PG}concernsArea> <{ID}area/oxhagen> }}"
)
ASSESSMENT = {
    "status": "in-progress",
    "date": "2025-03-01",
    "assessor": "Anna Öberg",
    "evidence": ["https://www.orebro.se/"],
}
GSP = "/rdf-graphs/service"
ORIGINAL = "orebro-2022-2026"
REVIEW = f"/api/review/{ORIGINAL}"
NO_PROPOSAL = {"ids": ["no-such-proposal"]}
NO_LINK = {"links": [{"commitment": "no-such-commitment", "continues": COMMITMENT}]}
# A small graph, made before the matrix runs, that PUT, POST and DELETE target in dry runs.
GRAPH = "urn:matrix:graph"
TURTLE = {"Content-Type": "text/turtle"}
TRIPLE = "<urn:matrix:a> <urn:matrix:b> <urn:matrix:c> ."
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class Route:
    """A request, who may make it (public, editor or admin), and its answer when allowed."""

    method: str
    path: str
    access: str
    allowed: int
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    content: str | None = None

    @property
    def name(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        kind = " (form)" if self.form is not None else ""
        if self.content is not None:
            kind = f" ({self.headers.get('Content-Type', 'body')})"
        elif "Accept" in self.headers:
            kind = f" (Accept: {self.headers['Accept']})"
        return f"{self.method} {self.path}" + (f"?{query}" if query else "") + kind


def _r(method: str, path: str, access: str, allowed: int, **kwargs: Any) -> Route:
    return Route(method, path, access, allowed, **kwargs)


DRY = {"dry_run": "true"}

ROUTES: list[Route] = [
    # -- public reads -------------------------------------------------------------------
    _r("GET", "/", "public", 200),
    _r("GET", "/platform", "public", 200),
    _r("GET", "/search", "public", 200, params={"q": "vivalla"}),
    _r("GET", "/browse", "public", 200),
    _r("GET", "/browse/actors", "public", 200),
    _r("GET", "/browse/secrets", "public", 404),
    _r("GET", "/static/style.css", "public", 200),
    _r("GET", "/docs", "public", 200),
    _r("GET", "/openapi.json", "public", 200),
    _r("GET", "/sparql", "public", 200),
    _r("GET", "/sparql", "public", 200, params={"query": "ASK { ?s ?p ?o }"}),
    _r("POST", "/sparql", "public", 200, form={"query": "ASK { ?s ?p ?o }"}),
    _r(
        "POST",
        "/sparql",
        "public",
        200,
        headers={"Content-Type": SPARQL_QUERY},
        content="SELECT * WHERE { ?s ?p ?o } LIMIT 1",
    ),
    _r("GET", "/api/commitments", "public", 200),
    _r("GET", "/api/commitments", "public", 200, params={"actor": "polisen", "format": "csv"}),
    _r("GET", f"/api/commitments/{COMMITMENT}", "public", 200),
    _r("GET", "/api/commitments/no-such-commitment", "public", 404),
    _r("GET", f"/api/commitments/{COMMITMENT}/assessments", "public", 200),
    _r("GET", "/api/actors", "public", 200),
    _r("GET", "/api/actors/polisen", "public", 200),
    _r("GET", "/api/actors/nobody", "public", 404),
    _r("GET", "/api/areas", "public", 200),
    _r("GET", "/api/areas/vivalla", "public", 200),
    _r("GET", "/api/areas/atlantis", "public", 404),
    _r("GET", "/api/themes", "public", 200),
    _r("GET", "/api/themes/energi", "public", 200),
    _r("GET", "/api/themes/no-such-theme", "public", 404),
    _r("GET", "/api/sections", "public", 200),
    _r("GET", "/api/sections/trygghet", "public", 200),
    _r("GET", "/api/sections/no-such-section", "public", 404),
    _r("GET", "/api/stats", "public", 200),
    _r("GET", "/api/stats", "public", 200, params={"platform": ORIGINAL}),
    _r("GET", "/api/platforms", "public", 200),
    _r("GET", f"/api/platforms/{ORIGINAL}", "public", 200),
    _r("GET", "/api/platforms/nowhere-2026-2030", "public", 404),
    _r("GET", "/api/commitments", "public", 200, params={"platform": ORIGINAL}),
    _r("GET", "/api/context.jsonld", "public", 200),
    _r("GET", "/api/queries", "public", 200),
    _r("GET", "/api/queries/actor-commitments", "public", 200, params={"actor": "polisen"}),
    _r("GET", "/api/queries/no-such-query", "public", 404),
    _r("GET", "/api/changes", "public", 200),
    _r("GET", "/api/changes/1", "public", 200),
    _r("GET", "/api/changes/999", "public", 404),
    _r("GET", f"/id/commitment/{COMMITMENT}", "public", 200),
    _r("GET", "/id/commitment/no-such-commitment", "public", 404),
    _r("GET", f"/id/commitment/{COMMITMENT}", "public", 200, headers={"Accept": "text/html"}),
    _r("GET", "/id/actor/polisen.ttl", "public", 200),
    _r("GET", "/id/actor/polisen.jsonld", "public", 200),
    _r("GET", "/ontology", "public", 200),
    _r("GET", "/data/void.ttl", "public", 200),
    _r("GET", "/data/no-such-download", "public", 404),
    _r("GET", GSP, "public", 200, params={"graph": GRAPH}),
    _r("HEAD", GSP, "public", 200, params={"graph": GRAPH}),
    _r("GET", GSP, "public", 404, params={"graph": "urn:no-such-graph"}),
    _r("GET", "/rdf-graphs/no-such-graph", "public", 404),
    # -- methods nobody may use: 405 before any token is looked at ------------------------
    _r("GET", "/update", "public", 405),
    _r("PUT", "/api/changes", "public", 405, json={"message": "m"}),
    _r("DELETE", "/api/commitments", "public", 405),
    # -- writes: an editor ----------------------------------------------------------------
    _r(
        "POST",
        "/api/changes",
        "editor",
        200,
        params=DRY,
        json={"message": "matrix", "add": DRY_CHANGE, "format": "application/n-triples"},
    ),
    _r(
        "POST",
        f"/api/commitments/{COMMITMENT}/assessments",
        "editor",
        200,
        params=DRY,
        json=ASSESSMENT,
    ),
    # A write to what does not exist: the token is checked first, no 404 leaks to others.
    _r("POST", "/api/commitments/no-such-commitment/assessments", "editor", 404, json=ASSESSMENT),
    _r(
        "POST",
        "/update",
        "editor",
        200,
        params=DRY,
        headers={"Content-Type": SPARQL_UPDATE},
        content=DRY_UPDATE,
    ),
    _r("POST", "/update", "editor", 200, params=DRY, form={"update": DRY_UPDATE}),
    # The Graph Store Protocol: PUT, POST and DELETE (dry runs) need an editor too.
    _r("PUT", GSP, "editor", 200, params={"graph": GRAPH, **DRY}, headers=TURTLE, content=TRIPLE),
    _r("POST", GSP, "editor", 200, params={"graph": GRAPH, **DRY}, headers=TURTLE, content=TRIPLE),
    _r("POST", GSP, "editor", 200, params=DRY, headers=TURTLE, content=TRIPLE),
    _r("PUT", "/rdf-graphs/matrix", "editor", 200, params=DRY, headers=TURTLE, content=TRIPLE),
    _r("POST", "/rdf-graphs/matrix", "editor", 200, params=DRY, headers=TURTLE, content=TRIPLE),
    _r("DELETE", GSP, "editor", 200, params={"graph": GRAPH, **DRY}),
    _r("DELETE", GSP, "editor", 404, params={"graph": "urn:no-such-graph"}),
    # Proposals are not public: an editor reads and decides on them (four eyes).
    _r("GET", "/api/proposals", "editor", 200),
    _r("GET", "/api/proposals/999", "editor", 404),
    _r("POST", "/api/proposals/999/approve", "editor", 404, json={}),
    _r("POST", "/api/proposals/999/reject", "editor", 404, json={"comment": "no"}),
    # The review of drafts (issue 16): reads too need an editor, and a proposal that does
    # not exist is a 404 only to an editor.
    _r("GET", f"{REVIEW}/statements", "editor", 200),
    _r("GET", f"{REVIEW}/statements", "editor", 200, params={"status": "rejected"}),
    _r("GET", "/api/review/nowhere-2026-2030/statements", "editor", 404),
    _r("GET", f"{REVIEW}/continuity", "editor", 200),
    _r("POST", f"{REVIEW}/statements/accept", "editor", 404, params=DRY, json=NO_PROPOSAL),
    _r("POST", f"{REVIEW}/statements/no-such-proposal/accept", "editor", 404, params=DRY),
    _r("POST", f"{REVIEW}/statements/reject", "editor", 404, json=NO_PROPOSAL),
    _r("POST", f"{REVIEW}/statements/no-such-proposal/reject", "editor", 404),
    _r("POST", f"{REVIEW}/continuity/confirm", "editor", 404, params=DRY, json=NO_LINK),
    _r("POST", f"{REVIEW}/continuity/reject", "editor", 404, json=NO_LINK),
    # -- administration: an admin ---------------------------------------------------------
    _r("POST", "/api/changes/1/revert", "admin", 200, params=DRY),
    _r("POST", "/api/changes/999/revert", "admin", 404),
    _r("GET", "/api/tokens", "admin", 200),
    _r("POST", "/api/tokens", "admin", 201, json={"name": "issued-by-{caller}", "role": "reader"}),
    _r("DELETE", "/api/tokens/victim-{caller}", "admin", 204),
]


def expected(route: Route, caller: str) -> int:
    if route.access == "public":
        return route.allowed
    if caller in ("none", "wrong", "revoked", "expired"):
        return 401
    if caller == "reader" or (caller == "editor" and route.access == "admin"):
        return 403
    return route.allowed


CELLS = [
    pytest.param(route, caller, id=f"{route.name} as {caller}")
    for route in ROUTES
    for caller in CALLERS
]


@dataclass
class Matrix:
    server: RunningServer
    tokens: dict[str, str]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    work: Path = tmp_path_factory.mktemp("access-matrix")
    configured = ",".join(f"{r}:{r}:{hash_token(t)}" for r, t in CONFIGURED.items())
    expired = {
        "name": EXPIRED_NAME,
        "role": "admin",
        "sha256": hash_token(EXPIRED),
        "created": "2019-01-01T00:00:00+00:00",
        "expires": EXPIRED_AT,
    }
    token_file = work / "tokens.json"
    token_file.write_text(json.dumps({"version": 1, "tokens": [expired]}), encoding="utf-8")
    token_file.chmod(0o600)
    server = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": configured,
            "PLATFORM_GRAPH_TOKENS_FILE": str(token_file),
        },
    )
    try:
        admin = _bearer(CONFIGURED["admin"])
        with server.client() as client:
            issued = client.post(
                "/api/tokens", json={"name": REVOKED_NAME, "role": "admin"}, headers=admin
            )
            assert issued.status_code == 201, issued.text
            revoked = issued.json()["token"]
            gone = client.delete(f"/api/tokens/{REVOKED_NAME}", headers=admin)
            assert gone.status_code == 204, gone.text
            # A token for each caller to try to revoke: only the admin's cell may succeed.
            for caller in CALLERS:
                victim = {"name": f"victim-{caller}", "role": "reader"}
                made = client.post("/api/tokens", json=victim, headers=admin)
                assert made.status_code == 201, made.text
            change = {"message": "matrix", "add": FIRST_CHANGE, "format": "application/n-triples"}
            first = client.post("/api/changes", json=change, headers=_bearer(CONFIGURED["editor"]))
            assert first.status_code == 201, first.text
            assert first.json()["change"]["id"] == 1
            made = client.put(
                GSP,
                params={"graph": GRAPH},
                headers={**TURTLE, **_bearer(CONFIGURED["editor"])},
                content=TRIPLE,
            )
            assert made.status_code == 201, made.text
        tokens = {**CONFIGURED, "wrong": WRONG, "revoked": revoked, "expired": EXPIRED}
        yield Matrix(server, tokens)
    finally:
        server.stop()


def _request(matrix: Matrix, route: Route, caller: str) -> httpx.Response:
    headers = dict(route.headers)
    if caller != "none":
        headers.update(_bearer(matrix.tokens[caller]))
    path = route.path.replace("{caller}", caller)
    body = route.json
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("{caller}", caller))
    with httpx.Client(base_url=matrix.server.url, timeout=60, follow_redirects=False) as client:
        return client.request(
            route.method,
            path,
            params=route.params or None,
            headers=headers,
            json=body,
            data=route.form,
            content=route.content,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str


@pytest.fixture(scope="module")
def answers(matrix: Matrix) -> dict[tuple[int, str], Answer]:
    """Every cell's answer. The cells are independent (writes are dry runs, each token
    request names its own token), so they are asked eight at a time."""

    def ask(cell: tuple[int, str]) -> tuple[tuple[int, str], Answer]:
        response = _request(matrix, ROUTES[cell[0]], cell[1])
        return cell, Answer(response.status_code, dict(response.headers), response.text)

    cells = [(i, caller) for i in range(len(ROUTES)) for caller in CALLERS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(ask, cells))


@pytest.mark.server
@pytest.mark.parametrize(("route", "caller"), CELLS)
def test_access(
    matrix: Matrix, answers: dict[tuple[int, str], Answer], route: Route, caller: str
) -> None:
    answer = answers[(ROUTES.index(route), caller)]
    want = expected(route, caller)
    assert answer.status == want, (
        f"{route.name} as {caller}: {answer.status}, expected {want}: {answer.text[:300]}"
    )
    if want in (401, 403):
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert json.loads(answer.text)["detail"]
        challenge = answer.headers.get("www-authenticate", "")
        assert challenge.startswith("Bearer "), challenge
        if want == 403:
            assert 'error="insufficient_scope"' in challenge
        detail = json.loads(answer.text)["detail"]
        if caller == "expired":
            assert f"has expired (at {EXPIRED_AT})" in detail
            assert 'error="invalid_token"' in challenge
        else:  # an unknown or revoked token says nothing of expired ones
            assert "expired" not in detail
    for token in matrix.tokens.values():
        assert token not in answer.text


@pytest.mark.server
def test_refused_calls_changed_nothing(
    matrix: Matrix, answers: dict[tuple[int, str], Answer]
) -> None:
    """Refused token requests created and revoked nothing; dry runs logged no change."""
    with matrix.server.client() as client:
        listed = client.get("/api/tokens", headers=_bearer(matrix.tokens["admin"]))
        assert listed.status_code == 200
        names = {t["name"] for t in listed.json()}
        for caller in CALLERS:
            if caller != "admin":
                assert f"victim-{caller}" in names, f"{caller} revoked a token"
                assert f"issued-by-{caller}" not in names, f"{caller} issued a token"
        assert REVOKED_NAME not in names
        # the expired token is still listed, with its expiry, until revoked
        [expired] = [t for t in listed.json() if t["name"] == EXPIRED_NAME]
        assert expired["role"] == "admin"
        assert datetime.fromisoformat(expired["expires"]) == datetime.fromisoformat(EXPIRED_AT)
        assert all(t["expires"] is None for t in listed.json() if t["name"] != EXPIRED_NAME)
        assert client.get("/api/changes").json()["total"] == 2


def test_the_matrix_covers_every_caller_and_kind_of_route() -> None:
    assert {r.access for r in ROUTES} == {"public", "editor", "admin"}
    assert {"revoked", "expired"} <= set(CALLERS)
    assert len(CELLS) == len(ROUTES) * len(CALLERS) >= 300
    names = [route.name for route in ROUTES]
    assert len(names) == len(set(names)), "two rows of the same name"
