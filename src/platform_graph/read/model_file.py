"""The read model's list of every commitment, kept in a file beside the embedded store.

Building it asks the engine for every commitment with its details and links: at a
million triples that took seven of the nine seconds before the service's first answer to
``/api/commitments`` (docs/benchmarks.md). ``platform-graph import`` writes the file
once the store is loaded, and the service writes it after building the list itself;
a start reads it instead of asking again.

The file is used only for the very store and state it was written for: its key names the
store (the engine's identity of the store on disk, made when the folder was created),
the change log's head (every write moves it, so a file written before any later change
is never read), and the shape of the list (``FORMAT``, and the code's version). Anything
else (no file, another key, a file that does not parse) and the list is built as before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from platform_graph.read.model import Commitment

__all__ = ["FORMAT", "ModelKey", "discard", "model_path", "read", "write"]

log = logging.getLogger(__name__)

FORMAT = 1
"""Raised whenever ``Commitment`` or the queries behind it change what a file holds."""

ModelKey = dict[str, Any]


def model_path(store_dir: Path) -> Path:
    """The file beside the store's folder (never inside it: the engine owns that)."""
    return store_dir.with_name(store_dir.name + ".read-model.json")


def key_for(identity: str, head: int) -> ModelKey:
    from platform_graph import __version__

    return {"format": FORMAT, "code": __version__, "store": identity, "head": head}


def write(path: Path, key: ModelKey, items: list[Commitment]) -> None:
    """Write the list atomically (a reader finds the old file or the new, whole)."""
    data = {"key": key, "commitments": [asdict(c) for c in items]}
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def read(path: Path, key: ModelKey) -> list[Commitment] | None:
    """The list kept for ``key``; None if there is none for it."""
    try:
        with path.open(encoding="utf-8") as found:
            data = json.load(found)
        if data.get("key") != key:
            return None
        return [Commitment(**c) for c in data["commitments"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("the read model's file %s is not usable (%s): it is built again", path, exc)
        return None


def discard(path: Path) -> None:
    """Remove the file (before the store it describes is changed outside the writer)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
