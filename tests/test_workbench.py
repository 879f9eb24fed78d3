"""The workbench's forms over HTTP, in process: sign-in and its cookie, CSRF and the
same-site checks, corrections with their preview and per-statement conflicts, review with
four eyes, the change log and the tokens page. What a browser does with them is in
test_workbench_browser.py; here every refusal is checked to change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from platform_graph.build.graph import BuildResult
from tests.support.inprocess import (
    ADMIN,
    BASE,
    EDITOR,
    EDITOR2,
    READER,
    Client,
    Response,
    auth,
    platform_store,
    service,
)

VIVALLA = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
OTHER = "trygghet-vivalla-plan-i-dialog"


@pytest.fixture
def wb(built: BuildResult) -> Iterator[Client]:
    """A fresh service of its own: these tests change the data."""
    with service(platform_store(built), query_timeout=5) as client:
        yield client


@pytest.fixture
def wb_review(built: BuildResult) -> Iterator[Client]:
    with service(platform_store(built), query_timeout=5, require_review=True) as client:
        yield client


def hidden(page: Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def sign_in(client: Client, token: str, base: str = BASE) -> str:
    """Sign in as a browser would; the session's CSRF token."""
    client.cookies.clear()
    form = client.get(f"{base}/workbench/login")
    assert form.status_code == 200
    done = client.post(
        f"{base}/workbench/login",
        data={"csrf": hidden(form, "csrf"), "token": token, "next": "/workbench/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    start = client.get(f"{base}/workbench/")
    assert start.status_code == 200
    return hidden(start, "csrf")


def etag(client: Client) -> str:
    return client.get("/api/changes?limit=1").headers["etag"]


def coding_form(client: Client, slug: str) -> dict[str, Any]:
    """The correction form's fields, as the browser would send them unchanged."""
    page = client.get(f"/workbench/statements/{slug}/edit")
    assert page.status_code == 200
    data: dict[str, Any] = {"csrf": hidden(page, "csrf"), "version": hidden(page, "version")}
    for name in ("title_sv", "title_en", "cue", "deadline"):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text)
        data[name] = found.group(1) if found else ""
    for name in ("strength", "kind", "change"):
        select = re.search(rf'<select id="field-{name}" name="{name}".*?</select>', page.text, re.S)
        assert select
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
        data[name] = chosen.group(1) if chosen else ""
    data["commitment"] = (
        "commitment"
        if re.search(r'name="commitment" value="commitment" checked', page.text)
        else "context"
    )
    data["testable"] = (
        "true"
        if re.search(r'name="testable" value="true" checked', page.text)
        else "false"
        if re.search(r'name="testable" value="false" checked', page.text)
        else ""
    )
    data["actor"], data["actor_role"] = [], []
    actors = re.findall(r'<select id="actor-\d+" name="actor">(.*?)</select>', page.text, re.S)
    roles = re.findall(r'<select id="role-\d+" name="actor_role">(.*?)</select>', page.text, re.S)
    for actor, role in zip(actors, roles, strict=True):
        a = re.search(r'<option value="([^"]+)" selected>', actor)
        r = re.search(r'<option value="([^"]+)" selected>', role)
        if a and r:
            data["actor"].append(a.group(1))
            data["actor_role"].append(r.group(1))
    data["area"] = re.findall(r'name="area" value="([^"]+)" checked', page.text)
    data["theme"] = re.findall(r'name="theme" value="([^"]+)" checked', page.text)
    return data


# --- sign-in ----------------------------------------------------------------------------


def test_the_workbench_sends_a_visitor_to_the_sign_in_page(wb: Client) -> None:
    for path in ("/workbench/", "/workbench/statements?q=vivalla", "/workbench/changes"):
        r = wb.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/workbench/login?next=")
    login = wb.get(wb.get("/workbench/", follow_redirects=False).headers["location"])
    assert login.status_code == 200
    assert 'type="password"' in login.text
    assert 'lang="sv"' in login.text


def test_signing_in_sets_a_strict_http_only_session_cookie_with_an_expiry(wb: Client) -> None:
    form = wb.get("/workbench/login")
    r = wb.post(
        "/workbench/login",
        data={"csrf": hidden(form, "csrf"), "token": EDITOR, "next": "/workbench/changes"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/workbench/changes"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("pg_session="))
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs
    assert "samesite=strict" in attrs
    assert "path=/" in attrs
    assert "secure" not in attrs  # plain http here; over https below
    expires = next(a for a in cookie.split(";") if a.strip().lower().startswith("expires="))
    when = parsedate_to_datetime(expires.split("=", 1)[1])
    hours = (when - datetime.now(UTC)).total_seconds() / 3600
    assert 7.5 < hours <= 8.01


def test_over_https_the_cookie_is_secure(wb: Client) -> None:
    https = BASE.replace("http://", "https://")
    form = wb.get(f"{https}/workbench/login")
    r = wb.post(
        f"{https}/workbench/login",
        data={"csrf": hidden(form, "csrf"), "token": EDITOR},
        headers={"origin": https},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("pg_session="))
    assert "secure" in [a.strip().lower() for a in cookie.split(";")]


def test_a_wrong_token_does_not_sign_in(wb: Client) -> None:
    form = wb.get("/workbench/login")
    r = wb.post(
        "/workbench/login",
        data={"csrf": hidden(form, "csrf"), "token": "pgt_not-a-token"},
        follow_redirects=False,
    )
    assert r.status_code == 401
    assert "pg_session" not in r.headers.get("set-cookie", "")
    assert 'aria-invalid="true"' in r.text
    assert wb.get("/workbench/", follow_redirects=False).status_code == 303


def test_the_sign_in_form_refuses_a_post_without_its_nonce(wb: Client) -> None:
    r = wb.post("/workbench/login", data={"token": EDITOR}, follow_redirects=False)
    assert r.status_code == 403
    assert "pg_session" not in r.headers.get("set-cookie", "")


def test_next_never_leads_off_the_workbench(wb: Client) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/api/changes", "/\\evil"):
        form = wb.get("/workbench/login")
        r = wb.post(
            "/workbench/login",
            data={"csrf": hidden(form, "csrf"), "token": EDITOR, "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/workbench/"
        wb.cookies.clear()


def test_signing_out_ends_the_session_even_for_a_copied_cookie(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    copied = wb.cookies.get("pg_session")
    assert copied
    r = wb.post("/workbench/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/workbench/login?ended=1")
    wb.cookies.set("pg_session", copied)
    assert wb.get("/workbench/", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(built: BuildResult, tmp_path: Any) -> None:
    tokens = tmp_path / "tokens.json"
    with service(platform_store(built), tokens_file=tokens) as client:
        csrf = sign_in(client, ADMIN)
        page = client.post(
            "/workbench/tokens",
            data={"csrf": csrf, "action": "create", "name": "anna", "role": "editor", "days": "30"},
        )
        assert page.status_code == 201
        anna = re.search(r'id="new-token" readonly value="([^"]+)"', page.text)
        assert anna
        assert anna.group(1).startswith("pgt_")
        with service(platform_store(built), tokens_file=tokens) as other:
            # Anna signs in (another browser), then an administrator revokes her token.
            sign_in(other, anna.group(1))
            assert other.get("/workbench/", follow_redirects=False).status_code == 200
            listed = client.get("/workbench/tokens")
            assert "anna" in listed.text
            done = client.post(
                "/workbench/tokens", data={"csrf": csrf, "action": "revoke", "name": "anna"}
            )
            assert done.status_code == 200
            assert other.get("/workbench/", follow_redirects=False).status_code == 303
        assert "anna" not in client.get("/workbench/tokens").text.split("<h2")[0]


def test_only_an_admin_sees_the_tokens_page(wb: Client) -> None:
    sign_in(wb, EDITOR)
    r = wb.get("/workbench/tokens")
    assert r.status_code == 403
    assert "administratör" in r.text


def test_a_reader_can_look_but_not_change(wb: Client) -> None:
    sign_in(wb, READER)
    assert wb.get("/workbench/changes").status_code == 200
    assert wb.get(f"/workbench/statements/{VIVALLA}/edit").status_code == 403


# --- CSRF and same-site checks ------------------------------------------------------------


def _correction(wb: Client, slug: str, **changes: Any) -> dict[str, Any]:
    data = coding_form(wb, slug)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [
        (None, {}),
        ("wrong-token", {}),
        ("SESSION", {"origin": "https://evil.example"}),
        ("SESSION", {"sec-fetch-site": "cross-site"}),
        ("SESSION", {"origin": "null"}),
    ],
    ids=["no-token", "wrong-token", "other-origin", "cross-site-fetch", "opaque-origin"],
)
def test_a_form_post_from_elsewhere_is_refused_and_changes_nothing(
    wb: Client, csrf: str | None, headers: dict[str, str]
) -> None:
    session_csrf = sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, title_sv="Ändrad utan lov", action="save")
    if csrf is None:
        del data["csrf"]
    else:
        data["csrf"] = session_csrf if csrf == "SESSION" else csrf
    before = etag(wb)
    r = wb.post(
        f"/workbench/statements/{VIVALLA}/edit", data=data, headers=headers, follow_redirects=False
    )
    assert r.status_code == 403
    assert "Ingenting ändrades" in r.text
    assert etag(wb) == before


def test_a_post_without_a_session_is_refused(wb: Client) -> None:
    before = etag(wb)
    r = wb.post(
        f"/workbench/statements/{VIVALLA}/edit",
        data={"title_sv": "x", "action": "save"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert etag(wb) == before


def test_the_session_cookie_does_not_authorise_the_api(wb: Client) -> None:
    sign_in(wb, ADMIN)
    r = wb.post("/api/changes", json={"message": "m", "add": "<a:b> <a:c> <a:d> ."})
    assert r.status_code == 401


# --- corrections --------------------------------------------------------------------------


def test_a_correction_is_previewed_in_words_then_saved(wb: Client) -> None:
    sign_in(wb, EDITOR)
    data = _correction(
        wb,
        VIVALLA,
        title_sv="Plan för Vivalla 2027",
        area=["vivalla", "varberga"],
        action="preview",
    )
    before = etag(wb)
    preview = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data)
    assert preview.status_code == 200
    assert etag(wb) == before  # a preview changes nothing
    diff = preview.text.split('<table class="diff">')[1].split("</table>")[0]
    assert "Titel på svenska" in diff
    assert "Plan för Vivalla 2027" in diff
    assert "Områden" in diff
    assert "Varberga" in diff
    assert "Styrka" not in diff  # only what changes
    data["action"] = "save"
    saved = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303
    assert f"/workbench/statements/{VIVALLA}?saved=" in saved.headers["location"]
    c = wb.get(f"/api/commitments/{VIVALLA}").json()
    assert c["title"]["sv"] == "Plan för Vivalla 2027"
    assert sorted(c["areas"]) == ["varberga", "vivalla"]
    # The statement that refers back to it inherits the new area.
    other = wb.get(f"/id/commitment/{OTHER}.ttl").text
    assert "area/varberga" in other


def test_errors_appear_next_to_their_fields_in_the_pages_language(wb: Client) -> None:
    sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, title_sv="", strength="", theme=[], action="preview")
    sv = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data)
    assert sv.status_code == 422
    assert "Skriv en titel på svenska" in sv.text
    assert re.search(r'id="field-title_sv"[^>]*aria-invalid="true"', sv.text)
    assert 'href="#field-strength"' in sv.text
    en = wb.post(f"/workbench/statements/{VIVALLA}/edit?lang=en", data=data)
    assert "Write a title in Swedish" in en.text
    assert "Choose a strength" in en.text


def test_a_write_to_another_statement_never_makes_the_form_stale(wb: Client) -> None:
    sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, title_sv="Plan för Vivalla, rättad", action="save")
    # Meanwhile someone assesses another commitment and corrects another statement.
    r = wb.post(
        f"/api/commitments/{OTHER}/assessments",
        json={
            "status": "in-progress",
            "date": "2024-05-01",
            "assessor": "Stadsledningskontoret",
            "evidence": ["https://www.orebro.se/"],
        },
        headers=auth(EDITOR),
    )
    assert r.status_code == 201
    saved = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303


def test_a_write_to_the_same_statement_gives_a_conflict_page_with_both_versions(
    wb: Client,
) -> None:
    sign_in(wb, EDITOR)
    mine = _correction(wb, VIVALLA, title_sv="Min version", action="save")
    theirs = _correction(wb, VIVALLA, title_sv="Deras version", action="save")
    assert (
        wb.post(
            f"/workbench/statements/{VIVALLA}/edit", data=theirs, follow_redirects=False
        ).status_code
        == 303
    )
    before = etag(wb)
    r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=mine)
    assert r.status_code == 409
    assert "Min version" in r.text
    assert "Deras version" in r.text
    assert etag(wb) == before
    assert wb.get(f"/api/commitments/{VIVALLA}").json()["title"]["sv"] == "Deras version"


def test_a_commitment_can_become_context_and_keeps_its_old_address(wb: Client) -> None:
    sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, commitment="context", action="save")
    r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert "renamed=" in r.headers["location"]
    ttl = wb.get(f"/id/context/{VIVALLA}.ttl")
    assert ttl.status_code == 200
    assert (
        f"dcterms:replaces <https://w3id.org/platform-graph/id/commitment/{VIVALLA}>"
        in (ttl.text.replace("\n", " "))
        or "replaces" in ttl.text
    )
    assert wb.get(f"/api/commitments/{VIVALLA}").status_code == 404


def _is_pledge(wb: Client, kind: str, slug: str) -> bool:
    ask = (
        "PREFIX pg: <https://w3id.org/platform-graph/ontology#> "
        f"ASK {{ <https://w3id.org/platform-graph/id/{kind}/{slug}> a pg:Pledge }}"
    )
    r = wb.get(
        "/sparql", params={"query": ask}, headers={"accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def test_a_pledge_follows_the_testability_a_correction_gives(wb: Client) -> None:
    """pg:Pledge is derived from the coding: a correction keeps it so, both ways."""
    sign_in(wb, EDITOR)
    assert _is_pledge(wb, "commitment", VIVALLA)
    for testable, pledge in (("false", False), ("true", True)):
        data = _correction(wb, VIVALLA, testable=testable, action="save")
        r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        assert _is_pledge(wb, "commitment", VIVALLA) is pledge
    data = _correction(wb, VIVALLA, commitment="context", action="save")
    r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert not _is_pledge(wb, "context", VIVALLA)


# --- review -----------------------------------------------------------------------------


def test_with_review_an_editors_change_waits_for_another_editor(wb_review: Client) -> None:
    wb = wb_review
    sign_in(wb, EDITOR)
    before = etag(wb)
    data = _correction(wb, VIVALLA, title_sv="Föreslagen titel", action="save")
    r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert "proposed=" in r.headers["location"]
    proposal = int(r.headers["location"].split("proposed=")[1].split("&")[0])
    assert etag(wb) == before  # nothing public yet
    assert wb.get(f"/api/commitments/{VIVALLA}").json()["title"]["sv"] != "Föreslagen titel"
    # Not one's own.
    own = wb.get(f"/workbench/review/{proposal}")
    assert "ditt eget förslag" in own.text
    csrf = hidden(own, "csrf")
    refused = wb.post(f"/workbench/review/{proposal}", data={"csrf": csrf, "verdict": "approve"})
    assert refused.status_code == 403
    assert etag(wb) == before
    # Another editor approves it.
    csrf = sign_in(wb, EDITOR2)
    page = wb.get(f"/workbench/review/{proposal}")
    assert "Föreslagen titel" in page.text
    done = wb.post(
        f"/workbench/review/{proposal}",
        data={"csrf": csrf, "verdict": "approve", "comment": "Stämmer med citatet"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert wb.get(f"/api/commitments/{VIVALLA}").json()["title"]["sv"] == "Föreslagen titel"
    change = wb.get("/api/changes?limit=1").json()["items"][0]
    assert change["author"] == "editor"
    record = wb.get(f"/workbench/changes/{change['id']}").text
    assert "editor2" in record
    assert "Stämmer med citatet" in record


def test_a_proposal_is_validated_again_when_approved(wb_review: Client) -> None:
    wb = wb_review
    first = _propose_title(wb, "Första förslaget")
    second = _propose_title(wb, "Andra förslaget")
    csrf = sign_in(wb, ADMIN)
    ok = wb.post(
        f"/workbench/review/{first}",
        data={"csrf": csrf, "verdict": "approve"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    before = etag(wb)
    # The second was made against the title the first has now replaced.
    stale = wb.post(f"/workbench/review/{second}", data={"csrf": csrf, "verdict": "approve"})
    assert stale.status_code == 409
    assert etag(wb) == before
    assert wb.get(f"/api/proposals/{second}", headers=auth(ADMIN)).json()["state"] == "open"


def _propose_title(wb: Client, title: str) -> int:
    sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, title_sv=title, action="save")
    r = wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data, follow_redirects=False)
    return int(r.headers["location"].split("proposed=")[1].split("&")[0])


def test_rejecting_needs_a_comment_and_changes_nothing(wb_review: Client) -> None:
    wb = wb_review
    proposal = _propose_title(wb, "Avvisas")
    csrf = sign_in(wb, EDITOR2)
    before = etag(wb)
    bare = wb.post(f"/workbench/review/{proposal}", data={"csrf": csrf, "verdict": "reject"})
    assert bare.status_code == 422
    done = wb.post(
        f"/workbench/review/{proposal}",
        data={"csrf": csrf, "verdict": "reject", "comment": "Titeln överdriver"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert etag(wb) == before
    state = wb.get(f"/api/proposals/{proposal}", headers=auth(EDITOR2)).json()
    assert state["state"] == "rejected"
    assert state["comment"] == "Titeln överdriver"


def test_with_review_the_api_answers_202_with_the_proposal(wb_review: Client) -> None:
    body = {
        "status": "in-progress",
        "date": "2024-05-01",
        "assessor": "Stadsledningskontoret",
        "evidence": ["https://www.orebro.se/"],
    }
    before = etag(wb_review)
    r = wb_review.post(f"/api/commitments/{VIVALLA}/assessments", json=body, headers=auth(EDITOR))
    assert r.status_code == 202
    proposal = r.json()["proposal"]["id"]
    assert r.headers["location"] == f"/api/proposals/{proposal}"
    assert etag(wb_review) == before
    listed = wb_review.get("/api/proposals?status=open", headers=auth(EDITOR2)).json()
    assert proposal in [p["id"] for p in listed["items"]]
    assert wb_review.get("/api/proposals").status_code == 401  # not public
    own = wb_review.post(f"/api/proposals/{proposal}/approve", json={}, headers=auth(EDITOR))
    assert own.status_code == 403
    ok = wb_review.post(
        f"/api/proposals/{proposal}/approve", json={"comment": "ok"}, headers=auth(EDITOR2)
    )
    assert ok.status_code == 201
    assert wb_review.get(f"/api/commitments/{VIVALLA}").json()["status"] == "in-progress"
    again = wb_review.post(f"/api/proposals/{proposal}/approve", json={}, headers=auth(ADMIN))
    assert again.status_code == 409
    # An administrator's own change applies at once.
    admin = wb_review.post(f"/api/commitments/{OTHER}/assessments", json=body, headers=auth(ADMIN))
    assert admin.status_code == 201


# --- the change log -----------------------------------------------------------------------


def test_the_change_log_reads_in_words_and_filters(wb: Client) -> None:
    sign_in(wb, EDITOR)
    data = _correction(wb, VIVALLA, title_sv="Loggad titel", action="save")
    wb.post(f"/workbench/statements/{VIVALLA}/edit", data=data)
    sign_in(wb, EDITOR2)
    data = _correction(wb, OTHER, title_sv="Annan titel", action="save")
    wb.post(f"/workbench/statements/{OTHER}/edit", data=data)
    listed = wb.get("/workbench/changes?author=editor")
    assert "Loggad titel" not in listed.text  # the list shows messages, not values
    assert listed.text.count('href="/workbench/changes/') >= 1
    by_resource = wb.get(f"/workbench/changes?resource=commitment/{OTHER}")
    assert "editor2" in by_resource.text
    assert "?author=editor&" not in by_resource.text
    one = wb.get("/workbench/changes/1")
    assert "<del>" in one.text
    assert "Loggad titel" in one.text
    # For a browser, the change's IRI is this page, signed in or not.
    wb.cookies.clear()
    public = wb.get("/id/change/1", headers={"accept": "text/html"})
    assert public.status_code == 200
    assert "Loggad titel" in public.text
    assert "Ta tillbaka" not in public.text
    assert (
        wb.get("/id/change/1", headers={"accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )


# --- follow-up --------------------------------------------------------------------------


def _assessment(csrf: str, **values: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "status": "in-progress",
        "date": "2025-03-01",
        "assessor": "Stadsledningskontoret",
        "evidence": "https://www.orebro.se/a\nhttps://www.orebro.se/b",
        "note": "Arbetet pågår.",
        "note_en": "Work is under way.",
        **values,
    }


def test_record_an_assessment_in_the_form(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    form = wb.get(f"/workbench/statements/{VIVALLA}/assess")
    assert form.status_code == 200
    r = wb.post(
        f"/workbench/statements/{VIVALLA}/assess",
        data=_assessment(csrf),
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "assessed=" in r.headers["location"]
    assert wb.get(f"/api/commitments/{VIVALLA}").json()["status"] == "in-progress"
    items = wb.get(f"/api/commitments/{VIVALLA}/assessments").json()["items"]
    assert sorted(items[0]["evidence"]) == ["https://www.orebro.se/a", "https://www.orebro.se/b"]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"date": "2031-01-01"}, "date", "efter i dag"),
        ({"date": "1999-05-05"}, "date", "före mandatperioden"),
        ({"date": "31/12/2025"}, "date", "ÅÅÅÅ-MM-DD"),
        ({"evidence": "x"}, "evidence", "ingen webbadress"),
        ({"status": "done"}, "status", "finns inte på skalan"),
        ({"assessor": ""}, "assessor", "Ange vem"),
    ],
    ids=["future", "before-term", "unreadable-date", "not-a-url", "no-such-status", "no-one"],
)
def test_a_bad_assessment_is_shown_next_to_its_field_and_changes_nothing(
    wb: Client, values: dict[str, str], field: str, words: str
) -> None:
    csrf = sign_in(wb, EDITOR)
    before = etag(wb)
    r = wb.post(f"/workbench/statements/{VIVALLA}/assess", data=_assessment(csrf, **values))
    assert r.status_code == 422
    assert words in r.text
    assert f'href="#field-{field}"' in r.text
    assert etag(wb) == before


def test_a_date_outside_the_term_is_kept_with_a_reason(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    r = wb.post(
        f"/workbench/statements/{VIVALLA}/assess",
        data=_assessment(
            csrf, date="2021-11-30", date_reason="Beslutet fattades före mandatperioden."
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_a_spreadsheet_is_checked_row_by_row_then_applied_as_one_change(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    template = wb.get("/workbench/follow-up-template.xlsx")
    assert template.status_code == 200
    assert template.content[:2] == b"PK"
    good = (
        "commitment;status;date;assessor;evidence;note\n"
        f"{VIVALLA};in-progress;2025-02-01;Kansliet;https://www.orebro.se/x;Pågår\n"
        f"{OTHER};fulfilled;2025-02-02;Kansliet;https://www.orebro.se/y;Klar\n"
    ).encode()
    before = etag(wb)
    checked = wb.post(
        "/workbench/import",
        data={"csrf": csrf},
        files={"file": ("uppfoljning.csv", good, "text/csv")},
    )
    assert checked.status_code == 200
    assert "Alla 2 rader är giltiga" in checked.text
    assert etag(wb) == before
    upload = re.search(r'action="/workbench/import/([^"]+)"', checked.text)
    assert upload
    applied = wb.post(f"/workbench/import/{upload.group(1)}", data={"csrf": csrf})
    assert applied.status_code == 201
    assert wb.get(f"/api/commitments/{OTHER}").json()["status"] == "fulfilled"
    log = wb.get("/api/changes?limit=5").json()
    assert log["total"] == 1  # one change for both rows
    # The same upload cannot be applied twice.
    again = wb.post(f"/workbench/import/{upload.group(1)}", data={"csrf": csrf})
    assert again.status_code == 410


def test_a_spreadsheet_with_a_bad_row_applies_nothing(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    bad = (
        "commitment,status,date,assessor,evidence,note\n"
        f"{VIVALLA},in-progress,2025-02-01,Kansliet,https://www.orebro.se/x,\n"
        "no-such-commitment,fulfilled,2025-02-02,Kansliet,https://www.orebro.se/y,\n"
    ).encode()
    before = etag(wb)
    r = wb.post(
        "/workbench/import", data={"csrf": csrf}, files={"file": ("f.csv", bad, "text/csv")}
    )
    assert r.status_code == 422
    assert "Rader med fel: 1." in r.text
    assert "no-such-commitment" in r.text
    assert "/workbench/import/" not in r.text.split("<form")[-2]  # no button to save
    assert etag(wb) == before
    nothing = wb.post(
        "/workbench/import",
        data={"csrf": csrf},
        files={"file": ("f.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert nothing.status_code in (400, 415)
    assert etag(wb) == before


def test_with_review_a_spreadsheet_becomes_one_proposal(wb_review: Client) -> None:
    csrf = sign_in(wb_review, EDITOR)
    good = (
        "commitment;status;date;assessor;evidence;note\n"
        f"{VIVALLA};in-progress;2025-02-01;Kansliet;https://www.orebro.se/x;Pågår\n"
    ).encode()
    checked = wb_review.post(
        "/workbench/import", data={"csrf": csrf}, files={"file": ("u.csv", good, "text/csv")}
    )
    upload = re.search(r'action="/workbench/import/([^"]+)"', checked.text)
    assert upload
    before = etag(wb_review)
    done = wb_review.post(f"/workbench/import/{upload.group(1)}", data={"csrf": csrf})
    assert done.status_code == 201
    assert "har blivit förslag" in done.text
    assert etag(wb_review) == before


def _assessed(wb: Client, csrf: str, **values: str) -> int:
    r = wb.post(
        f"/workbench/statements/{VIVALLA}/assess",
        data=_assessment(csrf, **values),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(re.search(r"assessed=(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]


def test_an_admin_reverts_an_earlier_assessment_and_the_later_one_decides(wb: Client) -> None:
    csrf = sign_in(wb, EDITOR)
    first = _assessed(wb, csrf, status="stalled", date="2025-01-10")
    _assessed(wb, csrf, status="in-progress", date="2025-03-01")
    csrf = sign_in(wb, ADMIN)
    page = wb.get(f"/workbench/changes/{first}")
    assert "Ta tillbaka" in page.text
    r = wb.post(
        f"/workbench/changes/{first}/revert",
        data={"csrf": csrf, "confirm": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert wb.get(f"/api/commitments/{VIVALLA}").json()["status"] == "in-progress"
    items = wb.get(f"/api/commitments/{VIVALLA}/assessments").json()["items"]
    assert [i["status"] for i in items] == ["in-progress"]
    # The log shows the derived status with the revert, in the page's language.
    revert = wb.get(f"/workbench/changes/{first}").text
    assert "Tillbakatagen av" in revert
