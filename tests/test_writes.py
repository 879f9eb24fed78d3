"""Writing through the real server: change sets, assessments, SPARQL Update, the log, reverts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph

from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

EDITOR = "pgt_editor-token-for-tests-0123456789abcdef"
ADMIN = "pgt_admin-token-for-tests-0123456789abcdef"
READER = "pgt_reader-token-for-tests-0123456789abcdef"
PG = "https://w3id.org/platform-graph/ontology#"
ID = "https://w3id.org/platform-graph/id/"
VIVALLA = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
NARKOTIKA = "trygghet-narkotikateam"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    work = tmp_path_factory.mktemp("writable")
    tokens = ",".join(
        f"{name}:{name}:{hash_token(token)}"
        for name, token in (("editor", EDITOR), ("admin", ADMIN), ("reader", READER))
    )
    running = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": tokens,
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )
    yield running
    running.stop()


@pytest.fixture
def client(writable: RunningServer) -> Iterator[httpx.Client]:
    with writable.client() as c:
        yield c


def status_of(client: httpx.Client, commitment: str) -> str:
    status: str = client.get(f"/api/commitments/{commitment}").json()["status"]
    return status


def ask(client: httpx.Client, query: str) -> bool:
    answer: bool = client.get("/sparql", params={"query": query}).json()["boolean"]
    return answer


ASSESSMENT = {
    "status": "in-progress",
    "date": "2025-03-01",
    "assessor": "Anna Öberg",
    "evidence": ["https://www.orebro.se/", "https://www.orebro.se/kommun-och-politik.html"],
    "note": "Planen är antagen men inte genomförd. Kommunfullmäktige, protokoll 2025-02-20 § 12.",
}


def test_writes_need_a_token_with_the_right_role(client: httpx.Client) -> None:
    url = f"/api/commitments/{VIVALLA}/assessments"
    assert client.post(url, json=ASSESSMENT).status_code == 401
    assert client.post(url, json=ASSESSMENT, headers=auth("pgt_wrong")).status_code == 401
    assert client.post(url, json=ASSESSMENT, headers=auth(READER)).status_code == 403
    resp = client.post("/api/changes/1/revert", headers=auth(EDITOR))
    assert resp.status_code == 403
    assert (
        client.post(
            "/update", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
        ).status_code
        == 401
    )


def test_assessments_set_the_status_and_keep_the_history(client: httpx.Client) -> None:
    url = f"/api/commitments/{VIVALLA}/assessments"
    first = client.post(url, json=ASSESSMENT, headers=auth(EDITOR))
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "applied"
    assert status_of(client, VIVALLA) == "in-progress"
    later = {**ASSESSMENT, "status": "stalled", "date": "2026-01-15"}
    assert client.post(url, json=later, headers=auth(EDITOR)).status_code == 201
    assert status_of(client, VIVALLA) == "stalled"
    # An older verdict recorded afterwards is kept, but the latest still decides.
    older = {**ASSESSMENT, "status": "not-fulfilled", "date": "2024-06-01"}
    assert client.post(url, json=older, headers=auth(EDITOR)).status_code == 201
    assert status_of(client, VIVALLA) == "stalled"
    history = client.get(url).json()["items"]
    assert [h["status"] for h in history] == ["stalled", "in-progress", "not-fulfilled"]
    assert history[1]["assessor"] == "Anna Öberg"
    assert "https://www.orebro.se/" in history[1]["evidence"]
    # Every verdict is also queryable in SPARQL.
    assert ask(
        client,
        f"PREFIX pg: <{PG}> ASK {{ ?a pg:assesses <{ID}commitment/{VIVALLA}> ; "
        f"pg:status <{ID}status/not-fulfilled> }}",
    )


def test_an_invalid_assessment_is_rejected_whole(client: httpx.Client) -> None:
    url = f"/api/commitments/{NARKOTIKA}/assessments"
    bad_status = {**ASSESSMENT, "status": "maybe"}
    resp = client.post(url, json=bad_status, headers=auth(EDITOR))
    assert resp.status_code == 422
    assert "status" in resp.text
    assert (
        client.post(
            "/api/commitments/nope/assessments", json=ASSESSMENT, headers=auth(EDITOR)
        ).status_code
        == 404
    )
    assert status_of(client, NARKOTIKA) == "not-yet-rated"


def test_dry_run_reports_and_changes_nothing(client: httpx.Client) -> None:
    url = f"/api/commitments/{NARKOTIKA}/assessments"
    resp = client.post(url, params={"dry_run": "true"}, json=ASSESSMENT, headers=auth(EDITOR))
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "dry-run"
    assert body["validation"]["conforms"] is True
    assert body["added"] > 5
    assert status_of(client, NARKOTIKA) == "not-yet-rated"


def test_a_change_set_that_breaks_a_shape_gets_422_and_changes_nothing(
    client: httpx.Client,
) -> None:
    before = client.get("/api/changes").json()["total"]
    change = {
        "message": "Move the deadline to 'soon'",
        "add": f'<{ID}commitment/{VIVALLA}> <{PG}deadline> "snart" .',
        "format": "application/n-triples",
    }
    resp = client.post("/api/changes", json=change, headers=auth(EDITOR))
    assert resp.status_code == 422
    body = resp.json()
    violations = [r for r in body["validation"]["results"] if r["severity"] == "violation"]
    # Two faults: a second deadline, and one that is not a year or a date.
    assert {v["path"] for v in violations} == {"pg:deadline"}
    assert all(v["focus"].endswith(VIVALLA) for v in violations)
    assert any("year (xsd:gYear) or a date" in v["message_en"] for v in violations)
    assert any("tidsgränsen måste vara ett år" in v["message_sv"].lower() for v in violations)
    assert client.get("/api/changes").json()["total"] == before
    assert client.get(f"/api/commitments/{VIVALLA}").json()["deadline"] == "2027"
    turtle = client.post(
        "/api/changes", json=change, headers={**auth(EDITOR), "Accept": "text/turtle"}
    )
    assert turtle.status_code == 422
    report = Graph().parse(data=turtle.text, format="turtle")
    assert any("ValidationReport" in str(o) for o in report.objects())


def test_malformed_turtle_is_400_with_line_and_column(client: httpx.Client) -> None:
    change = {"message": "typo", "add": "<a> <b> .\n<c> <d> <e", "format": "text/turtle"}
    resp = client.post("/api/changes", json=change, headers=auth(EDITOR))
    assert resp.status_code == 400
    body = resp.json()
    assert body["part"] == "add"
    assert body["line"] >= 1
    assert "column" in body


def test_a_change_set_is_applied_logged_and_reverted(client: httpx.Client) -> None:
    triple = f"<{ID}commitment/{NARKOTIKA}> <{PG}concernsArea> <{ID}area/vivalla> ."
    change = {
        "message": "The narcotics team starts in Vivalla",
        "add": triple,
        "format": "application/n-triples",
    }
    resp = client.post("/api/changes", json=change, headers=auth(EDITOR))
    assert resp.status_code == 201, resp.text
    seq = resp.json()["change"]["id"]
    assert resp.headers["Location"] == f"/api/changes/{seq}"
    assert "vivalla" in client.get(f"/api/commitments/{NARKOTIKA}").json()["areas"]
    record = client.get(f"/api/changes/{seq}").json()
    assert record["author"] == "editor"
    assert record["message"] == "The narcotics team starts in Vivalla"
    assert record["triples"]["added"] == [
        triple.replace(" .", " <https://w3id.org/platform-graph/graph/data> .")
    ]
    # The log is in SPARQL too.
    logged = f"PREFIX pg: <{PG}> ASK {{ GRAPH ?g {{ <{ID}change/{seq}> pg:added ?s }} }}"
    assert ask(client, logged)
    # The same change again changes nothing.
    again = client.post("/api/changes", json=change, headers=auth(EDITOR))
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged"
    # Revert: an admin only, and itself a recorded change.
    revert = client.post(f"/api/changes/{seq}/revert", headers=auth(ADMIN))
    assert revert.status_code == 201, revert.text
    assert "vivalla" not in client.get(f"/api/commitments/{NARKOTIKA}").json()["areas"]
    reverting = client.get(f"/api/changes/{revert.json()['change']['id']}").json()
    assert reverting["reverts"].endswith(f"/change/{seq}")
    assert client.get(f"/api/changes/{seq}").json()["reverted_by"] == reverting["iri"]


def test_a_stale_if_match_gets_412_and_changes_nothing(client: httpx.Client) -> None:
    etag = client.get("/api/changes").headers["ETag"]
    triple = f"<{ID}commitment/{NARKOTIKA}> <{PG}concernsArea> <{ID}area/varberga> ."
    change = {"message": "first", "add": triple, "format": "application/n-triples"}
    ok = client.post("/api/changes", json=change, headers={**auth(EDITOR), "If-Match": etag})
    assert ok.status_code == 201
    assert ok.headers["ETag"] != etag
    stale = {"message": "second", "remove": triple, "format": "application/n-triples"}
    resp = client.post("/api/changes", json=stale, headers={**auth(EDITOR), "If-Match": etag})
    assert resp.status_code == 412
    assert "varberga" in client.get(f"/api/commitments/{NARKOTIKA}").json()["areas"]


def test_sparql_update_goes_through_the_same_validation(client: httpx.Client) -> None:
    good = (
        f"PREFIX pg: <{PG}> INSERT DATA {{ <{ID}commitment/{NARKOTIKA}> "
        f"pg:concernsArea <{ID}area/oxhagen> }}"
    )
    resp = client.post(
        "/update",
        content=good,
        headers={**auth(EDITOR), "Content-Type": "application/sparql-update"},
    )
    assert resp.status_code == 201, resp.text
    assert "oxhagen" in client.get(f"/api/commitments/{NARKOTIKA}").json()["areas"]
    # Removing every theme of a commitment breaks a shape: nothing is removed.
    bad = f"PREFIX pg: <{PG}> DELETE WHERE {{ <{ID}commitment/{NARKOTIKA}> pg:theme ?t }}"
    resp = client.post("/update", data={"update": bad}, headers=auth(EDITOR))
    assert resp.status_code == 422
    assert client.get(f"/api/commitments/{NARKOTIKA}").json()["themes"]
    # The query workers see the accepted change at once.
    assert ask(
        client,
        f"PREFIX pg: <{PG}> ASK {{ <{ID}commitment/{NARKOTIKA}> "
        f"pg:concernsArea <{ID}area/oxhagen> }}",
    )


def test_update_refuses_load_and_bad_syntax(client: httpx.Client) -> None:
    headers = {**auth(EDITOR), "Content-Type": "application/sparql-update"}
    load = client.post("/update", content="LOAD <http://127.0.0.1:9/x.ttl>", headers=headers)
    assert load.status_code == 400
    assert "LOAD" in load.json()["detail"]
    broken = client.post("/update", content="INSERT DATA { <a> <b> }", headers=headers)
    assert broken.status_code == 400
    assert client.get("/update").status_code == 405


def test_the_change_log_cannot_be_forged(client: httpx.Client) -> None:
    change = {
        "message": "forge",
        "add": f"<{ID}change/999> <{PG}sequence> 999 .",
        "format": "application/n-triples",
        "graph": "https://w3id.org/platform-graph/graph/changes",
    }
    assert client.post("/api/changes", json=change, headers=auth(EDITOR)).status_code == 400


def test_reads_carry_the_dataset_etag_and_answer_304(client: httpx.Client) -> None:
    url = f"/api/commitments/{VIVALLA}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    triple = f"<{ID}commitment/{VIVALLA}> <{PG}concernsArea> <{ID}area/oxhagen> ."
    change = {"message": "etag", "add": triple, "format": "application/n-triples"}
    assert client.post("/api/changes", json=change, headers=auth(EDITOR)).status_code == 201
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag


def test_two_changes_each_valid_but_not_together_one_is_rejected(client: httpx.Client) -> None:
    """The writer lock: validation and commit of one change see the other's result."""
    import threading

    target = f"<{ID}commitment/{NARKOTIKA}> <{PG}deadline> "
    changes = [
        {
            "message": f"deadline {year}",
            "format": "application/n-triples",
            "add": f'{target}"{year}"^^<http://www.w3.org/2001/XMLSchema#gYear> .',
        }
        for year in (2025, 2026)
    ]
    codes: list[int] = []

    def send(change: dict[str, str]) -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=60) as c:
            codes.append(c.post("/api/changes", json=change, headers=auth(EDITOR)).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 422]
    deadline = client.get(f"/api/commitments/{NARKOTIKA}").json()["deadline"]
    assert deadline in ("2025", "2026")


def test_a_kept_answer_never_outlives_the_change_that_moved_it(client: httpx.Client) -> None:
    # The same query, page and named query asked over and over (the pool keeps their
    # answers per generation of the data): each change shows in the very next answer.
    areas = f"SELECT ?a WHERE {{ <{ID}commitment/{NARKOTIKA}> <{PG}concernsArea> ?a }} ORDER BY ?a"

    def answers() -> tuple[list[str], str, str]:
        rows = client.get("/sparql", params={"query": areas}).json()["results"]["bindings"]
        page = client.get(f"/id/commitment/{NARKOTIKA}", headers={"Accept": "text/turtle"})
        named = client.get("/api/queries/area-commitments", params={"area": "vivalla"})
        assert page.status_code == 200
        assert named.status_code == 200, named.text
        return [r["a"]["value"] for r in rows], page.text, named.text

    before = answers()
    assert answers() == before  # asked again: the same answers
    vivalla = f"{ID}area/vivalla"
    assert vivalla not in before[0]
    assert "vivalla" not in before[1]
    assert NARKOTIKA not in before[2]
    triple = f"<{ID}commitment/{NARKOTIKA}> <{PG}concernsArea> <{vivalla}> ."
    change = {"message": "kept answers", "add": triple, "format": "application/n-triples"}
    resp = client.post("/api/changes", json=change, headers=auth(EDITOR))
    assert resp.status_code == 201, resp.text
    after = answers()
    assert vivalla in after[0]
    assert "vivalla" in after[1]
    assert NARKOTIKA in after[2]
    assert answers() == after
    revert = client.post(f"/api/changes/{resp.json()['change']['id']}/revert", headers=auth(ADMIN))
    assert revert.status_code == 201, revert.text
    assert answers()[0] == before[0]
