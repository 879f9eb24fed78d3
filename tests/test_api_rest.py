"""The REST API under /api/, end to end in process (the app and its confined workers, over ASGI).

Expected answers are computed here from the curated facts (data/*.yaml,
data/curation/*.yaml, ontology/themes.ttl) and the source text, never taken from the API.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from tests.support.inprocess import Client, Response

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ID = "https://w3id.org/platform-graph/id/"
PG = "https://w3id.org/platform-graph/ontology#"
PROBLEM = "application/problem+json"

VIVALLA_2027 = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
ITEM_FIELDS = {
    "id",
    "iri",
    "title",
    "quote",
    "span",
    "section",
    "themes",
    "actors",
    "areas",
    "strength",
    "kind",
    "change",
    "testable",
    "deadline",
    "period",
    "amount_sek",
    "status",
    "quote_text",
    "inherited_actors",
    "inherited_areas",
    "refers_to",
}
STRENGTHS = ("binding", "intent", "process", "aspirational")  # skos:notation 1..4
KINDS = ("action", "outcome", "process")
STATUSES = (
    "not-yet-rated",
    "in-progress",
    "stalled",
    "fulfilled",
    "partially-fulfilled",
    "not-fulfilled",
)
ROLES = ("responsible", "partner", "affected")


# --- the curated facts, read independently of the package ------------------------------


@dataclass(frozen=True)
class Statement:
    id: str
    section: str
    commitment: bool
    quote: str
    title_sv: str | None
    title_en: str | None
    themes: frozenset[str]
    actors: frozenset[tuple[str, str]]  # (actor slug, role)
    areas: frozenset[str]
    strength: str | None
    kind: str | None
    change: str | None
    testable: bool | None
    deadline: str | None
    period: str | None
    amount_sek: int | None

    @property
    def actor_ids(self) -> set[str]:
        return {a for a, _ in self.actors}

    def words(self) -> str:
        return fold(" ".join([self.quote, self.title_sv or "", self.title_en or ""]))


@dataclass(frozen=True)
class Resource:
    slug: str
    type: str | None
    sv: str
    en: str
    parents: tuple[str, ...]


def fold(text: str) -> str:
    """Case- and diacritic-free form of a text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squash(text: str) -> str:
    return " ".join(text.split())


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


class Facts:
    """Everything the curators wrote down, with the closures the API's filters follow."""

    def __init__(self, root: Path) -> None:
        data = root / "data"
        self.text = (data / "politisk-plattform-2022-2026.txt").read_bytes().decode("utf-8")
        sections = _load(data / "sections.yaml")["sections"]
        self.sections = {
            s["slug"]: Resource(s["slug"], None, s.get("sv") or s["heading"], s["en"], ())
            for s in sections
        }
        self.section_order = [s["slug"] for s in sections]
        self.actors = {
            a["slug"]: Resource(
                a["slug"], a["type"], a["sv"], a["en"], tuple(filter(None, [a.get("part_of")]))
            )
            for a in _load(data / "actors.yaml")["actors"]
        }
        self.areas = {
            a["slug"]: Resource(
                a["slug"], a["type"], a["sv"], a["en"], tuple(filter(None, [a.get("part_of")]))
            )
            for a in _load(data / "areas.yaml")["areas"]
        }
        self.themes = _themes(root / "ontology" / "themes.ttl")
        self.statements = [
            st for path in sorted((data / "curation").glob("*.yaml")) for st in _statements(path)
        ]

    @cached_property
    def commitments(self) -> dict[str, Statement]:
        return {st.id: st for st in self.statements if st.commitment}

    @cached_property
    def contexts(self) -> dict[str, Statement]:
        return {st.id: st for st in self.statements if not st.commitment}

    def resources(self, kind: str) -> dict[str, Resource]:
        return {
            "actor": self.actors,
            "area": self.areas,
            "theme": self.themes,
            "section": self.sections,
        }[kind]

    def closure(self, kind: str, slug: str) -> set[str]:
        """The slug and everything that lies within it (parts, places within, narrower)."""
        resources = self.resources(kind)
        found = {slug}
        changed = True
        while changed:
            changed = False
            for r in resources.values():
                if r.slug not in found and found.intersection(r.parents):
                    found.add(r.slug)
                    changed = True
        return found

    def with_actor(self, slug: str) -> set[str]:
        parts = self.closure("actor", slug)
        return {c.id for c in self.commitments.values() if c.actor_ids & parts}

    def with_area(self, slug: str) -> set[str]:
        places = self.closure("area", slug)
        return {c.id for c in self.commitments.values() if c.areas & places}

    def with_theme(self, slug: str) -> set[str]:
        narrower = self.closure("theme", slug)
        return {c.id for c in self.commitments.values() if c.themes & narrower}

    def in_section(self, slug: str) -> set[str]:
        return {c.id for c in self.commitments.values() if c.section == slug}

    def matching(self, q: str) -> set[str]:
        words = fold(q).split()
        return {c.id for c in self.commitments.values() if all(w in c.words() for w in words)}

    def direct_count(self, kind: str, slug: str) -> int:
        def names(c: Statement) -> bool:
            if kind == "actor":
                return slug in c.actor_ids
            if kind == "area":
                return slug in c.areas
            if kind == "theme":
                return slug in c.themes
            return c.section == slug

        return sum(1 for c in self.commitments.values() if names(c))


def _themes(path: Path) -> dict[str, Resource]:
    g = Graph()
    g.parse(path, format="turtle")
    scheme = URIRef(PG + "ThemeScheme")
    out: dict[str, Resource] = {}
    for node in g.subjects(SKOS.inScheme, scheme):
        slug = str(node).rsplit("/", 1)[-1]
        labels = {
            lit.language: str(lit)
            for lit in g.objects(node, SKOS.prefLabel)
            if isinstance(lit, Literal)
        }
        parents = tuple(sorted(str(b).rsplit("/", 1)[-1] for b in g.objects(node, SKOS.broader)))
        out[slug] = Resource(slug, None, labels["sv"], labels["en"], parents)
    return out


def _statements(path: Path) -> Iterator[Statement]:
    doc = _load(path)
    for r in doc["statements"]:
        title = r.get("title") or {}
        actors = r.get("actors") or {}
        yield Statement(
            id=r["id"],
            section=doc["section"],
            commitment=bool(r["commitment"]),
            quote=str(r["quote"]),
            title_sv=title.get("sv"),
            title_en=title.get("en"),
            themes=frozenset(r.get("themes") or ()),
            actors=frozenset((a, role) for role, slugs in actors.items() for a in slugs or ()),
            areas=frozenset(r.get("areas") or ()),
            strength=r.get("strength"),
            kind=r.get("kind"),
            change=r.get("change"),
            testable=r.get("testable"),
            deadline=_opt(r.get("deadline")),
            period=_opt(r.get("period")),
            amount_sek=r.get("amount_sek"),
        )


FACTS = Facts(ROOT)


# --- helpers shared by the API test modules -----------------------------------------


def assert_problem(r: Response | httpx.Response, status: int) -> dict[str, Any]:
    """A problem document (RFC 9457) with this status; returns its body."""
    assert r.status_code == status, f"{r.request.url}: {r.status_code} {r.text[:500]}"
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def error_for(body: dict[str, Any], parameter: str) -> dict[str, Any]:
    """The entry of a 422 problem's ``errors`` that names ``parameter``."""
    errors: list[dict[str, Any]] = body.get("errors", [])
    named = [e for e in errors if e.get("parameter") == parameter]
    assert named, f"no error names {parameter!r}: {body}"
    assert parameter in body["detail"], body["detail"]
    return named[0]


def parse_rdf(text: str, fmt: str) -> Graph:
    """Parse RDF text; rdflib 7.6's JSON-LD parser warns about its own deprecated internals."""
    g = Graph()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r".*(ConjunctiveGraph|default_context) is deprecated",
            category=DeprecationWarning,
        )
        g.parse(data=text, format=fmt)
    return g


# The spreadsheet columns: nested fields as columns of their own.
COLUMNS = [
    "id",
    "iri",
    "title_sv",
    "title_en",
    "quote",
    "quote_text",
    "span_start",
    "span_end",
    "section",
    "themes",
    "actors_responsible",
    "actors_partner",
    "actors_affected",
    "inherited_actors",
    "areas",
    "inherited_areas",
    "refers_to",
    "strength",
    "kind",
    "change",
    "testable",
    "deadline",
    "period",
    "amount_sek",
    "status",
]


def links(r: Response) -> dict[str, httpx2.URL]:
    """The Link header as rel -> URL."""
    out: dict[str, httpx2.URL] = {}
    for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]+)"', r.headers.get("link", "")):
        out[rel] = httpx2.URL(url)
    return out


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def get_all(http: Client, **params: Any) -> dict[str, Any]:
    r = http.get("/api/commitments", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["total"] == len(body["items"])
    return body


@pytest.fixture(scope="module")
def all_items(app: Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get_all(app)["items"]
    return items


def _position(item: dict[str, Any]) -> tuple[int, int]:
    return FACTS.section_order.index(item["section"]), item["span"]["start"]


# --- the list: envelope and items -----------------------------------------------------


def test_the_list_has_an_envelope_with_total_limit_and_offset(http: Client) -> None:
    r = http.get("/api/commitments")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"items", "total", "limit", "offset", "links"}
    assert body["total"] == len(FACTS.commitments)
    assert (body["limit"], body["offset"]) == (50, 0)
    assert len(body["items"]) == 50
    assert r.headers["x-total-count"] == str(len(FACTS.commitments))


def test_every_commitment_of_the_curation_is_listed_once(all_items: list[dict[str, Any]]) -> None:
    listed = [item["id"] for item in all_items]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(FACTS.commitments)
    assert not set(listed) & set(FACTS.contexts)


def test_every_item_says_what_the_curation_says(all_items: list[dict[str, Any]]) -> None:
    for item in all_items:
        c = FACTS.commitments[item["id"]]
        assert set(item) == ITEM_FIELDS, item["id"]
        assert item["iri"] == f"{ID}commitment/{c.id}"
        assert item["title"] == {"sv": c.title_sv, "en": c.title_en}
        assert item["section"] == c.section
        assert item["themes"] == sorted(c.themes)
        assert item["areas"] == sorted(c.areas)
        assert {(a["id"], a["role"]) for a in item["actors"]} == c.actors, c.id
        assert all(set(a) == {"id", "role"} for a in item["actors"])
        assert len(item["actors"]) == len(c.actors)
        assert (item["strength"], item["kind"], item["change"]) == (c.strength, c.kind, c.change)
        assert item["testable"] is c.testable
        assert item["deadline"] == c.deadline
        assert item["period"] == c.period
        expected_amount = None if c.amount_sek is None else float(c.amount_sek)
        assert item["amount_sek"] == expected_amount
        assert item["status"] == "not-yet-rated"


def test_every_quote_is_the_source_text_at_its_span(all_items: list[dict[str, Any]]) -> None:
    for item in all_items:
        start, end = item["span"]["start"], item["span"]["end"]
        assert set(item["span"]) == {"start", "end"}
        assert 0 <= start < end <= len(FACTS.text)
        assert item["quote"] == FACTS.text[start:end], item["id"]
        assert squash(item["quote"]) == squash(FACTS.commitments[item["id"]].quote)


def test_the_default_order_is_the_order_of_the_text(all_items: list[dict[str, Any]]) -> None:
    positions = [_position(item) for item in all_items]
    assert positions == sorted(positions)
    starts = [item["span"]["start"] for item in all_items]
    assert starts == sorted(starts)


# --- filters ------------------------------------------------------------------------


def _actors_to_check() -> list[str]:
    parents = {p for a in FACTS.actors.values() for p in a.parents}
    return sorted(parents | {"obo", "polisen", "kommunledningen", "kumbro-vind", "fn"})


@pytest.mark.parametrize("actor", _actors_to_check())
def test_actor_filter_matches_the_actor_and_its_parts(http: Client, actor: str) -> None:
    body = get_all(http, inherited="false", actor=actor)
    assert set(ids(body)) == FACTS.with_actor(actor)


def test_kommunala_bolag_finds_the_commitments_of_obo(http: Client) -> None:
    obo = set(ids(get_all(http, inherited="false", actor="obo")))
    assert obo == {c.id for c in FACTS.commitments.values() if "obo" in c.actor_ids}
    assert obo
    companies = set(ids(get_all(http, inherited="false", actor="kommunala-bolag")))
    assert obo < companies
    direct = {c.id for c in FACTS.commitments.values() if "kommunala-bolag" in c.actor_ids}
    assert direct < companies


@pytest.mark.parametrize("area", sorted(FACTS.areas))
def test_area_filter_matches_the_area_and_places_within(http: Client, area: str) -> None:
    body = get_all(http, inherited="false", area=area)
    assert set(ids(body)) == FACTS.with_area(area)


def test_landsbygd_finds_the_commitments_about_mindre_orter(http: Client) -> None:
    smaller = set(ids(get_all(http, inherited="false", area="mindre-orter")))
    assert smaller == {c.id for c in FACTS.commitments.values() if "mindre-orter" in c.areas}
    assert smaller
    countryside = set(ids(get_all(http, inherited="false", area="landsbygd")))
    assert smaller < countryside
    assert countryside == FACTS.with_area("landsbygd")


def test_vivalla_finds_the_2027_commitment(http: Client) -> None:
    body = get_all(http, inherited="false", area="vivalla")
    assert ids(body) == [VIVALLA_2027]
    item = body["items"][0]
    assert item["deadline"] == "2027"
    assert item["areas"] == ["vivalla"]
    assert {(a["id"], a["role"]) for a in item["actors"]} == FACTS.commitments[VIVALLA_2027].actors
    # Vivalla lies within the vulnerable districts, which lie within the city.
    assert VIVALLA_2027 in ids(get_all(http, inherited="false", area="utsatta-stadsdelar"))
    assert VIVALLA_2027 in ids(get_all(http, inherited="false", area="orebro-stad"))


@pytest.mark.parametrize("theme", sorted(FACTS.themes))
def test_theme_filter_matches_the_theme_and_narrower_ones(http: Client, theme: str) -> None:
    body = get_all(http, theme=theme)
    assert set(ids(body)) == FACTS.with_theme(theme)


def test_a_broader_theme_finds_its_narrower_themes(http: Client) -> None:
    integration = set(ids(get_all(http, theme="integration")))
    assert VIVALLA_2027 in integration
    cross_cutting = set(ids(get_all(http, theme="tvargaende")))
    assert integration < cross_cutting


@pytest.mark.parametrize("section", FACTS.section_order)
def test_section_filter(http: Client, section: str) -> None:
    body = get_all(http, section=section)
    assert set(ids(body)) == FACTS.in_section(section)
    assert body["total"] == len(FACTS.in_section(section))


@pytest.mark.parametrize("strength", STRENGTHS)
def test_strength_filter(http: Client, strength: str) -> None:
    expected = {c.id for c in FACTS.commitments.values() if c.strength == strength}
    assert set(ids(get_all(http, strength=strength))) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_kind_filter(http: Client, kind: str) -> None:
    expected = {c.id for c in FACTS.commitments.values() if c.kind == kind}
    assert set(ids(get_all(http, kind=kind))) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_status_filter(http: Client, status: str) -> None:
    # Nobody has assessed a commitment yet: every one is not-yet-rated.
    expected = set(FACTS.commitments) if status == "not-yet-rated" else set()
    body = get_all(http, status=status)
    assert set(ids(body)) == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize("testable", [True, False])
def test_testable_filter(http: Client, testable: bool) -> None:
    expected = {c.id for c in FACTS.commitments.values() if c.testable is testable}
    body = get_all(http, testable=str(testable).lower())
    assert set(ids(body)) == expected
    assert all(item["testable"] is testable for item in body["items"])


@pytest.mark.parametrize("has_deadline", [True, False])
def test_has_deadline_filter(http: Client, has_deadline: bool) -> None:
    expected = {
        c.id for c in FACTS.commitments.values() if (c.deadline is not None) is has_deadline
    }
    body = get_all(http, has_deadline=str(has_deadline).lower())
    assert set(ids(body)) == expected
    assert (VIVALLA_2027 in expected) is has_deadline


@pytest.mark.parametrize(
    ("before", "year"), [("2024", 2024), ("2027-01-01", 2027), ("2028", 2028), ("2023", 2023)]
)
def test_deadline_before_filter(http: Client, before: str, year: int) -> None:
    # Every curated deadline is a year; a deadline year Y is before `before` when Y < year.
    assert all(c.deadline is None or len(c.deadline) == 4 for c in FACTS.commitments.values())
    expected = {
        c.id
        for c in FACTS.commitments.values()
        if c.deadline is not None and int(c.deadline) < year
    }
    assert set(ids(get_all(http, deadline_before=before))) == expected


@pytest.mark.parametrize("q", ["Örebroporten", "orebroporten", "ÖREBROPORTEN", "öREBROporten"])
def test_q_ignores_case_and_diacritics(http: Client, q: str) -> None:
    expected = FACTS.matching("Örebroporten")
    assert expected
    assert set(ids(get_all(http, q=q))) == expected


@pytest.mark.parametrize(
    "q", ["vivalla", "ÖBO", "kollektivtrafik", "Landsbygden", "ska utredas", "vill SKOLA", "zzzqx"]
)
def test_q_finds_the_words_in_quote_or_title(http: Client, q: str) -> None:
    assert set(ids(get_all(http, q=q))) == FACTS.matching(q)


@pytest.mark.parametrize(
    "params",
    [
        {"section": "trygghet", "strength": "process", "kind": "process"},
        {"actor": "kommunala-bolag", "testable": "true"},
        {"area": "landsbygd", "theme": "skola"},
        {"q": "obo", "has_deadline": "true"},
        {"actor": "orebro-kommun", "area": "utsatta-stadsdelar", "theme": "trygghet"},
        {"theme": "tvargaende", "strength": "aspirational", "testable": "false"},
        {"section": "bolagskoncernen", "deadline_before": "2024", "status": "not-yet-rated"},
    ],
)
def test_filters_combine_as_an_intersection(http: Client, params: dict[str, str]) -> None:
    expected = set(FACTS.commitments)
    for name, value in params.items():
        cs = FACTS.commitments.values()
        match name:
            case "actor":
                expected &= FACTS.with_actor(value)
            case "area":
                expected &= FACTS.with_area(value)
            case "theme":
                expected &= FACTS.with_theme(value)
            case "section":
                expected &= FACTS.in_section(value)
            case "q":
                expected &= FACTS.matching(value)
            case "strength" | "kind":
                expected &= {c.id for c in cs if getattr(c, name) == value}
            case "testable":
                expected &= {c.id for c in cs if c.testable is (value == "true")}
            case "has_deadline":
                expected &= {c.id for c in cs if (c.deadline is not None) is (value == "true")}
            case "deadline_before":
                expected &= {c.id for c in cs if c.deadline is not None and c.deadline < value}
            case "status":
                pass
    body = get_all(http, inherited="false", **params)
    assert set(ids(body)) == expected
    assert body["total"] == len(expected)


# --- sorting --------------------------------------------------------------------------

SORT_FIELDS = ("position", "deadline", "title", "section", "strength", "status")
SORTS = [s for f in SORT_FIELDS for s in (f, f"-{f}")]


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_is_a_permutation_of_the_same_items(http: Client, sort: str) -> None:
    body = get_all(http, sort=sort)
    assert Counter(ids(body)) == Counter(list(FACTS.commitments))


def test_sort_position_and_its_reverse(http: Client, all_items: list[dict[str, Any]]) -> None:
    in_text_order = [item["id"] for item in sorted(all_items, key=_position)]
    assert ids(get_all(http, sort="position")) == in_text_order
    assert ids(get_all(http, sort="-position")) == in_text_order[::-1]
    assert ids(get_all(http, sort="section")) == in_text_order


def test_sort_deadline_puts_the_earliest_first_then_the_undated(
    http: Client, all_items: list[dict[str, Any]]
) -> None:
    dated = sorted(
        (item for item in all_items if item["deadline"]),
        key=lambda item: (item["deadline"], _position(item)),
    )
    undated = sorted((item for item in all_items if not item["deadline"]), key=_position)
    body = get_all(http, sort="deadline")
    assert ids(body) == [item["id"] for item in dated + undated]
    earliest = min(c.deadline for c in FACTS.commitments.values() if c.deadline)
    assert body["items"][0]["deadline"] == earliest


def test_sort_minus_deadline_puts_the_latest_deadline_first(http: Client) -> None:
    deadlines = [item["deadline"] for item in get_all(http, sort="-deadline")["items"]]
    dated = [d for d in deadlines if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert dated[0] == max(c.deadline for c in FACTS.commitments.values() if c.deadline)


def _swedish(title: str) -> list[int]:
    """Swedish alphabetical order: a–z, then å, ä, ö; other accents ignored."""
    order = "abcdefghijklmnopqrstuvwxyzåäö"
    out = []
    for ch in title.casefold():
        if ch in order:
            out.append(order.index(ch) + 100)
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(order.index(base) + 100 if base in order else ord(base))
    return out


def test_sort_title_follows_the_swedish_titles(http: Client) -> None:
    titles = [item["title"]["sv"] for item in get_all(http, sort="title")["items"]]
    assert [_swedish(t) for t in titles] == sorted(_swedish(t) for t in titles)
    # Ä after Z, not with A: "Ägardirektiv …" after every title in a–z.
    firsts = [t[0].casefold() for t in titles]
    assert firsts.index("ä") > max(
        i for i, f in enumerate(firsts) if f in "abcdefghijklmnopqrstuvwxyz"
    )
    reverse = [item["title"]["sv"] for item in get_all(http, sort="-title")["items"]]
    assert reverse == titles[::-1] or [_swedish(t) for t in reverse] == sorted(
        (_swedish(t) for t in titles), reverse=True
    )


def test_sort_strength_follows_the_strength_scale(http: Client) -> None:
    strengths = [item["strength"] for item in get_all(http, sort="strength")["items"]]
    ranks = [STRENGTHS.index(s) for s in strengths]
    assert ranks == sorted(ranks)
    reverse = [STRENGTHS.index(i["strength"]) for i in get_all(http, sort="-strength")["items"]]
    assert reverse == sorted(reverse, reverse=True)


# --- paging ---------------------------------------------------------------------------


def test_pages_put_together_give_the_whole_list(
    http: Client, all_items: list[dict[str, Any]]
) -> None:
    collected: list[str] = []
    for offset in range(0, len(all_items), 40):
        r = http.get("/api/commitments", params={"limit": 40, "offset": offset})
        body = r.json()
        assert (body["limit"], body["offset"], body["total"]) == (40, offset, len(all_items))
        assert r.headers["x-total-count"] == str(len(all_items))
        collected.extend(ids(body))
    assert collected == [item["id"] for item in all_items]


def test_link_header_points_to_first_next_prev_and_last(http: Client) -> None:
    total = len(FACTS.commitments)
    limit, offset = 20, 40
    r = http.get("/api/commitments", params={"limit": limit, "offset": offset})
    rels = links(r)
    assert set(rels) == {"first", "next", "prev", "last"}
    expected = {
        "first": 0,
        "next": offset + limit,
        "prev": offset - limit,
        "last": ((total - 1) // limit) * limit,
    }
    for rel, off in expected.items():
        assert rels[rel].path == "/api/commitments"
        assert rels[rel].params["offset"] == str(off), rel
        assert rels[rel].params["limit"] == str(limit), rel
    # Following the links gives the neighbouring pages.
    page = ids(r.json())
    after = http.get(str(rels["next"])).json()
    before = http.get(str(rels["prev"])).json()
    whole = ids(get_all(http))
    assert ids(before) + page + ids(after) == whole[offset - limit : offset + 2 * limit]
    last = http.get(str(rels["last"]))
    assert "next" not in links(last)
    assert ids(last.json()) == whole[expected["last"] :]


def test_the_first_page_has_no_prev_and_links_keep_the_filters(http: Client) -> None:
    params: dict[str, str | int] = {"theme": "trygghet", "strength": "binding", "limit": 5}
    r = http.get("/api/commitments", params=params)
    body = r.json()
    expected_total = len(
        FACTS.with_theme("trygghet")
        & {c.id for c in FACTS.commitments.values() if c.strength == "binding"}
    )
    assert body["total"] == expected_total
    assert r.headers["x-total-count"] == str(expected_total)
    rels = links(r)
    assert "prev" not in rels
    assert {"first", "last", "next"} <= set(rels)
    for link in rels.values():
        assert link.params["theme"] == "trygghet"
        assert link.params["strength"] == "binding"
    every: list[str] = []
    url: httpx2.URL | None = r.url
    while url is not None:
        page = http.get(str(url))
        every.extend(ids(page.json()))
        url = links(page).get("next")
    assert set(every) == set(ids(get_all(http, theme="trygghet", strength="binding")))
    assert len(every) == expected_total


def test_an_offset_past_the_end_gives_an_empty_page(http: Client) -> None:
    total = len(FACTS.commitments)
    r = http.get("/api/commitments", params={"offset": total + 10, "limit": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["items"] == []
    assert body["total"] == total
    assert "next" not in links(r)
    assert "prev" in links(r)


def test_a_single_page_has_first_and_last_only(http: Client) -> None:
    r = http.get("/api/commitments", params={"area": "vivalla", "inherited": "false"})
    rels = links(r)
    assert set(rels) == {"first", "last"}
    assert rels["first"].params["offset"] == rels["last"].params["offset"] == "0"
    assert r.headers["x-total-count"] == "1"


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "bad", "allowed"),
    [
        ("strength", "firm", STRENGTHS),
        ("kind", "promise", KINDS),
        ("status", "kept", STATUSES),
        ("sort", "relevance", tuple(SORTS)),
        ("format", "xml", ("json", "csv", "xlsx", "jsonld")),
    ],
)
def test_a_bad_enum_value_is_422_naming_the_parameter_and_the_allowed_values(
    http: Client, parameter: str, bad: str, allowed: tuple[str, ...]
) -> None:
    body = assert_problem(http.get("/api/commitments", params={parameter: bad}), 422)
    error = error_for(body, parameter)
    listed = json.dumps(error.get("allowed"))
    for value in allowed:
        assert f"'{value}'" in listed or f'"{value}"' in listed, (value, listed)


@pytest.mark.parametrize("kind", ["actor", "area", "theme", "section"])
def test_an_unknown_slug_is_422_with_the_allowed_list(http: Client, kind: str) -> None:
    body = assert_problem(http.get("/api/commitments", params={kind: "atlantis"}), 422)
    error = error_for(body, kind)
    assert sorted(error["allowed"]) == sorted(FACTS.resources(kind))
    assert "atlantis" in body["detail"]


@pytest.mark.parametrize("kind", ["actor", "area", "theme", "section"])
def test_a_slug_with_query_syntax_is_422(http: Client, kind: str) -> None:
    bad = 'vivalla> } ; DROP ALL # "<'
    body = assert_problem(http.get("/api/commitments", params={kind: bad}), 422)
    error_for(body, kind)
    assert http.get("/api/commitments").json()["total"] == len(FACTS.commitments)


def test_an_unknown_commitment_is_404_with_a_message(http: Client) -> None:
    body = assert_problem(http.get("/api/commitments/no-such-commitment"), 404)
    assert "no-such-commitment" in body["detail"]


@pytest.mark.parametrize("plural", ["actors", "areas", "themes", "sections"])
def test_an_unknown_resource_is_404_with_a_message(http: Client, plural: str) -> None:
    body = assert_problem(http.get(f"/api/{plural}/atlantis"), 404)
    assert "atlantis" in body["detail"]


@pytest.mark.parametrize(
    ("parameter", "bad"),
    [
        ("limit", "0"),
        ("limit", "5000"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("offset", "-1"),
        ("testable", "maybe"),
        ("has_deadline", "perhaps"),
        ("deadline_before", "next year"),
        ("deadline_before", "2027-13"),
        ("q", "x" * 201),
    ],
)
def test_a_bad_value_is_422_naming_the_parameter(http: Client, parameter: str, bad: str) -> None:
    body = assert_problem(http.get("/api/commitments", params={parameter: bad}), 422)
    error_for(body, parameter)


@pytest.mark.parametrize(
    "path",
    [
        "/api/commitments?limit=0",
        "/api/commitments?actor=%00",
        "/api/commitments/%3Cscript%3E",
        "/api/commitments/%22%3E%3C",
        "/api/actors/%22%3E%3C",
        "/api/areas/a%20b",
        "/api/themes/%7B%7D",
        "/api/sections/x%22",
        "/api/nothing-here",
        "/api/commitments?sort=",
        "/api/commitments?limit=99999999999999999999999",
    ],
)
def test_errors_are_problem_documents_never_500(http: Client, path: str) -> None:
    r = http.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
    assert_problem(r, r.status_code)


def test_an_unacceptable_accept_header_is_406(http: Client) -> None:
    r = http.get("/api/commitments", headers={"Accept": "application/xml"})
    assert_problem(r, 406)


def test_post_is_405(http: Client) -> None:
    assert_problem(http.post("/api/commitments", json={}), 405)


# --- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["query", "accept"])
def test_csv_has_a_header_row_and_one_row_per_item(http: Client, how: str) -> None:
    params: dict[str, str | int] = {"section": "trygghet", "limit": 1000}
    json_body = http.get("/api/commitments", params=params).json()
    if how == "query":
        r = http.get("/api/commitments", params={**params, "format": "csv"})
    else:
        r = http.get("/api/commitments", params=params, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.text)
    header, body = rows[0], rows[1:]
    assert header == COLUMNS
    assert len(body) == len(json_body["items"]) == len(FACTS.in_section("trygghet"))
    by_column = [dict(zip(header, row, strict=True)) for row in body]
    assert [row["id"] for row in by_column] == ids(json_body)
    for row, item in zip(by_column, json_body["items"], strict=True):
        assert row["quote"] == item["quote"]
        assert row["iri"] == item["iri"]
        assert row["testable"] == str(item["testable"]).lower()
    assert r.headers["x-total-count"] == str(json_body["total"])


def test_csv_of_an_empty_result_still_has_the_header_row(http: Client) -> None:
    r = http.get("/api/commitments", params={"status": "fulfilled", "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.text)
    assert rows, "an empty CSV body has no header row"
    assert rows[0] == COLUMNS
    assert rows[1:] == []


def test_csv_of_one_commitment(http: Client) -> None:
    r = http.get(f"/api/commitments/{VIVALLA_2027}", headers={"Accept": "text/csv"})
    assert r.status_code == 200
    rows = csv_rows(r.text)
    assert len(rows) == 2
    assert dict(zip(rows[0], rows[1], strict=True))["id"] == VIVALLA_2027


# --- one commitment -------------------------------------------------------------------


def test_one_commitment_is_the_same_as_in_the_list(
    http: Client, all_items: list[dict[str, Any]]
) -> None:
    for item in all_items[:: max(1, len(all_items) // 12)] + [
        i for i in all_items if i["id"] == VIVALLA_2027
    ]:
        r = http.get(f"/api/commitments/{item['id']}")
        assert r.status_code == 200
        assert r.json() == item


# --- actors, areas, themes, sections ------------------------------------------------------


@pytest.mark.parametrize("kind", ["actor", "area", "theme", "section"])
def test_each_resource_list_has_every_resource_with_its_count(http: Client, kind: str) -> None:
    r = http.get(f"/api/{kind}s")
    assert r.status_code == 200
    body = r.json()
    resources = FACTS.resources(kind)
    assert body["total"] == len(resources) == len(body["items"])
    assert {item["id"] for item in body["items"]} == set(resources)
    for item in body["items"]:
        expected = resources[item["id"]]
        assert item["iri"] == f"{ID}{kind}/{item['id']}"
        assert item["label"] == {"sv": expected.sv, "en": expected.en}, item["id"]
        assert item["commitments_count"] == FACTS.direct_count(kind, item["id"]), item["id"]
        if kind in ("actor", "area"):
            assert item["type"] == expected.type
        if kind in ("actor", "area", "theme"):
            if expected.parents:
                assert item["part_of"] in expected.parents
            else:
                assert item["part_of"] is None


def test_sections_are_the_fifteen_in_text_order(http: Client) -> None:
    body = http.get("/api/sections").json()
    assert body["total"] == 15
    assert [item["id"] for item in body["items"]] == FACTS.section_order
    assert [item["position"] for item in body["items"]] == list(range(1, 16))


@pytest.mark.parametrize("kind", ["actor", "area", "theme", "section"])
def test_resource_lists_as_csv(http: Client, kind: str) -> None:
    r = http.get(f"/api/{kind}s", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.text)
    assert "id" in rows[0]
    assert len(rows) - 1 == len(FACTS.resources(kind))


def test_actor_obo_with_its_commitments_and_roles(http: Client) -> None:
    r = http.get("/api/actors/obo")
    assert r.status_code == 200
    body = r.json()
    named = [c for c in FACTS.commitments.values() if "obo" in c.actor_ids]
    assert body["id"] == "obo"
    assert body["type"] == "MunicipalCompany"
    assert body["part_of"] == "kommunala-fastighetsbolag"
    assert body["commitments_count"] == len(named) == len(body["commitments"])
    roles = {c["id"]: c["roles"] for c in body["commitments"]}
    assert roles == {c.id: sorted(r for a, r in c.actors if a == "obo") for c in named}
    for c in body["commitments"]:
        assert c["title"] == {
            "sv": FACTS.commitments[c["id"]].title_sv,
            "en": FACTS.commitments[c["id"]].title_en,
        }


@pytest.mark.parametrize("actor", ["kommunala-bolag", "orebro-kommun", "kumbro"])
def test_every_commitment_of_an_actor_says_in_what_role(http: Client, actor: str) -> None:
    """Each listed commitment names the actor or one of its parts, in some role."""
    body = http.get(f"/api/actors/{actor}").json()
    parts = FACTS.closure("actor", actor)
    assert {c["id"] for c in body["commitments"]} == FACTS.with_actor(actor)
    for c in body["commitments"]:
        expected = sorted({r for a, r in FACTS.commitments[c["id"]].actors if a in parts})
        assert c["roles"] == expected, (actor, c["id"], c["roles"])


@pytest.mark.parametrize(
    ("kind", "slug"),
    [
        ("area", "vivalla"),
        ("area", "landsbygd"),
        ("theme", "integration"),
        ("theme", "tvargaende"),
        ("section", "trygghet"),
        ("section", "landsbygd"),
    ],
)
def test_one_resource_with_its_commitments_in_text_order(
    http: Client, kind: str, slug: str, all_items: list[dict[str, Any]]
) -> None:
    r = http.get(f"/api/{kind}s/{slug}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == slug
    assert body["iri"] == f"{ID}{kind}/{slug}"
    assert body["commitments_count"] == FACTS.direct_count(kind, slug)
    expected = {
        "area": FACTS.with_area,
        "theme": FACTS.with_theme,
        "section": FACTS.in_section,
    }[kind](slug)
    in_order = [item["id"] for item in all_items if item["id"] in expected]
    assert [c["id"] for c in body["commitments"]] == in_order
    if kind == "section":
        assert body["position"] == FACTS.section_order.index(slug) + 1


def test_vivalla_resource_names_the_2027_commitment(http: Client) -> None:
    body = http.get("/api/areas/vivalla").json()
    assert body["type"] == "District"
    assert body["part_of"] == "utsatta-stadsdelar"
    assert [c["id"] for c in body["commitments"]] == [VIVALLA_2027]


# --- counts ---------------------------------------------------------------------------


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values))


def test_stats_agree_with_the_curation(http: Client) -> None:
    r = http.get("/api/stats")
    assert r.status_code == 200
    stats = r.json()
    cs = list(FACTS.commitments.values())
    assert stats["commitments"] == len(cs)
    assert stats["context_statements"] == len(FACTS.contexts)
    assert stats["sentences"] > 0
    assert stats["with_deadline"] == sum(1 for c in cs if c.deadline)
    by = stats["by"]
    assert by["strength"] == _count(c.strength or "" for c in cs)
    assert by["kind"] == _count(c.kind or "" for c in cs)
    assert by["section"] == _count(c.section for c in cs)
    assert by["status"] == {"not-yet-rated": len(cs)}
    assert by["testable"] == _count("true" if c.testable else "false" for c in cs)
    assert by["theme"] == _count(t for c in cs for t in c.themes)
    assert by["actor"] == _count(a for c in cs for a in c.actor_ids)
    assert by["area"] == _count(a for c in cs for a in c.areas)
    assert sum(by["section"].values()) == len(cs)


def test_stats_agree_with_the_filters(http: Client) -> None:
    by = http.get("/api/stats").json()["by"]
    for strength, n in by["strength"].items():
        r = http.get("/api/commitments", params={"strength": strength, "limit": 1})
        assert r.headers["x-total-count"] == str(n)
    for section, n in by["section"].items():
        r = http.get("/api/commitments", params={"section": section, "limit": 1})
        assert r.json()["total"] == n


# --- OpenAPI and docs ------------------------------------------------------------------


def test_openapi_lists_every_route(http: Client) -> None:
    r = http.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/sparql",
        "/api/commitments",
        "/api/commitments/{commitment_id}",
        "/api/stats",
        "/api/context.jsonld",
        "/api/queries",
        "/ontology",
        "/id/{path}",
        "/data/{name}",
    }
    for plural in ("actors", "areas", "themes", "sections"):
        expected |= {f"/api/{plural}", f"/api/{plural}/{{resource_id}}"}
    expected |= {f"/api/queries/{p.stem}" for p in (ROOT / "queries").glob("*.rq")}
    assert expected <= set(paths), sorted(expected - set(paths))
    params = {p["name"] for p in paths["/api/commitments"]["get"]["parameters"]}
    assert {
        "actor",
        "area",
        "theme",
        "section",
        "strength",
        "kind",
        "status",
        "testable",
        "has_deadline",
        "deadline_before",
        "q",
        "sort",
        "limit",
        "offset",
        "format",
    } <= params


def test_docs_answer(http: Client) -> None:
    r = http.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
