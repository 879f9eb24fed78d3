"""Actors and areas in a unit: the known ones linked by id, the unknown ones proposed.

A record of the registries (``actors.yaml``, ``areas.yaml``) is found by its Swedish name
and its ``alt`` forms, inflected as Swedish inflects the last word (definite, genitive,
plural: "polisen", "polisens", "regionen", "landsbygdens"), and, for an institution named
by a head noun and a proper name ("Region Örebro län"), by the head's definite form
("regionen"). "vi", "oss" and "kommunledningen" are the platform's coalition. A name the
registries do not hold is proposed with its surface form and a type: an organisation (a
proper name, or a word ending in -förvaltningen, -nämnden, -bolaget ...), a group of
people ("föräldrar", "pensionärer") or a place (a proper name after "i", "på", "vid" ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from platform_graph.build.curation import Actor, Area
from platform_graph.extract.context import ExtractionContext

__all__ = ["Lexicon", "Mention"]

_SUFFIXES = r"(?:s|en|ens|n|ns|et|ets|na|nas|arna|arnas|erna|ernas|orna|ornas|ar|er|or)?"
_COALITION_WORDS = re.compile(r"\b(?:vi|oss|kommunledning(?:en|ens)?)\b", re.IGNORECASE)
_HEADS = frozenset({"region", "kommun", "länsstyrelsen", "polismyndigheten"})
_PLACE_PREPOSITIONS = frozenset(
    {"i", "på", "vid", "till", "från", "utanför", "runt", "längs", "inom", "mellan", "kring"}
)
_PARTNER_BEFORE = re.compile(
    r"(?:tillsammans med|i dialog med|i samverkan med|i samarbete med|samverkan med|"
    r"samarbete med|dialog med|mellan|och)\s*$",
    re.IGNORECASE,
)
_ORG_SUFFIX = re.compile(
    r"\b[a-zåäö]+(?:förvaltning|nämnd|styrelse|bolag|myndighet|tjänst|central|verk|"
    r"kontor|enhet|förbund|förening|råd|inspektion|polis|bibliotek|organisation|tjänst)"
    r"(?:en|et|ens|ets|erna|arna)\b",
    re.IGNORECASE,
)
_PLACE_SUFFIX = re.compile(
    r"\b[A-ZÅÄÖ][a-zåäö]+(?:torget|parken|vägen|gatan|sjön|ån|området|stadsdelen|skogen|"
    r"berget|dalen|hamnen|stranden|backen)\b"
)
_GROUPS = frozenset(
    [
        "föräldrar",
        "pensionärer",
        "företagare",
        "invånare",
        "barn",
        "elever",
        "unga",
        "ungdomar",
        "kvinnor",
        "män",
        "flickor",
        "pojkar",
        "studenter",
        "anställda",
        "medarbetare",
        "nyanlända",
        "brottsoffer",
        "hyresgäster",
        "familjer",
        "patienter",
        "brukare",
        "vårdnadshavare",
        "turister",
        "besökare",
        "cyklister",
        "resenärer",
        "arbetslösa",
        "seniorer",
        "kommuninvånare",
        "skattebetalare",
        "lantbrukare",
        "bönder",
        "näringsidkare",
        "entreprenörer",
        "företag",
        "föreningar",
        "arbetsgivare",
        "ideella",
        "hushåll",
        "hushållen",
    ]
)
_PROPER = re.compile(r"\b[A-ZÅÄÖ][\wåäöÅÄÖé-]*(?:\s+[A-ZÅÄÖ][\wåäöÅÄÖé-]*)*")
_STOP_CAPITALISED = frozenset(
    [
        "Vi",
        "Det",
        "Den",
        "De",
        "Detta",
        "Dessa",
        "Denna",
        "Där",
        "Här",
        "Om",
        "Och",
        "Men",
        "För",
        "Att",
        "Som",
        "Under",
        "Med",
        "Genom",
        "Alla",
        "Fler",
        "En",
        "Ett",
        "Även",
        "Också",
        "Därför",
        "Samtidigt",
        "Kommunen",
        "Kommunledningen",
        "Nya",
        "Ny",
        "Vår",
        "Våra",
        "Vårt",
        "Ska",
        "Vill",
        "Målet",
        "Inom",
        "Till",
        "Från",
        "På",
        "Efter",
        "Inför",
        "När",
        "Utan",
        "Utöver",
        "Dessutom",
        "Både",
        "Antalet",
        "Sverige",
        "Senast",
        "År",
        "Trots",
        "Eftersom",
        "Oss",
        "Mer",
        "Mindre",
        "Många",
        "Bättre",
        "Nytt",
        "Varje",
        "Ingen",
        "Inga",
    ]
)


# Sweden's parties in the Riksdag: a platform names its own (draft.py gives them records).
PARTIES = {
    "socialdemokraterna": "Socialdemokraterna",
    "moderaterna": "Moderaterna",
    "centerpartiet": "Centerpartiet",
    "liberalerna": "Liberalerna",
    "kristdemokraterna": "Kristdemokraterna",
    "sverigedemokraterna": "Sverigedemokraterna",
    "vansterpartiet": "Vänsterpartiet",
    "miljopartiet": "Miljöpartiet",
}
# Places every municipality has, named by a common noun: proposed as this one's own.
_PLACE_WORDS = re.compile(
    r"\b(?:landsbygden|byarna|byar|tätorten|tätorterna|orterna|centrum|stadskärnan|"
    r"stadsdelarna|bostadsområdena|hamnen|innerstaden|ytterområdena)\b"
)
_MUNICIPALITY_WORDS = re.compile(r"\bkommun(?:en|ens)\b", re.IGNORECASE)


# A body named to be set up: "ett brottsförebyggande råd", "ett nytt trygghetscenter".
_NEW_BODY = re.compile(
    r"\b(?:ett|en)\s+((?:nytt?\s+|\w+(?:a|e)\s+)?\w*(?:råd|team|nämnd|bolag|förbund|kommission))\b"
)
# People by their trade, plural: "speciallärare", "ordningsvakter", "företagarna".
_PERSON_PLURAL = re.compile(
    r"\w*(?:lärare|lärarna|vakter|vakterna|arbetare|arbetarna|företagarna|personalen|"
    r"anställda|sköterskor|poliser|tränare|ledare|pedagoger|kuratorer|handläggare|"
    r"handläggarna|assistenter|assistenterna|föreningslivet)"
)


@dataclass(frozen=True, slots=True)
class Mention:
    kind: str  # "actor" | "area"
    mention: str | None
    start: int | None
    end: int | None
    id: str | None
    type: str | None  # for a proposal: organisation | group | place
    rule: str


def _definite(word: str) -> str:
    return word + ("n" if word[-1] in "aeiouyåäö" else "en")


def _base(word: str) -> str:
    lower = word.lower()
    for suffix, keep in (("en", 0), ("et", 0), ("an", 1)):
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 4:
            return word[: len(word) - len(suffix) + keep]
    return word


def _form_pattern(form: str) -> re.Pattern[str]:
    words = form.split()
    if len(words) == 1 and form.isupper():
        return re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")  # an acronym: as written
    *head, last = words
    lasts = {re.escape(last.lower()), re.escape(_base(last).lower())}
    body = r"\s+".join(re.escape(w) for w in head)
    tail = rf"(?:{'|'.join(sorted(lasts, key=len, reverse=True))}){_SUFFIXES}"
    text = (body + r"\s+" if body else "") + tail
    return re.compile(rf"(?<![\w-]){text}(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    slug: str | None  # None: a kind of body or place to propose as this platform's own
    pattern: re.Pattern[str]
    rule: str


class Lexicon:
    """The registries of one extraction, compiled once."""

    def __init__(self, ctx: ExtractionContext) -> None:
        self.ctx = ctx
        entries: list[_Entry] = []
        for kind, table in (("actor", ctx.actors), ("area", ctx.areas)):
            for record in table.values():
                if isinstance(record, Actor) and record.type == "Coalition":
                    continue  # the coalition is found by its words below
                if record.slug in ctx.excluded:
                    # Another municipality's body or place ("Förskolan", "Landsbygden"):
                    # the same kind of thing here is this platform's own, to propose.
                    forms = [f for f in _forms(record) if f[:1].islower() or f.istitle()]
                    generic = [f for f in forms if not any(w[:1].isupper() for w in f.split()[1:])]
                    if generic and not re.search(r"örebro|ÖBO|Örebro", " ".join(forms)):
                        for form in generic:
                            entries.append(
                                _Entry(
                                    kind,
                                    None,
                                    _form_pattern(form),
                                    f"a kind of {kind} "
                                    f"the registry knows elsewhere ({record.slug})",
                                )
                            )
                    continue
                for form in _forms(record):
                    entries.append(_Entry(kind, record.slug, _form_pattern(form), "registry"))
        for slug, name in PARTIES.items():
            if slug not in ctx.actors:
                entries.append(_Entry("actor", slug, _form_pattern(name), "a party's name"))
        if ctx.municipality_actor and ctx.municipality_actor not in ctx.actors:
            entries.append(
                _Entry("actor", ctx.municipality_actor, _MUNICIPALITY_WORDS, "the municipality")
            )
        name = (ctx.municipality_sv or "").removesuffix(" kommun").strip()
        if name and ctx.municipality_area and ctx.municipality_area not in ctx.areas:
            # "Ekholms kommun" is Ekholm's: the genitive s is not part of the name.
            bare = name[:-1] if name.endswith("s") and len(name) > 4 else name
            for form in dict.fromkeys((f"{name} kommun", name, bare)):
                entries.append(
                    _Entry(
                        "area",
                        ctx.municipality_area,
                        _form_pattern(form),
                        "the municipality's name",
                    )
                )
            if ctx.municipality_actor and ctx.municipality_actor not in ctx.actors:
                entries.append(
                    _Entry(
                        "actor",
                        ctx.municipality_actor,
                        _form_pattern(f"{name} kommun"),
                        "the municipality",
                    )
                )
        self.entries = entries
        self.group_words = frozenset(
            w
            for a in ctx.actors.values()
            for w in (a.label_sv.lower(), *(x.lower() for x in a.alt))
        )

    def find(self, text: str, offs: list[int], source: str, cue_start: int | None) -> list[Mention]:
        """The mentions in a unit's normalised ``text`` (``offs`` maps it to ``source``)."""
        hits: list[tuple[int, int, str, str | None, str]] = []
        for entry in self.entries:
            for m in entry.pattern.finditer(text):
                hits.append((m.start(), m.end(), entry.kind, entry.slug, entry.rule))
        for m in _PLACE_WORDS.finditer(text.lower()):
            hits.append((m.start(), m.end(), "area", None, "a place every municipality has"))
        for m in _COALITION_WORDS.finditer(text):
            hits.append((m.start(), m.end(), "actor", self.ctx.coalition, "coalition word"))
        hits = _longest(hits)
        # A name that is both an actor and a place ("Örebro kommun") is the place after a
        # place preposition ("i hela Örebro kommun") and the actor otherwise.
        chosen: dict[tuple[int, int], tuple[str, str | None, str]] = {}
        for s, e, kind, slug, rule in hits:
            prev = _previous_word(text, s)
            place = prev in _PLACE_PREPOSITIONS or prev == "hela"
            key = (s, e)
            if key in chosen:
                if chosen[key][1] is not None and slug is None:
                    continue  # a registry record wins over a kind of place or body
                if (kind == "area") == place or chosen[key][1] is None:
                    chosen[key] = (kind, slug, rule)
                continue
            chosen[key] = (kind, slug, rule)
        taken = [(s, e) for s, e in chosen]
        out = [
            Mention(
                kind,
                text[s:e],
                offs[s],
                offs[e - 1] + 1,
                slug,
                None if slug else ("place" if kind == "area" else "organisation"),
                rule,
            )
            for (s, e), (kind, slug, rule) in sorted(chosen.items())
        ]
        out += self._proposals(text, offs, taken)
        return sorted(out, key=lambda m: (m.start or 0, m.kind))

    def _proposals(self, text: str, offs: list[int], taken: list[tuple[int, int]]) -> list[Mention]:
        found: list[Mention] = []

        def free(s: int, e: int) -> bool:
            return not any(s < e2 and s2 < e for s2, e2 in taken)

        def add(s: int, e: int, kind: str, typ: str, rule: str) -> None:
            if free(s, e):
                taken.append((s, e))
                found.append(Mention(kind, text[s:e], offs[s], offs[e - 1] + 1, None, typ, rule))

        for m in _PLACE_SUFFIX.finditer(text):
            add(m.start(), m.end(), "area", "place", "place word")
        for m in _PROPER.finditer(text):
            s, e = m.start(), m.end()
            words = m.group().split()
            while words and words[0] in _STOP_CAPITALISED:
                s += len(words[0]) + 1
                words = words[1:]
            if not words or s >= e:
                continue
            if (s == 0 or text[max(0, s - 2) : s] in (". ", ": ")) and len(words) == 1:
                continue  # a capital at a sentence start says nothing
            prev = _previous_word(text, s)
            if prev in _PLACE_PREPOSITIONS:
                add(s, e, "area", "place", "proper name after a place preposition")
            elif len(words) > 1 or text[s:e].isupper():
                add(s, e, "actor", "organisation", "proper name")
        for m in _NEW_BODY.finditer(text):
            add(m.start(1), m.end(), "actor", "organisation", "a body to be set up")
        for m in _ORG_SUFFIX.finditer(text):
            add(m.start(), m.end(), "actor", "organisation", "organisation word")
        for m in re.finditer(r"[\wåäöÅÄÖ]+", text):
            word = m.group().lower()
            if word in self.group_words:
                continue
            if word in _GROUPS or _PERSON_PLURAL.fullmatch(word):
                add(m.start(), m.end(), "actor", "group", "group of people")
        return found

    def roles(
        self,
        mentions: list[Mention],
        text: str,
        offs: list[int],
        cue_start: int | None,
        cue_spans: tuple[tuple[int, int], ...] = (),
    ) -> dict[int, str]:
        """Each actor mention's role: before the governing cue the agent (responsible),
        after "med", "tillsammans med", "i dialog med" a partner, else affected."""
        out: dict[int, str] = {}
        index = {o: i for i, o in enumerate(offs)}
        for n, m in enumerate(mentions):
            if m.kind != "actor" or m.start is None:
                continue
            at = index.get(m.start, 0)
            if _PARTNER_BEFORE.search(text[:at]) and _partnerish(text, at):
                out[n] = "partner"
            elif (cue_start is not None and at < cue_start) or any(
                a <= at <= b + 1 for a, b in cue_spans
            ):  # "Vi vill:", "föreslår vi:": the subject inside or right after the cue
                out[n] = "responsible"
            else:
                out[n] = "affected"
        return out


def _partnerish(text: str, at: int) -> bool:
    window = text[max(0, at - 60) : at].lower()
    return any(w in window for w in ("med ", "mellan "))


def _previous_word(text: str, start: int) -> str:
    m = re.search(r"([\wåäöÅÄÖ]+)\W*$", text[:start])
    return m.group(1).lower() if m else ""


def _forms(record: Actor | Area) -> list[str]:
    forms = [record.label_sv, *record.alt]
    words = record.label_sv.split()
    if len(words) > 1 and words[0].lower() in _HEADS:
        forms.append(_definite(words[0].lower()))
    if isinstance(record, Actor) and record.type == "Collective" and " och " in record.label_sv:
        # "Barn och elever" is named by either half ("elever i behov av särskilt stöd").
        forms += [part for part in record.label_sv.split(" och ") if " " not in part.strip()]
    # Parenthesised explanations in a label are not part of the name.
    return [re.sub(r"\s*\(.*?\)", "", f).strip() for f in forms if f.strip()]


_Hit = tuple[int, int, str, str | None, str]


def _longest(hits: list[_Hit]) -> list[_Hit]:
    return [
        h
        for h in hits
        if not any((o[0] <= h[0] and h[1] <= o[1]) and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)
    ]
