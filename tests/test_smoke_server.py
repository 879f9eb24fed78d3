"""The service as a newcomer starts it: it answers on every surface."""

from __future__ import annotations

import httpx


def test_the_server_answers_sparql_rest_and_linked_data(http: httpx.Client) -> None:
    assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
    assert http.get("/api/commitments").json()["total"] > 100
    assert http.get("/id/area/vivalla").status_code == 200
