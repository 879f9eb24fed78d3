"""The running service's parts, put together once: what every request reaches.

The HTTP layer starts a ``Service`` when the app starts and closes it when the app
stops; the command line starts one to dry-run a change offline. Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from platform_graph.config import Settings
from platform_graph.rdf import entailment
from platform_graph.rdf.terms import Quad
from platform_graph.read import model_file, research_dataset
from platform_graph.read.downloads import Downloads
from platform_graph.read.model import ReadModel
from platform_graph.read.model_file import model_path
from platform_graph.read.named_queries import NamedQuery, load_queries
from platform_graph.service.open_store import open_store
from platform_graph.store import Store, add_concluded, identity
from platform_graph.store.errors import StoreError
from platform_graph.store.pool import QueryPool, WorkerLimits
from platform_graph.store.replicas import replicas_for
from platform_graph.store.time_limited import read_version, time_limited
from platform_graph.store.update_replica import UpdateReplica
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.vocab.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, THEMES_GRAPH
from platform_graph.web.site import Site
from platform_graph.write.change_log import head
from platform_graph.write.drafts import DraftReview, Ledger
from platform_graph.write.proposals import Proposals
from platform_graph.write.sessions import Sessions
from platform_graph.write.tokens import TokenRegistry
from platform_graph.write.uploads import Uploads
from platform_graph.write.workbench_db import WorkbenchDB
from platform_graph.write.writer import Delta, WritePolicy, Writer

__all__ = ["Service", "materialise_inferred", "start"]


@dataclass(slots=True)
class Service:
    settings: Settings
    store: Store
    pool: QueryPool | None
    """The confined query workers (None when the store stops its own queries)."""
    queries: dict[str, NamedQuery]
    read_model: ReadModel
    tokens: TokenRegistry
    writer: Writer
    updates: UpdateReplica
    downloads: Downloads
    site: Site
    workbench: WorkbenchDB
    """The workbench's sessions, proposals and uploads (not graph data)."""
    sessions: Sessions
    proposals: Proposals
    uploads: Uploads
    drafts: DraftReview
    """The review of drafts (issue 16): proposed statements and continuity links."""
    scratch: Path | None = None
    """A folder of this service's own (the downloads of an in-memory store), removed when
    it closes."""

    def close(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.workbench.close()
        self.updates.close()
        if self.pool is not None:
            self.pool.close()


def _entailed(store: Store, removed: Sequence[Quad], added: Sequence[Quad]) -> Delta:
    """What a validated change entails: the inferred graph's part of the same write."""
    return entailment.derive(store.quads, removed, added)


def materialise_inferred(store: Store, *, bulk: bool = False) -> None:
    """Fill the inferred graph from scratch where it is missing (a store loaded by a
    build, or by an import of a backup without it); every write keeps it current after.
    ``bulk``: for a store nobody reads yet (``OxigraphStore.add_concluded``)."""
    if str(INFERRED_GRAPH) in store.named_graphs():
        return
    with store.transaction():
        # The graph is empty: what the rules conclude is all there is to add. The
        # embedded engine finds it without a term of it in Python (docs/benchmarks.md).
        queries = entailment.materialise_queries(entailment.Axioms.from_store(store.quads))
        if queries is not None and add_concluded(
            store, queries, INFERRED_GRAPH, entailment.NOT_ENTAILED_FROM, bulk=bulk
        ):
            return
        remove, add = entailment.materialise(store.quads)
        if remove or add:
            store.apply(remove, add)


def _materialise(writer: Writer) -> None:
    with writer.lock:
        materialise_inferred(writer.store)


log = logging.getLogger(__name__)


def _warm(read_model: ReadModel) -> None:
    """Ask a remote store the read model's questions once, before any reader does.

    Virtuoso answers its first queries slowly (cold caches: about five seconds for the
    commitments on a busy machine), and a reader's request would pay that inside its
    time limit and get a 503; once asked, it answers the same in a fraction of a second.
    """
    try:
        read_model.commitments()
    except StoreError as exc:  # stopped at its time limit, the store has still begun
        log.info("warming the read model did not finish: %s", exc)


def _every_commitment(read_model: ReadModel, store: Store, store_dir: Path) -> None:
    """The read model's list of every commitment from its file, if one was written for
    this very store and state (``read.model_file``); else built in the background, and
    the file written for the next start."""
    name = identity(store)
    if name is None:
        return
    path = model_path(store_dir)
    seq = head(store)[0]
    items = model_file.read(path, model_file.key_for(name, seq))
    if items is not None:
        read_model.keep_every_commitment(items)
        log.info("the read model's %d commitments read from %s", len(items), path)
        return

    def build() -> None:
        try:
            built = read_model.every_commitment()
        except StoreError as exc:  # stopped at its time limit: the first reader builds it
            log.info("building the read model at start did not finish: %s", exc)
            return
        if head(store)[0] != seq:  # a write landed meanwhile: the file would be stale
            return
        try:
            model_file.write(path, model_file.key_for(name, seq), built)
        except OSError as exc:  # a full disk, a read-only folder: the next start builds it
            log.warning("the read model's file %s could not be written: %s", path, exc)

    threading.Thread(target=build, name="read-model-build", daemon=True).start()


def start(
    settings: Settings,
    store: Store | None = None,
    queries: dict[str, NamedQuery] | None = None,
) -> Service:
    """Open the store (building and loading the graph on first use) and start the parts.

    Untrusted SPARQL always runs in confined, killable workers: the queries of a store that
    cannot stop them itself (the embedded engine) in the query pool, and every update's
    delta, whichever the store, in the update replica.
    """
    the_store = store if store is not None else open_store(settings)
    policy = WritePolicy(
        max_removals=settings.editor_max_removals,
        protected=frozenset({ONTOLOGY_GRAPH, THEMES_GRAPH}),
    )
    writer = Writer(
        the_store, Validator(load_shapes(settings.paths.shapes)), policy, entail=_entailed
    )
    _materialise(writer)
    limits = WorkerLimits(
        memory_bytes=settings.query_memory_mb * 2**20,
        max_result_bytes=settings.max_result_bytes,
        network=settings.allow_service,
    )
    pool: QueryPool | None = None
    if not the_store.capabilities.interruptible:
        pool = QueryPool(
            replicas_for(the_store, copy_max_quads=settings.query_copy_max_quads),
            size=settings.query_workers,
            timeout=settings.query_timeout,
            max_size=settings.query_workers_max,
            limits=limits,
            answer_cache_bytes=settings.answer_cache_mb * 2**20,
        )
        writer.on_commit(pool.changed)
    updates = UpdateReplica(
        the_store,
        # A store others change too gets a fresh copy for each update.
        persistent=not the_store.capabilities.shared,
        timeout=settings.query_timeout,
        limits=limits,
        max_quads=settings.max_change_quads,
    )
    writer.on_commit(updates.changed)
    queries = queries if queries is not None else load_queries(settings.queries_dir)
    # An in-memory store's data lives and dies with this process, and its versions start
    # at "0" every time: its downloads must not be found by another process (or the next
    # run) under the same version, so they are written to a folder of its own.
    in_memory = settings.store_dir is None and not settings.store_url
    scratch = Path(tempfile.mkdtemp(prefix="platform-graph-downloads-")) if in_memory else None
    limited = time_limited(the_store, pool)
    read_model = ReadModel(limited, read_version(writer.etag, pool))
    tokens = TokenRegistry(settings.tokens_path, configured=settings.tokens)
    workbench = WorkbenchDB(settings.workbench_path)
    proposals = Proposals(workbench)
    proposals.recover(writer.change_for_proposal)
    if the_store.capabilities.shared:
        # Without the readers' time limit: this is what warms the store's caches.
        _warm(ReadModel(the_store, read_version(writer.etag, pool)))
    elif settings.store_dir is not None:
        _every_commitment(read_model, the_store, settings.store_dir)
    return Service(
        settings=settings,
        store=the_store,
        pool=pool,
        queries=queries,
        read_model=read_model,
        tokens=tokens,
        writer=writer,
        updates=updates,
        scratch=scratch,
        downloads=Downloads(
            scratch or settings.downloads_dir,
            the_store,
            writer.etag,
            # The research dataset's tables are read like the REST reads: in the query
            # workers, under the time limit.
            tables=research_dataset.producers(limited, settings.public_base),
            tables_format=research_dataset.FORMAT,
        ),
        site=Site(read_model, queries),
        workbench=workbench,
        sessions=Sessions(workbench, tokens, settings.session_hours),
        proposals=proposals,
        uploads=Uploads(workbench),
        drafts=DraftReview(the_store, settings.paths, Ledger(settings.review_path)),
    )
