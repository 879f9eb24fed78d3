"""Named queries (queries/*.rq) as REST endpoints, end to end in process (over ASGI).

The tests run over whatever query files exist; their headers are read here, independently
of the package, to know each query's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.inprocess import Client, Response
from tests.test_api_rest import (
    FACTS,
    ID,
    ROOT,
    VIVALLA_2027,
    assert_problem,
    csv_rows,
    error_for,
)

QUERIES_DIR = ROOT / "queries"
RESOURCE_TYPES = {"actor", "area", "theme", "section", "commitment", "status", "strength", "kind"}
SAMPLES = {
    "actor": "kommunala-bolag",
    "area": "vivalla",
    "theme": "trygghet",
    "section": "trygghet",
    "commitment": VIVALLA_2027,
    "status": "not-yet-rated",
    "strength": "binding",
    "kind": "action",
    "string": "Vivalla",
    "integer": "1",
    "boolean": "true",
    "date": "2027-12-31",
    "year": "2027",
}
WRONG = {
    "integer": "twelve",
    "boolean": "maybe",
    "date": "2027-02-30",
    "year": "27",
}
INJECTION = "vivalla> } ; DROP ALL #"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    params: tuple[Param, ...]

    def sample(self, *, optional: bool) -> dict[str, str]:
        """Values for the required parameters (and the optional ones too if asked)."""
        return {p.name: SAMPLES[p.type] for p in self.params if p.required or optional}


def _header(path: Path) -> Query:
    title = ""
    params: list[Param] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        if key.strip() == "title":
            title = f"{title} {value.strip()}".strip()
        elif key.strip() == "param":
            name, ptype, default, _description = (f.strip() for f in value.split("|"))
            required = default == "required"
            params.append(Param(name, ptype, required, None if required else default))
    return Query(path.stem, title, tuple(params))


QUERIES = [_header(p) for p in sorted(QUERIES_DIR.glob("*.rq"))]
BY_NAME = {q.name: q for q in QUERIES}


def _cases(predicate: Any) -> list[Any]:
    return [
        pytest.param(q, p, id=f"{q.name}-{p.name}")
        for q in QUERIES
        for p in q.params
        if predicate(p)
    ]


def run(http: Client, name: str, **params: str) -> Response:
    return http.get(f"/api/queries/{name}", params=params)


def rows_of(http: Client, name: str, **params: str) -> list[dict[str, Any]]:
    r = run(http, name, **params)
    assert r.status_code == 200, r.text[:500]
    body: dict[str, Any] = r.json()
    rows: list[dict[str, Any]] = body["rows"]
    return rows


def slug(iri: str, kind: str) -> str:
    prefix = f"{ID}{kind}/"
    assert iri.startswith(prefix), iri
    return iri.removeprefix(prefix)


def test_there_are_query_files() -> None:
    assert QUERIES
    assert "area-commitments" in BY_NAME


# --- the list and OpenAPI ---------------------------------------------------------------


def test_the_list_names_every_query_file_with_its_parameters(http: Client) -> None:
    r = http.get("/api/queries")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == len(QUERIES)
    listed = {item["name"]: item for item in body["items"]}
    assert set(listed) == set(BY_NAME)
    for q in QUERIES:
        item = listed[q.name]
        assert item["title"] == q.title
        assert item["description"]
        assert item["path"] == f"/api/queries/{q.name}"
        got = [(p["name"], p["type"], p["required"], p["default"]) for p in item["parameters"]]
        assert got == [(p.name, p.type, p.required, p.default) for p in q.params]


def test_openapi_has_one_route_per_query_with_its_parameters(http: Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for q in QUERIES:
        operation = paths[f"/api/queries/{q.name}"]["get"]
        params = {p["name"]: p for p in operation.get("parameters", [])}
        assert {p.name for p in q.params} | {"format", "bom"} == set(params), q.name
        for p in q.params:
            assert params[p.name]["in"] == "query"
            assert params[p.name]["required"] is p.required
            if p.type in ("integer", "boolean"):
                assert params[p.name]["schema"]["type"] == p.type
        assert operation["summary"] == q.title


# --- every query answers ---------------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
@pytest.mark.parametrize("optional", [False, True], ids=["defaults", "all-parameters"])
def test_each_query_answers_with_rows(http: Client, query: Query, optional: bool) -> None:
    r = run(http, query.name, **query.sample(optional=optional))
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["query"] == query.name
    assert body["title"] == query.title
    assert body["variables"]
    assert body["rows"], f"{query.name} gave no rows"
    assert body["total"] == len(body["rows"])
    for row in body["rows"]:
        assert list(row) == body["variables"]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_each_query_answers_csv(http: Client, query: Query) -> None:
    params = query.sample(optional=False)
    body = run(http, query.name, **params).json()
    r = run(http, query.name, **params, format="csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.text)
    assert rows[0] == body["variables"]
    assert len(rows) - 1 == body["total"]


def test_csv_of_no_rows_still_has_the_header_row(http: Client) -> None:
    areas = [a["id"] for a in http.get("/api/areas").json()["items"]]
    empty = next(a for a in areas if not run(http, "area-commitments", area=a).json()["rows"])
    body = run(http, "area-commitments", area=empty).json()
    assert body["rows"] == []
    r = run(http, "area-commitments", area=empty, format="csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert csv_rows(r.text) == [body["variables"]]


def test_csv_by_accept_header(http: Client) -> None:
    r = http.get(
        "/api/queries/area-commitments",
        params={"area": "landsbygd"},
        headers={"Accept": "text/csv"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = csv_rows(r.text)
    header = rows[0]
    commitments = [dict(zip(header, row, strict=True))["commitment"] for row in rows[1:]]
    assert {slug(c, "commitment") for c in commitments} == FACTS.with_area("landsbygd")


# --- specific queries against the curation ----------------------------------------------


def test_area_commitments_for_vivalla(http: Client) -> None:
    rows = rows_of(http, "area-commitments", area="vivalla")
    assert len(rows) == 1
    row = rows[0]
    assert row["commitment"] == f"{ID}commitment/{VIVALLA_2027}"
    c = FACTS.commitments[VIVALLA_2027]
    assert (row["title_sv"], row["title_en"]) == (c.title_sv, c.title_en)
    assert row["places"] == "Vivalla"


def test_area_commitments_follow_places_within(http: Client) -> None:
    rows = rows_of(http, "area-commitments", area="landsbygd")
    found = [slug(row["commitment"], "commitment") for row in rows]
    assert len(found) == len(set(found))
    assert set(found) == FACTS.with_area("landsbygd")
    assert FACTS.with_area("mindre-orter") < set(found)
    # In the order of the text, as the REST API lists them.
    rest = http.get("/api/commitments", params={"area": "landsbygd", "limit": 1000}).json()
    assert found == [item["id"] for item in rest["items"]]


def test_an_unknown_slug_is_422_with_the_allowed_list_as_in_rest(http: Client) -> None:
    r = run(http, "area-commitments", area="atlantis")
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["parameter"] == "area"
    assert "vivalla" in error["allowed"]


def test_actor_commitments_follow_sub_organisations(http: Client) -> None:
    rows = rows_of(http, "actor-commitments", actor="kommunala-bolag")
    parts = FACTS.closure("actor", "kommunala-bolag")
    expected = {
        (c.id, role, actor)
        for c in FACTS.commitments.values()
        for actor, role in c.actors
        if actor in parts and role in ("responsible", "partner")
    }
    got = {
        (slug(r["commitment"], "commitment"), r["role"], slug(r["named_actor"], "actor"))
        for r in rows
    }
    assert got == expected
    assert any(actor == "obo" for _, _, actor in got)


def test_section_and_theme_commitments(http: Client) -> None:
    section = rows_of(http, "section-commitments", section="trygghet")
    assert {slug(r["commitment"], "commitment") for r in section} == FACTS.in_section("trygghet")
    for r in section:
        c = FACTS.commitments[slug(r["commitment"], "commitment")]
        assert r["quote"] == FACTS.text[r["offset"] : r["offset"] + len(r["quote"])]
        assert r["testable"] is c.testable
    theme = rows_of(http, "theme-commitments", theme="integration")
    assert {slug(r["commitment"], "commitment") for r in theme} == FACTS.with_theme("integration")


def test_text_search_finds_the_statements_with_the_words(http: Client) -> None:
    rows = rows_of(http, "text-search", string="Vivalla")
    expected = {
        st.id
        for st in FACTS.statements
        if "vivalla" in " ".join([st.quote, st.title_sv or "", st.title_en or ""]).lower()
    }
    assert {r["statement"].rsplit("/", 1)[-1] for r in rows} == expected
    assert VIVALLA_2027 in expected


# --- bad parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(("query", "param"), _cases(lambda p: p.required))
def test_a_missing_required_parameter_is_422(http: Client, query: Query, param: Param) -> None:
    params = {k: v for k, v in query.sample(optional=False).items() if k != param.name}
    body = assert_problem(run(http, query.name, **params), 422)
    assert "required" in error_for(body, param.name)["message"]


@pytest.mark.parametrize(("query", "param"), _cases(lambda p: p.type in WRONG))
def test_a_wrongly_typed_parameter_is_422(http: Client, query: Query, param: Param) -> None:
    params = {**query.sample(optional=False), param.name: WRONG[param.type]}
    body = assert_problem(run(http, query.name, **params), 422)
    error_for(body, param.name)


def test_an_integer_parameter_is_checked() -> None:
    """At least one query takes an integer, so the typed check above runs."""
    assert any(p.type == "integer" for q in QUERIES for p in q.params)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_an_unknown_parameter_is_422(http: Client, query: Query) -> None:
    params = {**query.sample(optional=False), "no_such_parameter": "1"}
    body = assert_problem(run(http, query.name, **params), 422)
    error_for(body, "no_such_parameter")


@pytest.mark.parametrize(("query", "param"), _cases(lambda p: p.type in RESOURCE_TYPES))
@pytest.mark.parametrize("bad", ['a<b>"c', INJECTION, "Vivalla", "viv alla", ""])
def test_a_slug_that_is_not_a_slug_is_422(
    http: Client, query: Query, param: Param, bad: str
) -> None:
    params = {**query.sample(optional=False), param.name: bad}
    body = assert_problem(run(http, query.name, **params), 422)
    error_for(body, param.name)


@pytest.mark.parametrize("query", QUERIES[:3], ids=lambda q: q.name)
def test_a_bad_format_is_422(http: Client, query: Query) -> None:
    params = {**query.sample(optional=False), "format": "xml"}
    body = assert_problem(run(http, query.name, **params), 422)
    error_for(body, "format")


def test_an_unknown_query_is_404(http: Client) -> None:
    assert_problem(http.get("/api/queries/no-such-query"), 404)


# --- values are bound, never pasted -------------------------------------------------------


def _data_is_intact(http: Client) -> None:
    stats = http.get("/api/stats").json()
    assert stats["commitments"] == len(FACTS.commitments)
    assert stats["context_statements"] == len(FACTS.contexts)
    assert [r["commitment"] for r in rows_of(http, "area-commitments", area="vivalla")] == [
        f"{ID}commitment/{VIVALLA_2027}"
    ]


def test_a_value_with_query_syntax_is_refused_and_the_data_stays(http: Client) -> None:
    body = assert_problem(run(http, "area-commitments", area=INJECTION), 422)
    error_for(body, "area")
    _data_is_intact(http)


@pytest.mark.parametrize(
    "value",
    [
        'vivalla" ) } ; DROP ALL #',
        '") || true || ("',
        "vivalla' } DROP ALL #",
        "\\u0022 } #",
        "<https://w3id.org/platform-graph/id/area/vivalla>",
    ],
)
def test_a_string_value_is_bound_as_a_literal(http: Client, value: str) -> None:
    """Pasted into the text these would break or widen the query; bound, they match nothing."""
    r = run(http, "text-search", string=value)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["rows"] == []
    _data_is_intact(http)
