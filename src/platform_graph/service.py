"""Bring the service's store up: build the graph if needed, load it once, reuse it after."""

from __future__ import annotations

import logging
from collections.abc import Callable

from platform_graph.build import build, write_outputs
from platform_graph.config import Settings
from platform_graph.store.oxigraph import OxigraphStore

__all__ = ["open_store"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _say(progress: Progress | None, message: str) -> None:
    log.info(message)
    if progress is not None:
        progress(message)


def open_store(settings: Settings, progress: Progress | None = None) -> OxigraphStore:
    """Open the embedded store; load the built graph into it if it is empty.

    A store that already holds data is reused as it is: it may carry accepted updates
    the build does not know about, so it is never silently replaced.
    """
    store = OxigraphStore(settings.store_dir)
    if len(store):
        _say(progress, f"reusing the store at {settings.store_dir} ({len(store)} quads)")
        return store
    nquads = settings.output_dir / "platform-graph.nq"
    if not nquads.exists():
        _say(progress, "no built graph yet: building it")
        write_outputs(build(settings.paths, progress=progress), settings.output_dir, progress)
    data = nquads.read_bytes()
    _say(progress, f"loading {nquads} ({len(data) // 1024} KiB) into the store")
    count = store.load(data, "application/n-quads")
    store.flush()
    _say(progress, f"loaded {count} quads")
    return store
