"""X-Change-Message in UTF-8: the issue's Swedish message, sent every way a client sends
it (httpx and curl, to a real server), reads back from the change log exactly; one that
cannot be decoded is refused with 400 in Swedish and English and nothing is stored."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from urllib.parse import quote

import httpx
import pytest

from platform_graph.http.change_message import decode_change_message
from platform_graph.http.problems import ProblemError
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

EDITOR = "pgt_change-message-editor-0123456789abcdefgh"
MESSAGE = "Vivallaplanen gäller Vivalla – rättning"
UPDATE = 'INSERT DATA { <urn:change-message:s{n}> <urn:change-message:p> "ändring {n}" }'
GRAPH = "urn:change-message:{n}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("change-message")
    running = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )
    yield running
    running.stop()


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client(headers={"Authorization": f"Bearer {EDITOR}"}) as c:
        yield c


def _logged(client: httpx.Client, response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    change = client.get(response.json()["change"]["href"])
    assert change.status_code == 200, change.text
    message: str = change.json()["message"]
    return message


_count = iter(range(1, 10_000))


Headers = Mapping[str, str | bytes]


def _raw(headers: Headers, content_type: str) -> list[tuple[bytes, bytes]]:
    """The headers as bytes, as they go on the wire (a str value as ASCII)."""
    out = [(b"Content-Type", content_type.encode())]
    for name, value in headers.items():
        out.append((name.encode(), value if isinstance(value, bytes) else value.encode()))
    return out


def _update(client: httpx.Client, headers: Headers) -> httpx.Response:
    return client.post(
        "/update",
        content=UPDATE.replace("{n}", str(next(_count))).encode(),
        headers=_raw(headers, "application/sparql-update"),
    )


def _put(client: httpx.Client, headers: Headers) -> httpx.Response:
    graph = GRAPH.replace("{n}", str(next(_count)))
    return client.put(
        "/rdf-graphs/service",
        params={"graph": graph},
        content=b"<urn:a> <urn:b> <urn:c> .",
        headers=_raw(headers, "text/turtle"),
    )


WAYS: dict[str, Headers] = {
    "raw UTF-8 bytes": {"X-Change-Message": MESSAGE.encode("utf-8")},
    "percent-encoded": {"X-Change-Message": quote(MESSAGE)},
    "RFC 8187": {"X-Change-Message*": "UTF-8''" + quote(MESSAGE)},
    "RFC 8187 in lower case, with a language": {"x-change-message*": "utf-8'sv'" + quote(MESSAGE)},
    "RFC 8187 wins over the plain header": {
        "X-Change-Message": "something else",
        "X-Change-Message*": "UTF-8''" + quote(MESSAGE),
    },
}


@pytest.mark.server
@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("send", [_update, _put], ids=["update", "graph-store"])
def test_the_issues_message_reads_back_exactly(
    client: httpx.Client, way: str, send: object
) -> None:
    assert callable(send)
    assert _logged(client, send(client, WAYS[way])) == MESSAGE


@pytest.mark.server
def test_iso_8859_1_in_rfc_8187_is_read_as_such(client: httpx.Client) -> None:
    latin = "ISO-8859-1''" + quote("Vivalla gäller".encode("iso-8859-1"))
    assert _logged(client, _update(client, {"X-Change-Message*": latin})) == "Vivalla gäller"


@pytest.mark.server
def test_a_lone_percent_sign_is_kept(client: httpx.Client) -> None:
    text = "Budgeten ökar med 5 % (rättning)"
    sent = {"X-Change-Message": text.encode("utf-8")}
    assert _logged(client, _update(client, sent)) == text
    assert _logged(client, _update(client, {"X-Change-Message": "50% klart"})) == "50% klart"


@pytest.mark.server
def test_curl_sends_the_raw_bytes_and_they_are_kept(server: RunningServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None, "curl is needed for this test (apt-get install curl)"
    answer = subprocess.run(
        [
            curl,
            "--silent",
            "--show-error",
            "-X",
            "POST",
            f"{server.url}/update",
            "-H",
            f"Authorization: Bearer {EDITOR}",
            "-H",
            "Content-Type: application/sparql-update",
            "-H",
            f"X-Change-Message: {MESSAGE}",
            "--data-binary",
            UPDATE.replace("{n}", "curl"),
            "--write-out",
            "\n%{http_code}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    body, _, code = answer.stdout.decode("utf-8").rpartition("\n")
    assert code == "201", body
    change = json.loads(body)["change"]["href"]
    with server.client() as client:
        assert client.get(change).json()["message"] == MESSAGE


BAD: dict[str, Headers] = {
    "Latin-1 bytes, not UTF-8": {"X-Change-Message": MESSAGE.encode("iso-8859-1", "replace")},
    "percent-encoded Latin-1": {"X-Change-Message": "Vivalla g%E4ller"},
    "a broken escape in the * form": {"X-Change-Message*": "UTF-8''g%C3%A"},
    "a space in the * form": {"X-Change-Message*": "UTF-8''g%C3%A4ller Vivalla"},
    "another charset in the * form": {"X-Change-Message*": "KOI8-R''%C7%C1"},
    "no charset in the * form": {"X-Change-Message*": "g%C3%A4ller"},
    "invalid UTF-8 in the * form": {"X-Change-Message*": "UTF-8''g%E4ller"},
    "a control character": {"X-Change-Message": "rad ett%00rad tv%C3%A5"},
}


@pytest.mark.server
@pytest.mark.parametrize("way", list(BAD))
@pytest.mark.parametrize("send", [_update, _put], ids=["update", "graph-store"])
def test_a_message_that_cannot_be_decoded_is_refused_and_nothing_stored(
    client: httpx.Client, way: str, send: object
) -> None:
    assert callable(send)
    before = client.get("/api/changes").json()["total"]
    answer = send(client, BAD[way])
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["title"] == "Bad X-Change-Message"
    message = problem["errors"][0]["message"]
    assert "X-Change-Message" in message["en"]
    assert "Ändringsmeddelandet" in message["sv"]
    assert client.get("/api/changes").json()["total"] == before


@pytest.mark.server
def test_a_message_past_2000_characters_is_422(client: httpx.Client) -> None:
    answer = _update(client, {"X-Change-Message": quote("ä" * 2001)})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["parameter"] == "x-change-message"


# --- the decoder alone ------------------------------------------------------------------


def _latin1(text: bytes) -> str:
    """A header value as the web framework hands it over (its bytes read as ISO-8859-1)."""
    return text.decode("iso-8859-1")


@pytest.mark.parametrize(
    ("plain", "extended", "expected"),
    [
        (None, None, None),
        ("   ", None, None),
        (_latin1(MESSAGE.encode()), None, MESSAGE),
        (quote(MESSAGE), None, MESSAGE),
        (None, "UTF-8''" + quote(MESSAGE), MESSAGE),
        ("ignored", "UTF-8''" + quote(MESSAGE), MESSAGE),
        ("SPARQL Update", "", "SPARQL Update"),
        ("100%", None, "100%"),
        ("rad ett%0Arad två".encode().decode("iso-8859-1"), None, "rad ett%0Arad två"),
        ("rad ett%0Arad tv%C3%A5", None, "rad ett\nrad två"),
    ],
)
def test_decode(plain: str | None, extended: str | None, expected: str | None) -> None:
    assert decode_change_message(plain, extended) == expected


@pytest.mark.parametrize(
    ("plain", "extended"),
    [
        (_latin1(b"g\xe4ller"), None),
        ("g%E4ller", None),
        (None, "UTF-8''%"),
        (None, "UTF-8''%zz"),
        (None, "utf-16''%00a"),
        (None, "UTF-8'sv"),
        ("ok", "UTF-8''%FF"),
        ("tab\tok%07bell", None),
    ],
)
def test_decode_refuses(plain: str | None, extended: str | None) -> None:
    with pytest.raises(ProblemError) as caught:
        decode_change_message(plain, extended)
    assert caught.value.status == 400
    assert caught.value.sv
