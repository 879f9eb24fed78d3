"""The URL tables of README.md and docs/api.md stay true: every path they list answers
(a route of the app takes it: no 404 from routing), and every route of the app is listed
(docs/api.md's "Every URL" table whole, README's tables together)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from platform_graph.http.routes import flat_routes
from tests.support.inprocess import Client

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = {"README.md": ROOT / "README.md", "docs/api.md": ROOT / "docs" / "api.md"}
_PLACEHOLDER = re.compile(r"\{[^}]*\}|…")
# A value for a placeholder, by the path segment before it.
SAMPLES = {
    "commitments": "trygghet-vivalla-plan-i-dialog",
    "actors": "polisen",
    "areas": "vivalla",
    "themes": "trygghet",
    "sections": "trygghet",
    "api": "actors",
    "browse": "commitments",
    "queries": "area-commitments",
    "id": "actor/polisen",
    "data": "void.ttl",
    "changes": "1",
    "tokens": "someone",
    "rdf-graphs": "no-such-graph",
    "static": "style.css",
}


def listed_paths(text: str) -> list[str]:
    """The paths in the first cell of every table row (`.xlsx` after `/a.csv` is `/a.xlsx`)."""
    found: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cell = line.split("|")[1]
        previous = None
        for token in re.findall(r"`([^`]+)`", cell):
            if token.startswith("/"):
                path = token.split("?")[0]
            elif token.startswith(".") and previous is not None and "." in previous:
                path = previous.rsplit(".", 1)[0] + token
            else:
                continue
            found.append(path)
            previous = path
    return found


def every_url_table(text: str) -> str:
    start = text.index("## Every URL")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _pattern(listed: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(listed)
    return re.compile(".+".join(re.escape(p) for p in parts))


def _route_paths(http: Client) -> set[str]:
    out = set()
    for r in flat_routes(http.app):
        path = re.sub(r"\{[^}]*\}", "{}", r.path)
        if not r.methods:  # a mount: the files under it
            path += "/{}"
        out.add(path)
    return out


def _sample(listed: str) -> str:
    segments = listed.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        if _PLACEHOLDER.search(segment):
            before = out[i - 1] if i > 0 else ""
            value = SAMPLES.get(before, SAMPLES.get(segments[i - 1], "x"))
            segment = _PLACEHOLDER.sub(value, segment)
        out.append(segment)
    return "/".join(out)


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_every_listed_path_answers(http: Client, document: str) -> None:
    paths = listed_paths(DOCUMENTS[document].read_text(encoding="utf-8"))
    assert len(paths) > 20
    for listed in paths:
        url = _sample(listed)
        r = http.get(url, headers={"Accept": "*/*"}, follow_redirects=False)
        routed = r.status_code != 404 or (
            r.headers.get("content-type", "").startswith("application/problem+json")
            and r.json().get("detail") != "Not Found"
        )
        assert routed, (document, listed, url, r.status_code, r.text[:200])


def test_docs_list_every_route(http: Client) -> None:
    listed = listed_paths(every_url_table(DOCUMENTS["docs/api.md"].read_text(encoding="utf-8")))
    patterns = [_pattern(p) for p in listed]
    missing = sorted(p for p in _route_paths(http) if not any(x.fullmatch(p) for x in patterns))
    assert missing == [], f"routes not in docs/api.md's URL table: {missing}"


def test_readme_lists_every_route(http: Client) -> None:
    listed = listed_paths(DOCUMENTS["README.md"].read_text(encoding="utf-8"))
    patterns = [_pattern(p) for p in listed]
    missing = sorted(p for p in _route_paths(http) if not any(x.fullmatch(p) for x in patterns))
    assert missing == [], f"routes not in README's tables: {missing}"
