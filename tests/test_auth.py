"""Bearer tokens: the registry (hashing, files, configuration) and the API's 401/403/roles."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from platform_graph import auth
from platform_graph.api import problems, security
from platform_graph.api.security import AdminDep, EditorDep, ReaderDep, tokens_router
from platform_graph.auth import (
    ConfiguredToken,
    InvalidTokenInput,
    Principal,
    Role,
    TokenExists,
    TokenRegistry,
    UnknownToken,
    hash_token,
    parse_tokens,
)
from platform_graph.errors import InputError, PlatformGraphError
from tests.server import free_port

H1 = hash_token("first-secret")
H2 = hash_token("second-secret")


# -- the registry ----------------------------------------------------------------------------


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(hash_token("x")) == 64


def test_roles_are_ordered() -> None:
    assert Role.admin.includes(Role.editor)
    assert Role.admin.includes(Role.reader)
    assert Role.editor.includes(Role.reader)
    assert Role.editor.includes(Role.editor)
    assert not Role.editor.includes(Role.admin)
    assert not Role.reader.includes(Role.editor)
    assert Principal("ops", Role.admin).has("reader")


def test_issue_authenticate_revoke() -> None:
    registry = TokenRegistry()
    token = registry.issue("ci", "editor")
    assert token.startswith("pgt_")
    assert len(token) > 40
    assert registry.authenticate(token) == Principal("ci", Role.editor)
    assert registry.authenticate(token + "x") is None
    assert registry.authenticate("") is None
    assert registry.authenticate("x" * 10_000) is None
    registry.revoke("ci")
    assert registry.authenticate(token) is None
    assert "ci" not in registry


def test_tokens_are_random_and_distinct() -> None:
    registry = TokenRegistry()
    tokens = {registry.issue(f"t{i}", Role.reader) for i in range(5)}
    assert len(tokens) == 5
    for i, token in enumerate(sorted(tokens)):
        assert registry.authenticate(token) is not None, i


def test_issue_refuses_an_existing_name() -> None:
    registry = TokenRegistry()
    registry.issue("ci", "editor")
    with pytest.raises(TokenExists, match="ci"):
        registry.issue("ci", "admin")


def test_revoke_unknown_name() -> None:
    with pytest.raises(UnknownToken, match="nobody"):
        TokenRegistry().revoke("nobody")


@pytest.mark.parametrize(
    "name", ["", "CI", "-ci", ".ci", "a b", "a:b", "a,b", "ä", "x" * 65, "ci\n"]
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidTokenInput, match="invalid token name"):
        TokenRegistry().issue(name, "editor")


@pytest.mark.parametrize("role", ["", "root", "Admin", "writer"])
def test_bad_roles_are_refused(role: str) -> None:
    with pytest.raises(InvalidTokenInput, match="invalid role"):
        TokenRegistry().issue("ci", role)


def test_errors_are_domain_errors() -> None:
    for error in (InvalidTokenInput, TokenExists, UnknownToken, ConfiguredToken):
        assert issubclass(error, PlatformGraphError)


def test_list_has_no_hashes() -> None:
    registry = TokenRegistry(configured=f"ops:admin:{H1}")
    token = registry.issue("ci", "editor")
    listed = [info.as_dict() for info in registry.list()]
    assert [(t["name"], t["role"], t["source"]) for t in listed] == [
        ("ops", "admin", "config"),
        ("ci", "editor", "file"),
    ]
    assert listed[0]["created"] is None
    assert listed[1]["created"] is not None
    text = json.dumps(listed) + repr(registry.list()) + repr(registry._entries())
    assert H1 not in text
    assert hash_token(token) not in text
    assert token not in text


def test_authenticate_compares_with_every_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = TokenRegistry(configured=f"a:admin:{H1},b:editor:{H2}")
    for i in range(3):
        registry.issue(f"c{i}", "reader")
    calls: list[str] = []
    real = hmac.compare_digest

    def counting(a: str, b: str) -> bool:
        calls.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert registry.authenticate("first-secret") == Principal("a", Role.admin)
    assert len(calls) == 5  # the match was the first entry; all five were compared
    calls.clear()
    assert registry.authenticate("no such token") is None
    assert len(calls) == 5


# -- the token file --------------------------------------------------------------------------


def test_file_keeps_hashes_only_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "var" / "tokens.json"
    registry = TokenRegistry(path)
    assert not path.exists()  # nothing is written until a token is issued
    token = registry.issue("ci", "editor")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert token not in text
    assert token.removeprefix("pgt_") not in text
    data = json.loads(text)
    assert data["version"] == 1
    [entry] = data["tokens"]
    assert entry["name"] == "ci"
    assert entry["role"] == "editor"
    assert entry["sha256"] == hash_token(token)
    assert entry["created"].endswith("+00:00")
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json"]  # no temp files


def test_file_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first = TokenRegistry(path)
    editor = first.issue("ci", "editor")
    admin = first.issue("ops", "admin")
    first.revoke("ci")
    again = TokenRegistry(path)
    assert again.authenticate(editor) is None
    assert again.authenticate(admin) == Principal("ops", Role.admin)
    assert [info.name for info in again.list()] == ["ops"]


def test_changes_by_another_process_are_seen(tmp_path: Path) -> None:
    """The CLI writes the file while the service runs: the service sees it at once."""
    path = tmp_path / "tokens.json"
    service = TokenRegistry(path)
    cli = TokenRegistry(path)
    token = cli.issue("ci", "editor")
    assert service.authenticate(token) == Principal("ci", Role.editor)
    cli.revoke("ci")
    assert service.authenticate(token) is None
    cli.issue("ops", "admin")
    with pytest.raises(TokenExists):
        service.issue("ops", "reader")


def test_a_failed_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    registry = TokenRegistry(path)
    kept = registry.issue("ci", "editor")
    before = path.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        registry.issue("ops", "admin")
    with pytest.raises(OSError, match="disk full"):
        registry.revoke("ci")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]
    assert [info.name for info in registry.list()] == ["ci"]
    assert registry.authenticate(kept) is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "tokens"),
        ('{"version": 2, "tokens": []}', "version"),
        ('{"version": 1, "tokens": [1]}', "token #1"),
        ('{"version": 1, "tokens": [{"name": "ci", "role": "root", "sha256": ""}]}', "role"),
        ('{"version": 1, "tokens": [{"name": "ci", "role": "admin", "sha256": "ab"}]}', "sha256"),
    ],
)
def test_a_broken_file_is_an_input_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        TokenRegistry(path)
    assert caught.value.source == str(path)


def test_file_and_configuration_may_not_share_a_name(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    TokenRegistry(path).issue("ops", "admin")
    with pytest.raises(InputError, match="ops"):
        TokenRegistry(path, configured=f"ops:admin:{H1}")


# -- configuration ---------------------------------------------------------------------------


def test_parse_configuration() -> None:
    entries = parse_tokens(f" ci:editor:{H1} , ,ops : admin : {H2.upper()},")
    assert [(e.name, e.role, e.sha256, e.source) for e in entries] == [
        ("ci", Role.editor, H1, "config"),
        ("ops", Role.admin, H2, "config"),
    ]
    assert parse_tokens("") == []


def test_configured_tokens_authenticate_and_cannot_be_revoked_or_reused() -> None:
    registry = TokenRegistry(configured=f"ci:editor:{H1},ops:admin:{H2}")
    assert registry.authenticate("first-secret") == Principal("ci", Role.editor)
    assert registry.authenticate("second-secret") == Principal("ops", Role.admin)
    assert registry.authenticate(H1) is None  # the hash is not a token
    with pytest.raises(ConfiguredToken, match="PLATFORM_GRAPH_TOKENS"):
        registry.revoke("ci")
    with pytest.raises(TokenExists):
        registry.issue("ops", "reader")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ci:editor", "expected name:role:sha256hex"),
        (f"ci:editor:{H1}:x", "expected name:role:sha256hex"),
        (f"CI:editor:{H1}", "invalid token name"),
        (f"ci:root:{H1}", "invalid role"),
        ("ci:editor:abc", "sha256"),
        (f"ci:editor:{'g' * 64}", "sha256"),
        (f"ci:editor:{H1},ci:admin:{H2}", "given twice"),
        (f"ok:reader:{H1},ci:editor:", "#2"),
    ],
)
def test_bad_configuration_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidTokenInput, match=message):
        parse_tokens(text)
    with pytest.raises(InvalidTokenInput):
        TokenRegistry(configured=text)


def test_a_token_put_in_configuration_by_mistake_is_not_echoed() -> None:
    token = auth.generate_token()
    with pytest.raises(InvalidTokenInput) as caught:
        parse_tokens(f"ci:editor:{token}")
    assert token not in str(caught.value)


# -- the API, through a real server ----------------------------------------------------------


@dataclass
class StubState:
    tokens: TokenRegistry


def build_app(state: StubState) -> FastAPI:
    app = FastAPI()
    problems.install_handlers(app)
    security.install_handlers(app)
    app.state.platform = state

    @app.get("/api/public")
    def public() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/api/whoami")
    def whoami(principal: ReaderDep) -> dict[str, str]:
        return {"name": principal.name, "role": principal.role.value}

    @app.post("/api/data")
    def write(principal: EditorDep) -> dict[str, str]:
        return {"written_by": principal.name}

    @app.post("/api/revert")
    def revert(principal: AdminDep) -> dict[str, str]:
        return {"reverted_by": principal.name}

    app.include_router(tokens_router)
    return app


@pytest.fixture(scope="module")
def api_state() -> StubState:
    return StubState(TokenRegistry())


@pytest.fixture(scope="module")
def base_url(api_state: StubState) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        build_app(api_state),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        ws="none",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test-auth", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@dataclass
class Tokens:
    reader: str
    editor: str
    admin: str
    registry: TokenRegistry


@pytest.fixture
def tokens(api_state: StubState, tmp_path: Path) -> Tokens:
    """A fresh registry for each test, with a file and one configured admin."""
    registry = TokenRegistry(tmp_path / "tokens.json", configured=f"root:admin:{H1}")
    api_state.tokens = registry
    return Tokens(
        reader=registry.issue("alice", "reader"),
        editor=registry.issue("bob", "editor"),
        admin=registry.issue("carol", "admin"),
        registry=registry,
    )


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert detail in body["detail"]


def test_reads_need_no_token(client: httpx.Client, tokens: Tokens) -> None:
    assert client.get("/api/public").json() == {"hello": "world"}


@pytest.mark.parametrize("path", ["/api/data", "/api/revert"])
def test_no_token_is_401_with_a_challenge(client: httpx.Client, tokens: Tokens, path: str) -> None:
    response = client.post(path)
    assert_problem(response, 401, "Authorization: Bearer <token>")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["title"] == "Unauthorized"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        {"Authorization": "Bearer"},
        {"Authorization": "token-without-scheme"},
    ],
)
def test_another_scheme_is_401(
    client: httpx.Client, tokens: Tokens, headers: dict[str, str]
) -> None:
    response = client.post("/api/data", headers=headers)
    assert_problem(response, 401, "Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401(client: httpx.Client, tokens: Tokens) -> None:
    response = client.post("/api/data", headers=bearer("pgt_not-a-real-token"))
    assert_problem(response, 401, "not valid")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert_problem(client.post("/api/data", headers=bearer(H1)), 401, "not valid")


@pytest.mark.parametrize(
    ("role", "path"),
    [("reader", "/api/data"), ("reader", "/api/revert"), ("editor", "/api/revert")],
)
def test_too_low_a_role_is_403(client: httpx.Client, tokens: Tokens, role: str, path: str) -> None:
    response = client.post(path, headers=bearer(getattr(tokens, role)))
    assert_problem(response, 403, f"has the {role} role")
    assert response.json()["title"] == "Forbidden"


def test_the_right_role_passes(client: httpx.Client, tokens: Tokens) -> None:
    assert client.get("/api/whoami", headers=bearer(tokens.reader)).json() == {
        "name": "alice",
        "role": "reader",
    }
    response = client.post("/api/data", headers=bearer(tokens.editor))
    assert response.status_code == 200
    assert response.json() == {"written_by": "bob"}
    # admin includes editor
    assert client.post("/api/data", headers=bearer(tokens.admin)).json() == {"written_by": "carol"}
    assert client.post("/api/revert", headers=bearer(tokens.admin)).json() == {
        "reverted_by": "carol"
    }
    # a configured token, and the scheme in any case
    response = client.post("/api/revert", headers={"Authorization": "bearer first-secret"})
    assert response.json() == {"reverted_by": "root"}


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_token_routes_are_for_admins(client: httpx.Client, tokens: Tokens, role: str) -> None:
    assert client.get("/api/tokens").status_code == 401
    token = getattr(tokens, role)
    assert_problem(client.get("/api/tokens", headers=bearer(token)), 403, "requires admin")
    response = client.post(
        "/api/tokens", json={"name": "x", "role": "admin"}, headers=bearer(token)
    )
    assert_problem(response, 403, "requires admin")
    assert_problem(client.delete("/api/tokens/alice", headers=bearer(token)), 403, "admin")
    assert "x" not in tokens.registry
    assert "alice" in tokens.registry


def test_token_management_end_to_end(client: httpx.Client, tokens: Tokens) -> None:
    admin = bearer(tokens.admin)

    listed = client.get("/api/tokens", headers=admin)
    assert listed.status_code == 200
    assert [(t["name"], t["role"], t["source"]) for t in listed.json()] == [
        ("root", "admin", "config"),
        ("alice", "reader", "file"),
        ("bob", "editor", "file"),
        ("carol", "admin", "file"),
    ]
    assert all(set(t) == {"name", "role", "created", "source"} for t in listed.json())

    created = client.post("/api/tokens", json={"name": "ci-bot", "role": "editor"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["name"] == "ci-bot"
    assert body["role"] == "editor"
    assert body["source"] == "file"
    assert body["created"]
    token = body["token"]
    assert token.startswith("pgt_")
    assert client.post("/api/data", headers=bearer(token)).json() == {"written_by": "ci-bot"}
    assert client.post("/api/revert", headers=bearer(token)).status_code == 403

    listed_text = client.get("/api/tokens", headers=admin).text
    assert "ci-bot" in listed_text
    assert token not in listed_text
    assert hash_token(token) not in listed_text

    again = client.post("/api/tokens", json={"name": "ci-bot", "role": "admin"}, headers=admin)
    assert_problem(again, 409, "exists already")
    clash = client.post("/api/tokens", json={"name": "root", "role": "admin"}, headers=admin)
    assert_problem(clash, 409, "exists already")

    bad_role = client.post("/api/tokens", json={"name": "x", "role": "root"}, headers=admin)
    assert bad_role.status_code == 422
    assert "role" in bad_role.json()["detail"]
    bad_name = client.post("/api/tokens", json={"name": "Not OK", "role": "reader"}, headers=admin)
    assert bad_name.status_code == 422
    assert "name" in bad_name.json()["detail"]
    assert client.post("/api/tokens", json={"role": "reader"}, headers=admin).status_code == 422

    deleted = client.delete("/api/tokens/ci-bot", headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(client.post("/api/data", headers=bearer(token)), 401, "not valid")
    assert_problem(client.delete("/api/tokens/ci-bot", headers=admin), 404, "no token named")
    assert_problem(client.delete("/api/tokens/root", headers=admin), 409, "configured")

    # the file behind the registry holds the outcome, as hashes
    saved = json.loads((tokens.registry.path or Path()).read_text(encoding="utf-8"))
    assert [t["name"] for t in saved["tokens"]] == ["alice", "bob", "carol"]


def test_a_token_issued_from_the_cli_works_at_once(client: httpx.Client, tokens: Tokens) -> None:
    assert tokens.registry.path is not None
    cli = TokenRegistry(tokens.registry.path)
    token = cli.issue("deploy", "editor")
    assert client.post("/api/data", headers=bearer(token)).json() == {"written_by": "deploy"}
    cli.revoke("deploy")
    assert client.post("/api/data", headers=bearer(token)).status_code == 401
