"""Replace the embedded store's folder with a new one, so that a crash at any moment
leaves one whole store: the old one or the new one, never a mix.

The new store is written beside the old one (``<store>.next``), flushed and closed; a
marker file (``<store>.next-ready``) says it is complete. Then the old store becomes
``<store>.previous`` (the backup; an older backup is removed first) and the new one
takes its name, and the marker goes. ``finish_swap`` (called before the store is
opened) completes a swap a crash cut short after the marker, and removes a new store
a crash left unfinished before it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
from pathlib import Path

from platform_graph.store.oxigraph import OxigraphStore

__all__ = ["backup_path", "finish_swap", "swap_in"]

log = logging.getLogger(__name__)


def _next(path: Path) -> Path:
    return path.with_name(path.name + ".next")


def _ready(path: Path) -> Path:
    return path.with_name(path.name + ".next-ready")


def backup_path(path: Path) -> Path:
    """Where the store before the last swap is kept."""
    return path.with_name(path.name + ".previous")


def _sync_dir(path: Path) -> None:
    """Make renames in ``path`` durable (the folder's entries themselves)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finish_swap(path: Path) -> str | None:
    """Complete (or undo) a swap a crash interrupted; what was done, or None."""
    nxt, ready, previous = _next(path), _ready(path), backup_path(path)
    if ready.exists():
        if nxt.exists():
            if path.exists():
                if previous.exists():
                    shutil.rmtree(previous)
                os.replace(path, previous)
            os.replace(nxt, path)
        ready.unlink()
        _sync_dir(path.parent)
        return f"finished moving the new store into {path} (a swap was interrupted)"
    if nxt.exists():
        shutil.rmtree(nxt)
        return f"removed {nxt}, a new store left unfinished"
    return None


def swap_in(path: Path, nquads: bytes) -> Path:
    """Put a store holding ``nquads`` at ``path``, the one there now kept as the backup
    (returned). The caller must have closed every handle on the store at ``path``."""
    finish_swap(path)
    nxt, ready, previous = _next(path), _ready(path), backup_path(path)
    new = OxigraphStore(nxt)
    new.load(nquads, "application/n-quads")
    new.flush()
    del new
    gc.collect()  # the engine closes the store (and its lock) when the object goes
    with ready.open("wb") as marker:
        marker.flush()
        os.fsync(marker.fileno())
    _sync_dir(path.parent)
    # From here on the new store counts: finish_swap completes what a crash cuts short.
    if previous.exists():
        shutil.rmtree(previous)
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, previous)
    os.replace(nxt, path)
    ready.unlink()
    _sync_dir(path.parent)
    log.info("the store at %s was replaced; the one before is at %s", path, previous)
    return previous
