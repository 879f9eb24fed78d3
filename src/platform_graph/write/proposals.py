"""Four eyes: an editor's change held as a proposal until another editor or an
administrator approves it (then it is applied as a change) or rejects it.

A proposal keeps the exact triples it would remove and add, as validated when it was
proposed; approval validates them again against the data as it is then. Until then
nothing of it is public: proposals live in the workbench's database, not in the graph.

The data may move between proposal and approval. A triple the proposal removes that is
gone by then means someone changed the same thing: approval is refused and says so
(propose again). A resource the proposal creates whose IRI has been taken meanwhile (two
assessments of one commitment proposed at once get the same next number) is given the
next free IRI of the same form, as the write path would have done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from rdflib import URIRef

from platform_graph.store import Quad, Store, nquad_line, parse_quads
from platform_graph.vocab.namespaces import DATA_GRAPH
from platform_graph.write.workbench_db import WorkbenchDB

__all__ = ["Proposal", "ProposalConflict", "ProposalState", "Proposals", "rebase_delta"]

ProposalState = Literal["open", "approving", "approved", "rejected", "withdrawn"]
"""``approving``: a reviewer's approval is being applied (at most one at a time)."""


class ProposalConflict(Exception):
    """The data changed since the proposal in a way that makes it not apply as proposed."""

    def __init__(self, missing: list[Quad]) -> None:
        super().__init__(f"{len(missing)} triple(s) the proposal removes are no longer there")
        self.missing = missing


@dataclass(slots=True)
class Proposal:
    id: int
    kind: str
    author: str
    created: str
    message: str
    payload: dict[str, Any]
    removed: list[Quad]
    added: list[Quad]
    resources: list[str]
    state: ProposalState = "open"
    reviewer: str | None = None
    comment: str | None = None
    decided: str | None = None
    change: int | None = None
    created_nodes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "author": self.author,
            "created": self.created,
            "message": self.message,
            "resources": self.resources,
            "state": self.state,
            "reviewer": self.reviewer,
            "comment": self.comment,
            "decided": self.decided,
            "change": self.change,
            "href": f"/api/proposals/{self.id}",
            "triples": {
                "added": [nquad_line(q) for q in self.added],
                "removed": [nquad_line(q) for q in self.removed],
            },
        }


# The largest row id SQLite stores; ids from a request beyond it name no proposal.
_MAX_ROWID = 2**63 - 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _lines(quads: Sequence[Quad]) -> str:
    return "".join(nquad_line(q) + "\n" for q in quads)


def _quads(text: str) -> list[Quad]:
    return (
        parse_quads(text, "application/n-quads", graph=DATA_GRAPH, source="proposal")
        if text
        else []
    )


class Proposals:
    def __init__(self, db: WorkbenchDB) -> None:
        self.db = db

    def propose(
        self,
        *,
        kind: str,
        author: str,
        message: str,
        removed: Sequence[Quad],
        added: Sequence[Quad],
        resources: Sequence[str],
        store: Store,
        payload: dict[str, Any] | None = None,
    ) -> Proposal:
        """Keep a validated change as a proposal. ``store`` tells which subjects the
        change creates (none of their triples exist yet)."""
        created = sorted(
            {str(s) for s, *_ in added if isinstance(s, URIRef) and not store.quads(s)}
        )
        body = dict(payload or {})
        body["created_nodes"] = created
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO proposal (kind, author, created, message, payload, removed, added,"
                " resources) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    author,
                    _now(),
                    message,
                    json.dumps(body, ensure_ascii=False),
                    _lines(removed),
                    _lines(added),
                    json.dumps(list(resources)),
                ),
            )
            new_id = cursor.lastrowid
        assert new_id is not None
        found = self.get(new_id)
        assert found is not None
        return found

    def get(self, proposal_id: int) -> Proposal | None:
        if not 0 < proposal_id <= _MAX_ROWID:
            return None  # SQLite's ids are 64-bit: a larger one names nothing
        rows = self.db.rows("SELECT * FROM proposal WHERE id = ?", (proposal_id,))
        return self._from_row(rows[0]) if rows else None

    def list(
        self, state: ProposalState | None = None, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[Proposal], int]:
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        total = self.db.rows(f"SELECT count(*) AS n FROM proposal {where}", params)[0]["n"]
        rows = self.db.rows(
            f"SELECT * FROM proposal {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [self._from_row(r) for r in rows], int(total)

    def open_count(self) -> int:
        return int(self.db.rows("SELECT count(*) AS n FROM proposal WHERE state='open'")[0]["n"])

    def claim(self, proposal_id: int, reviewer: str) -> bool:
        """Take an open proposal for approval, so that two reviewers approving at once
        apply it once (False: it is not open)."""
        with self.db.transaction() as db:
            done = db.execute(
                "UPDATE proposal SET state = 'approving', reviewer = ? "
                "WHERE id = ? AND state = 'open'",
                (reviewer, proposal_id),
            ).rowcount
        return done == 1

    def release(self, proposal_id: int) -> None:
        """Back to open: the approval did not apply (it no longer validates, or failed)."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE proposal SET state = 'open', reviewer = NULL "
                "WHERE id = ? AND state = 'approving'",
                (proposal_id,),
            )

    def decide(
        self,
        proposal_id: int,
        *,
        state: ProposalState,
        reviewer: str,
        comment: str | None,
        change: int | None = None,
        was: ProposalState = "open",
    ) -> bool:
        """Record the decision, if the proposal is still ``was`` (False: someone else
        decided first, or it does not exist)."""
        with self.db.transaction() as db:
            done = db.execute(
                "UPDATE proposal SET state = ?, reviewer = ?, comment = ?, decided = ?, "
                "change = ? WHERE id = ? AND state = ?",
                (state, reviewer, comment, _now(), change, proposal_id, was),
            ).rowcount
        return done == 1

    def recover(self, applied: Callable[[int], int | None]) -> None:
        """After a crash during an approval: ``approving`` proposals whose change is in
        the log (``applied(id)`` gives its number) are approved, the others open again."""
        for row in self.db.rows("SELECT id, reviewer FROM proposal WHERE state='approving'"):
            change = applied(int(row["id"]))
            if change is None:
                self.release(int(row["id"]))
            else:
                self.decide(
                    int(row["id"]),
                    state="approved",
                    reviewer=row["reviewer"],
                    comment=None,
                    change=change,
                    was="approving",
                )

    @staticmethod
    def _from_row(row: Any) -> Proposal:
        payload = json.loads(row["payload"])
        return Proposal(
            id=int(row["id"]),
            kind=row["kind"],
            author=row["author"],
            created=row["created"],
            message=row["message"],
            payload=payload,
            removed=_quads(row["removed"]),
            added=_quads(row["added"]),
            resources=json.loads(row["resources"]),
            state=row["state"],
            reviewer=row["reviewer"],
            comment=row["comment"],
            decided=row["decided"],
            change=row["change"],
            created_nodes=list(payload.get("created_nodes", [])),
        )


_NUMBERED = re.compile(r"^(.*-)(\d+)$")


def rebase_delta(
    store: Store, proposal: Proposal, derived: Callable[[Quad], bool] = lambda q: False
) -> tuple[list[Quad], list[Quad]]:
    """The proposal's (remove, add) against the data as it is now: ``ProposalConflict``
    if a triple it removes is gone (``derived`` triples, which the write path recomputes,
    excepted); taken IRIs of the nodes it creates moved to the next free number."""
    missing = [q for q in proposal.removed if not derived(q) and not store.quads(*q)]
    if missing:
        raise ProposalConflict(missing)
    renamed: dict[URIRef, URIRef] = {}
    for iri in proposal.created_nodes:
        node = URIRef(iri)
        if not store.quads(node):
            continue
        match = _NUMBERED.match(iri)
        if match is None:
            raise ProposalConflict([])
        n = int(match.group(2))
        fresh = node
        while store.quads(fresh) or fresh in renamed.values():
            n += 1
            fresh = URIRef(f"{match.group(1)}{n}")
        renamed[node] = fresh

    def move(q: Quad) -> Quad:
        s, p, o, g = q
        return (
            renamed.get(s, s) if isinstance(s, URIRef) else s,
            p,
            renamed.get(o, o) if isinstance(o, URIRef) else o,
            g,
        )

    # Derived triples stay in the change (the write path drops a removal of what is gone,
    # and recomputes what derives from the result).
    return list(proposal.removed), [move(q) for q in proposal.added]
