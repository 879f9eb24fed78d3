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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal as LiteralType

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from platform_graph.rdf.terms import skolemize
from platform_graph.store import Quad, Store
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import Report
from platform_graph.vocab.namespaces import CHANGES_GRAPH, GENID, ID, INFERRED_GRAPH, PG

__all__ = [
    "ChangeRecord",
    "Forbidden",
    "Outcome",
    "PreconditionFailed",
    "RevertBlocked",
    "WritePolicy",
    "Writer",
    "account_iri",
    "assessor_iri",
]


Status = LiteralType["applied", "rejected", "unchanged", "dry-run"]


class PreconditionFailed(Exception):
    """The client's If-Match no longer matches the dataset's ETag."""

    def __init__(self, expected: str, current: str) -> None:
        super().__init__(f"If-Match {expected} does not match the current ETag {current}")
        self.expected = expected
        self.current = current


class Forbidden(Exception):
    """The change is one only an administrator may make; ``rule`` names the rule."""

    def __init__(self, rule: str, sv: str, en: str) -> None:
        super().__init__(en)
        self.rule = rule
        self.sv = sv
        self.en = en


class RevertBlocked(Exception):
    """Later changes changed what a change did: undoing it alone is not possible."""

    def __init__(self, seq: int, blockers: list[int]) -> None:
        listed = ", ".join(str(b) for b in blockers)
        super().__init__(
            f"change {seq} cannot be reverted alone: later change(s) {listed} changed the "
            f"same triples; revert those first, or restore the state before change {seq}"
        )
        self.seq = seq
        self.blockers = blockers


@dataclass(frozen=True, slots=True)
class WritePolicy:
    """What an editor may not do (an administrator may): remove more than
    ``max_removals`` triples in one change, or touch the ``protected`` graphs."""

    max_removals: int | None = 500
    protected: frozenset[URIRef] = frozenset()

    def check(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        touched = sorted({str(g) for *_, g in [*removed, *added] if g in self.protected})
        if touched:
            raise Forbidden(
                "protected-graph",
                f"Ontologin och temaschemat ({', '.join(touched)}) ändras bara av en "
                "administratör (eller av en ny byggnad av grafen).",
                f"The ontology and the theme scheme ({', '.join(touched)}) are changed by an "
                "administrator only (or by a new build of the graph).",
            )
        if self.max_removals is not None and len(removed) > self.max_removals:
            raise Forbidden(
                "too-many-removals",
                f"Ändringen tar bort {len(removed)} tripler; fler än {self.max_removals} i en "
                "ändring kräver en administratör.",
                f"The change removes {len(removed)} triples; more than {self.max_removals} "
                "in one change need an administrator.",
            )


def account_iri(name: str) -> URIRef:
    """The IRI of a token's holder: who made a change (the change log's agent)."""
    return URIRef(ID[f"account/{name}"])


def assessor_iri(slug: str) -> URIRef:
    """The IRI of a person named as an assessor in the data (not a token's holder)."""
    return URIRef(ID[f"assessor/{slug}"])


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
    """The (first) change this one undoes; a restore undoes several (``undoes``)."""
    reverted_by: URIRef | None = None
    undoes: list[URIRef] = field(default_factory=list)


Listener = Callable[[Sequence[Quad], Sequence[Quad]], None]
Delta = tuple[Sequence[Quad], Sequence[Quad]]
"""(remove, add): what a change asks for, before the writer drops what changes nothing."""
Derive = Callable[[Store, Sequence[Quad], Sequence[Quad]], Delta]
"""What a validated change entails besides itself (the inferred graph, rdf.entailment):
applied with it, atomically, but neither validated nor recorded in the change log."""


class Writer:
    """Serialises writers and owns the validated write path over one store."""

    def __init__(
        self,
        store: Store,
        validator: Validator,
        policy: WritePolicy | None = None,
        derive: Derive | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.policy = policy or WritePolicy()
        self.derive = derive
        self.lock = threading.Lock()
        self._listeners: list[Listener] = []
        # The dataset's ETag, kept between changes where only this writer changes the
        # store (the embedded store is locked to one process): every read asked the
        # store for it, two lookups a request. ``_applied`` counts the changes, so that
        # a reader never keeps a value read before a change that landed meanwhile.
        self._etag: str | None = None
        self._applied = 0
        self._etag_lock = threading.Lock()

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
        cached = self._etag
        if cached is not None:
            return cached
        applied = self._applied
        value = f'"{self.head()[0]}"'
        if not self.store.capabilities.shared:
            with self._etag_lock:
                if self._applied == applied:
                    self._etag = value
        return value

    def _keep_etag(self, etag: str) -> None:
        """A change was applied (under the writer's lock): ``etag`` is the dataset's now."""
        with self._etag_lock:
            self._applied += 1
            self._etag = None if self.store.capabilities.shared else etag

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
        reverts: Sequence[URIRef] = (),
        admin: bool = False,
    ) -> Outcome:
        """Validate and apply a change whose triples are known in advance."""
        return self.submit_with(
            lambda: (remove, add),
            author=author,
            message=message,
            dry_run=dry_run,
            if_match=if_match,
            reverts=reverts,
            admin=admin,
        )

    def submit_with(
        self,
        build: Callable[[], Delta],
        *,
        author: str,
        message: str,
        dry_run: bool = False,
        if_match: str | None = None,
        reverts: Sequence[URIRef] = (),
        admin: bool = False,
    ) -> Outcome:
        """Compute a change with ``build`` under the writer's lock, then validate it and
        apply it: the change is computed from the very state it is applied to, so two
        requests at once never build on the same state (two assessments, an update's
        WHERE)."""
        started = time.perf_counter()
        # The store's transaction also keeps out writers in other processes (remote store).
        with self.lock, self.store.transaction():
            current = self.etag()
            if if_match is not None and if_match.strip() not in ("*", current):
                raise PreconditionFailed(if_match, current)
            remove, add = build()
            removed, added = self._effective(remove, add)
            if not admin:
                self.policy.check(removed, added)
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
            entailed_remove, entailed_add = (
                self.derive(self.store, removed, added) if self.derive else ((), ())
            )
            all_removed = [*removed, *record_remove, *entailed_remove]
            all_added = [*added, *record_add, *entailed_add]
            self.store.apply(all_removed, all_added)
            self._keep_etag(f'"{seq}"')
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
            if g == INFERRED_GRAPH:
                raise PermissionError(
                    "the inferred graph is kept by the server from the ontology's hierarchy: "
                    "change the asserted triples instead"
                )
        removed = [q for q in dict.fromkeys(remove) if self.store.quads(*q)]
        gone = set(removed)
        added = [
            q for q in dict.fromkeys(skolemize(add, GENID)) if q in gone or not self.store.quads(*q)
        ]
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
        reverts: Sequence[URIRef],
    ) -> tuple[list[Quad], list[Quad]]:
        g = CHANGES_GRAPH
        agent = account_iri(author)
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
        for reverted in reverts:
            out.append((change, PG.reverts, reverted, g))
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
        )
        record.undoes = sorted(
            (o for _, p, o, _ in triples if p == PG.reverts and isinstance(o, URIRef)),
            key=lambda iri: int(str(iri).rsplit("/", 1)[-1]),
        )
        record.reverts = record.undoes[0] if record.undoes else None
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
        """Undo one change, as a change of its own (an administrator's).

        ``RevertBlocked`` names the later changes that changed the same triples, or whose
        triples the undone change's resources still need, when the undo alone would not
        apply or would break a shape; ``restore`` undoes them all in one step.
        """
        record = self.record(seq)
        if record is None:
            raise LookupError(f"no change {seq}")

        def build() -> Delta:
            moved = [q for q in record.added if not self.store.quads(*q)] + [
                q for q in record.removed if self.store.quads(*q)
            ]
            if moved:
                raise RevertBlocked(seq, self._later_touching(seq, set(moved), by_node=False))
            return record.added, record.removed

        outcome = self.submit_with(
            build,
            author=author,
            message=message or f"Revert change {seq}: {record.message}",
            dry_run=dry_run,
            if_match=if_match,
            reverts=(record.iri,),
            admin=True,
        )
        if outcome.status == "rejected":
            blockers = self._later_touching(seq, {*record.added, *record.removed}, by_node=True)
            if blockers:
                raise RevertBlocked(seq, blockers)
        return outcome

    def restore(
        self,
        seq: int,
        *,
        author: str,
        message: str | None = None,
        dry_run: bool = False,
        if_match: str | None = None,
    ) -> Outcome:
        """Bring the data back to the state just before change ``seq``, in one change:
        that change and every later one undone together (an administrator's)."""
        if self.record(seq) is None:
            raise LookupError(f"no change {seq}")
        iris: list[URIRef] = []

        def build() -> Delta:
            before: dict[Quad, bool] = {}
            for n in range(seq, self.head()[0] + 1):
                record = self.record(n)
                if record is None:
                    continue
                iris.append(record.iri)
                for q in record.added:
                    before.setdefault(q, False)
                for q in record.removed:
                    before.setdefault(q, True)
            remove = [q for q, was in before.items() if not was]
            add = [q for q, was in before.items() if was]
            return remove, add

        return self.submit_with(
            build,
            author=author,
            message=message or f"Restore the state before change {seq}",
            dry_run=dry_run,
            if_match=if_match,
            reverts=iris,
            admin=True,
        )

    def _later_touching(self, seq: int, quads: set[Quad], *, by_node: bool) -> list[int]:
        """Later changes (not reverted since) that changed one of ``quads``, or, with
        ``by_node``, any triple of the same resources."""
        nodes = {t for s, _, o, _ in quads for t in (s, o) if isinstance(t, URIRef)}
        found: list[int] = []
        for n in range(seq + 1, self.head()[0] + 1):
            record = self.record(n)
            if record is None or record.reverted_by is not None:
                continue
            touched = {*record.added, *record.removed}
            if touched & quads or (
                by_node and any(s in nodes or o in nodes for s, _, o, _ in touched)
            ):
                found.append(n)
        return found
