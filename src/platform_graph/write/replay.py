"""One source of truth: the curated files are the base, the store holds the base plus the
change log. When the base changes (a new build), the log is replayed onto it.

``replay`` builds the new state beside the old one, in memory: the new base, the whole
change log copied over, then each change that was applied, in order, through the same
steps as the writer (what it really does, the status it implies, validation against the
shapes). A change that no longer applies (a triple it removes is gone, or the result
breaks a shape) is kept in the log, marked as not applied with the reason in Swedish and
English and the base it failed on, and the report lists it. Sequence numbers, authors,
times, messages and reverts are kept; one more change, a rebase, records what moving
onto the new base changed. The caller installs the result whole (``store.swap`` for the
embedded store, one atomic change for a remote one) or not at all.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal as LiteralType

from platform_graph.rdf.terms import Quad
from platform_graph.store import Store, nquad_line, open_embedded
from platform_graph.validation.incremental import Validator, full_graph_after
from platform_graph.validation.shacl import Report, validate
from platform_graph.vocab.namespaces import CHANGES_GRAPH, PG
from platform_graph.write.change_log import (
    Base,
    ChangeRecord,
    Unapplied,
    base_quads,
    head,
    read_base,
    read_record,
    record_quads,
    unapplied_quads,
)
from platform_graph.write.derived import is_derived, status_follows_assessments
from platform_graph.write.writer import effective

__all__ = [
    "BaseInvalid",
    "RebaseReport",
    "Replayed",
    "content_base",
    "is_current",
    "replay",
    "same_data",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
SHOWN = 3
"""How many missing triples or violations a reason names (and how many more there are)."""


def content_base(nquads: bytes) -> Base:
    """The base a built graph (N-Quads) is: the SHA-256 of its quads, sorted, one per line.

    Two builds of the same curated files give the same hash, whatever order the
    serialiser wrote them in.
    """
    parsed = open_embedded(None)
    parsed.load(nquads, "application/n-quads")
    lines = sorted(set(parsed.dump("application/n-quads").decode("utf-8").splitlines()))
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return Base(f"sha256:{digest.hexdigest()}", len(lines))


class BaseInvalid(Exception):
    """The new base breaks the shapes: nothing is replayed onto it (fix the curated files)."""

    def __init__(self, report: Report) -> None:
        super().__init__(
            f"the built graph does not conform to the shapes ({len(report.violations)} "
            "violation(s)): fix the curated files; `platform-graph build` shows the report"
        )
        self.report = report


@dataclass(frozen=True, slots=True)
class Replayed:
    """What became of one change of the log in a replay."""

    sequence: int
    author: str
    time: str
    message: str
    outcome: LiteralType["applied", "already", "unapplied", "passed-over"]
    """``applied``; ``already``: what it does is in the new base already (nothing to do);
    ``unapplied``: no longer applies (``why``); ``passed-over``: a rebase, or a change
    that did not apply on an earlier base either."""
    why: Unapplied | None = None


@dataclass(slots=True)
class RebaseReport:
    """What a replay of the change log onto a new base did."""

    old: Base | None
    new: Base
    changes: list[Replayed] = field(default_factory=list)
    rebase: int | None = None
    """The sequence number of the rebase change recorded (None: nothing recorded)."""
    added: int = 0
    removed: int = 0
    """How many triples moving onto the new base added and removed (the data's, not the log's)."""
    seconds: float = 0.0

    @property
    def unapplied(self) -> list[Replayed]:
        return [c for c in self.changes if c.outcome == "unapplied"]

    @property
    def applied(self) -> list[Replayed]:
        return [c for c in self.changes if c.outcome in ("applied", "already")]

    def to_text(self) -> str:
        """The report for an operator or a curator, in English and Swedish."""
        was = self.old.hash[:19] + "…" if self.old is not None else "an unrecorded base"
        lines = [
            f"rebase: from {was} to {self.new.hash[:19]}… ({self.new.quads} quads)"
            + (f", recorded as change {self.rebase}" if self.rebase is not None else ""),
            f"  {len(self.applied)} change(s) replayed and applied, "
            f"{len(self.unapplied)} no longer apply; the data changed by "
            f"+{self.added} −{self.removed} triples, in {self.seconds:.1f} s",
        ]
        for c in self.unapplied:
            assert c.why is not None
            lines += [
                f"  change {c.sequence} ({c.author}, {c.time}) is NOT applied: {c.message}",
                f"    en: {c.why.en}",
                f"    sv: {c.why.sv}",
            ]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.old.hash if self.old is not None else None,
            "to": self.new.hash,
            "rebase_change": self.rebase,
            "added": self.added,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
            "changes": [
                {
                    "id": c.sequence,
                    "outcome": c.outcome,
                    "author": c.author,
                    "time": c.time,
                    "message": c.message,
                    "reason": None if c.why is None else {"sv": c.why.sv, "en": c.why.en},
                    "rule": None if c.why is None else c.why.rule,
                }
                for c in self.changes
            ],
        }


def _triple(q: Quad) -> str:
    return nquad_line(q).rsplit(" <", 1)[0] if q[3] is not None else nquad_line(q)


def _more(items: Sequence[str], sv: bool) -> str:
    shown = "; ".join(items[:SHOWN])
    rest = len(items) - SHOWN
    if rest > 0:
        shown += f" (och {rest} till)" if sv else f" (and {rest} more)"
    return shown


class _Replay:
    """One replay: the new store, and the steps each change goes through on it."""

    def __init__(self, new: Store, validator: Validator, base: Base, seq: int) -> None:
        self.new = new
        self.validator = validator
        self.base = base
        self.rebase_seq = seq
        self.unapplied: set[int] = set()

    def why(self, rule: str, sv: str, en: str) -> Unapplied:
        return Unapplied(rule=rule, sv=sv, en=en, base=self.base.hash, rebase=self.rebase_seq)

    def one(self, record: ChangeRecord) -> Replayed:
        def done(
            outcome: LiteralType["applied", "already", "unapplied", "passed-over"],
            why: Unapplied | None = None,
        ) -> Replayed:
            return Replayed(
                record.sequence, record.author, record.time, record.message, outcome, why
            )

        if record.kind == "rebase" or not record.applied:
            return done("passed-over")
        # Its own triples: what it derived (a commitment's status) is derived again.
        derived = set(record.derived)
        own_added = [q for q in record.added if q not in derived and not is_derived(self.new, q)]
        own_removed = [
            q for q in record.removed if q not in derived and not is_derived(self.new, q)
        ]
        missing = [q for q in own_removed if not self.new.quads(*q)]
        if missing:
            if all(self.new.quads(*q) for q in own_added) and len(missing) == len(own_removed):
                return done("already")  # the new base made the same edit
            undone = [u for u in record.undoes if int(str(u).rsplit("/", 1)[-1]) in self.unapplied]
            if undone and len(undone) == len(record.undoes):
                listed = ", ".join(str(u).rsplit("/", 1)[-1] for u in undone)
                why = self.why(
                    "reverts-unapplied",
                    f"Den ångrar ändring {listed}, som inte heller gick att tillämpa.",
                    f"It reverts change {listed}, which did not apply either.",
                )
            else:
                gone = [_triple(q) for q in missing]
                why = self.why(
                    "triple-gone",
                    "Ändringen tar bort tripler som inte finns i den nya basen: "
                    + _more(gone, sv=True),
                    "The change removes triples the new base does not have: "
                    + _more(gone, sv=False),
                )
            return done("unapplied", why)
        removed, added = effective(self.new, own_removed, own_added)
        derivation = status_follows_assessments(self.new, removed, added)
        removed, added = [*removed, *derivation.remove], [*added, *derivation.add]
        if not removed and not added:
            return done("already")
        report, _ = self.validator.validate_change(self.new, removed, added)
        if not report.conforms:
            violations = report.violations
            why = self.why(
                "invalid",
                "Resultatet bryter mot formerna: "
                + _more([f"{v.focus}: {v.message_sv}" for v in violations], sv=True),
                "The result breaks the shapes: "
                + _more([f"{v.focus}: {v.message_en}" for v in violations], sv=False),
            )
            return done("unapplied", why)
        self.new.apply(removed, added)
        return done("applied")


def _data(store: Store) -> set[Quad]:
    """Every quad but the change log's."""
    return {q for q in store.quads() if q[3] != CHANGES_GRAPH}


def replay(
    old: Store,
    base_data: bytes,
    validator: Validator,
    *,
    check_base: bool = True,
    progress: Progress | None = None,
) -> tuple[Store, RebaseReport]:
    """The change log of ``old`` replayed onto the base ``base_data`` (N-Quads), in a new
    store in memory, with the rebase recorded; and the report. ``old`` is only read.

    ``check_base``: validate the new base whole first (``BaseInvalid`` if it breaks the
    shapes); off only to compare (``same_data``), which installs nothing."""
    started = time.perf_counter()
    base = content_base(base_data)
    old_base = read_base(old)
    new = open_embedded(None)
    new.load(base_data, "application/n-quads")
    # A build writes its files before it validates them: a base that breaks the shapes
    # is refused here, and the store stays as it is.
    if check_base:
        checked = validate(full_graph_after(new, [], []), validator.shapes)
        if not checked.conforms:
            raise BaseInvalid(checked)
    old_log = old.quads(graph=CHANGES_GRAPH)
    # The log comes over whole; only the pointer to the old base is replaced.
    new.apply([], [q for q in old_log if q[1] != PG.base or q[0] != CHANGES_GRAPH])
    last, _ = head(old)
    report = RebaseReport(old_base, base)
    run = _Replay(new, validator, base, last + 1)
    for seq in range(1, last + 1):
        record = read_record(new, seq)
        if record is None:
            continue
        if not record.applied:
            run.unapplied.add(seq)
        done = run.one(record)
        if done.outcome == "unapplied":
            run.unapplied.add(seq)
        report.changes.append(done)
        if progress is not None and seq % 50 == 0:
            progress(f"replayed {seq} of {last} changes")
    before, after = _data(old), _data(new)
    gone, came = sorted(before - after, key=nquad_line), sorted(after - before, key=nquad_line)
    report.added, report.removed = len(came), len(gone)
    seq = last + 1
    applied = len(report.applied)
    names = ", ".join(str(c.sequence) for c in report.unapplied)
    message = {
        "sv": f"Ny bas från de kurerade filerna ({base.hash[:19]}…): {applied} ändringar "
        f"spelades upp" + (f"; ändring {names} gick inte längre att tillämpa" if names else ""),
        "en": f"New base from the curated files ({base.hash[:19]}…): {applied} changes "
        f"replayed" + (f"; change {names} no longer applied" if names else ""),
    }
    record_add, record_remove = record_quads(
        new,
        seq,
        author=None,
        message=message,
        added=came,
        removed=gone,
        derived=[q for q in [*came, *gone] if q[1] == PG.status and is_derived(new, q)],
        rebase=(base, old_base),
    )
    marks = [
        q
        for c in report.unapplied
        if c.why is not None
        for q in unapplied_quads(c.sequence, c.why, base)
    ]
    new.apply(
        [*record_remove, *new.quads(CHANGES_GRAPH, PG.base, None, CHANGES_GRAPH)],
        [*record_add, *marks, *base_quads(base)],
    )
    report.rebase = seq
    report.seconds = time.perf_counter() - started
    log.info("replayed %d changes onto %s in %.1f s", last, base.hash, report.seconds)
    return new, report


def same_data(old: Store, base_data: bytes, validator: Validator) -> tuple[bool, RebaseReport]:
    """Whether ``old`` holds exactly its change log replayed onto ``base_data`` (a store
    that does not record its base may be taken as built on it); and the replay's report.

    The base is not validated whole here (a full validation takes tens of seconds): the
    answer only decides whether to record the base the store already holds."""
    _, report = replay(old, base_data, validator, check_base=False)
    return not report.added and not report.removed and not report.unapplied, report


def is_current(store: Store, base: Base) -> bool:
    """Whether ``store`` says it rests on ``base``."""
    found = read_base(store)
    return found is not None and found.hash == base.hash
