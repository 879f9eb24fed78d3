"""Each resource has its own version (issue 15): a write about commitment X with X's ETag
in If-Match succeeds after an unrelated write and gets 412 after a write to X; reads of
one resource carry its ETag and answer If-None-Match with 304.

The service runs in this process over ASGI; each test works on commitments of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from platform_graph.build.graph import BuildResult
from platform_graph.config import Paths
from platform_graph.store import Store
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.vocab.namespaces import DATA_GRAPH, ID, OA
from platform_graph.vocab.namespaces import PG as PGNS
from platform_graph.write.resource_versions import matches, parse_if_match, resource_etag
from platform_graph.write.writer import PreconditionFailed, Writer
from tests.support.inprocess import EDITOR, auth, platform_store, service

PG = "https://w3id.org/platform-graph/ontology#"


@pytest.fixture(scope="module")
def svc(built: BuildResult) -> Iterator[TestClient]:
    with service(platform_store(built), query_timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def commitments(svc: TestClient) -> Iterator[str]:
    items = svc.get("/api/commitments", params={"limit": 300}).json()["items"]
    return iter([c["id"] for c in items if c["status"] == "not-yet-rated"])


ASSESSMENT = {
    "status": "in-progress",
    "date": "2025-03-01",
    "assessor": "Anna Öberg",
    "evidence": ["https://www.orebro.se/"],
}


def assess(
    client: TestClient, commitment: str, if_match: str | None = None, **extra: str
) -> httpx2.Response:
    headers = auth(EDITOR) | ({"If-Match": if_match} if if_match is not None else {})
    return client.post(
        f"/api/commitments/{commitment}/assessments",
        json={**ASSESSMENT, **extra},
        headers=headers,
    )


def etag_of(client: TestClient, commitment: str) -> str:
    response = client.get(f"/api/commitments/{commitment}")
    assert response.status_code == 200
    etag: str = response.headers["ETag"]
    return etag


def test_a_write_elsewhere_leaves_the_etag_and_a_write_here_moves_it(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x, y = next(commitments), next(commitments)
    etag = etag_of(svc, x)
    assert etag.startswith('"r-')
    assert svc.get(f"/api/commitments/{x}", headers={"If-None-Match": etag}).status_code == 304
    # An assessment of another commitment: X's ETag stays, and a write based on it works.
    assert assess(svc, y).status_code == 201
    assert etag_of(svc, x) == etag
    assert svc.get(f"/api/commitments/{x}", headers={"If-None-Match": etag}).status_code == 304
    ok = assess(svc, x, if_match=etag)
    assert ok.status_code == 201, ok.text
    # The answer's ETag is X's new one: the If-Match of a next write about it.
    assert ok.headers["ETag"] == etag_of(svc, x) != etag
    assert ok.json()["resources"] == [{"iri": f"{ID}commitment/{x}", "etag": ok.headers["ETag"]}]


def test_a_stale_etag_gets_412_naming_the_resource_and_the_change(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x = next(commitments)
    read = etag_of(svc, x)
    # Another editor assesses X meanwhile.
    theirs = assess(svc, x, status="stalled", date="2025-04-01")
    assert theirs.status_code == 201
    their_change = theirs.json()["change"]["id"]
    total = svc.get("/api/changes").json()["total"]
    mine = assess(svc, x, if_match=read, status="fulfilled")
    assert mine.status_code == 412, mine.text
    assert mine.headers["content-type"].startswith("application/problem+json")
    problem = mine.json()
    assert problem["resource"] == f"{ID}commitment/{x}"
    assert problem["current_etag"] == etag_of(svc, x)
    assert problem["dataset_etag"] == svc.get("/api/changes").headers["ETag"]
    assert problem["changed_by"] == {
        "id": their_change,
        "iri": f"{ID}change/{their_change}",
        "href": f"/api/changes/{their_change}",
    }
    [error] = problem["errors"]
    assert f"ändring {their_change}" in error["message"]["sv"]
    assert f"change {their_change}" in error["message"]["en"]
    # Nothing changed.
    assert svc.get("/api/changes").json()["total"] == total
    assert svc.get(f"/api/commitments/{x}").json()["status"] == "stalled"


def test_the_dataset_etag_is_still_taken_and_still_goes_stale(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x, y = next(commitments), next(commitments)
    dataset = svc.get("/api/changes").headers["ETag"]
    assert dataset.strip('"').isdigit()
    assert assess(svc, x, if_match=dataset).status_code == 201
    # The dataset's ETag moved with that write: a write about Y based on it is stale.
    stale = assess(svc, y, if_match=dataset)
    assert stale.status_code == 412
    assert stale.json()["resource"] == f"{ID}commitment/{y}"
    assert stale.json()["changed_by"] is None  # Y itself has not changed since the base
    assert assess(svc, y, if_match="*").status_code == 201


def test_the_change_set_api_keeps_the_dataset_etag(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x, y = next(commitments), next(commitments)
    etag = etag_of(svc, x)
    assert assess(svc, y).status_code == 201
    triple = f"<{ID}commitment/{x}> <{PG}concernsArea> <{ID}area/varberga> ."
    change = {"message": "m", "add": triple, "format": "application/n-triples"}
    # A change set may touch anything: a resource's ETag is not its precondition.
    refused = svc.post("/api/changes", json=change, headers=auth(EDITOR) | {"If-Match": etag})
    assert refused.status_code == 412
    assert refused.json()["resource"] is None
    current = svc.get("/api/changes").headers["ETag"]
    applied = svc.post("/api/changes", json=change, headers=auth(EDITOR) | {"If-Match": current})
    assert applied.status_code == 201, applied.text
    assert etag_of(svc, x) != etag


def test_each_format_has_its_own_etag_and_if_match_takes_any(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x = next(commitments)
    url = f"/api/commitments/{x}"
    plain = svc.get(url).headers["ETag"]
    as_csv = svc.get(url, params={"format": "csv"}).headers["ETag"]
    as_jsonld = svc.get(url, headers={"Accept": "application/ld+json"}).headers["ETag"]
    assert as_csv == plain[:-1] + '.csv"'
    assert as_jsonld == plain[:-1] + '.jsonld"'
    assert (
        svc.get(url, params={"format": "csv"}, headers={"If-None-Match": as_csv}).status_code == 304
    )
    assert svc.get(url, params={"format": "csv"}, headers={"If-None-Match": plain}).status_code == (
        200
    )
    assert assess(svc, x, if_match=as_csv).status_code == 201


def test_linked_data_and_pages_carry_their_own_validators(
    svc: TestClient, commitments: Iterator[str]
) -> None:
    x, y = next(commitments), next(commitments)
    url = f"/id/commitment/{x}"
    turtle = svc.get(url, headers={"Accept": "text/turtle"})
    assert turtle.headers["ETag"] == etag_of(svc, x)[:-1] + '.ttl"'
    assert (
        svc.get(
            url, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]}
        ).status_code
        == 304
    )
    as_file = svc.get(f"{url}.ttl")
    assert as_file.headers["ETag"] == turtle.headers["ETag"]
    page = svc.get(url, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["ETag"].startswith('"h-')
    english = svc.get(url, params={"lang": "en"}, headers={"Accept": "text/html"})
    assert english.headers["ETag"] != page.headers["ETag"]
    # A write elsewhere: the resource's validators hold.
    assert assess(svc, y).status_code == 201
    again = {"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]}
    assert svc.get(url, headers=again).status_code == 304
    # A write here: they move.
    assert assess(svc, x).status_code == 201
    assert svc.get(url, headers=again).status_code == 200


def test_an_actor_shows_its_commitments_titles_and_its_etag_follows_them(
    svc: TestClient,
) -> None:
    actor = svc.get("/api/actors/polisen")
    etag = actor.headers["ETag"]
    assert etag.startswith('"h-')
    assert svc.get("/api/actors/polisen", headers={"If-None-Match": etag}).status_code == 304
    named = actor.json()["commitments"][0]
    old = named["title"]["en"]
    change = {
        "message": "a better English title",
        "format": "application/n-triples",
        "remove": f'<{ID}commitment/{named["id"]}> <http://purl.org/dc/terms/title> "{old}"@en .',
        "add": f'<{ID}commitment/{named["id"]}> <http://purl.org/dc/terms/title> "{old}!"@en .',
    }
    assert svc.post("/api/changes", json=change, headers=auth(EDITOR)).status_code == 201
    after = svc.get("/api/actors/polisen", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["commitments"][0]["title"]["en"] == f"{old}!"


def test_a_writer_takes_several_resources_and_their_owned_nodes_count(
    built: BuildResult, paths: Paths
) -> None:
    store = platform_store(built)
    writer = Writer(store, Validator(load_shapes(paths.shapes)))
    ids = [str(s).rsplit("/", 1)[-1] for s in _commitments(store)][:2]
    x, y = (URIRef(ID[f"commitment/{i}"]) for i in ids)
    ex, ey = writer.resource_etag(x), writer.resource_etag(y)
    triple = (x, URIRef(PG + "concernsArea"), URIRef(ID["area/varberga"]), DATA_GRAPH)
    outcome = writer.submit(
        add=[triple], remove=[], author="t", message="m", resources=(x, y), if_match=f"{ex}, {ey}"
    )
    assert outcome.status == "applied", outcome.report.to_text()
    assert outcome.resource_etags[y] == ey != outcome.resource_etags[x]
    with pytest.raises(PreconditionFailed) as stale:
        writer.submit(
            add=[],
            remove=[triple],
            author="t",
            message="m",
            resources=(x, y),
            if_match=f"{ex}, {ey}",
        )
    assert stale.value.resource == x
    assert stale.value.last_change == 1
    # The quote a commitment owns (its #quote selector) is part of its version.
    quote = next(o for _, _, o, _ in store.quads(x, OA.hasSelector) if str(o).endswith("#quote"))
    before = writer.resource_etag(x)
    [(s, p, o, g)] = store.quads(quote, OA.exact)  # type: ignore[arg-type]
    store.apply([(s, p, o, g)], [(s, p, Literal(f"{o} "), g)])
    # Written past the writer (which keeps ETags per dataset version): a writer afresh.
    fresh = Writer(store, Validator(load_shapes(paths.shapes)))
    assert fresh.resource_etag(x) != before
    assert fresh.resource_etag(y) == ey
    assert writer.resource_etag(x) == before  # kept for the version it was computed at


def _commitments(store: Store) -> list[URIRef]:
    found = {s for s, _, _, _ in store.quads(None, RDF.type, PGNS.Commitment)}
    return sorted((s for s in found if isinstance(s, URIRef)), key=str)


def test_if_match_is_read_as_rfc_9110_says() -> None:
    assert parse_if_match("*") is None
    assert parse_if_match('"a", W/"b" ,"c"') == ['"a"', '"c"']
    assert matches(parse_if_match('"r-ab12.csv"'), '"r-ab12"')
    assert matches(parse_if_match('"r-ab12"'), '"r-ab12.ttl"')
    assert not matches(parse_if_match('W/"r-ab12"'), '"r-ab12"')  # weak never matches
    assert not matches(parse_if_match('"r-ab13"'), '"r-ab12"')
    assert matches(None, '"anything"')
    assert not matches(parse_if_match("3"), '"3"')


def test_the_version_leaves_the_change_log_out(built: BuildResult) -> None:
    store = platform_store(built)
    x = URIRef(ID["actor/polisen"])
    before = resource_etag(store, x)
    # A statement in the change log that names the actor is not the actor's data.
    log = URIRef("https://w3id.org/platform-graph/graph/changes")
    st = URIRef(ID["change/1#added-1"])
    store.apply([], [(st, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"), x, log)])
    assert resource_etag(store, x) == before
