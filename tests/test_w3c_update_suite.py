"""The W3C SPARQL 1.1 update-evaluation suite through ``/update``, against pyoxigraph in process.

Every ``mf:UpdateEvaluationTest`` of the manifests ``manifest-sparql11-update.ttl``
includes runs on pyoxigraph's own ``Store.update`` and through the service's
``/update`` with an admin token (the suite DROPs and CLEARs graphs), the test's default
graph being the service's data graph, the default graph of /update
(``tests/support/w3c_replay.py`` says how). The dataset after each is compared with
the expected one, and the service's with the engine's. The service fails what
pyoxigraph passes only where ``SERVICE_LOSES_UPDATES`` says, for the reason it gives,
which is checked. docs/conformance.md holds the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_graph.store.oxigraph import OxigraphStore
from tests.support.inprocess import ADMIN, service
from tests.support.w3c_replay import (
    SERVICE_LOSES_UPDATES,
    UPDATE_MARKERS,
    UpdateOutcome,
    marked,
    replay_updates,
    update_figures,
)
from tests.support.w3c_suite import load_update_tests

DOCS = Path(__file__).resolve().parents[1] / "docs" / "conformance.md"
UPDATES = load_update_tests()
IDS = [test.id for test in UPDATES]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, UpdateOutcome]:
    """Every test, on the engine and through /update (the app in process, its workers real)."""
    with service(OxigraphStore(None)) as client:
        replayed = replay_updates(client, UPDATES, ADMIN)
    return {outcome.id: outcome for outcome in replayed}


def test_every_update_evaluation_test_is_replayed() -> None:
    assert len(IDS) == 94
    assert len(set(IDS)) == len(IDS)
    assert set(SERVICE_LOSES_UPDATES) <= set(IDS)


@pytest.mark.parametrize("test_id", IDS)
def test_the_service_updates_as_the_engine_does(
    test_id: str, outcomes: dict[str, UpdateOutcome]
) -> None:
    outcome = outcomes[test_id]
    if test_id in SERVICE_LOSES_UPDATES:
        # A policy of /update, stated in SERVICE_LOSES_UPDATES: the refusal itself is checked.
        assert outcome.engine is None, f"pyoxigraph fails {test_id}: {outcome.engine}"
        assert outcome.service is not None, f"the service passes {test_id} now: unlist it"
        assert outcome.service.startswith("HTTP 400: LOAD is refused"), outcome.service
        return
    assert outcome.engine is None, f"pyoxigraph fails {test_id}: {outcome.engine}"
    assert outcome.service is None, f"the service fails {test_id}: {outcome.service}"
    assert outcome.as_engine is None, f"not the engine's dataset: {outcome.as_engine}"


def test_the_figures_in_the_docs_are_the_replays(outcomes: dict[str, UpdateOutcome]) -> None:
    block = marked(update_figures([outcomes[i] for i in IDS]), UPDATE_MARKERS)
    assert block in DOCS.read_text(encoding="utf-8"), (
        "docs/conformance.md is out of date: run python -m tests.support.w3c_replay and "
        f"put its output there:\n{block}"
    )
