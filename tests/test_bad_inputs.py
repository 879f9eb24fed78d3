"""Hostile and malformed requests, from the corpus in tests/bad_inputs/, against a real server.

Every case must be refused with a 4xx whose message names the problem (a JSON problem
document with a "detail" and its ``errors`` in Swedish and English, unless the case says
the HTTP layer itself answers), never a
5xx, never a stack trace, never a token; and the whole corpus must leave the store as it
was: the same N-Quads dump (sorted lines), the same change log, the same tokens.

A case is a mapping in a YAML list (one file per surface):

    id:          unique, used as the test id
    method:      GET, POST, ...
    path:        sent as written (percent escapes are kept)
    params:      query parameters: a mapping, or a list of [name, value] pairs
    headers:     a mapping
    role:        none (default), wrong, reader, editor or admin: the bearer token sent
    body:        UTF-8 text | body_base64: raw bytes | json: any value | form: a mapping
    chunked:     send the body with Transfer-Encoding: chunked (no Content-Length)
    raw:         send the request line verbatim over a socket (for ../ and control bytes)
    status:      the exact status expected, or "4xx" (default); 503 for a resource bomb
                 the server stops (a query past its memory or time limit), never a 500
    message:     a regular expression (case ignored) the message must match
    problem:     false when the HTTP layer answers in plain text (default true)

In path, params, body and JSON strings, ``{{repeat N}}text{{end}}`` stands for ``text``
N times, with ``{i}`` in it replaced by the repetition's number: oversize bodies, deep
nesting and thousands of variables stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

CORPUS = Path(__file__).resolve().parent / "bad_inputs"

TOKENS = {
    "reader": "pgt_bad-inputs-reader-0123456789abcdefghijklmnop",
    "editor": "pgt_bad-inputs-editor-0123456789abcdefghijklmnop",
    "admin": "pgt_bad-inputs-admin-0123456789abcdefghijklmnopq",
    "wrong": "pgt_bad-inputs-wrong-0123456789abcdefghijklmnopq",
}
ROLES = ("none", "wrong", "reader", "editor", "admin")
KEYS = frozenset(
    {
        "id",
        "method",
        "path",
        "params",
        "headers",
        "role",
        "body",
        "body_base64",
        "json",
        "form",
        "chunked",
        "raw",
        "status",
        "message",
        "problem",
        "note",
    }
)
# The innermost repetition first: its text holds no other "{{repeat".
_REPEAT = re.compile(r"\{\{repeat (\d+)\}\}((?:(?!\{\{repeat ).)*?)\{\{end\}\}", re.DOTALL)
_TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")

# Every route of the service, as a pattern over the path: the corpus must reach each one.
ROUTES = {
    "/sparql": r"/sparql",
    "/update": r"/update",
    "/api/commitments": r"/api/commitments",
    "/api/commitments/{id}": r"/api/commitments/[^/]+",
    "/api/commitments/{id}/assessments": r"/api/commitments/[^/]+/assessments",
    "/api/actors(/{id})": r"/api/actors(/.*)?",
    "/api/areas(/{id})": r"/api/areas(/.*)?",
    "/api/themes(/{id})": r"/api/themes(/.*)?",
    "/api/sections(/{id})": r"/api/sections(/.*)?",
    "/api/stats": r"/api/stats",
    "/api/context.jsonld": r"/api/context\.jsonld(/.*)?",
    "/api/queries(/{name})": r"/api/queries(/.*)?",
    "/api/changes": r"/api/changes",
    "/api/changes/{id}": r"/api/changes/[^/]+",
    "/api/changes/{id}/revert": r"/api/changes/[^/]+/revert",
    "/api/tokens(/{name})": r"/api/tokens(/.*)?",
    "/id/{path}": r"/id/.*",
    "/ontology": r"/ontology(/.*)?",
    "/data/{name}": r"/data/.*",
    "/rdf-graphs/service": r"/rdf-graphs/service",
    "/rdf-graphs/{path}": r"/rdf-graphs/(?!service$).+",
    "/browse/{kinds}": r"/browse/.+",
    "/search": r"/search",
    "/static/{path}": r"/static/.+",
    "/": r"/",
}


def expand(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        return "".join(m.group(2).replace("{i}", str(i)) for i in range(int(m.group(1))))

    while True:
        expanded = _REPEAT.sub(one, text)
        if expanded == text:
            return text
        text = expanded


def expand_all(value: Any) -> Any:
    if isinstance(value, str):
        return expand(value)
    if isinstance(value, list):
        return [expand_all(v) for v in value]
    if isinstance(value, dict):
        return {expand(str(k)): expand_all(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    method: str
    path: str
    message: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    role: str = "none"
    body: bytes | None = None
    json_body: Any = None
    has_json: bool = False
    form: dict[str, str] | None = None
    chunked: bool = False
    raw: bool = False
    status: int | None = None
    problem: bool = True

    @classmethod
    def of(cls, entry: Any, source: str) -> Case:
        where = f"{source}: {entry.get('id', '?') if isinstance(entry, dict) else entry!r}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: a case is a mapping")
        unknown = set(entry) - KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "method", "path", "message"):
            if not isinstance(entry.get(key), str):
                raise ValueError(f"{where}: '{key}' (a string) is required")
        bodies = [k for k in ("body", "body_base64", "json", "form") if k in entry]
        if len(bodies) > 1:
            raise ValueError(f"{where}: at most one of body, body_base64, json, form")
        role = entry.get("role", "none")
        if role not in ROLES:
            raise ValueError(f"{where}: role must be one of {ROLES}")
        status = entry.get("status", "4xx")
        if status != "4xx" and not (
            isinstance(status, int) and (400 <= status < 500 or status == 503)
        ):
            raise ValueError(f"{where}: status must be '4xx', a 4xx code or 503")
        raw_params = entry.get("params", [])
        pairs = raw_params.items() if isinstance(raw_params, dict) else raw_params
        params = [(str(k), expand(str(v))) for k, v in pairs]
        body: bytes | None = None
        if "body" in entry:
            body = expand(str(entry["body"])).encode("utf-8", "surrogatepass")
        elif "body_base64" in entry:
            body = base64.b64decode(entry["body_base64"])
        form = entry.get("form")
        re.compile(entry["message"])
        return cls(
            id=entry["id"],
            source=source,
            method=entry["method"].upper(),
            path=expand(entry["path"]),
            message=entry["message"],
            params=params,
            headers={str(k): expand(str(v)) for k, v in (entry.get("headers") or {}).items()},
            role=role,
            body=body,
            json_body=expand_all(entry.get("json")),
            has_json="json" in entry,
            form=None if form is None else {str(k): expand(str(v)) for k, v in form.items()},
            chunked=bool(entry.get("chunked", False)),
            raw=bool(entry.get("raw", False)),
            status=None if status == "4xx" else status,
            problem=bool(entry.get("problem", True)),
        )


def load_corpus() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        cases.extend(Case.of(entry, path.name) for entry in entries)
    return cases


CASES = load_corpus()


@dataclass
class Answer:
    status: int
    content_type: str
    text: str


class Target:
    """The writable server; started again on the same store if a case crashed it."""

    def __init__(self, work: Path) -> None:
        self.work = work
        configured = ",".join(
            f"{role}:{role}:{hash_token(TOKENS[role])}" for role in ("reader", "editor", "admin")
        )
        self.env = {
            "PLATFORM_GRAPH_TOKENS": configured,
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
            "PLATFORM_GRAPH_QUERY_TIMEOUT": "10",
            # A memory bomb is stopped at 256 MiB, in a second or two.
            "PLATFORM_GRAPH_QUERY_MEMORY_MB": "256",
        }
        self.server = self._start()
        self.restarts = 0

    def _start(self) -> RunningServer:
        return start_server(self.work, store=self.work / "store", env=self.env)

    def alive(self) -> RunningServer:
        if self.server.process.poll() is not None:
            self.restarts += 1
            self.server = self._start()
        return self.server

    def stop(self) -> None:
        self.server.stop()


def _headers(case: Case) -> dict[str, str]:
    headers = dict(case.headers)
    if case.role != "none":
        headers["Authorization"] = f"Bearer {TOKENS[case.role]}"
    return headers


def _chunks(data: bytes) -> Iterator[bytes]:
    step = 64 * 1024
    for start in range(0, len(data), step):
        yield data[start : start + step]


def send(url: str, case: Case) -> Answer:
    if case.raw:
        return send_raw(url, case)
    with httpx.Client(
        base_url=url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        kwargs: dict[str, Any] = {"headers": _headers(case)}
        if case.params:
            kwargs["params"] = case.params
        body = case.body
        if case.has_json:
            body = json.dumps(case.json_body, ensure_ascii=False).encode("utf-8")
            kwargs["headers"].setdefault("Content-Type", "application/json")
        if case.form is not None:
            kwargs["data"] = case.form
        elif body is not None:
            kwargs["content"] = _chunks(body) if case.chunked else body
        response = client.request(case.method, case.path, **kwargs)
        return Answer(
            response.status_code,
            response.headers.get("content-type", ""),
            response.content.decode("utf-8", "replace"),
        )


def send_raw(url: str, case: Case) -> Answer:
    """The request line as written, byte for byte: no client normalises the path."""
    host, port = url.removeprefix("http://").split(":")
    headers = {"Host": f"{host}:{port}", "Connection": "close", **_headers(case)}
    body = case.body or b""
    if body:
        headers["Content-Length"] = str(len(body))
    head = f"{case.method} {case.path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    data = head.encode("latin-1", "surrogateescape") + b"\r\n" + body
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head_bytes, _, payload = received.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if fields.get("transfer-encoding") == "chunked":
        payload = _dechunk(payload)
    return Answer(status, fields.get("content-type", ""), payload.decode("utf-8", "replace"))


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


def problems_with(case: Case, answer: Answer) -> list[str]:
    """What is wrong with the answer to a bad input; empty if it was refused cleanly."""
    found: list[str] = []
    if answer.status >= 500 and not (case.status == 503 == answer.status):
        found.append(f"server error {answer.status}")
    elif case.status is not None and answer.status != case.status:
        found.append(f"status {answer.status}, expected {case.status}")
    elif case.status is None and not 400 <= answer.status < 500:
        found.append(f"status {answer.status}, expected a 4xx refusal")
    if _TRACE.search(answer.text):
        found.append("the answer holds a stack trace")
    for role, token in TOKENS.items():
        if token in answer.text:
            found.append(f"the answer holds the {role} token")
    message = answer.text
    if case.problem:
        try:
            doc = json.loads(answer.text)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or not isinstance(doc.get("detail"), str):
            found.append(f"not a problem document with a 'detail' ({answer.content_type})")
        else:
            found += bilingual_problems(doc)
            message = " ".join(
                [str(doc.get("title", "")), doc["detail"], json.dumps(doc.get("errors", ""))]
            )
    if not re.search(case.message, message, re.IGNORECASE):
        found.append(f"the message does not match /{case.message}/")
    return found


def bilingual_problems(doc: dict[str, Any]) -> list[str]:
    """What keeps a problem document from saying its errors in Swedish and English: every
    entry of ``errors`` has ``message.sv`` and ``message.en``, and the Swedish is not the
    English."""
    errors = doc.get("errors")
    if not isinstance(errors, list) or not errors:
        return ["no 'errors' with messages in Swedish and English"]
    found: list[str] = []
    for entry in errors:
        message = entry.get("message") if isinstance(entry, dict) else None
        if not isinstance(message, dict):
            found.append(f"an error without a bilingual message: {entry!r}"[:200])
            continue
        sv, en = message.get("sv"), message.get("en")
        if not (isinstance(sv, str) and sv.strip() and isinstance(en, str) and en.strip()):
            found.append(f"an error without both 'sv' and 'en': {message!r}"[:200])
        elif sv == en:
            found.append(f"the Swedish message is the English one: {en!r}"[:200])
    return found


def store_state(server: RunningServer) -> tuple[str, int, list[str]]:
    """(digest of the sorted N-Quads dump, change log total, token names)."""
    with server.client() as client:
        dump = client.get("/data/platform-graph.nq")
        assert dump.status_code == 200, dump.text
        lines = sorted(line for line in dump.text.splitlines() if line.strip())
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        changes = client.get("/api/changes")
        assert changes.status_code == 200, changes.text
        tokens = client.get("/api/tokens", headers={"Authorization": f"Bearer {TOKENS['admin']}"})
        assert tokens.status_code == 200, tokens.text
        names = sorted(t["name"] for t in tokens.json())
    return digest, int(changes.json()["total"]), names


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    running = Target(tmp_path_factory.mktemp("bad-inputs"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def state_before(target: Target) -> tuple[str, int, list[str]]:
    return store_state(target.alive())


def test_the_corpus_is_large_and_reaches_every_route() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(CASES) >= 150, len(CASES)
    paths = [c.path.split("?")[0] for c in CASES]
    missing = [
        name for name, pattern in ROUTES.items() if not any(re.fullmatch(pattern, p) for p in paths)
    ]
    assert not missing, f"no bad input reaches {missing}"
    assert {c.role for c in CASES} >= {"none", "editor", "admin"}


@pytest.mark.server
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_is_refused_cleanly(
    target: Target, state_before: tuple[str, int, list[str]], case: Case
) -> None:
    server = target.alive()
    try:
        answer = send(server.url, case)
    except (httpx.TransportError, OSError) as exc:
        try:
            server.process.wait(timeout=5)
            what = f"the server crashed (exit {server.process.returncode})"
        except subprocess.TimeoutExpired:
            what = "the connection failed"
        pytest.fail(f"{case.source}: {case.method} {case.path[:120]}: {what}: {exc!r}")
    found = problems_with(case, answer)
    assert not found, (
        f"{case.source}: {case.method} {case.path[:120]} -> {answer.status}: "
        f"{'; '.join(found)}; body: {answer.text[:400]}"
    )


@pytest.mark.server
def test_the_corpus_left_the_store_unchanged(
    target: Target, state_before: tuple[str, int, list[str]]
) -> None:
    after = store_state(target.alive())
    digest, total, tokens = state_before
    assert after[2] == tokens, "the tokens changed"
    assert after[1] == total, f"the change log grew from {total} to {after[1]}"
    assert after[0] == digest, "the store's N-Quads differ after the corpus"


@pytest.mark.server
def test_no_bad_input_crashed_the_server(target: Target) -> None:
    target.alive()
    assert target.restarts == 0, f"the server crashed {target.restarts} time(s) during the corpus"
