"""Shared fixtures: the graph is built once per session from the real source and curation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from platform_graph.build.graph import BuildResult, build
from platform_graph.config import Paths
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.validation.shacl import load_shapes
from tests.support.inprocess import Client, platform_service
from tests.support.server import RunningServer, start_server

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paths() -> Paths:
    return Paths(ROOT)


@pytest.fixture(scope="session")
def built(paths: Paths) -> BuildResult:
    return build(paths)


@pytest.fixture(scope="session")
def union(built: BuildResult) -> Graph:
    return built.union()


@pytest.fixture(scope="session")
def shapes(paths: Paths) -> Graph:
    return load_shapes(paths.shapes)


@pytest.fixture(scope="session")
def memory_store(built: BuildResult) -> OxigraphStore:
    """The built graph in an in-memory pyoxigraph store, one named graph per part."""
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    return store


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real service over the platform graph, on a free port, for the whole session."""
    work = tmp_path_factory.mktemp("server")
    running = start_server(work, store=work / "store", env={"PLATFORM_GRAPH_QUERY_TIMEOUT": "3"})
    yield running
    running.stop()


@pytest.fixture(scope="session")
def app(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The service in this process over the platform graph, for the whole session: the
    app and its confined workers, over ASGI (on Virtuoso with the Virtuoso backend)."""
    with platform_service(built, tmp_path_factory.mktemp("app"), query_timeout=3) as client:
        yield client


@pytest.fixture
def http(app: Client) -> Client:
    """The in-process service: what the read-side tests (REST, named queries, Linked Data,
    pages) talk to."""
    return app


@pytest.fixture
def real_http(server: RunningServer) -> Iterator[httpx.Client]:
    """A client of the real server, for the tests that need its sockets."""
    with server.client() as client:
        yield client
