"""Deciding on a proposal: approve (validated again, then applied as a change in the
proposer's name, with the reviewer recorded) or reject, with a comment. Never one's own."""

from __future__ import annotations

from platform_graph.store import Quad
from platform_graph.vocab.namespaces import ID, PG
from platform_graph.write.proposals import Proposal, Proposals, rebase_delta
from platform_graph.write.tokens import Principal
from platform_graph.write.writer import Outcome, Review, Writer

__all__ = ["NotOpen", "OwnProposal", "approve", "is_derived", "reject"]


class NotOpen(Exception):
    """The proposal was decided already (or withdrawn)."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(f"proposal {proposal.id} is {proposal.state} already")
        self.proposal = proposal


class OwnProposal(Exception):
    """Four eyes: no one approves or rejects their own proposal."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(
            f"proposal {proposal.id} is {proposal.author}'s own: another editor or an "
            "administrator decides on it"
        )
        self.proposal = proposal


_COMMITMENT = str(ID["commitment/"])


def is_derived(quad: Quad) -> bool:
    """A triple the write path keeps up to date itself (a commitment's status follows its
    latest assessment): not part of what a proposal has to find unchanged."""
    s, p, _, _ = quad
    return p == PG.status and str(s).startswith(_COMMITMENT)


def _open_for(proposals: Proposals, proposal_id: int, reviewer: Principal) -> Proposal:
    proposal = proposals.get(proposal_id)
    if proposal is None:
        raise LookupError(f"no proposal {proposal_id}")
    if proposal.state != "open":
        raise NotOpen(proposal)
    if proposal.author == reviewer.name:
        raise OwnProposal(proposal)
    return proposal


def approve(
    writer: Writer,
    proposals: Proposals,
    proposal_id: int,
    reviewer: Principal,
    comment: str | None,
) -> Outcome:
    """Apply the proposal as a change (validated against the data as it is now). The
    proposal is marked approved only if the change was applied; a change that no longer
    validates leaves it open, with the report, for the reviewer to reject."""
    proposal = _open_for(proposals, proposal_id, reviewer)
    if not proposals.claim(proposal_id, reviewer.name):
        fresh = proposals.get(proposal_id)
        raise NotOpen(fresh or proposal)
    try:
        outcome = writer.submit_with(
            lambda: rebase_delta(writer.store, proposal, is_derived),
            author=proposal.author,
            message=proposal.message,
            review=Review(reviewer.name, comment, proposal_id),
        )
    except BaseException:
        proposals.release(proposal_id)
        raise
    if outcome.status in ("applied", "unchanged"):
        seq = int(str(outcome.change).rsplit("/", 1)[-1]) if outcome.change else None
        proposals.decide(
            proposal_id,
            state="approved",
            reviewer=reviewer.name,
            comment=comment,
            change=seq,
            was="approving",
        )
    else:
        proposals.release(proposal_id)
    return outcome


def reject(
    proposals: Proposals, proposal_id: int, reviewer: Principal, comment: str | None
) -> Proposal:
    proposal = _open_for(proposals, proposal_id, reviewer)
    if not proposals.decide(proposal_id, state="rejected", reviewer=reviewer.name, comment=comment):
        fresh = proposals.get(proposal_id)
        raise NotOpen(fresh or proposal)
    found = proposals.get(proposal_id)
    assert found is not None
    return found
