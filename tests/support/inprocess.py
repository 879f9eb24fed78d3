"""The service in the test process: the app, its lifespan and its query workers, over ASGI.

Most tests need no socket: Starlette's TestClient runs the app with its lifespan (so the
confined query workers are real processes) and talks to it over ASGI. Tests of what only
a real server shows (sockets, signals, the access log) use ``tests/server.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from platform_graph.build.graph import BuildResult
from platform_graph.config import Settings
from platform_graph.http import create_app
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.write.tokens import hash_token

__all__ = ["ADMIN", "BASE", "EDITOR", "READER", "auth", "platform_store", "service"]

READER = "pgt_in-process-reader-0123456789abcdefghijklmno"
EDITOR = "pgt_in-process-editor-0123456789abcdefghijklmno"
ADMIN = "pgt_in-process-admin-0123456789abcdefghijklmnop"
BASE = "http://platform-graph.test"
"""The configured base URL: every link the service writes starts with it."""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def platform_store(built: BuildResult) -> OxigraphStore:
    """A fresh in-memory store holding the built platform graph."""
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    return store


@contextmanager
def service(store: OxigraphStore, **settings: Any) -> Iterator[TestClient]:
    """The app over ``store``, with a reader, an editor and an admin token."""
    tokens = ",".join(
        f"{name}:{name}:{hash_token(token)}"
        for name, token in (("reader", READER), ("editor", EDITOR), ("admin", ADMIN))
    )
    config = Settings(
        store_path=None,
        tokens_file=None,
        tokens=tokens,
        base_url=BASE,
        **settings,
    )
    with TestClient(create_app(config, store), base_url=BASE) as client:
        yield client
