"""A change acknowledged with 2xx survives SIGKILL; none is half-applied."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from platform_graph.auth import hash_token
from tests.server import start_server

TOKEN = "pgt_durability-editor-0123456789abcdef"
PG = "https://w3id.org/platform-graph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
POLISEN = "https://w3id.org/platform-graph/id/actor/polisen"


def _change(i: int) -> dict[str, str]:
    return {
        "message": f"alias {i}",
        "add": f'<{POLISEN}> <{SKOS}altLabel> "alias {i}"@sv .',
        "format": "application/n-triples",
    }


def test_acknowledged_changes_survive_sigkill(tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("durability")
    env = {"PLATFORM_GRAPH_TOKENS": f"writer:editor:{hash_token(TOKEN)}"}
    server = start_server(work, store=work / "store", env=env)
    acknowledged: list[int] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    resp = client.post(
                        "/api/changes",
                        json=_change(i),
                        headers={"Authorization": f"Bearer {TOKEN}"},
                    )
                except httpx.TransportError:
                    return  # the server is gone: this change was never acknowledged
                if resp.status_code == 201:
                    acknowledged.append(i)

    writer = threading.Thread(target=stream)
    writer.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 15 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL, mid-stream
    stop.set()
    writer.join(timeout=60)
    assert len(acknowledged) >= 15

    restarted = start_server(work, store=work / "store", env=env)
    try:
        with restarted.client() as client:
            query = (
                f"SELECT ?label WHERE {{ <{POLISEN}> <{SKOS}altLabel> ?label "
                'FILTER STRSTARTS(STR(?label), "alias ") }'
            )
            rows = client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
            present = {int(r["label"]["value"].split()[1]) for r in rows}
            # Every acknowledged change is there ...
            assert set(acknowledged) <= present
            # ... and every change there is whole: its record and its triple, or neither.
            log = client.get("/api/changes", params={"limit": 500}).json()
            logged = {int(c["message"].split()[1]) for c in log["items"]}
            assert logged == present
            assert log["total"] == len(present)
            # The service goes on accepting changes after the crash.
            resp = client.post(
                "/api/changes", json=_change(10_000), headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert resp.status_code == 201
            assert resp.json()["change"]["id"] == len(present) + 1
    finally:
        restarted.stop()
