"""The five systems, each behind the same small interface, each run alone in its turn.

1. ``service``: platform-graph itself, real uvicorn on loopback, its store folder made
   from the generated N-Quads first (as ``open_store`` reuses a non-empty store).
2. ``oxigraph``: pyoxigraph in process, no HTTP: the floor.
3. ``rdflib``: rdflib's in-memory Dataset in process: what a researcher does by hand.
4. ``rdflib-endpoint``: rdflib-endpoint (FastAPI over rdflib) serving the same file.
5. ``virtuoso``: Debian's virtuoso-opensource over HTTP, with its own database folder and
   ini file, loaded with its bulk loader.

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

    def start(self, data: Path) -> Started:
        from platform_graph.auth import hash_token

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


VIRTUOSO_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 16
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {db}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 16
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 16
MaxKeepAlives = 16
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {timeout}
DeferInferenceRulesInit = 0
"""


class VirtuosoSystem(_HttpSystem):
    """Debian's Virtuoso: a temporary database folder and ini, bulk loaded, then restarted."""

    name = "virtuoso"

    def __init__(self, root: Path, workdir: Path, timeout: float) -> None:
        super().__init__(root, workdir, timeout)
        self.binary = shutil.which("virtuoso-t")
        self.isql = shutil.which("isql-vt") or shutil.which("isql")

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

    def _launch(self) -> None:
        assert self.binary is not None
        self.process = subprocess.Popen(
            [self.binary, "+foreground", "+configfile", str(self.db / "virtuoso.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.db,
        )

    def _isql(self, sql: str, timeout: float = 3600) -> str:
        assert self.isql is not None
        done = subprocess.run(
            [self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise Unavailable(f"isql failed: {(done.stdout + done.stderr)[-500:]}")
        return done.stdout

    def start(self, data: Path) -> Started:
        if self.binary is None or self.isql is None:
            raise Unavailable(
                "virtuoso-opensource is not installed (apt-get install virtuoso-opensource)"
            )
        self.db = self.workdir / "virtuoso"
        shutil.rmtree(self.db, ignore_errors=True)
        (self.db / "vsp").mkdir(parents=True)
        self.sql_port, self.port = free_port(), free_port()
        buffers = 170_000  # 8 KiB pages: about 1.3 GiB, what the ini's comments suggest for 2 GB
        (self.db / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(
                db=self.db,
                sql_port=self.sql_port,
                http_port=self.port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
                timeout=int(self.timeout),
            )
        )
        os.link(data, self.db / "data.nq") if data.stat().st_dev == self.db.stat().st_dev else (
            shutil.copy(data, self.db / "data.nq")
        )
        self._launch()
        if not self._first_answer(time.monotonic() + 300):
            self.stop()
            raise Unavailable(f"Virtuoso did not start: {self._log_tail()}")
        started = time.perf_counter()
        self._isql(
            f"ld_dir('{self.db}', 'data.nq', 'https://w3id.org/platform-graph/graph/"
            "default'); rdf_loader_run(); checkpoint;"
        )
        load = time.perf_counter() - started
        errors = self._isql("select ll_error from DB.DBA.LOAD_LIST where ll_error is not null;")
        notes = [] if "0 Rows" in errors else [f"bulk loader: {errors.strip()[-200:]}"]
        self._stop_process()
        started = time.perf_counter()
        self._launch()
        if not self._first_answer(time.monotonic() + 600):
            self.stop()
            raise Unavailable(f"Virtuoso did not restart: {self._log_tail()}")
        cold = time.perf_counter() - started
        return Started(load, cold, self.memory_kb(), notes)

    def _log_tail(self) -> str:
        log = self.db / "virtuoso.log"
        return log.read_text(errors="replace")[-1000:] if log.exists() else "(no log)"

    def _call(self, client: HttpClient, request: Request) -> list[bytes]:
        return _sparql_call(client, request)

    def _stop_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # A clean shutdown (with a checkpoint); it can wait on a query a client gave up
            # on, so it gets a little while and then the process is stopped (the data was
            # checkpointed right after the load).
            try:
                self._isql("shutdown;", timeout=20)
                self.process.wait(timeout=20)
            except (Unavailable, subprocess.TimeoutExpired, OSError):
                pass
        super()._stop_process()

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.workdir / "virtuoso", ignore_errors=True)


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
        return ServiceSystem(root, workdir, timeout)
    if name in ("oxigraph", "rdflib"):
        return EngineSystem(name, root, workdir, timeout)
    if name == "rdflib-endpoint":
        return EndpointSystem(root, workdir, timeout)
    if name == "virtuoso":
        return VirtuosoSystem(root, workdir, timeout)
    raise ValueError(name)
