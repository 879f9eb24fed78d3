"""The codebook (docs/codebook.md), its cue table (data/codebook/cues.yaml) and the data.

The cue table is the one machine-readable copy of the strength rules: the codebook's table
is checked against it here, and every curated commitment's strength is derived from its
`cue` with the table's rules (longest match, weakest link, hedges and evaluations only
alone). These checks are the reference for `platform-graph check` and the extractor.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from platform_graph.build.codebook import SIGNALS, Cue, CueTable, load_cue_table, normal
from platform_graph.build.graph import BuildResult

ROOT = Path(__file__).resolve().parents[1]
CUES = ROOT / "data" / "codebook" / "cues.yaml"
CODEBOOK = ROOT / "docs" / "codebook.md"


@cache
def table() -> CueTable:
    return load_cue_table(CUES)


def cues() -> tuple[Cue, ...]:
    return table().cues


def matches(text: str) -> list[Cue]:
    return table().matches(text)


def derive(cue_text: str) -> str | None:
    return table().derive(cue_text)


def _rows(marker: str) -> list[list[str]]:
    text = CODEBOOK.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {marker}: start -->(.*?)<!-- {marker}: end -->", text, re.S)
    assert m, f"docs/codebook.md has no {marker} table"
    rows = []
    for line in m.group(1).strip().splitlines()[2:]:
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# --- the cue table ----------------------------------------------------------------------


def test_the_cue_table_is_well_formed() -> None:
    ids = [c.id for c in cues()]
    assert len(ids) == len(set(ids))
    assert table().order == ("binding", "intent", "process", "aspirational")
    assert 40 <= table().title_max_length <= 120
    for c in cues():
        assert c.signals in SIGNALS, c.id
        assert c.forms, c.id
        assert isinstance(c.raw["in_text"], bool), c.id
        if c.signals == "aspirational":
            assert set(c.title_marker) == {"sv", "en"}, c.id


def test_every_example_is_in_the_sentence_it_names_and_matches_its_cue(
    built: BuildResult,
) -> None:
    sentences = built.source.sentences
    for c in cues():
        if not c.raw["in_text"]:
            assert "example" not in c.raw, c.id
            continue
        example = c.raw["example"]
        sentence = " ".join(sentences[example["sentence"] - 1].text.split())
        assert example["words"] in sentence, c.id
        assert c in matches(example["words"]), c.id


def test_forms_the_text_does_not_use_are_marked_so(built: BuildResult) -> None:
    text = normal(built.source.text)
    for c in cues():
        if not c.raw["in_text"]:
            assert not c.pattern.search(text), c.id


def test_the_codebook_table_is_the_cue_table() -> None:
    rows = _rows("cue-table")
    in_doc = {(_ticked(r[0])[0], r[1]) for r in rows}
    assert in_doc == {(c.id, c.signals) for c in cues()}


# --- the data against the codebook ----------------------------------------------------------


def test_every_commitment_strength_follows_from_its_cue(built: BuildResult) -> None:
    wrong = [
        (st.id, st.strength, derive(st.cue or ""), st.cue)
        for st in built.curation.statements
        if st.commitment and derive(st.cue or "") != st.strength
    ]
    assert wrong == []


def test_every_cue_is_words_of_its_sentence_in_order(built: BuildResult) -> None:
    for st in built.curation.statements:
        if not st.commitment:
            continue
        sentence = " ".join(built.source.sentences[st.sentence].text.split())
        pos = 0
        for fragment in (f.strip() for f in (st.cue or "").split("...")):
            found = sentence.find(fragment, pos)
            assert fragment, (st.id, st.cue)
            assert found >= 0, (st.id, st.cue)
            pos = found + len(fragment)


def test_a_process_commitment_is_of_kind_process(built: BuildResult) -> None:
    assert [
        st.id
        for st in built.curation.statements
        if st.commitment and st.strength == "process" and st.kind != "process"
    ] == []


def test_an_aspirational_title_keeps_its_modality(built: BuildResult) -> None:
    for st in built.curation.statements:
        if not (st.commitment and st.strength == "aspirational"):
            continue
        soft = [c for c in matches(st.cue or "") if c.signals == "aspirational"]
        assert soft, st.id
        for lang, title in (("sv", st.title_sv), ("en", st.title_en)):
            assert any(c.title_marker[lang].search(title or "") for c in soft), (
                st.id,
                lang,
                title,
            )


def test_the_codebook_lists_every_reference_back(built: BuildResult) -> None:
    in_doc = {_ticked(r[0])[0]: sorted(_ticked(r[2])) for r in _rows("references")}
    in_data = {st.id: sorted(st.refers_to) for st in built.curation.statements if st.refers_to}
    assert in_doc == in_data


def test_the_codebook_lists_every_statement_that_changed_kind(built: BuildResult) -> None:
    in_doc = {_ticked(r[0])[0] for r in _rows("changed-kind")}
    assert in_doc == {st.id for st in built.curation.statements if st.formerly}


@pytest.mark.parametrize(
    ("cue", "strength"),
    [
        ("är överens om att införa", "binding"),
        ("är överens om att arbeta för", "aspirational"),
        ("vill ge förvaltningen i uppdrag att utreda", "process"),
        ("vill ge bolagen i uppdrag att starta", "intent"),
        ("uppdrar till ... att verka för", "aspirational"),
        ("Kommunledningens mål är", "aspirational"),
        ("kan och ska", "binding"),
        ("kan och bör", "aspirational"),
        ("kan behöva", "context"),
        ("kan nyttjas", "context"),
        ("vikten av att öka ... är stort", "context"),
        ("ska kunna", "binding"),
        ("En plan ska tas fram", "process"),
        ("behövs en övergripande ekonomisk plan", "aspirational"),
        ("Om ekonomin tillåter ... arbeta för att ge ... i uppdrag", "aspirational"),
    ],
)
def test_the_rules_decide_the_hard_calls(cue: str, strength: str) -> None:
    assert derive(cue) == strength
