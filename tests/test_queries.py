"""The named queries in queries/: each parses, runs, and gives the answer the curation implies.

Expected answers are computed here from the curated YAML and the theme scheme, read
directly (not through the build), and spot-checked against the platform's text with small
hand-verified sets.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD
from rdflib.plugins.sparql import prepareQuery

from platform_graph.build.graph import BuildResult
from platform_graph.read.named_queries import NamedQuery, load_queries
from platform_graph.store import SelectResult, Term
from platform_graph.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
QUERY_DIR = ROOT / "queries"
DATA = ROOT / "data"
ID = "https://w3id.org/platform-graph/id/"
PG = "https://w3id.org/platform-graph/ontology#"
QUERY_NAMES = sorted(p.stem for p in QUERY_DIR.glob("*.rq"))

# A value for each required parameter, by type, for the smoke tests.
SAMPLE_VALUES = {
    "area": "vivalla",
    "actor": "polisen",
    "section": "trygghet",
    "theme": "integration",
    "string": "vivalla",
}

# Every query and the test below that checks its answer exactly.
CHECKED = {
    "pledges",
    "carried-over",
    "testable-by-theme",
    "strength-by-theme",
    "area-commitments",
    "actor-commitments",
    "deadlines",
    "section-commitments",
    "outside-actors",
    "actor-cooccurrence",
    "cap-topics",
    "strength-overview",
    "municipal-companies",
    "commitment-status",
    "status-overview",
    "amounts-and-periods",
    "kind-and-change",
    "text-search",
    "theme-commitments",
    "actor-overview",
    "area-overview",
}
ROLES = ("responsible", "partner", "affected")
STRENGTHS = ("binding", "intent", "process", "aspirational")


# --- the curation, read directly from the YAML ---------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    commitment: bool
    section: str
    quote: str
    title_sv: str
    title_en: str
    themes: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]  # (role, actor slug)
    areas: tuple[str, ...]
    strength: str | None
    kind: str | None
    change: str | None
    testable: bool
    deadline: str | None
    period: str | None
    amount_sek: int | None

    @property
    def actors(self) -> set[str]:
        return {actor for _role, actor in self.roles}


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


@cache
def statements() -> tuple[Statement, ...]:
    out: list[Statement] = []
    for path in sorted((DATA / "curation").glob("*.yaml")):
        doc = _yaml(path)
        for raw in doc["statements"]:
            title = raw.get("title") or {}
            actors = raw.get("actors") or {}
            out.append(
                Statement(
                    id=raw["id"],
                    commitment=bool(raw["commitment"]),
                    section=doc["section"],
                    quote=" ".join(str(raw["quote"]).split()),
                    title_sv=str(title.get("sv", "")),
                    title_en=str(title.get("en", "")),
                    themes=tuple(raw.get("themes") or ()),
                    roles=tuple(
                        (role, actor) for role in ROLES for actor in actors.get(role) or ()
                    ),
                    areas=tuple(raw.get("areas") or ()),
                    strength=raw.get("strength"),
                    kind=raw.get("kind"),
                    change=raw.get("change"),
                    testable=bool(raw.get("testable")),
                    deadline=_optional_str(raw.get("deadline")),
                    period=_optional_str(raw.get("period")),
                    amount_sek=raw.get("amount_sek"),
                )
            )
    return tuple(out)


@cache
def commitments() -> tuple[Statement, ...]:
    return tuple(s for s in statements() if s.commitment)


@cache
def actors() -> dict[str, dict[str, Any]]:
    return {a["slug"]: a for a in _yaml(DATA / "actors.yaml")["actors"]}


@cache
def areas() -> dict[str, dict[str, Any]]:
    return {a["slug"]: a for a in _yaml(DATA / "areas.yaml")["areas"]}


@cache
def source_text() -> str:
    return (DATA / "politisk-plattform-2022-2026.txt").read_bytes().decode("utf-8")


@cache
def themes_graph() -> Graph:
    g = Graph()
    g.parse(ROOT / "ontology" / "themes.ttl", format="turtle")
    return g


def within(root: str, records: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The slugs whose part_of chain reaches ``root``, ``root`` included."""
    out: set[str] = set()
    for slug in records:
        node: str | None = slug
        while node is not None:
            if node == root:
                out.add(slug)
                break
            node = records[node].get("part_of")
    return out


def narrower_themes(root: str) -> set[str]:
    """Theme slugs whose skos:broader chain reaches ``root``, ``root`` included."""
    g = themes_graph()
    base = ID + "theme/"
    found = {URIRef(base + root)}
    while True:
        more = {s for o in found for s in g.subjects(SKOS.broader, o) if isinstance(s, URIRef)}
        if more <= found:
            break
        found |= more
    return {str(t)[len(base) :] for t in found}


def cap_topics_of_theme() -> dict[str, set[str]]:
    g = themes_graph()
    base = ID + "theme/"
    out: dict[str, set[str]] = {}
    for theme, cap in g.subject_objects(SKOS.closeMatch):
        if str(theme).startswith(base):
            out.setdefault(str(theme)[len(base) :], set()).add(slug(cap))
    return out


def percent(part: int, whole: int) -> Decimal:
    """SPARQL's ROUND(1000 * part / whole) / 10: halves round up."""
    return Decimal(math.floor(Decimal(1000 * part) / whole + Decimal("0.5"))) / 10


# --- running the queries ----------------------------------------------------------------


@cache
def named_queries() -> dict[str, NamedQuery]:
    return load_queries(QUERY_DIR)


def run(store: OxigraphStore, name: str, **values: str) -> list[dict[str, Term]]:
    query = named_queries()[name]
    result = store.query(query.text, bindings=query.bindings(values))
    assert isinstance(result, SelectResult)
    return list(result.dicts())


def slug(term: object) -> str:
    assert isinstance(term, URIRef), term
    return str(term).rsplit("/", 1)[1]


def number(term: object) -> int:
    assert isinstance(term, Literal), term
    return int(term)


def decimal(term: object) -> Decimal:
    assert isinstance(term, Literal), term
    return Decimal(str(term))


def text(term: object) -> str:
    assert isinstance(term, Literal), term
    return str(term)


def ids(rows: Iterable[Mapping[str, Term]], column: str = "commitment") -> list[str]:
    return [slug(r[column]) for r in rows]


def store_of(built: BuildResult) -> OxigraphStore:
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    return store


@pytest.fixture(scope="module")
def assessed_store(built: BuildResult) -> OxigraphStore:
    """The built graph plus two assessments of one commitment, in a store of its own."""
    store = store_of(built)
    c = f"<{ID}commitment/trygghet-narkotikateam>"
    store.update(
        f"""
        PREFIX pg: <{PG}>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        DELETE DATA {{ GRAPH <https://w3id.org/platform-graph/graph/data> {{
            {c} pg:status <{ID}status/not-yet-rated> }} }} ;
        INSERT DATA {{ GRAPH <https://w3id.org/platform-graph/graph/data> {{
            {c} pg:status <{ID}status/in-progress> .
            <{ID}assessment/a1> a pg:Assessment ; pg:assesses {c} ;
                pg:status <{ID}status/in-progress> ; dcterms:date "2024-03-01"^^xsd:date .
            <{ID}assessment/a2> a pg:Assessment ; pg:assesses {c} ;
                pg:status <{ID}status/in-progress> ; dcterms:date "2025-06-30"^^xsd:date .
        }} }}
        """
    )
    return store


# --- every query -----------------------------------------------------------------------


def test_the_folder_holds_the_checked_queries() -> None:
    assert len(QUERY_NAMES) >= 12
    assert set(QUERY_NAMES) == CHECKED
    assert set(named_queries()) == CHECKED


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_has_a_header(name: str) -> None:
    query = named_queries()[name]
    assert query.text.startswith("# title: ")
    assert len(query.title) > 5
    assert len(query.description) > 20
    for p in query.parameters:
        assert f"?{p.name}" in query.text, p.name
        assert p.description
    for line in query.text.splitlines():
        assert len(line) <= 100, line


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_parses_as_self_contained_sparql(name: str) -> None:
    # rdflib knows no prefixes unless the text declares them: the query runs as-is.
    prepareQuery(named_queries()[name].text)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_as_is_without_bindings(memory_store: OxigraphStore, name: str) -> None:
    result = memory_store.query(named_queries()[name].text)
    assert isinstance(result, SelectResult)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_with_bindings(memory_store: OxigraphStore, name: str) -> None:
    query = named_queries()[name]
    values = {p.name: SAMPLE_VALUES[p.type] for p in query.parameters if p.required}
    result = memory_store.query(query.text, bindings=query.bindings(values))
    assert isinstance(result, SelectResult)
    assert result.rows
    assert len(set(result.variables)) == len(result.variables)
    for row in result.dicts():
        for column, term in row.items():
            for lang in ("sv", "en"):
                if column.endswith(f"_{lang}"):
                    assert isinstance(term, Literal), column
                    assert term.language == lang, (column, term)


# --- 1. testable share by theme --------------------------------------------------------


def test_testable_by_theme(memory_store: OxigraphStore) -> None:
    total: Counter[str] = Counter()
    testable: Counter[str] = Counter()
    for c in commitments():
        for t in set(c.themes):
            total[t] += 1
            testable[t] += c.testable
    rows = run(memory_store, "testable-by-theme")
    got = {slug(r["theme"]): (number(r["commitments"]), number(r["testable"])) for r in rows}
    assert got == {t: (n, testable[t]) for t, n in total.items()}
    for r in rows:
        n, k = got[slug(r["theme"])]
        assert decimal(r["testable_percent"]) == percent(k, n)
    assert [slug(r["theme"]) for r in rows] == sorted(got, key=lambda t: (-got[t][0], t))


# --- 2. strength profile by theme -------------------------------------------------------


def test_strength_by_theme(memory_store: OxigraphStore) -> None:
    expected: dict[str, Counter[str]] = {}
    for c in commitments():
        for t in set(c.themes):
            expected.setdefault(t, Counter())[str(c.strength)] += 1
    rows = run(memory_store, "strength-by-theme")
    assert len(rows) == len(expected)
    for r in rows:
        counts = expected[slug(r["theme"])]
        assert number(r["commitments"]) == sum(counts.values())
        assert [number(r[s]) for s in STRENGTHS] == [counts[s] for s in STRENGTHS]


# --- 3. everything that concerns an area ------------------------------------------------


def test_area_commitments_vivalla(memory_store: OxigraphStore) -> None:
    # "Vivalla" stands once in the text: the plan for 2027.
    rows = run(memory_store, "area-commitments", area="vivalla")
    assert ids(rows) == ["trygghet-vivalla-ej-sarskilt-utsatt-2027"]
    assert text(rows[0]["places"]) == "Vivalla"
    assert text(rows[0]["section_sv"]) == "Trygghet"


def test_area_commitments_landsbygd_includes_the_smaller_localities(
    memory_store: OxigraphStore,
) -> None:
    # "landsbygden" (lines 55, 116, 169, 323, 533) and "landsbygdsorter" / "de mindre
    # orterna" / "orterna" (lines 503, 525, 529) of the text, in text order. Line 414
    # ("Skollokaler ... kan nyttjas") is context by the codebook: a possibility, no promise.
    rows = run(memory_store, "area-commitments", area="landsbygd")
    assert ids(rows) == [
        "naringsliv-landsbygdspaket",
        "skola-skolutveckling-landsbygd",
        "aldreomsorg-skolor-aldre-ata-tillsammans",
        "stadsbyggnad-fler-boenden-for-aldre",
        "fritid-lekmiljoer-lekotoper-vattenlek",
        "landsbygd-utveckla-centrumkarnor",
        "landsbygd-fler-cykelvagar-orterna",
        "landsbygd-utreda-anslutning-va-natet",
    ]
    places = {slug(r["commitment"]): text(r["places"]) for r in rows}
    assert places["landsbygd-fler-cykelvagar-orterna"] == "De mindre orterna"
    assert places["naringsliv-landsbygdspaket"] == "Landsbygden"


def test_area_commitments_lists_each_commitment_once_with_all_its_places(
    memory_store: OxigraphStore,
) -> None:
    # "Kommunledningen vill se fler boenden för äldre ... i hela kommunen, även på
    # landsbygden" (line 439) names both the municipality and the countryside within it.
    rows = run(memory_store, "area-commitments", area="orebro-kommun")
    assert len(ids(rows)) == len(set(ids(rows)))
    housing = next(
        r for r in rows if slug(r["commitment"]) == "stadsbyggnad-fler-boenden-for-aldre"
    )
    assert set(text(housing["places"]).split(", ")) == {"Örebro kommun", "Landsbygden"}


def test_area_commitments_vulnerable_districts_only_where_the_text_says(
    memory_store: OxigraphStore,
) -> None:
    # "främst utsatta stadsdelar" (line 263) and Vivalla, "ett särskilt utsatt område" by the
    # text's own words (197). Varberga and Oxhagen are not placed among them: the text never
    # says so.
    rows = run(memory_store, "area-commitments", area="utsatta-stadsdelar")
    assert ids(rows) == [
        "trygghet-vivalla-ej-sarskilt-utsatt-2027",
        "forebyggande-familjecentraler-inriktning",
    ]


def test_area_commitments_for_every_area(memory_store: OxigraphStore) -> None:
    for area in areas():
        places = within(area, areas())
        expected = {c.id for c in commitments() if places & set(c.areas)}
        rows = run(memory_store, "area-commitments", area=area)
        assert len(rows) == len(expected), area
        assert set(ids(rows)) == expected, area


# --- 4. everything an actor is responsible for or partner in ----------------------------


def test_actor_commitments_kommunala_bolag_includes_the_companies(
    memory_store: OxigraphStore,
) -> None:
    # Bolagskoncernen (lines 464-486), "Kommunens bolag"/"bolagen" in Trygghet (199-204)
    # and "de kommunala bolagen" and the charging points in Trafik (368-369).
    # Västerporten and Örebro Airport are what is used and developed there ("ska användas",
    # "Resan att utveckla"): affected, so not listed here. Törsjö Logistik is not listed
    # either: the text does not say it is one of the municipality's companies.
    rows = run(memory_store, "actor-commitments", actor="kommunala-bolag")
    got = {(slug(r["commitment"]), text(r["role"]), slug(r["named_actor"])) for r in rows}
    assert got == {
        ("trygghet-bolag-samlingslokaler", "responsible", "kommunala-bolag"),
        ("trygghet-trygghetscenter-varberga-oxhagen", "responsible", "kommunala-bolag"),
        ("trafik-laddstolpar", "responsible", "kommunala-bolag"),
        ("bolag-obo-hallbar-fastighetsaktor", "responsible", "obo"),
        ("bolag-obo-analys-kapitalbehov-2023", "responsible", "obo"),
        ("bolag-orebroporten-eyrafaltet-agandemodell", "responsible", "orebroporten"),
        ("bolag-kumbro-i-flygplatsens-hallbarhetsarbete", "partner", "kumbro"),
    }
    assert len(rows) == len(got)


def test_actor_commitments_region_only_as_the_text_names_it(memory_store: OxigraphStore) -> None:
    # "I samarbete med ... Region Örebro län ... bör kommunens uppsökande arbete förbättras"
    # (256-258). Child psychiatry (line 96) is not placed under the region: the text does
    # not say who runs it.
    rows = run(memory_store, "actor-commitments", actor="region-orebro-lan")
    assert [(slug(r["commitment"]), text(r["role"]), slug(r["named_actor"])) for r in rows] == [
        ("forebyggande-uppsokande-arbete", "partner", "region-orebro-lan"),
    ]


def test_actor_commitments_for_every_actor(memory_store: OxigraphStore) -> None:
    for actor in actors():
        members = within(actor, actors())
        expected = {
            (c.id, role, named)
            for c in commitments()
            for role, named in c.roles
            if role != "affected" and named in members
        }
        rows = run(memory_store, "actor-commitments", actor=actor)
        got = [(slug(r["commitment"]), text(r["role"]), slug(r["named_actor"])) for r in rows]
        assert len(got) == len(expected), actor
        assert set(got) == expected, actor


# --- 4b. pledges -------------------------------------------------------------------------


def test_pledges_are_the_testable_commitments_in_text_order(memory_store: OxigraphStore) -> None:
    # Read from the YAML: every commitment coded testable, in the order of the files and,
    # within a file, of the quotes in the text (the files are in the text's order).
    rows = run(memory_store, "pledges")
    expected = [c.id for c in commitments() if c.testable]
    got = [slug(r["pledge"]) for r in rows]
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got)) == 123
    by_id = {c.id: c for c in commitments()}
    sections = [s.section for s in statements()]
    order = {sec: i for i, sec in enumerate(dict.fromkeys(sections))}
    assert [order[by_id[i].section] for i in got] == sorted(order[by_id[i].section] for i in got)
    for r in rows:
        c = by_id[slug(r["pledge"])]
        assert slug(r["strength"]) == c.strength
        assert slug(r["kind"]) == c.kind
        assert slug(r["status"]) == "not-yet-rated"
        assert " ".join(text(r["quote"]).split()) == c.quote
        assert (text(r["deadline"]) if r.get("deadline") is not None else None) == c.deadline


# --- 5. deadlines -----------------------------------------------------------------------


def test_deadlines_in_order(memory_store: OxigraphStore) -> None:
    # Every year the text sets as a limit: "börjar gälla 2023" (line 335), "Senast år 2023
    # ... ÖBO" (466), "budgeten 2023 – 2024" (15), "Vivalla senast år 2027" (197). Equal
    # deadlines keep the order of the text. "ÖSB 2023" (146) names a document, not a limit.
    rows = run(memory_store, "deadlines")
    assert [(text(r["deadline"]), slug(r["commitment"])) for r in rows] == [
        ("2023", "kultur-en-vag-in-foreningslivet"),
        ("2023", "bolag-obo-analys-kapitalbehov-2023"),
        ("2024", "inledning-ingen-skatteandring-2023-2024"),
        ("2027", "trygghet-vivalla-ej-sarskilt-utsatt-2027"),
    ]
    deadline = rows[-1]["deadline"]
    assert isinstance(deadline, Literal)
    assert deadline.datatype == XSD.gYear
    assert "Vivalla senast år 2027" in text(rows[-1]["quote"])
    expected = {(c.deadline, c.id) for c in commitments() if c.deadline}
    assert {(text(r["deadline"]), slug(r["commitment"])) for r in rows} == expected


# --- 6. the commitments of a section ----------------------------------------------------


def test_section_commitments_bolagskoncernen(memory_store: OxigraphStore) -> None:
    # The section's 14 sentences (lines 462-490) less "Därför är ekonomin för ÖBO central."
    rows = run(memory_store, "section-commitments", section="bolagskoncernen")
    assert ids(rows) == [
        "bolag-obo-hallbar-fastighetsaktor",
        "bolag-starkt-allmannyttigt-bostadsbolag",
        "bolag-obo-analys-kapitalbehov-2023",
        "bolag-obo-ekonomisk-plan",
        "bolag-orebroporten-eyrafaltet-agandemodell",
        "bolag-varna-privata-investeringar",
        "bolag-vasterporten-jobb-storre-stadsdelar",
        "bolag-orebro-airport-hallbar-utveckling",
        "bolag-orebro-airport-grona-flygplats",
        "bolag-kumbro-i-flygplatsens-hallbarhetsarbete",
        "bolag-tagforbindelse-stockholm-oslo",
        "bolag-torsjo-logistik-jarnvagsnara-logistik",
        "bolag-hallbar-utveckling-i-direktiv",
    ]
    assert text(rows[-1]["quote"]) == (
        "Program för hållbar utveckling ska utgöra en viktig del i bolagens kommande direktiv."
    )


def test_section_commitments_for_every_section(memory_store: OxigraphStore) -> None:
    source = source_text()
    for section in {s.section for s in statements()}:
        rows = run(memory_store, "section-commitments", section=section)
        expected = [c for c in commitments() if c.section == section]
        assert set(ids(rows)) == {c.id for c in expected}, section
        offsets = [number(r["offset"]) for r in rows]
        assert offsets == sorted(offsets), section
        by_id = {c.id: c for c in expected}
        for r, offset in zip(rows, offsets, strict=True):
            quote = text(r["quote"])
            assert source[offset : offset + len(quote)] == quote
            c = by_id[slug(r["commitment"])]
            assert " ".join(quote.split()) == c.quote
            assert r["testable"] == Literal(c.testable)


# --- 7. dependence on outside actors ----------------------------------------------------


def _outside(include_affected: bool) -> set[tuple[str, str, str]]:
    municipal = within("orebro-kommun", actors())
    return {
        (actor, role, c.id)
        for c in commitments()
        for role, actor in c.roles
        if actor not in municipal
        and actors()[actor]["type"] not in ("PoliticalParty", "Coalition")
        and (include_affected or role != "affected")
    }


def test_outside_actors_who_act(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "outside-actors")
    got = [(slug(r["actor"]), text(r["role"]), slug(r["commitment"])) for r in rows]
    assert len(got) == len(set(got))
    assert set(got) == _outside(include_affected=False)
    # "i dialog med polisen, civilsamhälle och näringsliv" (line 199), the safety centre
    # "där bland andra säkerhetspersonal, polisen och civilsamhället ska kunna samlas" (205),
    # "samverkan mellan socialtjänst, skola och polisen" (223), "I samarbete med ... Region
    # Örebro län" (256).
    assert [g for g in got if g[0] == "polisen"] == [
        ("polisen", "partner", "trygghet-vivalla-plan-i-dialog"),
        ("polisen", "partner", "trygghet-trygghetscenter-varberga-oxhagen"),
        ("polisen", "partner", "trygghet-samverkan-socialtjanst-skola-polis"),
    ]
    assert [g for g in got if g[0] == "region-orebro-lan"] == [
        ("region-orebro-lan", "partner", "forebyggande-uppsokande-arbete"),
    ]
    assert ("civilsamhallet", "partner", "trygghet-vivalla-plan-i-dialog") in got
    assert ("naringslivet", "partner", "trygghet-vivalla-plan-i-dialog") in got
    named = {g[0] for g in got}
    assert not named & {"orebro-kommun", "kommunledningen", "socialtjansten", "obo", "skolan"}
    assert {slug(r["actor"]): text(r["actor_class"]) for r in rows}["polisen"] == "PublicBody"


def test_outside_actors_with_the_affected(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "outside-actors", include_affected="true")
    got = {(slug(r["actor"]), text(r["role"]), slug(r["commitment"])) for r in rows}
    assert len(rows) == len(got)
    assert got == _outside(include_affected=True)
    # "Fusk ... oavsett om det handlar om fusk av föreningar, företag eller enskilda individer"
    assert ("foreningar", "affected", "trygghet-kommission-mot-valfardsbrott") in got


# --- 8. co-occurrence of actors ---------------------------------------------------------


def _pairs() -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    for c in commitments():
        named = sorted(c.actors)
        for i, a in enumerate(named):
            for b in named[i + 1 :]:
                pairs[(a, b)] += 1
    return pairs


def test_actor_cooccurrence(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "actor-cooccurrence")
    got = {(slug(r["actor1"]), slug(r["actor2"])): number(r["commitments"]) for r in rows}
    assert len(rows) == len(got)
    assert got == dict(_pairs())
    # Police and civil society: the Vivalla plan (line 199) and the safety centre (205).
    assert got[("civilsamhallet", "polisen")] == 2
    counts = [number(r["commitments"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_actor_cooccurrence_min_count(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "actor-cooccurrence", min_count="5")
    got = {(slug(r["actor1"]), slug(r["actor2"])): number(r["commitments"]) for r in rows}
    assert got == {pair: n for pair, n in _pairs().items() if n >= 5}
    assert got


# --- 9. CAP major topics ----------------------------------------------------------------


def test_cap_topics(memory_store: OxigraphStore) -> None:
    caps = cap_topics_of_theme()
    expected: Counter[str] = Counter()
    for c in commitments():
        for cap in set[str]().union(*(caps.get(t, set()) for t in c.themes)):
            expected[cap] += 1
    rows = run(memory_store, "cap-topics")
    codes = [int(text(r["code"])) for r in rows]
    assert codes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23]
    got = {slug(r["cap_topic"]): number(r["commitments"]) for r in rows}
    assert got == {str(code): expected[str(code)] for code in codes}
    # No theme maps to defence, foreign trade, international affairs or public lands.
    assert [got[code] for code in ("16", "18", "19", "21")] == [0, 0, 0, 0]
    themes = {
        slug(r["cap_topic"]): set(text(r["themes"]).split(", ")) for r in rows if "themes" in r
    }
    assert themes["10"] == {"trafik"}
    assert themes["4"] == {"landsbygd"}


# --- 10. firm, soft and investigative ---------------------------------------------------


def test_strength_overview(memory_store: OxigraphStore) -> None:
    counts = Counter(str(c.strength) for c in commitments())
    total = len(commitments())
    rows = run(memory_store, "strength-overview")
    assert [slug(r["strength"]) for r in rows] == list(STRENGTHS)
    assert [number(r["commitments"]) for r in rows] == [counts[s] for s in STRENGTHS]
    assert [decimal(r["percent"]) for r in rows] == [percent(counts[s], total) for s in STRENGTHS]
    assert [text(r["strength_sv"]) for r in rows] == ["Bindande", "Avsikt", "Process", "Strävan"]


# --- 11. municipal companies ------------------------------------------------------------


def test_municipal_companies(memory_store: OxigraphStore) -> None:
    # Bolagskoncernen (lines 464-486): "Det kommunala bolaget Kumbro" by the text's words,
    # ÖBO and Örebroporten as the design notes verify. Kumbro Vind, Västerporten, Törsjö
    # Logistik and Örebro Airport are not typed as municipal companies: nothing says they are.
    # "ett starkt allmännyttigt bostadsbolag" (466) names no company: ÖBO is inherited there
    # by its reference back, not named.
    rows = run(memory_store, "municipal-companies")
    got = [(slug(r["company"]), text(r["role"]), slug(r["commitment"])) for r in rows]
    assert got == [
        ("kumbro", "partner", "bolag-kumbro-i-flygplatsens-hallbarhetsarbete"),
        ("obo", "responsible", "bolag-obo-hallbar-fastighetsaktor"),
        ("obo", "responsible", "bolag-obo-analys-kapitalbehov-2023"),
        ("obo", "affected", "bolag-obo-ekonomisk-plan"),
        ("orebroporten", "responsible", "bolag-orebroporten-eyrafaltet-agandemodell"),
    ]
    companies = {s for s, a in actors().items() if a["type"] == "MunicipalCompany"}
    expected = {
        (actor, role, c.id) for c in commitments() for role, actor in c.roles if actor in companies
    }
    assert set(got) == expected
    assert {slug(r["company"]): text(r["company_sv"]) for r in rows}["obo"] == "Örebrobostäder AB"


# --- 12. fulfilment status --------------------------------------------------------------


def test_commitment_status_before_any_assessment(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "commitment-status")
    assert sorted(ids(rows)) == sorted(c.id for c in commitments())
    for r in rows:
        assert slug(r["status"]) == "not-yet-rated"
        assert text(r["status_sv"]) == "Ej bedömt"
        assert text(r["status_en"]) == "Not yet rated"
        assert number(r["assessments"]) == 0
        assert "latest_assessment" not in r


def test_commitment_status_gives_the_latest_assessment(assessed_store: OxigraphStore) -> None:
    rows = run(assessed_store, "commitment-status")
    assert len(rows) == len(commitments())
    assessed = [r for r in rows if "latest_assessment" in r]
    assert ids(assessed) == ["trygghet-narkotikateam"]
    row = assessed[0]
    assert slug(row["status"]) == "in-progress"
    assert text(row["status_en"]) == "In progress"
    assert number(row["assessments"]) == 2
    assert row["latest_assessment"] == Literal("2025-06-30", datatype=XSD.date)
    # Ordered by status: in-progress sorts before not-yet-rated.
    assert ids(rows)[0] == "trygghet-narkotikateam"


def test_status_overview(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "status-overview")
    got = {slug(r["status"]): number(r["commitments"]) for r in rows}
    assert got == {
        "not-yet-rated": len(commitments()),
        "in-progress": 0,
        "stalled": 0,
        "fulfilled": 0,
        "partially-fulfilled": 0,
        "not-fulfilled": 0,
    }
    assert slug(rows[0]["status"]) == "not-yet-rated"
    assert all(number(r["assessments"]) == 0 and "latest_assessment" not in r for r in rows)
    labels = {slug(r["status"]): text(r["status_sv"]) for r in rows}
    assert labels["partially-fulfilled"] == "Delvis uppfyllt"


def test_status_overview_with_assessments(assessed_store: OxigraphStore) -> None:
    rows = {slug(r["status"]): r for r in run(assessed_store, "status-overview")}
    assert number(rows["not-yet-rated"]["commitments"]) == len(commitments()) - 1
    progress = rows["in-progress"]
    assert (number(progress["commitments"]), number(progress["assessments"])) == (1, 2)
    assert progress["latest_assessment"] == Literal("2025-06-30", datatype=XSD.date)


# --- more: amounts and periods, kind and change, text search, themes, overviews ---------


def test_amounts_and_periods(memory_store: OxigraphStore) -> None:
    # "En miljard ska satsas fördelat över åtta år på örebroarnas trygghet." (line 189)
    rows = run(memory_store, "amounts-and-periods")
    assert ids(rows) == ["trygghet-en-miljard-atta-ar"]
    row = rows[0]
    assert decimal(row["amount_sek"]) == Decimal(1_000_000_000)
    assert row["period"] == Literal("P8Y", datatype=XSD.duration)
    assert "deadline" not in row
    assert text(row["quote"]).startswith("En miljard ska satsas")
    expected = [c.id for c in commitments() if c.amount_sek is not None or c.period]
    assert ids(rows) == expected


def test_kind_and_change(memory_store: OxigraphStore) -> None:
    total: Counter[tuple[str, str]] = Counter()
    testable: Counter[tuple[str, str]] = Counter()
    for c in commitments():
        key = (str(c.kind), str(c.change))
        total[key] += 1
        testable[key] += c.testable
    rows = run(memory_store, "kind-and-change")
    got = {
        (slug(r["kind"]), slug(r["change"])): (
            number(r["commitments"]),
            number(r["testable_commitments"]),
        )
        for r in rows
    }
    assert got == {key: (n, testable[key]) for key, n in total.items()}
    assert sum(n for n, _t in got.values()) == len(commitments())


def test_text_search(memory_store: OxigraphStore) -> None:
    # "Vivalla" stands once in the text (line 197); the next sentence's title names the plan.
    for words in ("vivalla", "VIVALLA"):
        rows = run(memory_store, "text-search", string=words)
        assert ids(rows, "statement") == [
            "trygghet-vivalla-ej-sarskilt-utsatt-2027",
            "trygghet-vivalla-plan-i-dialog",
        ]
        assert all(r["is_commitment"] == Literal(True) for r in rows)
    context = run(memory_store, "text-search", string="ekonomin för öbo")
    assert [str(r["statement"]) for r in context] == [f"{ID}context/bolag-obo-ekonomin-central"]
    assert context[0]["is_commitment"] == Literal(False)


def test_text_search_matches_quotes_and_titles(memory_store: OxigraphStore) -> None:
    for words in ("kumbro", "förskola", "hjälmaren"):
        expected = {
            s.id
            for s in statements()
            if any(words in field.lower() for field in (s.quote, s.title_sv, s.title_en))
        }
        rows = run(memory_store, "text-search", string=words)
        assert set(ids(rows, "statement")) == expected, words
        assert expected, words


def test_theme_commitments(memory_store: OxigraphStore) -> None:
    for theme in ("integration", "tvargaende", "avsnitt", "landsbygd"):
        themes = narrower_themes(theme)
        expected = {c.id for c in commitments() if themes & set(c.themes)}
        rows = run(memory_store, "theme-commitments", theme=theme)
        assert len(rows) == len(expected), theme
        assert set(ids(rows)) == expected, theme
    # The cross-cutting themes include the section themes that are also cross-cutting.
    assert {"trygghet", "klimat-och-miljo", "landsbygd", "arbetslinjen"} <= narrower_themes(
        "tvargaende"
    )
    integration = run(memory_store, "theme-commitments", theme="integration")
    assert "trygghet-vivalla-ej-sarskilt-utsatt-2027" in ids(integration)


def test_actor_overview(memory_store: OxigraphStore) -> None:
    expected: dict[str, tuple[int, int, int, int]] = {}
    for actor in actors():
        naming = [c for c in commitments() if actor in c.actors]
        if naming:
            by_role = [sum((role, actor) in c.roles for c in naming) for role in ROLES]
            expected[actor] = (len(naming), by_role[0], by_role[1], by_role[2])
    rows = run(memory_store, "actor-overview")
    got = {
        slug(r["actor"]): (
            number(r["commitments"]),
            number(r["as_responsible"]),
            number(r["as_partner"]),
            number(r["as_affected"]),
        )
        for r in rows
    }
    assert got == expected
    # The police: partner in the Vivalla plan (line 199), in the safety centre where they are
    # to gather with others (205) and in "samverkan mellan socialtjänst, skola och polisen"
    # (223).
    assert got["polisen"] == (3, 0, 3, 0)
    classes = {slug(r["actor"]): text(r["actor_class"]) for r in rows}
    assert classes == {a: actors()[a]["type"] for a in expected}


def test_area_overview(memory_store: OxigraphStore) -> None:
    rows = run(memory_store, "area-overview")
    got = {
        slug(r["area"]): (number(r["direct_commitments"]), number(r["commitments"])) for r in rows
    }
    expected = {
        area: (
            sum(area in c.areas for c in commitments()),
            sum(bool(within(area, areas()) & set(c.areas)) for c in commitments()),
        )
        for area in areas()
    }
    assert got == expected
    assert got["vivalla"] == (1, 1)
    assert got["sverige"] == (0, 0)
    parents = {slug(r["area"]): slug(r["within"]) for r in rows if "within" in r}
    assert parents == {a: r["part_of"] for a, r in areas().items() if r.get("part_of")}


def test_carried_over_with_no_platform_before(memory_store: OxigraphStore) -> None:
    """Örebro 2022–2026 has no platform before it: everything is added, nothing carried
    over or dropped (tests/test_review.py follows a next platform's links)."""
    rows = run(memory_store, "carried-over")
    assert len(rows) == 190
    assert {str(r["outcome"]) for r in rows} == {"added"}
    assert all(r.get("continues") is None for r in rows)
