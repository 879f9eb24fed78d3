"""Run untrusted SPARQL queries in worker processes that can be stopped.

pyoxigraph cannot be interrupted from Python, so a runaway query would hold a thread
until it ends. Each worker process keeps an in-memory replica of the store; a query
that passes its time limit gets its worker killed and replaced, and the caller a
timeout error, while the other workers keep serving.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from platform_graph.sparql_text import bind_values
from platform_graph.store import DatasetSpec, QueryResult, Term
from platform_graph.store.wire import from_wire

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
    from platform_graph.store.wire import query_wire

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
        try:
            if msg[0] == "result":
                # The answer itself, for the server to use (QueryPool.query).
                _, sparql, dataset, max_rows, base_iri = msg
                wire = query_wire(
                    store, sparql, dataset=dataset, max_rows=max_rows, base_iri=base_iri
                )
                conn.send(("ok", wire))
                continue
            _, sparql, dataset, media, max_rows, base_iri = msg
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
        self.niced = False
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


SNAPSHOT_REPLAY_MAX = 64
"""Changes a new worker may replay on top of the kept copy before a fresh copy is taken."""

SLOW_AFTER = 0.5
"""Seconds after which a running query counts as slow and runs at a lower priority."""


def _set_priority(worker: _Worker, niceness: int) -> bool:
    pid = worker.process.pid
    if pid is None:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError:
        return False
    return True


class QueryPool:
    """Query workers, each with its own replica of the data.

    ``size`` workers are kept ready. When every one stays busy (slow queries from some
    clients), a new query gets a burst worker, up to ``max_size``, so that the slow
    ones do not starve the rest; burst workers stop when they are no longer needed.
    """

    def __init__(
        self,
        snapshot: Callable[[], bytes],
        *,
        size: int = 2,
        timeout: float = 30.0,
        max_size: int | None = None,
    ) -> None:
        self._snapshot = snapshot
        self.timeout = timeout
        self.size = size
        self.max_size = max(size, max_size or size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._count = 0
        self._starting = False  # a spare worker is being started
        # How long the last worker took to start (load its copy of the data): what a
        # query that finds every worker busy waits for one to come free before the pool
        # pays for a new one.
        self.start_seconds = 0.0
        self._count_lock = threading.Lock()
        # Changes applied to the primary since generation ``_base``, for replay.
        self._updates: list[str] = []
        self._base = 0
        self._workers: set[_Worker] = set()
        self._updates_lock = threading.Lock()
        self._snap: tuple[int, bytes] | None = None
        for _ in range(size):
            self._idle.put(self._start_worker())

    @property
    def workers(self) -> int:
        return self._count

    @property
    def generation(self) -> int:
        """How many changes the pool has been told of (``changed``): a query run after
        reading this sees at least those."""
        with self._updates_lock:
            return self._base + len(self._updates)

    def _start_worker(self) -> _Worker:
        with self._count_lock:
            self._count += 1
        try:
            started = time.monotonic()
            generation, data = self._current_snapshot()
            worker = _Worker(data, generation)
            self.start_seconds = time.monotonic() - started
        except BaseException:
            with self._count_lock:
                self._count -= 1
            raise
        with self._updates_lock:
            self._workers.add(worker)
        return worker

    def _current_snapshot(self) -> tuple[int, bytes]:
        """A copy of the store to start a worker from, and the generation it is at.

        Copying the whole store for every new worker made each burst or spare worker cost
        as much as the data; the copy is kept and reused, and the new worker replays the
        changes since it. A fresh copy is taken once that replay grows long.
        """
        with self._updates_lock:
            now = self._base + len(self._updates)
            if self._snap is None or now - self._snap[0] > SNAPSHOT_REPLAY_MAX:
                self._snap = (now, self._snapshot())
            return self._snap

    def _stop_worker(self, worker: _Worker) -> None:
        worker.kill()
        with self._updates_lock:
            self._workers.discard(worker)
        with self._count_lock:
            self._count -= 1

    def changed(self, update: str) -> None:
        """Record a change applied to the primary; each worker replays it before its next query."""
        with self._updates_lock:
            self._updates.append(update)

    def _catch_up(self, worker: _Worker) -> None:
        with self._updates_lock:
            pending = self._updates[worker.generation - self._base :]
            generation = self._base + len(self._updates)
        for update in pending:
            worker.conn.send(("update", update))
        worker.generation = generation
        with self._updates_lock:
            # Forget what every worker has replayed.
            kept = [w.generation for w in self._workers]
            if self._snap is not None:
                kept.append(self._snap[0])  # a worker started from the copy replays from there
            oldest = min(kept, default=generation)
            if oldest > self._base:
                del self._updates[: oldest - self._base]
                self._base = oldest

    def _acquire(self) -> _Worker:
        # Every worker busy: a new one costs a whole copy of the data (tens of seconds of
        # the same cores at millions of triples), so the query first waits as long as a
        # start takes for a busy worker to come free, and only then has one started in the
        # background, one at a time, taking whichever is ready first. Starting one as soon
        # as the last ready worker was taken made four clients at 5M triples get a ninth
        # of the REST answers one client got (docs/benchmarks.md).
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                return self._idle.get(timeout=min(max(self.start_seconds, 0.05), left))
            except queue.Empty:
                self._start_spare()
        raise QueryTimeout("every query worker stayed busy past the time limit")

    def _start_spare(self) -> None:
        """While slow queries keep every worker busy, have the next one ready.

        One start at a time: each loads a copy of the data, and several at once would
        take the CPU and memory from the queries they are meant to serve.
        """
        with self._count_lock:
            if self._starting or self._closed or self._count >= self.max_size:
                return
            self._starting = True

        def start() -> None:
            try:
                self._idle.put(self._start_worker())
            except Exception:
                log.exception("could not start a spare query worker")
            finally:
                with self._count_lock:
                    self._starting = False

        threading.Thread(target=start, name="query-worker-spare", daemon=True).start()

    def _release(self, worker: _Worker) -> None:
        if worker.niced and not _set_priority(worker, 0):
            # Without the privilege to raise its priority again, it is retired.
            self._stop_worker(worker)
            if self._count < self.size:
                self._start_spare()
        elif self._count > self.size and self._idle.qsize() > self.size:
            # A burst worker no longer needed; one spare beyond the base stays ready, so
            # that a steady trickle of slow queries does not start and stop workers.
            self._stop_worker(worker)
        else:
            worker.niced = False
            self._idle.put(worker)

    def run(
        self,
        sparql: str,
        dataset: DatasetSpec | None,
        media: str,
        max_rows: int | None,
        base_iri: str | None = None,
    ) -> WorkerAnswer:
        """Run a query and serialise its answer as ``media`` (for /sparql)."""
        answer = self._call(("query", sparql, dataset, media, max_rows, base_iri))
        return WorkerAnswer(answer[1], answer[2], answer[3])

    def query(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """``Store.query`` under the time limit: the same answer, or ``QueryTimeout``.

        ``bindings`` are bound here with ``bind_values`` (never pasted); an engine error
        is a ``QueryError``.
        """
        text = bind_values(sparql, bindings or {})
        answer = self._call(("result", text, dataset, max_rows, base_iri))
        return from_wire(answer[1])

    def _call(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        """Send a query to a worker; its answer, or the error, by the time limit."""
        if self._closed:
            raise PoolClosed("the query pool is shut down")
        worker = self._acquire()
        deadline = time.monotonic() + self.timeout
        try:
            self._catch_up(worker)
            worker.conn.send(message)
            # A query still running after a moment yields the CPU to newcomers.
            if not worker.conn.poll(min(SLOW_AFTER, self.timeout)):
                worker.niced = _set_priority(worker, 10)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
            answer: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise QueryError(f"the query worker died: {exc}", syntax=False) from exc
        self._release(worker)
        status = answer[0]
        if status == "ok":
            return answer
        raise QueryError(answer[1], syntax=status == "syntax")

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (its CPU is freed at once); start a successor in the background."""
        self._stop_worker(worker)
        if self._count >= self.size or self._closed:
            return

        def start() -> None:
            if self._closed:
                return
            try:
                self._idle.put(self._start_worker())
            except Exception:
                log.exception("could not start a replacement query worker")

        threading.Thread(target=start, name="query-worker-start", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        with self._updates_lock:
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
