"""The codebook's cue table (``data/codebook/cues.yaml``), read, never copied.

The extractor finds cues in a unit with the table's patterns and combines them with its
rules: the longest match wins, a hedge or an evaluation decides only alone, a cue after a
non-governing marker does not govern, and the weakest commitment cue in the chain gives
the strength.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platform_graph.errors import CurationError

__all__ = ["COMMITTING", "Cue", "CueMatch", "CueTable", "load_cue_table"]

COMMITTING = ("binding", "intent", "process", "aspirational")


@dataclass(frozen=True, slots=True)
class Cue:
    id: str
    signals: str
    pattern: re.Pattern[str]
    lead_in: bool
    kind: str | None
    change: str | None

    @property
    def committing(self) -> bool:
        return self.signals in COMMITTING


@dataclass(frozen=True, slots=True)
class CueMatch:
    """A cue found in a unit's normalised text: [start, end) of that text."""

    cue: Cue
    start: int
    end: int
    governing: bool = True


@dataclass(frozen=True, slots=True)
class CueTable:
    order: tuple[str, ...]
    cues: tuple[Cue, ...]
    non_governing: re.Pattern[str]

    def weakest(self, signals: list[str]) -> str:
        return max(signals, key=self.order.index)

    def find(self, text: str) -> list[CueMatch]:
        """Every cue in ``text`` (lower case, single spaces), longest match first where
        two overlap; each marked governing unless it stands in a non-governing clause."""
        found = [
            CueMatch(c, m.start(), m.end()) for c in self.cues for m in c.pattern.finditer(text)
        ]
        kept = [
            f
            for f in found
            if not any(
                g is not f
                and g.start <= f.start
                and f.end <= g.end
                and (g.end - g.start) > (f.end - f.start)
                for g in found
            )
        ]
        # Two cues on the same words (e.g. "kommer" twice): keep one.
        unique: dict[tuple[int, int], CueMatch] = {}
        for f in sorted(kept, key=lambda f: (f.start, -f.end)):
            unique.setdefault((f.start, f.end), f)
        ordered = sorted(unique.values(), key=lambda f: f.start)
        scopes = _non_governing_scopes(text, self.non_governing, ordered)
        if text.startswith(("för att ", "så att ", "med syfte att ")) and scopes:
            # A leading purpose clause: the first modal after its first words is the
            # main clause's verb (Swedish puts it second, right after the clause).
            first = next((f for f in ordered if f.start > 12 and f.cue.committing), None)
            if first is not None:
                scopes[0] = (scopes[0][0], min(scopes[0][1], first.start))
        return [
            CueMatch(f.cue, f.start, f.end, not any(s <= f.start < e for s, e in scopes))
            for f in ordered
        ]


_CLAUSE_END = re.compile(r"[,;:]|\s[–-]\s|\boch\s+(?=är|ska|vill|kommer)\b")


_RELATIVE = frozenset({"som", "där"})
_COALITION_SUBJECT = re.compile(r"\s*(?:vi|kommunledningen)\b")


def _non_governing_scopes(
    text: str, markers: re.Pattern[str], found: list[CueMatch]
) -> list[tuple[int, int]]:
    """The spans that follow a non-governing marker, up to the end of its clause.

    A relative clause ("som", "där") holds its own verb within its first words ("insatser
    som är nödvändiga", "där det behövs"): its scope is those three words, so that the
    main clause's modal after it ("Personal som jobbar inom vård och omsorg ska ...")
    governs; a relative clause whose subject is the coalition ("åtgärder som
    kommunledningen vill utreda") is the coalition's own commitment. A leading purpose
    clause ("För att klara rekryteringen framöver vill kommunledningen ...") ends where
    the main clause's verb stands, the first cue after it; a verb ending the sentence
    ("... för att locka fler medarbetare till vårdyrken behövs") is the main clause's.
    """
    scopes: list[tuple[int, int]] = []
    tail = len(text.rstrip(" .!?"))
    for m in markers.finditer(text):
        word = m.group()
        if word in _RELATIVE:
            if _COALITION_SUBJECT.match(text, m.end()):
                continue
            words = list(re.finditer(r"\S+", text[m.end() :]))[:3]
            end = m.end() + (words[-1].end() if words else 0)
            clause = _CLAUSE_END.search(text, m.end())
            if clause is not None:
                end = min(end, clause.start())
            own = next((f for f in found if f.start >= m.end()), None)
            if own is not None:
                end = min(end, own.end)  # the relative clause's own verb ends it
            scopes.append((m.end(), end))
            continue
        clause = _CLAUSE_END.search(text, m.end())
        end = clause.start() if clause else len(text)
        main = next(
            (
                f
                for f in found
                if f.start > m.end()
                and f.cue.id in ("ska", "maste", "bor")
                and re.match(r"\s+(?:\w+\s+)?\w+s\b", text[f.end :])
                and not any(g.start < m.start() and g.cue.committing for g in found)
            ),
            None,
        )
        if main is not None:
            # "Insatser för att främja jämställdhet ska prioriteras": the purpose phrase
            # belongs to the subject; the modal with its passive is the main clause's.
            end = min(end, main.start)
        last = re.search(r"\S+$", text[:tail])
        if last is not None and last.start() >= m.end() and end >= last.start():
            end = last.start()  # the sentence's last word is the main clause's verb
        scopes.append((m.end(), end))
    return scopes


def load_cue_table(path: Path) -> CueTable:
    try:
        doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        cues = tuple(
            Cue(
                id=str(c["id"]),
                signals=str(c["signals"]),
                pattern=re.compile(str(c["pattern"]), re.IGNORECASE),
                lead_in=bool(c.get("lead_in", False)),
                kind=c.get("kind"),
                change=c.get("change"),
            )
            for c in doc["cues"]
        )
        markers = [str(m) for m in doc.get("non_governing_after", [])]
        order = tuple(str(s) for s in doc["order"])
    except (OSError, KeyError, TypeError, re.error, yaml.YAMLError) as exc:
        raise CurationError(f"{path}: the cue table cannot be read: {exc}") from exc
    alternatives = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    pattern = re.compile(rf"\b(?:{alternatives})\b" if markers else r"(?!x)x")
    return CueTable(order, cues, pattern)
