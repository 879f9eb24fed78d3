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
