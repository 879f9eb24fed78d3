"""What the query workers read, and how each learns of a change.

Two ways, the service choosing by the setting ``QUERY_COPY_MAX_QUADS`` and the size of
the data (``replicas_for``; unset, the default: copies):

* ``Copies``: each worker holds a copy of the data in pyoxigraph's in-memory store,
  loaded from a dump of the store and kept current by replaying every change. The
  in-memory store answers joins and counts two to eight times faster than the on-disk
  one at the platform's size; but a copy costs a worker as much memory as the data, and
  a worker takes as long to start as the dump takes to parse (tens of seconds at
  millions of triples).
* ``Snapshots``: the workers read a snapshot of the on-disk store, opened read-only. A
  snapshot is a RocksDB checkpoint: hard links to the store's files, which RocksDB never
  changes once written, made in milliseconds and never written by anyone; after each
  change a new one, which every worker opens before its next query. One copy of the
  data for every worker (on disk, and in the page cache the kernel shares), and a worker
  starts in the time it takes to open it. The store is never opened by two processes
  for writing, nor read while another writes it: a worker only ever opens a snapshot.

Either way a worker is told what it must do before its next query in the order the
changes were applied (``catch_up``); the pool keeps track of the generation (the count of
changes) each worker has reached.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from platform_graph.rdf.terms import Quad
from platform_graph.store.base import Store
from platform_graph.store.errors import StoreUnavailable
from platform_graph.store.oxigraph import OxigraphStore, data_update, shadow_update
from platform_graph.vocab.namespaces import CHANGES_GRAPH, DATA_GRAPH

__all__ = [
    "COPY_MAX_QUADS",
    "SNAPSHOT_REPLAY_MAX",
    "Copies",
    "Replicas",
    "Snapshots",
    "replicas_for",
]

log = logging.getLogger(__name__)

Message = tuple[Any, ...]

SNAPSHOT_REPLAY_MAX = 64
"""Changes a new worker may replay on top of the kept copy before a fresh copy is taken."""

COPY_MAX_QUADS: int | None = None
"""Up to this many quads the workers hold copies (the setting ``QUERY_COPY_MAX_QUADS``);
None: always copies."""


class Replicas:
    """What a new worker starts from, and what brings a worker up to date."""

    kind = ""

    @property
    def generation(self) -> int:
        """How many changes have been applied (``changed``) so far."""
        raise NotImplementedError

    def start(self) -> tuple[int, Message]:
        """The generation a new worker starts at, and the message it starts from."""
        raise NotImplementedError

    def changed(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        """A change applied to the store; workers learn of it before their next query."""
        raise NotImplementedError

    def catch_up(self, generation: int) -> tuple[list[Message], int]:
        """The messages that bring a worker at ``generation`` up to date, and the
        generation it is at after them."""
        raise NotImplementedError

    def forget(self, in_use: Collection[int]) -> None:
        """Drop what no worker at these generations (nor a new one) needs any more."""

    def close(self) -> None:
        """Remove what the replicas keep (the service stops)."""


class Copies(Replicas):
    """Each worker holds a copy in memory and replays every change.

    ``layout`` ``dataset`` keeps the store's graphs; ``update`` is the dataset as SPARQL
    Update sees it (``update_replica``): the data graph as the default graph, and no
    change log.
    """

    kind = "copies"

    def __init__(self, snapshot: Callable[[], bytes], layout: str = "dataset") -> None:
        self._snapshot = snapshot
        self.layout = layout
        self._lock = threading.Lock()
        # Changes applied since generation ``_base``, for replay.
        self._updates: list[str] = []
        self._base = 0
        # The copy new workers start from, and its generation: copying the whole store
        # for every new worker made each burst or spare worker cost as much as the data;
        # the copy is kept and reused, and the new worker replays the changes since it.
        self._snap: tuple[int, bytes] | None = None

    @property
    def generation(self) -> int:
        with self._lock:
            return self._base + len(self._updates)

    def start(self) -> tuple[int, Message]:
        with self._lock:
            now = self._base + len(self._updates)
            if self._snap is None or now - self._snap[0] > SNAPSHOT_REPLAY_MAX:
                self._snap = (now, self._snapshot())
            generation, data = self._snap
        return generation, ("copy", data)

    def changed(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        text = (
            data_update(removed, added)
            if self.layout == "dataset"
            else shadow_update(removed, added, default=DATA_GRAPH, skip=CHANGES_GRAPH)
        )
        if text:
            with self._lock:
                self._updates.append(text)

    def catch_up(self, generation: int) -> tuple[list[Message], int]:
        with self._lock:
            pending = self._updates[generation - self._base :]
            return [("replay", text) for text in pending], self._base + len(self._updates)

    def forget(self, in_use: Collection[int]) -> None:
        with self._lock:
            now = self._base + len(self._updates)
            kept = [*in_use]
            if self._snap is not None:
                kept.append(self._snap[0])  # a worker started from the copy replays from there
            oldest = min(kept, default=now)
            if oldest > self._base:
                del self._updates[: oldest - self._base]
                self._base = oldest

    def close(self) -> None:
        with self._lock:
            self._snap = None


class Snapshots(Replicas):
    """The workers read read-only snapshots of the on-disk store, one per change.

    The snapshots live in ``<store>-snapshots/<generation>`` (the same file system as
    the store, so that a snapshot is hard links, not a copy); the folder is emptied when
    the service starts and when it stops.
    """

    kind = "snapshots"

    def __init__(self, store: OxigraphStore) -> None:
        if store.path is None:
            raise ValueError("snapshots need a store on disk")
        self.store = store
        self.folder = store.path.with_name(store.path.name + "-snapshots")
        self._lock = threading.Lock()
        shutil.rmtree(self.folder, ignore_errors=True)  # left by a service that crashed
        self.folder.mkdir(parents=True)
        self._generation = 0
        self._made: dict[int, Path] = {}
        self._make(0)

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    def _make(self, generation: int) -> Path:
        path = self.folder / str(generation)
        shutil.rmtree(path, ignore_errors=True)  # a half-made one, from a failed attempt
        self.store.checkpoint(path)
        self._made[generation] = path
        return path

    def _latest(self) -> Path:
        """The snapshot of the current generation, made now if making it failed before
        (a worker must never answer from a snapshot older than a change it was told of)."""
        path = self._made.get(self._generation)
        if path is None:
            try:
                path = self._make(self._generation)
            except OSError as exc:
                raise StoreUnavailable(f"could not snapshot the store: {exc}") from exc
        return path

    def start(self) -> tuple[int, Message]:
        with self._lock:
            return self._generation, ("open", str(self._latest()))

    def changed(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        # Called by the writer right after the change, under its lock: the snapshot is
        # exactly the store with this change, and no later one.
        with self._lock:
            self._generation += 1
            try:
                self._make(self._generation)
            except OSError:
                # The change is in the store; the next query makes the snapshot or fails.
                log.exception("could not snapshot the store after a change")

    def catch_up(self, generation: int) -> tuple[list[Message], int]:
        with self._lock:
            if generation == self._generation:
                return [], generation
            return [("open", str(self._latest()))], self._generation

    def forget(self, in_use: Collection[int]) -> None:
        with self._lock:
            for generation in [g for g in self._made if g not in in_use]:
                if generation != self._generation:
                    shutil.rmtree(self._made.pop(generation), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._made.clear()
            shutil.rmtree(self.folder, ignore_errors=True)


def replicas_for(store: Store, *, copy_max_quads: int | None = COPY_MAX_QUADS) -> Replicas:
    """Copies for an in-memory store, for small data and when ``copy_max_quads`` is None;
    snapshots of an on-disk store holding more than ``copy_max_quads`` quads."""
    if (
        isinstance(store, OxigraphStore)
        and store.path is not None
        and copy_max_quads is not None
        and (copy_max_quads <= 0 or not store.holds_at_most(copy_max_quads))
    ):
        return Snapshots(store)
    return Copies(lambda: store.dump("application/n-quads"))
