"""What every request needs, built once at start-up and reached through a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from platform_graph.config import Settings
from platform_graph.read.downloads import Downloads
from platform_graph.read.model import ReadModel
from platform_graph.read.named_queries import NamedQuery
from platform_graph.store import Store
from platform_graph.store.pool import QueryPool
from platform_graph.write.tokens import TokenRegistry
from platform_graph.write.update_runner import UpdateRunner
from platform_graph.write.writer import Writer

__all__ = ["AppState", "StateDep", "get_state"]


@dataclass(slots=True)
class AppState:
    settings: Settings
    store: Store
    pool: QueryPool | None
    queries: dict[str, NamedQuery]
    read_model: ReadModel
    tokens: TokenRegistry
    writer: Writer
    updates: UpdateRunner
    downloads: Downloads


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.platform
    return state


StateDep = Annotated[AppState, Depends(get_state)]
