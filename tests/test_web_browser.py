"""The web face in a real browser: Debian's headless Chromium, driven by Playwright.

Never a downloaded browser: Playwright launches /usr/bin/chromium (.ci/run installs it).
Every request the pages make is checked to go to the service itself (the service must work
offline), and no page may raise a script error. Each test keeps screenshots of what it saw
in test-artifacts/screenshots/<test name>/, which CI keeps as artefacts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Visit, chromium, visiting
from tests.support.server import RunningServer

VIVALLA_2027 = "trygghet-vivalla-ej-sarskilt-utsatt-2027"

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def visit(
    browser: Browser, server: RunningServer, request: pytest.FixtureRequest
) -> Iterator[Visit]:
    with visiting(browser, server.url, request.node.name) as v:
        yield v


def test_the_home_page_shows_the_charts(visit: Visit) -> None:
    page = visit.page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Politisk plattform 2022–2026")
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(6)
    for i in range(6):
        chart = charts.nth(i)
        expect(chart.locator("svg")).to_be_visible()
        box = chart.locator("svg").bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 50
    theme = page.locator("#chart-theme")
    expect(theme.locator("figcaption")).to_have_text("Åtaganden per tema")
    bars = theme.locator("rect")
    assert bars.count() > 10
    widths = [float(bars.nth(i).get_attribute("width") or 0) for i in range(bars.count())]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] > 300
    expect(page.locator("#chart-actors")).to_contain_text("Örebro kommun")
    expect(page.locator("#chart-areas")).to_contain_text("Landsbygden")
    visit.shot("home")
    # The same page on a phone: nothing wider than the screen.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than a phone's screen"
    expect(page.locator("#chart-strength svg")).to_be_visible()
    visit.shot("home-phone")
    # In English on request, with the labels from the graph.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#chart-theme figcaption")).to_have_text("Commitments by theme")
    expect(page.locator("#chart-theme")).to_contain_text("Safety and security")
    visit.shot("home-english")
    visit.assert_clean()


def test_search_for_vivalla_reaches_the_commitment_about_2027(visit: Visit) -> None:
    page = visit.page
    page.goto("/")
    box = page.get_by_label("Sök bland citat och rubriker")
    box.fill("Vivalla")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=Vivalla"))
    results = page.locator("ol.results > li")
    assert results.count() >= 2
    visit.shot("results")
    page.get_by_role("link", name=re.compile(r"Vivalla .*2027")).click()
    expect(page).to_have_url(re.compile(f"/id/commitment/{VIVALLA_2027}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2027")
    expect(page.locator("figure.quote blockquote")).to_have_text(
        "En plan ska tas fram för att Vivalla senast år 2027 inte ska vara ett särskilt utsatt "
        "område."
    )
    facts = page.locator("dl.facts-list")
    expect(facts).to_contain_text("Tidsgräns")
    expect(facts).to_contain_text("2027")
    expect(facts.get_by_role("link", name="Vivalla", exact=True)).to_be_visible()
    expect(page.locator(".in-context .current")).to_contain_text("senast år 2027")
    visit.shot("commitment")
    visit.assert_clean()


def test_follow_links_to_the_police_and_back(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/id/commitment/{VIVALLA_2027}")
    # The next words in the text: the Vivalla plan is drawn up with the police.
    page.locator(".in-context").get_by_role("link", name=re.compile("Planen tas fram")).click()
    expect(page).to_have_url(re.compile("/id/commitment/trygghet-vivalla-plan-i-dialog$"))
    visit.shot("plan-in-dialogue")
    # With the keyboard: focus the police's link and press Enter.
    police = page.locator("dl.facts-list").get_by_role("link", name="Polisen")
    police.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/id/actor/polisen$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Polisen")
    listed = page.locator("ol.commitments").get_by_role("link")
    expect(listed).to_have_count(3)
    expect(page.get_by_role("main").get_by_role("link", name="Turtle")).to_have_attribute(
        "href", "/id/actor/polisen.ttl"
    )
    visit.shot("police")
    # Back to the commitment from the police's page, and back again with the browser.
    page.get_by_role("link", name=re.compile("Vivallaplanen tas fram")).click()
    expect(page).to_have_url(re.compile("/id/commitment/trygghet-vivalla-plan-i-dialog$"))
    page.go_back()
    expect(page).to_have_url(re.compile("/id/actor/polisen$"))
    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(f"/id/commitment/{VIVALLA_2027}$"))
    visit.shot("back")
    # The skip link is the first stop of the keyboard and leads into the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    visit.assert_clean()


def active_query(page: Page) -> str:
    text: str = page.evaluate("window.platformGraphYasgui.getTab().getQuery()")
    return text


def test_run_a_named_query_in_yasgui_and_see_rows(visit: Visit, server: RunningServer) -> None:
    page = visit.page
    page.goto("/sparql")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fråga grafen med SPARQL")
    tabs = page.locator(".yasgui .tabsList [role=tab]")
    expect(tabs).to_have_count(len(page.locator("dl.named-queries dt").all()))
    page.get_by_role("tab", name="Firm, soft and investigative commitments").click()
    panel = page.locator(".tabPanel.active")
    assert "pg:StrengthScheme" in active_query(page)
    # The endpoint is this service's own.
    endpoint = page.evaluate("window.platformGraphYasgui.getTab().getEndpoint()")
    assert endpoint == f"{server.url}/sparql"
    panel.locator(".yasqe_queryButton").click()
    rows = panel.locator(".yasr_results table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Bindande")
    expect(panel.locator(".yasr_response_chip")).to_contain_text("4 results")
    visit.shot("table")
    # The query groups and counts: a chart is offered and draws one bar a row.
    panel.locator(".select_chart").click()
    expect(panel.locator(".pg-chart svg rect")).to_have_count(4)
    expect(panel.locator(".pg-chart")).to_contain_text("Bindande")
    visit.shot("chart")
    # A query with a parameter runs with its example value: the words "vivalla".
    page.locator("dl.named-queries").get_by_role(
        "link", name="Find statements by their words"
    ).click()
    panel = page.locator(".tabPanel.active")
    expect(page.get_by_role("tab", name="Find statements by their words")).to_have_attribute(
        "aria-selected", "true"
    )
    assert 'VALUES ?string { "vivalla" }' in active_query(page)
    panel.locator(".yasqe_queryButton").click()
    expect(panel.locator(".yasr_results table tbody tr").first).to_contain_text("Vivalla")
    visit.shot("parameter")
    visit.assert_clean()


def test_the_api_documentation_runs_under_the_content_security_policy(visit: Visit) -> None:
    page = visit.page
    response = page.goto("/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/commitments")
    visit.shot("docs")
    visit.assert_clean()
