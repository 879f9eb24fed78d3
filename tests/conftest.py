"""Shared fixtures: the graph is built once per session from the real source and curation."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from platform_graph.build import BuildResult, Paths, build
from platform_graph.validation import load_shapes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paths() -> Paths:
    return Paths(ROOT)


@pytest.fixture(scope="session")
def built(paths: Paths) -> BuildResult:
    return build(paths)


@pytest.fixture(scope="session")
def union(built: BuildResult) -> Graph:
    return built.union()


@pytest.fixture(scope="session")
def shapes(paths: Paths) -> Graph:
    return load_shapes(paths.shapes)
