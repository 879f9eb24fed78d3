"""One source of truth (issue 15): the store is the built graph plus the change log.

A real server on a copy of the project's content: assessments and a title correction are
made over HTTP; the curator then edits titles in the YAML and rebuilds; on the next
start the change log is replayed onto the new base. The new curated title is served,
the assessments (and the status they set) are kept, and the logged correction the
curator's edit contradicts is kept in the log as not applied, with its reason in Swedish
and English, the rest still applied. ``platform-graph rebase`` does the same offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.swap import backup_path
from platform_graph.write.change_log import read_base
from platform_graph.write.tokens import hash_token
from tests.support.server import BACKEND, RunningServer, start_server

REPO = Path(__file__).resolve().parents[1]
EDITOR = "pgt_rebase-editor-0123456789abcdef"
ADMIN = "pgt_rebase-admin-0123456789abcdefg"
ID = "https://w3id.org/platform-graph/id/commitment/"
DCT_TITLE = "http://purl.org/dc/terms/title"
DATA = "https://w3id.org/platform-graph/graph/data"
# Assessed, then its curated titles corrected (Swedish and English): both must survive.
ASSESSED = "trygghet-en-miljard-atta-ar"
ASSESSED_FILE = "data/curation/05-trygghet.yaml"
OLD_EN = "One billion kronor over eight years for residents' safety"
NEW_EN = "One billion kronor over eight years for the safety of Örebro's residents"
OLD_ASSESSED_SV = "En miljard kronor över åtta år till örebroarnas trygghet"
NEW_ASSESSED_SV = "En miljard kronor på åtta år till örebroarnas trygghet"
# Its Swedish title corrected over HTTP, then differently in the YAML: the logged
# correction removes a triple the new base no longer has.
CORRECTED = "trygghet-tranga-tillbaka-gang-narkotikahandel"
CORRECTED_FILE = "data/curation/05-trygghet.yaml"
OLD_SV = "Gängen och narkotikahandeln ska trängas tillbaka"
HTTP_SV = "Gängen och narkotikahandeln ska trängas undan"
CURATED_SV = "Gängen och den öppna narkotikahandeln ska trängas tillbaka"
EN = "Gangs and the drug trade are to be pushed back"


def _copy_content(root: Path) -> None:
    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(REPO / name, root / name)


def _env(root: Path, work: Path) -> dict[str, str]:
    return {
        "PLATFORM_GRAPH_ROOT": str(root),
        "PLATFORM_GRAPH_HOME": str(work),
        "PLATFORM_GRAPH_BUILD_DIR": str(work / "build"),
        "PLATFORM_GRAPH_TOKENS": (
            f"curator:editor:{hash_token(EDITOR)},boss:admin:{hash_token(ADMIN)}"
        ),
    }


def _cli(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _assess(client: httpx.Client, status: str, day: str) -> int:
    resp = client.post(
        f"/api/commitments/{ASSESSED}/assessments",
        json={
            "status": status,
            "date": day,
            "assessor": "Anna Öberg",
            "evidence": ["https://www.orebro.se/"],
        },
        headers={"Authorization": f"Bearer {EDITOR}"},
    )
    assert resp.status_code == 201, resp.text
    n: int = resp.json()["change"]["id"]
    return n


def _correct_title(client: httpx.Client) -> int:
    s = f"<{ID}{CORRECTED}> <{DCT_TITLE}>"
    resp = client.post(
        "/api/changes",
        json={
            "message": "Rubriken rättad",
            "remove": f'{s} "{OLD_SV}"@sv .',
            "add": f'{s} "{HTTP_SV}"@sv .',
            "format": "application/n-triples",
        },
        headers={"Authorization": f"Bearer {EDITOR}"},
    )
    assert resp.status_code == 201, resp.text
    n: int = resp.json()["id"] if "id" in resp.json() else resp.json()["change"]["id"]
    return n


def _commitment(client: httpx.Client, name: str) -> dict[str, object]:
    resp = client.get(f"/api/commitments/{name}")
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


def _changes(client: httpx.Client) -> dict[int, dict[str, object]]:
    items = client.get("/api/changes", params={"limit": 500}).json()["items"]
    return {int(c["id"]): c for c in items}


def _first_run(work: Path, env: Mapping[str, str]) -> tuple[int, int, int]:
    server = start_server(work, store=work / "store", env=env)
    try:
        with server.client() as client:
            a = _assess(client, "in-progress", "2024-03-01")
            b = _assess(client, "fulfilled", "2025-09-15")
            c = _correct_title(client)
            assert _commitment(client, ASSESSED)["status"] == "fulfilled"
            assert _commitment(client, CORRECTED)["title"] == {
                "sv": HTTP_SV,
                "en": EN,
            }
    finally:
        server.stop()
    return a, b, c


def test_curated_edit_reaches_the_service_and_the_log_is_replayed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    work = tmp_path_factory.mktemp("rebase")
    root = work / "content"
    _copy_content(root)
    env = _env(root, work)
    a, b, c = _first_run(work, env)

    # The curator corrects two titles and rebuilds, as `make serve` does.
    _edit(root, ASSESSED_FILE, OLD_EN, NEW_EN)
    _edit(root, ASSESSED_FILE, f"sv: {OLD_ASSESSED_SV}", f"sv: {NEW_ASSESSED_SV}")
    _edit(root, CORRECTED_FILE, f"sv: {OLD_SV}", f"sv: {CURATED_SV}")
    built = _cli(env, "build")
    assert built.returncode == 0, built.stderr

    server: RunningServer = start_server(work, store=work / "store", env=env)
    try:
        with server.client() as client:
            assessed = _commitment(client, ASSESSED)
            assert assessed["title"] == {
                "sv": NEW_ASSESSED_SV,
                "en": NEW_EN,
            }
            assert assessed["status"] == "fulfilled"  # the latest assessment's
            corrected = _commitment(client, CORRECTED)
            assert corrected["title"] == {
                "sv": CURATED_SV,
                "en": EN,
            }
            log = _changes(client)
            assert log[a]["applied"] is True
            assert log[b]["applied"] is True
            assert log[c]["applied"] is False
            unapplied = log[c]["unapplied"]
            assert isinstance(unapplied, dict)
            assert unapplied["rule"] == "triple-gone"
            assert OLD_SV in unapplied["reason"]["sv"]
            assert OLD_SV in unapplied["reason"]["en"]
            rebase = max(log)
            assert rebase > c
            assert unapplied["found_by"]["id"] == rebase
            # The data and the log agree: reverting the later assessment gives the
            # earlier one's status, on the new base.
            resp = client.post(
                f"/api/changes/{b}/revert", headers={"Authorization": f"Bearer {ADMIN}"}
            )
            assert resp.status_code == 201, resp.text
            assert _commitment(client, ASSESSED)["status"] == "in-progress"
            assert _commitment(client, ASSESSED)["title"]["en"] == NEW_EN  # type: ignore[index]
        said = server.log.read_text(encoding="utf-8", errors="replace")
        assert f"change {c}" in said
        assert "NOT applied" in said
    finally:
        server.stop()
    if BACKEND == "embedded":
        assert backup_path(work / "store").is_dir()  # the store before, kept

    # Started again on the same build: nothing more to replay, nothing lost.
    server = start_server(work, store=work / "store", env=env)
    try:
        with server.client() as client:
            assert max(_changes(client)) == rebase + 1  # the revert, no second rebase
            assert _commitment(client, ASSESSED)["status"] == "in-progress"
    finally:
        server.stop()


# The offline command works on the embedded store's folder (and its backup): it is part
# of the main pass, not of the Virtuoso one.
if BACKEND == "embedded":

    def test_rebase_command_offline(tmp_path_factory: pytest.TempPathFactory) -> None:
        work = tmp_path_factory.mktemp("rebase-cli")
        root = work / "content"
        _copy_content(root)
        env = _env(root, work)
        a, b, c = _first_run(work, env)
        _edit(root, CORRECTED_FILE, f"sv: {OLD_SV}", f"sv: {CURATED_SV}")

        dry = _cli(env, "rebase", "--store", str(work / "store"), "--dry-run", "--json")
        assert dry.returncode == 1, dry.stderr  # a change no longer applies
        out = json.loads(dry.stdout)
        assert out["action"] == "would-rebase"
        outcomes = {ch["id"]: ch["outcome"] for ch in out["report"]["changes"]}
        assert outcomes[a] == outcomes[b] == "applied"
        assert outcomes[c] == "unapplied"
        store = OxigraphStore(work / "store")
        recorded = read_base(store)
        assert recorded is not None
        assert recorded.hash != out["report"]["to"]
        del store

        done = _cli(env, "rebase", "--store", str(work / "store"), "--no-build")
        assert done.returncode == 1, done.stderr
        assert f"change {c}" in done.stdout
        assert "NOT applied" in done.stdout
        again = _cli(env, "rebase", "--store", str(work / "store"), "--no-build")
        assert again.returncode == 0, again.stderr + again.stdout
        assert "nothing to do" in again.stdout
