"""Several API processes over one Virtuoso, and pushing the graph into it.

Every test here runs on Virtuoso whatever PLATFORM_GRAPH_TEST_BACKEND says: several
processes cannot share the embedded store (its folder is locked by the one that opens
it). `.ci/run` installs Debian's virtuoso-opensource.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from rdflib import Literal, URIRef

from platform_graph.build.graph import build
from platform_graph.config import Paths
from platform_graph.store import StoreQueryError, StoreTimeout
from platform_graph.store.remote import RemoteSettings, RemoteStore, virtuoso_stopped_it
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, free_port, start_server
from tests.support.virtuoso import VirtuosoServer

EDITOR = "pgt_scale-out-editor-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]
SKOS = "http://www.w3.org/2004/02/skos/core#"
POLISEN = "https://w3id.org/platform-graph/id/actor/polisen"
CLI = (sys.executable, "-m", "platform_graph.cli")


def _env(virtuoso: VirtuosoServer, work: Path) -> dict[str, str]:
    return {
        "PLATFORM_GRAPH_STORE_URL": virtuoso.sparql_url,
        "PLATFORM_GRAPH_STORE_UPDATE_URL": virtuoso.update_url,
        "PLATFORM_GRAPH_STORE_USER": "dba",
        "PLATFORM_GRAPH_STORE_PASSWORD": virtuoso.password,
        "PLATFORM_GRAPH_STORE_DIALECT": "virtuoso",
        "PLATFORM_GRAPH_WRITER_LOCK_PATH": str(work / "writer.lock"),
        "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
        "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        "PLATFORM_GRAPH_BUILD_DIR": str(work / "build"),
    }


def _remote(virtuoso: VirtuosoServer) -> RemoteStore:
    return RemoteStore(
        RemoteSettings(
            query_url=virtuoso.sparql_url,
            update_url=virtuoso.update_url,
            user="dba",
            password=virtuoso.password,
            dialect="virtuoso",
        )
    )


def _require_virtuoso() -> None:
    if shutil.which("virtuoso-t") is None:
        message = "no virtuoso-t: `apt-get install virtuoso-opensource` (.ci/run does)"
        if os.environ.get("PLATFORM_GRAPH_REQUIRE_VIRTUOSO"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def needs_virtuoso() -> None:
    _require_virtuoso()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    _require_virtuoso()
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def two_servers(
    virtuoso: VirtuosoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two separate `platform-graph serve` processes over the same Virtuoso."""
    work = tmp_path_factory.mktemp("two")
    env = _env(virtuoso, work)
    first = start_server(work, store=work / "unused-a", env=env)
    second = start_server(work, store=work / "unused-b", env=env)
    yield first, second
    first.stop()
    second.stop()


def _alias(i: int) -> dict[str, str]:
    return {
        "message": f"alias {i}",
        "add": f'<{POLISEN}> <{SKOS}altLabel> "alias {i}"@sv .',
        "format": "application/n-triples",
    }


def _post(url: str, body: dict[str, str], etag: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {EDITOR}"}
    if etag is not None:
        headers["If-Match"] = etag
    return httpx.post(f"{url}/api/changes", json=body, headers=headers, timeout=60)


def _labels(url: str) -> set[str]:
    query = (
        f'SELECT ?l WHERE {{ <{POLISEN}> <{SKOS}altLabel> ?l FILTER STRSTARTS(STR(?l), "alias") }}'
    )
    rows = httpx.get(f"{url}/sparql", params={"query": query}, timeout=60).json()
    return {r["l"]["value"] for r in rows["results"]["bindings"]}


def test_a_change_through_one_process_is_read_through_the_other(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_servers
    before = httpx.get(f"{b.url}/api/changes", timeout=60).json()["total"]
    resp = _post(a.url, _alias(1000))
    assert resp.status_code == 201, resp.text
    assert "alias 1000" in _labels(b.url)
    log = httpx.get(f"{b.url}/api/changes", timeout=60).json()
    assert log["total"] == before + 1
    assert log["items"][0]["message"] == "alias 1000"
    # Both processes give the dataset the same version.
    tag_a = httpx.get(f"{a.url}/api/stats", timeout=60).headers["ETag"]
    tag_b = httpx.get(f"{b.url}/api/stats", timeout=60).headers["ETag"]
    assert tag_a == tag_b == resp.headers["ETag"]


def _race(first: str, second: str, i: int, etag: str) -> tuple[int, int]:
    """Two writes with the same If-Match, let go at the same moment through two servers."""
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def write(url: str, n: int) -> None:
        barrier.wait()
        statuses[url] = _post(url, _alias(n), etag).status_code

    threads = [
        threading.Thread(target=write, args=(first, i)),
        threading.Thread(target=write, args=(second, i + 1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses[first], statuses[second]


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX bif: <bif:> SELECT (bif:signal('22023', 'x') AS ?x) WHERE {}",
        "SELECT (<BIF:SIGNAL>('22023', 'x') AS ?x) WHERE {}",
        "PREFIX s: <sql:> SELECT (s:anything() AS ?x) WHERE {}",
    ],
)
def test_virtuosos_own_functions_are_refused(
    two_servers: tuple[RunningServer, RunningServer], query: str
) -> None:
    resp = httpx.get(f"{two_servers[0].url}/sparql", params={"query": query}, timeout=60)
    assert resp.status_code == 400, resp.text
    assert "Virtuoso's own functions" in resp.json()["detail"]


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# What Virtuoso 7.2.5 answered, with HTTP 500, to one runaway query in about twenty
# (the others got the "anytime" answer); the CI run of a4063e5 turned it into a 400.
SR203 = (
    f"Virtuoso HY008 Error SR203: Async statement killed by SQLCancel.\n\nSPARQL query:\n{RUNAWAY}"
)


def test_every_way_virtuoso_stops_a_runaway_query_is_a_timeout(
    two_servers: tuple[RunningServer, RunningServer], virtuoso: VirtuosoServer
) -> None:
    store = RemoteStore(replace(_remote(virtuoso).settings, timeout=1.0))
    outcomes: list[Exception | None] = []

    def run() -> None:
        try:
            store.query(RUNAWAY)
        except Exception as exc:
            outcomes.append(exc)
        else:
            outcomes.append(None)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 4
    assert all(isinstance(o, StoreTimeout) for o in outcomes), outcomes
    assert virtuoso_stopped_it(SR203)
    # A query Virtuoso refuses for what it asks stays a failed query, not a timeout.
    with pytest.raises(StoreQueryError) as refused:
        store.query("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 20000 LIMIT 1")
    assert str(refused.value).startswith("Virtuoso 22023 Error SR353")
    assert not virtuoso_stopped_it(str(refused.value))


def test_conflicting_writes_through_two_processes_end_with_one_412(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_servers
    outcomes: list[tuple[int, int]] = []
    for round_ in range(8):
        etag = httpx.get(f"{a.url}/api/stats", timeout=60).headers["ETag"]
        outcomes.append(_race(a.url, b.url, 2000 + 2 * round_, etag))
    assert all(sorted(pair) == [201, 412] for pair in outcomes), outcomes
    # The log is complete: every change there is in the data, and the other way round.
    present = {label for label in _labels(a.url) if label.startswith("alias 2")}
    log = httpx.get(f"{b.url}/api/changes", params={"limit": 500}, timeout=60).json()
    logged = {c["message"] for c in log["items"] if c["message"].startswith("alias 2")}
    assert logged == present
    assert len(present) == len(outcomes)
    sequences = [c["id"] for c in log["items"]]
    assert sorted(sequences) == list(range(1, log["total"] + 1))


def test_many_writers_through_two_processes_lose_nothing(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    """Without If-Match, writes through both processes at once all land, in one order."""
    a, b = two_servers
    results: list[int] = []

    def stream(url: str, first: int) -> None:
        for i in range(first, first + 6):
            results.append(_post(url, _alias(i)).status_code)

    threads = [
        threading.Thread(target=stream, args=(url, first))
        for url, first in ((a.url, 3000), (b.url, 3100), (a.url, 3200), (b.url, 3300))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert results == [201] * 24
    present = {label for label in _labels(b.url) if label.startswith("alias 3")}
    assert len(present) == 24
    log = httpx.get(f"{a.url}/api/changes", params={"limit": 500}, timeout=60).json()
    assert sorted(c["id"] for c in log["items"]) == list(range(1, log["total"] + 1))


def test_serve_with_workers_answers_and_writes(virtuoso: VirtuosoServer, tmp_path: Path) -> None:
    """`platform-graph serve --workers 2`: uvicorn's worker processes over one store."""
    port = free_port()
    env = {**os.environ, **_env(virtuoso, tmp_path)}
    log = tmp_path / "workers.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "serve", "--workers", "2", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/stats", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(f"no answer: {log.read_text(errors='replace')}")
        codes: list[int] = []
        threads = [
            threading.Thread(
                target=lambda i=i: codes.append(_post(url, _alias(4000 + i)).status_code)
            )
            for i in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert codes == [201] * 6
        assert {f"alias {4000 + i}" for i in range(6)} <= _labels(url)
        text = log.read_text(errors="replace")
        assert text.count("Started server process") >= 2, text[-2000:]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_workers_need_a_remote_store(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "serve", "--workers", "2", "--store", str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_GRAPH_STORE")},
    )
    assert done.returncode != 0
    assert "PLATFORM_GRAPH_STORE_URL" in done.stderr


# --- platform-graph load --target ------------------------------------------------------------


def _load(virtuoso: VirtuosoServer, work: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **_env(virtuoso, work)}
    return subprocess.Popen(
        [*CLI, "load", "--target", virtuoso.sparql_url, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_load_pushes_the_graph_in_batches_and_resumes_after_a_kill(tmp_path: Path) -> None:
    nquads = build(Paths(ROOT)).nquads()
    source = tmp_path / "platform-graph.nq"
    source.write_bytes(nquads)
    expected = len(set(filter(None, nquads.decode("utf-8").splitlines())))
    with VirtuosoServer(tmp_path / "v") as virtuoso:
        state = tmp_path / "load-state.json"
        first = _load(virtuoso, tmp_path, "--input", str(source), "--batch-size", "50")
        # Stop it hard once some batches, not all, are confirmed.
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and first.poll() is None:
            if state.exists():
                try:
                    done = json.loads(state.read_text())["batches_done"]
                except (ValueError, KeyError):
                    done = 0
                if done >= 20:
                    break
            time.sleep(0.02)
        first.kill()
        first.communicate(timeout=30)  # reaps it and closes its pipes
        assert 20 <= done < expected // 50, "the load was not cut short midway"
        remote = _remote(virtuoso)
        assert remote.loaded() is None  # not finished: the service would refuse to use it
        second = _load(virtuoso, tmp_path, "--input", str(source), "--batch-size", "50")
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
        assert "resuming after batch" in err
        assert f"of {-(-expected // 50)}" in err  # progress counts the batches
        assert len(remote) == expected
        assert remote.loaded() is not None
        # Run again: nothing left to do, nothing doubled.
        third = _load(virtuoso, tmp_path, "--input", str(source), "--batch-size", "50")
        _, err = third.communicate(timeout=300)
        assert third.returncode == 0, err
        assert len(remote) == expected


def test_a_store_with_a_partial_load_is_refused(tmp_path: Path) -> None:
    with VirtuosoServer(tmp_path / "v") as virtuoso:
        remote = _remote(virtuoso)
        remote.load(
            f'<{POLISEN}> <{SKOS}altLabel> "half" .\n'.encode(), "application/n-triples", None
        )
        port = free_port()
        done = subprocess.run(
            [*CLI, "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **_env(virtuoso, tmp_path)},
        )
        assert done.returncode != 0
        assert "no finished load" in done.stderr
        assert "platform-graph load --target" in done.stderr


def test_an_interrupted_large_change_is_finished_by_the_next_writer(tmp_path: Path) -> None:
    """A change too large for one operation is journalled first; a crash after the
    journal is written but before the change is applied is finished by the next writer."""
    with VirtuosoServer(tmp_path / "v") as virtuoso:
        remote = _remote(virtuoso)
        g = "https://w3id.org/platform-graph/graph/data"
        quads = [
            (URIRef(POLISEN), URIRef(SKOS + "altLabel"), Literal(f"big {i}", lang="sv"), URIRef(g))
            for i in range(1200)
        ]
        # Write the journal as apply() would, then "crash": apply nothing.
        entry = URIRef("https://w3id.org/platform-graph/graph/journal/crashed")
        remote._journal(entry, [], quads)
        assert len(remote) == 0
        with remote.transaction():  # the next writer: recovers first
            pass
        assert len(remote) == 1200
        assert (
            remote._select(
                "SELECT * WHERE { GRAPH <https://w3id.org/platform-graph/graph/journal> "
                "{ ?s ?p ?o } }"
            ).rows
            == []
        )
