"""The list of every commitment is built once per version however many readers ask, in a
thread of its own: a reader whose time limit passes gets StoreTimeout while the build
goes on, and the next reader gets what it built."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from platform_graph.build.graph import BuildResult
from platform_graph.read.model import ReadModel
from platform_graph.store import QueryResult, Store, Term
from platform_graph.store.errors import StoreTimeout
from platform_graph.store.request_scope import enter
from tests.support.inprocess import platform_store


class _Slow:
    """A store whose queries take ``delay`` seconds each, counted."""

    def __init__(self, store: Store, delay: float) -> None:
        self.store = store
        self.delay = delay
        self.queries = 0

    def query(
        self, sparql: str, *, bindings: Mapping[str, Term] | None = None, **kw: Any
    ) -> QueryResult:
        self.queries += 1
        time.sleep(self.delay)
        return self.store.query(sparql, bindings=bindings, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_readers_asking_at_once_share_one_build(built: BuildResult) -> None:
    slow = _Slow(platform_store(built), 0.2)
    model = ReadModel(slow, lambda: "v1")
    answers: list[int] = []

    def ask() -> None:
        answers.append(len(model.every_commitment()))

    readers = [threading.Thread(target=ask) for _ in range(4)]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    assert len(set(answers)) == 1
    assert answers[0] > 100
    built_with = slow.queries
    assert built_with <= 4  # one build's queries, not four builds'
    model.every_commitment()
    assert slow.queries == built_with  # kept for the version


def test_a_reader_out_of_time_gets_a_timeout_and_the_build_is_kept(built: BuildResult) -> None:
    slow = _Slow(platform_store(built), 0.5)
    model = ReadModel(slow, lambda: "v1")
    outcome: list[BaseException | int] = []

    def impatient() -> None:
        enter("impatient", 0.3)  # this thread's request scope: 0.3 s
        try:
            outcome.append(len(model.every_commitment()))
        except StoreTimeout as exc:
            outcome.append(exc)

    reader = threading.Thread(target=impatient)
    reader.start()
    reader.join()
    assert isinstance(outcome[0], StoreTimeout)
    assert "being built" in str(outcome[0])
    started = time.monotonic()
    assert len(model.every_commitment()) > 100  # waits for the same build, no new one
    assert slow.queries <= 4
    assert time.monotonic() - started < 60


def test_a_build_that_fails_fails_its_readers_and_the_next_reader_builds_again(
    built: BuildResult,
) -> None:
    store = platform_store(built)
    calls = {"n": 0}

    class _Failing(_Slow):
        def query(self, sparql: str, **kw: Any) -> QueryResult:
            calls["n"] += 1
            if calls["n"] == 1:
                raise StoreTimeout("stopped")
            return self.store.query(sparql, **kw)

    model = ReadModel(_Failing(store, 0), lambda: "v1")
    with pytest.raises(StoreTimeout):
        model.every_commitment()
    assert len(model.every_commitment()) > 100
