"""Issue 17, the read side for researchers and municipal systems: JSON-LD that is the
graph, spreadsheets, no silent surprises, inherited actors and areas, pledges, counts,
SPARQL errors, the service description and the /data/ index."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from platform_graph.build.graph import BuildResult
from platform_graph.http.routes import flat_routes
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.vocab.namespaces import INFERRED_GRAPH
from tests.support.inprocess import BASE, Client, service
from tests.test_api_rest import parse_rdf

HYDRA = "http://www.w3.org/ns/hydra/core#"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN = "trygghet-vivalla-plan-i-dialog"
DOCS_API = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def items(client: Client, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/commitments", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["items"]
    return found


def ids(client: Client, **params: Any) -> set[str]:
    return {i["id"] for i in items(client, **params)}


# --- JSON-LD is the graph -------------------------------------------------------------


def _parsed(client: Client, path: str, **params: Any) -> tuple[Graph, dict[str, Any]]:
    r = client.get(path, params=params, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    context_url = doc["@context"]
    assert context_url == f"{BASE}/api/contexts/1.jsonld"
    context = client.get(context_url.removeprefix(BASE)).json()
    text = json.dumps({**doc, "@context": context["@context"]})
    return parse_rdf(text, "json-ld"), doc


@pytest.fixture(scope="module")
def asserted(built: BuildResult) -> set[tuple[Any, Any, Any]]:
    return set(built.union())


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/commitments", {"limit": 20}),
        ("/api/commitments", {"actor": "polisen"}),
        (f"/api/commitments/{PLAN}", {}),
        ("/api/actors", {}),
        ("/api/actors/polisen", {}),
        ("/api/areas", {}),
        ("/api/themes/trygghet", {}),
        ("/api/sections", {}),
    ],
)
def test_json_ld_holds_only_triples_the_store_holds(
    http: Client, asserted: set[tuple[Any, Any, Any]], path: str, params: dict[str, Any]
) -> None:
    g, _ = _parsed(http, path, **params)
    hydra_nodes = {s for s, p, o in g if str(p).startswith(HYDRA) or str(o).startswith(HYDRA)}
    others = [t for t in g if t[0] not in hydra_nodes]
    assert others
    foreign = [t for t in others if t not in asserted]
    assert foreign == [], foreign[:5]


def test_a_list_pages_in_hydra_in_a_node_of_its_own(http: Client) -> None:
    g, _doc = _parsed(http, "/api/commitments", limit=20, offset=20)
    collections = list(g.subjects(RDF.type, URIRef(HYDRA + "Collection")))
    assert len(collections) == 1
    collection = collections[0]
    total = g.value(collection, URIRef(HYDRA + "totalItems"))
    assert isinstance(total, Literal)
    assert int(total) == len(items(http))
    members = set(g.objects(collection, URIRef(HYDRA + "member")))
    assert len(members) == 20
    view = g.value(collection, URIRef(HYDRA + "view"))
    assert "offset=40" in str(g.value(view, URIRef(HYDRA + "next")))
    assert "offset=0" in str(g.value(view, URIRef(HYDRA + "previous")))
    # No pg:total, pg:span, pg:limit, no blank node roles, no oa:exact on the commitment.
    pg = "https://w3id.org/platform-graph/ontology#"
    for name in ("total", "span", "limit", "offset", "role"):
        assert not list(g.triples((None, URIRef(pg + name), None))), name
    assert not [t for t in g if isinstance(t[0], BNode)]
    exact = URIRef("http://www.w3.org/ns/oa#exact")
    assert all(str(s).endswith("#quote") for s in g.subjects(exact, None))


def test_the_context_is_published_and_versioned(http: Client) -> None:
    versioned = http.get("/api/contexts/1.jsonld")
    assert versioned.status_code == 200
    assert versioned.headers["content-type"].startswith("application/ld+json")
    latest = http.get("/api/context.jsonld")
    assert latest.json() == versioned.json()
    ctx = versioned.json()["@context"]
    assert ctx["pg"] == "https://w3id.org/platform-graph/ontology#"
    assert ctx["hydra"] == HYDRA


# --- spreadsheets -----------------------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_a_csv_download_without_limit_holds_every_row(http: Client) -> None:
    every = items(http)
    assert len(every) > 50
    r = http.get("/api/commitments", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="commitments.csv"'
    rows = _csv(r.text)
    assert len(rows) == len(every)
    assert len(_csv(http.get("/api/commitments", params={"format": "csv", "limit": 7}).text)) == 7


def test_csv_nested_fields_are_columns_and_a_bom_on_request(http: Client) -> None:
    r = http.get("/api/commitments", params={"format": "csv", "actor": "polisen"})
    assert not r.content.startswith(b"\xef\xbb\xbf")
    rows = {row["id"]: row for row in _csv(r.text)}
    plan = rows[PLAN]
    item = http.get(f"/api/commitments/{PLAN}").json()
    assert plan["title_sv"] == item["title"]["sv"]
    assert plan["title_en"] == item["title"]["en"]
    assert plan["span_start"] == str(item["span"]["start"])
    assert "polisen" in plan["actors_partner"].split("; ")
    assert plan["actors_responsible"] == "orebro-kommun"
    assert plan["inherited_areas"] == "vivalla"
    assert "\n" not in plan["quote_text"]
    with_bom = http.get("/api/commitments", params={"format": "csv", "bom": "true"})
    assert with_bom.content.startswith(b"\xef\xbb\xbf")


def test_xlsx_of_lists_and_named_queries(http: Client) -> None:
    r = http.get("/api/commitments", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == 'attachment; filename="commitments.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "iri", "title_sv", "title_en")
    assert len(rows) - 1 == len(items(http))
    r = http.get("/api/queries/area-commitments", params={"area": "vivalla", "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.active is not None
    assert book.active.max_row >= 2
    r = http.get("/api/actors", headers={"Accept": XLSX})
    assert r.headers["content-type"] == XLSX


def test_xlsx_writes_text_as_text_never_as_a_formula(built: BuildResult) -> None:
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    c = URIRef("https://w3id.org/platform-graph/id/commitment/" + PLAN)
    title = URIRef("http://purl.org/dc/terms/title")
    store.apply(
        [q for q in store.quads(c, title, None, None) if getattr(q[2], "language", "") == "en"],
        [
            (c, title, Literal('=HYPERLINK("http://evil.example","x")', lang="en"), q[3])
            for q in store.quads(c, title, None, None)[:1]
        ],
    )
    with service(store) as client:
        r = client.get(f"/api/commitments/{PLAN}", params={"format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("title_en") + 1)
        assert cell.value == '=HYPERLINK("http://evil.example","x")'
        assert cell.data_type == "s"
        r = client.get(f"/api/commitments/{PLAN}", params={"format": "csv"})
        assert _csv(r.text)[0]["title_en"].startswith("'=")


# --- no silent surprises ----------------------------------------------------------------


def test_an_unknown_parameter_is_422_with_the_nearest_name(http: Client) -> None:
    r = http.get("/api/commitments", params={"actors": "polisen"})
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["parameter"] == "actors"
    assert error["did_you_mean"] == "actor"
    assert "actor" in r.json()["detail"]
    for path in ("/api/actors", "/api/stats", "/api/themes/trygghet", "/api/queries"):
        assert http.get(path, params={"lang": "sv"}).status_code == 422, path
    r = http.get("/api/queries/area-commitments", params={"areas": "vivalla"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["did_you_mean"] == "area"


def test_a_repeated_single_valued_parameter_is_422(http: Client) -> None:
    r = http.get("/api/commitments?limit=5&limit=10")
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "limit"
    r = http.get("/api/queries/area-commitments?area=vivalla&area=landsbygd")
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "area"


def test_a_repeated_filter_means_either(http: Client) -> None:
    obo = ids(http, actor="obo", inherited="false")
    polisen = ids(http, actor="polisen", inherited="false")
    either = ids(http, inherited="false", actor=["obo", "polisen"])
    assert either == obo | polisen
    assert obo
    assert polisen
    assert obo != polisen
    assert ids(http, strength=["binding", "intent"]) == ids(http, strength="binding") | ids(
        http, strength="intent"
    )


def test_named_queries_answer_tables_only(http: Client) -> None:
    r = http.get("/api/queries/area-commitments", params={"area": "vivalla", "format": "jsonld"})
    assert r.status_code == 422


def test_named_queries_flag_truncation(built: BuildResult) -> None:
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    with service(store, max_rows=3) as client:
        r = client.get("/api/queries/area-commitments", params={"area": "orebro-kommun"})
        assert r.status_code == 200
        body = r.json()
        assert body["truncated"] is True
        assert len(body["rows"]) == 3
        assert "3 rows" in r.headers["x-result-truncated"]
        small = client.get("/api/queries/area-commitments", params={"area": "vivalla"})
        assert small.json()["truncated"] is False
        assert "x-result-truncated" not in small.headers


def test_missing_values_sort_last_both_ways(http: Client) -> None:
    for sort in ("deadline", "-deadline"):
        deadlines = [i["deadline"] for i in items(http, sort=sort)]
        dated = [d for d in deadlines if d]
        assert deadlines[: len(dated)] == dated, sort
        assert all(d is None for d in deadlines[len(dated) :])
        assert dated


def test_paging_links_stay_inside_the_result(http: Client) -> None:
    r = http.get("/api/commitments", params={"offset": 500, "limit": 50})
    total = r.json()["total"]
    links = r.json()["links"]
    last_offset = ((total - 1) // 50) * 50
    assert f"offset={last_offset}" in links["prev"]
    assert "next" not in links
    assert f'offset={last_offset}&limit=50>; rel="prev"' in r.headers["link"]


def test_counts_say_whether_they_include_parts_and_offer_both(http: Client) -> None:
    actors = {a["id"]: a for a in http.get("/api/actors").json()["items"]}
    bolag = actors["kommunala-bolag"]
    assert bolag["commitments_including_parts"] > bolag["commitments_count"]
    assert bolag["commitments_including_parts"] == len(
        ids(http, actor="kommunala-bolag", inherited="false")
    )
    assert bolag["commitments_including_inherited"] == len(ids(http, actor="kommunala-bolag"))
    assert bolag["commitments_count"] == len(
        ids(http, actor="kommunala-bolag", inherited="false", include_parts="false")
    )
    stats = http.get("/api/stats").json()
    assert stats["by"]["actor"]["kommunala-bolag"] == bolag["commitments_count"]
    assert (
        stats["by_including_parts"]["actor"]["kommunala-bolag"]
        == (bolag["commitments_including_parts"])
    )
    assert "parts" in stats["counting"]["by_including_parts"]


def test_a_clean_quote_text_beside_the_exact_quote(http: Client) -> None:
    every = items(http)
    broken = [i for i in every if "\n" in i["quote"]]
    assert broken, "the source has quotes across line breaks"
    for i in every:
        assert "\n" not in i["quote_text"]
        assert i["quote_text"] == " ".join(i["quote"].split())


def test_sparql_errors_say_where_and_what_was_expected(http: Client) -> None:
    query = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER (?s = ) }"
    r = http.get("/sparql", params={"query": query})
    assert r.status_code == 400
    body = r.json()
    assert body["line"] == 3
    assert isinstance(body["column"], int)
    excerpt_line, caret = body["excerpt"].split("\n")
    assert excerpt_line == "  FILTER (?s = ) }"
    assert caret.strip() == "^"
    assert "line 3" in body["detail"]
    assert body["expected"]
    r = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY"})
    body = r.json()
    assert "a name" in body["expected"]
    assert "\\u{" not in body["detail"]
    assert len(body["detail"]) < 300


# --- inherited actors and areas, pledges ---------------------------------------------------


def test_actor_and_area_count_what_a_statement_inherits(http: Client) -> None:
    found = ids(http, actor="polisen", area="vivalla")
    assert PLAN in found
    assert PLAN not in ids(http, actor="polisen", area="vivalla", inherited="false")
    plan = http.get(f"/api/commitments/{PLAN}").json()
    assert plan["inherited_areas"] == ["vivalla"]
    assert plan["refers_to"]
    # Every commitment found only by inheritance inherits the area (or one within it).
    only_inherited = ids(http, area="vivalla") - ids(http, area="vivalla", inherited="false")
    assert PLAN in only_inherited
    for i in items(http, area="vivalla"):
        if i["id"] in only_inherited:
            assert "vivalla" in i["inherited_areas"]


def test_pledge_filters_on_testable(http: Client) -> None:
    pledges = ids(http, pledge="true")
    others = ids(http, pledge="false")
    assert pledges == ids(http, testable="true")
    assert pledges
    assert others
    assert not pledges & others
    assert pledges | others == ids(http)


# --- documents ---------------------------------------------------------------------------


def test_the_service_description_links_ontology_void_and_named_queries(http: Client) -> None:
    r = http.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    seen = {str(o) for o in g.objects(None, RDFS.seeAlso)}
    assert f"{BASE}/ontology" in seen
    assert f"{BASE}/data/void.ttl" in seen
    assert f"{BASE}/api/queries" in seen
    assert f"{BASE}/api/queries/area-commitments" in seen


def test_the_data_index_lists_every_download(http: Client) -> None:
    page = http.get("/data/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    listing = http.get("/data/", headers={"Accept": "application/json"}).json()["items"]
    paths = {d["path"] for d in listing}
    routes = {
        r.path
        for r in flat_routes(http.app)
        if r.path.startswith("/data/") and "{" not in r.path and r.path != "/data/"
    }
    assert routes <= paths
    for d in listing:
        assert f'href="{d["path"]}"' in page.text
        assert http.get(d["path"]).status_code == 200, d["path"]
    assert {"/data/platform-graph.ttl", "/data/void.ttl"} <= paths


def test_void_counts_the_inferred_graph_apart(http: Client) -> None:
    g = Graph().parse(data=http.get("/data/void.ttl").text, format="turtle")
    names = {
        str(o)
        for o in g.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#name"))
    }
    assert str(INFERRED_GRAPH) in names


def test_every_successful_answer_has_a_schema_that_says_something(http: Client) -> None:
    """No ``{}`` (which says nothing) for any 2xx answer in any media type; writes say
    what they did; a route lists only media types it serves."""
    spec = http.get("/openapi.json").json()
    empty = [
        (method, path, code, media)
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
        for code, answer in op["responses"].items()
        if code.startswith("2")
        for media, content in (answer.get("content") or {}).items()
        if not content.get("schema")
    ]
    assert empty == []
    ok = spec["paths"]["/api/changes"]["post"]["responses"]["201"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/ChangeOutcome"}
    sparql = spec["paths"]["/sparql"]["get"]["responses"]["200"]["content"]
    assert sparql["application/sparql-results+json"]["schema"]["$ref"].endswith(
        "/SparqlJsonResults"
    )
    assert sparql["text/turtle"]["schema"] == {"type": "string"}
    log = spec["paths"]["/api/changes"]["get"]["responses"]["200"]["content"]
    assert log["application/json"]["schema"]["$ref"].endswith("/ChangeLog")
    # /id/ never answers application/json (406): the document does not offer it.
    assert (
        "application/json" not in spec["paths"]["/id/{path}"]["get"]["responses"]["200"]["content"]
    )
    assert http.get("/id/actor/polisen", headers={"Accept": "application/json"}).status_code == 406
    components = spec["components"]["schemas"]
    assert {"ChangeOutcome", "Validation", "Finding", "ChangeDetail"} <= set(components)
    # A model declared for a non-JSON response class is that model, not also a string.
    jsonld = spec["paths"]["/api/actors.jsonld"]["get"]["responses"]["200"]["content"]
    assert jsonld["application/ld+json"]["schema"] == {
        "$ref": "#/components/schemas/JsonLdDocument"
    }


@pytest.mark.parametrize("plural", ["actors", "areas", "themes"])
def test_resource_lists_are_in_swedish_order_of_their_labels(http: Client, plural: str) -> None:
    """Actors, areas and themes by their Swedish label, a–z then å, ä, ö (casefolded,
    other accents ignored): codepoint order would put ä before å and é after ö."""
    listed = http.get(f"/api/{plural}").json()["items"]
    labels = [i["label"]["sv"] for i in listed]
    assert all(labels), plural
    alphabet = "abcdefghijklmnopqrstuvwxyzåäö"

    def key(label: str) -> list[int]:
        out = []
        for ch in label.casefold():
            base = ch if ch in alphabet else unicodedata.normalize("NFKD", ch)[0]
            out.append(alphabet.index(base) + 1000 if base in alphabet else ord(base))
        return out

    assert [key(x) for x in labels] == sorted(key(x) for x in labels)
    # The CSV and the page list them in the same order.
    csv_ids = [
        row["id"] for row in csv.DictReader(io.StringIO(http.get(f"/api/{plural}.csv").text))
    ]
    assert csv_ids == [i["id"] for i in listed]
    page = http.get(f"/browse/{plural}", headers={"Accept": "text/html"}).text
    # Each row's first cell links the resource (later cells may link its parent).
    kind = plural.removesuffix("s")
    rows = re.findall(rf'<tr>\s*<td><a href="/id/{kind}/([^"]+)">', page)
    assert rows == [i["id"] for i in listed]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/changes", [("limt", "3")], "limt"),
        ("/api/changes", [("limit", "1"), ("limit", "2")], "limit"),
        (f"/api/commitments/{PLAN}/assessments", [("ofset", "1")], "ofset"),
        (f"/api/commitments/{PLAN}/assessments", [("limit", "1"), ("limit", "2")], "limit"),
    ],
)
def test_the_change_log_and_assessments_are_strict_too(
    http: Client, path: str, params: list[tuple[str, str]], named: str
) -> None:
    """Everything under /api/ refuses what it does not take, writes' reads included."""
    r = http.get(f"{path}?{urlencode(params)}")
    assert r.status_code == 422, r.text
    assert [e["parameter"] for e in r.json()["errors"]] == [named]
    assert http.get(path, params={"limit": 1}).status_code == 200


CLEAN_QUOTES = """PREFIX pg: <https://w3id.org/platform-graph/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?c ?text WHERE {
  ?c a pg:Commitment ; oa:hasSelector ?q . ?q oa:exact ?exact .
  BIND (REPLACE(REPLACE(?exact, "^\\\\s+|\\\\s+$", ""), "\\\\s+", " ") AS ?text)
}"""


def test_sparql_gets_the_clean_quote_text_as_docs_api_says(http: Client) -> None:
    """The expression docs/api.md gives SPARQL users is the API's quote_text, exactly."""
    expression = 'REPLACE(REPLACE(?exact, "^\\\\s+|\\\\s+$", ""), "\\\\s+", " ")'
    assert expression in CLEAN_QUOTES
    assert f"`{expression}`" in DOCS_API.read_text(encoding="utf-8")
    r = http.post(
        "/sparql",
        content=CLEAN_QUOTES,
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    assert r.status_code == 200, r.text
    by_sparql = {
        b["c"]["value"].rsplit("/", 1)[-1]: b["text"]["value"]
        for b in r.json()["results"]["bindings"]
    }
    by_api = {i["id"]: i["quote_text"] for i in items(http)}
    assert by_sparql == by_api
