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
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from platform_graph import cli
from platform_graph.errors import InputError, PlatformGraphError
from platform_graph.http import auth as security
from platform_graph.http import problems
from platform_graph.http.auth import AdminDep, EditorDep, ReaderDep
from platform_graph.http.tokens import router as tokens_router
from platform_graph.write import tokens as auth
from platform_graph.write.tokens import (
    ConfiguredToken,
    ExpiredToken,
    InvalidTokenInput,
    Principal,
    Role,
    TokenExists,
    TokenRegistry,
    UnknownToken,
    hash_token,
    parse_expiry,
    parse_tokens,
)
from tests.support.server import free_port

H1 = hash_token("first-secret")
H2 = hash_token("second-secret")
# A fixed "now" for expiry arithmetic.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PAST = "2000-01-01T00:00:00+00:00"


def set_clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    """Move the registry's clock (also the in-process test server's)."""
    monkeypatch.setattr(auth, "_now", lambda: now)


def write_token_file(path: Path, tokens: list[dict[str, Any]]) -> None:
    """Write a token file by hand, as another process or an older version would: a new
    file (new inode) and unindented (another size), so that a registry sees the change."""
    tmp = path.with_suffix(".hand")
    tmp.write_text(json.dumps({"version": 1, "tokens": tokens}), encoding="utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, path)


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


def test_errors_include_expired_token() -> None:
    assert issubclass(ExpiredToken, auth.TokenError)
    assert issubclass(ExpiredToken, PlatformGraphError)


# -- expiry ----------------------------------------------------------------------------------


def test_issue_with_an_expiry() -> None:
    registry = TokenRegistry()
    until = datetime.now(UTC) + timedelta(hours=1)
    token = registry.issue("ci", "editor", expires=until)
    assert registry.authenticate(token) == Principal("ci", Role.editor)
    assert registry.check(token) == Principal("ci", Role.editor)
    info = registry.get("ci")
    assert info.expires == until
    assert not info.expired()
    assert info.as_dict()["expires"] == until.isoformat()
    never = registry.issue("ops", "admin")
    assert registry.get("ops").expires is None
    assert registry.get("ops").as_dict()["expires"] is None
    assert not registry.get("ops").expired()
    assert registry.authenticate(never) == Principal("ops", Role.admin)


def test_an_expiry_is_kept_in_utc() -> None:
    registry = TokenRegistry()
    plus2 = timezone(timedelta(hours=2))
    registry.issue("aware", "reader", expires=datetime(2099, 1, 1, 12, 0, tzinfo=plus2))
    aware = registry.get("aware").expires
    assert aware == datetime(2099, 1, 1, 10, 0, tzinfo=UTC)
    assert aware is not None
    assert aware.tzinfo is UTC
    registry.issue("naive", "reader", expires=datetime(2099, 1, 1, 12, 0))  # taken as UTC
    assert registry.get("naive").expires == datetime(2099, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expires",
    [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # out of range in UTC
    ],
)
def test_issue_refuses_an_expiry_not_in_the_future(tmp_path: Path, expires: datetime) -> None:
    path = tmp_path / "tokens.json"
    registry = TokenRegistry(path)
    with pytest.raises(InvalidTokenInput, match="expiry"):
        registry.issue("ci", "editor", expires=expires)
    assert "ci" not in registry
    assert not path.exists()


def test_issue_refuses_an_expiry_of_now(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, NOW)
    with pytest.raises(InvalidTokenInput, match="not in the future"):
        TokenRegistry().issue("ci", "editor", expires=NOW)


def test_a_token_stops_working_when_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, NOW)
    registry = TokenRegistry()
    token = registry.issue("ci", "editor", expires=NOW + timedelta(minutes=1))
    set_clock(monkeypatch, NOW + timedelta(seconds=59))
    assert registry.authenticate(token) == Principal("ci", Role.editor)
    set_clock(monkeypatch, NOW + timedelta(minutes=1))  # the expiry itself is too late
    assert registry.authenticate(token) is None
    with pytest.raises(ExpiredToken, match="expired at 2026-03-01T12:01:00") as caught:
        registry.check(token)
    assert caught.value.name == "ci"
    assert token not in str(caught.value)
    assert registry.check("no such token") is None  # unknown is not "expired"
    # still listed, marked by its expiry, until revoked
    assert registry.get("ci").expired()
    registry.revoke("ci")
    assert registry.check(token) is None


def test_an_expired_entry_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write_token_file(
        path,
        [
            {"name": "old", "role": "admin", "sha256": H1, "created": None, "expires": PAST},
            {"name": "new", "role": "editor", "sha256": H2, "expires": "2999-01-01T00:00:00Z"},
        ],
    )
    registry = TokenRegistry(path)
    assert registry.authenticate("first-secret") is None
    with pytest.raises(ExpiredToken):
        registry.check("first-secret")
    assert registry.authenticate("second-secret") == Principal("new", Role.editor)
    assert registry.get("old").expires == datetime(2000, 1, 1, tzinfo=UTC)
    assert registry.get("new").expires == datetime(2999, 1, 1, tzinfo=UTC)


def test_an_expired_match_does_not_fall_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two entries with the same hash (hand-edited file): the first decides, even expired;
    every entry is still compared."""
    path = tmp_path / "tokens.json"
    write_token_file(
        path,
        [
            {"name": "old", "role": "reader", "sha256": H1, "expires": PAST},
            {"name": "other", "role": "editor", "sha256": H2},
            {"name": "dup", "role": "admin", "sha256": H1},
        ],
    )
    registry = TokenRegistry(path)
    calls: list[str] = []
    real = hmac.compare_digest

    def counting(a: str, b: str) -> bool:
        calls.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert registry.authenticate("first-secret") is None
    assert len(calls) == 3
    with pytest.raises(ExpiredToken) as caught:
        registry.check("first-secret")
    assert caught.value.name == "old"


def test_a_file_expiry_change_is_seen(tmp_path: Path) -> None:
    """Another process (or an operator) sets an expiry in the past: it applies at once."""
    path = tmp_path / "tokens.json"
    registry = TokenRegistry(path)
    token = registry.issue("ci", "editor", expires=datetime.now(UTC) + timedelta(days=1))
    assert registry.authenticate(token) is not None
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tokens"][0]["expires"] = PAST
    write_token_file(path, data["tokens"])
    assert registry.authenticate(token) is None


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
    assert data["version"] == 2
    [entry] = data["tokens"]
    assert entry["name"] == "ci"
    assert entry["role"] == "editor"
    assert entry["sha256"] == hash_token(token)
    assert entry["created"].endswith("+00:00")
    # No temp files; the lock file that serialises writers stays (it is empty).
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json", "tokens.json.lock"]


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


def test_expiry_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    until = datetime(2099, 6, 30, 8, 15, tzinfo=UTC)
    first = TokenRegistry(path)
    expiring = first.issue("ci", "editor", expires=until)
    first.issue("ops", "admin")
    saved = {t["name"]: t for t in json.loads(path.read_text(encoding="utf-8"))["tokens"]}
    assert saved["ci"]["expires"] == "2099-06-30T08:15:00+00:00"
    assert saved["ops"]["expires"] is None
    assert hash_token(expiring) == saved["ci"]["sha256"]
    again = TokenRegistry(path)
    assert again.get("ci").expires == until
    assert again.get("ops").expires is None
    assert again.authenticate(expiring) == Principal("ci", Role.editor)


def test_a_file_from_before_expiries_still_works(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write_token_file(
        path,
        [
            {"name": "ci", "role": "editor", "sha256": H1, "created": "2025-01-02T03:04:05+00:00"},
            {"name": "ops", "role": "admin", "sha256": H2},
        ],
    )
    registry = TokenRegistry(path)
    assert registry.authenticate("first-secret") == Principal("ci", Role.editor)
    assert registry.authenticate("second-secret") == Principal("ops", Role.admin)
    assert [(i.name, i.expires) for i in registry.list()] == [("ci", None), ("ops", None)]
    registry.issue("new", "reader")  # rewrites the file: the old entries get "expires": null
    saved = json.loads(path.read_text(encoding="utf-8"))["tokens"]
    assert [(t["name"], t["expires"]) for t in saved] == [
        ("ci", None),
        ("ops", None),
        ("new", None),
    ]
    assert saved[0]["created"] == "2025-01-02T03:04:05+00:00"
    assert TokenRegistry(path).authenticate("first-secret") == Principal("ci", Role.editor)


def test_an_expiry_without_offset_in_the_file_is_utc(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write_token_file(
        path, [{"name": "ci", "role": "editor", "sha256": H1, "expires": "2099-01-01T00:00:00"}]
    )
    assert TokenRegistry(path).get("ci").expires == datetime(2099, 1, 1, tzinfo=UTC)


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
    # No temp file is left; the (empty) lock file stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]
    assert [info.name for info in registry.list()] == ["ci"]
    assert registry.authenticate(kept) is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "tokens"),
        ('{"version": 3, "tokens": []}', "version"),
        ('{"version": 1, "tokens": [1]}', "token #1"),
        ('{"version": 1, "tokens": [{"name": "ci", "role": "root", "sha256": ""}]}', "role"),
        ('{"version": 1, "tokens": [{"name": "ci", "role": "admin", "sha256": "ab"}]}', "sha256"),
        (
            f'{{"version": 1, "tokens": [{{"name": "ci", "role": "admin", "sha256": "{H1}", '
            '"expires": "soon"}]}',
            "token #1",
        ),
        (
            f'{{"version": 1, "tokens": [{{"name": "ci", "role": "admin", "sha256": "{H1}", '
            '"expires": 1}]}',
            "token #1",
        ),
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


# -- expiries as given on the command line ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expires"),
    [
        ("30d", NOW + timedelta(days=30)),
        ("12h", NOW + timedelta(hours=12)),
        ("90m", NOW + timedelta(minutes=90)),
        (" 7d ", NOW + timedelta(days=7)),
        ("1m", NOW + timedelta(minutes=1)),
        ("3650d", NOW + timedelta(days=3650)),
        ("2027-01-01", datetime(2027, 1, 1, tzinfo=UTC)),
        ("2027-01-01T12:00", datetime(2027, 1, 1, 12, tzinfo=UTC)),
        ("2027-01-01T12:00:00+02:00", datetime(2027, 1, 1, 10, tzinfo=UTC)),
        ("2027-01-01T12:00:00Z", datetime(2027, 1, 1, 12, tzinfo=UTC)),
    ],
)
def test_parse_expiry(text: str, expires: datetime) -> None:
    parsed = parse_expiry(text, now=NOW)
    assert parsed == expires
    assert parsed.tzinfo is UTC


def test_parse_expiry_drops_fractions_of_a_second() -> None:
    now = NOW.replace(microsecond=123456)
    assert parse_expiry("1h", now=now) == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "0d",
        "0m",
        "-1d",
        "+1d",
        "30",
        "30x",
        "30s",
        "30D",
        "d",
        "1.5d",
        "30 d",
        "3651d",
        "87601h",
        "9999999999d",
        "soon",
        "2027-13-01",
        "2026-03-01",  # midnight today: past
        "2020-01-01",
        "2026-03-01T12:00:00Z",  # now: not in the future
    ],
)
def test_parse_expiry_refuses_bad_values(text: str) -> None:
    with pytest.raises(InvalidTokenInput, match="invalid expiry"):
        parse_expiry(text, now=NOW)


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def token_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("PLATFORM_GRAPH_TOKENS_FILE", str(path))
    monkeypatch.delenv("PLATFORM_GRAPH_TOKENS", raising=False)
    return path


def test_cli_creates_a_token_that_expires(
    token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    code = cli.main(["token", "create", "--name", "ci", "--role", "editor", "--expires-in", "30d"])
    after = datetime.now(UTC)
    out, err = capsys.readouterr()
    assert code == 0, err
    token = out.strip()
    registry = TokenRegistry(token_file)
    assert registry.authenticate(token) == Principal("ci", Role.editor)
    expires = registry.get("ci").expires
    assert expires is not None
    assert before + timedelta(days=30) <= expires <= after + timedelta(days=30)
    assert f"expires {expires.isoformat()}" in err
    assert token not in err


def test_cli_creates_a_token_that_expires_on_a_date(
    token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["token", "create", "--name", "ci", "--role", "reader", "--expires-in", "2099-01-01"]
    assert cli.main(argv) == 0
    _, err = capsys.readouterr()
    assert "expires 2099-01-01T00:00:00+00:00" in err
    assert TokenRegistry(token_file).get("ci").expires == datetime(2099, 1, 1, tzinfo=UTC)


def test_cli_creates_a_token_that_never_expires(
    token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["token", "create", "--name", "ci", "--role", "admin"]) == 0
    _, err = capsys.readouterr()
    assert "never expires" in err
    assert TokenRegistry(token_file).get("ci").expires is None


@pytest.mark.parametrize("value", ["0d", "30x", "-5h", "tomorrow", "2020-01-01", "99999d", ""])
def test_cli_refuses_a_bad_duration(
    token_file: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    argv = ["token", "create", "--name", "ci", "--role", "editor", f"--expires-in={value}"]
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""  # no token printed
    assert "invalid expiry" in err
    assert not token_file.exists()


def test_cli_lists_expiries(token_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_token_file(
        token_file,
        [
            {"name": "old", "role": "admin", "sha256": H1, "expires": PAST},
            {"name": "ci", "role": "editor", "sha256": H2, "expires": "2099-01-01T00:00:00+00:00"},
        ],
    )
    TokenRegistry(token_file).issue("forever", "reader")
    assert cli.main(["token", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("old ")
    assert lines[0].endswith(f"{PAST} (expired)")
    assert lines[1].endswith("2099-01-01T00:00:00+00:00")
    assert lines[2].startswith("forever ")
    assert lines[2].endswith(" -")
    assert cli.main(["token", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["expires"]) for t in listed] == [
        ("old", PAST),
        ("ci", "2099-01-01T00:00:00+00:00"),
        ("forever", None),
    ]
    assert H1 not in json.dumps(listed)


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
    keys = {"name", "role", "created", "source", "expires"}
    assert all(set(t) == keys for t in listed.json())
    assert all(t["expires"] is None for t in listed.json())

    created = client.post("/api/tokens", json={"name": "ci-bot", "role": "editor"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["name"] == "ci-bot"
    assert body["role"] == "editor"
    assert body["source"] == "file"
    assert body["created"]
    assert body["expires"] is None
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


def test_issue_an_expiring_token_through_the_api(client: httpx.Client, tokens: Tokens) -> None:
    admin = bearer(tokens.admin)
    before = datetime.now(UTC).replace(microsecond=0)
    made = client.post(
        "/api/tokens",
        json={"name": "week", "role": "editor", "expires_in_days": 7},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    expires = datetime.fromisoformat(made.json()["expires"])
    assert before + timedelta(days=7) <= expires <= datetime.now(UTC) + timedelta(days=7)
    week = made.json()["token"]
    assert client.post("/api/data", headers=bearer(week)).json() == {"written_by": "week"}

    dated = client.post(
        "/api/tokens",
        json={"name": "dated", "role": "reader", "expires": "2099-01-01T12:00:00+02:00"},
        headers=admin,
    )
    assert dated.status_code == 201, dated.text
    assert datetime.fromisoformat(dated.json()["expires"]) == datetime(2099, 1, 1, 10, tzinfo=UTC)
    day = client.post(
        "/api/tokens",
        json={"name": "day", "role": "reader", "expires": "2099-01-01"},
        headers=admin,
    )
    assert day.status_code == 201, day.text
    assert datetime.fromisoformat(day.json()["expires"]) == datetime(2099, 1, 1, tzinfo=UTC)

    listed = {t["name"]: t for t in client.get("/api/tokens", headers=admin).json()}
    assert datetime.fromisoformat(listed["week"]["expires"]) == expires
    assert datetime.fromisoformat(listed["day"]["expires"]) == datetime(2099, 1, 1, tzinfo=UTC)
    assert listed["alice"]["expires"] is None
    saved = json.loads((tokens.registry.path or Path()).read_text(encoding="utf-8"))
    assert {t["name"]: t["expires"] for t in saved["tokens"]}["day"] == "2099-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ({"expires": "2000-01-01T00:00:00Z"}, "not in the future"),
        ({"expires": "2000-01-01"}, "not in the future"),
        ({"expires": "soon"}, "expires"),
        ({"expires": 17}, "not in the future"),  # a Unix time: 1970
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": -1}, "expires_in_days"),
        ({"expires_in_days": 3651}, "expires_in_days"),
        ({"expires_in_days": "a week"}, "expires_in_days"),
        ({"expires": "2099-01-01", "expires_in_days": 3}, "not both"),
    ],
)
def test_a_bad_expiry_is_422(
    client: httpx.Client, tokens: Tokens, extra: dict[str, Any], detail: str
) -> None:
    body = {"name": "ci-bot", "role": "editor", **extra}
    response = client.post("/api/tokens", json=body, headers=bearer(tokens.admin))
    assert_problem(response, 422, detail)
    assert "ci-bot" not in tokens.registry


def test_an_expired_token_is_401(client: httpx.Client, tokens: Tokens) -> None:
    """Issued through the API, then made to expire by rewriting the file (as an operator
    could): the registry reads the file again and the token stops working."""
    admin = bearer(tokens.admin)
    made = client.post(
        "/api/tokens", json={"name": "short", "role": "admin", "expires_in_days": 1}, headers=admin
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert client.post("/api/revert", headers=bearer(token)).status_code == 200
    path = tokens.registry.path
    assert path is not None
    saved = json.loads(path.read_text(encoding="utf-8"))["tokens"]
    for entry in saved:
        if entry["name"] == "short":
            entry["expires"] = PAST
    write_token_file(path, saved)
    for route in ("/api/data", "/api/revert", "/api/tokens"):
        response = client.post(route, headers=bearer(token), json={"name": "x", "role": "reader"})
        assert_problem(response, 401, "the bearer token has expired (at 2000-01-01T00:00:00+00:00)")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert token not in response.text
        assert "short" not in response.text
    assert client.get("/api/public", headers=bearer(token)).json() == {"hello": "world"}
    # an unknown token is still just "not valid": nothing says an expired one exists
    wrong = client.post("/api/data", headers=bearer(token + "x"))
    assert_problem(wrong, 401, "not valid")
    assert "expired" not in wrong.text
    listed = {t["name"]: t for t in client.get("/api/tokens", headers=admin).json()}
    assert datetime.fromisoformat(listed["short"]["expires"]) == datetime(2000, 1, 1, tzinfo=UTC)
    assert client.delete("/api/tokens/short", headers=admin).status_code == 204
    assert_problem(client.post("/api/data", headers=bearer(token)), 401, "not valid")


def test_a_token_expires_while_the_service_runs(
    client: httpx.Client, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expiry is checked on each request, against the clock (moved here)."""
    registry = tokens.registry
    token = registry.issue("hour", "editor", expires=datetime.now(UTC) + timedelta(hours=1))
    assert client.post("/api/data", headers=bearer(token)).json() == {"written_by": "hour"}
    set_clock(monkeypatch, datetime.now(UTC) + timedelta(hours=2))
    assert_problem(client.post("/api/data", headers=bearer(token)), 401, "has expired")
    # tokens without an expiry are not affected by the clock
    assert client.post("/api/data", headers=bearer(tokens.editor)).status_code == 200


def test_a_version_1_file_without_expiries_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    entry = {
        "name": "old",
        "role": "editor",
        "sha256": hash_token("pgt_old-token-0123456789"),
        "created": "2025-01-01T00:00:00+00:00",
    }
    path.write_text(json.dumps({"version": 1, "tokens": [entry]}), encoding="utf-8")
    os.chmod(path, 0o600)
    registry = TokenRegistry(path)
    principal = registry.authenticate("pgt_old-token-0123456789")
    assert principal is not None
    assert principal.name == "old"
