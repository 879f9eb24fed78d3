"""The review backend (issue 16): a draft's proposed statements are not public; an
editor lists them, accepts them (as they are or edited, one or many, through the
validated write path) or rejects them; continuity links to the platform before are
proposed, confirmed or rejected; the carried-over query reports the outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_graph.build.graph import BuildResult, build
from platform_graph.cli import main
from platform_graph.config import Paths
from tests.support.inprocess import EDITOR, READER, Client, auth, platform_store, service

ROOT = Path(__file__).resolve().parents[1]
SLUG = "orebro-2026-2030"
TEXT = """Politisk plattform 2026–2030

Trygghet
Kommunledningen är överens om att Narkotikateamet i Örebro kommun ska fortsätta sitt arbete.
En plan ska tas fram för att Vivalla senast år 2029 inte ska vara ett särskilt utsatt område.
Vi vill öppna ett nytt fritidscenter i Varberga.
Tryggheten är viktig för alla örebroare.
"""
BASE = f"/api/review/{SLUG}"


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("review")
    source = work / "plattform.txt"
    source.write_text(TEXT, encoding="utf-8")
    folder = work / SLUG
    code = main(
        ["extract", str(source), "--out", str(folder), "--platform", SLUG,
         "--party", "socialdemokraterna", "--party", "centerpartiet"]
    )  # fmt: skip
    assert code == 0
    return folder


@pytest.fixture(scope="module")
def result(draft: Path) -> BuildResult:
    return build(Paths(ROOT, (draft,)))


@pytest.fixture(scope="module")
def http(
    result: BuildResult, draft: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    ledger = tmp_path_factory.mktemp("ledger") / "review.jsonl"
    with service(
        platform_store(result), extra_platforms=str(draft), review_file=ledger, query_timeout=10
    ) as client:
        client.ledger = ledger  # type: ignore[attr-defined]
        yield client


def proposals(http: Client, **params: str) -> list[dict[str, Any]]:
    r = http.get(f"{BASE}/statements", params=params, headers=auth(EDITOR))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def by_quote(items: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(i for i in items if words in i["quote"])


def test_proposals_are_not_public(http: Client) -> None:
    assert http.get(f"{BASE}/statements").status_code == 401
    assert http.get(f"{BASE}/statements", headers=auth(READER)).status_code == 403
    items = proposals(http)
    assert len(items) == 4
    assert {i["status"] for i in items} == {"pending"}
    public = http.get("/api/commitments", params={"platform": SLUG}).json()
    assert public["total"] == 0
    iri = by_quote(items, "Narkotikateamet")["iri"]
    asked = http.get(
        "/sparql",
        params={"query": f"ASK {{ <{iri}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert asked.json()["boolean"] is False
    assert (
        http.get(f"/id/{iri.split('/id/', 1)[1]}", headers={"Accept": "text/turtle"}).status_code
        == 404
    )


def test_accept_one_edited_then_it_is_public_and_logged(http: Client) -> None:
    item = by_quote(proposals(http), "Narkotikateamet")
    edit = {
        "title": {"sv": "Narkotikateamet fortsätter", "en": "The narcotics team carries on"},
        "change": "status-quo",
    }
    r = http.post(f"{BASE}/statements/{item['id']}/accept", json=edit, headers=auth(EDITOR))
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith("/api/changes/")
    change = http.get(r.headers["Location"]).json()
    assert "accepted" in change["message"]
    assert "edited" in change["message"]
    public = http.get(f"/api/commitments/{item['iri'].rsplit('/', 1)[-1]}").json()
    assert public["title"]["sv"] == "Narkotikateamet fortsätter"
    assert public["change"] == "status-quo"
    assert public["platform"] == SLUG
    assert by_quote(proposals(http), "Narkotikateamet")["status"] == "accepted"
    again = http.post(f"{BASE}/statements/{item['id']}/accept", headers=auth(EDITOR))
    assert again.status_code == 409


def test_an_edit_that_breaks_a_rule_is_422_and_changes_nothing(http: Client) -> None:
    item = by_quote(proposals(http), "Vivalla")
    before = http.get("/api/changes").json()["total"]
    bad = {"actors": {"responsible": ["no-such-actor"]}}
    r = http.post(f"{BASE}/statements/{item['id']}/accept", json=bad, headers=auth(EDITOR))
    assert r.status_code == 422
    assert any("no-such-actor" in e["message"]["en"] for e in r.json()["errors"])
    quote = {"quote": "something else"}
    assert (
        http.post(
            f"{BASE}/statements/{item['id']}/accept", json=quote, headers=auth(EDITOR)
        ).status_code
        == 422
    )
    assert http.get("/api/changes").json()["total"] == before
    assert by_quote(proposals(http), "Vivalla")["status"] == "pending"


def test_a_dry_run_changes_nothing(http: Client) -> None:
    item = by_quote(proposals(http), "Vivalla")
    r = http.post(
        f"{BASE}/statements/accept",
        params={"dry_run": "true"},
        json={"ids": [item["id"]]},
        headers=auth(EDITOR),
    )
    assert r.status_code == 200
    assert r.json()["status"] == "dry-run"
    assert r.json()["added"] > 10
    assert by_quote(proposals(http), "Vivalla")["status"] == "pending"


def test_reject_and_accept_in_bulk(http: Client) -> None:
    items = proposals(http, status="pending")
    viktig = by_quote(items, "Tryggheten är viktig")
    r = http.post(
        f"{BASE}/statements/reject",
        json={"ids": [viktig["id"]], "reason": "Allmänt påstående"},
        headers=auth(EDITOR),
    )
    assert r.status_code == 200, r.text
    rejected = proposals(http, status="rejected")
    assert [i["id"] for i in rejected] == [viktig["id"]]
    assert rejected[0]["decision"]["reason"] == "Allmänt påstående"
    assert rejected[0]["decision"]["author"] == "editor"
    ledger = http.ledger.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert json.loads(ledger.splitlines()[-1])["key"] == viktig["id"]
    rest = [i["id"] for i in proposals(http, status="pending")]
    assert len(rest) == 2
    etag = http.get("/api/stats").headers.get("ETag")
    r = http.post(
        f"{BASE}/statements/accept", json={"ids": rest}, headers={**auth(EDITOR), "If-Match": '"0"'}
    )
    assert r.status_code == 412, etag
    r = http.post(
        f"{BASE}/statements/accept", json={"ids": rest, "message": "Granskat"}, headers=auth(EDITOR)
    )
    assert r.status_code == 201, r.text
    assert http.get(r.headers["Location"]).json()["message"] == "Granskat"
    assert {i["status"] for i in proposals(http)} == {"accepted", "rejected"}
    public = http.get("/api/commitments", params={"platform": SLUG}).json()
    assert public["total"] == 3
    accepted_again = http.post(
        f"{BASE}/statements/reject", json={"ids": rest[:1]}, headers=auth(EDITOR)
    )
    assert accepted_again.status_code == 409


def test_continuity_proposed_confirmed_and_rejected(http: Client) -> None:
    links = http.get(f"{BASE}/continuity", headers=auth(EDITOR)).json()["items"]
    pairs = {(link["commitment"].split("--", 1)[1][:0] + link["continues"]) for link in links}
    assert "trygghet-narkotikateam" in pairs
    assert "trygghet-vivalla-ej-sarskilt-utsatt-2027" in pairs
    team = next(link for link in links if link["continues"] == "trygghet-narkotikateam")
    assert team["status"] == "pending"
    assert team["reasons"]
    plan = next(
        link for link in links if link["continues"] == "trygghet-vivalla-ej-sarskilt-utsatt-2027"
    )
    r = http.post(
        f"{BASE}/continuity/confirm",
        json={"links": [{"commitment": team["commitment"], "continues": team["continues"]}]},
        headers=auth(EDITOR),
    )
    assert r.status_code == 201, r.text
    r = http.post(
        f"{BASE}/continuity/reject",
        json={
            "links": [{"commitment": plan["commitment"], "continues": plan["continues"]}],
            "reason": "En ny plan",
        },
        headers=auth(EDITOR),
    )
    assert r.status_code == 200
    status = {
        (x["commitment"], x["continues"]): x["status"]
        for x in http.get(f"{BASE}/continuity", headers=auth(EDITOR)).json()["items"]
    }
    assert status[(team["commitment"], team["continues"])] == "confirmed"
    assert status[(plan["commitment"], plan["continues"])] == "rejected"
    wrong = http.post(
        f"{BASE}/continuity/confirm",
        json={"links": [{"commitment": team["continues"], "continues": team["commitment"]}]},
        headers=auth(EDITOR),
    )
    assert wrong.status_code == 404  # only a later platform's commitment continues an earlier one
    rows = http.get("/api/queries/carried-over", params={"platform": SLUG}).json()["rows"]
    outcomes: dict[str, int] = {}
    for row in rows:
        outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
    assert outcomes == {"carried-over": 1, "added": 2, "dropped": 189}
    carried = next(r for r in rows if r["outcome"] == "carried-over")
    assert carried["continues"].endswith("/commitment/trygghet-narkotikateam")


def test_unknown_platforms_and_statements(http: Client) -> None:
    assert (
        http.get("/api/review/nowhere-2026-2030/statements", headers=auth(EDITOR)).status_code
        == 404
    )
    r = http.post(f"{BASE}/statements/no-such-statement/accept", headers=auth(EDITOR))
    assert r.status_code == 404
    assert (
        http.post(f"{BASE}/statements/reject", json={"ids": []}, headers=auth(EDITOR)).status_code
        == 422
    )
