"""A commitment's status follows its latest remaining assessment, whatever the way in
(issue 15): the REST assessment, a change set, SPARQL Update, the Graph Store Protocol,
a revert and a restore. The status is derived by the write path in the same validated
change and recorded in the log as derived; a revert undoes a change's own triples and
derives the status again.

The service runs in this process over ASGI, with its confined workers; each test works
on commitments of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from platform_graph.build.graph import BuildResult
from tests.support.inprocess import ADMIN, EDITOR, auth, platform_store, service

ID = "https://w3id.org/platform-graph/id/"
PG = "https://w3id.org/platform-graph/ontology#"
DATA = "https://w3id.org/platform-graph/graph/data"
PREFIXES = (
    f"PREFIX pg: <{PG}> PREFIX id: <{ID}> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)
SU = {"Content-Type": "application/sparql-update"}


@pytest.fixture(scope="module")
def svc(built: BuildResult) -> Iterator[TestClient]:
    # Big enough a body for the whole data graph (the Graph Store PUT below).
    with service(platform_store(built), query_timeout=10, max_body_bytes=8_000_000) as client:
        yield client


@pytest.fixture(scope="module")
def commitments(svc: TestClient) -> Iterator[str]:
    """A supply of commitment ids, one or more for each test."""
    items = svc.get("/api/commitments", params={"limit": 200}).json()["items"]
    return iter([c["id"] for c in items if c["status"] == "not-yet-rated"])


def assess(
    client: TestClient, commitment: str, status: str, day: str, **extra: Any
) -> httpx2.Response:
    body = {
        "status": status,
        "date": day,
        "assessor": "Anna Öberg",
        "evidence": ["https://www.orebro.se/"],
        **extra,
    }
    return client.post(
        f"/api/commitments/{commitment}/assessments", json=body, headers=auth(EDITOR)
    )


def status_of(client: TestClient, commitment: str) -> str:
    status: str = client.get(f"/api/commitments/{commitment}").json()["status"]
    return status


def change_id(response: httpx2.Response) -> int:
    assert response.status_code == 201, response.text
    n: int = response.json()["change"]["id"]
    return n


def revert(client: TestClient, n: int) -> httpx2.Response:
    return client.post(f"/api/changes/{n}/revert", headers=auth(ADMIN))


def assessment_of(response: httpx2.Response) -> str:
    return ID + response.headers["Content-Location"].removeprefix("/id/")


def test_reverting_an_earlier_assessment_keeps_the_later_ones_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    """The issue's case: assessments A then B of one commitment; reverting A answered 422
    ("the commitment needs exactly one status"). Now it leaves B's status."""
    c = next(commitments)
    a = change_id(assess(svc, c, "in-progress", "2024-03-01"))
    assert status_of(svc, c) == "in-progress"
    b = change_id(assess(svc, c, "stalled", "2025-03-01"))
    assert status_of(svc, c) == "stalled"
    reverted = revert(svc, a)
    assert reverted.status_code == 201, reverted.text
    assert status_of(svc, c) == "stalled"
    assert [x["status"] for x in svc.get(f"/api/commitments/{c}/assessments").json()["items"]] == [
        "stalled"
    ]
    # And the only one left, reverted too: not yet rated, as the build has it.
    assert revert(svc, b).status_code == 201
    assert status_of(svc, c) == "not-yet-rated"
    assert svc.get(f"/api/commitments/{c}/assessments").json()["total"] == 0


def test_reverting_the_later_assessment_gives_back_the_earlier_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    change_id(assess(svc, c, "in-progress", "2024-03-01"))
    b = change_id(assess(svc, c, "fulfilled", "2025-03-01"))
    assert status_of(svc, c) == "fulfilled"
    assert revert(svc, b).status_code == 201
    assert status_of(svc, c) == "in-progress"


def test_an_older_assessment_recorded_later_does_not_set_the_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    change_id(assess(svc, c, "in-progress", "2025-03-01"))
    older = change_id(assess(svc, c, "not-fulfilled", "2023-01-10"))
    assert status_of(svc, c) == "in-progress"
    # Its change derived nothing: the status did not move.
    assert svc.get(f"/api/changes/{older}").json()["triples"]["derived"] == []


def test_on_the_same_date_the_one_recorded_last_decides(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    first = change_id(assess(svc, c, "in-progress", "2025-05-05"))
    second = change_id(assess(svc, c, "stalled", "2025-05-05"))
    assert status_of(svc, c) == "stalled"
    assert revert(svc, second).status_code == 201
    assert status_of(svc, c) == "in-progress"
    # Reverting the revert brings the second back: it was recorded after the first.
    again = svc.get(f"/api/changes/{second}").json()["reverted_by"].rsplit("/", 1)[-1]
    assert revert(svc, int(again)).status_code == 201
    assert status_of(svc, c) == "stalled"
    assert first < second


def test_the_log_marks_the_derived_status_and_says_it_in_both_languages(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    n = change_id(assess(svc, c, "partially-fulfilled", "2025-02-02"))
    record = svc.get(f"/api/changes/{n}").json()
    derived = record["triples"]["derived"]
    assert f"<{ID}commitment/{c}> <{PG}status> <{ID}status/partially-fulfilled> <{DATA}> ." in (
        derived
    )
    assert f"<{ID}commitment/{c}> <{PG}status> <{ID}status/not-yet-rated> <{DATA}> ." in derived
    assert set(derived) <= set(record["triples"]["added"]) | set(record["triples"]["removed"])
    assert record["messages"] == {
        "sv": f"Bedömning av {c} (2025-02-02): Delvis uppfyllt",
        "en": f"Assessment of {c} (2025-02-02): Partially fulfilled",
    }
    assert record["message"] == record["messages"]["en"]
    # The revert's message is in both languages too.
    undone = svc.get(f"/api/changes/{change_id(revert(svc, n))}").json()
    assert undone["messages"]["sv"].startswith(f"Ångrar ändring {n}: Bedömning av {c}")
    assert undone["messages"]["en"].startswith(f"Revert change {n}: Assessment of {c}")
    # A message the author gave is kept as given, under both languages.
    own = change_id(assess(svc, c, "stalled", "2025-03-03", message="Vivallaplanen – rättning"))
    mine = svc.get(f"/api/changes/{own}").json()
    assert mine["message"] == "Vivallaplanen – rättning"
    assert mine["messages"] == {"sv": "Vivallaplanen – rättning", "en": "Vivallaplanen – rättning"}


def test_openapi_describes_the_change_log_as_it_answers(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    n = change_id(assess(svc, next(commitments), "stalled", "2025-04-04"))
    doc = svc.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    change = schemas["ChangeDetail"]
    listing = doc["paths"]["/api/changes"]["get"]["responses"]["200"]["content"]
    assert listing["application/json"]["schema"] == {"$ref": "#/components/schemas/ChangeLog"}
    assert schemas["ChangeLog"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/ChangeSummary"
    }
    one = doc["paths"]["/api/changes/{change_id}"]["get"]["responses"]["200"]["content"]
    assert one["application/json"]["schema"] == {"$ref": "#/components/schemas/ChangeDetail"}
    summary = schemas["ChangeSummary"]
    records = [
        (change, svc.get(f"/api/changes/{n}").json()),
        *((summary, r) for r in svc.get("/api/changes", params={"limit": 5}).json()["items"]),
    ]
    for schema, record in records:
        assert set(schema["required"]) <= set(record), record
        assert set(record) <= set(schema["properties"]), record
        assert record["applied"] is True
        assert record["unapplied"] is None
    triples = schemas["TripleLines"]["properties"]
    assert set(records[0][1]["triples"]) == set(triples)


def _assessment_turtle(node: str, commitment: str, status: str, day: str) -> str:
    return f"""
        @prefix pg: <{PG}> . @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{node}> a pg:Assessment ; pg:assesses <{ID}commitment/{commitment}> ;
            pg:status <{ID}status/{status}> ; dcterms:date "{day}"^^xsd:date ;
            prov:wasAttributedTo <{ID}assessor/anna-oberg> ; pg:evidence <https://www.orebro.se/> .
    """


def test_a_change_set_that_adds_or_removes_an_assessment_moves_the_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    node = f"{ID}assessment/{c}-by-change-set"
    turtle = _assessment_turtle(node, c, "fulfilled", "2025-06-01")
    added = svc.post(
        "/api/changes", json={"message": "by change set", "add": turtle}, headers=auth(EDITOR)
    )
    assert added.status_code == 201, added.text
    assert status_of(svc, c) == "fulfilled"
    assert added.json()["derived"]
    removed = svc.post(
        "/api/changes", json={"message": "taken back", "remove": turtle}, headers=auth(EDITOR)
    )
    assert removed.status_code == 201, removed.text
    assert status_of(svc, c) == "not-yet-rated"


def test_a_change_set_that_moves_an_assessments_date_moves_the_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    early = assess(svc, c, "in-progress", "2024-01-01")
    change_id(early)
    change_id(assess(svc, c, "stalled", "2024-06-01"))
    assert status_of(svc, c) == "stalled"
    node = assessment_of(early)
    date = "<http://purl.org/dc/terms/date>"
    xsd = "<http://www.w3.org/2001/XMLSchema#date>"
    moved = svc.post(
        "/api/changes",
        json={
            "message": "the first verdict was dated wrong",
            "format": "application/n-triples",
            "remove": f'<{node}> {date} "2024-01-01"^^{xsd} .',
            "add": f'<{node}> {date} "2025-01-01"^^{xsd} .',
        },
        headers=auth(EDITOR),
    )
    assert moved.status_code == 201, moved.text
    assert status_of(svc, c) == "in-progress"


def test_sparql_update_deleting_an_assessment_moves_the_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    change_id(assess(svc, c, "in-progress", "2024-01-01"))
    later = assess(svc, c, "fulfilled", "2025-01-01")
    change_id(later)
    assert status_of(svc, c) == "fulfilled"
    update = f"DELETE WHERE {{ <{assessment_of(later)}> ?p ?o }}"
    response = svc.post("/update", content=update, headers={**auth(EDITOR), **SU})
    assert response.status_code == 201, response.text
    assert status_of(svc, c) == "in-progress"
    # Inserting one by SPARQL Update sets it as well.
    node = f"{ID}assessment/{c}-by-update"
    insert = (
        PREFIXES + f"INSERT DATA {{ GRAPH <{DATA}> {{ <{node}> a pg:Assessment ; "
        f"pg:assesses id:commitment\\/{c} ; pg:status id:status\\/stalled ; "
        'dcterms:date "2026-01-01"^^xsd:date ; prov:wasAttributedTo id:assessor\\/anna-oberg ; '
        "pg:evidence <https://www.orebro.se/> } }"
    )
    response = svc.post("/update", content=insert, headers={**auth(EDITOR), **SU})
    assert response.status_code == 201, response.text
    assert status_of(svc, c) == "stalled"


def test_a_graph_store_put_without_an_assessment_moves_the_status(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    """The Graph Store Protocol: PUT the data graph back without one assessment."""
    c = next(commitments)
    change_id(assess(svc, c, "in-progress", "2024-01-01"))
    later = assess(svc, c, "fulfilled", "2025-01-01")
    change_id(later)
    url = "/rdf-graphs/service"
    graph = svc.get(url, params={"graph": DATA}, headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200
    node = assessment_of(later)
    kept = "".join(
        line + "\n" for line in graph.text.splitlines() if not line.startswith(f"<{node}>")
    )
    put = svc.put(
        url,
        params={"graph": DATA},
        content=kept.encode(),
        headers={**auth(ADMIN), "Content-Type": "application/n-triples"},
    )
    assert put.status_code in (200, 201), put.text
    assert status_of(svc, c) == "in-progress"


def test_a_restore_derives_the_status_of_the_assessments_it_brings_back(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    first = change_id(assess(svc, c, "in-progress", "2024-01-01"))
    change_id(assess(svc, c, "fulfilled", "2025-01-01"))
    second = change_id(assess(svc, c, "stalled", "2025-06-01"))
    restored = svc.post(f"/api/changes/{second}/restore", headers=auth(ADMIN))
    assert restored.status_code == 201, restored.text
    assert status_of(svc, c) == "fulfilled"
    assert svc.post(f"/api/changes/{first}/restore", headers=auth(ADMIN)).status_code == 201
    assert status_of(svc, c) == "not-yet-rated"


def test_setting_a_commitments_status_by_hand_is_refused_in_both_languages(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    triple = f"<{ID}commitment/{c}> <{PG}status> <{ID}status/fulfilled> ."
    before = f"<{ID}commitment/{c}> <{PG}status> <{ID}status/not-yet-rated> ."
    response = svc.post(
        "/api/changes",
        json={
            "message": "by hand",
            "format": "application/n-triples",
            "add": triple,
            "remove": before,
        },
        headers=auth(EDITOR),
    )
    assert response.status_code == 422, response.text
    [result] = response.json()["validation"]["results"]
    assert result["focus"] == f"{ID}commitment/{c}"
    assert result["path"] == "pg:status"
    assert "senaste bedömning" in result["message_sv"]
    assert "latest assessment" in result["message_en"]
    assert status_of(svc, c) == "not-yet-rated"
    # The same by SPARQL Update.
    iri = f"<{ID}commitment/{c}>"
    update = (
        f"DELETE {{ {iri} <{PG}status> ?s }} INSERT {{ {iri} <{PG}status> <{ID}status/stalled> }} "
        f"WHERE {{ {iri} <{PG}status> ?s }}"
    )
    response = svc.post("/update", content=update, headers={**auth(EDITOR), **SU})
    assert response.status_code == 422, response.text
    assert status_of(svc, c) == "not-yet-rated"
    # A status that agrees with the assessments is no conflict (clients that set it).
    node = f"{ID}assessment/{c}-with-status"
    agreeing = _assessment_turtle(node, c, "fulfilled", "2025-06-01") + triple
    response = svc.post(
        "/api/changes",
        json={"message": "with status", "add": agreeing, "remove": before},
        headers=auth(EDITOR),
    )
    assert response.status_code == 201, response.text
    assert status_of(svc, c) == "fulfilled"


def test_a_revert_that_a_later_change_blocks_names_it(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    c = next(commitments)
    made = assess(svc, c, "in-progress", "2025-01-01", note="Första noteringen.")
    first = change_id(made)
    node = assessment_of(made)
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    edit = svc.post(
        "/api/changes",
        json={
            "message": "a better note",
            "format": "application/n-triples",
            # A note is kept in Swedish (its language tag) unless given in both.
            "remove": f'<{node}> {comment} "Första noteringen."@sv .',
            "add": f'<{node}> {comment} "Bättre notering."@sv .',
        },
        headers=auth(EDITOR),
    )
    assert edit.status_code == 201, edit.text
    assert edit.json()["removed"] == 1
    later = change_id(edit)
    blocked = revert(svc, first)
    assert blocked.status_code == 409, blocked.text
    assert [b["id"] for b in blocked.json()["blocked_by"]] == [later]
    assert status_of(svc, c) == "in-progress"


def test_an_assessment_dated_with_a_time_is_refused(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    """The shapes take a date (xsd:date) only: a time of day would let the latest of two
    assessments on one day be decided by a clock nobody checks."""
    c = next(commitments)
    turtle = "".join(
        f"""
        <{ID}assessment/{c}-at-{hour}> a pg:Assessment ; pg:assesses <{ID}commitment/{c}> ;
            pg:status <{ID}status/{status}> ;
            dcterms:date "2025-04-01T{hour}:00:00"^^xsd:dateTime ;
            prov:wasAttributedTo <{ID}assessor/anna-oberg> ; pg:evidence <https://www.orebro.se/> .
        """
        for hour, status in (("16", "fulfilled"), ("09", "stalled"))
    )
    prefixes = (
        f"@prefix pg: <{PG}> . @prefix dcterms: <http://purl.org/dc/terms/> . "
        "@prefix prov: <http://www.w3.org/ns/prov#> . "
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
    )
    response = svc.post(
        "/api/changes",
        json={"message": "two on one day", "add": prefixes + turtle},
        headers=auth(EDITOR),
    )
    assert response.status_code == 422, response.text
    assert {e["path"] for e in response.json()["errors"]} == {"dcterms:date"}
    assert status_of(svc, c) == "not-yet-rated"
