"""The embedded default: pyoxigraph, on disk (RocksDB) or in memory."""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, URIRef

from platform_graph.rdf.sparql_text import bind_values, tokens
from platform_graph.rdf.terms import (
    AskResult,
    DatasetSpec,
    GraphResult,
    Quad,
    QueryResult,
    SelectResult,
    Term,
    Triple,
)
from platform_graph.store.base import Capabilities
from platform_graph.store.engine_terms import from_ox, graph_node, to_ox
from platform_graph.store.rdf_io import format_for

__all__ = [
    "OxigraphStore",
    "collect",
    "collect_triples",
    "data_update",
    "from_ox",
    "graph_node",
    "names_its_dataset",
    "quad_text",
    "shadow_update",
    "to_ox",
]


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def names_its_dataset(sparql: str) -> bool:
    """Whether a query has a dataset clause (FROM or FROM NAMED) of its own.

    FROM is a keyword nowhere else in a query (subqueries have no dataset clause), and
    the tokens are read as the engine reads them: not inside strings, IRIs or names.
    Reading the tokens of a query with the usual prefixes takes as long as the engine
    takes to answer a small one, so a text without the letters at all is not read, and
    the answer for a text read before is kept.
    """
    if "from" not in sparql.lower():
        return False
    if len(sparql) > _KEPT_TEXT_MAX:
        return _reads_from(sparql)
    return _reads_from_kept(sparql)


_KEPT_TEXT_MAX = 16 * 1024


def _reads_from(sparql: str) -> bool:
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(sparql))


_reads_from_kept = functools.lru_cache(maxsize=1024)(_reads_from)


class OxigraphStore:
    """pyoxigraph behind the Store protocol. ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            if path is None:
                raise ValueError("only a store on disk opens read-only")
            # A query worker's snapshot (``replicas.Snapshots``), which nobody writes.
            self._store = ox.Store.read_only(str(path))
        else:
            if path is not None:
                path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path)) if path is not None else ox.Store()
        self._write_lock = threading.RLock()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            local=True, interruptible=False, shared=False, durable=self.path is not None
        )

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code inside ``store/`` only."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        dataset: DatasetSpec | None = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        result = self.raw_query(bind_values(sparql, bindings or {}), dataset, base_iri)
        return collect(result, max_rows)

    def raw_query(
        self, sparql: str, dataset: DatasetSpec | None = None, base_iri: str | None = None
    ) -> Any:
        """pyoxigraph's own answer to a query, for code inside ``store/`` only.

        Its dataset is ``dataset`` (the protocol's) when given, else the query's own
        FROM / FROM NAMED, else the union of the named graphs as the default graph.
        """
        if dataset is None and names_its_dataset(sparql):
            # pyoxigraph's union flag would replace the query's own dataset.
            return self._store.query(sparql, base_iri=base_iri)
        spec = dataset or DatasetSpec()
        return self._store.query(
            sparql,
            base_iri=base_iri,
            use_default_graph_as_union=spec.default_graphs is None,
            default_graph=None
            if spec.default_graphs is None
            else [graph_node(g) for g in spec.default_graphs],
            named_graphs=None
            if spec.named_graphs is None
            else [ox.NamedNode(g) for g in spec.named_graphs],
        )

    def update(self, sparql: str) -> None:
        with self._write_lock:
            self._store.update(sparql)

    def quads(
        self,
        subject: URIRef | BNode | None = None,
        predicate: URIRef | None = None,
        obj: Term | None = None,
        graph: URIRef | None = None,
    ) -> list[Quad]:
        found = self._store.quads_for_pattern(
            None if subject is None else to_ox(subject),  # type: ignore[arg-type]
            None if predicate is None else to_ox(predicate),  # type: ignore[arg-type]
            None if obj is None else to_ox(obj),
            None if graph is None else to_ox(graph),  # type: ignore[arg-type]
        )
        out: list[Quad] = []
        for q in found:
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue
            quad = (
                from_ox(q.subject),
                from_ox(q.predicate),
                from_ox(q.object),
                from_ox(q.graph_name),
            )
            out.append(quad)  # type: ignore[arg-type]
        return out

    def apply(self, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        if not remove and not add:
            return
        # SPARQL's DELETE DATA cannot name a blank node, so quads with one are removed
        # through the store's own API first. Writes through the service never add blank
        # nodes (the writer skolemizes them); only data loaded some other way has them,
        # and for those removals the change is not one transaction.
        blank = [q for q in remove if _has_blank(q)]
        plain = [q for q in remove if not _has_blank(q)]
        with self._write_lock:
            for q in blank:
                self._store.remove(ox.Quad(*(to_ox(t) for t in q)))  # type: ignore[arg-type]
            if plain or add:
                self._store.update(data_update(plain, add))

    def load(self, data: bytes, media_type: str, graph: str | None = None) -> int:
        fmt = format_for(media_type)
        before = len(self._store)
        with self._write_lock:
            if graph is not None:
                self._store.load(data, format=fmt, to_graph=graph_node(graph))
            else:
                self._store.load(data, format=fmt)
        return len(self._store) - before

    def bulk_load_file(self, source: Path, media_type: str) -> int:
        """Load a file with the engine's bulk loader, streamed from disk: several times
        faster than ``load`` at millions of quads and without the file in memory, but not
        atomic (a failure part-way, a full disk say, leaves part of it loaded): the
        caller checks the syntax first (``rdf_io.check_file``)."""
        fmt = format_for(media_type)
        before = len(self._store)
        with self._write_lock:
            self._store.bulk_load(path=str(source), format=fmt)
        return len(self._store) - before

    def dump(self, media_type: str, graph: str | None = None) -> bytes:
        fmt = format_for(media_type)
        if graph is not None:
            out = self._store.dump(format=fmt, from_graph=graph_node(graph))
        elif fmt.supports_datasets:
            out = self._store.dump(format=fmt)
        else:
            # A triple format cannot hold graph names: give the union, as a reader expects.
            triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert isinstance(triples, ox.QueryTriples)
            out = ox.serialize(triples, format=fmt)
        assert out is not None
        return out

    def named_graphs(self) -> Sequence[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Serialise writers; each pyoxigraph update is itself atomic."""
        with self._write_lock:
            yield

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the on-disk store at ``target`` (a folder that must not
        exist): hard links to its files on the same file system, made in milliseconds."""
        with self._write_lock:
            self._store.backup(str(target))

    def add_concluded(
        self,
        queries: Sequence[str],
        graph: URIRef,
        asserted_not_in: Collection[URIRef],
        *,
        bulk: bool = False,
    ) -> int:
        """Add to ``graph``, in one transaction, the triples the CONSTRUCT ``queries``
        conclude that no named graph states (but ``graph`` and ``asserted_not_in``); how
        many. The engine's terms throughout: no rdflib term is made for any of them.

        ``bulk``: with the engine's bulk writer instead, several times faster and not
        atomic, for a store nobody reads yet (an import, which fails whole if cut)."""
        target = ox.NamedNode(str(graph))
        skip = {to_ox(g) for g in asserted_not_in} | {target}
        concluded: set[ox.Triple] = set()
        for query in queries:
            concluded.update(self._store.query(query))  # type: ignore[arg-type]
        # What is stated already, read once for each predicate (and class, for rdf:type).
        patterns = {
            (t.predicate, t.object if t.predicate == _RDF_TYPE else None) for t in concluded
        }
        stated: set[ox.Triple] = set()
        for predicate, obj in patterns:
            for q in self._store.quads_for_pattern(None, predicate, obj, None):
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name not in skip:
                    stated.add(q.triple)
        new = [ox.Quad(t.subject, t.predicate, t.object, target) for t in concluded - stated]
        with self._write_lock:
            if bulk:
                self._store.bulk_extend(new)
            else:
                self._store.extend(new)
        return len(new)

    def is_empty(self) -> bool:
        return next(iter(self._store), None) is None

    def holds_at_most(self, quads: int) -> bool:
        return len(self._store) <= quads

    def clear(self) -> None:
        with self._write_lock:
            self._store.clear()

    def __len__(self) -> int:
        return len(self._store)


def _has_blank(q: Quad) -> bool:
    return isinstance(q[0], BNode) or isinstance(q[2], BNode)


def quad_text(quads: Sequence[Quad], default: URIRef | None = None) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA; those in ``default`` without GRAPH."""
    by_graph: dict[str, list[str]] = {}
    for s, p, o, g in quads:
        by_graph.setdefault(str(g), []).append(f"{to_ox(s)} {to_ox(p)} {to_ox(o)} .")
    return " ".join(
        " ".join(lines)
        if default is not None and g == str(default)
        else f"GRAPH <{g}> {{ {' '.join(lines)} }}"
        for g, lines in by_graph.items()
    )


def data_update(remove: Sequence[Quad], add: Sequence[Quad]) -> str:
    """One SPARQL update (a single transaction in oxigraph) that removes, then adds."""
    parts = []
    if remove:
        parts.append(f"DELETE DATA {{ {quad_text(remove)} }}")
    if add:
        parts.append(f"INSERT DATA {{ {quad_text(add)} }}")
    return " ;\n".join(parts) if parts else ""


def shadow_update(
    remove: Sequence[Quad], add: Sequence[Quad], *, default: URIRef, skip: URIRef
) -> str:
    """``data_update`` for a replica whose default graph holds ``default``'s quads and
    that leaves out graph ``skip``."""
    parts = []
    remove = [q for q in remove if q[3] != skip]
    add = [q for q in add if q[3] != skip]
    if remove:
        parts.append(f"DELETE DATA {{ {quad_text(remove, default)} }}")
    if add:
        parts.append(f"INSERT DATA {{ {quad_text(add, default)} }}")
    return " ;\n".join(parts)


def collect(result: object, max_rows: int | None) -> QueryResult:
    """Turn a pyoxigraph result into the neutral types, stopping after ``max_rows``."""
    if isinstance(result, ox.QueryBoolean):
        return AskResult(bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        select = SelectResult(variables)
        # A term the answer repeats (a section, a scale's concept, a datatype'd number) is
        # made once: rdflib terms are immutable, and making them was half the read
        # model's build at a million triples (docs/benchmarks.md).
        made: dict[object, Term] = {}

        def term(found: object) -> Term:
            known = made.get(found)
            if known is None:
                known = made[found] = from_ox(found)
            return known

        for solution in result:
            if max_rows is not None and len(select.rows) >= max_rows:
                select.truncated = True
                break
            select.rows.append(
                tuple(None if (t := solution[v]) is None else term(t) for v in variables)
            )
        return select
    assert isinstance(result, ox.QueryTriples)
    return collect_triples(result, max_rows)


def collect_triples(triples: Iterable[Any], max_rows: int | None) -> GraphResult:
    """Triples (pyoxigraph's) into a GraphResult, stopping after ``max_rows``."""
    graph = GraphResult()
    for t in triples:
        if max_rows is not None and len(graph.triples) >= max_rows:
            graph.truncated = True
            break
        triple: Triple = (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))  # type: ignore[assignment]
        graph.triples.append(triple)
    return graph
