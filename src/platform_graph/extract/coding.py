"""Coding each unit with the codebook's rules: label, strength and cue, kind, change,
testability, deadline, period, amount, actors, areas, themes, and a confidence, with
the rule or cue behind each field (``rules``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from platform_graph.build.layout import RawUnit, Skipped, cut, normalise
from platform_graph.extract.context import ExtractionContext
from platform_graph.extract.cue_table import CueMatch
from platform_graph.extract.lexicon import Lexicon, Mention
from platform_graph.extract.quantities import amount_sek, deadline, period

__all__ = ["Extraction", "Unit", "extract"]

# A group of people as the subject of "behöver": their own need, not an act (codebook 3).
_GROUP_SUBJECT = re.compile(
    r"\b(?:barn|elever|äldre|människor|unga|ungdomar|alla|invånare|föräldrar|familjer|"
    r"kvinnor|män|flickor|pojkar|patienter|brukare|medarbetare|anställda|företag|"
    r"företagare|individer|personer|vi alla)\b"
)
_STATE_VERBS = re.compile(
    r"\b(?:ska|måste|kommer att|bör)\s+(?:inte\s+|fortsatt\s+|alltid\s+)?"
    r"(?:vara|bli|öka|minska|ha|finnas|råda|känna|kunna|gälla|sjunka|stiga|nå|klara)\b"
)
_TESTABLE_WORDS = re.compile(
    r"\d|%|\b(?:fler|färre|öka[rs]?|minska[rs]?|halvera\w*|fördubbla\w*|sänk\w*|höj\w*|"
    r"kortare|snabbare|lägre|högre|minst|alla|ingen|inga|inte|nolltolerans|kvar|"
    r"\w*plan(?:en)?|\w*program(?:met)?|strategi\w*|utredning\w*|utreda|översyn|"
    r"utvärder\w*|\w*analys|team\w*|\w*center|\w*centrum|kommission\w*|\w*krav(?:et)?|"
    r"regel|regler|förbud\w*|kamer\w*|reform\w*|uppdrag\w*|\w*paket(?:et)?|avtal\w*|"
    r"inrätta\w*|införa?s?|inför|bygg\w*|anställ\w*|öppna\w*|starta\w*|avskaffa\w*|"
    r"\w*lokal(?:er)?|dialog\w*|satsa\w*|ersätt\w*|tillsätt\w*)\b"
)
_GENERAL_ONLY = re.compile(
    r"\b(?:stärkas|stärka|utvecklas|utveckla|förbättras|förbättra|främjas|främja|"
    r"prioriteras|prioritera|värnas|värna|bli bättre|arbeta för|verka för)\b"
)
_STRONG = frozenset({"ska", "maste", "overens", "lovar", "vill", "vi-vill-lista", "uppdrag"})


@dataclass(slots=True)
class Unit:
    index: int
    start: int
    end: int
    text: str
    label: str
    strength: str | None = None
    cue: str | None = None
    kind: str | None = None
    change: str | None = None
    testable: bool | None = None
    deadline: str | None = None
    period: str | None = None
    amount_sek: int | None = None
    actors: list[dict[str, Any]] = field(default_factory=list)
    areas: list[dict[str, Any]] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    confidence: float = 0.0
    rules: dict[str, str] = field(default_factory=dict)
    section: int | None = None
    lead_in: int | None = None
    is_lead_in: bool = False
    layout: str = "sentence"
    # Not in the JSON: what later units (a lead-in's items) need.
    chain: list[CueMatch] = field(default_factory=list, repr=False)
    cue_words: list[str] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "layout": self.layout,
            "section": self.section,
            "lead_in": self.lead_in,
            "strength": self.strength,
            "cue": self.cue,
            "kind": self.kind,
            "change": self.change,
            "testable": self.testable,
            "deadline": self.deadline,
            "period": self.period,
            "amount_sek": self.amount_sek,
            "actors": self.actors,
            "areas": self.areas,
            "themes": self.themes,
            "confidence": round(self.confidence, 2),
            "rules": self.rules,
        }


@dataclass(slots=True)
class Extraction:
    source: str
    units: list[Unit]
    skipped: list[Skipped]
    municipality: str | None
    term: tuple[int, int] | None

    def proposals(self) -> dict[str, list[dict[str, Any]]]:
        """The unknown actors and areas, each once, with the units that name them."""
        out: dict[str, dict[str, dict[str, Any]]] = {"actors": {}, "areas": {}}
        for u in self.units:
            for kind, items in (("actors", u.actors), ("areas", u.areas)):
                for m in items:
                    if m["id"] is None and m.get("mention"):
                        key = _fold(m["mention"])
                        entry = out[kind].setdefault(
                            key, {"mention": m["mention"], "type": m.get("type"), "units": []}
                        )
                        entry["units"].append(u.index)
        return {k: list(v.values()) for k, v in out.items()}

    def as_json(self) -> dict[str, Any]:
        return {
            "units": [u.as_json() for u in self.units],
            "skipped": [{"start": s.start, "end": s.end, "reason": s.reason} for s in self.skipped],
            "proposed": self.proposals(),
            "municipality": self.municipality,
            "term": None if self.term is None else {"start": self.term[0], "end": self.term[1]},
        }


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def _detect_term(text: str) -> tuple[int, int] | None:
    head = text[:400]
    m = re.search(r"\b(20\d\d)\s*[–—-]\s*(20\d\d)\b", head)
    if m and int(m.group(2)) - int(m.group(1)) in (3, 4, 5):
        return int(m.group(1)), int(m.group(2))
    return None


def _section_theme(ctx: ExtractionContext, heading: str) -> str | None:
    words = re.findall(r"[\wåäö]+", heading.lower())
    best: tuple[int, int, str] | None = None
    for rank, (theme, stems) in enumerate(ctx.section_words.items()):
        label = ctx.themes.get(theme, "").lower()
        score = 3 if label and label == heading.lower().strip() else 0
        for stem in stems:
            inner = stem.startswith("-")
            s = stem.lstrip("-")
            if " " in s:
                score += 2 if s in heading.lower() else 0
                continue
            # An earlier word of the heading weighs more: "Landsbygd och näringsliv".
            score += sum(
                (2 if w.startswith(s) else 1 if inner and s in w else 0) * (len(words) + 1 - i)
                for i, w in enumerate(words)
            )
        if score and (best is None or (score, -rank) > (best[0], best[1])):
            best = (score, -rank, theme)
    return best[2] if best else None


def _crosscutting(ctx: ExtractionContext, low: str, first: str | None) -> list[str]:
    words = re.findall(r"[\wåäö-]+", low)
    found: list[str] = []
    for theme, stems in ctx.crosscutting_words.items():
        if theme == first:
            continue
        for stem in stems:
            if (" " in stem and stem in low) or any(w.startswith(stem) for w in words):
                found.append(theme)
                break
    return found


class _Coder:
    def __init__(self, ctx: ExtractionContext, text: str) -> None:
        self.ctx = ctx
        self.text = text
        self.lexicon = Lexicon(ctx)
        self.term = ctx.term or _detect_term(text)

    def code(self, raw: RawUnit, index: int, units: list[Unit]) -> Unit:
        norm, offs = normalise(self.text, raw.start, raw.end)
        low = norm.lower()
        unit = Unit(
            index,
            raw.start,
            raw.end,
            self.text[raw.start : raw.end],
            "heading" if raw.kind == "heading" else "context",
            section=raw.section,
            lead_in=raw.lead_in,
            is_lead_in=raw.is_lead_in,
            layout=raw.kind,
        )
        section_theme = self._theme_of_section(raw, units, low)
        if raw.kind == "heading":
            unit.themes = [section_theme] if section_theme else []
            unit.confidence = 0.9
            unit.rules["label"] = "a short line of its own, without a final stop"
            return unit
        found = _conditions(self.ctx.cues.find(low), low)
        governing = [m for m in found if m.governing]
        commit = [m for m in governing if m.cue.committing]
        lead = units[raw.lead_in] if raw.lead_in is not None else None
        lead_chain = [m for m in lead.chain if m.cue.committing] if lead is not None else []
        rules: dict[str, str] = {}
        commit = self._group_need(commit, low, rules)
        commit = _plans_made(commit, low)
        if (
            commit
            and all(m.cue.id == "overens" for m in commit)
            and any(m.cue.signals == "evaluation" for m in found)
        ):
            # The agreement formula over a value, not an act: context (codebook, 3).
            commit = []
            rules["label"] = "the agreement formula over a value, not an act: context"
        if norm.rstrip().endswith("?"):
            commit, lead_chain = [], []
            rules["label"] = "a question commits to nothing"
        chain = lead_chain + commit
        unit.chain = chain
        if raw.is_lead_in and commit and _nothing_after(low, commit[-1]):
            # "Vi vill:", "Om vi får förtroendet lovar vi att:": the cue governs the items
            # under it; the lead-in itself promises nothing.
            unit.cue_words = [norm[m.start : m.end] for m in commit]
            unit.cue = " ... ".join(unit.cue_words)
            rules["label"] = "a lead-in: its cue governs the list items under it"
            chain = []
        if chain:
            unit.label = "commitment"
            signals = [m.cue.signals for m in chain]
            unit.strength = self.ctx.cues.weakest(signals)
            fragments = [norm[m.start : m.end] for m in commit]
            if lead is not None and lead_chain:
                fragments = [*lead.cue_words, *fragments]
            unit.cue_words = fragments
            unit.cue = " ... ".join(fragments)
            weakest = next(m for m in chain if m.cue.signals == unit.strength)
            rules.setdefault(
                "label",
                "governed by the lead-in's cue" if not commit else "a governing commitment cue",
            )
            rules["strength"] = (
                f"weakest link of {', '.join(m.cue.id for m in chain)}: {weakest.cue.id}"
            )
            self._kind_change_testable(unit, chain, found, low, rules)
        else:
            hedges = [m for m in governing if m.cue.signals in ("hedge", "evaluation")]
            dropped = [m for m in found if m.cue.committing and not m.governing]
            if hedges:
                rules.setdefault(
                    "label", f"{hedges[0].cue.signals} alone ({hedges[0].cue.id}): context"
                )
            elif dropped:
                rules.setdefault("label", "its commitment cues stand in a non-governing clause")
            else:
                rules.setdefault("label", "no commitment cue")
        unit.deadline, why = deadline(low, self.term)
        if why:
            rules["deadline"] = why
        unit.period = period(low)
        unit.amount_sek = amount_sek(low)
        if unit.label != "commitment":
            unit.deadline = unit.period = None
            unit.amount_sek = None
        cue_at = min((m.start for m in commit), default=None)
        self._links(unit, norm, offs, cue_at, lead, rules, tuple((m.start, m.end) for m in commit))
        first = section_theme
        unit.themes = ([first] if first else []) + _crosscutting(self.ctx, low, first)
        unit.rules = rules
        unit.confidence = self._confidence(unit, chain, found, norm)
        return unit

    def _theme_of_section(self, raw: RawUnit, units: list[Unit], low: str) -> str | None:
        if raw.kind == "heading":
            return _section_theme(self.ctx, self.text[raw.start : raw.end])
        if raw.section is not None and units[raw.section].themes:
            return units[raw.section].themes[0]
        return _section_theme(self.ctx, low)

    def _group_need(
        self, commit: list[CueMatch], low: str, rules: dict[str, str]
    ) -> list[CueMatch]:
        if not commit or any(m.cue.id != "behover" for m in commit):
            return commit
        m = commit[0]
        after = [w.strip(".,;:!?") for w in low[m.end :].split()[:1]]
        verbish = bool(after) and (
            after[0].endswith("s") or after[0] in ("få", "göra", "ta", "se", "bli", "fortsätta")
        )
        subject = " ".join(low[: m.start].split()[:3])
        if _GROUP_SUBJECT.search(subject) and not verbish:
            rules["label"] = "a group's own need, no act: context (codebook, section 3)"
            return []
        return commit

    def _kind_change_testable(
        self,
        unit: Unit,
        chain: list[CueMatch],
        found: list[CueMatch],
        low: str,
        rules: dict[str, str],
    ) -> None:
        ids = {m.cue.id for m in chain}
        if unit.strength == "process" or any(m.cue.kind == "process" for m in chain):
            unit.kind, rules["kind"] = "process", "a process cue"
        elif "malet" in ids or _STATE_VERBS.search(low):
            unit.kind, rules["kind"] = "outcome", "a goal or a state promised"
        else:
            unit.kind, rules["kind"] = "action", "an act promised"
        if any(m.cue.change == "status-quo" for m in found):
            unit.change, rules["change"] = "status-quo", "a continuity cue (fortsätta, kvar, värna)"
        else:
            unit.change = "change"
        marks = _TESTABLE_WORDS.findall(low)
        if marks:
            unit.testable = True
            rules["testable"] = f"names an act, product, number or state: {marks[0]!r}"
        else:
            unit.testable = False
            general = _GENERAL_ONLY.search(low)
            rules["testable"] = (
                f"only a general improvement ({general.group()!r})"
                if general
                else "no act, number or state to check"
            )

    def _links(
        self,
        unit: Unit,
        norm: str,
        offs: list[int],
        cue_at: int | None,
        lead: Unit | None,
        rules: dict[str, str],
        cue_spans: tuple[tuple[int, int], ...] = (),
    ) -> None:
        mentions = self.lexicon.find(norm, offs, self.text, cue_at)
        roles = self.lexicon.roles(mentions, norm, offs, cue_at, cue_spans)
        if cue_at is not None and _passive_after(norm.lower(), cue_at):
            # "Fler lärare ska anställas": the subject is acted on; the agent is unnamed.
            roles = {
                n: (
                    "affected" if r == "responsible" and mentions[n].id != self.ctx.coalition else r
                )
                for n, r in roles.items()
            }
        for n, m in enumerate(mentions):
            if m.kind == "area":
                unit.areas.append(_area_json(m))
            else:
                unit.actors.append(_actor_json(m, roles.get(n, "affected")))
        if unit.label != "commitment":
            return
        if not any(a["role"] == "responsible" for a in unit.actors):
            if lead is not None and any(a["role"] == "responsible" for a in lead.actors):
                for a in lead.actors:
                    if a["role"] == "responsible" and a["id"] is not None:
                        unit.actors.insert(0, {**_inherited(a), "rule": "the lead-in's agent"})
                rules["responsible"] = "the lead-in's agent"
            else:
                who = self.ctx.municipality_actor
                rules["responsible"] = "nobody named: the municipality (codebook, section 7)"
                unit.actors.insert(
                    0,
                    {
                        "mention": None,
                        "start": None,
                        "end": None,
                        "id": who,
                        "role": "responsible",
                        "type": None if who else "organisation",
                        "rule": rules["responsible"],
                    },
                )

    def _confidence(
        self, unit: Unit, chain: list[CueMatch], found: list[CueMatch], norm: str
    ) -> float:
        words = len(norm.split())
        if unit.label == "commitment":
            ids = {m.cue.id for m in chain}
            score = 0.92 if ids & _STRONG else 0.78
            if any(m.cue.signals in ("hedge", "evaluation") for m in found):
                score -= 0.1
            if unit.lead_in is not None and not any(m.governing for m in found if m.cue.committing):
                score -= 0.04
        else:
            score = 0.9 if not found else 0.82
            if any(m.cue.committing for m in found):
                score = 0.66  # a commitment cue was there but did not govern
        if words > 40:
            score -= 0.06
        return max(0.3, min(0.98, score))


def _nothing_after(low: str, last: CueMatch) -> bool:
    rest = re.sub(r"[^\wåäö ]", " ", low[last.end :]).split()
    return all(w in ("att", "vi", "följande", "detta", "här") for w in rest)


_MADE = re.compile(
    r"\b(?:tas? fram|arbetas? fram|utformas?|utforma|göras|göra|upprättas?|inrättas?|"
    r"genomföras?|genomförs|ges|läggs|beslutas|antas|tas)\b"
)


def _plans_made(commit: list[CueMatch], low: str) -> list[CueMatch]:
    """A plan, programme or strategy is what is promised only when it is to be made
    ("En plan ska tas fram", "ett nytt näringslivsprogram ska utformas"); one that is had
    or used ("Varje elev ska ha en plan") is the object of another act (codebook, 4)."""
    out: list[CueMatch] = []
    for m in commit:
        if m.cue.id == "plan":
            window = low[max(0, m.start - 40) : m.end + 40]
            if not _MADE.search(window):
                continue
        out.append(m)
    return out


_MAIN_MODALS = frozenset({"ska", "maste", "kommer-att", "vill", "lovar", "bor"})
_MID_CONDITION = re.compile(r", om\b|, när\b|, såvida\b")


def _conditions(found: list[CueMatch], low: str) -> list[CueMatch]:
    """A cue inside a condition does not govern (codebook, section 4, rule 6): "Om ... är
    nödvändig ska ..." is governed by "ska"; ", om det inte är ... nödvändiga" by nothing
    in it. A leading "Om" clause runs to the first modal of the main clause."""
    out = list(found)
    if low.startswith("om ") or low.startswith("om vi "):
        main = next((m for m in found if m.cue.id in _MAIN_MODALS and m.start > 3), None)
        if main is not None:
            out = [
                CueMatch(m.cue, m.start, m.end, False)
                if m.start < main.start and m.cue.committing and m.cue.id != "lovar"
                else m
                for m in out
            ]
    mid = _MID_CONDITION.search(low)
    if mid is not None:
        stop = low.find(",", mid.end())
        end = stop if stop >= 0 else len(low)
        out = [
            CueMatch(m.cue, m.start, m.end, False) if mid.end() <= m.start < end else m for m in out
        ]
    return out


def _passive_after(low: str, at: int) -> bool:
    """The committing verb is passive ("ska anställas", "tas fram"): its subject is what
    is acted on, not the agent."""
    words = re.findall(r"[\wåäö]+", low[at:])[:4]
    return any(w.endswith("s") and len(w) > 4 and w not in _NOT_PASSIVE for w in words[1:])


_NOT_PASSIVE = frozenset({"också", "bättre", "fortsatt", "dessutom", "minus", "status"})


def _actor_json(m: Mention, role: str) -> dict[str, Any]:
    return {
        "mention": m.mention,
        "start": m.start,
        "end": m.end,
        "id": m.id,
        "role": role,
        "type": m.type,
        "rule": m.rule,
    }


def _area_json(m: Mention) -> dict[str, Any]:
    return {
        "mention": m.mention,
        "start": m.start,
        "end": m.end,
        "id": m.id,
        "type": m.type,
        "rule": m.rule,
    }


def _inherited(a: dict[str, Any]) -> dict[str, Any]:
    return {**a, "mention": None, "start": None, "end": None, "role": "responsible"}


def extract(text: str, ctx: ExtractionContext) -> Extraction:
    """Cut ``text`` into units and code each."""
    layout = cut(text)
    coder = _Coder(ctx, text)
    units: list[Unit] = []
    for i, raw in enumerate(layout.units):
        units.append(coder.code(raw, i, units))
    return Extraction(text, units, layout.skipped, ctx.municipality_sv, coder.term)
