"""What only a real server shows: slow clients are cut off, secrets stay out of the log.

Forty half-open connections trickling their headers once held the server's sockets for
as long as they liked; a token sent in a query string was written to the access log.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.support.server import RunningServer, start_server


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("slow-clients")
    running = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_HEADER_TIMEOUT": "1",
            "PLATFORM_GRAPH_BODY_TIMEOUT": "1",
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )
    yield running
    running.stop()


def _connect(server: RunningServer) -> socket.socket:
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_client_slow_to_send_its_headers_is_cut_off(strict: RunningServer) -> None:
    sockets = [_connect(strict) for _ in range(20)]
    started = time.monotonic()
    for sock in sockets:
        sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    answers = [_read_all(sock) for sock in sockets]
    assert time.monotonic() - started < 8
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
    idle = _connect(strict)  # a connection that sends nothing at all
    assert _read_all(idle).startswith(b"HTTP/1.1 408")
    for sock in [*sockets, idle]:
        sock.close()
    with strict.client() as client:
        assert client.get("/api/stats").status_code == 200


def test_a_client_slow_to_send_its_body_is_cut_off(strict: RunningServer) -> None:
    sock = _connect(strict)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\nSELECT"
    )
    started = time.monotonic()
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < 8


def test_keep_alive_between_requests_still_works(strict: RunningServer) -> None:
    with strict.client() as client:
        for _ in range(3):
            assert client.get("/api/stats").status_code == 200
            time.sleep(0.5)


def test_a_token_in_a_query_string_is_not_logged(strict: RunningServer) -> None:
    secret = "pgt_this-must-never-reach-the-log-0123456789"
    with strict.client() as client:
        client.get("/api/stats", params={"token": secret, "access_token": secret})
    time.sleep(0.3)
    log = strict.log.read_text(encoding="utf-8", errors="replace")
    assert "/api/stats?token=[redacted]" in log
    assert secret not in log


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer with a Content-Length, read off a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def test_a_method_the_parser_does_not_know_reaches_the_app_and_the_connection_lives_on(
    strict: RunningServer,
) -> None:
    # llhttp refuses BREW before the app sees it; the connection is handed to h11, which
    # passes it on: the app's 405 problem, and the next request on the same connection.
    sock = _connect(strict)
    try:
        sock.sendall(b"BREW /sparql HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = _read_answer(sock)
        assert status == 405
        assert headers["content-type"].startswith("application/problem+json")
        assert b"GET" in headers.get("allow", "").encode() or b"405" in body
        sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = _read_answer(sock)
        assert status == 200
        assert b"commitments" in body
    finally:
        sock.close()


def test_a_pipelined_unknown_method_after_a_request_is_refused_cleanly(
    strict: RunningServer,
) -> None:
    sock = _connect(strict)
    try:
        sock.sendall(
            b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\nBREW /sparql HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        answers = _read_all(sock)
    finally:
        sock.close()
    # llhttp stops at BREW with the GET already parsed: the connection is refused with a
    # 400 (uvicorn's answer to a request it cannot parse), never a 5xx.
    assert answers.startswith(b"HTTP/1.1 400")
    assert b"HTTP/1.1 5" not in answers
    # and the server still serves
    sock = _connect(strict)
    try:
        sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_answer(sock)[0] == 200
    finally:
        sock.close()
