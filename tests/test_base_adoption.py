"""A store from before the base record (loaded by an older version, which did not record
the build it rested on): taken as built on the current build when it holds exactly that
build plus its change log, and then it says so; served as it is, and left alone, when it
holds something else (``platform-graph rebase`` replays its log then)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from platform_graph.build.graph import BuildResult
from platform_graph.config import Paths, Settings
from platform_graph.service.open_store import follow_base
from platform_graph.store import open_embedded
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.vocab.namespaces import DATA_GRAPH, ID
from platform_graph.write.change_log import read_base
from platform_graph.write.replay import content_base
from platform_graph.write.writer import Writer

POLISEN = URIRef(ID["actor/polisen"])


def _old_store(tmp: Path, built: BuildResult, paths: Paths, *, edited: bool) -> Settings:
    """A store holding the build and one logged change, with no base recorded; with
    ``edited``, also a triple no change in its log accounts for."""
    (tmp / "build").mkdir()
    (tmp / "build" / "platform-graph.nq").write_bytes(built.nquads())
    store = open_embedded(tmp / "store")
    store.load(built.nquads(), "application/n-quads")
    alias = (POLISEN, SKOS.altLabel, Literal("Polismyndigheten", lang="sv"), DATA_GRAPH)
    outcome = Writer(store, Validator(load_shapes(paths.shapes))).submit(
        add=[alias], remove=[], author="anna", message="Alias"
    )
    assert outcome.status == "applied", outcome.report.to_text()
    if edited:
        store.apply([], [(POLISEN, SKOS.altLabel, Literal("Snuten", lang="sv"), DATA_GRAPH)])
    assert read_base(store) is None
    store.flush()
    del store
    gc.collect()
    return Settings(build_dir=tmp / "build", store_path=tmp / "store")


def _cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", *args, "--store", str(tmp / "store")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PLATFORM_GRAPH_BUILD_DIR": str(tmp / "build")},
    )


def test_a_store_that_is_the_build_plus_its_log_is_adopted(
    tmp_path: Path, built: BuildResult, paths: Paths
) -> None:
    settings = _old_store(tmp_path, built, paths, edited=False)
    assert follow_base(settings, dry_run=True).action == "adopted"
    store = open_embedded(tmp_path / "store")
    assert read_base(store) is None  # a dry run records nothing
    del store
    gc.collect()
    assert follow_base(settings).action == "adopted"
    store = open_embedded(tmp_path / "store")
    found = read_base(store)
    assert found is not None
    assert found.hash == content_base(built.nquads()).hash
    assert store.quads(POLISEN, SKOS.altLabel, Literal("Polismyndigheten", lang="sv"))
    del store
    gc.collect()
    assert follow_base(settings).action == "current"  # and from now on it is


def test_a_store_holding_something_else_is_served_as_it_is(
    tmp_path: Path, built: BuildResult, paths: Paths
) -> None:
    settings = _old_store(tmp_path, built, paths, edited=True)
    check = follow_base(settings)
    assert check.action == "unrecorded"
    assert check.report is not None
    assert check.report.removed == 1  # the unlogged triple, which a rebase would drop
    store = open_embedded(tmp_path / "store")
    assert read_base(store) is None
    assert store.quads(POLISEN, SKOS.altLabel, Literal("Snuten", lang="sv"))
    del store
    gc.collect()
    # Forced (platform-graph rebase, as a curator runs it): the log replayed onto the
    # build, the old store kept.
    done = _cli(tmp_path, "rebase", "--no-build", "--json")
    assert done.returncode == 0, done.stderr
    forced = json.loads(done.stdout)
    assert forced["action"] == "rebased"
    assert Path(forced["backup"]).exists()
    store = open_embedded(tmp_path / "store")
    assert not store.quads(POLISEN, SKOS.altLabel, Literal("Snuten", lang="sv"))
    assert store.quads(POLISEN, SKOS.altLabel, Literal("Polismyndigheten", lang="sv"))
    assert read_base(store) is not None


def test_a_new_build_that_breaks_the_shapes_leaves_the_store_as_it_is(
    tmp_path: Path, built: BuildResult, paths: Paths
) -> None:
    settings = _old_store(tmp_path, built, paths, edited=False)
    assert follow_base(settings).action == "adopted"
    # The next build drops a commitment's strength (a build writes its files before it
    # validates them): every commitment needs one.
    strength = "<https://w3id.org/platform-graph/ontology#strength>"
    lines = built.nquads().decode("utf-8").splitlines(keepends=True)
    dropped = next(line for line in lines if f" {strength} " in line)
    broken = "".join(line for line in lines if line != dropped)
    (tmp_path / "build" / "platform-graph.nq").write_text(broken, encoding="utf-8")
    # platform-graph rebase refuses it, with the report.
    done = _cli(tmp_path, "rebase", "--no-build")
    assert done.returncode == 1
    assert "does not conform" in done.stderr
    # At start (its own process, as the service's): the last good state is served, and
    # the log says why.
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path\n"
            "from platform_graph.config import Settings\n"
            "from platform_graph.service.open_store import open_store\n"
            f"s = Settings(build_dir=Path({str(tmp_path / 'build')!r}), "
            f"store_path=Path({str(tmp_path / 'store')!r}))\n"
            "print(len(open_store(s)) > 0)\n",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "True"
    assert "served as it is" in started.stderr
    store = open_embedded(tmp_path / "store")
    found = read_base(store)
    assert found is not None
    assert found.hash == content_base(built.nquads()).hash  # still the good build
    subject = dropped.split(" ", 1)[0].strip("<>")
    assert store.quads(URIRef(subject), URIRef(strength.strip("<>")))
