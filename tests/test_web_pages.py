"""The web face over plain HTTP: every page answers, says what it should, links only to
resources that resolve, and is well-formed, accessible HTML; the text is shown word for word.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from rdflib import URIRef

from platform_graph.read.model import ReadModel
from platform_graph.read.named_queries import load_queries
from platform_graph.store import SelectResult
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.web.page_data import Pages, Statement, example_query, paragraphs
from platform_graph.write.tokens import hash_token
from tests.support.inprocess import Client, Response
from tests.support.server import RunningServer, start_server
from tests.test_api_rest import parse_rdf

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "platform_graph" / "web" / "static"
TEMPLATES = ROOT / "src" / "platform_graph" / "web" / "templates"
ID = "https://w3id.org/platform-graph/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
VIVALLA_2027 = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
HTML = {"Accept": BROWSER}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
HEADING = re.compile(r"^h([1-6])$")


# --- a strict reader of the pages' HTML ---------------------------------------------------


class Page(HTMLParser):
    """Reads a page and records what the checks need; fails on any unbalanced tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.lang: str | None = None
        self.mains = 0
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.assets: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.in_label = 0
        self.text: list[str] = []
        self.anchors_without_text: list[str] = []
        self._anchor: tuple[str, list[str], dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "main":
            self.mains += 1
        if m := HEADING.match(tag):
            self.headings.append(int(m.group(1)))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
            self._anchor = (str(a["href"]), [], a)
        if tag in ("script", "img") and a.get("src"):
            self.assets.append(str(a["src"]))
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(str(a.get("href")))
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.fields.append({**a, "_in_label": "yes" if self.in_label else None})
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            self.errors.append(f"end tag for void element </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "label":
            self.in_label -= 1
        if tag == "a" and self._anchor is not None:
            href, words, attrs = self._anchor
            if not "".join(words).strip() and not attrs.get("aria-label"):
                self.anchors_without_text.append(href)
            self._anchor = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._anchor is not None:
            self._anchor[1].append(data)

    @property
    def all_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def assert_good_html(html: str, where: str) -> Page:
    """Well-formed, with a language, one <main>, headings in order, labelled fields."""
    page = read_page(html)
    assert html.lstrip().lower().startswith("<!doctype html>"), where
    assert not page.errors, f"{where}: {page.errors[:5]}"
    assert not page.stack, f"{where}: unclosed {page.stack}"
    assert page.lang in ("sv", "en"), f"{where}: <html lang={page.lang!r}>"
    assert page.mains == 1, f"{where}: {page.mains} <main>"
    assert page.headings[:1] == [1], f"{where}: starts at h{page.headings[:1]}"
    assert page.headings.count(1) == 1, f"{where}: {page.headings.count(1)} <h1>"
    for before, after in itertools.pairwise(page.headings):
        assert after <= before + 1, f"{where}: h{before} then h{after}"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"{where}: duplicate ids {sorted(duplicates)[:5]}"
    for f in page.fields:
        labelled = (
            f.get("_in_label")
            or f.get("aria-label")
            or f.get("aria-labelledby")
            or (f.get("id") in page.label_for)
        )
        assert labelled, f"{where}: a form field without a label: {f}"
    assert not page.anchors_without_text, f"{where}: links without text {page.anchors_without_text}"
    offsite = [a for a in page.assets if not a.startswith("/")]
    assert not offsite, f"{where}: assets from elsewhere {offsite}"
    return page


def get_html(http: Client, path: str, **headers: str) -> Response:
    r = http.get(path, headers={**HTML, **headers})
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("text/html"), path
    return r


def id_links(page: Page) -> set[str]:
    """The /id/... pages a page links to (without fragment or query)."""
    out = set()
    for href in page.links:
        path = urlsplit(href).path
        if path.startswith("/id/") and not path.endswith((".ttl", ".jsonld")):
            out.add(path)
    return out


# --- the pages ---------------------------------------------------------------------------

PAGES = [
    ("/", ["Politisk plattform 2022–2026", "Åtaganden per tema", "Mest nämnda aktörer"]),
    ("/platform", ["Läs plattformen", "senast år 2027", "Socialt förebyggande arbete"]),
    ("/search?q=Vivalla", ["Plan för att Vivalla inte ska vara särskilt utsatt område 2027"]),
    ("/search", ["Sök i plattformen"]),
    ("/browse", ["Alla åtaganden", "Aktörer", "Områden", "Teman", "Avsnitt"]),
    ("/browse/commitments", ["Alla åtaganden", "Trygghet"]),
    ("/browse/actors", ["Polisen", "Örebro kommun"]),
    ("/browse/areas", ["Vivalla"]),
    ("/browse/themes", ["Trygghet"]),
    ("/browse/sections", ["Trygghet", "Bolagskoncernen"]),
    (f"/id/commitment/{VIVALLA_2027}", ["En plan ska tas fram för att Vivalla", "2027"]),
    ("/id/context/trygghet-socialtjanstens-roll", ["Kontextuttalande"]),
    ("/id/actor/polisen", ["Polisen", "Vivallaplanen tas fram i dialog med polisen"]),
    ("/id/area/vivalla", ["Vivalla", "Plan för att Vivalla"]),
    ("/id/theme/trygghet", ["Trygghet"]),
    ("/id/section/trygghet", ["Trygghet", "En plan ska tas fram för att Vivalla"]),
    ("/id/strength/binding", ["Bindande"]),
    ("/id/document/orebro-2022-2026", ["Politisk plattform 2022–2026"]),
    ("/id/sentence/orebro-2022-2026-001", ["Mening"]),
    ("/sparql", ["Fråga grafen med SPARQL", "Firm, soft and investigative commitments"]),
]


@pytest.mark.parametrize(("path", "expected"), PAGES)
def test_every_page_answers_with_good_html(http: Client, path: str, expected: list[str]) -> None:
    r = get_html(http, path)
    page = assert_good_html(r.text, path)
    for words in expected:
        assert words in page.all_text, f"{path}: {words!r} not on the page"
    assert r.headers["content-language"] == "sv"
    assert "Accept-Language" in r.headers["vary"]


def test_the_home_page_has_the_figures_and_the_charts(http: Client) -> None:
    stats = http.get("/api/stats").json()
    html = get_html(http, "/").text
    page = read_page(html)
    for figure in ("commitments", "context_statements", "sentences", "with_deadline"):
        assert f">{stats[figure]}<" in html.replace("</a>", "<"), figure
    assert "Kommunledningen" in page.all_text
    assert "Mandatperioden 2022–2026" in page.all_text
    charts = re.findall(r'<figure class="chart" id="chart-([a-z]+)">(.*?)</figure>', html, re.S)
    assert [name for name, _ in charts] == [
        "theme",
        "strength",
        "status",
        "kind",
        "actors",
        "areas",
    ]
    body = dict(charts)
    # One bar per theme that has commitments, as long as its count says.
    bars = re.findall(r"<title>([^<]+): (\d+)</title>", body["theme"])
    assert len(bars) == len(stats["by"]["theme"])
    assert sorted(int(n) for _, n in bars) == sorted(stats["by"]["theme"].values())
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', body["theme"])]
    assert widths[0] == max(widths) > widths[-1] > 0
    # Every status of the scale is shown, even with no commitment.
    assert len(re.findall(r"<rect ", body["status"])) == 6
    assert len(re.findall(r"<rect ", body["actors"])) == 10


def test_the_search_finds_quotes_and_titles_ignoring_case_and_accents(
    http: Client,
) -> None:
    found = read_page(get_html(http, "/search?q=vivalla").text)
    assert f"/id/commitment/{VIVALLA_2027}" in found.links
    accents = read_page(get_html(http, "/search?q=OREBRO+airport").text)
    assert any(link.startswith("/id/commitment/") for link in accents.links)
    none = read_page(get_html(http, "/search?q=xyzzy-nothing").text)
    assert "Inga träffar." in none.all_text


def test_the_platform_page_marks_every_statement(http: Client) -> None:
    html = get_html(http, "/platform").text
    page = read_page(html)
    commitments = {c["id"]: c for c in http.get("/api/commitments?limit=1000").json()["items"]}
    marked = dict(
        re.findall(r'id="commitment-([a-z0-9-]+)" class="stmt commitment ([a-z- ]+)"', html)
    )
    assert set(marked) == set(commitments)
    for slug, classes in marked.items():
        assert f"strength-{commitments[slug]['strength']}" in classes
    contexts = re.findall(r'id="context-([a-z0-9-]+)" class="stmt context"', html)
    assert len(contexts) == http.get("/api/stats").json()["context_statements"]
    assert {f"/id/commitment/{slug}" for slug in commitments} <= {
        urlsplit(h).path for h in page.links
    }


def test_the_text_is_shown_word_for_word(memory_store: OxigraphStore) -> None:
    pages = Pages(ReadModel(memory_store))
    text = pages.full_text()
    sections = pages.sections_text()
    assert len(sections) == 15
    # The sections tile the text after the title: between them only headings and spaces.
    title_end = len(text.split("\n", 1)[0])
    assert not text[title_end : sections[0].body].strip()
    for before, after in itertools.pairwise(sections):
        assert not text[before.end : after.start].strip()
        assert text[after.start : after.body] == after.heading
    assert not text[sections[-1].end :].strip()
    # Each section's words, all of them, in order, and nothing else.
    for s in sections:
        shown = " ".join("".join(p.text for p in para) for para in s.paragraphs)
        assert shown.split() == text[s.body : s.end].split(), s.id
    # Each statement's piece is exactly its quote, whitespace collapsed.
    for st in pages.statements():
        quote = " ".join(text[st.start : st.end].split())
        pieces = [
            p.text for sec in sections for para in sec.paragraphs for p in para if p.statement == st
        ]
        assert pieces == [quote], st.id


def test_paragraphs_break_only_where_a_line_ends_a_sentence() -> None:
    text = "Ett. Två \n\ntre. \n\nFyra fem \n\nsex."
    st = Statement("x", "iri", "commitment", 5, 15, "s", {"sv": "X", "en": "X"}, "binding")
    paras = paragraphs(text, 0, len(text), [st])
    assert [[p.text for p in para] for para in paras] == [["Ett. ", "Två tre."], ["Fyra fem sex."]]
    assert paras[0][1].statement == st


@pytest.mark.parametrize(
    ("kind", "slug"),
    [
        ("commitment", VIVALLA_2027),
        ("actor", "polisen"),
        ("area", "vivalla"),
        ("theme", "trygghet"),
    ],
)
def test_a_resource_page_links_to_itself_as_turtle_and_json_ld(
    http: Client, kind: str, slug: str
) -> None:
    page = read_page(get_html(http, f"/id/{kind}/{slug}").text)
    iri = URIRef(f"{ID}{kind}/{slug}")
    for ext, media, fmt in (
        ("ttl", "text/turtle", "turtle"),
        ("jsonld", "application/ld+json", "json-ld"),
    ):
        href = f"/id/{kind}/{slug}.{ext}"
        assert href in page.links
        r = http.get(href)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(media)
        assert (iri, None, None) in parse_rdf(r.text, fmt)
    assert http.get(f"/id/{kind}/nobody-at-all.ttl").status_code == 404


def test_the_commitment_page_has_all_its_facts(http: Client) -> None:
    r = get_html(http, f"/id/commitment/{VIVALLA_2027}")
    page = read_page(r.text)
    text = page.all_text
    c = http.get(f"/api/commitments/{VIVALLA_2027}").json()
    assert c["title"]["sv"] in text
    assert " ".join(c["quote"].split()) in text
    for link in (
        f"/id/section/{c['section']}",
        *(f"/id/theme/{t}" for t in c["themes"]),
        *(f"/id/actor/{a['id']}" for a in c["actors"]),
        *(f"/id/area/{a}" for a in c["areas"]),
        f"/id/strength/{c['strength']}",
        f"/id/kind/{c['kind']}",
        f"/id/status/{c['status']}",
    ):
        assert link in page.links, link
    assert "ansvarig" in text  # the actor's role
    assert "Tidsgräns 2027" in text
    assert "Bedömningar" in text
    assert "Inga bedömningar ännu." in text
    assert f"/platform#commitment-{VIVALLA_2027}" in page.links
    assert r.headers["link"] == f'<{ID}commitment/{VIVALLA_2027}>; rel="canonical"'
    assert "Accept" in r.headers["vary"]


def test_every_page_links_only_to_resources_that_resolve(http: Client) -> None:
    """Crawl every page reachable from the home page: each answers good HTML."""
    seen: set[str] = set()
    queue: deque[str] = deque(["/"])
    id_pages = 0
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        r = http.get(path, headers=HTML)
        assert r.status_code == 200, f"{path}: {r.status_code}"
        page = assert_good_html(r.text, path)
        id_pages += path.startswith("/id/")
        for href in page.links:
            parts = urlsplit(urljoin("http://x" + path, href))
            if parts.netloc != "x" or not parts.path.startswith(("/id/", "/browse", "/platform")):
                continue
            if parts.path.endswith((".ttl", ".jsonld")):
                continue
            if parts.path not in seen:
                queue.append(parts.path)
    stats = http.get("/api/stats").json()
    assert id_pages > stats["commitments"] + stats["context_statements"]


# --- language ---------------------------------------------------------------------------


def test_english_by_accept_language_and_by_the_switch(http: Client) -> None:
    en = get_html(http, "/", **{"Accept-Language": "en-GB,en;q=0.9"})
    page = read_page(en.text)
    assert page.lang == "en"
    assert en.headers["content-language"] == "en"
    assert "Commitments by theme" in page.all_text
    assert "Safety and security" in page.all_text  # the theme's English label, from the graph
    # Links stay plain: the reader's browser keeps asking for English.
    assert "/platform" in page.links
    # ?lang= wins over Accept-Language, and is kept in the links.
    sv = read_page(get_html(http, "/?lang=sv", **{"Accept-Language": "en"}).text)
    assert sv.lang == "sv"
    assert "Åtaganden per tema" in sv.all_text
    assert "/platform?lang=sv" in sv.links
    switch = [h for h in sv.links if "lang=en" in h]
    assert switch, "no link to the English page"
    assert read_page(get_html(http, switch[0]).text).lang == "en"
    c = read_page(get_html(http, f"/id/commitment/{VIVALLA_2027}?lang=en").text)
    assert "Plan for Vivalla to no longer be an especially vulnerable area by 2027" in c.all_text
    assert "/id/actor/orebro-kommun?lang=en" in c.links
    search = read_page(get_html(http, "/search?q=Vivalla&lang=en").text)
    assert search.lang == "en"
    assert any(parse_qs(urlsplit(h).query).get("q") == ["Vivalla"] for h in search.links)


# --- content negotiation stays as it was for data clients ---------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("text/html;q=0.5, text/turtle", "text/turtle"),
        (BROWSER, "text/html"),
        ("text/html", "text/html"),
    ],
)
def test_id_answers_html_only_when_html_is_preferred(
    http: Client, accept: str | None, media: str
) -> None:
    request = http.build_request("GET", "/id/actor/polisen")
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    r = http.send(request)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        (BROWSER, "text/html"),
    ],
)
def test_sparql_serves_yasgui_to_a_browser_and_the_description_to_clients(
    http: Client, accept: str | None, media: str
) -> None:
    request = http.build_request("GET", "/sparql")
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    r = http.send(request)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    if media == "text/html":
        assert '<script src="/static/vendor/yasgui/yasgui.min.js">' in r.text
    else:
        assert "sparql-service-description" in r.text or "sd:" in r.text


def test_the_query_page_has_one_tab_per_named_query(http: Client) -> None:
    html = get_html(http, "/sparql").text
    m = re.search(r'<script type="application/json" id="yasgui-config">(.*?)</script>', html, re.S)
    assert m is not None
    config: dict[str, Any] = json.loads(m.group(1))
    named = http.get("/api/queries").json()["items"]
    assert [t["title"] for t in config["tabs"]] == [q["title"] for q in named]
    assert config["endpoint"] == "/sparql"
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css"):
        r = http.get(asset)
        assert r.status_code == 200
        assert len(r.content) > 10_000


def test_every_tab_query_runs_as_it_stands(memory_store: OxigraphStore) -> None:
    """The tabs bind each required parameter to its example, so every tab has rows."""
    for q in load_queries(ROOT / "queries").values():
        result = memory_store.query(example_query(q))
        assert isinstance(result, SelectResult)
        assert result.rows, f"{q.name}: no rows"


def test_nothing_is_fetched_from_elsewhere() -> None:
    """Our own templates, styles and scripts name no CDN and no web font."""
    own = [*TEMPLATES.glob("*.html"), *STATIC.glob("*.css"), *STATIC.glob("*.js")]
    assert own
    for path in own:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']https?://""", text), path
        assert not re.search(r"@import|url\(\s*['\"]?https?:", text), path
    css = (STATIC / "vendor" / "yasgui" / "yasgui.min.css").read_text(encoding="utf-8")
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css)


def test_an_unknown_page_is_404(http: Client) -> None:
    assert http.get("/browse/nothing", headers=HTML).status_code == 404
    assert http.get("/id/actor/nobody", headers=HTML).status_code == 404


# --- the history of assessments, on a store of its own -------------------------------------

EDITOR = "pgt_web-editor-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own: assessments change the data the other tests read."""
    work = tmp_path_factory.mktemp("web-writable")
    running = start_server(
        work,
        store=work / "store",
        env={
            "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )
    yield running
    running.stop()


def test_the_commitment_page_shows_the_history_of_assessments(writable: RunningServer) -> None:
    with writable.client() as client:
        check_history(client)


def check_history(client: httpx.Client) -> None:
    before = client.get("/", headers=HTML).text
    assert "Pågår: 0" in before
    for status, date in (("in-progress", "2025-03-01"), ("stalled", "2026-01-15")):
        r = client.post(
            f"/api/commitments/{VIVALLA_2027}/assessments",
            json={
                "status": status,
                "date": date,
                "assessor": "Anna Öberg",
                "evidence": ["https://www.orebro.se/"],
                "note": {
                    "sv": "Planen är antagen. KF protokoll 2025-02-20 § 12.",
                    "en": "Adopted.",
                },
            },
            headers={"Authorization": f"Bearer {EDITOR}"},
        )
        assert r.status_code == 201, r.text
    html = client.get(f"/id/commitment/{VIVALLA_2027}", headers=HTML).text
    page = assert_good_html(html, "commitment with assessments")
    text = page.all_text
    assert text.index("2026-01-15") < text.index("2025-03-01")  # newest first
    assert "Avstannat" in text
    assert "Pågår" in text
    assert "Anna Öberg" in text
    assert "Planen är antagen. KF protokoll 2025-02-20 § 12." in text
    assert "Adopted." not in text  # the Swedish page shows the Swedish note
    assert "https://www.orebro.se/" in page.links
    assert "/id/status/stalled" in page.links
    # The pages follow the data at once: the status chart counts the new status.
    after = client.get("/", headers=HTML).text
    assert "Avstannat: 1" in after
    for href in id_links(page):
        assert client.get(href, headers={"Accept": "text/turtle"}).status_code == 200, href
