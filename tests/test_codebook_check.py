"""`platform-graph check`: the codebook's mechanical rules, on crafted bad codings.

Each rule is shown to fire on a coding that breaks it (a statement of the real curation,
changed in one field), to be silenced by a recorded exception, and the shipped data to
pass all of them, through the command line as a curator runs it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_graph.build.codebook import CueTable, load_cue_table
from platform_graph.build.codebook_check import RULES, Finding, check_codebook
from platform_graph.build.curation import CodingException, Statement
from platform_graph.build.graph import BuildResult
from platform_graph.cli import main

ROOT = Path(__file__).resolve().parents[1]
TABLE = load_cue_table(ROOT / "data" / "codebook" / "cues.yaml")

NARCOTICS = "trygghet-narkotikateam"  # binding, "är överens om att införa"
SAFETY_FIRST = "trygghet-prioriterat-omrade"  # context, "är överens om att ... viktigaste"
LADDSTOLPAR = "trafik-laddstolpar"  # aspirational, "uppdrar till ... att verka för"
VIVALLA_PLAN = "trygghet-vivalla-ej-sarskilt-utsatt-2027"  # process, "En plan ska tas fram"
PARKING = "trafik-parkering-centrum"  # intent, "vill"


def _with(built: BuildResult, sid: str, **changes: Any) -> list[Statement]:
    """The real statements with one of them changed."""
    return [
        dataclasses.replace(st, **changes) if st.id == sid else st
        for st in built.curation.statements
    ]


def _findings(
    built: BuildResult, statements: list[Statement], table: CueTable = TABLE
) -> list[Finding]:
    return check_codebook(statements, built.source, table)


def _rules_for(findings: list[Finding], sid: str) -> set[str]:
    return {f.rule for f in findings if f.statement == sid}


def test_the_shipped_data_follows_the_codebook(built: BuildResult) -> None:
    assert _findings(built, built.curation.statements) == []


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("cue-missing", NARCOTICS, {"cue": None}),
    ("cue-not-in-sentence", NARCOTICS, {"cue": "ska införas"}),
    ("cue-not-in-sentence", NARCOTICS, {"cue": "införa ... är överens om att"}),
    ("cue-unknown", NARCOTICS, {"cue": "Narkotikateam"}),
    ("cue-strength", NARCOTICS, {"strength": "intent"}),
    ("process-kind", VIVALLA_PLAN, {"kind": "action"}),
    ("title-marker", LADDSTOLPAR, {"title_sv": "Fler laddstolpar i kommunen"}),
    ("title-marker", LADDSTOLPAR, {"title_en": "More charging points in the municipality"}),
    ("title-stronger", PARKING, {"title_sv": "Det ska bli lättare att parkera i centrum"}),
    ("title-stronger", VIVALLA_PLAN, {"title_sv": "Vivalla ska inte vara särskilt utsatt 2027"}),
    ("title-length", NARCOTICS, {"title_en": "A" * (TABLE.title_max_length + 1)}),
    ("commitment-cue-in-context", NARCOTICS, {"commitment": False}),
]


@pytest.mark.parametrize(("rule", "sid", "changes"), CASES)
def test_each_rule_fires_on_a_coding_that_breaks_it(
    built: BuildResult, rule: str, sid: str, changes: dict[str, Any]
) -> None:
    findings = _findings(built, _with(built, sid, **changes))
    assert rule in _rules_for(findings, sid)
    finding = next(f for f in findings if f.statement == sid and f.rule == rule)
    # Every finding says where, which rule, and why in both languages.
    assert finding.file.endswith(".yaml")
    assert finding.sv
    assert finding.en
    assert finding.sv != finding.en
    assert f"[{rule}]" in finding.line()


def test_a_hedge_coded_as_a_commitment_is_found(built: BuildResult) -> None:
    """The issue's cases: "kan" alone, as in 114 ("kan nyttjas"), coded as a commitment."""
    statements = _with(
        built,
        "kultur-skollokaler",
        commitment=True,
        strength="binding",
        cue="kan nyttjas",
        kind="action",
        change="change",
        testable=False,
        title_sv="Skollokaler nyttjas",
        title_en="School premises are used",
    )
    assert "hedge-as-commitment" in _rules_for(_findings(built, statements), "kultur-skollokaler")


def test_the_same_cue_with_two_strengths_is_found_on_both(built: BuildResult) -> None:
    # Give a second commitment the narcotics team's cue and another strength: the derivation
    # finds the wrong one, and the same-cue rule names both.
    statements = _with(built, "gymnasiet-reformera-im", cue="är överens om att", strength="intent")
    statements = [
        dataclasses.replace(st, cue="är överens om att") if st.id == NARCOTICS else st
        for st in statements
    ]
    findings = _findings(built, statements)
    assert "same-cue" in _rules_for(findings, NARCOTICS)
    assert "same-cue" in _rules_for(findings, "gymnasiet-reformera-im")


def test_a_recorded_exception_silences_its_rule_only(built: BuildResult) -> None:
    excused = CodingException("cue-strength", "kept on purpose for this test")
    statements = _with(built, NARCOTICS, strength="intent", exceptions=(excused,))
    assert "cue-strength" not in _rules_for(_findings(built, statements), NARCOTICS)
    # Another rule is not silenced by it.
    statements = _with(built, NARCOTICS, kind="outcome", strength="process", exceptions=(excused,))
    assert "process-kind" in _rules_for(_findings(built, statements), NARCOTICS)


def test_an_exception_that_silences_nothing_or_names_no_rule_is_found(built: BuildResult) -> None:
    stale = CodingException("cue-strength", "the coding was fixed since")
    unknown = CodingException("no-such-rule", "a typo")
    findings = _findings(built, _with(built, NARCOTICS, exceptions=(stale, unknown)))
    assert _rules_for(findings, NARCOTICS) == {"exception-unused", "exception-unknown-rule"}


def test_every_rule_is_described_in_both_languages() -> None:
    for rule, (sv, en) in RULES.items():
        assert sv, rule
        assert sv != en, rule
    fired = {rule for rule, _sid, _changes in CASES}
    fired |= {"hedge-as-commitment", "same-cue", "exception-unused", "exception-unknown-rule"}
    assert fired == set(RULES)


# --- through the command line, as a curator runs it ---------------------------------------


def _copy(tmp_path: Path) -> Path:
    for part in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _edit(root: Path, name: str, change: Callable[[Any], None]) -> None:
    path = root / "data" / "curation" / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_check_passes_on_the_shipped_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "check"]) == 0
    out = capsys.readouterr().out
    assert "0 code(s) against the codebook's rules" in out


def test_check_reports_a_bad_coding_with_its_rule_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)

    def change(doc: Any) -> None:
        st = next(s for s in doc["statements"] if s["id"] == "klimat-hjalmaren-muddring")
        # Item 5 of issue 19: a hedged goal stated as a fact in the title.
        st["title"]["sv"] = "Delar av Hjälmaren muddras"

    _edit(root, "07-klimat-och-miljo.yaml", change)
    assert main(["--root", str(root), "check"]) == 1
    out = capsys.readouterr().out
    assert "07-klimat-och-miljo.yaml: klimat-hjalmaren-muddring: [title-marker]" in out
    assert "1 code(s) against the codebook's rules" in out


def test_an_exception_needs_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(tmp_path)

    def change(doc: Any) -> None:
        st = next(s for s in doc["statements"] if s["id"] == SAFETY_FIRST)
        st["exceptions"] = [{"rule": "same-cue", "reason": " "}]

    _edit(root, "05-trygghet.yaml", change)
    assert main(["--root", str(root), "check"]) == 1
    assert "an exception needs its reason" in capsys.readouterr().out
