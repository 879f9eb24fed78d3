"""The source document: its text, its sections and its sentences, located by offset.

Offsets are 0-based Python string (code point) indices, end exclusive, as the Web
Annotation TextPositionSelector defines them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from platform_graph.errors import CurationError

__all__ = [
    "SOURCE_SHA256",
    "Section",
    "SectionSpec",
    "Sentence",
    "SourceDocument",
    "find_quote",
]

#: SHA-256 of the source file as published; the file must never change.
SOURCE_SHA256 = "3644560b8f4349d89d28b840c5354b711de794ddcbcec5dec95f0a471ff8a4a7"

# A sentence ends at . ! or ? followed by whitespace and a capital letter, or by the end
# of its section. The platform has no abbreviations with a full stop, so this is exact
# for this text; a test checks the sentences tile every section body.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-ZÅÄÖ]|\s*$)")


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section as curated: slug, its heading text (None for the introduction), labels."""

    slug: str
    heading: str | None
    label_sv: str
    label_en: str
    theme: str


@dataclass(frozen=True, slots=True)
class Section:
    """A located section: the heading span (if any) and the body span."""

    spec: SectionSpec
    index: int
    start: int
    end: int
    heading_start: int | None
    heading_end: int | None
    body_start: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a section body, trimmed of surrounding whitespace."""

    index: int
    section: Section
    start: int
    end: int
    text: str


def _ws_pattern(quote: str) -> re.Pattern[str]:
    """A pattern matching the quote with any run of whitespace where it has one.

    The source came from a PDF: lines break inside sentences (with an empty line after
    each), so curators write a quote with single spaces and the build finds its exact
    extent in the source.
    """
    words = quote.split()
    if not words:
        raise CurationError("empty quote")
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def find_quote(text: str, quote: str, prefix: str | None = None) -> tuple[int, int]:
    """Locate ``quote`` in ``text``; return (start, end).

    Fails when the quote is absent, or occurs more than once and ``prefix`` (the words
    right before it) does not single one occurrence out.
    """
    matches = [(m.start(), m.end()) for m in _ws_pattern(quote).finditer(text)]
    if not matches:
        raise CurationError(f"quote not found in the source: {quote!r}")
    if prefix is not None:
        pre = re.compile(_ws_pattern(prefix).pattern + r"\s*$")
        matches = [(s, e) for s, e in matches if pre.search(text, 0, s)]
        if not matches:
            raise CurationError(f"quote {quote!r} not found after prefix {prefix!r}")
    if len(matches) > 1:
        where = ", ".join(str(s) for s, _ in matches)
        raise CurationError(
            f"quote found {len(matches)} times (at {where}); add a prefix to choose one: {quote!r}"
        )
    return matches[0]


class SourceDocument:
    """The platform text with its sections and sentences."""

    def __init__(self, text: str, sections: list[SectionSpec], *, layout: bool = False) -> None:
        # ``layout``: the sentences are the units of the layout (headings, prose and list
        # items as a PDF export gives them: build.layout), as for every platform after the
        # first; Örebro 2022–2026 keeps the splitter its sentence IRIs were numbered by.
        self.text = text
        self.layout = layout
        self.sections = self._locate_sections(sections)
        self.sentences = self._layout_sentences() if layout else self._split_sentences()

    def _layout_sentences(self) -> list[Sentence]:
        from platform_graph.build.layout import cut

        headings = {(s.heading_start, s.heading_end) for s in self.sections}
        title = self.title_span
        out: list[Sentence] = []
        for unit in cut(self.text).units:
            if (unit.start, unit.end) in headings or (unit.start, unit.end) == title:
                continue
            section = self.section_at(unit.start)
            out.append(
                Sentence(len(out), section, unit.start, unit.end, self.text[unit.start : unit.end])
            )
        return out

    @classmethod
    def from_file(cls, path: Path, sections: list[SectionSpec]) -> SourceDocument:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != SOURCE_SHA256:
            raise CurationError(f"{path}: SHA-256 {digest} differs from the published source")
        return cls(raw.decode("utf-8"), sections)

    @property
    def title_span(self) -> tuple[int, int]:
        """The document title: the first non-empty line, trimmed."""
        if not self.layout:
            line = self.text.split("\n", 1)[0]
            start = len(line) - len(line.lstrip())
            return start, len(line.rstrip())
        m = re.search(r"\S[^\n]*", self.text)
        if m is None:
            return 0, 0
        return m.start(), m.start() + len(m.group().rstrip())

    def _locate_sections(self, specs: list[SectionSpec]) -> list[Section]:
        found: list[tuple[SectionSpec, int | None, int | None]] = []
        cursor = self.title_span[1]
        for spec in specs:
            if spec.heading is None:
                found.append((spec, None, None))
                continue
            space = r"[ \t]*" if self.layout else " ?"
            pattern = re.compile(
                rf"(?m)^{space}("
                + r"\s+".join(map(re.escape, spec.heading.split()))
                + rf"){space}$"
                if self.layout
                else r"(?m)^ ?(" + re.escape(spec.heading) + r") ?$"
            )
            m = pattern.search(self.text, cursor)
            if m is None:
                raise CurationError(
                    f"section heading not found after offset {cursor}: {spec.heading!r}"
                )
            found.append((spec, m.start(1), m.end(1)))
            cursor = m.end(1)
        sections: list[Section] = []
        for i, (spec, h_start, h_end) in enumerate(found):
            start = h_start if h_start is not None else self.title_span[1]
            nxt = next((f[1] for f in found[i + 1 :] if f[1] is not None), None)
            end = nxt if nxt is not None else len(self.text)
            body_start = h_end if h_end is not None else start
            sections.append(Section(spec, i, start, end, h_start, h_end, body_start))
        return sections

    def _split_sentences(self) -> list[Sentence]:
        sentences: list[Sentence] = []
        for section in self.sections:
            pos = section.body_start
            body_end = section.end
            while True:
                # Skip whitespace to the next sentence start.
                while pos < body_end and self.text[pos].isspace():
                    pos += 1
                if pos >= body_end:
                    break
                m = _SENTENCE_END.search(self.text[:body_end], pos)
                end = m.end() if m is not None else len(self.text[:body_end].rstrip())
                sentences.append(Sentence(len(sentences), section, pos, end, self.text[pos:end]))
                pos = end
        return sentences

    def section_at(self, offset: int) -> Section:
        for section in self.sections:
            if section.start <= offset < section.end:
                return section
        raise CurationError(f"offset {offset} lies in no section")

    def sentence_at(self, start: int, end: int) -> Sentence:
        for sentence in self.sentences:
            if sentence.start <= start and end <= sentence.end:
                return sentence
        raise CurationError(f"span {start}-{end} lies in no single sentence")
