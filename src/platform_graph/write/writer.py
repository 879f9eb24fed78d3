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
from typing import Any
from typing import Literal as LiteralType

from rdflib import Literal, URIRef

from platform_graph.rdf.terms import skolemize
from platform_graph.store import Quad, Store
from platform_graph.store.version_cache import VersionCache
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import Report
from platform_graph.vocab.namespaces import CHANGES_GRAPH, GENID, ID, INFERRED_GRAPH, PG
from platform_graph.write.change_log import (
    ChangeRecord,
    Message,
    Review,
    account_iri,
    change_iri,
    head,
    read_record,
    record_quads,
)
from platform_graph.write.derived import Derive, is_derived, status_follows_assessments
from platform_graph.write.resource_versions import (
    last_change,
    matches,
    parse_if_match,
    resource_etag,
)

__all__ = [
    "ChangeRecord",
    "Forbidden",
    "Message",
    "Outcome",
    "PreconditionFailed",
    "RevertBlocked",
    "Review",
    "UndoRefused",
    "WritePolicy",
    "Writer",
    "account_iri",
    "assessor_iri",
    "effective",
]


Status = LiteralType["applied", "rejected", "unchanged", "dry-run", "proposed"]
"""``proposed``: validated and held for review (four eyes), not applied."""


class PreconditionFailed(Exception):
    """The client's If-Match no longer matches: the dataset's ETag, or, for a write
    about one resource, that resource's (``resource``, last changed by ``last_change``)."""

    def __init__(
        self,
        expected: str,
        current: str,
        *,
        resource: URIRef | None = None,
        last_change: int | None = None,
        dataset: str | None = None,
    ) -> None:
        what = f"<{resource}>" if resource is not None else "the dataset"
        super().__init__(
            f"If-Match {expected} does not match the current ETag of {what}, {current}"
            + (f" (last changed by change {last_change})" if last_change is not None else "")
        )
        self.expected = expected
        self.current = current
        self.resource = resource
        self.last_change = last_change
        self.dataset = dataset if dataset is not None else current


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


class UndoRefused(Exception):
    """A change that cannot be undone at all (a rebase; one that was never applied),
    or a restore that would reach back past a rebase."""

    def __init__(self, seq: int, sv: str, en: str) -> None:
        super().__init__(en)
        self.seq = seq
        self.sv = sv
        self.en = en


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
    derived: list[Quad] = field(default_factory=list)
    """Those of ``added`` and ``removed`` the write path derived (a commitment's status)."""
    resource_etags: dict[URIRef, str] = field(default_factory=dict)
    """The ETags of the resources named in the precondition, after the change."""
    proposal: int | None = None
    """The proposal that holds the change, when it is ``proposed``."""

    @property
    def accepted(self) -> bool:
        return self.status in ("applied", "unchanged") or (
            self.status == "dry-run" and self.report.conforms
        )


Listener = Callable[[Sequence[Quad], Sequence[Quad]], None]
Delta = tuple[Sequence[Quad], Sequence[Quad]]
"""(remove, add): what a change asks for, before the writer drops what changes nothing."""
Entail = Callable[[Store, Sequence[Quad], Sequence[Quad]], Delta]
"""What a validated change entails besides itself (the inferred graph, rdf.entailment):
applied with it, atomically, but neither validated nor recorded in the change log."""


class Writer:
    """Serialises writers and owns the validated write path over one store."""

    def __init__(
        self,
        store: Store,
        validator: Validator,
        policy: WritePolicy | None = None,
        derive: Derive = status_follows_assessments,
        entail: Entail | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.policy = policy or WritePolicy()
        self.derive = derive
        """What a change implies beyond its own triples (a commitment's status)."""
        self.entail = entail
        self.lock = threading.Lock()
        self._listeners: list[Listener] = []
        # The dataset's ETag, kept between changes where only this writer changes the
        # store (the embedded store is locked to one process): every read asked the
        # store for it, two lookups a request. ``_applied`` counts the changes, so that
        # a reader never keeps a value read before a change that landed meanwhile.
        self._etag: str | None = None
        self._applied = 0
        self._etag_lock = threading.Lock()
        # Resources' ETags for the dataset's current version: hashing what the graph says
        # of a much-named actor took most of its Linked Data page's time (docs/benchmarks.md).
        self._resource_etags: VersionCache[str] = VersionCache(4096)

    def on_commit(self, listener: Listener) -> None:
        """Call ``listener(removed, added)`` after every applied change (log included)."""
        self._listeners.append(listener)

    # --- versions: the dataset's and each resource's ----------------------------------

    def head(self) -> tuple[int, URIRef | None]:
        return head(self.store)

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

    def resource_etag(self, iri: URIRef, variant: str | None = None) -> str:
        """The ETag of one resource (``resource_versions``): it moves only when a change
        touches that resource."""
        version = self.etag()
        tag = self._resource_etags.get(version, iri)
        if tag is None:
            tag = resource_etag(self.store, iri)
            if self.etag() == version:  # no write landed while it was computed
                self._resource_etags.put(version, iri, tag)
        return f'{tag[:-1]}.{variant}"' if variant else tag

    def last_change(self, iri: URIRef) -> int | None:
        """The latest applied change that touched the resource (None: none since the base)."""
        return last_change(self.store, iri)

    def check_precondition(self, if_match: str, resources: Sequence[URIRef] = ()) -> None:
        """Raise ``PreconditionFailed`` unless ``if_match`` holds now.

        Without ``resources`` it must name the dataset's ETag (or be ``*``). With
        ``resources`` it must name the current ETag of each of them; the dataset's ETag
        is still taken (clients written against it), as is ``*``.
        """
        tags = parse_if_match(if_match)
        dataset = self.etag()
        if matches(tags, dataset):
            return
        if not resources:
            raise PreconditionFailed(if_match, dataset)
        for iri in resources:
            current = self.resource_etag(iri)
            if not matches(tags, current):
                raise PreconditionFailed(
                    if_match,
                    current,
                    resource=iri,
                    last_change=self.last_change(iri),
                    dataset=dataset,
                )

    # --- writing -------------------------------------------------------------------

    def submit(
        self,
        *,
        add: Sequence[Quad],
        remove: Sequence[Quad],
        author: str,
        message: Message,
        dry_run: bool = False,
        if_match: str | None = None,
        resources: Sequence[URIRef] = (),
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
            resources=resources,
            reverts=reverts,
            admin=admin,
        )

    def submit_with(
        self,
        build: Callable[[], Delta],
        *,
        author: str,
        message: Message,
        dry_run: bool = False,
        if_match: str | None = None,
        resources: Sequence[URIRef] = (),
        reverts: Sequence[URIRef] = (),
        admin: bool = False,
        review: Review | None = None,
    ) -> Outcome:
        """Compute a change with ``build`` under the writer's lock, then validate it and
        apply it: the change is computed from the very state it is applied to, so two
        requests at once never build on the same state (two assessments, an update's
        WHERE).

        ``if_match`` is checked first, under the same lock (``check_precondition``):
        against the ETags of ``resources`` when the write is about them, else the
        dataset's. What the change implies (``derive``: a commitment's status) is added
        to it before it is validated, and recorded as derived.
        """
        started = time.perf_counter()

        def finish(status: Status, report: Report, **extra: Any) -> Outcome:
            return Outcome(
                status,
                report,
                seconds=time.perf_counter() - started,
                resource_etags={iri: self.resource_etag(iri) for iri in resources},
                **extra,
            )

        # The store's transaction also keeps out writers in other processes (remote store).
        with self.lock, self.store.transaction():
            current = self.etag()
            if if_match is not None:
                self.check_precondition(if_match, resources)
            remove, add = build()
            removed, added = self._effective(remove, add)
            if not admin:
                self.policy.check(removed, added)
            derivation = self.derive(self.store, removed, added)
            if derivation.conflicts:
                return finish(
                    "rejected",
                    Report(False, derivation.conflicts),
                    added=added,
                    removed=removed,
                    etag=current,
                )
            derived = [*derivation.remove, *derivation.add]
            removed, added = [*removed, *derivation.remove], [*added, *derivation.add]
            if not removed and not added:
                return finish(
                    "unchanged", Report(True), added=[], removed=[], etag=current, focus_nodes=0
                )
            report, scope = self.validator.validate_change(self.store, removed, added)
            focus = None if scope.focus is None else len(scope.focus)
            if not report.conforms or dry_run:
                return finish(
                    "dry-run" if dry_run else "rejected",
                    report,
                    added=added,
                    removed=removed,
                    etag=current,
                    focus_nodes=focus,
                    derived=derived,
                )
            seq = self.head()[0] + 1
            record_add, record_remove = record_quads(
                self.store,
                seq,
                author=author,
                message=message,
                added=added,
                removed=removed,
                derived=derived,
                reverts=reverts,
                review=review,
            )
            entailed_remove, entailed_add = (
                self.entail(self.store, removed, added) if self.entail else ((), ())
            )
            self._apply(
                [*removed, *record_remove, *entailed_remove],
                [*added, *record_add, *entailed_add],
                f'"{seq}"',
            )
            return finish(
                "applied",
                report,
                added=added,
                removed=removed,
                change=change_iri(seq),
                etag=f'"{seq}"',
                focus_nodes=focus,
                derived=derived,
            )

    def _apply(self, removed: Sequence[Quad], added: Sequence[Quad], etag: str) -> None:
        self.store.apply(removed, added)
        self._keep_etag(etag)
        for listener in self._listeners:
            listener(removed, added)

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
        return effective(self.store, remove, add)

    # --- reading the log -------------------------------------------------------------

    def record(self, seq: int) -> ChangeRecord | None:
        return read_record(self.store, seq)

    def change_for_proposal(self, proposal: int) -> int | None:
        """The number of the change that applied a proposal, if one did."""
        found = self.store.quads(None, PG.fromProposal, Literal(proposal), CHANGES_GRAPH)
        if not found:
            return None
        seq = self.store.quads(found[0][0], PG.sequence, None, CHANGES_GRAPH)
        return int(str(seq[0][2])) if seq else None

    def revert(
        self,
        seq: int,
        *,
        author: str,
        message: Message | None = None,
        dry_run: bool = False,
        if_match: str | None = None,
    ) -> Outcome:
        """Undo one change, as a change of its own (an administrator's).

        Only the change's own triples are undone; what the write path derived from them
        (a commitment's status) is derived again from the state the undo leaves, so
        reverting an earlier assessment leaves the status of the latest remaining one.
        ``RevertBlocked`` names the later changes that changed the same triples, or whose
        triples the undone change's resources still need, when the undo alone would not
        apply or would break a shape; ``restore`` undoes them all in one step.
        """
        record = self.record(seq)
        if record is None:
            raise LookupError(f"no change {seq}")
        self._undoable(record)

        def build() -> Delta:
            own_added = [q for q in record.added if not is_derived(self.store, q)]
            own_removed = [q for q in record.removed if not is_derived(self.store, q)]
            moved = [q for q in own_added if not self.store.quads(*q)] + [
                q for q in own_removed if self.store.quads(*q)
            ]
            if moved:
                raise RevertBlocked(seq, self._later_touching(seq, set(moved), by_node=False))
            return own_added, own_removed

        outcome = self.submit_with(
            build,
            author=author,
            message=message
            or {
                "sv": f"Ångrar ändring {seq}: {record.message_in('sv')}",
                "en": f"Revert change {seq}: {record.message_in('en')}",
            },
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
        message: Message | None = None,
        dry_run: bool = False,
        if_match: str | None = None,
    ) -> Outcome:
        """Bring the data back to the state just before change ``seq``, in one change:
        that change and every later one undone together (an administrator's). Changes
        that were never applied are passed over; a rebase cannot be undone (the curated
        files are the base), so a restore cannot reach back past one."""
        if self.record(seq) is None:
            raise LookupError(f"no change {seq}")
        iris: list[URIRef] = []

        def build() -> Delta:
            before: dict[Quad, bool] = {}
            for n in range(seq, self.head()[0] + 1):
                record = self.record(n)
                if record is None or not record.applied:
                    continue
                if record.kind == "rebase":
                    raise UndoRefused(
                        seq,
                        f"Läget före ändring {seq} kan inte återställas: ändring {n} flyttade "
                        "datan till en ny bas (de kurerade filerna), och den går inte att ångra.",
                        f"The state before change {seq} cannot be restored: change {n} moved "
                        "the data onto a new base (the curated files), which cannot be undone.",
                    )
                iris.append(record.iri)
                for q in record.added:
                    before.setdefault(q, False)
                for q in record.removed:
                    before.setdefault(q, True)
            # A commitment's status is derived again from the restored assessments.
            remove = [q for q, was in before.items() if not was and not is_derived(self.store, q)]
            add = [q for q, was in before.items() if was and not is_derived(self.store, q)]
            return remove, add

        return self.submit_with(
            build,
            author=author,
            message=message
            or {
                "sv": f"Återställer läget före ändring {seq}",
                "en": f"Restore the state before change {seq}",
            },
            dry_run=dry_run,
            if_match=if_match,
            reverts=iris,
            admin=True,
        )

    @staticmethod
    def _undoable(record: ChangeRecord) -> None:
        seq = record.sequence
        if record.kind == "rebase":
            raise UndoRefused(
                seq,
                f"Ändring {seq} flyttade datan till en ny bas (de kurerade filerna) och går "
                "inte att ångra: ändra i de kurerade filerna och bygg om i stället.",
                f"Change {seq} moved the data onto a new base (the curated files) and cannot "
                "be reverted: edit the curated files and rebuild instead.",
            )
        if record.unapplied is not None:
            raise UndoRefused(
                seq,
                f"Ändring {seq} tillämpades inte på den nuvarande basen "
                f"({record.unapplied.sv}): det finns inget att ångra.",
                f"Change {seq} was not applied on the current base ({record.unapplied.en}): "
                "there is nothing to revert.",
            )

    def _later_touching(self, seq: int, quads: set[Quad], *, by_node: bool) -> list[int]:
        """Later changes (not reverted since) that changed one of ``quads``, or, with
        ``by_node``, any triple of the same resources."""
        nodes = {t for s, _, o, _ in quads for t in (s, o) if isinstance(t, URIRef)}
        found: list[int] = []
        for n in range(seq + 1, self.head()[0] + 1):
            record = self.record(n)
            if record is None or record.reverted_by is not None or not record.applied:
                continue
            touched = {*record.own_added, *record.own_removed}
            if touched & quads or (
                by_node and any(s in nodes or o in nodes for s, _, o, _ in touched)
            ):
                found.append(n)
        return found


def effective(
    store: Store, remove: Sequence[Quad], add: Sequence[Quad]
) -> tuple[list[Quad], list[Quad]]:
    """What a change really does on ``store``: removes what is there, adds what is not
    (blank nodes skolemized); a triple both removed and added stays as it is."""
    removed = [q for q in dict.fromkeys(remove) if store.quads(*q)]
    gone = set(removed)
    added = [q for q in dict.fromkeys(skolemize(add, GENID)) if q in gone or not store.quads(*q)]
    both = set(removed) & set(added)
    return [q for q in removed if q not in both], [q for q in added if q not in both]
