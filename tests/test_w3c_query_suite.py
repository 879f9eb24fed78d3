"""The W3C SPARQL 1.1 query-evaluation suite over HTTP: the service loses nothing the engine has.

Every ``mf:QueryEvaluationTest`` of the manifests ``manifest-sparql11-query.ttl``
includes, and every test of those ``manifest-sparql11-results.ttl`` includes (CSV, TSV
and SPARQL JSON answers, the expected answer written in the format under test), from a
copy under ``tests/conformance/w3c-sparql11/`` (see its LICENSE.md), runs on
pyoxigraph in this process and on the service, in every format the service offers for
the query's form (``tests/support/w3c_replay.py`` says how). None is left out: the
tests pyoxigraph fails are listed with the reason (``ENGINE_FAILS``), and on those the
service must give the engine's own answer. On every test, the service's answer is the
engine's own, exactly, in every format; and every test pyoxigraph passes, the service
passes in every format. docs/conformance.md holds the figures
(``python -m tests.support.w3c_replay`` prints them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.inprocess import service
from tests.support.w3c_replay import (
    ENGINE_FAILS,
    FORMAT_NAMES,
    FORMATS,
    QUERY_MARKERS,
    QueryOutcome,
    marked,
    prepare,
    query_figures,
    query_store,
    replay_queries,
)
from tests.support.w3c_suite import (
    QUERY_MANIFESTS,
    SUITE,
    UPDATE_MANIFEST,
    load_query_tests,
    load_update_tests,
    manifests,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "conformance.md"
QUERIES = [prepare(test) for test in load_query_tests()]
IDS = [query.test.id for query in QUERIES]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, QueryOutcome]:
    """Every test, on the engine and over HTTP (the app in process, its query workers real)."""
    with service(query_store(QUERIES)) as client:
        replayed = replay_queries(client, QUERIES)
    return {outcome.id: outcome for outcome in replayed}


def test_every_query_evaluation_test_is_replayed() -> None:
    assert len(IDS) == 235  # 225 query evaluation, 10 results format
    assert len(set(IDS)) == len(IDS)
    assert {query.form for query in QUERIES} <= set(FORMATS)
    assert set(ENGINE_FAILS) <= set(IDS)


def _failures(by_format: dict[str, str | None]) -> str:
    return "\n".join(
        f"  {FORMAT_NAMES[media]}: {why}" for media, why in by_format.items() if why is not None
    )


@pytest.mark.parametrize("test_id", IDS)
def test_the_service_answers_as_the_engine_does(
    test_id: str, outcomes: dict[str, QueryOutcome]
) -> None:
    outcome = outcomes[test_id]
    assert set(outcome.service) == set(FORMATS[outcome.form])
    if outcome.engine is None:
        assert test_id not in ENGINE_FAILS, f"pyoxigraph passes {test_id} now: unlist it"
        lost = _failures(outcome.service)
        assert not lost, f"pyoxigraph passes {test_id}; the service fails it:\n{lost}"
    else:
        assert test_id in ENGINE_FAILS, f"pyoxigraph fails {test_id}: {outcome.engine}"
    unlike = _failures(outcome.as_engine)
    assert not unlike, f"the service's answer to {test_id} is not the engine's own:\n{unlike}"


def test_the_figures_in_the_docs_are_the_replays(outcomes: dict[str, QueryOutcome]) -> None:
    block = marked(query_figures([outcomes[i] for i in IDS]), QUERY_MARKERS)
    assert block in DOCS.read_text(encoding="utf-8"), (
        "docs/conformance.md is out of date: run python -m tests.support.w3c_replay and "
        f"put its output there:\n{block}"
    )


def test_the_copy_of_the_suite_holds_what_the_replays_read_and_nothing_else() -> None:
    """Every file under the directories the manifests include is read by a replay."""
    tops = (*QUERY_MANIFESTS, UPDATE_MANIFEST)
    needed = {SUITE / top for top in tops}
    directories: set[Path] = set()
    for top in tops:
        for path, _ in manifests(top):
            needed.add(path)
            directories.add(path.parent)
    for query in QUERIES:
        needed.update(query.test.files())
        needed.update(query.own_dataset)
    for update in load_update_tests():
        needed.update(update.files())
    present = {p for d in directories for p in d.rglob("*") if p.is_file()}
    present |= {SUITE / top for top in tops}
    assert sorted(present - needed) == []
    assert sorted(needed - present) == []
    assert (SUITE / "LICENSE.md").is_file()
