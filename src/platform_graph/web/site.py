"""What the pages are drawn from: the read model and the named queries, and what they
keep between pages for the dataset's current version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from platform_graph.read.cache import VersionCache
from platform_graph.read.model import ReadModel
from platform_graph.read.named_queries import NamedQuery
from platform_graph.web.page_data import Pages

__all__ = ["Site"]


class Site:
    def __init__(self, read_model: ReadModel, queries: Mapping[str, NamedQuery]) -> None:
        self.read_model = read_model
        self.queries = queries
        self._kept: VersionCache[Any] = VersionCache()

    def pages(self) -> Pages:
        """The page data, keeping whole-graph reads for the read model's version (its
        queries may run on a worker that learns of a change a moment after the ETag)."""
        version = self.read_model.version()
        if version is None:
            return Pages(self.read_model)
        kept = self._kept

        def memo(name: str, compute: Callable[[], Any]) -> Any:
            return kept.get_or_compute(version, name, compute)

        return Pages(self.read_model, memo)
