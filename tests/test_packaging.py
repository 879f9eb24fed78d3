"""The package works installed, not only from a checkout: a wheel in a fresh virtual
environment builds the graph and serves it from a folder that is not the checkout.

The wheel carries the project's content (ontology, shapes, queries, data) under
``<prefix>/share/platform-graph``; what the service writes goes to the current folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.server


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def test_a_wheel_installed_elsewhere_builds_and_serves(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp_path)
    [wheel] = wheels.glob("platform_graph-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    _run(venv / "bin" / "pip", "install", "-q", wheel, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Nothing of the checkout on the path: only what the wheel installed.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_GRAPH_", "PYTHON"))}
    binary = venv / "bin" / "platform-graph"
    _run(binary, "build", cwd=elsewhere, env=env)
    assert (elsewhere / "build" / "platform-graph.nq").is_file()
    port = free_port()
    log = (elsewhere / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(binary), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (elsewhere / "serve.log").read_text()
            try:
                stats = httpx.get(f"{url}/api/stats", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("the installed service did not answer")
        assert stats.status_code == 200
        assert stats.json()["commitments"] > 100
        ask = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ask.json()["boolean"] is True
        page = httpx.get(url, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200
        assert httpx.get(f"{url}/static/style.css", timeout=30).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # What it wrote is in the folder it ran in, not in the installed package.
    assert (elsewhere / "var" / "store").is_dir()
    assert not (venv / "share" / "platform-graph" / "var").exists()


def test_a_root_without_the_content_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "PLATFORM_GRAPH_ROOT": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", "build"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "PLATFORM_GRAPH_ROOT" in done.stderr
    assert "Traceback" not in done.stderr
