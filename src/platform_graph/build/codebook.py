"""The codebook's cue table (``data/codebook/cues.yaml``), read once for every program.

The table is the one machine-readable copy of the strength rules (docs/codebook.md,
section 4): ``platform-graph check``, the tests and the extractor read it from here, and
nothing else holds a second copy. :meth:`CueTable.derive` gives the strength a
commitment's recorded cue signals by the table's rules: longest match, weakest link,
hedges and evaluations only alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platform_graph.errors import CurationError

__all__ = ["COMMITTING", "NOT_ALONE", "SIGNALS", "Cue", "CueTable", "load_cue_table", "normal"]

COMMITTING = ("binding", "intent", "process", "aspirational")
# Signals that make a statement context when no commitment cue governs it.
NOT_ALONE = ("hedge", "evaluation")
SIGNALS = frozenset({*COMMITTING, *NOT_ALONE, "condition", "none"})


@dataclass(frozen=True, slots=True)
class Cue:
    """One row of the cue table."""

    id: str
    signals: str
    pattern: re.Pattern[str]
    forms: tuple[str, ...]
    in_text: bool
    example: Mapping[str, Any] | None
    title_marker: Mapping[str, re.Pattern[str]]
    raw: Mapping[str, Any]


def normal(text: str) -> str:
    """A cue or a sentence as the patterns read it: fragments' dots dropped, whitespace
    collapsed, lower case."""
    return " ".join(text.replace("...", " ").split()).lower()


@dataclass(frozen=True, slots=True)
class CueTable:
    """The cues, the strength scale's order and the rules that combine cues."""

    order: tuple[str, ...]
    cues: tuple[Cue, ...]
    rules: Mapping[str, str]
    title_max_length: int

    def matches(self, text: str) -> list[Cue]:
        """The cues in ``text``; where two matches overlap, the longer one wins."""
        t = normal(text)
        found = [(m.start(), m.end(), c) for c in self.cues for m in c.pattern.finditer(t)]
        return [
            c
            for s, e, c in found
            if not any(
                s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, c2 in found if c2 is not c
            )
        ]

    def signals(self, text: str) -> list[str]:
        return [c.signals for c in self.matches(text)]

    def derive(self, cue_text: str) -> str | None:
        """The strength the table gives for a commitment's cue; ``"context"`` when only a
        hedge or an evaluation is there; None when no cue of the table is."""
        signals = self.signals(cue_text)
        committing = [s for s in signals if s in self.order]
        if committing:
            return max(committing, key=self.order.index)
        if any(s in NOT_ALONE for s in signals):
            return "context"
        return None

    def title_strength(self, title: str, lang: str = "sv") -> str | None:
        """How firmly a title words its commitment, by the same weakest-link rule: its
        cues, and the markers that stand for aspirational cues ("Mål:", "Positiv syn på").

        A binding lead-in in a title names the act rather than asserting it ("Ge bolagen i
        uppdrag att ...", "Uppdrag till förvaltningen att ..."), so it does not count.
        """
        signals = [
            c.signals
            for c in self.matches(title)
            if c.signals in self.order and not (c.raw.get("lead_in") and c.signals == "binding")
        ]
        signals += [
            c.signals
            for c in self.cues
            if lang in c.title_marker and c.title_marker[lang].search(title)
        ]
        committing = [s for s in signals if s in self.order]
        return max(committing, key=self.order.index) if committing else None

    def by_id(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)


def _cue(raw: Mapping[str, Any], where: str) -> Cue:
    try:
        signals = str(raw["signals"])
        if signals not in SIGNALS:
            raise CurationError(f"{where}: signals must be one of {sorted(SIGNALS)}")
        markers = raw.get("title_marker") or {}
        return Cue(
            id=str(raw["id"]),
            signals=signals,
            pattern=re.compile(str(raw["pattern"]), re.IGNORECASE),
            forms=tuple(str(f) for f in raw["forms"]),
            in_text=bool(raw["in_text"]),
            example=raw.get("example"),
            title_marker={
                lang: re.compile(str(p), re.IGNORECASE) for lang, p in dict(markers).items()
            },
            raw=raw,
        )
    except KeyError as exc:
        raise CurationError(f"{where}: a cue needs {exc.args[0]!r}") from exc
    except re.error as exc:
        raise CurationError(f"{where}: pattern: {exc}") from exc


def load_cue_table(path: Path) -> CueTable:
    """Read the cue table; a malformed one is a :class:`CurationError` naming the cue."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(f"{path}: {exc}") from exc
    if not isinstance(doc, Mapping) or "cues" not in doc or "order" not in doc:
        raise CurationError(f"{path}: expected a mapping with 'order', 'rules' and 'cues'")
    order = tuple(str(s) for s in doc["order"])
    if order != COMMITTING:
        raise CurationError(f"{path}: order must be {list(COMMITTING)}")
    rows: Sequence[Mapping[str, Any]] = doc["cues"]
    cues = tuple(_cue(r, f"{path.name}: cue {r.get('id', i + 1)}") for i, r in enumerate(rows))
    ids = [c.id for c in cues]
    if len(ids) != len(set(ids)):
        raise CurationError(f"{path}: cue ids must be unique")
    return CueTable(
        order=order,
        cues=cues,
        rules={str(k): str(v) for k, v in (doc.get("rules") or {}).items()},
        title_max_length=int(doc.get("title_max_length", 80)),
    )
