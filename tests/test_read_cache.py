"""The read model's cache hands out copies: what a caller changes in its answer never
reaches the cache, nor another caller's answer (``read.model.copied``)."""

from __future__ import annotations

import copy
from dataclasses import fields

from platform_graph.read.model import _MUTABLE, ReadModel, copied
from platform_graph.store.oxigraph import OxigraphStore


def test_a_copy_is_a_deep_copy_and_shares_nothing_mutable(memory_store: OxigraphStore) -> None:
    items = ReadModel(memory_store).commitments()
    assert items
    with_links = next(c for c in items if c.actors and c.themes and c.areas)
    for c in (items[0], with_links):
        twin = copied(c)
        assert twin == copy.deepcopy(c)
        for f in fields(c):
            value = getattr(c, f.name)
            if f.name in _MUTABLE:
                assert getattr(twin, f.name) is not value
            else:  # a new field holding a container must be copied too
                assert isinstance(value, str | int | float | bool | type(None)), f.name


def test_what_a_caller_changes_never_reaches_the_cache(memory_store: OxigraphStore) -> None:
    model = ReadModel(memory_store, version=lambda: '"1"')
    first = model.commitments()
    c = next(c for c in first if c.actors)
    before = copy.deepcopy(c)
    c.title["sv"] = "ändrad"
    c.span["start"] = -1
    c.themes.append("x")
    c.actors[0]["role"] = "x"
    c.areas.clear()
    again = next(x for x in model.commitments() if x.iri == c.iri)
    assert again == before
