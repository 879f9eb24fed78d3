"""The command line as a user runs it: a real process, real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from platform_graph.vocab.namespaces import DATA_GRAPH, ONTOLOGY_GRAPH, THEMES_GRAPH


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    proc = run("build", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "validating" in proc.stderr  # progress is shown
    return out


def test_build_writes_turtle_and_nquads_with_one_graph_per_part(built_dir: Path) -> None:
    ttl = built_dir / "platform-graph.ttl"
    nq = built_dir / "platform-graph.nq"
    assert len(Graph().parse(data=ttl.read_text(encoding="utf-8"), format="turtle")) > 5000
    names = {q.graph_name.value for q in ox.parse(path=nq, format=ox.RdfFormat.N_QUADS)}
    assert names == {str(ONTOLOGY_GRAPH), str(THEMES_GRAPH), str(DATA_GRAPH)}


def test_validate_a_conforming_file_exits_0(built_dir: Path) -> None:
    proc = run("validate", str(built_dir / "platform-graph.ttl"))
    assert proc.returncode == 0, proc.stdout
    assert "conforms: 0 violation(s)" in proc.stdout


def test_validate_a_misquote_exits_1_with_the_message(built_dir: Path, tmp_path: Path) -> None:
    text = (built_dir / "platform-graph.ttl").read_text(encoding="utf-8")
    broken = text.replace("Vivalla senast år 2027", "Vivalla senast år 2030", 1)
    assert broken != text
    path = tmp_path / "misquote.ttl"
    path.write_text(broken, encoding="utf-8")
    proc = run("validate", str(path))
    assert proc.returncode == 1
    assert "Felcitat" in proc.stdout
    assert "Misquote" in proc.stdout
    assert "trygghet-vivalla-ej-sarskilt-utsatt-2027" in proc.stdout


def test_validate_json_report(built_dir: Path, tmp_path: Path) -> None:
    text = (built_dir / "platform-graph.ttl").read_text(encoding="utf-8")
    path = tmp_path / "misquote.ttl"
    path.write_text(
        text.replace("Vivalla senast år 2027", "Vivalla senast år 2030", 1), encoding="utf-8"
    )
    proc = run("validate", "--format", "json", str(path))
    report = json.loads(proc.stdout)
    assert report["conforms"] is False
    assert report["violations"] == 1
    [result] = report["results"]
    assert result["severity"] == "violation"
    assert result["message_sv"].startswith("Felcitat")


def test_validate_unreadable_input_exits_2_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(
        '@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n', encoding="utf-8"
    )
    proc = run("validate", str(path))
    assert proc.returncode == 2
    assert f"{path}:3:" in proc.stderr


def test_validate_unknown_extension_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "graph.xyz"
    path.write_text("nothing", encoding="utf-8")
    proc = run("validate", str(path))
    assert proc.returncode == 2
    assert "unknown RDF file extension" in proc.stderr


def test_stats_reports_the_counts() -> None:
    proc = run("stats", "--json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["sentences"] == 185
    assert stats["conforms"] == 1
    assert stats["commitments"] > 100


def _change_file(tmp_path: Path, datatype: str) -> Path:
    subject = "https://w3id.org/platform-graph/id/commitment/trygghet-narkotikateam"
    triple = (
        f"<{subject}> <https://w3id.org/platform-graph/ontology#deadline> "
        f'"2024"^^<http://www.w3.org/2001/XMLSchema#{datatype}> .'
    )
    path = tmp_path / "change.json"
    path.write_text(
        json.dumps({"message": "a deadline", "add": triple, "format": "application/n-triples"}),
        encoding="utf-8",
    )
    return path


def test_validate_changes_dry_runs_a_change_set_offline(tmp_path: Path) -> None:
    ok = run("validate", "--changes", str(_change_file(tmp_path, "gYear")))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "would add 1 and remove 0" in ok.stdout
    bad = run("validate", "--changes", str(_change_file(tmp_path, "string")), "--format", "json")
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["conforms"] is False
    assert report["results"][0]["path"] == "pg:deadline"


def test_validate_changes_reports_unreadable_json_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"message": "x",\n  "add": }', encoding="utf-8")
    proc = run("validate", "--changes", str(path))
    assert proc.returncode == 2
    assert f"{path}:2:" in proc.stderr


def test_export_and_import_round_trip_the_whole_dataset(tmp_path: Path) -> None:
    from platform_graph.build.graph import build
    from platform_graph.config import Paths
    from platform_graph.service.parts import materialise_inferred
    from platform_graph.store.oxigraph import OxigraphStore

    original = tmp_path / "store"
    store = OxigraphStore(original)
    store.load(build(Paths(Path(__file__).resolve().parents[1])).nquads(), "application/n-quads")
    # A change log entry too, in its own graph, as the service writes it.
    store.load(
        b"<https://w3id.org/platform-graph/id/change/1> "
        b'<http://www.w3.org/2000/01/rdf-schema#comment> "first" '
        b"<https://w3id.org/platform-graph/graph/changes> .\n",
        "application/n-quads",
    )
    # The inferred graph, as the service's first start (or an import) fills it.
    materialise_inferred(store)
    store.flush()
    count = len(store)
    del store
    backup = tmp_path / "backup.nq"
    assert run("export", str(backup), "--store", str(original)).returncode == 0
    restored = tmp_path / "restored"
    proc = run("import", str(backup), "--store", str(restored))
    assert proc.returncode == 0, proc.stderr
    again = tmp_path / "again.nq"
    assert run("export", str(again), "--store", str(restored)).returncode == 0
    lines = sorted(backup.read_text(encoding="utf-8").splitlines())
    assert len(lines) == count
    assert sorted(again.read_text(encoding="utf-8").splitlines()) == lines
    # A store that holds data is not overwritten without --replace.
    assert run("import", str(backup), "--store", str(restored)).returncode == 1
    assert run("import", str(backup), "--store", str(restored), "--replace").returncode == 0
    # A file without the inferred graph gets it, and nothing else.
    inferred = "<https://w3id.org/platform-graph/graph/inferred> ."
    asserted = tmp_path / "asserted.nq"
    asserted.write_text("".join(f"{x}\n" for x in lines if not x.endswith(inferred)))
    assert run("import", str(asserted), "--store", str(tmp_path / "third")).returncode == 0
    third = tmp_path / "third.nq"
    assert run("export", str(third), "--store", str(tmp_path / "third")).returncode == 0
    assert sorted(third.read_text(encoding="utf-8").splitlines()) == lines


def test_import_refuses_a_broken_backup_and_changes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    proc = run("import", str(broken), "--store", str(tmp_path / "store"))
    assert proc.returncode == 2
    assert "broken.nq:1:" in proc.stderr
