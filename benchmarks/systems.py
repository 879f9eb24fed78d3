"""The five systems, each behind the same small interface, each run alone in its turn.

1. ``service``: platform-graph itself, real uvicorn on loopback, its store folder made
   from the generated N-Quads first (as ``open_store`` reuses a non-empty store).
2. ``oxigraph``: pyoxigraph in process, no HTTP: the floor.
3. ``rdflib``: rdflib's in-memory Dataset in process: what a researcher does by hand.
4. ``rdflib-endpoint``: rdflib-endpoint (FastAPI over rdflib) serving the same file.
5. ``virtuoso``: Debian's virtuoso-opensource over HTTP, with its own database folder and
   ini file (``tests.support.virtuoso``), loaded with its bulk loader.

Each ``start`` reports the load time, the cold start to the first answer and the
memory; ``run`` times one request (all its queries) and ``throughput`` counts answers
from several concurrent clients.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from tests.support.virtuoso import VirtuosoServer, VirtuosoUnavailable

from benchmarks.engines import EngineTimeout, EngineWorker
from benchmarks.measure import (
    HttpClient,
    HttpError,
    free_port,
    quiesce,
    rss_kb,
    rss_tree_kb,
)
from benchmarks.workload import Request

__all__ = [
    "SYSTEMS",
    "EndpointSystem",
    "EngineSystem",
    "RequestTimeout",
    "ServiceSystem",
    "Started",
    "System",
    "Unavailable",
    "VirtuosoSystem",
    "make_system",
]

ASK = "ASK { ?s ?p ?o }"
FORM = "application/x-www-form-urlencoded"
SPARQL_JSON = "application/sparql-results+json"
TOKEN = "benchmark-editor-token"
SYSTEMS = ("service", "oxigraph", "rdflib", "rdflib-endpoint", "virtuoso")
TITLES = {
    "service": "platform-graph (HTTP)",
    "oxigraph": "pyoxigraph in process",
    "rdflib": "rdflib in process",
    "rdflib-endpoint": "rdflib-endpoint (HTTP)",
    "virtuoso": "Virtuoso (HTTP)",
}


class RequestTimeout(Exception):
    pass


class Unavailable(Exception):
    """The system cannot run here (not installed, will not start): said in the report."""


@dataclass(slots=True)
class Started:
    load_seconds: float
    cold_start_seconds: float
    rss_kb: int
    notes: list[str] = field(default_factory=list)


class System:
    name = ""
    restart_on_timeout = False

    def __init__(self, root: Path, workdir: Path, timeout: float) -> None:
        self.root = root
        self.workdir = workdir
        self.timeout = timeout

    def start(self, data: Path) -> Started:
        raise NotImplementedError

    def run(self, request: Request, reps: int) -> list[float]:
        raise NotImplementedError

    def count(self, request: Request) -> list[int] | None:
        raise NotImplementedError

    def restart(self) -> None:
        raise NotImplementedError

    def settle(self, max_wait: float) -> float:
        return 0.0

    def throughput(
        self, requests: Sequence[Request], clients: int, seconds: float
    ) -> tuple[int, float, int]:
        raise NotImplementedError

    def memory_kb(self) -> int:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


# --- HTTP systems -----------------------------------------------------------------------


class _HttpSystem(System):
    port = 0
    process: subprocess.Popen[bytes] | None = None

    def _client(self) -> HttpClient:
        return HttpClient(self.port, self.timeout)

    def _call(self, client: HttpClient, request: Request) -> list[bytes]:
        raise NotImplementedError

    def count(self, request: Request) -> list[int] | None:
        """The answer's size in rows (or triples), per query: a check across systems."""
        client = self._client()
        try:
            try:
                bodies = self._call(client, request)
            except TimeoutError as exc:
                raise RequestTimeout(f"{request.key} ran past {self.timeout:g} s") from exc
        finally:
            client.close()
        return [
            count_answer(body, q.construct) for body, q in zip(bodies, request.sparql, strict=True)
        ]

    def run(self, request: Request, reps: int) -> list[float]:
        client = self._client()
        times: list[float] = []
        try:
            for _ in range(reps):
                started = time.perf_counter()
                try:
                    self._call(client, request)
                except TimeoutError as exc:
                    raise RequestTimeout(f"{request.key} ran past {self.timeout:g} s") from exc
                times.append(time.perf_counter() - started)
        finally:
            client.close()
        return times

    def throughput(
        self, requests: Sequence[Request], clients: int, seconds: float
    ) -> tuple[int, float, int]:
        done = [0] * clients
        errors = [0] * clients
        deadline = time.perf_counter() + seconds

        def worker(i: int) -> None:
            client = self._client()
            k = i
            while time.perf_counter() < deadline:
                try:
                    self._call(client, requests[k % len(requests)])
                    done[i] += 1
                except (HttpError, OSError):
                    errors[i] += 1
                k += 1
            client.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done), time.perf_counter() - started, sum(errors)

    def _first_answer(self, deadline: float) -> bool:
        """Poll with a SPARQL ASK until the first answer (or the process exits)."""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                self._ask()
                return True
            except (HttpError, OSError):
                time.sleep(0.02)
        return False

    def _ask(self) -> None:
        client = HttpClient(self.port, 5)
        try:
            client.request(
                "POST",
                "/sparql",
                {"Content-Type": FORM, "Accept": SPARQL_JSON},
                urlencode({"query": ASK}).encode(),
            )
        finally:
            client.close()

    def memory_kb(self) -> int:
        return rss_tree_kb(self.process.pid) if self.process is not None else 0

    def settle(self, max_wait: float) -> float:
        """Wait until the server has finished what a client gave up on (see ``quiesce``)."""
        return quiesce(self.process.pid, max_wait) if self.process is not None else 0.0

    def _stop_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        self._stop_process()


def count_answer(body: bytes, construct: bool) -> int:
    """Rows of a SPARQL JSON answer (1 for ASK), or triples of a Turtle answer."""
    if construct:
        return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.TURTLE))
    doc = json.loads(body)
    if "boolean" in doc:
        return 1
    return len(doc["results"]["bindings"])


def _sparql_call(client: HttpClient, request: Request) -> list[bytes]:
    """Every query of the request, POSTed as a form to /sparql."""
    out = []
    for q in request.sparql:
        body = urlencode({"query": q.text}).encode("utf-8")
        out.append(
            client.request("POST", "/sparql", {"Content-Type": FORM, "Accept": q.accept}, body)
        )
    return out


def _load_store(data: str, store: str) -> float:
    """Load the N-Quads into a fresh store folder, as ``open_store`` would (own process)."""
    from platform_graph.store.oxigraph import OxigraphStore

    started = time.perf_counter()
    target = OxigraphStore(Path(store))
    target.load(Path(data).read_bytes(), "application/n-quads")
    target.flush()
    return time.perf_counter() - started


class ServiceSystem(_HttpSystem):
    name = "service"
    settings: dict[str, str] = {}  # noqa: RUF012 - overridden per instance, never mutated
    """Settings beyond the defaults (environment variables), for a variant of the service."""

    def start(self, data: Path) -> Started:
        from platform_graph.write.tokens import hash_token

        store = self.workdir / "service-store"
        shutil.rmtree(store, ignore_errors=True)
        with mp.get_context("spawn").Pool(1) as pool:
            load = pool.apply(_load_store, (str(data), str(store)))
        self.port = free_port()
        env = {
            **os.environ,
            "PLATFORM_GRAPH_BUILD_DIR": str(self.workdir / "service-build"),
            "PLATFORM_GRAPH_TOKENS": f"bench:editor:{hash_token(TOKEN)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(self.workdir / "service-tokens.json"),
            "PLATFORM_GRAPH_QUERY_TIMEOUT": str(self.timeout),
            **self.settings,
        }
        self.log = self.workdir / "service.log"
        started = time.perf_counter()
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "platform_graph.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--store",
                    str(store),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.root,
            )
        if not self._first_answer(time.monotonic() + 600):
            self.stop()
            raise Unavailable(f"the service did not start: {self.log.read_text()[-2000:]}")
        cold = time.perf_counter() - started
        return Started(
            load,
            cold,
            self.memory_kb(),
            [f"{os.environ.get('PLATFORM_GRAPH_QUERY_WORKERS', '2')} query workers"],
        )

    def _call(self, client: HttpClient, request: Request) -> list[bytes]:
        return [
            client.request(
                request.http.method, request.http.target, {"Accept": request.http.accept}
            )
        ]

    def count(self, request: Request) -> list[int] | None:
        """Comparable where the service answers what the query answers (not for REST)."""
        if request.family == "rest":
            return None
        client = self._client()
        try:
            try:
                (body,) = self._call(client, request)
            except TimeoutError as exc:
                raise RequestTimeout(f"{request.key} ran past {self.timeout:g} s") from exc
        finally:
            client.close()
        if request.family == "named":
            return [int(json.loads(body)["total"])]
        return [count_answer(body, request.sparql[0].construct)]

    BASELINE = "/api/context.jsonld"

    def baseline(self, reps: int) -> list[float]:
        """A request that touches no data (a static JSON-LD context): the framework's floor."""
        client = self._client()
        times = []
        try:
            client.request("GET", self.BASELINE)
            for _ in range(reps):
                started = time.perf_counter()
                client.request("GET", self.BASELINE)
                times.append(time.perf_counter() - started)
        finally:
            client.close()
        return times

    def change(self, client: HttpClient, commitment: str, day: int) -> None:
        body = json.dumps(
            {
                "status": "in-progress",
                "date": f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}",
                "assessor": "Benchmark",
                "evidence": ["https://example.org/benchmark"],
            }
        ).encode("utf-8")
        client.request(
            "POST",
            f"/api/commitments/{commitment}/assessments",
            {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            body,
        )


class EndpointSystem(_HttpSystem):
    name = "rdflib-endpoint"
    restart_on_timeout = True

    def start(self, data: Path) -> Started:
        try:
            importlib.import_module("rdflib_endpoint")
        except ImportError as exc:
            raise Unavailable("rdflib-endpoint is not installed (pip install '.[bench]')") from exc
        self.data = data
        self.port = free_port()
        self.log = self.workdir / "rdflib-endpoint.log"
        started = time.perf_counter()
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.endpoint_server", str(data), str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )
        if not self._first_answer(time.monotonic() + 3600):
            self.stop()
            raise Unavailable(f"rdflib-endpoint did not start: {self.log.read_text()[-2000:]}")
        cold = time.perf_counter() - started
        load = cold
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("loaded ") and line.endswith(" s"):
                load = float(line.rsplit(" ", 2)[-2])
        return Started(load, cold, self.memory_kb())

    def restart(self) -> None:
        self._stop_process(kill=True)
        self.start(self.data)

    def _stop_process(self, kill: bool = False) -> None:
        if kill and self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        super()._stop_process()

    def _call(self, client: HttpClient, request: Request) -> list[bytes]:
        return _sparql_call(client, request)


class VirtuosoSystem(_HttpSystem):
    """Debian's Virtuoso (``tests.support.virtuoso``): bulk loaded, then restarted."""

    name = "virtuoso"
    BUFFERS = 170_000  # 8 KiB pages: about 1.3 GiB, what Virtuoso's ini suggests for 2 GB

    def __init__(self, root: Path, workdir: Path, timeout: float) -> None:
        super().__init__(root, workdir, timeout)
        # No MaxQueryExecutionTime of Virtuoso's own: only the client gives up. Virtuoso
        # 7.2.5 can hang on a query (named:text-search at 100k triples waits forever,
        # using no CPU); when its own timeout then fires, its network thread blocks on
        # that query and the whole server stops answering, SQL included. Without it the
        # hung query keeps one server thread and every other request is answered. (Its
        # timeout does not stop a busy query anyway: ``settle`` waits for that.)
        self.server = VirtuosoServer(
            workdir,
            buffers=self.BUFFERS,
            timeout=0,
            federation=False,
            poll_seconds=0.02,
        )

    @staticmethod
    def install() -> str:
        """Install virtuoso-opensource with apt-get if it is missing; say what happened."""
        if shutil.which("virtuoso-t"):
            return "installed"
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            return "not installed, and apt-get is not available to this user"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "virtuoso-opensource"],
        ):
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
            if done.returncode != 0:
                return f"apt-get failed: {done.stderr.strip()[-300:]}"
        return (
            "installed by apt-get" if shutil.which("virtuoso-t") else "apt-get did not install it"
        )

    def start(self, data: Path) -> Started:
        """A new database, its bulk loader (timed), a checkpoint; then a cold start on it."""
        server = self.server
        try:
            server.start(300)
            db = server.db
            if data.stat().st_dev == db.stat().st_dev:
                os.link(data, db / "data.nq")
            else:
                shutil.copy(data, db / "data.nq")
            started = time.perf_counter()
            server.isql(
                f"ld_dir('{db}', 'data.nq', 'https://w3id.org/platform-graph/graph/"
                "default'); rdf_loader_run(); checkpoint;",
                timeout=3600,
            )
            load = time.perf_counter() - started
            errors = server.isql(
                "select ll_error from DB.DBA.LOAD_LIST where ll_error is not null;"
            )
            notes = [] if "0 Rows" in errors else [f"bulk loader: {errors.strip()[-200:]}"]
            server.stop(keep=True)
            started = time.perf_counter()
            server.start(600, fresh=False)
            cold = time.perf_counter() - started
        except VirtuosoUnavailable as exc:
            self.stop()
            raise Unavailable(str(exc)) from exc
        self.process, self.port = server.process, server.http_port
        return Started(load, cold, self.memory_kb(), notes)

    def _call(self, client: HttpClient, request: Request) -> list[bytes]:
        return _sparql_call(client, request)

    def stop(self) -> None:
        # A clean shutdown (with a checkpoint); it can wait on a query a client gave up
        # on, so it gets a little while and then the process is killed (the data was
        # checkpointed right after the load). The database folder goes with it.
        self.server.stop()
        self.process = None


# --- in-process engines -----------------------------------------------------------------


class EngineSystem(System):
    def __init__(self, kind: str, root: Path, workdir: Path, timeout: float) -> None:
        super().__init__(root, workdir, timeout)
        self.name = kind
        self.restart_on_timeout = True
        self.worker: EngineWorker | None = None

    def start(self, data: Path) -> Started:
        self.data = data
        started = time.perf_counter()
        self.worker = EngineWorker(self.name, data, self.root, self.timeout)
        self._ask()
        cold = time.perf_counter() - started
        return Started(
            self.worker.load_seconds,
            cold,
            self.worker.rss_loaded_kb,
            [f"interpreter before loading: {self.worker.rss_before_kb // 1024} MiB"],
        )

    def _ask(self) -> None:
        assert self.worker is not None
        self.worker.call("run", [(ASK, False)], 1)

    def restart(self) -> None:
        self.stop()
        self.start(self.data)

    def run(self, request: Request, reps: int) -> list[float]:
        assert self.worker is not None
        queries = [(q.text, q.construct) for q in request.sparql]
        try:
            times, _ = self.worker.call("run", queries, reps, timeout=self.timeout * reps)
        except EngineTimeout as exc:
            self.worker = None
            raise RequestTimeout(str(exc)) from exc
        return list(times)

    def count(self, request: Request) -> list[int] | None:
        assert self.worker is not None
        queries = [(q.text, q.construct) for q in request.sparql]
        try:
            (counts,) = self.worker.call("count", queries)
        except EngineTimeout as exc:
            self.worker = None
            raise RequestTimeout(str(exc)) from exc
        return list(counts)

    def throughput(
        self, requests: Sequence[Request], clients: int, seconds: float
    ) -> tuple[int, float, int]:
        assert self.worker is not None
        batch = [[(q.text, q.construct) for q in r.sparql] for r in requests]
        try:
            done, elapsed, errors = self.worker.call(
                "throughput", batch, clients, seconds, timeout=seconds + self.timeout
            )
        except EngineTimeout as exc:
            self.worker = None
            raise RequestTimeout(str(exc)) from exc
        return int(done), float(elapsed), int(errors)

    def call(self, *msg: Any, timeout: float | None = None) -> tuple[Any, ...]:
        assert self.worker is not None
        return self.worker.call(*msg, timeout=timeout)

    def memory_kb(self) -> int:
        return rss_kb(self.worker.process.pid or 0) if self.worker is not None else 0

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def make_system(name: str, root: Path, workdir: Path, timeout: float) -> System:
    if name == "service":
        service = ServiceSystem(root, workdir, timeout)
        # Every timed run repeats its request: with the answers kept, all but the first
        # would be the cache's. The families measure the query path; head_to_head gives
        # the service as configured, the cache on, beside the same with it off.
        service.settings = {"PLATFORM_GRAPH_ANSWER_CACHE_MB": "0"}
        return service
    if name in ("oxigraph", "rdflib"):
        return EngineSystem(name, root, workdir, timeout)
    if name == "rdflib-endpoint":
        return EndpointSystem(root, workdir, timeout)
    if name == "virtuoso":
        return VirtuosoSystem(root, workdir, timeout)
    raise ValueError(name)
