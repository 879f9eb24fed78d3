"""Continuity across terms: which commitments of a new platform carry on earlier ones.

A link is proposed, never made: a person confirms or rejects it (write.drafts). The score
weighs what pledge researchers look for when they follow a promise from one term to the
next: the same promise (the words of the two quotes, Swedish endings cut), the same
places and actors (the coalition and the municipality, named by every statement, do not
count), and the new text saying it carries on ("fortsätta", "fortsatt", "värna", "kvar").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["CommitmentText", "Link", "propose_links"]

THRESHOLD = 0.35
_STOP = frozenset(
    [
        "och",
        "att",
        "det",
        "som",
        "en",
        "ett",
        "är",
        "för",
        "på",
        "med",
        "av",
        "till",
        "den",
        "i",
        "inte",
        "ska",
        "vi",
        "vill",
        "har",
        "kan",
        "om",
        "de",
        "sig",
        "men",
        "från",
        "eller",
        "så",
        "också",
        "under",
        "alla",
        "fler",
        "kommunen",
        "kommunledningen",
        "även",
        "ska",
        "skall",
        "bör",
        "måste",
        "kommer",
        "detta",
        "dessa",
        "deras",
        "vår",
        "våra",
        "vårt",
        "mer",
        "mycket",
        "nya",
        "nytt",
        "ny",
    ]
)
_CONTINUE = re.compile(r"\b(?:fortsätt\w*|fortsatt\w*|fortgå\w*|värna\w*|kvar|behåll\w*)\b")


@dataclass(frozen=True, slots=True)
class CommitmentText:
    id: str
    platform: str
    quote: str
    title: str | None = None
    actors: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Link:
    commitment: str  # the later platform's
    continues: str  # the earlier platform's
    score: float
    reasons: tuple[str, ...]


def _stems(text: str) -> set[str]:
    folded = unicodedata.normalize("NFC", text.casefold())
    words = re.findall(r"[a-zåäöé]+", folded)
    # A crude stem: the first six letters ("utvecklas" and "utveckling" meet).
    return {w[:6] for w in words if w not in _STOP and len(w) > 2}


def _jaccard(a: set[str], b: set[str]) -> float:
    return 0.0 if not a or not b else len(a & b) / len(a | b)


def propose_links(
    later: Sequence[CommitmentText],
    earlier: Sequence[CommitmentText],
    *,
    ignore: Iterable[str] = (),
    per_commitment: int = 2,
) -> list[Link]:
    """The best candidates (at most ``per_commitment``) for each later commitment, above
    the threshold, best first."""
    skip = frozenset(ignore)
    stems = {c.id: _stems(f"{c.quote} {c.title or ''}") for c in [*later, *earlier]}
    out: list[Link] = []
    for new in later:
        scored: list[Link] = []
        carries_on = bool(_CONTINUE.search(new.quote.casefold()))
        for old in earlier:
            words = _jaccard(stems[new.id], stems[old.id])
            reasons = [f"the same words ({words:.2f})"] if words else []
            score = words
            places = (new.areas & old.areas) - skip
            if places:
                score += 0.15
                reasons.append("the same places: " + ", ".join(sorted(places)))
            actors = (new.actors & old.actors) - skip
            if actors:
                score += 0.1
                reasons.append("the same actors: " + ", ".join(sorted(actors)))
            if new.themes & old.themes:
                score += 0.05
            if carries_on and words > 0.1:
                score += 0.15
                reasons.append("the new text says it carries on")
            if score >= THRESHOLD:
                scored.append(Link(new.id, old.id, round(min(score, 1.0), 3), tuple(reasons)))
        scored.sort(key=lambda link: (-link.score, link.continues))
        out += scored[:per_commitment]
    return sorted(out, key=lambda link: (-link.score, link.commitment, link.continues))
