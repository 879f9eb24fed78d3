"""The store's errors: one tree, whichever store or worker raised them."""

from __future__ import annotations

from platform_graph.errors import PlatformGraphError

__all__ = [
    "ChangeTooLarge",
    "PoolClosed",
    "QueryStopped",
    "ServerBusy",
    "StoreError",
    "StoreQueryError",
    "StoreTimeout",
    "StoreUnavailable",
]


class StoreError(PlatformGraphError):
    """Base of every error a store (or a query worker) raises."""


class StoreTimeout(StoreError):
    """The query ran past its time limit and was stopped (or given up on)."""


class StoreQueryError(StoreError):
    """The engine refused the query (syntax or evaluation); ``syntax`` says which."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


class StoreUnavailable(StoreError):
    """The store cannot be reached (a remote server down, refusing, or misconfigured)."""


class PoolClosed(StoreUnavailable):
    """The service is shutting down: its query workers are stopped."""


class QueryStopped(StoreError):
    """The query's worker died: past its memory cap, or the engine crashed on it."""


class ServerBusy(StoreError):
    """The query turned slow while slow queries already held every worker they may."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChangeTooLarge(StoreError):
    """An update would change more quads than one change may."""

    def __init__(self, quads: int) -> None:
        super().__init__(f"the update would change {quads} quads")
        self.quads = quads
