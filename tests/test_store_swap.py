"""The embedded store's swap (``store.swap``): a crash at any moment leaves one whole
store, the old one or the new one, and the old one is kept as the backup.

Each crash point is reproduced by leaving the folders as the swap leaves them there.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.swap import backup_path, finish_swap, swap_in

OLD = b'<http://example.org/s> <http://example.org/p> "old" .\n'
NEW = b'<http://example.org/s> <http://example.org/p> "new" .\n'


def _make(path: Path, data: bytes) -> None:
    store = OxigraphStore(path)
    store.load(data, "application/n-quads")
    store.flush()
    del store
    gc.collect()


def _holds(path: Path) -> bytes:
    store = OxigraphStore(path)
    try:
        return store.dump("application/n-quads")
    finally:
        del store
        gc.collect()


def test_swap_in_keeps_the_old_store_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _make(path, OLD)
    assert swap_in(path, NEW) == backup_path(path)
    assert b'"new"' in _holds(path)
    assert b'"old"' not in _holds(path)
    assert b'"old"' in _holds(backup_path(path))
    # A second swap replaces the backup with the store it replaces.
    swap_in(path, OLD)
    assert b'"old"' in _holds(path)
    assert b'"new"' in _holds(backup_path(path))
    assert finish_swap(path) is None  # nothing left half done
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "store.previous"]


def test_a_crash_before_the_marker_keeps_the_old_store(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _make(path, OLD)
    _make(tmp_path / "store.next", NEW)  # written, not yet marked complete
    said = finish_swap(path)
    assert said is not None
    assert "unfinished" in said
    assert not (tmp_path / "store.next").exists()
    assert b'"old"' in _holds(path)


def test_a_crash_after_the_marker_completes_the_swap(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _make(path, OLD)
    _make(tmp_path / "store.next", NEW)
    (tmp_path / "store.next-ready").touch()
    said = finish_swap(path)
    assert said is not None
    assert "interrupted" in said
    assert b'"new"' in _holds(path)
    assert b'"old"' in _holds(backup_path(path))
    assert not (tmp_path / "store.next-ready").exists()


def test_a_crash_between_the_renames_completes_the_swap(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _make(path, OLD)
    _make(tmp_path / "store.next", NEW)
    (tmp_path / "store.next-ready").touch()
    shutil.move(path, backup_path(path))  # the old store moved aside, the new not yet in
    finish_swap(path)
    assert b'"new"' in _holds(path)
    assert b'"old"' in _holds(backup_path(path))
