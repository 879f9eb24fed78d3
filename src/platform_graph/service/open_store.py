"""Bring the service's store up: build the graph if needed, load it once, reuse it after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from platform_graph.build.graph import build, write_outputs
from platform_graph.config import Settings
from platform_graph.store import Store, StoreUnavailable, open_embedded
from platform_graph.store.loader import push
from platform_graph.store.remote import RemoteSettings, RemoteStore

__all__ = ["built_nquads", "load_state_path", "open_store", "remote_store"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _say(progress: Progress | None, message: str) -> None:
    log.info(message)
    if progress is not None:
        progress(message)


def remote_store(settings: Settings) -> RemoteStore:
    """The remote store the settings name."""
    return RemoteStore(
        RemoteSettings(
            query_url=settings.store_url,
            update_url=settings.store_update_url,
            user=settings.store_user,
            password=settings.store_password.get_secret_value(),
            auth=settings.store_auth,
            dialect=settings.store_dialect,
            timeout=settings.query_timeout,
            batch_size=settings.store_batch_size,
            lock_path=settings.writer_lock_file,
        )
    )


def open_store(settings: Settings, progress: Progress | None = None) -> Store:
    """Open the store; load the built graph into it if it is empty.

    A store that already holds data is reused as it is: it may carry accepted updates
    the build does not know about, so it is never silently replaced. With ``store_url``
    set the store is a remote SPARQL server; otherwise the embedded one on disk.
    """
    if settings.store_url:
        return _open_remote(settings, progress)
    store = open_embedded(settings.store_dir)
    if len(store):
        _say(progress, f"reusing the store at {settings.store_dir} ({len(store)} quads)")
        return store
    data = built_nquads(settings, progress)
    _say(progress, f"loading the built graph ({len(data) // 1024} KiB) into the store")
    count = store.load(data, "application/n-quads")
    store.flush()
    _say(progress, f"loaded {count} quads")
    return store


def built_nquads(settings: Settings, progress: Progress | None) -> bytes:
    nquads = settings.output_dir / "platform-graph.nq"
    if not nquads.exists():
        _say(progress, "no built graph yet: building it")
        write_outputs(build(settings.paths, progress=progress), settings.output_dir, progress)
    return nquads.read_bytes()


def load_state_path(settings: Settings) -> Path:
    """Where a load into a remote store remembers how far it got."""
    return settings.writer_lock_file.with_name("load-state.json")


def _open_remote(settings: Settings, progress: Progress | None) -> RemoteStore:
    """A remote store: reused when a load into it ran to its end, loaded when empty.

    A store with data but no finished load is refused: it may be a load cut short, and
    treating it as the platform would serve (and let editors change) a part of it.
    """
    store = remote_store(settings)
    store.ping()
    with store.transaction():
        pass  # finishes a change a crash cut short (see RemoteStore.recover)
    if store.loaded() is not None:
        _say(progress, f"reusing the store at {settings.store_url} ({len(store)} quads)")
        return store
    if len(store):
        raise StoreUnavailable(
            f"the store at {settings.store_url} holds data but no finished load of the "
            "platform: finish (or resume) it with `platform-graph load --target "
            f"{settings.store_url}`"
        )
    data = built_nquads(settings, progress)
    _say(progress, f"loading the built graph into {settings.store_url}")
    report = push(
        store,
        data,
        target=settings.store_url,
        state_path=load_state_path(settings),
        batch_size=settings.store_batch_size,
        progress=progress,
    )
    _say(progress, f"loaded {report.quads} quads in {report.batches} batches")
    return store
