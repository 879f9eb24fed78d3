"""The data officer's workflows in a real browser: Debian's Chromium, driven by Playwright,
against a real server. Each test is a data officer's steps, with the keyboard where a
person would use it; each page it sees is checked with axe-core, and no script runs at all.

Screenshots go to test-artifacts/screenshots/<test>/; with PLATFORM_GRAPH_DOC_SCREENSHOTS
set to a folder, the ones docs/workbench.md shows are written there too.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from platform_graph.write.tokens import hash_token
from tests.support.browser import Visit, chromium, visiting
from tests.support.server import RunningServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

EDITOR = "pgt_browser-editor-0123456789abcdefghijklmnopq"
EDITOR2 = "pgt_browser-second-editor-0123456789abcdefghij"
ADMIN = "pgt_browser-admin-0123456789abcdefghijklmnopqr"
VIVALLA = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
DOCS = os.environ.get("PLATFORM_GRAPH_DOC_SCREENSHOTS")


def _tokens() -> str:
    return ",".join(
        f"{name}:{role}:{hash_token(token)}"
        for name, role, token in (
            ("anna.editor", "editor", EDITOR),
            ("erik.editor", "editor", EDITOR2),
            ("admin", "admin", ADMIN),
        )
    )


def _server(tmp: Path, **env: str) -> RunningServer:
    return start_server(
        tmp,
        store=tmp / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": _tokens(),
            "PLATFORM_GRAPH_TOKENS_FILE": str(tmp / "tokens.json"),
            **env,
        },
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own: these tests change the data."""
    running = _server(tmp_path_factory.mktemp("workbench"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = _server(tmp_path_factory.mktemp("reviewed"), PLATFORM_GRAPH_REQUIRE_REVIEW="true")
    yield running
    running.stop()


@pytest.fixture
def visit(
    browser: Browser, workbench: RunningServer, request: pytest.FixtureRequest
) -> Iterator[Visit]:
    with visiting(browser, workbench.url, request.node.name) as v:
        yield v


_axe = Axe()


def accessible(visit: Visit, what: str, *, doc: str | None = None) -> None:
    """axe-core finds nothing on the page; a screenshot of it (for the docs too)."""
    results = _axe.run(visit.page)
    problems = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]
    assert not problems, f"axe-core on {what}: {problems}"
    path = visit.shot(what)
    if DOCS and doc:
        target = Path(DOCS) / f"{doc}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def sign_in(page: Page, token: str, *, start: str = "/workbench/") -> None:
    """With the keyboard, as a person would: type the token, press Enter."""
    page.goto(start)
    expect(page).to_have_url(re.compile(r"/workbench/login\?next="))
    field = page.get_by_label("Nyckel")
    field.focus()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Inloggad som")).to_be_visible()


def sign_out(page: Page) -> None:
    if not page.url.rstrip("/").split("?")[0].endswith(("/workbench", "changes")):
        page.goto("/workbench/")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in på arbetsbänken")


# --- sign in -------------------------------------------------------------------------------


def test_sign_in_with_a_token_and_out_again(visit: Visit) -> None:
    page = visit.page
    page.goto("/workbench/changes")
    expect(page).to_have_url(re.compile(r"/workbench/login\?next=%2Fworkbench%2Fchanges"))
    accessible(visit, "sign-in", doc="sign-in")
    # A wrong token: the error next to the field, and still signed out.
    page.get_by_label("Nyckel").fill("pgt_wrong")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator(".field-error")).to_contain_text("Nyckeln är inte giltig")
    expect(page.get_by_label("Nyckel")).to_have_attribute("aria-invalid", "true")
    accessible(visit, "sign-in-failed")
    page.get_by_label("Nyckel").fill(EDITOR)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/workbench/changes$"))
    expect(page.get_by_text("anna.editor")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["pg_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["path"] == "/"
    assert session["expires"] > 0
    # The cookie is out of the reach of scripts.
    assert "pg_session" not in page.evaluate("document.cookie")
    sign_out(page)
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/workbench/login"))
    visit.assert_clean()


def test_the_workbench_speaks_english_on_request(visit: Visit) -> None:
    page = visit.page
    sign_in(page, EDITOR)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workbench")
    page.get_by_role("link", name="Commitments and statements").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    accessible(visit, "statements-english")
    visit.assert_clean()


# --- corrections ---------------------------------------------------------------------------


def test_correct_a_statements_coding_with_a_preview_in_words(visit: Visit) -> None:
    page = visit.page
    sign_in(page, EDITOR)
    page.get_by_role("link", name="Åtaganden och uttalanden").first.click()
    page.get_by_label("Sök i titel och citat").fill("Vivalla 2027")
    page.get_by_role("button", name="Filtrera").click()
    accessible(visit, "statements", doc="statements")
    row = page.locator("tr", has_text="särskilt utsatt")
    row.get_by_role("link", name=re.compile("Rätta kodningen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rätta kodningen")
    accessible(visit, "edit", doc="edit")
    title = page.get_by_label("Titel på svenska")
    title.fill("Plan för att Vivalla inte längre ska vara särskilt utsatt område 2027")
    page.get_by_label("Varberga").check()
    page.get_by_role("button", name="Förhandsgranska").click()
    diff = page.locator("table.diff")
    expect(diff).to_contain_text("Titel på svenska")
    expect(diff).to_contain_text("inte längre")
    expect(diff).to_contain_text("Varberga")
    expect(page.get_by_text("Ändringen är giltig.")).to_be_visible()
    accessible(visit, "preview", doc="preview")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Rättelsen sparades som ändring")
    expect(page.locator("dl.facts-list")).to_contain_text("Varberga")
    # The public page shows it.
    page.get_by_role("link", name="Visa den publika sidan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("inte längre")
    visit.assert_clean()


def test_an_invalid_correction_shows_errors_next_to_the_fields(visit: Visit) -> None:
    page = visit.page
    sign_in(page, EDITOR, start=f"/workbench/statements/{VIVALLA}/edit")
    page.get_by_label("Titel på svenska").fill("")
    page.get_by_label("Styrka").select_option("")
    page.get_by_role("button", name="Förhandsgranska").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Skriv en titel på svenska")
    expect(summary).to_contain_text("Välj styrka")
    expect(page.get_by_label("Titel på svenska")).to_have_attribute("aria-invalid", "true")
    accessible(visit, "edit-errors", doc="edit-errors")
    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link", name=re.compile("Styrka")).click()
    expect(page.get_by_label("Styrka")).to_be_focused()
    visit.assert_clean()


def test_a_conflict_shows_both_versions(visit: Visit, browser: Browser, workbench: Any) -> None:
    page = visit.page
    sign_in(page, EDITOR, start=f"/workbench/statements/{VIVALLA}/edit")
    page.get_by_label("Titel på svenska").fill("Annas titel")
    # Meanwhile Erik, in another browser, saves another title for the same statement.
    with visiting(browser, workbench.url, visit.name + "-erik") as erik:
        sign_in(erik.page, EDITOR2, start=f"/workbench/statements/{VIVALLA}/edit")
        erik.page.get_by_label("Titel på svenska").fill("Eriks titel")
        erik.page.get_by_role("button", name="Förhandsgranska").click()
        erik.page.get_by_role("button", name="Spara").click()
        expect(erik.page.get_by_role("status")).to_contain_text("Rättelsen sparades")
    # Anna's preview already finds that the statement changed under her.
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Någon annan har ändrat samma påstående"
    )
    expect(page.locator("main")).to_contain_text("Annas titel")
    expect(page.locator("main")).to_contain_text("Eriks titel")
    accessible(visit, "conflict", doc="conflict")
    page.get_by_role("button", name="Förhandsgranska min version").click()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Rättelsen sparades")
    visit.assert_clean()


# --- the change log and revert ------------------------------------------------------------


def test_read_the_change_log_and_revert_a_change(visit: Visit) -> None:
    page = visit.page
    sign_in(page, EDITOR, start=f"/workbench/statements/{VIVALLA}/edit")
    page.get_by_label("Titel på engelska").fill("A title to take back")
    page.get_by_role("button", name="Förhandsgranska").click()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Rättelsen sparades som ändring")
    number = re.search(r"ändring (\d+)", page.get_by_role("status").inner_text())
    assert number
    sign_out(page)
    sign_in(page, ADMIN, start="/workbench/changes")
    page.get_by_label("Författare").fill("anna.editor")
    page.get_by_role("button", name="Filtrera").click()
    accessible(visit, "changes", doc="changes")
    page.get_by_role("link", name=number.group(1), exact=True).click()
    expect(page.locator("table.diff")).to_contain_text("A title to take back")
    accessible(visit, "change", doc="change")
    # Without the confirmation nothing happens.
    page.get_by_role("button", name="Ta tillbaka ändringen").click()
    expect(page.locator(".field-error")).to_be_visible()
    page.get_by_label(f"Jag vill ta tillbaka ändring {number.group(1)}").check()
    page.get_by_role("button", name="Ta tillbaka ändringen").click()
    expect(page.get_by_role("status")).to_contain_text("togs tillbaka med ändring")
    page.goto(f"/id/commitment/{VIVALLA}?lang=en")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("A title to take back")
    visit.assert_clean()


# --- review ---------------------------------------------------------------------------------


def test_four_eyes_an_editor_proposes_another_approves(
    browser: Browser, reviewed: RunningServer, request: pytest.FixtureRequest
) -> None:
    with visiting(browser, reviewed.url, request.node.name) as visit:
        page = visit.page
        sign_in(page, EDITOR, start=f"/workbench/statements/{VIVALLA}/edit")
        page.get_by_label("Titel på svenska").fill("Föreslagen titel om Vivalla")
        page.get_by_role("button", name="Förhandsgranska").click()
        page.get_by_role("button", name="Spara").click()
        status = page.get_by_role("status")
        expect(status).to_contain_text("har blivit förslag")
        page.goto(f"/id/commitment/{VIVALLA}")
        expect(page.get_by_role("heading", level=1)).not_to_contain_text("Föreslagen")
        sign_out(page)
        sign_in(page, EDITOR2, start="/workbench/review")
        accessible(visit, "review", doc="review")
        page.locator("table").get_by_role("link").first.click()
        expect(page.locator("main")).to_contain_text("Föreslagen titel om Vivalla")
        accessible(visit, "proposal", doc="proposal")
        page.get_by_label("Kommentar").fill("Stämmer med citatet.")
        page.get_by_role("button", name="Godkänn").click()
        expect(page.get_by_role("status")).to_contain_text("godkändes och blev ändring")
        page.goto(f"/id/commitment/{VIVALLA}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Föreslagen titel")
        visit.assert_clean()


# --- tokens ----------------------------------------------------------------------------------


def test_an_admin_creates_and_revokes_a_token(
    visit: Visit, browser: Browser, workbench: Any
) -> None:
    page = visit.page
    sign_in(page, ADMIN, start="/workbench/tokens")
    accessible(visit, "tokens", doc="tokens")
    page.get_by_label("Namn").fill("lisa.lindqvist")
    page.get_by_label("Roll").select_option("editor")
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.get_by_role("status")).to_contain_text("visas inte igen")
    token = page.locator("#new-token").input_value()
    assert token.startswith("pgt_")
    accessible(visit, "token-created")
    with visiting(browser, workbench.url, visit.name + "-lisa") as lisa:
        sign_in(lisa.page, token)
        page.goto("/workbench/tokens")
        page.locator("tr", has_text="lisa.lindqvist").get_by_role(
            "button", name=re.compile("Återkalla")
        ).click()
        expect(page.get_by_role("status")).to_contain_text("återkallades; 1 inloggningar")
        lisa.page.goto("/workbench/")
        expect(lisa.page).to_have_url(re.compile(r"/workbench/login"))
    visit.assert_clean()


# --- follow-up ------------------------------------------------------------------------------

ORDNINGSVAKTER = "trygghet-vivalla-plan-i-dialog"


def test_record_an_assessment_and_correct_a_typo_in_its_date(visit: Visit) -> None:
    page = visit.page
    sign_in(page, EDITOR, start=f"/workbench/statements/{ORDNINGSVAKTER}")
    page.get_by_role("link", name="Följ upp", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny bedömning")
    accessible(visit, "assess", doc="assess")
    page.get_by_label("Pågår").check()
    # A typo: 2052 for 2025.
    page.get_by_label("Datum", exact=True).fill("2052-03-14")
    page.get_by_label("Bedömare").fill("Stadsledningskontoret")
    page.get_by_label("Underlag").fill("https://www.orebro.se/protokoll/ks-2025-03-11\nx")
    page.get_by_label("Kommentar på svenska").fill("Planen tas fram tillsammans med polisen.")
    page.get_by_role("button", name="Spara bedömningen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("ligger efter i dag")
    expect(summary).to_contain_text("ingen webbadress")
    expect(page.get_by_label("Datum", exact=True)).to_have_attribute("aria-invalid", "true")
    accessible(visit, "assess-errors", doc="assess-errors")
    page.get_by_label("Datum", exact=True).fill("2025-03-14")
    page.get_by_label("Underlag").fill("https://www.orebro.se/protokoll/ks-2025-03-11")
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status")).to_contain_text("Bedömningen sparades som ändring")
    expect(page.locator("table")).to_contain_text("2025-03-14")
    expect(page.locator("table")).to_contain_text("Pågår")
    visit.assert_clean()


def test_follow_up_many_commitments_from_the_excel_template(visit: Visit, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = visit.page
    sign_in(page, EDITOR, start="/workbench/import")
    accessible(visit, "import", doc="import")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hämta mallen (Excel)").click()
    template = tmp_path / "uppfoljning.xlsx"
    download.value.save_as(template)
    # Fill it in as a data officer would in Excel: two rows, one with a mistake.
    book = load_workbook(template)
    sheet = book["Uppföljning"]
    header = [c.value for c in sheet[1]]
    col = {str(name).strip().lower(): i for i, name in enumerate(header)}
    rows = {str(r[col["åtagande"]].value): r for r in sheet.iter_rows(min_row=2)}
    first, second = rows[VIVALLA], rows[ORDNINGSVAKTER]
    for row, status, day, evidence in (
        (first, "Delvis uppfyllt", "2025-04-01", "https://www.orebro.se/a"),
        (second, "Pågår", "2025-04-02", "www.orebro.se/utan-schema"),
    ):
        row[col["status"]].value = status
        row[col["datum"]].value = day
        row[col["bedömare"]].value = "Kommunledningskontoret"
        row[col["underlag"]].value = evidence
    book.save(template)
    page.get_by_label("Kalkylblad (.xlsx eller .csv)").set_input_files(str(template))
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.locator(".error-summary")).to_contain_text("Rader med fel: 1.")
    expect(page.locator("table.report")).to_contain_text("www.orebro.se/utan-schema")
    expect(page.get_by_role("button", name=re.compile("Spara"))).to_have_count(0)
    accessible(visit, "import-errors", doc="import-errors")
    # Corrected, uploaded again: the report, then one change.
    second[col["underlag"]].value = "https://www.orebro.se/b"
    book.save(template)
    page.get_by_label("Kalkylblad (.xlsx eller .csv)").set_input_files(str(template))
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.get_by_role("status")).to_contain_text("Alla 2 rader är giltiga")
    accessible(visit, "import-report", doc="import-report")
    page.get_by_role("button", name="Spara 2 bedömningar").click()
    expect(page.get_by_role("status")).to_contain_text("2 bedömningar sparades som ändring")
    page.goto(f"/id/commitment/{VIVALLA}")
    expect(page.locator("dl.facts-list")).to_contain_text("Delvis uppfyllt")
    visit.assert_clean()


# --- drafts (issue 16) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server with a draft platform beside Örebro's, every statement proposed."""
    from tests.test_workbench_drafts import write_draft

    work = tmp_path_factory.mktemp("drafted")
    draft = write_draft(work)
    running = _server(
        work,
        PLATFORM_GRAPH_EXTRA_PLATFORMS=str(draft),
        PLATFORM_GRAPH_REVIEW_FILE=str(work / "review.jsonl"),
    )
    yield running
    running.stop()


def test_review_a_draft_accept_edit_reject_and_confirm_continuity(
    browser: Browser, drafted: RunningServer, request: pytest.FixtureRequest
) -> None:
    with visiting(browser, drafted.url, request.node.name) as visit:
        page = visit.page
        sign_in(page, EDITOR, start="/workbench/drafts")
        expect(page.get_by_role("heading", level=1)).to_have_text("Utkast att granska")
        accessible(visit, "drafts", doc="drafts")
        page.get_by_role("link", name=re.compile("2026")).first.click()
        expect(page.locator("li.draft-statement")).to_have_count(4)
        accessible(visit, "draft", doc="draft")
        # Edit one, then accept it.
        team = page.locator("li.draft-statement", has_text="Narkotikateamet")
        team.get_by_role("link", name=re.compile("Ändra och godta")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ändra och godta")
        accessible(visit, "draft-edit", doc="draft-edit")
        page.get_by_label("Titel på svenska").fill("Narkotikateamet fortsätter sitt arbete")
        page.get_by_label("Titel på engelska").fill("The narcotics team carries on")
        page.get_by_role("button", name="Godta med ändringarna").click()
        expect(page.get_by_role("status").first).to_contain_text("godtogs som ändring")
        # Reject one with a reason: without it, the error shows next to the statement.
        general = page.locator("li.draft-statement", has_text="Tryggheten är viktig")
        general.get_by_role("button", name=re.compile("^Avvisa")).click()
        general = page.locator("li.draft-statement", has_text="Tryggheten är viktig")
        expect(general.locator(".error-summary")).to_contain_text("Skriv varför du avvisar.")
        accessible(visit, "draft-reject-error")
        general.get_by_label(re.compile("Skäl att avvisa")).fill("Ett allmänt påstående")
        general.get_by_label(re.compile("Skäl att avvisa")).press("Enter")
        expect(page.get_by_role("status").first).to_contain_text("1 påståenden avvisades")
        # Bulk: tick the two left with the keyboard, accept them in one change.
        boxes = page.get_by_role("checkbox")
        expect(boxes).to_have_count(2)
        for i in range(2):
            boxes.nth(i).focus()
            page.keyboard.press("Space")
            expect(boxes.nth(i)).to_be_checked()
        page.get_by_role("button", name="Godta markerade").click()
        expect(page.get_by_role("status").first).to_contain_text("2 påståenden godtogs")
        page.get_by_role("link", name=re.compile("Godtagna")).click()
        expect(page.locator("li.draft-statement")).to_have_count(3)
        accessible(visit, "draft-accepted")
        # Continuity: confirm the link to the narcotics team of 2022–2026.
        page.get_by_role("link", name="Kontinuitet med tidigare plattformar").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Kontinuitet")
        accessible(visit, "continuity", doc="continuity")
        row = page.locator("tr", has_text="trygghet-narkotikateam")
        row.get_by_role("button", name=re.compile("^Bekräfta")).click()
        expect(page.get_by_role("status").first).to_contain_text("1 länkar bekräftades")
        page.get_by_role("link", name="Bekräftade").click()
        expect(page.locator("table.links")).to_contain_text("trygghet-narkotikateam")
        # The accepted, edited statement is public.
        page.get_by_role("link", name=re.compile("^Utkast: ")).click()
        page.get_by_role("link", name=re.compile("Godtagna")).click()
        page.locator("li.draft-statement", has_text="Narkotikateamet").locator(
            "a[href^='/id/']"
        ).click()
        expect(page).to_have_url(re.compile(r"/id/commitment/orebro-2026-2030--"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Narkotikateamet fortsätter sitt arbete"
        )
        # The same draft in English.
        page.goto("/workbench/drafts/orebro-2026-2030?status=all&lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Draft: "))
        expect(page.locator("main")).to_contain_text("Ett allmänt påstående")
        accessible(visit, "draft-english")
        visit.assert_clean()
