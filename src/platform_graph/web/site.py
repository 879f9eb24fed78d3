"""What the pages are drawn from: the read model and the named queries, and what they
keep between pages for the dataset's current version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from platform_graph.build.platforms import ORIGINAL
from platform_graph.read.model import ReadModel
from platform_graph.read.named_queries import NamedQuery
from platform_graph.store.version_cache import VersionCache
from platform_graph.web.page_data import Pages

__all__ = ["Site"]


class Site:
    def __init__(self, read_model: ReadModel, queries: Mapping[str, NamedQuery]) -> None:
        self.read_model = read_model
        self.queries = queries
        self._kept: VersionCache[Any] = VersionCache()

    def pages(self, platform: str = ORIGINAL) -> Pages:
        """The page data of one platform (Örebro 2022–2026's unless named), keeping
        whole-graph reads for the read model's version (its queries may run on a worker
        that learns of a change a moment after the ETag)."""
        version = self.read_model.version()
        if version is None:
            return Pages(self.read_model, platform=platform)
        kept = self._kept

        def memo(name: str, compute: Callable[[], Any]) -> Any:
            return kept.get_or_compute(version, name, compute)

        return Pages(self.read_model, memo, platform)

    def platform_of(self, local_name: str) -> str:
        """The platform a resource's local name belongs to: the part before a double
        hyphen, or the first platform (build.platforms)."""
        return local_name.split("--", 1)[0] if "--" in local_name else ORIGINAL

    def known_platform(self, slug: str) -> bool:
        return slug in self.read_model.slugs("platform")
