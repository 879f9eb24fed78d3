"""The read model's list of every commitment kept beside the store: written by import,
read by the next start only for the very store and state it was written for; any write
since, another store, or a file that does not parse, and the list is built again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from platform_graph.build.graph import BuildResult
from platform_graph.read.model import Commitment
from platform_graph.read.model_file import discard, key_for, model_path, read, write
from platform_graph.vocab.namespaces import ID, PG
from platform_graph.write.tokens import hash_token
from tests.support.server import RunningServer, start_server

EDITOR = "pgt_model-file-editor-0123456789abcdefghijkl"
NARKOTIKA = "trygghet-narkotikateam"


def _commitment(n: int) -> Commitment:
    return Commitment(
        id=f"c{n}",
        iri=f"{ID}commitment/c{n}",
        title={"sv": f"Åtagande {n}", "en": None},
        quote="Vi ska.",
        span={"start": n, "end": n + 7},
        section="s",
        position=n,
        strength="binding",
        kind="k",
        change="c",
        testable=True,
        deadline=None,
        period=None,
        amount_sek=1.5,
        status="s",
        platform="p",
        themes=["t"],
        actors=[{"id": "polisen", "role": "responsible"}],
    )


def test_a_list_is_read_back_only_under_its_own_key(tmp_path: Path) -> None:
    path = model_path(tmp_path / "store")
    assert path == tmp_path / "store.read-model.json"
    items = [_commitment(1), _commitment(2)]
    write(path, key_for("id-1", 7), items)
    assert read(path, key_for("id-1", 7)) == items
    assert read(path, key_for("id-1", 8)) is None  # a write since
    assert read(path, key_for("id-2", 7)) is None  # another store
    path.write_text('{"key": ' + json.dumps(key_for("id-1", 7)) + ', "commitments": [{"x"')
    assert read(path, key_for("id-1", 7)) is None  # cut short: built again
    discard(path)
    discard(path)
    assert not path.exists()
    assert read(path, key_for("id-1", 7)) is None


def _import(data: Path, store: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", "import", str(data), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _serve(work: Path, store: Path) -> RunningServer:
    return start_server(
        work,
        store=store,
        env={
            "PLATFORM_GRAPH_TOKENS": f"editor:editor:{hash_token(EDITOR)}",
            "PLATFORM_GRAPH_TOKENS_FILE": str(work / "tokens.json"),
        },
    )


def _listing(client: httpx.Client) -> dict[str, object]:
    resp = client.get("/api/commitments", params={"limit": 1000})
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    body.pop("links")  # they name the server's own port
    return body


def _key_head(path: Path) -> int:
    head: int = json.loads(path.read_text(encoding="utf-8"))["key"]["head"]
    return head


def test_a_start_on_an_imported_store_answers_as_one_that_builds_its_list(
    tmp_path: Path, built: BuildResult
) -> None:
    data = tmp_path / "platform.nq"
    data.write_bytes(built.nquads())
    listings = []
    for kept in (True, False):
        work = tmp_path / ("kept" if kept else "built")
        work.mkdir()
        store = work / "store"
        _import(data, store)
        path = model_path(store)
        assert path.exists()
        if not kept:
            path.unlink()
        server = _serve(work, store)
        try:
            with server.client() as client:
                listings.append(_listing(client))
        finally:
            server.stop()
        assert path.exists()  # written by import, or by the start that built the list
    assert listings[0] == listings[1]
    assert listings[0]["total"] > 100  # type: ignore[operator]


def test_a_file_from_before_a_write_is_never_served(tmp_path: Path, built: BuildResult) -> None:
    data = tmp_path / "platform.nq"
    data.write_bytes(built.nquads())
    store = tmp_path / "store"
    _import(data, store)
    path = model_path(store)
    imported_head = _key_head(path)
    server = _serve(tmp_path, store)
    vivalla = f"{ID}area/vivalla"
    try:
        with server.client() as client:
            before = client.get(f"/api/commitments/{NARKOTIKA}").json()
            assert "vivalla" not in before["areas"]
            triple = f"<{ID}commitment/{NARKOTIKA}> <{PG}concernsArea> <{vivalla}> ."
            change = {"message": "m", "add": triple, "format": "application/n-triples"}
            resp = client.post(
                "/api/changes", json=change, headers={"Authorization": f"Bearer {EDITOR}"}
            )
            assert resp.status_code == 201, resp.text
    finally:
        server.stop()
    assert _key_head(path) == imported_head  # the file still describes the import
    server = _serve(tmp_path, store)
    try:
        with server.client() as client:
            after = client.get(f"/api/commitments/{NARKOTIKA}").json()
            assert "vivalla" in after["areas"]
            # The start built the list again, and wrote it for the store as it is now.
            deadline = time.monotonic() + 60
            while _key_head(path) == imported_head and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _key_head(path) == imported_head + 1
    finally:
        server.stop()
