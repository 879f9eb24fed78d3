"""The app's routes, flat: what the /data/ index and the tests of the URL tables read
(FastAPI keeps an included router as one entry of ``app.routes``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["RouteInfo", "flat_routes"]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    route: Any

    @property
    def summary(self) -> str:
        return str(getattr(self.route, "summary", None) or getattr(self.route, "name", "") or "")


def _walk(routes: Iterable[Any], prefix: str = "") -> Iterator[RouteInfo]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            extra = str(getattr(context, "prefix", "") or "")
            yield from _walk(inner.routes, prefix + extra)
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        methods = frozenset(getattr(route, "methods", None) or ())
        yield RouteInfo(prefix + path, methods, route)


def flat_routes(app: Any) -> list[RouteInfo]:
    """Every route of ``app`` with its full path (static mounts included, no methods)."""
    return list(_walk(app.routes))
