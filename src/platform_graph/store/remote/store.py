"""The remote store: a SPARQL 1.1 server behind the store protocol."""

from __future__ import annotations

import fcntl
import http.client
import logging
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from typing import Literal as LiteralType

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from platform_graph.rdf.sparql_text import analyse, bind_values
from platform_graph.rdf.terms import (
    DatasetSpec,
    Quad,
    QueryResult,
    SelectResult,
    Term,
)
from platform_graph.store.base import Capabilities
from platform_graph.store.engine_terms import to_ox
from platform_graph.store.errors import StoreQueryError, StoreTimeout, StoreUnavailable
from platform_graph.store.oxigraph import quad_text
from platform_graph.store.rdf_io import format_for
from platform_graph.store.remote.client import (
    N_TRIPLES,
    SPARQL_JSON,
    check_syntax,
    check_update_syntax,
    gave_up,
    parse_json,
    parse_triples,
    server_message,
    stopped,
    string_literal,
    term_text,
)
from platform_graph.store.remote.dialect import (
    INTEGER_TYPES,
    OPAQUE,
    VIRTUOSO_MANGLED,
    VIRTUOSO_SYSTEM_GRAPHS,
    refuse_virtuoso_functions,
    virtuoso_stopped_it,
)
from platform_graph.store.remote.journal import (
    JOURNAL_GRAPH,
    from_nquads,
    journal_parts,
    parse_quads,
)
from platform_graph.store.remote.virtuoso_paths import expand_paths
from platform_graph.vocab.namespaces import PG

__all__ = ["Dialect", "RemoteSettings", "RemoteStore"]

Dialect = LiteralType["standard", "virtuoso"]
GRAPH_CACHE_SECONDS = 1.0
SINGLE_OPERATION_MAX = 400
"""The most quads a change may have to go as one ground DELETE/INSERT operation."""


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """How to reach the server. ``update_url`` defaults to ``query_url``."""

    query_url: str
    update_url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    auth: LiteralType["digest", "basic"] = "digest"
    dialect: Dialect = "standard"
    timeout: float = 30.0
    batch_size: int = 1000
    page_size: int = 5000
    ignore_graphs: tuple[str, ...] = ()
    lock_path: Path | None = None


class RemoteStore:
    """The Store protocol over the SPARQL 1.1 Protocol."""

    def __init__(self, settings: RemoteSettings) -> None:
        self.settings = settings
        ignored = set(settings.ignore_graphs) | {JOURNAL_GRAPH}
        if settings.dialect == "virtuoso":
            ignored |= set(VIRTUOSO_SYSTEM_GRAPHS)
        self.ignored = frozenset(ignored)
        self.mangled = VIRTUOSO_MANGLED if settings.dialect == "virtuoso" else frozenset()
        self._graph_cache: tuple[float, tuple[str, ...]] | None = None
        self._local_lock = threading.RLock()
        self._lock_depth = 0
        self._lock_file: Any = None

    # --- terms the server would not keep as they are --------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(local=False, interruptible=True, shared=True, durable=True)

    def flush(self) -> None:
        """Every write is the server's, and durable there."""

    def _encode(self, term: Term) -> Term:
        if isinstance(term, Literal):
            datatype = str(term.datatype or "")
            if datatype in self.mangled:
                return Literal(str(term), datatype=URIRef(OPAQUE + datatype))
            if datatype in INTEGER_TYPES:
                return Literal(str(term), datatype=XSD.integer)
        return term

    def _encode_quads(self, quads: Sequence[Quad]) -> list[Quad]:
        return [(s, p, self._encode(o), g) for s, p, o, g in quads]

    def _quad_text(self, quads: Sequence[Quad]) -> str:
        return quad_text(self._encode_quads(quads))

    # --- talking to the server ----------------------------------------------------------

    def _wrapper(self, url: str, timeout: float | None) -> SPARQLWrapper:
        w = SPARQLWrapper(url, updateEndpoint=self.settings.update_url or url)
        w.setMethod(POST)
        w.setRequestMethod(URLENCODED)
        w.setTimeout(int(max(1, round(timeout or self.settings.timeout))))
        if self.settings.user:
            w.setHTTPAuth(DIGEST if self.settings.auth == "digest" else BASIC)
            w.setCredentials(self.settings.user, self.settings.password)
        w.setOnlyConneg(True)
        return w

    def _graphs(self) -> tuple[str, ...]:
        """The service's graphs, for a query's dataset (see ``_dataset``).

        Kept for a second, and forgotten at once when this process writes: a graph
        another process creates shows in this one's union default graph within a second.
        """
        now = time.monotonic()
        cached = self._graph_cache
        if cached is not None and now - cached[0] < GRAPH_CACHE_SECONDS:
            return cached[1]
        graphs = tuple(self.named_graphs())
        self._graph_cache = (now, graphs)
        return graphs

    def _dataset(self, text: str, dataset: DatasetSpec | None) -> DatasetSpec | None:
        """The dataset to send with a query.

        The service's queries expect the union of its graphs as the default graph. On a
        standard server set up that way nothing needs sending. Virtuoso's default graph
        also holds its system graphs; leaving them out with its ``input:default-graph-
        exclude`` pragma breaks property paths (``geo:sfWithin*`` then finds only the
        first step), so the service's graphs are named instead, as the protocol's
        default-graph-uri and named-graph-uri. A query with FROM keeps its own dataset.
        """
        if dataset is not None and dataset.default_graphs is not None:
            return dataset
        if self.settings.dialect != "virtuoso":
            return None
        found = analyse(text)
        if found.from_graphs or found.from_named_graphs:
            return None
        graphs = self._graphs()
        if not graphs:
            # Nothing of ours yet: a dataset of one graph that holds nothing.
            graphs = (JOURNAL_GRAPH + "/empty",)
        return DatasetSpec(graphs, graphs)

    def _post(
        self,
        text: str,
        *,
        accept: str,
        update: bool = False,
        dataset: DatasetSpec | None = None,
        timeout: float | None = None,
    ) -> bytes:
        url = self.settings.update_url or self.settings.query_url
        limit = timeout or self.settings.timeout
        virtuoso = self.settings.dialect == "virtuoso"
        # Virtuoso stops a query itself at its ``timeout`` parameter (and says so in a
        # header); the connection waits a little longer, so that the server's own stop,
        # not a dropped connection, ends it. Elsewhere the connection's limit is all.
        w = self._wrapper(
            url if update else self.settings.query_url, limit + 5 if virtuoso else limit
        )
        w.setQuery(text)
        if virtuoso and not update:
            w.addParameter("timeout", str(int(limit * 1000)))
        if update:
            w.queryType = "INSERT"  # SPARQLWrapper sends it to the update endpoint
        if dataset is not None:
            for g in dataset.default_graphs or ():
                w.addParameter("default-graph-uri", g)
            for g in dataset.named_graphs or ():
                w.addParameter("named-graph-uri", g)
        w.addCustomHttpHeader("Accept", accept)
        try:
            response = w.query().response
            body: bytes = response.read()
            if response.headers.get("X-SQL-State") == "S1TAT":
                # Virtuoso's "anytime" answer: the part found before the limit. Never
                # passed on as if it were the whole answer.
                raise StoreTimeout(stopped(limit))
            return body
        except SPARQLWrapperException as exc:
            message = server_message(exc)
            if virtuoso and virtuoso_stopped_it(message):
                raise StoreTimeout(stopped(limit)) from exc
            raise StoreQueryError(message, syntax="400" in str(exc)[:40]) from exc
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:2000]
            raise StoreQueryError(f"HTTP {exc.code}: {detail}", syntax=exc.code == 400) from exc
        except TimeoutError as exc:
            raise StoreTimeout(gave_up(limit)) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise StoreTimeout(gave_up(limit)) from exc
            raise StoreUnavailable(f"cannot reach the store at {url}: {exc.reason}") from exc
        except (http.client.HTTPException, ConnectionError) as exc:
            # The server dropped the connection without an answer (it crashed, or is
            # restarting): unavailable, not a failed query.
            raise StoreUnavailable(f"the store at {url} closed the connection: {exc}") from exc

    def _select(self, text: str, *, dataset: DatasetSpec | None = None) -> SelectResult:
        """A SELECT on every graph of the server (the caller filters what it reads)."""
        body = self._post(text, accept=SPARQL_JSON, dataset=dataset)
        result = parse_json(body)
        assert isinstance(result, SelectResult)
        return result

    def _paged(self, pattern: str, variables: Sequence[str]) -> Iterator[tuple[Term | None, ...]]:
        """All solutions of ``pattern``, page by page, so no server row cap cuts them.

        Pages follow the string of the first variable (keyset paging): OFFSET paging
        would need the server to sort everything before the page, which Virtuoso
        refuses past 10,000 rows (MaxSortedTopRows). The rows of a page's last key may
        go on in the next page, so they are read on their own, whole.
        """
        size = self.settings.page_size
        key = variables[0]
        listed = " ".join(f"?{v}" for v in variables)
        last: str | None = None
        while True:
            after = "" if last is None else f"FILTER (STR(?{key}) > {string_literal(last)})"
            page = self._select(
                f"SELECT {listed} WHERE {{ {pattern} {after} }} ORDER BY STR(?{key}) LIMIT {size}"
            ).rows
            if len(page) < size:
                yield from page
                return
            last = str(page[-1][0])
            yield from (row for row in page if str(row[0]) != last)
            yield from self._select(
                f"SELECT {listed} WHERE {{ {pattern} "
                f"FILTER (STR(?{key}) = {string_literal(last)}) }}"
            ).rows

    def _run_update(self, text: str) -> None:
        self._graph_cache = None
        try:
            self._post(text, accept="*/*", update=True)
        finally:
            self._graph_cache = None

    # --- the Store protocol -------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        if self.settings.dialect == "virtuoso":
            refuse_virtuoso_functions(sparql)
        encoded = {k: self._encode(v) for k, v in (bindings or {}).items()}
        text = bind_values(sparql, encoded)
        form = check_syntax(text, base_iri)
        for g in (
            (*(dataset.default_graphs or ()), *(dataset.named_graphs or ())) if dataset else ()
        ):
            try:
                ox.NamedNode(g)  # refused here, with the embedded store's words
            except ValueError as exc:
                raise StoreQueryError(f"ValueError: {exc}", syntax=False) from exc
        if base_iri:
            # The protocol lets the service set the base; a BASE in the query still wins.
            text = f"BASE <{base_iri}>\n{text}"
        accept = N_TRIPLES if form == "graph" else SPARQL_JSON
        spec = self._dataset(text, dataset)
        if self.settings.dialect == "virtuoso":
            text = expand_paths(text, encoded, partial(self._closure, spec))
        body = self._post(text, accept=accept, dataset=spec)
        if form == "graph":
            return parse_triples(body, max_rows)
        result = parse_json(body)
        if (
            isinstance(result, SelectResult)
            and max_rows is not None
            and len(result.rows) > max_rows
        ):
            del result.rows[max_rows:]
            result.truncated = True
        return result

    def _closure(self, dataset: DatasetSpec | None, query: str) -> list[Term]:
        rows = self._select(query, dataset=dataset).rows
        return [row[0] for row in rows if row[0] is not None]

    def update(self, sparql: str) -> None:
        check_update_syntax(sparql)
        self._run_update(sparql)

    def quads(
        self,
        subject: URIRef | BNode | None = None,
        predicate: URIRef | None = None,
        obj: Term | None = None,
        graph: URIRef | None = None,
    ) -> list[Quad]:
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph}
        free = [v for v, t in terms.items() if t is None]
        shown = {
            v: (f"?{v}" if t is None else term_text(self._encode(t))) for v, t in terms.items()
        }
        pattern = f"GRAPH {shown['g']} {{ {shown['s']} {shown['p']} {shown['o']} }}"
        if free:
            rows: Iterator[tuple[Term | None, ...]] = self._paged(pattern, free)
        else:
            found = self._select(f"SELECT * WHERE {{ {pattern} }} LIMIT 1").rows
            rows = iter([()] if found else [])
        out: list[Quad] = []
        for row in rows:
            values = dict(zip(free, row, strict=True))
            quad = tuple(values.get(v, terms[v]) for v in ("s", "p", "o", "g"))
            if str(quad[3]) in self.ignored:
                continue
            out.append(quad)  # type: ignore[arg-type]
        return out

    def apply(self, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        if not remove and not add:
            return
        for q in [*remove, *add]:
            if isinstance(q[0], BNode) or isinstance(q[2], BNode):
                raise ValueError("a remote store cannot name a blank node again; skolemize first")
        with self.transaction():
            if len(remove) + len(add) <= SINGLE_OPERATION_MAX and not self._template_misses(remove):
                # One operation is atomic on every server; ground templates keep it
                # within what Virtuoso compiles (it refuses some 600 triples with
                # variables, and was tested with 400 ground ones).
                self._run_update(
                    f"DELETE {{ {self._quad_text(remove)} }} "
                    f"INSERT {{ {self._quad_text(add)} }} WHERE {{ }}"
                )
                return
            operations = self._operations(remove, add)
            entry = URIRef(f"{JOURNAL_GRAPH}/{uuid.uuid4().hex}")
            self._journal(entry, remove, add)
            self._replay(operations)
            self._forget(entry)

    def _template_misses(self, remove: Sequence[Quad]) -> bool:
        """Whether Virtuoso may leave some of ``remove`` in place: a DELETE (template or
        DATA) naming more than one graph did not remove the literals outside ASCII in it
        (a Swedish title stayed beside its replacement when the change log's quads came
        in the same operation). Such a change takes the journaled path, one graph per
        ``DELETE DATA`` (``_operations``; atomic through the journal)."""
        return self.settings.dialect == "virtuoso" and any(
            isinstance(q[2], Literal) and not str(q[2]).isascii() for q in remove
        )

    def _operations(self, remove: Sequence[Quad], add: Sequence[Quad]) -> list[str]:
        size = self.settings.batch_size
        groups: list[list[Quad]] = [list(remove)]
        if self.settings.dialect == "virtuoso":
            # One graph per DELETE DATA: with several, Virtuoso left literals outside
            # ASCII in place (see _template_misses).
            by_graph: dict[object, list[Quad]] = {}
            for q in remove:
                by_graph.setdefault(q[3], []).append(q)
            groups = list(by_graph.values())
        ops = [
            f"DELETE DATA {{ {self._quad_text(group[i : i + size])} }}"
            for group in groups
            for i in range(0, len(group), size)
        ]
        ops += [
            f"INSERT DATA {{ {self._quad_text(add[i : i + size])} }}"
            for i in range(0, len(add), size)
        ]
        return ops

    def _replay(self, operations: Sequence[str]) -> None:
        for op in operations:
            self._run_update(op)

    def _journal(self, entry: URIRef, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        """Write the change whole into the journal before any of it is applied.

        In parts of at most JOURNAL_PART_CHARS of N-Quads (Virtuoso keeps no string over
        10 MB), one operation each; the first also says how many parts there are, so
        that recovery can tell a whole entry from one cut short.
        """
        parts = [(PG.journalRemove, text) for text in journal_parts(remove)]
        parts += [(PG.journalAdd, text) for text in journal_parts(add)]
        g = URIRef(JOURNAL_GRAPH)
        for index, (kind, text) in enumerate(parts):
            node = URIRef(f"{entry}/part-{index}")
            quads: list[Quad] = [
                (node, PG.journalEntry, entry, g),
                (node, PG.journalIndex, Literal(index), g),
                (node, kind, Literal(text), g),
            ]
            if index == 0:
                quads.append((entry, PG.journalParts, Literal(len(parts)), g))
            self._run_update(f"INSERT DATA {{ {quad_text(quads)} }}")

    def _forget(self, entry: URIRef) -> None:
        g = JOURNAL_GRAPH
        self._run_update(
            f"DELETE WHERE {{ GRAPH <{g}> {{ ?part <{PG.journalEntry}> <{entry}> ; ?p ?o }} }} ; "
            f"DELETE WHERE {{ GRAPH <{g}> {{ <{entry}> ?p ?o }} }}"
        )

    def recover(self) -> int:
        """Finish every change a crash left in the journal; how many there were.

        A whole entry is applied again (removing and adding twice changes nothing); an
        entry cut short was never applied, since applying starts after it is written,
        and is dropped.
        """
        entries = self._select(
            f"SELECT ?e ?n WHERE {{ GRAPH <{JOURNAL_GRAPH}> {{ ?e <{PG.journalParts}> ?n }} }}"
        ).rows
        for entry, count in entries:
            assert isinstance(entry, URIRef)
            rows = self._select(
                f"SELECT ?i ?kind ?text WHERE {{ GRAPH <{JOURNAL_GRAPH}> {{ "
                f"?part <{PG.journalEntry}> <{entry}> ; <{PG.journalIndex}> ?i ; ?kind ?text . "
                f"FILTER (?kind IN (<{PG.journalRemove}>, <{PG.journalAdd}>)) }} }}"
            ).rows
            if len(rows) == int(str(count)):
                log.warning("finishing change %s that was interrupted", entry)
                ordered = sorted(rows, key=lambda r: int(str(r[0])))
                removed = [
                    q for _, k, t in ordered if k == PG.journalRemove for q in from_nquads(str(t))
                ]
                added = [
                    q for _, k, t in ordered if k == PG.journalAdd for q in from_nquads(str(t))
                ]
                self._replay(self._operations(removed, added))
            else:
                log.warning("dropping change %s: cut short before it was applied", entry)
            self._forget(entry)
        return len(entries)

    def loaded(self) -> str | None:
        """The SHA-256 of the last load that ran to its end (``mark_loaded``), if any."""
        rows = self._select(
            f"SELECT ?d WHERE {{ GRAPH <{JOURNAL_GRAPH}> {{ <{JOURNAL_GRAPH}> "
            f"<{PG.loadedInput}> ?d }} }}"
        ).rows
        return str(rows[0][0]) if rows else None

    def mark_loaded(self, digest: str) -> None:
        marker = f"<{JOURNAL_GRAPH}> <{PG.loadedInput}>"
        self._run_update(
            f"DELETE WHERE {{ GRAPH <{JOURNAL_GRAPH}> {{ {marker} ?d }} }} ; "
            f'INSERT DATA {{ GRAPH <{JOURNAL_GRAPH}> {{ {marker} "{digest}" }} }}'
        )

    def insert(self, quads: Sequence[Quad]) -> None:
        """Add quads in one operation (a batch of a bulk load)."""
        if quads:
            self._run_update(f"INSERT DATA {{ {self._quad_text(quads)} }}")

    def load(self, data: bytes, media_type: str, graph: str | None = None) -> int:
        quads = parse_quads(data, media_type, graph)
        before = len(self)
        with self.transaction():
            size = self.settings.batch_size
            for i in range(0, len(quads), size):
                self.insert(quads[i : i + size])
        return len(self) - before

    def dump(self, media_type: str, graph: str | None = None) -> bytes:
        fmt = format_for(media_type)
        store = ox.Store()
        pattern = "GRAPH ?g { ?s ?p ?o }" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        variables = ["s", "p", "o"] + (["g"] if graph is None else [])
        quads = []
        for row in self._paged(pattern, variables):
            g = row[3] if graph is None else URIRef(graph)
            if str(g) in self.ignored:
                continue
            quads.append(ox.Quad(*(to_ox(t) for t in (*row[:3], g))))  # type: ignore[arg-type]
        store.extend(quads)
        if graph is not None:
            out = store.dump(format=fmt, from_graph=ox.NamedNode(graph))
        elif fmt.supports_datasets:
            out = store.dump(format=fmt)
        else:
            triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert isinstance(triples, ox.QueryTriples)
            out = ox.serialize(triples, format=fmt)
        assert out is not None
        return out

    def counts(self) -> dict[str, int]:
        """Quads per named graph of the service's dataset."""
        rows = self._select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ).rows
        return {str(g): int(str(n)) for g, n in rows if str(g) not in self.ignored}

    def named_graphs(self) -> Sequence[str]:
        return sorted(self.counts())

    def clear(self) -> None:
        """Drop every graph of the service's dataset (never the server's own)."""
        for g in self.named_graphs():
            self._run_update(f"DROP SILENT GRAPH <{g}>")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One writer at a time across processes (a file lock) and threads; reentrant."""
        with self._local_lock:
            if self._lock_depth == 0 and self.settings.lock_path is not None:
                path = self.settings.lock_path
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(path, "a+b")  # noqa: SIM115 - held across the block
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                self._lock_file = handle
            self._lock_depth += 1
            try:
                if self._lock_depth == 1:
                    self.recover()
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_file is not None:
                    fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
                    self._lock_file.close()
                    self._lock_file = None

    def __len__(self) -> int:
        return sum(self.counts().values())

    def ping(self) -> None:
        """Raise StoreUnavailable (or an error) unless the server answers a query."""
        self._select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")
