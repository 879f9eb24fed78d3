"""The one write path: validate a change against the shapes, apply it whole, record it.

Every way in (the change-set API, SPARQL Update, the Graph Store Protocol, assessments)
ends here. Under one writer lock: check the precondition (ETag), drop what would not
change anything, validate the graph the change would produce (incrementally), and, if
no violation, apply the change and its audit record in one atomic write. A rejected
change touches nothing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from typing import Literal as LiteralType

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from platform_graph.incremental import Validator
from platform_graph.namespaces import BASE, GRAPH, ID, PG
from platform_graph.store import Quad, Store
from platform_graph.validation import Report

__all__ = [
    "CHANGES_GRAPH",
    "DATA_GRAPH_IRI",
    "ChangeRecord",
    "Outcome",
    "PreconditionFailed",
    "Writer",
    "agent_iri",
]

CHANGES_GRAPH = URIRef(GRAPH["changes"])
DATA_GRAPH_IRI = URIRef(GRAPH["data"])

Status = LiteralType["applied", "rejected", "unchanged", "dry-run"]


class PreconditionFailed(Exception):
    """The client's If-Match no longer matches the dataset's ETag."""

    def __init__(self, expected: str, current: str) -> None:
        super().__init__(f"If-Match {expected} does not match the current ETag {current}")
        self.expected = expected
        self.current = current


def agent_iri(name: str) -> URIRef:
    return URIRef(ID[f"agent/{name}"])


@dataclass(slots=True)
class Outcome:
    status: Status
    report: Report
    added: list[Quad]
    removed: list[Quad]
    change: URIRef | None = None
    etag: str = '"0"'
    focus_nodes: int | None = None
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.status in ("applied", "unchanged") or (
            self.status == "dry-run" and self.report.conforms
        )


@dataclass(slots=True)
class ChangeRecord:
    iri: URIRef
    sequence: int
    author: str
    time: str
    message: str
    added: list[Quad] = field(default_factory=list)
    removed: list[Quad] = field(default_factory=list)
    reverts: URIRef | None = None
    reverted_by: URIRef | None = None


Listener = Callable[[Sequence[Quad], Sequence[Quad]], None]

GENID = BASE + ".well-known/genid/"


def skolemize(quads: Sequence[Quad]) -> list[Quad]:
    """Blank nodes in new data become fresh IRIs (RDF 1.1 Skolem IRIs).

    A blank node cannot be named again: a later change could never remove or correct
    the triples it is in. One change's blank node maps to one IRI throughout it.
    """
    names: dict[BNode, URIRef] = {}

    def fix(term: Any) -> Any:
        if isinstance(term, BNode):
            if term not in names:
                names[term] = URIRef(f"{GENID}{uuid.uuid4().hex}")
            return names[term]
        return term

    return [(fix(s), p, fix(o), g) for s, p, o, g in quads]


class Writer:
    """Serialises writers and owns the validated write path over one store."""

    def __init__(self, store: Store, validator: Validator) -> None:
        self.store = store
        self.validator = validator
        self.lock = threading.Lock()
        self._listeners: list[Listener] = []

    def on_commit(self, listener: Listener) -> None:
        """Call ``listener(removed, added)`` after every applied change (log included)."""
        self._listeners.append(listener)

    # --- the dataset's version -------------------------------------------------------

    def head(self) -> tuple[int, URIRef | None]:
        found = self.store.quads(CHANGES_GRAPH, PG.head, None, CHANGES_GRAPH)
        if not found:
            return 0, None
        change = found[0][2]
        assert isinstance(change, URIRef)
        seq = self.store.quads(change, PG.sequence, None, CHANGES_GRAPH)
        return int(str(seq[0][2])), change

    def etag(self) -> str:
        return f'"{self.head()[0]}"'

    # --- writing -------------------------------------------------------------------

    def submit(
        self,
        *,
        add: Sequence[Quad],
        remove: Sequence[Quad],
        author: str,
        message: str,
        dry_run: bool = False,
        if_match: str | None = None,
        reverts: URIRef | None = None,
    ) -> Outcome:
        started = time.perf_counter()
        # The store's transaction also keeps out writers in other processes (remote store).
        with self.lock, self.store.transaction():
            current = self.etag()
            if if_match is not None and if_match.strip() not in ("*", current):
                raise PreconditionFailed(if_match, current)
            removed, added = self._effective(remove, add)
            if not removed and not added:
                return Outcome(
                    "unchanged",
                    Report(True),
                    [],
                    [],
                    None,
                    current,
                    0,
                    time.perf_counter() - started,
                )
            report, scope = self.validator.validate_change(self.store, removed, added)
            focus = None if scope.focus is None else len(scope.focus)
            if not report.conforms or dry_run:
                status: Status = "dry-run" if dry_run else "rejected"
                return Outcome(
                    status,
                    report,
                    added,
                    removed,
                    None,
                    current,
                    focus,
                    time.perf_counter() - started,
                )
            seq = self.head()[0] + 1
            change = URIRef(ID[f"change/{seq}"])
            record_add, record_remove = self._record(
                change, seq, author, message, added, removed, reverts
            )
            all_removed, all_added = [*removed, *record_remove], [*added, *record_add]
            self.store.apply(all_removed, all_added)
            for listener in self._listeners:
                listener(all_removed, all_added)
            return Outcome(
                "applied",
                report,
                added,
                removed,
                change,
                f'"{seq}"',
                focus,
                time.perf_counter() - started,
            )

    def _effective(
        self, remove: Sequence[Quad], add: Sequence[Quad]
    ) -> tuple[list[Quad], list[Quad]]:
        """What the change really does: removes what is there, adds what is not."""
        for *_, g in [*remove, *add]:
            if g == CHANGES_GRAPH:
                raise PermissionError("the change log cannot be written directly")
        removed = [q for q in dict.fromkeys(remove) if self.store.quads(*q)]
        gone = set(removed)
        added = [q for q in dict.fromkeys(skolemize(add)) if q in gone or not self.store.quads(*q)]
        # A triple both removed and added stays as it is.
        both = set(removed) & set(added)
        return [q for q in removed if q not in both], [q for q in added if q not in both]

    def _record(
        self,
        change: URIRef,
        seq: int,
        author: str,
        message: str,
        added: Sequence[Quad],
        removed: Sequence[Quad],
        reverts: URIRef | None,
    ) -> tuple[list[Quad], list[Quad]]:
        g = CHANGES_GRAPH
        agent = agent_iri(author)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        out: list[Quad] = [
            (change, RDF.type, PG.Change, g),
            (change, RDF.type, PROV.Activity, g),
            (change, PG.sequence, Literal(seq), g),
            (change, PROV.wasAssociatedWith, agent, g),
            (agent, RDF.type, PROV.Agent, g),
            (agent, RDFS.label, Literal(author), g),
            (change, PROV.startedAtTime, Literal(now, datatype=XSD.dateTime), g),
            (change, RDFS.comment, Literal(message), g),
            (CHANGES_GRAPH, PG.head, change, g),
        ]
        if reverts is not None:
            out.append((change, PG.reverts, reverts, g))
        for kind, quads in (("added", added), ("removed", removed)):
            for i, (s, p, o, graph) in enumerate(quads):
                st = URIRef(f"{change}#{kind}-{i + 1}")
                out += [
                    (change, PG[kind], st, g),
                    (st, RDF.type, RDF.Statement, g),
                    (st, RDF.subject, s, g),
                    (st, RDF.predicate, p, g),
                    (st, RDF.object, o, g),
                    (st, PG.graph, graph, g),
                ]
        old = self.store.quads(CHANGES_GRAPH, PG.head, None, g)
        return out, old

    # --- reading the log -------------------------------------------------------------

    def record(self, seq: int) -> ChangeRecord | None:
        change = URIRef(ID[f"change/{seq}"])
        triples = self.store.quads(change, None, None, CHANGES_GRAPH)
        if not triples:
            return None
        values = {p: o for _, p, o, _ in triples}
        agent = values.get(PROV.wasAssociatedWith)
        name = (
            self.store.quads(agent, RDFS.label, None, CHANGES_GRAPH)
            if isinstance(agent, URIRef)
            else []
        )
        record = ChangeRecord(
            iri=change,
            sequence=seq,
            author=str(name[0][2]) if name else "",
            time=str(values.get(PROV.startedAtTime, "")),
            message=str(values.get(RDFS.comment, "")),
            reverts=values.get(PG.reverts) if isinstance(values.get(PG.reverts), URIRef) else None,  # type: ignore[arg-type]
        )
        for kind, target in (("added", record.added), ("removed", record.removed)):
            statements = sorted(
                (o for _, p, o, _ in triples if p == PG[kind]),
                key=lambda n: int(str(n).rsplit("-", 1)[-1]),
            )
            for st in statements:
                parts = {p: o for _, p, o, _ in self.store.quads(st, None, None, CHANGES_GRAPH)}  # type: ignore[arg-type]
                target.append(
                    (parts[RDF.subject], parts[RDF.predicate], parts[RDF.object], parts[PG.graph])  # type: ignore[arg-type]
                )
        later = self.store.quads(None, PG.reverts, change, CHANGES_GRAPH)
        record.reverted_by = later[0][0] if later else None  # type: ignore[assignment]
        return record

    def revert(
        self,
        seq: int,
        *,
        author: str,
        message: str | None = None,
        dry_run: bool = False,
        if_match: str | None = None,
    ) -> Outcome:
        record = self.record(seq)
        if record is None:
            raise LookupError(f"no change {seq}")
        return self.submit(
            add=record.removed,
            remove=record.added,
            author=author,
            message=message or f"Revert change {seq}: {record.message}",
            dry_run=dry_run,
            if_match=if_match,
            reverts=record.iri,
        )
