"""The review of a draft in the workbench (issue 16), in process: who sees and who may
decide, a refused CSRF token changes nothing, and accepting (as it is, edited, many at
once), rejecting with a reason and confirming continuity links change what the API's
routes would (tests/test_review.py tests those)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_graph.build.graph import build
from platform_graph.cli import main
from platform_graph.config import Paths
from tests.support.inprocess import EDITOR, READER, Client, auth, platform_store, service
from tests.test_workbench import hidden, sign_in

ROOT = Path(__file__).resolve().parents[1]
SLUG = "orebro-2026-2030"
TEXT = """Politisk plattform 2026–2030

Trygghet
Kommunledningen är överens om att Narkotikateamet i Örebro kommun ska fortsätta sitt arbete.
En plan ska tas fram för att Vivalla senast år 2029 inte ska vara ett särskilt utsatt område.
Vi vill öppna ett nytt fritidscenter i Varberga.
Tryggheten är viktig för alla örebroare.
"""
PAGE = f"/workbench/drafts/{SLUG}"


def write_draft(work: Path) -> Path:
    """A draft platform folder from ``extract --out``: every statement proposed."""
    source = work / "plattform.txt"
    source.write_text(TEXT, encoding="utf-8")
    folder = work / SLUG
    code = main(
        ["extract", str(source), "--out", str(folder), "--platform", SLUG,
         "--party", "socialdemokraterna", "--party", "centerpartiet"]
    )  # fmt: skip
    assert code == 0
    return folder


@pytest.fixture
def wb(tmp_path: Path) -> Iterator[Client]:
    """A service of its own over a fresh draft: these tests decide on it."""
    draft = write_draft(tmp_path)
    built = build(Paths(ROOT, (draft,)))
    with service(
        platform_store(built),
        extra_platforms=str(draft),
        review_file=tmp_path / "review.jsonl",
        query_timeout=10,
    ) as client:
        yield client


def proposals(client: Client, **params: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/review/{SLUG}/statements", params=params, headers=auth(EDITOR))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def by_quote(items: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(i for i in items if words in i["quote"])


def changes(client: Client) -> int:
    total: int = client.get("/api/changes").json()["total"]
    return total


def test_a_reader_sees_the_draft_but_cannot_decide(wb: Client) -> None:
    assert wb.get(PAGE, follow_redirects=False).status_code == 303  # sign in first
    csrf = sign_in(wb, READER)
    listing = wb.get("/workbench/drafts")
    assert listing.status_code == 200
    assert SLUG in listing.text
    assert 'href="/workbench/drafts"' in listing.text  # the nav link
    page = wb.get(PAGE)
    assert page.status_code == 200
    assert "Narkotikateamet" in page.text
    assert 'id="bulk"' not in page.text
    assert 'value="accept"' not in page.text
    item = by_quote(proposals(wb), "Narkotikateamet")
    r = wb.post(f"{PAGE}/statements/{item['id']}", data={"csrf": csrf, "action": "accept"})
    assert r.status_code == 403
    assert "redaktör" in r.text
    r = wb.post(PAGE, data={"csrf": csrf, "action": "accept", "id": [item["id"]]})
    assert r.status_code == 403
    r = wb.post(f"{PAGE}/continuity", data={"csrf": csrf, "action": "confirm", "link": "a>b"})
    assert r.status_code == 403
    assert changes(wb) == 0
    assert {i["status"] for i in proposals(wb)} == {"pending"}


def test_the_pages_list_the_proposals_with_counts_and_confidence(wb: Client) -> None:
    sign_in(wb, EDITOR)
    listing = wb.get("/workbench/drafts")
    row = re.search(rf"<tr><th scope=\"row\"><a href=\"{PAGE}\">.*?</tr>", listing.text, re.S)
    assert row, listing.text
    assert re.findall(r"<td>(\d+)</td>", row.group(0)) == ["4", "0", "0"]
    page = wb.get(PAGE)
    assert page.status_code == 200
    assert page.text.count('name="id"') == 4
    assert "Extraheringens säkerhet" in page.text
    assert "0.92" in page.text
    english = wb.get(PAGE, params={"lang": "en"})
    assert "confidence" in english.text
    assert 'lang="en"' in english.text
    assert wb.get("/workbench/drafts/nowhere-2026-2030").status_code == 404
    assert wb.get(f"{PAGE}/statements/no-such-statement").status_code == 404


def test_a_refused_csrf_token_changes_nothing(wb: Client) -> None:
    sign_in(wb, EDITOR)
    item = by_quote(proposals(wb), "Narkotikateamet")
    for path, data in (
        (f"{PAGE}/statements/{item['id']}", {"action": "accept"}),
        (PAGE, {"action": "accept", "id": [item["id"]]}),
        (PAGE, {"action": "reject", "id": [item["id"]], "reason": "x"}),
    ):
        for token in (None, "wrong"):
            form = {**data, **({"csrf": token} if token else {})}
            r = wb.post(path, data=form)
            assert r.status_code == 403, (path, token)
    assert changes(wb) == 0
    assert {i["status"] for i in proposals(wb)} == {"pending"}


def test_accept_one_as_it_is_then_it_is_public(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    item = by_quote(proposals(wb), "fritidscenter")
    r = wb.post(
        f"{PAGE}/statements/{item['id']}",
        data={"csrf": csrf, "action": "accept"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "accepted=" in r.headers["location"]
    shown = wb.get(r.headers["location"])
    assert "godtogs som ändring" in shown.text
    assert by_quote(proposals(wb), "fritidscenter")["status"] == "accepted"
    slug = item["iri"].rsplit("/", 1)[-1]
    assert wb.get(f"/api/commitments/{slug}").status_code == 200
    # Accepted already: the second time is refused next to the statement, and nothing changes.
    before = changes(wb)
    again = wb.post(f"{PAGE}/statements/{item['id']}", data={"csrf": csrf, "action": "accept"})
    assert again.status_code == 422
    assert "Redan beslutat" in again.text
    assert changes(wb) == before


def test_edit_then_accept_and_an_edit_that_breaks_a_rule(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    item = by_quote(proposals(wb), "Narkotikateamet")
    form = wb.get(f"{PAGE}/statements/{item['id']}")
    assert form.status_code == 200
    assert hidden(form, "csrf") == csrf
    base = {
        "csrf": csrf,
        "action": "edit",
        "commitment": "commitment",
        "title_sv": "",
        "title_en": "",
        "strength": "binding",
        "cue": item["cue"],
        "kind": "action",
        "change": "status-quo",
        "testable": "false",
        "deadline": "",
        "actor": ["kommunledningen"],
        "actor_role": ["responsible"],
        "area": item["areas"],
        "theme": item["themes"],
    }
    bad = wb.post(f"{PAGE}/statements/{item['id']}", data=base)
    assert bad.status_code == 422
    assert "Skriv en titel på svenska." in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert changes(wb) == 0
    good = {**base, "title_sv": "Narkotikateamet fortsätter", "title_en": "The team carries on"}
    r = wb.post(f"{PAGE}/statements/{item['id']}", data=good, follow_redirects=False)
    assert r.status_code == 303, r.text
    public = wb.get(f"/api/commitments/{item['iri'].rsplit('/', 1)[-1]}").json()
    assert public["title"]["sv"] == "Narkotikateamet fortsätter"
    assert public["title"]["en"] == "The team carries on"
    last = wb.get("/api/changes", params={"limit": 1}).json()["items"][0]
    assert "edited" in last["message"]


def test_reject_needs_a_reason_then_bulk_accept_the_rest(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    items = proposals(wb)
    viktig = by_quote(items, "Tryggheten")
    no_reason = wb.post(
        f"{PAGE}/statements/{viktig['id']}", data={"csrf": csrf, "action": "reject"}
    )
    assert no_reason.status_code == 422
    assert "Skriv varför du avvisar." in no_reason.text
    assert f'id="errors-{viktig["id"]}"' in no_reason.text  # next to the statement
    r = wb.post(
        f"{PAGE}/statements/{viktig['id']}",
        data={"csrf": csrf, "action": "reject", "reason": "Allmänt påstående"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    rejected = proposals(wb, status="rejected")
    assert [i["id"] for i in rejected] == [viktig["id"]]
    assert rejected[0]["decision"]["reason"] == "Allmänt påstående"
    shown = wb.get(PAGE, params={"status": "rejected"})
    assert "Allmänt påstående" in shown.text
    # Bulk: reject without a reason is refused; none chosen is refused; accept the rest.
    rest = [i["id"] for i in proposals(wb, status="pending")]
    assert len(rest) == 3
    assert wb.post(PAGE, data={"csrf": csrf, "action": "reject", "id": rest}).status_code == 422
    assert wb.post(PAGE, data={"csrf": csrf, "action": "accept"}).status_code == 422
    assert changes(wb) == 0
    r = wb.post(PAGE, data={"csrf": csrf, "action": "accept", "id": rest}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "n=3" in r.headers["location"]
    assert changes(wb) == 1
    assert {i["status"] for i in proposals(wb)} == {"accepted", "rejected"}
    assert wb.get("/api/commitments", params={"platform": SLUG}).json()["total"] == 3


def test_bulk_reject_with_a_reason(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    ids = [i["id"] for i in proposals(wb)][:2]
    r = wb.post(
        PAGE,
        data={"csrf": csrf, "action": "reject", "id": ids, "reason": "Inte i texten"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert sorted(i["id"] for i in proposals(wb, status="rejected")) == sorted(ids)
    assert changes(wb) == 0


def test_continuity_links_confirmed_and_rejected(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    everything = [i["id"] for i in proposals(wb)]
    accepted = wb.post(PAGE, data={"csrf": csrf, "action": "accept", "id": everything})
    assert accepted.status_code == 200  # followed to the page
    page = wb.get(f"{PAGE}/continuity")
    assert page.status_code == 200
    links = wb.get(f"/api/review/{SLUG}/continuity", headers=auth(EDITOR)).json()["items"]
    team = next(x for x in links if x["continues"] == "trygghet-narkotikateam")
    plan = next(x for x in links if x["continues"] == "trygghet-vivalla-ej-sarskilt-utsatt-2027")
    team_key = f"{team['commitment']}>{team['continues']}"
    plan_key = f"{plan['commitment']}>{plan['continues']}"
    assert f'value="confirm:{team_key}"' in html.unescape(page.text)
    before = changes(wb)
    # A refused CSRF token changes nothing.
    assert wb.post(f"{PAGE}/continuity", data={"one": f"confirm:{team_key}"}).status_code == 403
    assert changes(wb) == before
    r = wb.post(
        f"{PAGE}/continuity",
        data={"csrf": csrf, "one": f"confirm:{team_key}"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert changes(wb) == before + 1
    no_reason = wb.post(f"{PAGE}/continuity", data={"csrf": csrf, "one": f"reject:{plan_key}"})
    assert no_reason.status_code == 422
    assert "Skriv varför du avvisar." in no_reason.text
    r = wb.post(
        f"{PAGE}/continuity",
        data={"csrf": csrf, "action": "reject", "link": [plan_key], "reason": "En ny plan"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    status = {
        f"{x['commitment']}>{x['continues']}": x["status"]
        for x in wb.get(f"/api/review/{SLUG}/continuity", headers=auth(EDITOR)).json()["items"]
    }
    assert status[team_key] == "confirmed"
    assert status[plan_key] == "rejected"
    # A link the platform does not have: shown on the page, nothing changed.
    wrong = wb.post(
        f"{PAGE}/continuity",
        data={
            "csrf": csrf,
            "action": "confirm",
            "link": [f"{team['continues']}>{team['commitment']}"],
        },
    )
    assert wrong.status_code == 422
    assert changes(wb) == before + 1


def test_with_four_eyes_accepting_is_a_proposal(tmp_path: Path) -> None:
    draft = write_draft(tmp_path)
    built = build(Paths(ROOT, (draft,)))
    with service(
        platform_store(built),
        extra_platforms=str(draft),
        review_file=tmp_path / "review.jsonl",
        query_timeout=10,
        require_review=True,
    ) as wb:
        csrf = sign_in(wb, EDITOR)
        item = by_quote(proposals(wb), "fritidscenter")
        r = wb.post(
            f"{PAGE}/statements/{item['id']}",
            data={"csrf": csrf, "action": "accept"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert "proposed=" in r.headers["location"]
        assert "har blivit förslag" in wb.get(r.headers["location"]).text
        assert changes(wb) == 0
        assert by_quote(proposals(wb), "fritidscenter")["status"] == "pending"
        assert wb.get("/workbench/review").status_code == 200
        assert "Review of orebro-2026-2030" in wb.get("/workbench/review").text
