"""The source text: byte for byte, its sections, its sentences, and quote finding."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from platform_graph.build.graph import BuildResult
from platform_graph.build.source import SOURCE_SHA256, find_quote
from platform_graph.config import Paths
from platform_graph.errors import CurationError

HEADINGS = [
    "Näringsliv och tillväxt",
    "Förskola och skola",
    "Äldreomsorg och funktionsstöd",
    "Trygghet",
    "Socialt förebyggande arbete",
    "Klimat och miljö",
    "Jämställdhet, hbtqi och mänskliga rättigheter",
    "Kultur, demokrati och civilsamhälle",
    "Trafik",
    "Stadsbyggnad",
    "Gymnasieskola och arbetsmarknad",
    "Bolagskoncernen",
    "Fritid och idrott",
    "Landsbygd",
]


def test_source_is_byte_for_byte_the_published_text(paths: Paths) -> None:
    raw = (paths.data / "politisk-plattform-2022-2026.txt").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SOURCE_SHA256
    # The PDF extraction's quirks are part of the source and must survive.
    text = raw.decode("utf-8")
    assert "ekonomiskt länge" in text
    assert "oöch" in text


def test_sections_are_the_introduction_and_every_heading_in_order(built: BuildResult) -> None:
    sections = built.source.sections
    assert [s.spec.heading for s in sections] == [None, *HEADINGS]
    starts = [s.start for s in sections]
    assert starts == sorted(starts)
    # Consecutive sections tile the text after the title.
    for a, b in itertools.pairwise(sections):
        assert a.end == b.start
    assert sections[-1].end == len(built.source.text)


def test_sentences_tile_every_section_body(built: BuildResult) -> None:
    """Outside the sentences there is only whitespace (and the headings)."""
    doc = built.source
    mask = [False] * len(doc.text)
    for s in doc.sentences:
        assert doc.text[s.start].strip(), "a sentence starts on whitespace"
        assert doc.text[s.end - 1] in ".!?" or s.end == doc.sections[-1].end
        for i in range(s.start, s.end):
            assert not mask[i], f"sentences overlap at {i}"
            mask[i] = True
    headings = {
        i
        for sec in doc.sections
        if sec.heading_start is not None
        for i in range(sec.heading_start, sec.heading_end or 0)
    }
    t_start, t_end = doc.title_span
    title = set(range(t_start, t_end))
    stray = [
        i
        for i, ch in enumerate(doc.text)
        if not mask[i] and ch.strip() and i not in headings and i not in title
    ]
    assert stray == []


def test_every_sentence_ends_with_a_full_stop(built: BuildResult) -> None:
    for s in built.source.sentences:
        assert s.text.endswith("."), s.text
        assert not re.search(r"\.\s+[A-ZÅÄÖ]", s.text), f"two sentences in one: {s.text}"


def test_find_quote_matches_across_line_breaks() -> None:
    text = "Ett plan ska \n\ntas fram. Sen mer."
    assert find_quote(text, "Ett plan ska tas fram.") == (0, 24)


def test_find_quote_fails_loudly_on_a_missing_quote() -> None:
    with pytest.raises(CurationError, match="not found"):
        find_quote("abc def", "xyz")


def test_find_quote_fails_on_a_quote_found_twice_without_prefix() -> None:
    text = "Vi vill. Han sa: Vi vill."
    with pytest.raises(CurationError, match="found 2 times"):
        find_quote(text, "Vi vill.")
    assert find_quote(text, "Vi vill.", prefix="Han sa:") == (17, 25)
