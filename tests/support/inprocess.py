"""The service in the test process: the app, its lifespan and its query workers, over ASGI.

Most tests need no socket: Starlette's TestClient runs the app with its lifespan (so the
confined query workers are real processes) and talks to it over ASGI. Tests of what only
a real server shows (sockets, signals, the access log) use ``tests/server.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from platform_graph.build.graph import BuildResult
from platform_graph.config import Settings
from platform_graph.http import create_app
from platform_graph.store import Store
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.write.tokens import hash_token
from tests.support.server import BACKEND, virtuoso_env

__all__ = [
    "ADMIN",
    "BASE",
    "EDITOR",
    "EDITOR2",
    "READER",
    "Client",
    "Response",
    "auth",
    "platform_service",
    "platform_store",
    "service",
]

Client = TestClient
Response = httpx2.Response
"""What the in-process tests talk to the service with (an httpx client over ASGI)."""

READER = "pgt_in-process-reader-0123456789abcdefghijklmno"
EDITOR = "pgt_in-process-editor-0123456789abcdefghijklmno"
ADMIN = "pgt_in-process-admin-0123456789abcdefghijklmnop"
EDITOR2 = "pgt_in-process-second-editor-0123456789abcdefghij"
"""A second editor: four eyes need two people."""
BASE = "http://platform-graph.test"
"""The configured base URL: every link the service writes starts with it."""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def platform_store(built: BuildResult) -> OxigraphStore:
    """A fresh in-memory store holding the built platform graph."""
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    return store


def _tokens() -> str:
    return (
        ",".join(
            f"{name}:{name}:{hash_token(token)}"
            for name, token in (("reader", READER), ("editor", EDITOR), ("admin", ADMIN))
        )
        + f",editor2:editor:{hash_token(EDITOR2)}"
    )


@contextmanager
def service(store: Store | None, **settings: Any) -> Iterator[TestClient]:
    """The app over ``store`` (None: the one the settings name), with a reader, an editor
    and an admin token."""
    for name, default in (
        ("workbench_file", None),
        ("store_path", None),
        ("tokens_file", None),
        ("review_file", None),
    ):
        settings.setdefault(name, default)
    config = Settings(tokens=_tokens(), base_url=BASE, **settings)
    with TestClient(create_app(config, store), base_url=BASE) as client:
        yield client


@contextmanager
def platform_service(built: BuildResult, work: Path, **settings: Any) -> Iterator[TestClient]:
    """The service over the platform graph: in memory, or with the Virtuoso backend
    (PLATFORM_GRAPH_TEST_BACKEND=virtuoso) on a Virtuoso of its own for ``work``."""
    if BACKEND == "virtuoso":
        env = virtuoso_env(work / "store")
        remote = {
            "store_url": env["PLATFORM_GRAPH_STORE_URL"],
            "store_update_url": env["PLATFORM_GRAPH_STORE_UPDATE_URL"],
            "store_user": env["PLATFORM_GRAPH_STORE_USER"],
            "store_password": env["PLATFORM_GRAPH_STORE_PASSWORD"],
            "store_dialect": env["PLATFORM_GRAPH_STORE_DIALECT"],
            "writer_lock_path": Path(env["PLATFORM_GRAPH_WRITER_LOCK_PATH"]),
            "build_dir": work / "build",
        }
        with service(None, **remote, **settings) as client:
            yield client
        return
    with service(platform_store(built), **settings) as client:
        yield client
