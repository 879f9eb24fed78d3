"""The engines in process, each in a worker process of its own that the harness can stop.

``oxigraph``: pyoxigraph with no HTTP in front, the floor. ``rdflib``: rdflib's in-memory
``Dataset`` (the union of the named graphs as its default graph), as a researcher uses
it by hand. Each answer is written out in full (SPARQL JSON for SELECT, Turtle for
CONSTRUCT), as an HTTP server would. Times are taken inside the worker, around the
engine alone; the harness only waits, and stops a worker whose query runs past the
time limit.

The oxigraph worker also runs the write side in process: validated one-commitment
changes through ``changes.Writer`` and full pyshacl validations of the same graph.
"""

from __future__ import annotations

import cProfile
import io
import multiprocessing as mp
import pstats
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

__all__ = ["EngineTimeout", "EngineWorker"]

_CTX = mp.get_context("spawn")
QueryItem = tuple[str, bool]  # (SPARQL, construct?)


class EngineTimeout(Exception):
    pass


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _Oxigraph:
    def __init__(self, path: str) -> None:
        import pyoxigraph as ox

        from platform_graph.store.oxigraph import OxigraphStore

        self.ox = ox
        self.store = OxigraphStore(None)
        self.store.raw.load(path=path, format=ox.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self.store)

    def run(self, queries: Sequence[QueryItem]) -> int:
        ox = self.ox
        size = 0
        for text, construct in queries:
            result = self.store.raw.query(text, use_default_graph_as_union=True)
            if construct:
                out = result.serialize(format=ox.RdfFormat.TURTLE)
            else:
                out = result.serialize(format=ox.QueryResultsFormat.JSON)
            size += len(out or b"")
        return size

    def count(self, queries: Sequence[QueryItem]) -> list[int]:
        out = []
        for text, _ in queries:
            result = self.store.raw.query(text, use_default_graph_as_union=True)
            out.append(1 if isinstance(result, self.ox.QueryBoolean) else sum(1 for _ in result))
        return out


class _Rdflib:
    def __init__(self, path: str) -> None:
        from rdflib import Dataset

        self.ds = Dataset(default_union=True)
        self.ds.parse(path, format="nquads")

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))

    def run(self, queries: Sequence[QueryItem]) -> int:
        size = 0
        for text, construct in queries:
            result = self.ds.query(text)
            out = result.serialize(format="turtle" if construct else "json")
            size += len(out or b"")
        return size

    def count(self, queries: Sequence[QueryItem]) -> list[int]:
        out = []
        for text, _ in queries:
            result = self.ds.query(text)
            if result.type == "ASK":
                out.append(1)
            elif result.type in ("CONSTRUCT", "DESCRIBE"):
                out.append(len(result.graph or ()))
            else:
                out.append(sum(1 for _ in result))
        return out


def _throughput(
    engine: _Oxigraph | _Rdflib,
    requests: Sequence[Sequence[QueryItem]],
    clients: int,
    seconds: float,
) -> tuple[int, float, int]:
    done = [0] * clients
    errors = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        k = i
        while time.perf_counter() < deadline:
            try:
                engine.run(requests[k % len(requests)])
                done[i] += 1
            except Exception:
                errors[i] += 1
            k += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), time.perf_counter() - started, sum(errors)


class _Writes:
    """Validated changes and full validations over the oxigraph worker's store."""

    def __init__(self, engine: _Oxigraph, root: str) -> None:
        from platform_graph.config import Paths
        from platform_graph.validation.incremental import Validator
        from platform_graph.validation.shacl import load_shapes
        from platform_graph.write.writer import Writer

        self.store = engine.store
        self.shapes = load_shapes(Paths(Path(root)).shapes)
        self.writer = Writer(self.store, Validator(self.shapes))
        self.day = 0

    def change(self, commitment: str) -> tuple[float, int | None]:
        from datetime import date, timedelta

        from rdflib import URIRef

        from platform_graph.vocab.namespaces import ID
        from platform_graph.write.assessments import AssessmentInput, assessment_change

        self.day += 1
        target = URIRef(ID[f"commitment/{commitment}"])
        when = date(2026, 7, 1) + timedelta(days=self.day)
        item = AssessmentInput("in-progress", when, "Benchmark", ("https://example.org/b",))
        _, add, remove = assessment_change(self.store, target, item)
        started = time.perf_counter()
        outcome = self.writer.submit(add=add, remove=remove, author="bench", message="benchmark")
        seconds = time.perf_counter() - started
        if outcome.status != "applied":
            raise RuntimeError(f"the change was {outcome.status}: {outcome.report.to_text()}")
        return seconds, outcome.focus_nodes

    def full(self) -> tuple[float, bool, int]:
        from platform_graph.validation.incremental import full_graph_after
        from platform_graph.validation.shacl import validate

        started = time.perf_counter()
        report = validate(full_graph_after(self.store, [], []), self.shapes)
        return time.perf_counter() - started, report.conforms, len(report.violations)

    def profile(self, commitment: str) -> dict[str, Any]:
        """Where one validated change spends its time, and what it pulls into validation."""
        from datetime import date

        from rdflib import URIRef

        from platform_graph.validation.incremental import _View
        from platform_graph.vocab.namespaces import ID
        from platform_graph.write.assessments import AssessmentInput, assessment_change

        target = URIRef(ID[f"commitment/{commitment}"])
        item = AssessmentInput("stalled", date(2027, 1, 1), "Benchmark", ("https://example.org/p",))
        _, add, remove = assessment_change(self.store, target, item)
        validator = self.writer.validator
        scope = validator.scope(self.store, remove, add)
        view = _View(self.store, remove, add)
        focus = sorted(scope.focus or ())
        edges = [
            {"node": str(n), "incoming": len(view.after_in(n)), "outgoing": len(view.after_out(n))}
            for n in focus
        ]
        started = time.perf_counter()
        neighbourhood = validator._neighbourhood(self.store, focus, view)
        gather = time.perf_counter() - started
        profiler = cProfile.Profile()
        profiler.enable()
        started = time.perf_counter()
        validator.validate_change(self.store, remove, add)
        total = time.perf_counter() - started
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(14)
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        table = [
            ln.replace(str(Path(__file__).resolve().parents[1]) + "/", "") for ln in lines[start:]
        ]
        return {
            "focus": edges,
            "neighbourhood_triples": len(neighbourhood),
            "gather_seconds": gather,
            "total_seconds": total,
            "profile": table,
        }


def _split(engine: _Oxigraph, text: str, reps: int) -> dict[str, float]:
    """Where the service's /sparql time goes for one query, without HTTP: the pieces it runs.

    The guard on the query text (``sparql_text.check_query``); a round trip through a
    query worker (``query_pool.QueryPool.run``: a pipe to another process, which runs the
    query, turns the answer into rdflib terms and serialises it); and, for comparison,
    what the worker does in process (``OxigraphStore.query`` + ``results.serialize``).
    Medians, seconds.
    """
    from platform_graph.rdf.results import serialize
    from platform_graph.rdf.sparql_text import check_query
    from platform_graph.store.pool import QueryPool

    def timed(fn: Any) -> float:
        for _ in range(max(3, reps // 5)):  # untimed, to warm up
            fn()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return sorted(times)[len(times) // 2]

    graphs = engine.store.named_graphs()
    media = "application/sparql-results+json"
    out = {
        "check_query": timed(lambda: check_query(text, graphs=graphs)),
        "store_query_and_serialize": timed(
            lambda: serialize(engine.store.query(text, max_rows=100_000), media)
        ),
        "raw_query_and_serialize": timed(lambda: engine.run([(text, False)])),
    }
    pool = QueryPool(lambda: engine.store.dump("application/n-quads"), size=1, timeout=60)
    try:
        pool.run(text, None, media, 100_000)
        out["pool_round_trip"] = timed(lambda: pool.run(text, None, media, 100_000))
    finally:
        pool.close()
    return out


def _worker_main(conn: Connection, kind: str, path: str, root: str) -> None:
    before = _rss_kb()
    started = time.perf_counter()
    engine: _Oxigraph | _Rdflib = _Oxigraph(path) if kind == "oxigraph" else _Rdflib(path)
    load = time.perf_counter() - started
    conn.send(("ready", load, before, _rss_kb(), len(engine)))
    writes: _Writes | None = None
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        try:
            op = msg[0]
            if op == "run":
                _, queries, reps = msg
                times, size = [], 0
                for _ in range(reps):
                    t = time.perf_counter()
                    size = engine.run(queries)
                    times.append(time.perf_counter() - t)
                conn.send(("ok", times, size))
            elif op == "count":
                conn.send(("ok", engine.count(msg[1])))
            elif op == "throughput":
                _, requests, clients, seconds = msg
                conn.send(("ok", *_throughput(engine, requests, clients, seconds)))
            elif op == "split":
                if not isinstance(engine, _Oxigraph):
                    raise RuntimeError("the split runs on the oxigraph worker only")
                conn.send(("ok", _split(engine, msg[1], msg[2])))
            elif op == "rss":
                conn.send(("ok", _rss_kb()))
            elif op in ("change", "full", "profile"):
                if not isinstance(engine, _Oxigraph):
                    raise RuntimeError("writes run on the oxigraph worker only")
                writes = writes or _Writes(engine, root)
                if op == "change":
                    conn.send(("ok", *writes.change(msg[1])))
                elif op == "full":
                    conn.send(("ok", *writes.full()))
                else:
                    conn.send(("ok", writes.profile(msg[1])))
            else:
                conn.send(("error", f"unknown operation {op}"))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class EngineWorker:
    """A worker process holding one engine loaded with one data file."""

    def __init__(self, kind: str, data: Path, root: Path, timeout: float) -> None:
        self.kind = kind
        self.timeout = timeout
        started = time.perf_counter()
        parent, child = _CTX.Pipe()
        self.conn: Connection = parent
        self.process: BaseProcess = _CTX.Process(
            # Not a daemon: the oxigraph worker starts a query pool of its own.
            target=_worker_main,
            args=(child, kind, str(data), str(root)),
        )
        self.process.start()
        child.close()
        if not self.conn.poll(max(timeout, 600)):
            self.kill()
            raise EngineTimeout(f"{kind} did not load {data} in time")
        _, self.load_seconds, self.rss_before_kb, self.rss_loaded_kb, self.quads = self.conn.recv()
        self.spawn_to_ready = time.perf_counter() - started

    def call(self, *msg: Any, timeout: float | None = None) -> tuple[Any, ...]:
        self.conn.send(msg)
        if not self.conn.poll(self.timeout if timeout is None else timeout):
            self.kill()
            raise EngineTimeout(f"{self.kind}: {msg[0]} ran past its time limit")
        answer: tuple[Any, ...] = self.conn.recv()
        if answer[0] != "ok":
            raise RuntimeError(answer[1])
        return answer[1:]

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()

    def stop(self) -> None:
        self.kill()
