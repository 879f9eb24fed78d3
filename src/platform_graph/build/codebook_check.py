"""The codebook's mechanical rules, checked against the curated statements.

``platform-graph check`` reports each finding with the statement, the rule and a message
in Swedish and English. The rules read the one cue table (:mod:`.codebook`); a statement
may carry a recorded exception to a rule (``exceptions: [{rule, reason}]`` in its
curation file), which silences that rule for it; an exception that silences nothing is
itself a finding, so that exceptions do not outlive the coding they excused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from platform_graph.build.codebook import CueTable, normal
from platform_graph.build.curation import Statement
from platform_graph.build.source import SourceDocument

__all__ = ["RULES", "Finding", "check_codebook"]

# Each rule: (what it checks, in Swedish, in English). docs/codebook.md, section 15.
RULES: dict[str, tuple[str, str]] = {
    "cue-missing": (
        "ett åtagande anger sin signal (cue)",
        "a commitment records its cue",
    ),
    "cue-not-in-sentence": (
        "signalen är ord ur meningen, i meningens ordning",
        "the cue is words of its sentence, in their order",
    ),
    "cue-unknown": (
        "signalen innehåller en signal ur signaltabellen",
        "the cue holds a cue of the cue table",
    ),
    "hedge-as-commitment": (
        "en reservation eller värdering ensam gör ett påstående till kontext",
        "a hedge or an evaluation alone makes a statement context",
    ),
    "cue-strength": (
        "styrkan är den signalen ger enligt tabellens regler",
        "the strength is what the cue gives by the table's rules",
    ),
    "same-cue": (
        "samma signal ger samma styrka",
        "the same cue gives the same strength",
    ),
    "commitment-cue-in-context": (
        "ett kontextpåstående med åtagandespråk har ett skäl",
        "a context statement worded as a commitment has a reason",
    ),
    "process-kind": (
        "ett åtagande med styrkan process är av typen process",
        "a commitment of strength process is of kind process",
    ),
    "title-marker": (
        "en strävans rubrik behåller signalens markör",
        "an aspirational title keeps its cue's marker",
    ),
    "title-stronger": (
        "rubriken lovar inte fastare än citatet",
        "the title promises no more firmly than the quote",
    ),
    "title-length": (
        "rubriken håller längdgränsen",
        "the title keeps within the length limit",
    ),
    "exception-unknown-rule": (
        "ett undantag gäller en regel som finns",
        "an exception names a rule that exists",
    ),
    "exception-unused": (
        "ett undantag tystar ett fynd",
        "an exception silences a finding",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A code that contradicts the codebook."""

    file: str
    statement: str
    rule: str
    sv: str
    en: str

    def line(self) -> str:
        return f"{self.file}: {self.statement}: [{self.rule}] {self.sv} / {self.en}"


# Makes a finding of the statement at hand: (rule, Swedish, English) -> Finding.
_Found = Callable[[str, str, str], Finding]


def _cue_in_sentence(cue: str, sentence: str) -> bool:
    pos = 0
    for fragment in (f.strip() for f in cue.split("...")):
        found = sentence.find(fragment, pos) if fragment else -1
        if found < 0:
            return False
        pos = found + len(fragment)
    return True


def _findings(
    statements: Sequence[Statement], source: SourceDocument, table: CueTable
) -> Iterable[Finding]:
    by_cue: dict[str, list[Statement]] = defaultdict(list)
    limit = table.title_max_length
    for st in statements:

        def found(rule: str, sv: str, en: str, st: Statement = st) -> Finding:
            return Finding(st.file, st.id, rule, sv, en)

        for lang, title in (("sv", st.title_sv), ("en", st.title_en)):
            if title is not None and len(title) > limit:
                yield found(
                    "title-length",
                    f"rubriken ({lang}) har {len(title)} tecken, gränsen är {limit}",
                    f"the {lang} title has {len(title)} characters, the limit is {limit}",
                )
        if not st.commitment:
            yield from _context(st, table, found)
            continue
        if not st.cue:
            yield found("cue-missing", "åtagandet saknar signal", "the commitment has no cue")
            continue
        by_cue[normal(st.cue)].append(st)
        sentence = " ".join(source.sentences[st.sentence].text.split())
        if not _cue_in_sentence(st.cue, sentence):
            yield found(
                "cue-not-in-sentence",
                f"signalen «{st.cue}» står inte i meningen i den ordningen",
                f"the cue «{st.cue}» is not words of the sentence in that order",
            )
        derived = table.derive(st.cue)
        if derived is None:
            yield found(
                "cue-unknown",
                f"signalen «{st.cue}» innehåller ingen signal ur tabellen",
                f"the cue «{st.cue}» holds no cue of the table",
            )
        elif derived == "context":
            yield found(
                "hedge-as-commitment",
                f"«{st.cue}» är en reservation eller värdering utan åtagandesignal: kontext, "
                "eller ange ett undantag med skäl",
                f"«{st.cue}» is a hedge or an evaluation with no commitment cue: context, or "
                "record an exception with its reason",
            )
        elif derived != st.strength:
            yield found(
                "cue-strength",
                f"signalen «{st.cue}» ger styrkan {derived}, kodad {st.strength}",
                f"the cue «{st.cue}» gives {derived}, coded {st.strength}",
            )
        if st.strength == "process" and st.kind != "process":
            yield found(
                "process-kind",
                f"styrkan process men typen {st.kind}",
                f"strength process but kind {st.kind}",
            )
        yield from _titles(st, table, found)
    for cue, group in sorted(by_cue.items()):
        strengths = {st.strength for st in group}
        if len(strengths) > 1:
            for st in group:
                yield Finding(
                    st.file,
                    st.id,
                    "same-cue",
                    f"signalen «{cue}» kodas {', '.join(sorted(map(str, strengths)))}",
                    f"the cue «{cue}» is coded {', '.join(sorted(map(str, strengths)))}",
                )


def _context(st: Statement, table: CueTable, found: _Found) -> Iterable[Finding]:
    signals = table.signals(st.quote)
    committing = [s for s in signals if s in table.order]
    if committing and not any(s in ("hedge", "evaluation") for s in signals):
        words = ", ".join(
            sorted({c.id for c in table.matches(st.quote) if c.signals in table.order})
        )
        yield found(
            "commitment-cue-in-context",
            f"citatet har åtagandesignaler ({words}) men kodas som kontext: ange skälet",
            f"the quote has commitment cues ({words}) but is coded context: record the reason",
        )


def _titles(st: Statement, table: CueTable, found: _Found) -> Iterable[Finding]:
    order = table.order
    titled = table.title_strength(st.title_sv or "", "sv")
    if (
        titled is not None
        and st.strength in order
        and order.index(titled) < order.index(st.strength)
    ):
        yield found(
            "title-stronger",
            f"rubriken «{st.title_sv}» lovar som {titled}, citatet som {st.strength}",
            f"the title «{st.title_sv}» promises as {titled}, the quote as {st.strength}",
        )
    if st.strength != "aspirational":
        return
    soft = [c for c in table.matches(st.cue or "") if c.signals == "aspirational"]
    for lang, title in (("sv", st.title_sv), ("en", st.title_en)):
        if soft and not any(
            lang in c.title_marker and c.title_marker[lang].search(title or "") for c in soft
        ):
            markers = " | ".join(
                c.title_marker[lang].pattern for c in soft if lang in c.title_marker
            )
            yield found(
                "title-marker",
                f"rubriken ({lang}) «{title}» saknar markören ({markers}): målet anges som fakta",
                f"the {lang} title «{title}» lacks the marker ({markers}): "
                "it states an aim as fact",
            )


def check_codebook(
    statements: Sequence[Statement], source: SourceDocument, table: CueTable
) -> list[Finding]:
    """Every finding of the codebook's rules not silenced by a recorded exception."""
    excused = {(st.id, e.rule) for st in statements for e in st.exceptions}
    out: list[Finding] = []
    used: set[tuple[str, str]] = set()
    for f in _findings(statements, source, table):
        if (f.statement, f.rule) in excused:
            used.add((f.statement, f.rule))
        else:
            out.append(f)
    for st in statements:
        for e in st.exceptions:
            if e.rule not in RULES:
                out.append(
                    Finding(
                        st.file,
                        st.id,
                        "exception-unknown-rule",
                        f"undantaget gäller en okänd regel {e.rule!r}",
                        f"the exception names an unknown rule {e.rule!r}",
                    )
                )
            elif (st.id, e.rule) not in used:
                out.append(
                    Finding(
                        st.file,
                        st.id,
                        "exception-unused",
                        f"undantaget för {e.rule} tystar inget fynd: ta bort det",
                        f"the exception to {e.rule} silences no finding: remove it",
                    )
                )
    return out
