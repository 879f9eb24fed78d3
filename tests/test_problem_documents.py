"""Every 4xx says what went wrong in Swedish and English, and a browser gets a page.

A table of requests provokes each kind of 4xx across the API (in process, the app with
its confined workers over ASGI): each answer is a problem document whose ``errors`` carry
``message.sv`` and ``message.en``, the Swedish not the English. Malformed JSON is 400 with
the line and column Python's own JSON reader gives; schema errors name their field as a
dotted path with a message written for people; an unknown page under the site is an HTML
404 page to a browser, in Swedish or English, while API clients keep the problem document.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from platform_graph.http.middleware import BodyLimit
from tests.support.inprocess import ADMIN, EDITOR, READER, Client, Response, auth
from tests.test_web_pages import HTML, assert_good_html

PROBLEM = "application/problem+json"
COMMITMENT = "trygghet-narkotikateam"
ASSESSMENTS = f"/api/commitments/{COMMITMENT}/assessments"
GOOD = {
    "status": "in-progress",
    "date": "2025-03-01",
    "assessor": "Anna Öberg",
    "evidence": ["https://www.orebro.se/"],
}


@dataclass(frozen=True, kw_only=False)
class Ask:
    """One request that must be refused with ``status``."""

    name: str
    status: int
    method: str
    path: str
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    json_body: Any = None
    params: dict[str, str] = field(default_factory=dict)

    def send(self, http: Client) -> Response:
        headers = {**self.headers, **(auth(self.token) if self.token else {})}
        if self.json_body is not None:
            return http.request(
                self.method, self.path, json=self.json_body, headers=headers, params=self.params
            )
        return http.request(
            self.method, self.path, content=self.body, headers=headers, params=self.params
        )


TABLE = [
    Ask("malformed JSON", 400, "POST", "/api/changes", EDITOR,
        {"Content-Type": "application/json"}, b'{"message": "m",\n "add": }'),
    Ask("a SPARQL syntax error", 400, "GET", "/sparql", params={"query": "SELEC * {}"}),
    Ask("a refused SPARQL query", 400, "GET", "/sparql",
        params={"query": "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"}),
    Ask("a bad graph IRI", 400, "GET", "/rdf-graphs/service", params={"graph": "not an iri"}),
    Ask("unreadable Turtle", 400, "PUT", "/rdf-graphs/service", EDITOR,
        {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> .", params={"graph": "urn:x"}),
    Ask("an update by GET to /sparql", 400, "GET", "/sparql", params={"update": "CLEAR ALL"}),
    Ask("LOAD in an update", 400, "POST", "/update", EDITOR,
        {"Content-Type": "application/sparql-update"}, b"LOAD <http://example.org/x>"),
    Ask("a bad X-Change-Message", 400, "POST", "/update", EDITOR,
        {"Content-Type": "application/sparql-update", "X-Change-Message*": "KOI8-R''x"},
        b"INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    Ask("not a spreadsheet", 400, "POST", "/api/assessments/import", EDITOR,
        {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        b"commitment,status\n"),
    Ask("no token", 401, "POST", ASSESSMENTS, json_body=GOOD),
    Ask("an unknown token", 401, "POST", ASSESSMENTS, "pgt_nobody-knows-this-token-000000",
        json_body=GOOD),
    Ask("a reader's token", 403, "POST", ASSESSMENTS, READER, json_body=GOOD),
    Ask("an editor reverting", 403, "POST", "/api/changes/1/revert", EDITOR),
    Ask("an editor's DROP", 403, "POST", "/update", EDITOR,
        {"Content-Type": "application/sparql-update"}, b"DROP ALL"),
    Ask("the change log by the Graph Store", 403, "PUT", "/rdf-graphs/service", EDITOR,
        {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> <urn:c> .",
        params={"graph": "https://w3id.org/platform-graph/graph/changes"}),
    Ask("an unknown API path", 404, "GET", "/api/nothing-here"),
    Ask("an unknown commitment", 404, "GET", "/api/commitments/no-such-commitment"),
    Ask("an unknown actor", 404, "GET", "/api/actors/no-such-actor"),
    Ask("an unknown change", 404, "GET", "/api/changes/987654"),
    Ask("an unknown download", 404, "GET", "/data/nothing.ttl"),
    Ask("an unknown resource, for RDF", 404, "GET", "/id/commitment/nothing",
        headers={"Accept": "text/turtle"}),
    Ask("a missing graph", 404, "GET", "/rdf-graphs/service", params={"graph": "urn:nothing"}),
    Ask("an unknown token name", 404, "DELETE", "/api/tokens/nobody", ADMIN),
    Ask("DELETE on the change log", 405, "DELETE", "/api/changes/1", ADMIN),
    Ask("GET /update", 405, "GET", "/update"),
    Ask("an unacceptable list format", 406, "GET", "/api/commitments",
        headers={"Accept": "image/png"}),
    Ask("an unacceptable SPARQL format", 406, "GET", "/sparql",
        headers={"Accept": "image/png"}, params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}),
    Ask("an unacceptable resource format", 406, "GET", "/id/actor/polisen",
        headers={"Accept": "image/png"}),
    Ask("a token that exists", 409, "POST", "/api/tokens", ADMIN, json_body={
        "name": "editor", "role": "editor"}),
    Ask("a stale If-Match", 412, "POST", ASSESSMENTS, EDITOR, {"If-Match": '"987654"'},
        json_body=GOOD, params={"dry_run": "true"}),
    Ask("a body past the limit", 413, "POST", "/api/changes", EDITOR,
        {"Content-Type": "application/json"}, b"[" + b"1," * 600_000 + b"1]"),
    Ask("a spreadsheet past the row limit", 413, "POST", "/api/assessments/import", EDITOR,
        {"Content-Type": "text/csv"},
        ("commitment,status,date,assessor,evidence,note\n" + "x,y,z,a,b,c\n" * 5001).encode()),
    Ask("a form where JSON is expected", 415, "POST", ASSESSMENTS, EDITOR,
        {"Content-Type": "application/x-www-form-urlencoded"}, b"status=in-progress"),
    Ask("an update as plain text", 415, "POST", "/update", EDITOR,
        {"Content-Type": "text/plain"}, b"CLEAR ALL"),
    Ask("a query in Latin-1", 415, "POST", "/sparql",
        headers={"Content-Type": "application/sparql-query; charset=iso-8859-1"},
        body=b"ASK {}"),
    Ask("RDF as a PDF", 415, "PUT", "/rdf-graphs/service", EDITOR,
        {"Content-Type": "application/pdf"}, b"%PDF", params={"graph": "urn:x"}),
    Ask("a spreadsheet as a PDF", 415, "POST", "/api/assessments/import", EDITOR,
        {"Content-Type": "application/pdf"}, b"%PDF-1.7"),
    Ask("a limit of zero", 422, "GET", "/api/commitments", params={"limit": "0"}),
    Ask("an unknown actor filter", 422, "GET", "/api/commitments", params={"actor": "nobody"}),
    Ask("a named query without its parameter", 422, "GET", "/api/queries/actor-commitments"),
    Ask("an assessment in 2031", 422, "POST", ASSESSMENTS, EDITOR,
        json_body={**GOOD, "date": "2031-01-01"}, params={"dry_run": "true"}),
    Ask("an assessment without a status", 422, "POST", ASSESSMENTS, EDITOR,
        json_body={k: v for k, v in GOOD.items() if k != "status"}),
    Ask("a change that breaks a shape", 422, "POST", "/api/changes", EDITOR, json_body={
        "message": "no status",
        "remove": f"<https://w3id.org/platform-graph/id/commitment/{COMMITMENT}> "
        "<https://w3id.org/platform-graph/ontology#status> "
        "<https://w3id.org/platform-graph/id/status/not-yet-rated> .",
        "format": "application/n-triples"}, params={"dry_run": "false"}),
    Ask("a token with an unknown role", 422, "POST", "/api/tokens", ADMIN,
        json_body={"name": "x", "role": "god"}),
]  # fmt: skip


def test_the_table_provokes_every_kind_of_4xx() -> None:
    assert {a.status for a in TABLE} >= {400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422}
    assert len({a.name for a in TABLE}) == len(TABLE)


def assert_bilingual(body: dict[str, Any], where: str) -> list[dict[str, Any]]:
    errors = body.get("errors")
    assert isinstance(errors, list), f"{where}: no errors: {body}"
    assert errors, f"{where}: no errors: {body}"
    for entry in errors:
        sv, en = entry["message"]["sv"], entry["message"]["en"]
        assert isinstance(sv, str), f"{where}: {entry}"
        assert isinstance(en, str), f"{where}: {entry}"
        assert sv.strip(), f"{where}: no Swedish: {entry}"
        assert en.strip(), f"{where}: no English: {entry}"
        assert sv != en, f"{where}: the Swedish is the English: {entry}"
    assert isinstance(body.get("detail"), str), f"{where}: no detail"
    assert body["detail"], f"{where}: an empty detail"
    return errors


@pytest.mark.parametrize("ask", TABLE, ids=lambda a: f"{a.status}-{a.name}")
def test_every_4xx_says_it_in_swedish_and_english(http: Client, ask: Ask) -> None:
    before = http.get("/api/changes").json()["total"]
    answer = ask.send(http)
    assert answer.status_code == ask.status, f"{ask.name}: {answer.status_code} {answer.text}"
    assert answer.headers["content-type"].startswith(PROBLEM), answer.headers["content-type"]
    body = answer.json()
    assert body.get("status", ask.status) in (ask.status, "rejected"), body
    assert_bilingual(body, ask.name)
    assert http.get("/api/changes").json()["total"] == before, "a refused request changed data"


def test_a_body_that_stops_arriving_is_408_in_both_languages() -> None:
    """The body-limit middleware itself, with a client that sends half a body and waits."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app must not see a body that never arrived")

    async def receive() -> Message:
        if not sent:
            sent.append({"type": "marker"})
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.sleep(5)
        return {"type": "http.disconnect"}

    answer: list[Message] = []

    async def send(message: Message) -> None:
        answer.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/changes",
        "headers": [(b"content-length", b"100")],
    }
    asyncio.run(BodyLimit(app, limit=1000, timeout=0.05)(scope, receive, send))
    assert answer[0]["status"] == 408
    body = json.loads(b"".join(m.get("body", b"") for m in answer[1:]))
    errors = assert_bilingual(body, "408")
    assert "i tid" in errors[0]["message"]["sv"] or "inom" in errors[0]["message"]["sv"]


# --- malformed JSON: 400 with line and column ------------------------------------------

BROKEN = [
    b'{"message": "m", "add": ',
    b'{"message": "m",\n "add": }',
    b'{\n  "message": "m",\n  "add": "x"\n  "remove": "y"\n}',
    b"{'message': 'm'}",
    b'{"message": "m"} trailing',
    '{"message": "räksmörgås",\n\n   "add": [1, 2,]}'.encode(),
]


@pytest.mark.parametrize("body", BROKEN, ids=range(len(BROKEN)))
def test_malformed_json_is_400_with_the_line_and_column(http: Client, body: bytes) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(body)
    answer = http.post(
        "/api/changes", content=body, headers={**auth(EDITOR), "Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert (problem["line"], problem["column"]) == (expected.value.lineno, expected.value.colno)
    assert (
        f"rad {problem['line']}, kolumn {problem['column']}"
        in problem["errors"][0]["message"]["sv"]
    )
    assert problem["errors"][0]["parameter"] == "body"


# --- schema errors: the field, and words for people -------------------------------------

SCHEMA = [
    ({k: v for k, v in GOOD.items() if k != "assessor"}, "assessor", "missing", "saknas"),
    ({**GOOD, "colour": "red"}, "colour", "extra_forbidden", "inget fält"),
    ({**GOOD, "evidence": []}, "evidence", "too_short", "minst 1"),
    ({**GOOD, "evidence": ["https://a.se/", 5]}, "evidence.1", "string_type", "text"),
    ({**GOOD, "date": "2025-02-30"}, "date", "date_from_datetime_parsing", "ÅÅÅÅ-MM-DD"),
    ({**GOOD, "date": "yesterday"}, "date", "date_from_datetime_parsing", "ÅÅÅÅ-MM-DD"),
    ({**GOOD, "date": "2025-03-01T12:30:00"}, "date", "date_from_datetime_inexact", "klockslag"),
    ({**GOOD, "status": "pågår"}, "status", "enum", "in-progress"),
    ({**GOOD, "assessor": ""}, "assessor", "string_too_short", "tomt"),
    ({**GOOD, "assessor": "a" * 201}, "assessor", "string_too_long", "200"),
    ({**GOOD, "note": 5}, "note", "union", "text eller"),
    ({**GOOD, "note": {"en": "only English"}}, "note.sv", "missing", "saknas"),
    ({**GOOD, "note": "n" * 4001}, "note", "too-long", "4000"),
    ({**GOOD, "evidence": ["x"]}, "evidence.0", "evidence-not-url", "webbadress"),
    ({**GOOD, "date": "2031-01-01"}, "date", "date-in-future", "efter i dag"),
    ({**GOOD, "date": "2021-12-31"}, "date", "date-before-term", "2022-01-01"),
    ([GOOD], "body", "model_attributes_type", "JSON-objekt"),
]


@pytest.mark.parametrize(
    ("body", "parameter", "kind", "swedish"), SCHEMA, ids=[f"{s[1]}-{s[2]}" for s in SCHEMA]
)
def test_a_schema_error_names_its_field_in_words_for_people(
    http: Client, body: Any, parameter: str, kind: str, swedish: str
) -> None:
    answer = http.post(ASSESSMENTS, json=body, headers=auth(EDITOR), params={"dry_run": "true"})
    assert answer.status_code == 422, answer.text
    errors = assert_bilingual(answer.json(), parameter)
    named = [e for e in errors if e["parameter"] == parameter]
    assert named, errors
    assert named[0]["code"] == kind, named
    assert swedish in named[0]["message"]["sv"], named[0]
    assert parameter in answer.json()["detail"]


def test_a_query_parameter_error_is_bilingual(http: Client) -> None:
    answer = http.get("/api/commitments", params={"limit": "many"})
    assert answer.status_code == 422
    (error,) = assert_bilingual(answer.json(), "limit")
    assert error["parameter"] == "limit"
    assert error["message"]["sv"] == "Antal (limit) måste vara ett heltal."


# --- an HTML 404 page for browsers ------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/no-such-page", "/browse/nothing", "/id/commitment/no-such-commitment", "/id/x/y.ttl"],
)
def test_a_browser_gets_the_404_page_in_swedish(http: Client, path: str) -> None:
    answer = http.get(path, headers=HTML)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-language"] == "sv"
    page = assert_good_html(answer.text, path)
    assert "Sidan finns inte" in page.all_text
    assert "/" in page.links
    assert "/search" in page.links
    assert "/browse" in page.links


def test_the_404_page_speaks_english_when_asked(http: Client) -> None:
    by_parameter = http.get("/no-such-page?lang=en", headers=HTML)
    by_header = http.get("/no-such-page", headers={**HTML, "Accept-Language": "en-GB,en;q=0.8"})
    for answer in (by_parameter, by_header):
        assert answer.status_code == 404
        assert answer.headers["content-language"] == "en"
        assert "Page not found" in answer.text
    # A reader who chose English by the switch keeps it on the links.
    assert 'href="/search?lang=en"' in by_parameter.text


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/nothing", "text/html"),
        ("/data/nothing.ttl", "text/html"),
        ("/no-such-page", "application/json"),
        ("/no-such-page", "*/*"),
        ("/id/commitment/nothing", "text/turtle"),
    ],
)
def test_api_clients_keep_the_problem_document(http: Client, path: str, accept: str) -> None:
    answer = http.get(path, headers={"Accept": accept})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert_bilingual(answer.json(), path)
