"""Named queries and REST reads run under the query time limit, end to end.

Past the limit they answer as /sparql does (503, a problem document with
``timeout_seconds``), and the server goes on serving everyone else. The slow reads are
honest ones: a named query added to a copy of queries/, and the REST read of an actor
that the tests' copy of the graph gives hundreds of labels and parents. The embedded
store only: a remote store's queries run under its own HTTP time limit.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from platform_graph.build.graph import BuildResult
from tests.support.server import RunningServer, start_server
from tests.test_api_rest import VIVALLA_2027, assert_problem

ROOT = Path(__file__).resolve().parents[1]
BACKEND = os.environ.get("PLATFORM_GRAPH_TEST_BACKEND", "embedded")

LIMIT = 3.0

SLOW_QUERY = """\
# title: Everything three times over (a test query)
# description: The area's triples joined with every triple, twice: far past any time
# description: limit on any graph. Only in the tests' copy of queries/.
# param: area | area | required | The area's slug.
SELECT (COUNT(*) AS ?n) WHERE { ?area ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }
"""

TANGLED = "naringslivet"
"""An actor given hundreds of labels and parents (in the tests' copy of the graph only):
the REST read of actors joins them all with each other and with its commitments."""


def _tangle(count: int = 300) -> bytes:
    actor = f"<https://w3id.org/platform-graph/id/actor/{TANGLED}>"
    graph = "<https://w3id.org/platform-graph/graph/data>"
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    within = "<http://www.w3.org/ns/org#subOrganizationOf>"
    lines = []
    for i in range(count):
        lines.append(f'{actor} {label} "Näringslivet {i}"@sv {graph} .')
        lines.append(f'{actor} {label} "Business {i}"@en {graph} .')
        parent = f"<https://w3id.org/platform-graph/id/actor/test-parent-{i}>"
        lines.append(f"{actor} {within} {parent} {graph} .")
    return ("\n".join(lines) + "\n").encode()


def _project_with_slow_query(work: Path) -> Path:
    """The project's inputs, with a slow named query added to a copy of queries/."""
    root = work / "root"
    root.mkdir()
    for name in ("ontology", "shapes", "data"):
        (root / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "queries", root / "queries")
    (root / "queries" / "slow-test.rq").write_text(SLOW_QUERY, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Iterator[RunningServer]:
    """The service over the platform graph and a tangled actor, with a slow named query."""
    work = tmp_path_factory.mktemp("time-limits")
    (work / "build").mkdir()
    (work / "build" / "platform-graph.nq").write_bytes(built.nquads() + _tangle())
    env = {
        "PLATFORM_GRAPH_ROOT": str(_project_with_slow_query(work)),
        "PLATFORM_GRAPH_QUERY_TIMEOUT": str(LIMIT),
    }
    running = start_server(work, store=work / "store", env=env)
    yield running
    running.stop()


def _assert_timeout(r: httpx.Response, limit: float) -> None:
    body = assert_problem(r, 503)
    assert body["title"] == "Query timeout"
    assert body["timeout_seconds"] == limit
    assert "stopped" in body["detail"] or "busy" in body["detail"]


def test_a_named_query_past_the_limit_answers_503_and_others_are_served(
    slow: RunningServer,
) -> None:
    answers: list[tuple[httpx.Response, float]] = []

    def run_slow() -> None:
        with slow.client() as c:
            started = time.monotonic()
            r = c.get("/api/queries/slow-test", params={"area": "vivalla"})
            answers.append((r, time.monotonic() - started))

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    # Meanwhile other reads answer at once, each in a query worker of its own.
    with slow.client() as c:
        for path, params in [
            ("/api/commitments", {"area": "vivalla"}),
            ("/api/queries/deadlines", {}),
            (f"/api/commitments/{VIVALLA_2027}", {}),
            ("/api/areas", {}),
            ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
        ]:
            started = time.monotonic()
            r = c.get(path, params=params)
            assert r.status_code == 200, (path, r.text[:300])
            assert time.monotonic() - started < 2.0, path
        assert thread.is_alive()  # all of them served while the slow query ran
    thread.join(timeout=60)
    [(r, took)] = answers
    _assert_timeout(r, LIMIT)
    assert LIMIT <= took < LIMIT + 5
    # Its worker was stopped; the service goes on answering, the slow query included.
    with slow.client() as c:
        assert c.get("/api/stats").status_code == 200
        assert c.get("/api/queries/deadlines").status_code == 200


def test_the_named_query_binds_its_parameters_before_the_limit(slow: RunningServer) -> None:
    """A bad parameter is refused at once (422), the query never runs."""
    with slow.client() as c:
        started = time.monotonic()
        r = c.get("/api/queries/slow-test", params={"area": "no such area!"})
        assert_problem(r, 422)
        assert time.monotonic() - started < LIMIT


def test_a_rest_read_past_the_limit_answers_503_and_others_are_served(
    slow: RunningServer,
) -> None:
    answers: list[tuple[httpx.Response, float]] = []

    def run_slow() -> None:
        with slow.client() as c:
            started = time.monotonic()
            answers.append((c.get(f"/api/actors/{TANGLED}"), time.monotonic() - started))

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    with slow.client() as c:
        for path, params in [
            ("/api/commitments", {"actor": TANGLED}),
            ("/api/areas/vivalla", {}),
            ("/api/queries/deadlines", {}),
        ]:
            started = time.monotonic()
            r = c.get(path, params=params)
            assert r.status_code == 200, (path, r.text[:300])
            assert time.monotonic() - started < 2.0, path
        assert thread.is_alive()
    thread.join(timeout=60)
    [(r, took)] = answers
    _assert_timeout(r, LIMIT)
    assert LIMIT <= took < LIMIT + 5
    with slow.client() as c:  # the list of every actor reads the tangle too
        _assert_timeout(c.get("/api/actors"), LIMIT)
        assert c.get("/api/commitments", params={"actor": TANGLED}).status_code == 200
