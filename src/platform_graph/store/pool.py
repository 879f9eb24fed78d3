"""Run untrusted SPARQL in confined worker processes that can be stopped, shared fairly.

pyoxigraph cannot be interrupted from Python, and it can reach the network and use any
amount of memory. So every query (and every SPARQL Update's delta, see
``update_runner``) runs in a worker process that:

* cannot open a network connection, and has a cap on its memory (``store/sandbox.py``);
* is killed when the request's time limit passes (one limit, from the request's arrival
  to its answer, waiting for a worker included), or when it dies of its memory cap, and
  is replaced while the others keep serving;
* writes its answer under a row and a byte cap (``store/results_writer.py``).

What a worker reads (``store/replicas.py``): its own copy of the data in memory,
replaying the changes the writer tells the pool of (small data), or a read-only snapshot
of the on-disk store, a new one after each change (large data). Either way it learns of
every change before its next query.

From the event loop (``run_async``, for /sparql) a query that finds a worker free and
is answered before it would turn slow costs no thread: it is sent, and its answer
awaited, on the loop itself.

Sharing: ``size`` workers are kept ready, up to ``max_size`` while slow queries keep
them busy. A free worker goes to the waiting query whose client holds the fewest
workers (then the earliest), and no client holds more than its share while others
wait. Queries that run past ``SLOW_AFTER`` seconds yield the CPU (a lower priority) and
may hold at most ``max_size - 1`` workers together (one, if there is only one): one is
always left for the short queries of everyone else. A query that turns slow when that
many are slow already is stopped with ``ServerBusy`` (the client is asked to retry) and
its worker started afresh. The last free worker is not given to a query whose text ran
slow lately, nor to any query of a client stopped again and again (``STRIKES``) until
one of its queries finishes in time: a short query finds a worker at once while heavy
ones hold the rest, from other clients or from its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from platform_graph.rdf.sparql_text import bind_values
from platform_graph.rdf.terms import DatasetSpec, Quad, QueryResult, Term
from platform_graph.store.answer_cache import AnswerCache, cacheable
from platform_graph.store.errors import (
    ChangeTooLarge,
    PoolClosed,
    QueryStopped,
    ServerBusy,
    StoreQueryError,
    StoreTimeout,
)
from platform_graph.store.replicas import SNAPSHOT_REPLAY_MAX, Copies, Replicas
from platform_graph.store.request_scope import RequestScope, current
from platform_graph.store.sandbox import SandboxUnavailable
from platform_graph.store.wire import from_wire

__all__ = ["SNAPSHOT_REPLAY_MAX", "QueryPool", "WorkerAnswer", "WorkerLimits"]

log = logging.getLogger(__name__)
_CTX = mp.get_context("spawn")


@dataclass(frozen=True, slots=True)
class WorkerAnswer:
    body: bytes
    truncated: bool
    rows: int


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """What a worker may use: memory beyond its replica, answer size, the network."""

    memory_bytes: int | None = 1024 * 2**20
    max_result_bytes: int | None = 64 * 2**20
    network: bool = False
    """Only with PLATFORM_GRAPH_ALLOW_SERVICE: the operator lets SERVICE fetch."""


def _worker_main(conn: Connection, limits: WorkerLimits, layout: str) -> None:
    # A memory-capped engine aborts with a Rust backtrace: one line in the log is enough.
    os.environ["RUST_BACKTRACE"] = "0"
    # Imports inside: a spawned worker imports only what it needs.
    from platform_graph.store.sandbox import confine, limit_memory

    try:
        confine(network=limits.network)
    except SandboxUnavailable as exc:
        conn.send(("failed", str(exc)))
        return
    from platform_graph.store.oxigraph import OxigraphStore
    from platform_graph.store.worker_tasks import handle

    # What the replicas say to start from: a copy of the data, or a snapshot to open.
    kind, source = conn.recv()
    if kind == "copy":
        store = OxigraphStore(None)
        store.load(source, "application/n-quads")
    else:
        store = OxigraphStore(Path(source), read_only=True)
    del source
    try:
        limit_memory(limits.memory_bytes)
    except SandboxUnavailable as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", 0))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg[0] == "open":
            # A newer snapshot, after a change: the old one is closed first.
            del store
            store = OxigraphStore(Path(msg[1]), read_only=True)
            continue
        answer = handle(store, msg, limits, layout)
        if answer is not None:
            conn.send(answer)


class _Worker:
    def __init__(self, start: tuple[Any, ...], generation: int, limits: WorkerLimits, layout: str):
        self.generation = generation
        self.niced = False
        parent, child = _CTX.Pipe()
        self.conn: Connection = parent
        self.process: BaseProcess = _CTX.Process(
            target=_worker_main, args=(child, limits, layout), daemon=True
        )
        self.process.start()
        child.close()
        try:
            self.conn.send(start)
            status, detail = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise SandboxUnavailable(f"the query worker died while starting: {exc}") from exc
        if status != "ready":
            self.kill()
            raise SandboxUnavailable(f"the query worker could not confine itself: {detail}")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        if not self.conn.closed:
            self.conn.close()

    def death(self) -> str:
        """Why the worker died, in words (it was not killed by the pool)."""
        self.process.join(timeout=2)
        code = self.process.exitcode
        if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
            return (
                "the query needed more memory than a query may use, or crashed the query "
                "engine, and was stopped"
            )
        return f"the query worker stopped unexpectedly (exit code {code})"


SLOW_AFTER = 0.5
"""Seconds after which a running query counts as slow and runs at a lower priority."""

PENALTY_SECONDS = 10
"""How long a client whose query was stopped may not take the last free worker (doubled
with each further stop)."""

STRIKES = 3
"""Stops of a client's queries, none finished in time between, after which all its
queries are kept off the last free worker (not only the texts that ran slow)."""

PENALTY_MAX = 300
"""The longest such time, and how long a query text that ran slow stays known heavy."""


def _set_priority(worker: _Worker, niceness: int) -> bool:
    pid = worker.process.pid
    if pid is None:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError:
        return False
    return True


@dataclass(eq=False)
class _Ticket:
    client: str
    arrival: int
    text: str
    """A fingerprint of the request's text: a text that ran slow before is known heavy."""


def _fingerprint(message: tuple[Any, ...]) -> str:
    text = message[1] if len(message) > 1 and isinstance(message[1], str) else ""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass
class _Sharing:
    """Who holds and who waits for the workers; guarded by the pool's condition."""

    running: dict[str, int] = field(default_factory=dict)
    waiting: list[_Ticket] = field(default_factory=list)
    slow: int = 0
    penalised: dict[str, float] = field(default_factory=dict)
    strikes: dict[str, int] = field(default_factory=dict)
    heavy_texts: dict[str, float] = field(default_factory=dict)
    arrivals: int = 0

    def active_clients(self) -> int:
        return len(set(self.running) | {t.client for t in self.waiting}) or 1

    def _current(self, table: dict[str, float], key: str) -> bool:
        until = table.get(key)
        if until is None:
            return False
        if until < time.monotonic():
            del table[key]
            return False
        return True

    def restricted(self, ticket: _Ticket) -> bool:
        """Kept off the last free worker: this very text ran slow lately, or the client's
        queries were stopped again and again (whatever their text) and none has finished
        in time since."""
        return self._current(self.heavy_texts, ticket.text) or (
            self.strikes.get(ticket.client, 0) >= STRIKES
            and self._current(self.penalised, ticket.client)
        )

    def penalise(self, client: str, text: str) -> None:
        """Each stop doubles the client's time off the last worker (up to five minutes)."""
        strikes = self.strikes.get(client, 0)
        self.strikes[client] = strikes + 1
        now = time.monotonic()
        self.penalised[client] = now + min(PENALTY_MAX, PENALTY_SECONDS * 2**strikes)
        self.heavy_texts[text] = now + PENALTY_MAX
        if len(self.heavy_texts) > 10_000:  # bounded: forget the oldest
            for key in sorted(self.heavy_texts, key=self.heavy_texts.__getitem__)[:5_000]:
                del self.heavy_texts[key]


class QueryPool:
    """Confined query workers, each reading its replica of the data, shared fairly."""

    def __init__(
        self,
        replicas: Replicas | Callable[[], bytes],
        *,
        size: int = 2,
        timeout: float = 30.0,
        max_size: int | None = None,
        limits: WorkerLimits | None = None,
        layout: str = "dataset",
        answer_cache_bytes: int = 0,
    ) -> None:
        # A function giving a dump of the store: each worker keeps a copy of it.
        self._replicas = replicas if isinstance(replicas, Replicas) else Copies(replicas, layout)
        self.timeout = timeout
        self.size = size
        self.max_size = max(size, max_size or size)
        self.limits = limits or WorkerLimits()
        self.layout = layout
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._share = _Sharing()
        self._closed = False
        self._count = 0  # workers started or starting
        self._starting = False  # a spare worker is being started
        # How long the last worker took to start (load its copy of the data): what a
        # query that finds every worker busy waits for one to come free before the pool
        # pays for a new one.
        self.start_seconds = 0.0
        self._workers: set[_Worker] = set()
        self._workers_lock = threading.Lock()
        # Generations workers are being started at: what they start from is kept.
        self._reserved: list[int] = []
        # Answers per generation of the data (store/answer_cache.py); None: none kept.
        self.answers = AnswerCache(answer_cache_bytes) if answer_cache_bytes > 0 else None
        self._start_ready(size)

    def _start_ready(self, size: int) -> None:
        """Start the ready workers side by side: the service answers once they are up."""
        started: list[_Worker] = []
        failed: list[BaseException] = []

        def one() -> None:
            try:
                started.append(self._start_worker())
            except BaseException as exc:
                failed.append(exc)

        threads = [threading.Thread(target=one, name="query-worker-start") for _ in range(size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with self._cond:
            self._idle.extend(started)
        if failed:
            self.close()
            raise failed[0]

    @property
    def workers(self) -> int:
        return self._count

    @property
    def replicas(self) -> str:
        """What the workers read: ``copies`` (in memory) or ``snapshots`` (on disk)."""
        return self._replicas.kind

    @property
    def generation(self) -> int:
        """How many changes the pool has been told of (``changed``): a query run after
        reading this sees at least those."""
        return self._replicas.generation

    # --- workers ------------------------------------------------------------------------

    def _start_worker(self, *, reserved: bool = False) -> _Worker:
        """Start a worker; ``reserved``: its place in ``_count`` was taken already."""
        if not reserved:
            with self._cond:
                self._count += 1
        generation: int | None = None
        try:
            started = time.monotonic()
            with self._workers_lock:
                generation, message = self._replicas.start()
                self._reserved.append(generation)
            worker = _Worker(message, generation, self.limits, self.layout)
            self.start_seconds = time.monotonic() - started
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify_all()
            raise
        finally:
            if generation is not None:
                with self._workers_lock:
                    self._reserved.remove(generation)
        with self._workers_lock:
            self._workers.add(worker)
        return worker

    def _stop_worker(self, worker: _Worker) -> None:
        worker.kill()
        with self._workers_lock:
            self._workers.discard(worker)
        with self._cond:
            self._count -= 1
            self._cond.notify_all()

    def _start_in_background(self, *, spare: bool) -> None:
        """Start one worker in the background (a spare: one at a time)."""
        with self._cond:
            if self._closed or self._count >= self.max_size or (spare and self._starting):
                return
            self._count += 1  # its place is taken now: no second start overshoots
            if spare:
                self._starting = True

        def start() -> None:
            try:
                worker = self._start_worker(reserved=True)
            except Exception:
                log.exception("could not start a query worker")
                return
            finally:
                if spare:
                    with self._cond:
                        self._starting = False
            with self._cond:
                if self._closed:
                    worker.kill()
                    return
                self._idle.append(worker)
                self._cond.notify_all()

        threading.Thread(target=start, name="query-worker-start", daemon=True).start()

    # --- replicas -----------------------------------------------------------------------

    def changed(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        """A change applied to the primary: each worker learns of it before its next query."""
        self._replicas.changed(removed, added)

    def _pending(self, worker: _Worker) -> tuple[list[tuple[Any, ...]], int]:
        return self._replicas.catch_up(worker.generation)

    def _caught_up(self, worker: _Worker, generation: int) -> None:
        worker.generation = generation
        with self._workers_lock:
            # Forget what every worker has replayed (or the snapshots none reads).
            in_use = {w.generation for w in self._workers}
            self._replicas.forget(in_use.union(self._reserved))

    def _catch_up(self, worker: _Worker) -> None:
        pending, generation = self._pending(worker)
        for message in pending:
            worker.conn.send(message)
        self._caught_up(worker, generation)

    # --- sharing ------------------------------------------------------------------------

    def _next_ticket(self) -> _Ticket | None:
        """The waiting query a free worker goes to: its client holds the fewest, then the
        one that came first; a client at its share waits while others do; the last free
        worker is kept for queries not known to be heavy."""
        share = self._share
        fair = max(1, self.max_size // share.active_clients())
        free = len(self._idle) + (self.max_size - self._count)
        # With a single worker there is nothing to keep in reserve.
        reserve = self.max_size > 1 and free <= 1
        best: _Ticket | None = None
        for ticket in share.waiting:
            held = share.running.get(ticket.client, 0)
            if held >= fair and len(share.waiting) > 1:
                continue
            if reserve and share.restricted(ticket):
                continue
            key = (held, ticket.arrival)
            if best is None or key < (share.running.get(best.client, 0), best.arrival):
                best = ticket
        return best

    def _acquire(self, client: str, text: str, deadline: float) -> _Worker:
        with self._cond:
            share = self._share
            share.arrivals += 1
            ticket = _Ticket(client, share.arrivals, text)
            share.waiting.append(ticket)
            waited_since = time.monotonic()
            try:
                while True:
                    if self._closed:
                        raise PoolClosed("the service is shutting down")
                    if self._idle and self._next_ticket() is ticket:
                        share.running[client] = share.running.get(client, 0) + 1
                        return self._idle.pop()
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise StoreTimeout(
                            "every query worker stayed busy past the time limit: try again later"
                        )
                    # Every worker busy: a new one costs a whole copy of the data (tens of
                    # seconds at millions of triples), so first wait as long as a start
                    # takes for a busy one to come free, then start one in the background.
                    if not self._idle and time.monotonic() - waited_since >= max(
                        self.start_seconds, 0.05
                    ):
                        self._start_in_background(spare=True)
                    self._cond.wait(timeout=min(left, max(self.start_seconds, 0.05)))
            finally:
                share.waiting.remove(ticket)
                self._cond.notify_all()

    def _release_slot(self, client: str, *, slow: bool, finished: bool) -> None:
        with self._cond:
            share = self._share
            held = share.running.get(client, 0) - 1
            if held > 0:
                share.running[client] = held
            else:
                share.running.pop(client, None)
            if slow:
                share.slow -= 1
            if finished:
                share.strikes.pop(client, None)  # answered in time: the slate is clean
            self._cond.notify_all()

    def _turn_slow(self) -> bool:
        """Count a query as slow; False when slow queries hold all they may already."""
        with self._cond:
            if self._share.slow >= max(1, self.max_size - 1):
                return False
            self._share.slow += 1
            return True

    def _penalise(self, client: str, text: str) -> None:
        with self._cond:
            self._share.penalise(client, text)

    def _release(self, worker: _Worker) -> None:
        if worker.niced and not _set_priority(worker, 0):
            # Without the privilege to raise its priority again, it is retired.
            self._stop_worker(worker)
            if self._count < self.size:
                self._start_in_background(spare=False)
            return
        with self._cond:
            if self._count > self.size and len(self._idle) >= self.size and not self._share.waiting:
                retire = True  # a burst worker no longer needed
            else:
                retire = False
                worker.niced = False
                self._idle.append(worker)
                self._cond.notify_all()
        if retire:
            self._stop_worker(worker)

    def _replace(self, worker: _Worker, *, refill: bool = False) -> None:
        """Kill a worker (its CPU is freed at once); start a successor in the background
        (with ``refill``, even above the ready number: a worker freed for others)."""
        self._stop_worker(worker)
        if refill or self._count < self.size:
            self._start_in_background(spare=False)

    # --- queries ------------------------------------------------------------------------

    def _query_message(
        self,
        sparql: str,
        dataset: DatasetSpec | None,
        media: str,
        max_rows: int | None,
        base_iri: str | None,
    ) -> tuple[Any, ...]:
        return ("query", sparql, dataset, media, max_rows, self.limits.max_result_bytes, base_iri)

    def run(
        self,
        sparql: str,
        dataset: DatasetSpec | None,
        media: str,
        max_rows: int | None,
        base_iri: str | None = None,
    ) -> WorkerAnswer:
        """Run a query and serialise its answer as ``media`` (for /sparql)."""
        answer = self.call(self._query_message(sparql, dataset, media, max_rows, base_iri))
        return WorkerAnswer(answer[1], answer[2], answer[3])

    async def run_async(
        self,
        sparql: str,
        dataset: DatasetSpec | None,
        media: str,
        max_rows: int | None,
        base_iri: str | None = None,
    ) -> WorkerAnswer:
        """``run`` from the event loop (see ``call_async``)."""
        message = self._query_message(sparql, dataset, media, max_rows, base_iri)
        answer = await self.call_async(message)
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
        """``Store.query`` under the time limit: the same answer, or ``StoreTimeout``.

        ``bindings`` are bound here with ``bind_values`` (never pasted); an engine error
        is a ``QueryError``.
        """
        return from_wire(
            self.call(_result_message(sparql, dataset, bindings, max_rows, base_iri))[1]
        )

    async def query_async(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """``query`` from the event loop (see ``call_async``)."""
        message = _result_message(sparql, dataset, bindings, max_rows, base_iri)
        return from_wire((await self.call_async(message))[1])

    def _deadline(self, scope: RequestScope) -> float:
        return time.monotonic() + scope.remaining(self.timeout)

    def call(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        """Send a task to a worker; its answer, or the error, by the request's deadline."""
        if self._closed:
            raise PoolClosed("the service is shutting down")
        kept, generation = self._kept(message)
        if kept is not None:
            return kept
        scope = current()
        text = _fingerprint(message)
        deadline = self._deadline(scope)
        worker = self._acquire(scope.client, text, deadline)
        self._send(worker, message, scope.client, text, catch_up=True)
        return self._keep(
            message,
            generation,
            self._finish(worker, scope.client, text, time.monotonic(), deadline),
        )

    def _kept(self, message: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, int | None]:
        """The answer kept for ``message`` at the current generation, if any, and the
        generation to keep a new one under (None: not to be kept)."""
        if self.answers is None:
            return None, None
        generation = self.generation
        found = self.answers.get(generation, message)
        # Only what may be kept is ever found: the text is read on a miss alone.
        if found is not None or not cacheable(message):
            return found, None
        return None, generation

    def _keep(
        self, message: tuple[Any, ...], generation: int | None, finished: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        answer, size = finished
        if generation is not None and self.answers is not None:
            self.answers.put(generation, message, answer, size)
        return answer  # type: ignore[no-any-return]

    async def call_async(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        """``call`` from the event loop, without a thread where none is needed.

        A query that finds a worker free at once (and nobody waiting before it) is sent
        from the loop, and its answer awaited there until it would turn slow; a thread
        then takes over what ``call`` does with slow queries. A query that must wait for
        a worker waits in a thread, as ``call`` does, and so does one whose worker must
        first replay changes or whose text is large (pipe writes that could block).
        """
        if self._closed:
            raise PoolClosed("the service is shutting down")
        kept, generation = self._kept(message)
        if kept is not None:
            return kept
        scope = current()
        text = _fingerprint(message)
        worker = self._try_acquire(scope.client, text)
        if worker is None:
            return await asyncio.to_thread(self.call, message)
        deadline = self._deadline(scope)
        if self._pending(worker)[0] or len(message[1]) > _LOOP_SEND_MAX:
            await asyncio.to_thread(self._send, worker, message, scope.client, text, catch_up=True)
        else:
            self._send(worker, message, scope.client, text, catch_up=False)
        sent = time.monotonic()
        try:
            ready = await _readable(worker.conn, min(sent + SLOW_AFTER, deadline) - sent)
        except BaseException:
            # The request was cancelled: the worker still owes its answer, which a thread
            # collects before the worker is handed to anyone else.
            threading.Thread(
                target=self._finish_quietly,
                args=(worker, scope.client, text, sent, deadline),
                daemon=True,
            ).start()
            raise
        if ready:
            finished = self._finish(worker, scope.client, text, sent, deadline)
        else:
            finished = await asyncio.to_thread(
                self._finish, worker, scope.client, text, sent, deadline
            )
        return self._keep(message, generation, finished)

    def _try_acquire(self, client: str, text: str) -> _Worker | None:
        """A free worker now, if the sharing rules give it to this query; else None."""
        with self._cond:
            share = self._share
            if self._closed or not self._idle or share.waiting:
                return None
            ticket = _Ticket(client, share.arrivals + 1, text)
            share.waiting.append(ticket)
            try:
                chosen = self._next_ticket() is ticket
            finally:
                share.waiting.remove(ticket)
            if not chosen:
                return None
            share.arrivals += 1
            share.running[client] = share.running.get(client, 0) + 1
            return self._idle.pop()

    def _send(
        self, worker: _Worker, message: tuple[Any, ...], client: str, text: str, *, catch_up: bool
    ) -> None:
        """Bring the worker up to date (``catch_up``) and send it the task."""
        try:
            if catch_up:
                self._catch_up(worker)
            worker.conn.send(message)
        except (EOFError, OSError) as exc:
            self._release_slot(client, slow=False, finished=False)
            self._lost(worker, client, text, exc)

    def _lost(self, worker: _Worker, client: str, text: str, exc: BaseException) -> None:
        reason = worker.death()
        self._penalise(client, text)
        self._replace(worker)
        raise QueryStopped(reason) from exc

    def _finish(
        self, worker: _Worker, client: str, text: str, sent: float, deadline: float
    ) -> tuple[tuple[Any, ...], int]:
        """Wait for the worker's answer (sent to it at ``sent``) by ``deadline``: past
        ``SLOW_AFTER`` the query counts as slow and yields the CPU; past the deadline its
        worker is killed. The answer and its size on the wire, or the error."""
        slow = finished = False
        try:
            budget = deadline - sent
            first = min(sent + SLOW_AFTER, deadline) - time.monotonic()
            if not worker.conn.poll(max(0.0, first)):
                if budget > SLOW_AFTER and not self._turn_slow():
                    # Slow queries hold all the workers they may: this one goes, and its
                    # worker is started afresh at once for everyone else's short queries.
                    self._penalise(client, text)
                    self._replace(worker, refill=True)
                    raise ServerBusy(
                        "the server is busy with other long queries: this one was stopped "
                        f"after {SLOW_AFTER:g} s; try again in a while",
                        PENALTY_SECONDS,
                    )
                slow = budget > SLOW_AFTER
                # A slow query yields the CPU to newcomers.
                worker.niced = _set_priority(worker, 10)
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    self._penalise(client, text)
                    self._replace(worker)
                    raise StoreTimeout(
                        f"the query ran past the request's time limit ({self.timeout:g} s "
                        "from its arrival) and was stopped"
                    )
            raw = worker.conn.recv_bytes()
            finished = True
        except (EOFError, OSError) as exc:
            self._release_slot(client, slow=slow, finished=False)
            self._lost(worker, client, text, exc)
        except BaseException:
            self._release_slot(client, slow=slow, finished=finished)
            raise
        self._release_slot(client, slow=slow, finished=finished)
        answer: tuple[Any, ...] = pickle.loads(raw)
        status = answer[0]
        if status == "too-large":
            self._replace(worker)  # its replica holds the change: it is no copy any more
            raise ChangeTooLarge(answer[1])
        self._release(worker)
        if status == "ok":
            return answer, len(raw)
        raise StoreQueryError(answer[1], syntax=status == "syntax")

    def _finish_quietly(
        self, worker: _Worker, client: str, text: str, sent: float, deadline: float
    ) -> None:
        """``_finish`` for a request nobody waits for any more: its answer is dropped."""
        try:
            self._finish(worker, client, text, sent, deadline)
        except Exception:  # the request is gone: nobody to tell
            log.debug("a cancelled query ended with an error", exc_info=True)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        with self._workers_lock:
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
        self._replicas.close()


def _result_message(
    sparql: str,
    dataset: DatasetSpec | None,
    bindings: Mapping[str, Term] | None,
    max_rows: int | None,
    base_iri: str | None,
) -> tuple[Any, ...]:
    """The task of ``query`` and ``query_async``: the text with its values bound."""
    return ("result", bind_values(sparql, bindings or {}), dataset, max_rows, base_iri)


_LOOP_SEND_MAX = 32 * 1024
"""Query texts longer than this are sent to the worker from a thread: a pipe holds 64 KiB,
and a longer write could hold up the event loop."""


async def _readable(conn: Connection, timeout: float) -> bool:
    """Whether ``conn`` has something to read within ``timeout`` seconds, awaited on the
    running loop (no thread)."""
    if conn.poll(0):
        return True
    if timeout <= 0:
        return False
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[bool] = loop.create_future()

    def settle(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    fd = conn.fileno()
    loop.add_reader(fd, settle, True)
    timer = loop.call_later(timeout, settle, False)
    try:
        return await ready
    finally:
        timer.cancel()
        loop.remove_reader(fd)
        # uvloop (libuv) makes a descriptor it watches non-blocking; the pipe is read and
        # written with blocking calls, here and in threads.
        os.set_blocking(fd, True)
