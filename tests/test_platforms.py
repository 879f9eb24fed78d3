"""Several platforms in one graph (issue 16): Örebro 2022–2026's IRIs exactly as they
were, a development text built, served and filterable beside it, and a draft's proposed
statements kept out of everything public."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_graph.build.graph import BuildResult, build
from platform_graph.config import Paths
from platform_graph.vocab.identifiers import LOCAL_NAME
from tests.support.inprocess import Client, platform_store, service

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "orebro-2022-2026-iris.txt"
EXEMPELBY = ROOT / "data" / "dev" / "exempelby-2026-2030"
EKHOLM = ROOT / "data" / "dev" / "ekholm-s-2026-2030"
ID = "https://w3id.org/platform-graph/id/"


def _iris(result: BuildResult) -> set[str]:
    nq = result.nquads().decode("utf-8")
    return set(re.findall(r"<(https://w3id\.org/platform-graph/id/[^>]*)>", nq))


def _before() -> set[str]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def several() -> BuildResult:
    return build(Paths(ROOT, (EXEMPELBY, EKHOLM)))


def test_orebros_iris_are_exactly_those_of_main(built: BuildResult) -> None:
    assert _iris(built) == _before()


def test_with_more_platforms_orebros_iris_stay_and_the_new_cannot_collide(
    several: BuildResult,
) -> None:
    before = _before()
    after = _iris(several)
    assert before <= after
    for iri in after - before:
        local = iri.removeprefix(ID).split("#")[0]
        kind, _, name = local.partition("/")
        if kind in ("document", "term"):
            continue  # a platform's own slug; a term is the same term in every platform
        if kind == "actor" and name in ("liberalerna", "kristdemokraterna"):
            raise AssertionError("a platform's own actor must be qualified")
        assert "--" in name, iri
        assert LOCAL_NAME.match(name), iri
    documents = {i for i in after if i.startswith(ID + "document/")}
    assert documents == {
        ID + "document/orebro-2022-2026",
        ID + "document/exempelby-2026-2030",
        ID + "document/ekholm-s-2026-2030",
    }


def test_a_shared_actor_keeps_one_iri_in_every_platform(several: BuildResult) -> None:
    """Polisen of the shared registry is the same node in Örebro's and Exempelby's."""
    polisen = ID + "actor/polisen"
    union = several.union()
    users = {str(s).rsplit("/", 1)[-1].split("--")[0] for s, _, o in union if str(o) == polisen}
    assert {"exempelby-2026-2030"} <= users


@pytest.fixture(scope="module")
def http(several: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with service(
        platform_store(several),
        extra_platforms=f"{EXEMPELBY},{EKHOLM}",
        query_timeout=10,
    ) as client:
        yield client


def _counted(several: BuildResult, slug: str) -> tuple[int, int, dict[str, int]]:
    """(commitments, context statements, by strength) of a platform's curation."""
    sts = several.platform(slug).curation.statements
    by: dict[str, int] = {}
    for st in sts:
        if st.commitment:
            by[str(st.strength)] = by.get(str(st.strength), 0) + 1
    return sum(st.commitment for st in sts), sum(not st.commitment for st in sts), by


def test_the_platforms_are_listed(http: Client, several: BuildResult) -> None:
    r = http.get("/api/platforms")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [p["id"] for p in items] == [
        "orebro-2022-2026",
        "ekholm-s-2026-2030",
        "exempelby-2026-2030",
    ]
    orebro, ekholm, exempelby = items
    assert orebro["term"] == {"start": 2022, "end": 2026}
    assert orebro["municipality"]["code"] == "1880"
    assert orebro["commitments"] == 190
    assert exempelby["municipality"]["code"] is None  # invented: no code
    assert exempelby["kind"] == "coalition-platform"
    assert ekholm["kind"] == "party-programme"
    assert exempelby["commitments"] == _counted(several, "exempelby-2026-2030")[0]
    assert ekholm["context_statements"] == _counted(several, "ekholm-s-2026-2030")[1]
    one = http.get("/api/platforms/exempelby-2026-2030").json()
    assert one["sections"][0] == "exempelby-2026-2030--inledning"
    assert http.get("/api/platforms/nowhere-2026-2030").status_code == 404


def test_commitments_filter_by_platform(http: Client, several: BuildResult) -> None:
    n_exempelby = _counted(several, "exempelby-2026-2030")[0]
    n_ekholm = _counted(several, "ekholm-s-2026-2030")[0]
    every = http.get("/api/commitments", params={"limit": 1000}).json()
    assert every["total"] == 190 + n_exempelby + n_ekholm
    mine = http.get("/api/commitments", params={"platform": "exempelby-2026-2030", "limit": 1000})
    items = mine.json()["items"]
    assert len(items) == n_exempelby
    assert {c["platform"] for c in items} == {"exempelby-2026-2030"}
    assert items[0]["id"].startswith("exempelby-2026-2030--")
    one = http.get(f"/api/commitments/{items[0]['id']}")
    assert one.status_code == 200
    assert one.json()["platform"] == "exempelby-2026-2030"
    both = http.get(
        "/api/commitments",
        params={"platform": "exempelby-2026-2030", "area": "exempelby-2026-2030--norrbacka"},
    )
    assert [c["id"] for c in both.json()["items"]] == [
        "exempelby-2026-2030--skola-ny-skola-norrbacka-2028"
    ]
    unknown = http.get("/api/commitments", params={"platform": "nowhere"})
    assert unknown.status_code == 422
    assert http.get("/api/commitments", params={"platform": "Not A Slug"}).status_code == 422


def test_stats_and_sections_per_platform(http: Client, several: BuildResult) -> None:
    commitments, contexts, by = _counted(several, "ekholm-s-2026-2030")
    stats = http.get("/api/stats", params={"platform": "ekholm-s-2026-2030"}).json()
    assert (stats["commitments"], stats["context_statements"]) == (commitments, contexts)
    assert stats["by"]["strength"] == by
    assert stats["sentences"] == len(several.platform("ekholm-s-2026-2030").source.sentences)
    sections = http.get("/api/sections", params={"platform": "ekholm-s-2026-2030"}).json()["items"]
    assert [s["id"] for s in sections][:2] == [
        "ekholm-s-2026-2030--valprogram",
        "ekholm-s-2026-2030--jobb-och-foretagande",
    ]
    total = 190 + commitments + _counted(several, "exempelby-2026-2030")[0]
    assert http.get("/api/stats").json()["commitments"] == total


def test_named_queries_per_platform(http: Client, several: BuildResult) -> None:
    rows = http.get(
        "/api/queries/strength-overview", params={"platform": "exempelby-2026-2030"}
    ).json()["rows"]
    counts = {r["strength"].rsplit("/", 1)[-1]: int(r["commitments"]) for r in rows}
    by = _counted(several, "exempelby-2026-2030")[2]
    assert counts == {s: by.get(s, 0) for s in ("binding", "intent", "process", "aspirational")}
    orebro = http.get("/api/queries/strength-overview").json()["rows"]
    assert sum(int(r["commitments"]) for r in orebro) == 190


def test_pages_per_platform_with_a_picker(http: Client, several: BuildResult) -> None:
    home = http.get("/")
    assert home.status_code == 200
    assert 'href="/?platform=exempelby-2026-2030"' in home.text
    other = http.get("/", params={"platform": "exempelby-2026-2030"})
    assert other.status_code == 200
    assert "Politisk plattform för Exempelby kommun 2026–2030" in other.text
    n = _counted(several, "exempelby-2026-2030")[0]
    assert f">{n}<" in other.text
    assert ">190<" not in other.text
    text = http.get("/platform", params={"platform": "ekholm-s-2026-2030"})
    assert "Gratis frukost i alla skolor" in text.text
    assert "Vivalla" not in text.text
    assert http.get("/", params={"platform": "nowhere"}).status_code == 404
    page = http.get(
        "/id/commitment/exempelby-2026-2030--skola-ny-skola-norrbacka-2028",
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 200
    assert "En ny skola ska byggas i Norrbacka till 2028." in page.text
