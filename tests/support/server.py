"""Start the real service in a subprocess on a free port, as a user would run it."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.remote import RemoteSettings, RemoteStore
from tests.support.virtuoso import VirtuosoServer

__all__ = [
    "BACKEND",
    "RunningServer",
    "free_port",
    "seed_store",
    "start_server",
    "virtuoso_env",
]

BACKEND = os.environ.get("PLATFORM_GRAPH_TEST_BACKEND", "embedded")
"""Which store the real servers of the test suite run on: ``embedded`` or ``virtuoso``."""

_VIRTUOSO: dict[Path, VirtuosoServer] = {}


def _stop_virtuosos() -> None:
    for server in _VIRTUOSO.values():
        server.stop()
    _VIRTUOSO.clear()


atexit.register(_stop_virtuosos)


def virtuoso_env(store: Path) -> dict[str, str]:
    """A Virtuoso of its own for the store folder ``store`` (started on first use).

    The same folder gets the same Virtuoso again, so a test that stops a server and
    starts another on the same store sees the same data, as with the embedded store.
    """
    server = _VIRTUOSO.get(store)
    if server is None:
        store.mkdir(parents=True, exist_ok=True)
        server = VirtuosoServer(store / "virtuoso-work").start()
        _VIRTUOSO[store] = server
    return {
        "PLATFORM_GRAPH_STORE_URL": server.sparql_url,
        "PLATFORM_GRAPH_STORE_UPDATE_URL": server.update_url,
        "PLATFORM_GRAPH_STORE_USER": "dba",
        "PLATFORM_GRAPH_STORE_PASSWORD": server.password,
        "PLATFORM_GRAPH_STORE_DIALECT": "virtuoso",
        "PLATFORM_GRAPH_WRITER_LOCK_PATH": str(store / "writer.lock"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RunningServer:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=15)


def seed_store(store: Path, data: bytes, media_type: str, graph: str | None = None) -> None:
    """Put ``data`` in the store a server will open at ``store``, instead of the platform.

    On the embedded store it is the folder itself; with the Virtuoso backend, the
    Virtuoso for that folder, marked as loaded so the service takes it as it is.
    """
    if BACKEND == "virtuoso":
        env = virtuoso_env(store)
        remote = RemoteStore(
            RemoteSettings(
                query_url=env["PLATFORM_GRAPH_STORE_URL"],
                update_url=env["PLATFORM_GRAPH_STORE_UPDATE_URL"],
                user="dba",
                password=env["PLATFORM_GRAPH_STORE_PASSWORD"],
                dialect="virtuoso",
            )
        )
        remote.load(data, media_type, graph)
        remote.mark_loaded("seeded by the test")
        return
    embedded = OxigraphStore(store)
    embedded.load(data, media_type, graph)
    embedded.flush()
    del embedded  # release the store's lock before a server opens it


def start_server(
    workdir: Path, *, store: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> RunningServer:
    """``platform-graph serve`` with its store in ``store``; waits until it answers.

    With PLATFORM_GRAPH_TEST_BACKEND=virtuoso the store is a Virtuoso of its own.
    """
    port = free_port()
    log = workdir / f"server-{port}.log"
    environment = {
        **os.environ,
        "PLATFORM_GRAPH_BUILD_DIR": str(workdir / "build"),
        "PLATFORM_GRAPH_WORKBENCH_FILE": str(workdir / "workbench.sqlite"),
        **(virtuoso_env(store) if BACKEND == "virtuoso" else {}),
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "platform_graph.cli",
                "serve",
                "--port",
                str(port),
                "--store",
                str(store),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/stats", timeout=5).status_code == 200:
                return RunningServer(process, url, log)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(
        f"the server did not answer in {timeout} s: {log.read_text(errors='replace')}"
    )
