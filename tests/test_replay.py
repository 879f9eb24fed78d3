"""The change log replayed onto a new base (``write.replay``), in memory: what applies is
applied in order, what no longer applies is kept in the log, marked, with its reason in
Swedish and English; sequence numbers, authors, messages and reverts are kept; the base
is named by its content, whatever order a build wrote it in.

The end to end case (a real server, a curated file edited) is tests/test_rebase.py.
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD

from platform_graph.build.graph import BuildResult
from platform_graph.config import Paths
from platform_graph.store import Store
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, PG
from platform_graph.write.change_log import base_quads, read_base, read_record
from platform_graph.write.replay import content_base, replay, same_data
from platform_graph.write.writer import Writer
from tests.support.inprocess import platform_store

POLISEN = URIRef(ID["actor/polisen"])
RULES = URIRef(ID["commitment/skola-ordningsregler"])
OLD_SV = "Tydliga ordningsregler i skolorna"


@pytest.fixture(scope="module")
def validator(paths: Paths) -> Validator:
    return Validator(load_shapes(paths.shapes))


def _logged(built: BuildResult, validator: Validator) -> Store:
    """The platform with a recorded base and three changes: an alias (1), a title
    correction (2), the alias reverted (3), and another alias (4)."""
    store = platform_store(built)
    store.apply([], base_quads(content_base(built.nquads())))
    writer = Writer(store, validator)
    alias = (POLISEN, SKOS.altLabel, Literal("Polismyndigheten i Örebro", lang="sv"), DATA_GRAPH)
    title = (RULES, DCTERMS.title, Literal(OLD_SV, lang="sv"), DATA_GRAPH)
    new_title = (
        RULES,
        DCTERMS.title,
        Literal("Tydliga regler i alla skolor", lang="sv"),
        DATA_GRAPH,
    )
    steps = [
        writer.submit(add=[alias], remove=[], author="anna", message="Alias"),
        writer.submit(add=[new_title], remove=[title], author="bo", message="Rubriken"),
        writer.revert(1, author="chef"),
        writer.submit(
            add=[(POLISEN, SKOS.altLabel, Literal("Polisen i Örebro", lang="sv"), DATA_GRAPH)],
            remove=[],
            author="anna",
            message={"sv": "Smeknamn", "en": "Nickname"},
        ),
    ]
    assert [s.status for s in steps] == ["applied"] * 4, [s.report.to_text() for s in steps]
    return store


def test_the_base_is_named_by_its_content(built: BuildResult) -> None:
    data = built.nquads()
    lines = data.decode("utf-8").splitlines(keepends=True)
    shuffled = "".join(reversed(lines)).encode("utf-8")
    assert content_base(shuffled) == content_base(data)
    assert content_base(data.replace(OLD_SV.encode(), b"Andra regler")) != content_base(data)


def test_a_change_that_no_longer_applies_is_kept_marked_and_the_rest_applied(
    built: BuildResult, validator: Validator
) -> None:
    old = _logged(built, validator)
    curated = "Tydliga och kända ordningsregler i skolorna"
    new_base = built.nquads().replace(f'"{OLD_SV}"@sv'.encode(), f'"{curated}"@sv'.encode())
    assert new_base != built.nquads()
    new, report = replay(old, new_base, validator)

    outcomes = {c.sequence: c.outcome for c in report.changes}
    assert outcomes == {1: "applied", 2: "unapplied", 3: "applied", 4: "applied"}
    assert report.rebase == 5
    assert report.old is not None
    assert report.new == content_base(new_base)
    # The data: the curated title, the later alias, not the reverted one.
    titles = {str(o) for _, _, o, _ in new.quads(RULES, DCTERMS.title) if o.language == "sv"}  # type: ignore[union-attr]
    assert titles == {curated}
    aliases = {str(o) for _, _, o, _ in new.quads(POLISEN, SKOS.altLabel)}
    assert "Polisen i Örebro" in aliases
    assert "Polismyndigheten i Örebro" not in aliases
    # The log: everything kept, the unapplied change marked with its reason.
    two = read_record(new, 2)
    assert two is not None
    assert two.author == "bo"
    assert two.message == "Rubriken"
    assert not two.applied
    assert two.unapplied is not None
    assert two.unapplied.rule == "triple-gone"
    assert OLD_SV in two.unapplied.sv
    assert OLD_SV in two.unapplied.en
    assert two.unapplied.base == report.new.hash
    assert two.unapplied.rebase == 5
    three = read_record(new, 3)
    assert three is not None
    assert three.reverts == URIRef(ID["change/1"])
    four = read_record(new, 4)
    assert four is not None
    assert four.messages == {"sv": "Smeknamn", "en": "Nickname"}
    five = read_record(new, 5)
    assert five is not None
    assert five.kind == "rebase"
    assert five.base == report.new.hash
    assert "2" in five.messages["sv"]
    assert "2" in five.messages["en"]
    found = read_base(new)
    assert found is not None
    assert found.hash == report.new.hash
    text = report.to_text()
    assert "change 2 (bo," in text
    assert "NOT applied" in text
    # The old store is only read.
    assert read_record(old, 5) is None
    assert read_record(old, 2) is not None
    assert read_record(old, 2).applied  # type: ignore[union-attr]

    # Replayed again onto the same base: nothing moves, the unapplied change stays so.
    again, second = replay(new, new_base, validator)
    assert {c.sequence: c.outcome for c in second.changes}[2] == "passed-over"
    assert second.added == 0
    assert second.removed == 0
    assert read_record(again, 2).unapplied is not None  # type: ignore[union-attr]


def test_a_store_is_taken_as_built_on_a_base_only_if_it_is_that_base_plus_its_log(
    built: BuildResult, validator: Validator
) -> None:
    old = _logged(built, validator)
    same, _ = same_data(old, built.nquads(), validator)
    assert same
    other = built.nquads().replace(f'"{OLD_SV}"@sv'.encode(), b'"Andra regler"@sv')
    same, report = same_data(old, other, validator)
    assert not same
    assert [c.sequence for c in report.unapplied] == [2]


def _title_change_then_its_revert(built: BuildResult, validator: Validator) -> Store:
    """The platform with a recorded base, a title correction (1) and its revert (2)."""
    store = platform_store(built)
    store.apply([], base_quads(content_base(built.nquads())))
    writer = Writer(store, validator)
    title = (RULES, DCTERMS.title, Literal(OLD_SV, lang="sv"), DATA_GRAPH)
    new_title = (RULES, DCTERMS.title, Literal("Regler i alla skolor", lang="sv"), DATA_GRAPH)
    steps = [
        writer.submit(add=[new_title], remove=[title], author="bo", message="Rubriken"),
        writer.revert(1, author="chef"),
    ]
    assert [s.status for s in steps] == ["applied"] * 2, [s.report.to_text() for s in steps]
    return store


def test_a_revert_of_a_change_that_no_longer_applies_is_kept_marked_with_its_own_reason(
    built: BuildResult, validator: Validator
) -> None:
    old = _title_change_then_its_revert(built, validator)
    curated = "Kända ordningsregler i skolorna"
    new_base = built.nquads().replace(f'"{OLD_SV}"@sv'.encode(), f'"{curated}"@sv'.encode())
    new, report = replay(old, new_base, validator)
    assert {c.sequence: c.outcome for c in report.changes} == {1: "unapplied", 2: "unapplied"}
    one, two = read_record(new, 1), read_record(new, 2)
    assert one is not None
    assert two is not None
    assert one.unapplied is not None
    assert one.unapplied.rule == "triple-gone"
    assert two.unapplied is not None
    assert two.unapplied.rule == "reverts-unapplied"
    assert "1" in two.unapplied.sv
    assert "did not apply either" in two.unapplied.en
    titles = {str(o) for _, _, o, _ in new.quads(RULES, DCTERMS.title) if o.language == "sv"}  # type: ignore[union-attr]
    assert titles == {curated}  # the curated title, touched by neither


def test_a_change_whose_result_breaks_the_shapes_on_the_new_base_is_kept_marked_invalid(
    built: BuildResult, validator: Validator
) -> None:
    # An amount recorded by a change (valid then: the commitment had none); the new
    # build codes another amount for the same commitment: two would break maxCount 1.
    store = platform_store(built)
    store.apply([], base_quads(content_base(built.nquads())))
    amount = URIRef(PG + "amountSEK")
    assert not store.quads(RULES, amount)
    recorded = (RULES, amount, Literal("1000000", datatype=XSD.decimal), DATA_GRAPH)
    step = Writer(store, validator).submit(
        add=[recorded], remove=[], author="anna", message="Beloppet"
    )
    assert step.status == "applied", step.report.to_text()
    coded = f'<{RULES}> <{amount}> "2500000"^^<{XSD.decimal}> <{DATA_GRAPH}> .\n'
    new, report = replay(store, built.nquads() + coded.encode(), validator)
    assert {c.sequence: c.outcome for c in report.changes} == {1: "unapplied"}
    one = read_record(new, 1)
    assert one is not None
    assert not one.applied
    assert one.unapplied is not None
    assert one.unapplied.rule == "invalid"
    assert str(RULES) in one.unapplied.en
    assert "breaks the shapes" in one.unapplied.en
    assert "bryter mot formerna" in one.unapplied.sv
    amounts = {str(o) for _, _, o, _ in new.quads(RULES, amount)}
    assert amounts == {"2500000"}  # the new build's, and nothing of the change
