"""The extractor (issue 16): units exactly anchored, the codebook's rules, the registries,
quantities, the JSON contract, and its figures on the curated texts (a floor, so that a
change that makes it worse fails here; docs/extraction.md has the full report)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from platform_graph.build.graph import BuildResult, build
from platform_graph.build.layout import cut
from platform_graph.build.platforms import PlatformSpec, load_platform_spec
from platform_graph.config import Paths
from platform_graph.extract import Extraction, extract, load_context
from platform_graph.extract.evaluate import Score, score
from platform_graph.extract.report import unknown_records

ROOT = Path(__file__).resolve().parents[1]
DEV = [ROOT / "data" / "dev" / "exempelby-2026-2030", ROOT / "data" / "dev" / "ekholm-s-2026-2030"]

# A platform as a PDF export gives it: a title, headings, a hyphenated line end, page
# numbers, bullets of four kinds under lead-ins, a numbered list under a conditional
# promise, hedges, evaluations and general statements.
SAMPLE = """Politisk plattform för Provkommun 2026–2030

Inledning
Vi vill att Provkommun ska växa. Det är viktigt att alla ska känna sig trygga. Barn
behöver trygga vuxna. Skolan är grunden för ett jämlikt samhälle.

Trygghet
Vi vill:
● Anställa fler fältassistenter i Norrby.
• Utreda kameraövervakning vid Stortorget.
- Att polisen ska få lokaler i centrum.
– Ett tryggare Provkommun senast 2028.
Kommunen kan erbjuda läxhjälp. Samarbetet med polisen och polisens lokala
områdes-
polis ska fördjupas.

3

Ekonomi
Om vi får förtroendet lovar vi att:
1) satsa en miljard kronor på skolan under mandatperioden,
2) avsätta 50 miljoner till landsbygden.
Regionen behöver förbättra kollektivtrafiken.
"""


def _ctx(paths: Paths, spec: PlatformSpec | None = None, **kw: Any) -> Any:
    return load_context(paths, spec, **kw)


@pytest.fixture(scope="module")
def sample(paths: Paths) -> Extraction:
    return extract(SAMPLE, _ctx(paths, municipality="Provkommun kommun", term=(2026, 2030)))


def _unit(ex: Extraction, words: str) -> Any:
    for u in ex.units:
        if words in " ".join(u.text.split()):
            return u
    raise AssertionError(f"no unit with {words!r}")


# --- units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [SAMPLE, *(p.joinpath("source.txt").read_text(encoding="utf-8") for p in DEV)],
    ids=["sample", "exempelby", "ekholm"],
)
def test_units_and_set_asides_tile_the_non_blank_text_exactly(text: str) -> None:
    layout = cut(text)
    spans = sorted(
        [(u.start, u.end) for u in layout.units] + [(s.start, s.end) for s in layout.skipped]
    )
    covered = bytearray(len(text))
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert not any(covered[start:end]), "two units overlap"
        covered[start:end] = b"\x01" * (end - start)
    missed = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert missed == [], text[missed[0] : missed[0] + 40] if missed else ""


def test_the_units_of_orebro_are_the_builds_sentences(built: BuildResult) -> None:
    units = {(u.start, u.end) for u in cut(built.source.text).units if u.kind != "heading"}
    assert units == {(s.start, s.end) for s in built.source.sentences}


def test_headings_page_numbers_markers_and_hyphenation(sample: Extraction) -> None:
    headings = [u.text for u in sample.units if u.label == "heading"]
    assert headings == [
        "Politisk plattform för Provkommun 2026–2030",
        "Inledning",
        "Trygghet",
        "Ekonomi",
    ]
    reasons = sorted({s.reason for s in sample.skipped})
    assert reasons == ["list marker", "page number"]
    assert sum(s.reason == "list marker" for s in sample.skipped) == 6
    item = _unit(sample, "områdes- polis ska fördjupas")
    assert item.text == SAMPLE[item.start : item.end]
    assert "områdes-\npolis" in item.text
    assert item.label == "commitment"


# --- the codebook's rules ---------------------------------------------------------------------


def test_a_lead_in_promises_nothing_itself_but_governs_its_items(sample: Extraction) -> None:
    lead = _unit(sample, "Vi vill:")
    assert lead.label == "context"
    assert "lead-in" in lead.rules["label"]
    hire = _unit(sample, "Anställa fler fältassistenter")
    assert (hire.label, hire.strength, hire.cue) == ("commitment", "intent", "Vi vill:")
    assert hire.lead_in == lead.index
    assert [a["id"] for a in hire.actors if a["role"] == "responsible"] == ["kommunledningen"]


def test_an_item_with_its_own_verb_adds_its_cue(sample: Extraction) -> None:
    investigate = _unit(sample, "Utreda kameraövervakning")
    assert (investigate.strength, investigate.kind) == ("process", "process")
    assert investigate.cue == "Vi vill: ... Utreda"  # the words as they stand
    police = _unit(sample, "Att polisen ska få lokaler")
    assert police.strength == "intent"  # "ska" under "vill": the weakest link


def test_a_conditional_promise_is_binding_and_numbered_items_follow_it(sample: Extraction) -> None:
    billion = _unit(sample, "satsa en miljard kronor")
    assert (billion.label, billion.strength) == ("commitment", "binding")
    assert billion.amount_sek == 1_000_000_000
    assert billion.deadline == "2030"  # "under mandatperioden": the end of the term
    assert _unit(sample, "avsätta 50 miljoner").amount_sek == 50_000_000


@pytest.mark.parametrize(
    ("words", "why"),
    [
        ("Det är viktigt att alla ska känna sig trygga", "evaluation"),
        ("Barn behöver trygga vuxna", "group"),
        ("Skolan är grunden för ett jämlikt samhälle", "no commitment cue"),
        ("Kommunen kan erbjuda läxhjälp", "hedge"),
    ],
)
def test_hedges_evaluations_needs_and_general_statements_are_context(
    sample: Extraction, words: str, why: str
) -> None:
    unit = _unit(sample, words)
    assert unit.label == "context", unit.rules
    assert why in unit.rules["label"]


def test_a_need_for_an_act_is_an_aspirational_commitment(sample: Extraction) -> None:
    region = _unit(sample, "Regionen behöver förbättra kollektivtrafiken")
    assert (region.label, region.strength) == ("commitment", "aspirational")


def test_the_cue_table_is_read_not_copied(paths: Paths, tmp_path: Path) -> None:
    """Remove "bör" from a copy of cues.yaml: the extractor no longer sees a commitment."""
    root = tmp_path / "root"
    for part in ("ontology", "data/codebook"):
        shutil.copytree(paths.root / part, root / part)
    shutil.copy(paths.data / "actors.yaml", root / "data" / "actors.yaml")
    shutil.copy(paths.data / "areas.yaml", root / "data" / "areas.yaml")
    text = "Trygghet\nKameror bör sättas upp vid torget.\n"
    before = extract(text, load_context(Paths(root)))
    cues = root / "data" / "codebook" / "cues.yaml"
    cues.write_text(re.sub(r"pattern: '\\bbör\\b'", "pattern: 'xyzzy'", cues.read_text()), "utf-8")
    after = extract(text, load_context(Paths(root)))
    assert [u.label for u in before.units] == ["heading", "commitment"]
    assert [u.label for u in after.units] == ["heading", "context"]


# --- actors and areas ---------------------------------------------------------------------------


def test_known_actors_and_areas_with_swedish_inflection(paths: Paths) -> None:
    spec = load_platform_spec(paths.data)
    text = (
        "Trygghet\nPolisen och polisens volontärer ska arbeta med regionen och Region Örebro "
        "län på landsbygden och i Vivalla.\n"
    )
    unit = extract(text, _ctx(paths, spec)).units[1]
    actors = [(a["mention"], a["id"]) for a in unit.actors]
    assert ("Polisen", "polisen") in actors
    assert ("polisens", "polisen") in actors
    assert ("regionen", "region-orebro-lan") in actors
    assert ("Region Örebro län", "region-orebro-lan") in actors
    areas = [(a["mention"], a["id"]) for a in unit.areas]
    assert ("landsbygden", "landsbygd") in areas
    assert ("Vivalla", "vivalla") in areas
    for a in [*unit.actors, *unit.areas]:
        if a["start"] is not None:
            assert text[a["start"] : a["end"]] == a["mention"]


def test_pronouns_are_the_coalition_and_unknown_names_are_proposed(sample: Extraction) -> None:
    unit = _unit(sample, "Vi vill att Provkommun ska växa")
    we = [a for a in unit.actors if a["mention"] == "Vi"]
    assert we
    assert we[0]["id"] == "kommunledningen"
    proposed = sample.proposals()
    mentions = {(p["mention"], p["type"]) for p in proposed["actors"] + proposed["areas"]}
    assert ("fältassistenter", "group") in mentions
    assert ("Stortorget", "place") in mentions
    assert ("Norrby", "place") in mentions
    assert not any(m.lower() in ("vi", "oss") for m, _ in mentions)


def test_another_municipalitys_bodies_are_not_orebros(paths: Paths) -> None:
    """In another municipality "förvaltningen" is its own administration: proposed, not
    linked to Örebro's."""
    text = "Skola\nFörvaltningen ska ta fram en plan för skolan.\n"
    elsewhere = extract(text, _ctx(paths, municipality="Provkommun kommun")).units[1]
    assert all(a["id"] != "forvaltningen" for a in elsewhere.actors)
    assert any(a["mention"] == "Förvaltningen" and a["id"] is None for a in elsewhere.actors)
    home = extract(text, _ctx(paths, load_platform_spec(paths.data))).units[1]
    assert any(a["id"] == "forvaltningen" for a in home.actors)


# --- the contract ---------------------------------------------------------------------------


def test_the_json_contract(sample: Extraction) -> None:
    doc = sample.as_json()
    for u in doc["units"]:
        assert u["text"] == SAMPLE[u["start"] : u["end"]]
        assert u["label"] in ("commitment", "context", "heading")
        assert u["strength"] in ("binding", "intent", "process", "aspirational", None)
        assert (u["strength"] is None) == (u["label"] != "commitment")
        assert 0.0 < u["confidence"] <= 1.0
        assert isinstance(u["themes"], list)
        assert u["rules"]["label"]
        for a in u["actors"]:
            assert set(a) >= {"mention", "start", "end", "id", "role"}
            assert a["role"] in ("responsible", "partner", "affected")
        for a in u["areas"]:
            assert set(a) >= {"mention", "start", "end", "id"}


# --- the figures: a floor under what docs/extraction.md reports ----------------------------------


@pytest.fixture(scope="module")
def dev_built() -> BuildResult:
    return build(Paths(ROOT, tuple(DEV)))


@pytest.mark.parametrize("slug", ["orebro-2022-2026", "exempelby-2026-2030", "ekholm-s-2026-2030"])
def test_the_figures_stay_above_the_bar(paths: Paths, dev_built: BuildResult, slug: str) -> None:
    p = dev_built.platform(slug)
    ctx = load_context(paths, p.spec, own_records=False)
    figures = score(
        slug, extract(p.source.text, ctx), p.curation.statements, unknown_records(p, ctx)
    ).figures()
    assert figures["commitment recall"] >= 0.95, figures
    assert figures["commitment precision"] >= 0.90, figures
    assert figures["strength accuracy (lenient)"] >= 0.90, figures
    assert figures["actor link recall"] >= 0.80, figures
    assert figures["area link recall"] >= 0.85, figures


def test_a_proposal_counts_for_the_record_it_names_exactly_whatever_the_order() -> None:
    """ "kommun" is the municipality, not "kommunens förvaltningar" whose name begins
    alike, in whichever order the records come (the figures once hung on a set's order)."""
    records = {"forvaltningar": {"kommunens förvaltningar"}, "ekby-kommun": {"kommun"}}
    for order in (records, dict(reversed(records.items()))):
        s = Score("t", unknown={"actor": order})
        assert s.resolve("actor", {"id": None, "mention": "Kommun"}) == "ekby-kommun"
        assert s.resolve("actor", {"id": None, "mention": "Kommunens  förvaltningar"}) == (
            "forvaltningar"
        )
        assert s.resolve("actor", {"id": None, "mention": "skolan"}) is None
