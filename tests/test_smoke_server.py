"""The service as a newcomer starts it: it answers on every surface."""

from __future__ import annotations

import httpx


def test_the_server_answers_sparql_rest_and_linked_data(real_http: httpx.Client) -> None:
    assert real_http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
    assert real_http.get("/api/commitments").json()["total"] > 100
    assert real_http.get("/id/area/vivalla").status_code == 200
    # HEAD over a real socket: the GET's headers, and no body to read.
    head = real_http.head("/api/commitments")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 1000


def test_the_api_documentation_is_served_locally(real_http: httpx.Client) -> None:
    import re

    page = real_http.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls
    assert all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert real_http.get(url).status_code == 200, url
