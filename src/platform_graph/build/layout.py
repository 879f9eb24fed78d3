"""The text's structure as a PDF export gives it: units, exactly anchored.

Lines are read one by one and grouped into headings, prose and list items; page numbers
and list markers are set aside (reported, never dropped silently); words hyphenated at a
line end are joined for reading but every offset stays the file's own. Prose and items
are then cut into sentences. A lead-in (a sentence ending in a colon, or without a final
stop, right before a list) governs the items under it.

Offsets are code points into the text, end exclusive: ``text[start:end]`` is the unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Layout", "RawUnit", "Skipped", "cut", "normalise"]

# A page number as a PDF export leaves it: "3", "- 3 -", "Sida 3 av 12", "3 (12)".
_PAGE = re.compile(
    r"^(?:(?:sida|page|s\.)\s*)?\d{1,3}(?:\s*(?:av|of|/)\s*\d{1,3}|\s*\(\d{1,3}\))?$"
    r"|^[-–]\s*\d{1,3}\s*[-–]$",
    re.IGNORECASE,
)
# A list marker: a bullet glyph, a dash, or a number or letter with a stop or bracket.
_MARKER = re.compile(r"^(?:[●•▪◦○■□➢►✓*·]|[-–—](?=\s)|\(?\d{1,2}[.)](?=\s)|[a-z]\)(?=\s))\s*")
_NUMBERED = re.compile(r"^\(?(\d{1,2})[.)]")
# Words that end in a stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    [
        "t.ex",
        "bl.a",
        "m.m",
        "s.k",
        "dvs",
        "osv",
        "o.s.v",
        "etc",
        "ca",
        "jfr",
        "resp",
        "kl",
        "nr",
        "inkl",
        "exkl",
        "m.fl",
        "fr.o.m",
        "t.o.m",
        "p.g.a",
        "pga",
        "d.v.s",
        "ev",
        "f.d",
        "st",
        "mkr",
        "mnkr",
        "tkr",
        "kr",
        "milj",
        "mdr",
    ]
)
_SENTENCE_END = re.compile(r"[.!?]+[\"”’)]*(?=\s+[\"”“(]?[A-ZÅÄÖÉÜ0-9])|[.!?]+[\"”’)]*\s*$")
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "respektive", "till", "som", "men"})


@dataclass(frozen=True, slots=True)
class Skipped:
    start: int
    end: int
    reason: str  # "page number" | "list marker"


@dataclass(slots=True)
class RawUnit:
    start: int
    end: int
    kind: str  # "heading" | "sentence" | "item"
    section: int | None = None  # index of the heading unit it stands under
    lead_in: int | None = None  # index of the unit that governs it (a list's lead-in)
    is_lead_in: bool = False


@dataclass(slots=True)
class Layout:
    text: str
    units: list[RawUnit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(slots=True)
class _Line:
    start: int  # of the content, after leading whitespace
    end: int  # of the content, before trailing whitespace
    indent: int
    kind: str  # "text" | "bullet"
    marker_end: int = -1


@dataclass(slots=True)
class _Block:
    kind: str  # "heading" | "prose" | "item"
    lines: list[_Line]
    indent: int = 0
    numbered: int | None = None

    @property
    def start(self) -> int:
        first = self.lines[0]
        return first.marker_end if first.kind == "bullet" else first.start

    @property
    def end(self) -> int:
        return self.lines[-1].end


def normalise(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """The span as one reads it: single spaces, line-end hyphenation joined. Returns the
    string and, for each of its characters, the offset in ``text`` it comes from."""
    out: list[str] = []
    offs: list[int] = []
    i = start
    while i < end:
        ch = text[i]
        if ch in "-\u00ad" and i + 1 < end and text[i + 1] in " \t\r\n\f":
            j = i + 1
            while j < end and text[j] in " \t\r\n\f":
                j += 1
            broke_line = "\n" in text[i + 1 : j]
            nxt = re.match(r"[^\W\d_]+", text[j:end])
            prev_letter = i > start and text[i - 1].isalpha()
            joined = nxt is not None and nxt.group().islower() and nxt.group() not in _CONJUNCTIONS
            if broke_line and prev_letter and joined:
                i = j  # "exempel-\nvis" reads "exempelvis"
                continue
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                offs.append(i)
            i += 1
            continue
        out.append(ch)
        offs.append(i)
        i += 1
    while out and out[-1] == " ":
        out.pop()
        offs.pop()
    return "".join(out), offs


def _lines(text: str, layout: Layout) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip(" \t\f\v\u00a0\u200b")
        if stripped:
            lead = len(body) - len(body.lstrip(" \t\f\v\u00a0\u200b"))
            start = pos + lead
            end = start + len(stripped)
            if _PAGE.match(stripped):
                layout.skipped.append(Skipped(start, end, "page number"))
            else:
                m = _MARKER.match(stripped)
                if m and m.end() < len(stripped):
                    out.append(_Line(start, end, lead, "bullet", start + m.end()))
                else:
                    out.append(_Line(start, end, lead, "text"))
        pos += len(raw)
    return out


def _ends_sentence(text: str, block: _Block) -> bool:
    tail = text[block.start : block.end].rstrip('"”’) ')
    return bool(tail) and tail[-1] in ".!?:"


def _heading_like(text: str, line: _Line, start: int) -> bool:
    body = text[start : line.end]
    if not body or len(body) > 80 or len(body.split()) > 10:
        return False
    if body[-1] in ".,;:!?-–":
        return False
    return body[0].isupper() or body[0].isdigit()


def _blocks(text: str, lines: list[_Line]) -> list[_Block]:
    blocks: list[_Block] = []
    for n, line in enumerate(lines):
        nxt = lines[n + 1] if n + 1 < len(lines) else None
        nxt_lower = nxt is not None and nxt.kind == "text" and text[nxt.start].islower()
        cur = blocks[-1] if blocks else None
        if line.kind == "bullet":
            number = _NUMBERED.match(text[line.start : line.end])
            # A numbered line continues a list only after a lead-in or the item numbered
            # one lower; "2. Skolan" after a list of bullets is the next heading.
            in_list = cur is not None and (
                text[cur.end - 1 : cur.end] == ":"
                or (cur.kind == "item" and number is None)
                or (
                    cur.kind == "item"
                    and number is not None
                    and cur.numbered is not None
                    and int(number.group(1)) == cur.numbered + 1
                )
            )
            nxt_numbered = (
                nxt is not None
                and nxt.kind == "bullet"
                and number is not None
                and (m2 := _NUMBERED.match(text[nxt.start : nxt.end])) is not None
                and int(m2.group(1)) == int(number.group(1)) + 1
            )
            if (
                number is not None
                and not in_list
                and not nxt_numbered
                and _heading_like(text, line, line.marker_end)
                and not nxt_lower
            ):
                # "2. Skola och utbildning": a numbered heading, not a list of one.
                blocks.append(_Block("heading", [_Line(line.start, line.end, 0, "text")]))
                continue
            blocks.append(
                _Block("item", [line], line.indent, int(number.group(1)) if number else None)
            )
            continue
        if cur is not None and cur.kind == "item":
            body = text[cur.start : cur.end]
            if (
                text[line.start].islower()
                or line.indent > cur.indent
                or body.endswith(("-", ","))
                or (body[-1] not in ".!?:;" and not _heading_like(text, line, line.start))
            ):
                cur.lines.append(line)
                continue
        if cur is not None and cur.kind == "prose" and not _ends_sentence(text, cur):
            cur.lines.append(line)
            continue
        if _heading_like(text, line, line.start) and not nxt_lower:
            blocks.append(_Block("heading", [line]))
            continue
        if cur is not None and cur.kind == "prose":
            cur.lines.append(line)
            continue
        blocks.append(_Block("prose", [line]))
    return blocks


def _abbreviation_before(norm: str, stop: int) -> bool:
    word = re.search(r"(\S+)$", norm[:stop])
    if word is None:
        return False
    w = word.group(1).lower().strip('("“')
    return w in _ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-zåäö]\.){1,3}[a-zåäö]?", w))


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    norm, offs = normalise(text, start, end)
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(norm):
        if norm[m.start()] == "." and _abbreviation_before(norm, m.start()):
            continue
        stop = m.end()
        while stop > pos and norm[stop - 1] == " ":
            stop -= 1
        if stop > pos:
            out.append((pos, stop))
        pos = m.end()
        while pos < len(norm) and norm[pos] == " ":
            pos += 1
    if pos < len(norm):
        out.append((pos, len(norm)))
    return [(offs[a], offs[b - 1] + 1) for a, b in out if b > a]


def cut(text: str) -> Layout:
    """Cut ``text`` into headings, sentences and list items; set page numbers and list
    markers aside."""
    layout = Layout(text)
    blocks = _blocks(text, _lines(text, layout))
    section: int | None = None
    lead_in: int | None = None
    for n, block in enumerate(blocks):
        first = block.lines[0]
        if block.kind == "item" and first.marker_end > first.start:
            layout.skipped.append(Skipped(first.start, first.marker_end, "list marker"))
        if block.kind == "heading":
            layout.units.append(RawUnit(block.start, block.end, "heading", section))
            section = len(layout.units) - 1
            lead_in = None
            continue
        kind = "item" if block.kind == "item" else "sentence"
        if block.kind != "item":
            lead_in = None
        spans = _sentences(text, block.start, block.end)
        for i, (s, e) in enumerate(spans):
            unit = RawUnit(s, e, kind, section, lead_in if block.kind == "item" else None)
            layout.units.append(unit)
            if i > 0 and kind == "item":
                unit.kind = "sentence"  # a second sentence of an item stands on its own
                unit.lead_in = None
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        last = layout.units[-1] if spans else None
        if last is not None and nxt is not None and nxt.kind == "item":
            body = text[last.start : last.end].rstrip()
            if body.endswith(":") or body[-1] not in ".!?":
                last.is_lead_in = True
                lead_in = len(layout.units) - 1
    return layout
