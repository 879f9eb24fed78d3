"""Broken graphs are each rejected, with the right message in Swedish and English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from platform_graph.validation.shacl import Report, validate
from platform_graph.vocab.namespaces import ID, OA, PG

VIVALLA = ID["commitment/trygghet-vivalla-ej-sarskilt-utsatt-2027"]


def _mutated(union: Graph, change: Callable[[Graph], Any]) -> Graph:
    g = Graph()
    for t in union:
        g.add(t)
    change(g)
    return g


def _check(union: Graph, shapes: Graph, change: Callable[[Graph], Any]) -> Report:
    return validate(_mutated(union, change), shapes)


def _messages(report: Report) -> list[str]:
    return [f"{r.message_en} | {r.message_sv}" for r in report.violations]


def test_a_misquote_is_a_violation(union: Graph, shapes: Graph) -> None:
    quote = URIRef(f"{VIVALLA}#quote")

    def change(g: Graph) -> None:
        old = g.value(quote, OA.exact)
        g.set((quote, OA.exact, Literal(str(old).replace("2027", "2030"))))

    report = _check(union, shapes, change)
    assert not report.conforms
    [result] = report.violations
    assert result.focus == str(VIVALLA)
    assert result.message_en.startswith("Misquote")
    assert result.message_sv.startswith("Felcitat")


def test_a_span_outside_the_document_is_a_violation(union: Graph, shapes: Graph) -> None:
    pos = URIRef(f"{VIVALLA}#position")

    def change(g: Graph) -> None:
        g.set((pos, OA.start, Literal(30000, datatype=XSD.integer)))
        g.set((pos, OA.end, Literal(30050, datatype=XSD.integer)))

    report = _check(union, shapes, change)
    assert any("lies outside the document" in m for m in _messages(report)), report.to_text()


def test_a_span_with_start_after_end_is_a_violation(union: Graph, shapes: Graph) -> None:
    pos = URIRef(f"{VIVALLA}#position")

    def change(g: Graph) -> None:
        g.set((pos, OA.start, Literal(9000, datatype=XSD.integer)))
        g.set((pos, OA.end, Literal(8000, datatype=XSD.integer)))

    report = _check(union, shapes, change)
    assert any("start must come before its end" in m for m in _messages(report)), report.to_text()


@pytest.mark.parametrize(
    "value",
    [Literal("snart"), Literal("2027-13", datatype=XSD.string), Literal(2027)],
    ids=["word", "string", "integer"],
)
def test_a_deadline_that_is_not_a_year_or_date_is_a_violation(
    union: Graph, shapes: Graph, value: Literal
) -> None:
    report = _check(union, shapes, lambda g: g.set((VIVALLA, PG.deadline, value)))
    assert any("deadline must be a year" in m for m in _messages(report)), report.to_text()


def test_a_date_deadline_is_accepted(union: Graph, shapes: Graph) -> None:
    date = Literal("2027-06-30", datatype=XSD.date)
    report = _check(union, shapes, lambda g: g.set((VIVALLA, PG.deadline, date)))
    assert report.conforms, report.to_text()


def test_a_commitment_with_no_theme_is_a_violation(union: Graph, shapes: Graph) -> None:
    report = _check(union, shapes, lambda g: g.remove((VIVALLA, PG.theme, None)))
    [result] = report.violations
    assert result.focus == str(VIVALLA)
    assert result.path == "pg:theme"
    assert "at least one theme" in result.message_en
    assert "minst ett tema" in result.message_sv


def test_a_theme_outside_the_scheme_is_a_violation(union: Graph, shapes: Graph) -> None:
    alien = ID["theme/ufo"]
    report = _check(union, shapes, lambda g: g.add((VIVALLA, PG.theme, alien)))
    assert any("theme scheme" in m for m in _messages(report)), report.to_text()


def test_an_actor_of_unknown_type_is_a_violation(union: Graph, shapes: Graph) -> None:
    alien = ID["actor/okand"]

    def change(g: Graph) -> None:
        g.add((alien, RDF.type, PG.Actor))
        g.add((alien, RDF.type, URIRef("https://example.org/Alien")))

    report = _check(union, shapes, change)
    assert any("no known type" in m for m in _messages(report)), report.to_text()


def test_a_responsible_actor_that_is_no_actor_is_a_violation(union: Graph, shapes: Graph) -> None:
    stranger = URIRef("https://example.org/somebody")
    report = _check(union, shapes, lambda g: g.add((VIVALLA, PG.responsibleActor, stranger)))
    assert any("actor of a known type" in m for m in _messages(report)), report.to_text()


def test_a_missing_english_title_is_only_a_warning(union: Graph, shapes: Graph) -> None:
    def change(g: Graph) -> None:
        for title in list(g.objects(VIVALLA, DCTERMS.title)):
            if isinstance(title, Literal) and title.language == "en":
                g.remove((VIVALLA, DCTERMS.title, title))

    report = _check(union, shapes, change)
    assert report.conforms
    [warning] = report.warnings
    assert warning.focus == str(VIVALLA)
    assert "no English title" in warning.message_en


def test_a_sentence_nobody_quotes_is_a_violation(union: Graph, shapes: Graph) -> None:
    def change(g: Graph) -> None:
        for st in list(g.subjects(PG.inSentence, ID["sentence/orebro-2022-2026-069"])):
            for t in list(g.triples((st, None, None))):
                g.remove(t)

    report = _check(union, shapes, change)
    assert any("not accounted for" in m for m in _messages(report)), report.to_text()


def test_a_status_outside_the_scale_is_a_violation(union: Graph, shapes: Graph) -> None:
    report = _check(union, shapes, lambda g: g.set((VIVALLA, PG.status, ID["strength/binding"])))
    assert any("status from pg:StatusScheme" in m for m in _messages(report)), report.to_text()
