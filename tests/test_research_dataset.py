"""The research dataset (/data/pledges.csv, .xlsx, .csv-metadata.json), downloaded from the
service in process and read back as a researcher would: the CSV through its CSV on the
Web metadata with the W3C recommendation's reference Python implementation (csvw), the
workbook with openpyxl."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from csvw import TableGroup
from openpyxl import load_workbook
from rdflib import Graph

from platform_graph.build.graph import BuildResult
from platform_graph.read.research_dataset import COLUMNS, _cell
from platform_graph.vocab.namespaces import PG
from tests.support.inprocess import Client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIALOGUE = "trygghet-vivalla-plan-i-dialog"


@pytest.fixture(scope="module")
def downloaded(app: Client, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("dataset")
    answers = {}
    for name in ("pledges.csv", "pledges.xlsx", "pledges.csv-metadata.json"):
        r = app.get(f"/data/{name}")
        assert r.status_code == 200, (name, r.text)
        (folder / name).write_bytes(r.content)
        answers[name] = r
    return {"folder": folder, "answers": answers}


def _commitments(union: Graph) -> int:
    return len(set(union.subjects(predicate=PG.strength)))


def test_the_three_files_download_with_their_media_types(downloaded: dict[str, Any]) -> None:
    answers = downloaded["answers"]
    assert answers["pledges.csv"].headers["content-type"] == "text/csv; charset=utf-8"
    assert answers["pledges.xlsx"].headers["content-type"] == XLSX
    assert (
        answers["pledges.csv-metadata.json"]
        .headers["content-type"]
        .startswith("application/csvm+json")
    )
    for name, r in answers.items():
        assert f'filename="{name}"' in r.headers["content-disposition"]
        assert r.headers.get("etag")


def test_a_csvw_parser_reads_every_commitment_with_its_datatypes(
    downloaded: dict[str, Any], union: Graph, built: BuildResult
) -> None:
    group = TableGroup.from_file(downloaded["folder"] / "pledges.csv-metadata.json")
    assert len(group.tables) == 1
    table = group.tables[0]
    rows = list(table.iterdicts())
    assert len(rows) == _commitments(union) == 190
    assert [c.name for c in table.tableSchema.columns] == [c.name for c in COLUMNS]
    text = built.source.text
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows)
    for row in rows:
        assert isinstance(row["start"], int)
        assert isinstance(row["end"], int)
        assert isinstance(row["sentence"], int)
        assert isinstance(row["pledge"], bool)
        assert isinstance(row["testable"], bool)
        assert row["commitment"] is True
        assert row["pledge"] == row["testable"]
        # The quote is the source's words at its offsets, exactly.
        assert text[row["start"] : row["end"]] == row["quote"]
        assert isinstance(row["cap_major_topics"], list)
        assert row["cap_major_topics"]
        assert all(isinstance(code, int) for code in row["cap_major_topics"])
        assert isinstance(row["themes"], list)
        assert row["strength"] in ("binding", "intent", "process", "aspirational")
        assert row["strength_order"] == {"binding": 1, "intent": 2, "process": 3}.get(
            row["strength"], 4
        )
        assert row["actors_responsible"]
        assert row["status"] == "not-yet-rated"
    assert sum(row["pledge"] for row in rows) == 123
    # The example: the plan made in dialogue with the police concerns Vivalla only
    # by inheritance, kept apart from the areas it names itself.
    dialogue = by_id[DIALOGUE]
    assert dialogue["areas"] == []
    assert dialogue["areas_inherited"] == ["vivalla"]
    assert "polisen" in dialogue["actors_partner"]
    assert dialogue["refers_to"] == ["trygghet-vivalla-ej-sarskilt-utsatt-2027"]
    money = by_id["trygghet-en-miljard-atta-ar"]
    assert money["amount_sek"] == 1_000_000_000
    assert money["period"] is not None
    assert by_id["trygghet-vivalla-ej-sarskilt-utsatt-2027"]["deadline"] == "2027"


def test_the_metadata_describes_every_column_in_both_languages(
    downloaded: dict[str, Any],
) -> None:
    meta = json.loads((downloaded["folder"] / "pledges.csv-metadata.json").read_text("utf-8"))
    assert meta["@context"][0] == "http://www.w3.org/ns/csvw"
    assert meta["dialect"]["encoding"] == "utf-8"
    (table,) = meta["tables"]
    assert table["url"] == "pledges.csv"
    columns = table["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == [c.name for c in COLUMNS]
    for c in columns:
        assert set(c["titles"]) == {"en", "sv"}, c["name"]
        assert c["datatype"], c["name"]
        assert c["dc:description"], c["name"]
    assert table["tableSchema"]["aboutUrl"].endswith("/id/commitment/{id}")
    by_name = {c["name"]: c for c in columns}
    assert by_name["strength"]["propertyUrl"].endswith("ontology#strength")
    assert by_name["themes"]["separator"] == ";"


def test_the_workbook_has_the_same_rows(downloaded: dict[str, Any]) -> None:
    csv_text = (downloaded["folder"] / "pledges.csv").read_text(encoding="utf-8")
    csv_rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    book = load_workbook(downloaded["folder"] / "pledges.xlsx", read_only=True)
    sheet = book["pledges"]
    xlsx_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert xlsx_rows[0] == csv_rows[0] == [c.name for c in COLUMNS]
    assert len(xlsx_rows) == len(csv_rows) == 191
    names = csv_rows[0]
    for got, want in zip(xlsx_rows[1:], csv_rows[1:], strict=True):
        for name, value, text in zip(names, got, want, strict=True):
            if value is None:
                assert text == "", name
            elif isinstance(value, bool):
                assert text == ("true" if value else "false"), name
            else:
                assert str(value) == text, name
    described = [r[0] for r in book["columns"].iter_rows(min_row=2, values_only=True)]
    assert described == [c.name for c in COLUMNS]


def test_text_cells_cannot_run_as_formulas() -> None:
    title = next(c for c in COLUMNS if c.name == "title_sv")
    themes = next(c for c in COLUMNS if c.name == "themes")
    assert _cell(title, '=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _cell(title, "Plan för Vivalla") == "Plan för Vivalla"
    assert _cell(themes, ["a", "b"]) == "a;b"


def test_an_unknown_download_is_a_404_naming_the_research_files(app: Client) -> None:
    r = app.get("/data/pledges.ods")
    assert r.status_code == 404
    assert "pledges.csv" in r.json()["detail"]


def test_the_dataset_files_are_in_the_openapi_document(app: Client) -> None:
    doc = app.get("/openapi.json").json()
    content = doc["paths"]["/data/{name}"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", XLSX, "application/csvm+json"} <= set(content)


def test_the_files_are_linked_from_every_page(app: Client) -> None:
    page = app.get("/", headers={"Accept": "text/html"}).text
    for name in ("pledges.csv", "pledges.xlsx", "pledges.csv-metadata.json"):
        assert f'href="/data/{name}"' in page


def test_every_theme_carries_a_cap_major_topic_with_its_source(union: Graph, shapes: Graph) -> None:
    from rdflib import URIRef
    from rdflib.namespace import DCTERMS, SKOS

    from platform_graph.validation.shacl import validate

    scheme = PG.CAPMajorTopics
    assert (
        scheme,
        DCTERMS.source,
        URIRef("https://comparativeagendas.net/pages/master-codebook"),
    ) in union
    theme = URIRef("https://w3id.org/platform-graph/id/theme/trafik")
    broken = Graph()
    for t in union:
        if not (t[0] == theme and t[1] == SKOS.closeMatch):
            broken.add(t)
    report = validate(broken, shapes)
    assert not report.conforms
    assert any(v.focus == str(theme) for v in report.violations)
