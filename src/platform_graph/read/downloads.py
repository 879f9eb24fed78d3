"""The dataset as files to download, written once per version and sent from disk.

Six clients downloading a grown dataset at once made six copies of it in the server's
memory. Each download is now written to a file once for each version of the dataset
(the change log's head), under a lock, and served from that file in chunks; the files of
older versions are removed as newer ones are written. Besides the whole graph in each RDF
format, a download may be a table made from the store (``tables``: the research dataset
of read/research_dataset.py), kept the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from platform_graph.store import Store, convert

__all__ = ["Downloads"]


class Downloads:
    """Download files of ``store``, cached in ``folder`` by the dataset's ``version``."""

    def __init__(
        self,
        folder: Path,
        store: Store,
        version: Callable[[], str],
        tables: Mapping[str, Callable[[], bytes]] | None = None,
        tables_format: str = "",
    ) -> None:
        self.folder = folder
        self.store = store
        self.version = version
        self.tables = dict(tables or {})
        # A table's file depends on the code that writes it as well as on the data: a new
        # release with the same dataset version must not send the old layout.
        self.tables_format = re.sub(r"[^0-9A-Za-z]", "", tables_format)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def file(self, name: str, media_type: str) -> Path:
        """The file of download ``name`` (in ``media_type``) for the current version."""
        version = re.sub(r"[^0-9A-Za-z]", "", self.version()) or "0"
        if name in self.tables and self.tables_format:
            version += self.tables_format
        target = self.folder / f"{version}-{name}"
        with self._lock(name):
            if target.exists():
                return target
            self.folder.mkdir(parents=True, exist_ok=True)
            if name in self.tables:
                body = self.tables[name]()
            elif media_type == "application/ld+json":
                # JSON-LD of the union of the graphs, as the other triple downloads are.
                body = convert(
                    self.store.dump("application/n-triples"),
                    "application/n-triples",
                    "application/ld+json",
                )
            else:
                body = self.store.dump(media_type)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".download-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(body)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            for old in self.folder.glob(f"*-{name}"):
                if old != target:
                    with contextlib.suppress(FileNotFoundError):
                        old.unlink()
        return target
