"""Start the real service in a subprocess on a free port, as a user would run it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

__all__ = ["RunningServer", "free_port", "start_server"]


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


def start_server(
    workdir: Path, *, store: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> RunningServer:
    """``platform-graph serve`` with its store in ``store``; waits until it answers."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    environment = {
        **os.environ,
        "PLATFORM_GRAPH_BUILD_DIR": str(workdir / "build"),
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
