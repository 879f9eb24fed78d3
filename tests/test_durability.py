"""A change acknowledged with 2xx survives SIGKILL; none is half-applied; the log matches.

The server is killed at a random moment of a stream of changes, three times over; after
each restart every acknowledged change is there, every change there is whole (its
record and its triple, or neither), and the graph still conforms to the shapes.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from platform_graph.store.rdf_io import format_for, parse_into
from platform_graph.validation.shacl import load_shapes, validate
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

TOKEN = "pgt_durability-editor-0123456789abcdef"
SKOS = "http://www.w3.org/2004/02/skos/core#"
POLISEN = "https://w3id.org/platform-graph/id/actor/polisen"
SHAPES = Path(__file__).resolve().parents[1] / "shapes" / "platform-graph.shapes.ttl"
KILLS = 3


def _change(i: int) -> dict[str, str]:
    return {
        "message": f"alias {i}",
        "add": f'<{POLISEN}> <{SKOS}altLabel> "alias {i}"@sv .',
        "format": "application/n-triples",
    }


def _stream(
    server: RunningServer, start: int, acknowledged: list[int], stop: threading.Event
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        i = start
        while not stop.is_set():
            i += 1
            try:
                resp = client.post(
                    "/api/changes", json=_change(i), headers={"Authorization": f"Bearer {TOKEN}"}
                )
            except httpx.TransportError:
                return  # the server is gone: this change was never acknowledged
            if resp.status_code == 201:
                acknowledged.append(i)


def _check(server: RunningServer, acknowledged: list[int]) -> int:
    with server.client() as client:
        query = (
            f"SELECT ?label WHERE {{ <{POLISEN}> <{SKOS}altLabel> ?label "
            'FILTER STRSTARTS(STR(?label), "alias ") }'
        )
        rows = client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
        present = {int(r["label"]["value"].split()[1]) for r in rows}
        assert set(acknowledged) <= present, "an acknowledged change was lost"
        log = client.get("/api/changes", params={"limit": 500}).json()
        logged = {int(c["message"].split()[1]) for c in log["items"]}
        assert logged == present, "the change log does not match the data"
        assert log["total"] == len(present)
        dump = client.get("/data/platform-graph.nq").content
    graph = Graph()
    parse_into(graph, dump, format_for("x.nq"), source="dump")
    report = validate(graph, load_shapes(SHAPES))
    assert report.conforms, report.to_text()
    return max(present, default=0)


def test_acknowledged_changes_survive_repeated_sigkill(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    work = tmp_path_factory.mktemp("durability")
    env = {"PLATFORM_GRAPH_TOKENS": f"writer:editor:{hash_token(TOKEN)}"}
    rng = random.Random(1880)
    acknowledged: list[int] = []
    last = 0
    server = start_server(work, store=work / "store", env=env)
    try:
        for _ in range(KILLS):
            stop = threading.Event()
            writer = threading.Thread(target=_stream, args=(server, last, acknowledged, stop))
            writer.start()
            goal = len(acknowledged) + 5
            deadline = time.monotonic() + 60
            while len(acknowledged) < goal and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.5))  # a random moment in the stream
            server.kill()  # SIGKILL
            stop.set()
            writer.join(timeout=60)
            assert len(acknowledged) >= goal
            server = start_server(work, store=work / "store", env=env)
            last = _check(server, acknowledged)
        # After the last crash the service goes on accepting changes.
        with server.client() as client:
            resp = client.post(
                "/api/changes", json=_change(last + 1), headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert resp.status_code == 201
    finally:
        server.stop()
