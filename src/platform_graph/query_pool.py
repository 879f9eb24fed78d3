"""Run untrusted SPARQL queries in worker processes that can be stopped.

pyoxigraph cannot be interrupted from Python, so a runaway query would hold a thread
until it ends. Each worker process keeps an in-memory replica of the store; a query
that passes its time limit gets its worker killed and replaced, and the caller a
timeout error, while the other workers keep serving.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from platform_graph.store import DatasetSpec

__all__ = ["PoolClosed", "QueryError", "QueryPool", "QueryTimeout", "WorkerAnswer"]

log = logging.getLogger(__name__)
_CTX = mp.get_context("spawn")


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""


class QueryError(Exception):
    """The engine refused the query (syntax or evaluation); ``syntax`` says which."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


class PoolClosed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class WorkerAnswer:
    body: bytes
    truncated: bool
    rows: int


def _worker_main(conn: Connection) -> None:
    # Imports inside: a spawned worker imports only what it needs.
    from platform_graph.results import serialize
    from platform_graph.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    data: bytes = conn.recv()
    store.load(data, "application/n-quads")
    conn.send(("ready", len(store)))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg[0] == "update":
            # A change applied to the primary store, replayed on this replica.
            store.update(msg[1])
            continue
        _, sparql, dataset, media, max_rows, base_iri = msg
        try:
            result = store.query(sparql, dataset=dataset, max_rows=max_rows, base_iri=base_iri)
            body = serialize(result, media)
            rows = len(getattr(result, "rows", getattr(result, "triples", [])))
            conn.send(("ok", body, bool(getattr(result, "truncated", False)), rows))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc.msg if hasattr(exc, "msg") else exc)))
        except Exception as exc:  # the engine's own errors: report, keep serving
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, snapshot: bytes, generation: int) -> None:
        self.generation = generation
        parent, child = _CTX.Pipe()
        self.conn: Connection = parent
        self.process: BaseProcess = _CTX.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.conn.send(snapshot)
        status, _ = self.conn.recv()
        if status != "ready":
            raise RuntimeError("query worker failed to start")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of query workers, each with its own replica of the data."""

    def __init__(
        self, snapshot: Callable[[], bytes], *, size: int = 2, timeout: float = 30.0
    ) -> None:
        self._snapshot = snapshot
        self.timeout = timeout
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._updates: list[str] = []
        self._updates_lock = threading.Lock()
        data = snapshot()
        for _ in range(size):
            self._idle.put(_Worker(data, 0))

    def changed(self, update: str) -> None:
        """Record a change applied to the primary; each worker replays it before its next query."""
        with self._updates_lock:
            self._updates.append(update)

    def _catch_up(self, worker: _Worker) -> None:
        with self._updates_lock:
            pending = self._updates[worker.generation :]
            generation = len(self._updates)
        for update in pending:
            worker.conn.send(("update", update))
        worker.generation = generation

    def run(
        self,
        sparql: str,
        dataset: DatasetSpec | None,
        media: str,
        max_rows: int | None,
        base_iri: str | None = None,
    ) -> WorkerAnswer:
        if self._closed:
            raise PoolClosed("the query pool is shut down")
        deadline = time.monotonic() + self.timeout
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty as exc:
            raise QueryTimeout("every query worker stayed busy past the time limit") from exc
        try:
            self._catch_up(worker)
            worker.conn.send(("query", sparql, dataset, media, max_rows, base_iri))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
            answer = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise QueryError(f"the query worker died: {exc}", syntax=False) from exc
        self._idle.put(worker)
        status = answer[0]
        if status == "ok":
            return WorkerAnswer(answer[1], answer[2], answer[3])
        raise QueryError(answer[1], syntax=status == "syntax")

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor in the background."""
        worker.kill()

        def start() -> None:
            if self._closed:
                return
            try:
                with self._updates_lock:
                    generation = len(self._updates)
                    data = self._snapshot()
                self._idle.put(_Worker(data, generation))
            except Exception:
                log.exception("could not start a replacement query worker")

        threading.Thread(target=start, name="query-worker-start", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
