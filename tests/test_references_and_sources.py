"""References back (refers_to), published kinds (formerly) and sourced outside facts.

Each test builds a copy of the project's inputs with one curation file or record changed,
so the loader's checks and the build's output are seen on the real platform text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from platform_graph.build.graph import build
from platform_graph.config import Paths
from platform_graph.errors import CurationError
from platform_graph.validation.shacl import load_shapes, validate
from platform_graph.vocab.namespaces import ID, PG

ROOT = Path(__file__).resolve().parents[1]
TRYGGHET = "curation/05-trygghet.yaml"
PLAN = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
DIALOGUE = "trygghet-vivalla-plan-i-dialog"
NARCOTICS = "trygghet-narkotikateam"


def _copy(tmp_path: Path) -> Path:
    for part in ("data", "ontology", "shapes"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _edit(root: Path, name: str, change: Callable[[Any], None]) -> None:
    path = root / "data" / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _statement(doc: Any, sid: str) -> dict[str, Any]:
    return next(s for s in doc["statements"] if s["id"] == sid)


def _record(doc: Any, key: str, slug: str) -> dict[str, Any]:
    return next(r for r in doc[key] if r["slug"] == slug)


def test_a_reference_back_inherits_areas_and_actors_it_does_not_name(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def change(doc: Any) -> None:
        _statement(doc, DIALOGUE)["refers_to"] = [PLAN]
        # A second step: a statement referring to the dialogue inherits through it.
        _statement(doc, "trygghet-bolag-samlingslokaler")["refers_to"] = [DIALOGUE]

    _edit(root, TRYGGHET, change)
    g = build(Paths(root)).union()
    dialogue = ID[f"commitment/{DIALOGUE}"]
    assert (dialogue, PG.refersTo, ID[f"commitment/{PLAN}"]) in g
    assert set(g.objects(dialogue, PG.inheritedArea)) == {ID["area/vivalla"]}
    # orebro-kommun is named by the dialogue itself: not inherited again.
    assert set(g.objects(dialogue, PG.inheritedActor)) == set()
    assert (dialogue, PG.concernsArea, ID["area/vivalla"]) not in g
    rooms = ID["commitment/trygghet-bolag-samlingslokaler"]
    assert ID["area/vivalla"] in set(g.objects(rooms, PG.inheritedArea))
    assert ID["actor/polisen"] in set(g.objects(rooms, PG.inheritedActor))
    assert validate(g, load_shapes(Paths(root).shapes)).conforms


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-statement", "refers_to names no statement"),
        (DIALOGUE, "cannot refer to itself"),
        ("trygghet-bolag-samlingslokaler", "does not stand before it"),
    ],
)
def test_a_reference_back_must_name_an_earlier_statement(
    tmp_path: Path, target: str, message: str
) -> None:
    root = _copy(tmp_path)
    _edit(root, TRYGGHET, lambda doc: _statement(doc, DIALOGUE).update(refers_to=[target]))
    with pytest.raises(CurationError, match=message):
        build(Paths(root))


def test_a_statement_published_as_the_other_kind_keeps_its_old_iri(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, TRYGGHET, lambda doc: _statement(doc, NARCOTICS).update(formerly="context"))
    g = build(Paths(root)).union()
    new, old = ID[f"commitment/{NARCOTICS}"], ID[f"context/{NARCOTICS}"]
    assert (old, DCTERMS.isReplacedBy, new) in g
    assert (new, DCTERMS.replaces, old) in g
    assert (old, RDF.type, PG.Statement) not in g


def test_formerly_must_name_the_other_kind(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, TRYGGHET, lambda doc: _statement(doc, NARCOTICS).update(formerly="commitment"))
    with pytest.raises(CurationError, match="formerly names the kind"):
        build(Paths(root))


def test_an_outside_fact_carries_its_source_and_date(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    url = "https://example.org/report.pdf"

    def change(doc: Any) -> None:
        _record(doc, "areas", "vivalla")["sources"] = [
            {"fact": "police_classification", "url": url, "date": "2021-12-01"},
            {"fact": "coordinates", "url": url, "date": "2021"},
        ]

    _edit(root, "areas.yaml", change)
    g = build(Paths(root)).union()
    vivalla = ID["area/vivalla"]
    first, second = URIRef(f"{vivalla}#source-1"), URIRef(f"{vivalla}#source-2")
    assert (first, RDF.type, PG.SourcedFact) in g
    assert g.value(first, RDF.subject) == vivalla
    assert g.value(first, RDF.predicate) == PG.policeClassification
    assert g.value(first, RDF.object) == Literal("särskilt utsatt område", lang="sv")
    assert g.value(first, DCTERMS.source) == URIRef(url)
    assert g.value(first, DCTERMS.date) == Literal("2021-12-01", datatype=XSD.date)
    assert g.value(second, RDF.subject) == URIRef(f"{vivalla}#geometry")
    assert g.value(second, DCTERMS.date) == Literal("2021", datatype=XSD.gYear)
    assert validate(g, load_shapes(Paths(root).shapes)).conforms


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"fact": "wikidata", "url": "https://example.org", "date": "2021"}, "not a fact"),
        ({"fact": "icao", "url": "https://example.org", "date": "2021"}, "does not state"),
        ({"fact": "coordinates", "url": "example.org", "date": "2021"}, "http"),
        ({"fact": "coordinates", "url": "https://example.org", "date": "May"}, "date must"),
        ({"fact": "coordinates", "url": "https://example.org"}, "a source needs"),
    ],
)
def test_a_source_must_name_a_fact_the_record_states(
    tmp_path: Path, source: dict[str, str], message: str
) -> None:
    root = _copy(tmp_path)
    _edit(root, "areas.yaml", lambda doc: _record(doc, "areas", "vivalla").update(sources=[source]))
    with pytest.raises(CurationError, match=message):
        build(Paths(root))


def test_actors_and_areas_reject_unknown_keys(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "actors.yaml", lambda doc: _record(doc, "actors", "kumbro").update(kind="utility"))
    with pytest.raises(CurationError, match="unknown keys"):
        build(Paths(root))


def test_a_sourced_fact_without_a_source_is_a_violation(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    url = "https://example.org/report.pdf"
    _edit(
        root,
        "areas.yaml",
        lambda doc: _record(doc, "areas", "orebro-airport").update(
            sources=[{"fact": "icao", "url": url, "date": "2022"}]
        ),
    )
    g = build(Paths(root)).union()
    g.remove((URIRef(f"{ID['area/orebro-airport']}#source-1"), DCTERMS.source, None))
    report = validate(g, load_shapes(Paths(root).shapes))
    assert not report.conforms
    assert "dcterms:source" in report.to_text()
