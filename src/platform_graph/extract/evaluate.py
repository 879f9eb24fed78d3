"""How well the extractor does against a curated coding (``make eval-extract``).

Gold statements are aligned with the extracted units by their spans: a unit's gold label
is commitment when a curated commitment lies in it, context when only context statements
do (headings are not statements and are not scored). Commitment recall and precision
count units; strength is scored on the units both call commitments (strict: the unit's
strength is that of its first curated commitment; lenient: that of any of them); actor
and area links compare each unit's set of ids with the union of its statements' (their
own, not inherited); theme accuracy compares the first theme. Nothing here is learned:
the extractor's rules are the cue table, the registries and the theme words, so there is
nothing to cross-validate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from platform_graph.build.curation import Statement
from platform_graph.extract.coding import Extraction, Unit

__all__ = ["Score", "score"]


@dataclass(slots=True)
class Score:
    name: str
    units: int = 0
    gold_commitments: int = 0
    predicted_commitments: int = 0
    true_commitments: int = 0
    strength_strict: int = 0
    strength_lenient: int = 0
    actors: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    theme_right: int = 0
    theme_scored: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    unknown: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def resolve(self, kind: str, item: dict[str, Any]) -> str | None:
        if item.get("id"):
            return str(item["id"])
        mention = item.get("mention")
        if not mention:
            return None
        folded = _fold(mention)
        # In a fixed order, a record named exactly before one whose name merely begins
        # alike ("kommun" is Exempelby kommun, not "kommunens förvaltningar"): the
        # figures must not depend on the order of a set.
        records = sorted(self.unknown.get(kind, {}).items())
        for slug, forms in records:
            if folded in forms:
                return slug
        for slug, forms in records:
            if any(folded.startswith(f) or f.startswith(folded) for f in forms if len(f) > 4):
                return slug
        return None

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return None if b == 0 else a / b

    def figures(self) -> dict[str, Any]:
        r = self._ratio
        return {
            "units scored": self.units,
            "commitment recall": r(self.true_commitments, self.gold_commitments),
            "commitment precision": r(self.true_commitments, self.predicted_commitments),
            "strength accuracy (lenient)": r(self.strength_lenient, self.true_commitments),
            "strength accuracy (strict)": r(self.strength_strict, self.true_commitments),
            "actor link precision": r(self.actors["tp"], self.actors["tp"] + self.actors["fp"]),
            "actor link recall": r(self.actors["tp"], self.actors["tp"] + self.actors["fn"]),
            "area link precision": r(self.areas["tp"], self.areas["tp"] + self.areas["fp"]),
            "area link recall": r(self.areas["tp"], self.areas["tp"] + self.areas["fn"]),
            "theme accuracy (first theme)": r(self.theme_right, self.theme_scored),
        }

    def error(self, kind: str, text: str) -> None:
        self.errors.setdefault(kind, []).append(text)


def _short(text: str, n: int = 110) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _actors_of(st: Statement) -> set[str]:
    return {a for slugs in st.actors.values() for a in slugs}


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def score(
    name: str,
    extraction: Extraction,
    gold: list[Statement],
    unknown: dict[str, dict[str, set[str]]] | None = None,
) -> Score:
    """``unknown``: for records the extractor was not given (a development text's own
    actors and areas), their folded names by kind ("actor", "area"): a proposal whose
    surface form is one of them counts as finding that record."""
    out = Score(name)
    out.unknown = unknown or {}
    for unit in extraction.units:
        if unit.label == "heading":
            continue
        inside = [st for st in gold if st.start < unit.end and unit.start < st.end]
        if not inside:
            continue
        out.units += 1
        _score_unit(out, unit, inside)
    return out


def _score_unit(out: Score, unit: Unit, inside: list[Statement]) -> None:
    gold_commitments = [st for st in inside if st.commitment]
    is_gold = bool(gold_commitments)
    is_pred = unit.label == "commitment"
    out.gold_commitments += is_gold
    out.predicted_commitments += is_pred
    if is_gold and is_pred:
        out.true_commitments += 1
        strengths = [st.strength for st in gold_commitments]
        out.strength_lenient += unit.strength in strengths
        out.strength_strict += unit.strength == strengths[0]
        if unit.strength not in strengths:
            out.confusion[(str(strengths[0]), str(unit.strength))] += 1
            out.error(
                f"strength: {unit.strength} for {strengths[0]}",
                f"{_short(unit.text)} (cue {unit.cue!r})",
            )
    elif is_gold:
        out.error("missed commitment", f"{_short(unit.text)} ({unit.rules.get('label', '')})")
    elif is_pred:
        out.error("context taken for a commitment", f"{_short(unit.text)} (cue {unit.cue!r})")
    gold_actors = set().union(*(_actors_of(st) for st in inside))
    pred_actors = {r for a in unit.actors if (r := out.resolve("actor", a))}
    _links(out.actors, out, "actor", gold_actors, pred_actors, unit)
    gold_areas = set().union(*(set(st.areas) for st in inside))
    pred_areas = {r for a in unit.areas if (r := out.resolve("area", a))}
    # A place proposed as an organisation ("Äldreboendet Solgården") is still found.
    pred_areas |= {r for a in unit.actors if not a["id"] and (r := out.resolve("area", a))}
    _links(out.areas, out, "area", gold_areas, pred_areas, unit)
    first = inside[0].themes[0] if inside[0].themes else None
    if first is not None:
        out.theme_scored += 1
        out.theme_right += bool(unit.themes) and unit.themes[0] == first
        if not unit.themes or unit.themes[0] != first:
            out.error(
                "first theme",
                f"{unit.themes[0] if unit.themes else None} for {first}: {_short(unit.text, 70)}",
            )


def _links(
    counter: Counter[str], out: Score, kind: str, gold: set[str], pred: set[str], unit: Unit
) -> None:
    counter["tp"] += len(gold & pred)
    counter["fp"] += len(pred - gold)
    counter["fn"] += len(gold - pred)
    for slug in sorted(gold - pred):
        out.error(f"{kind} missed", f"{slug}: {_short(unit.text, 70)}")
    for slug in sorted(pred - gold):
        out.error(f"{kind} not in the coding", f"{slug}: {_short(unit.text, 70)}")
