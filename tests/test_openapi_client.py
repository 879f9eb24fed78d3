"""A typed client generated from the OpenAPI document by openapi-python-client (the dev
extra) reads JSON, CSV and JSON-LD from the running service: every answer has a
response model, and every format a route serves is in the document."""

from __future__ import annotations

import csv
import importlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.server import RunningServer

pytestmark = pytest.mark.server
PACKAGE = "platform_graph_client"


@pytest.fixture(scope="module")
def generated(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("client")
    with server.client() as http:
        (work / "openapi.json").write_text(http.get("/openapi.json").text, encoding="utf-8")
    # No formatter hooks: the generated code is imported, not committed.
    (work / "config.yml").write_text("post_hooks: []\n", encoding="utf-8")
    cli = Path(sys.executable).parent / "openapi-python-client"
    proc = subprocess.run(
        [
            str(cli),
            "generate",
            "--path",
            str(work / "openapi.json"),
            "--output-path",
            str(work / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(work / "config.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sys.path.insert(0, str(work))
    try:
        yield work
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def client(generated: Path, server: RunningServer) -> Iterator[Any]:
    made = module("client").Client(base_url=server.url, raise_on_unexpected_status=True)
    with made as opened:
        yield opened


def test_json_answers_are_typed_models(client: Any) -> None:
    page = module("api.rest.list_commitments").sync(client=client, actor=["polisen"], limit=5)
    models = module("models")
    assert isinstance(page, models.CommitmentPage)
    assert page.total >= len(page.items) > 0
    first = page.items[0]
    assert isinstance(first, models.Commitment)
    assert isinstance(first.title.sv, str)
    assert isinstance(first.span.start, int)
    assert first.quote_text == " ".join(first.quote.split())
    assert page.links.first.startswith("http")
    actors = module("api.rest.list_actors").sync(client=client)
    assert isinstance(actors, models.ResourceList)
    assert any(a.id == "polisen" for a in actors.items)
    stats = module("api.rest.stats").sync(client=client)
    assert isinstance(stats, models.Stats)
    assert stats.commitments == page.total or stats.commitments > 0
    named = module("api.named_queries.query_area_commitments_api_queries_area_commitments_get")
    result = named.sync(client=client, area="vivalla")
    assert isinstance(result, models.NamedQueryResult)
    assert result.truncated is False
    assert result.rows


def test_csv_by_its_own_typed_function(client: Any) -> None:
    text = module("api.rest.list_commitments_csv").sync(client=client, actor=["polisen"])
    assert isinstance(text, str)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert {"title_sv", "title_en", "actors_responsible", "quote_text"} <= set(rows[0])
    json_total = module("api.rest.list_commitments").sync(client=client, actor=["polisen"]).total
    assert len(rows) == json_total


def test_json_ld_by_its_own_typed_function(client: Any) -> None:
    doc = module("api.rest.list_commitments_jsonld").sync(client=client, limit=3)
    assert isinstance(doc, module("models").JsonLdDocument)
    assert doc.context.endswith("/api/contexts/1.jsonld")
    collection = [
        n for n in doc.graph if n.additional_properties.get("@type") == "hydra:Collection"
    ]
    assert len(collection) == 1
    assert len(collection[0].additional_properties["hydra:member"]) == 3
