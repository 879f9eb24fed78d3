"""The whole dataset as files to download, written once per version and sent from disk.

Six clients downloading a grown dataset at once made six copies of it in the server's
memory. Each download is now written to a file once for each version of the dataset
(the change log's head), under a lock, and served from that file in chunks; the files of
older versions are removed as newer ones are written.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platform_graph.store import Store, convert
from platform_graph.vocab.namespaces import INFERRED_GRAPH

__all__ = ["CATALOGUE", "GRAPH_DUMPS", "Download", "Downloads", "register"]


@dataclass(frozen=True, slots=True)
class Download:
    """One file under /data/: its name, media type and what it holds (sv, en)."""

    name: str
    media_type: str
    sv: str
    en: str

    @property
    def path(self) -> str:
        return f"/data/{self.name}"


CATALOGUE: dict[str, Download] = {}
"""Every download of /data/ by name: the one place the routes, VoID and the index page
read them from (``register`` adds one; routes of their own under /data/ are listed by
the index page too)."""


def register(download: Download) -> Download:
    CATALOGUE[download.name] = download
    return download


_WHOLE = ("Hela grafen", "The whole graph")
for _name, _media, _syntax in (
    ("platform-graph.ttl", "text/turtle", "Turtle"),
    ("platform-graph.nt", "application/n-triples", "N-Triples"),
    ("platform-graph.nq", "application/n-quads", "N-Quads"),
    ("platform-graph.trig", "application/trig", "TriG"),
    ("platform-graph.jsonld", "application/ld+json", "JSON-LD"),
):
    _graphs = _name.endswith((".nq", ".trig"))
    register(
        Download(
            _name,
            _media,
            f"{_WHOLE[0]} som {_syntax}"
            + (", med de namngivna graferna" if _graphs else ", unionen av graferna")
            + " (det som påståtts; inte det som härleds)",
            f"{_WHOLE[1]} as {_syntax}"
            + (", with its named graphs" if _graphs else ", the union of its graphs")
            + " (what is asserted; not what is inferred)",
        )
    )
register(
    Download(
        "void.ttl",
        "text/turtle",
        "Beskrivning av datamängden (VoID): storlek, grafer, SPARQL-ändpunkt, nedladdningar",
        "Description of the dataset (VoID): size, graphs, SPARQL endpoint, downloads",
    )
)
GRAPH_DUMPS = tuple(n for n in CATALOGUE if n.startswith("platform-graph."))


class Downloads:
    """Download files of ``store``, cached in ``folder`` by the dataset's ``version``."""

    def __init__(self, folder: Path, store: Store, version: Callable[[], str]) -> None:
        self.folder = folder
        self.store = store
        self.version = version
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def file(self, name: str, media_type: str) -> Path:
        """The file of download ``name`` (in ``media_type``) for the current version."""
        version = re.sub(r"[^0-9A-Za-z]", "", self.version()) or "0"
        target = self.folder / f"{version}-{name}"
        with self._lock(name):
            if target.exists():
                return target
            self.folder.mkdir(parents=True, exist_ok=True)
            quads = asserted_nquads(self.store)
            if media_type in ("application/n-quads", "application/trig"):
                body = convert(quads, "application/n-quads", media_type)
            else:
                # The triple formats (and JSON-LD, as they) hold the union of the graphs.
                body = convert(union_ntriples(quads), "application/n-triples", media_type)
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


def asserted_nquads(store: Store) -> bytes:
    """The store's quads as N-Quads without the inferred graph: a download holds what is
    asserted (the union formats could not tell the entailed triples apart)."""
    tail = f" <{INFERRED_GRAPH}> .".encode()
    data = store.dump("application/n-quads")
    if tail not in data:
        return data
    return b"".join(
        line for line in data.splitlines(keepends=True) if not line.rstrip().endswith(tail)
    )


_TERM = re.compile(rb'<[^>]*>|_:[^\s]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?')


def union_ntriples(nquads: bytes) -> bytes:
    """N-Triples of the union of the graphs in ``nquads`` (each triple once)."""
    lines: dict[bytes, None] = {}
    for line in nquads.splitlines():
        terms = _TERM.findall(line)
        if len(terms) >= 3:
            lines.setdefault(b" ".join(terms[:3]) + b" .\n")
    return b"".join(lines)
