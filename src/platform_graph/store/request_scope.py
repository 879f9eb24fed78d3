"""Who is asking, and by when the answer is due: set once when a request arrives.

The HTTP layer sets this at the door (``http`` middleware); the query workers read it,
so that one time limit covers a request from arrival to answer (waiting for a worker
included), and so that the workers are shared fairly between clients. Context
variables follow a request into the threads ``asyncio.to_thread`` and Starlette's
thread pool run it in.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["RequestScope", "current", "enter"]


@dataclass(frozen=True, slots=True)
class RequestScope:
    client: str
    """The client's address (after a trusted proxy's X-Forwarded-For), or a name."""
    deadline: float | None
    """time.monotonic() by which the answer is due; None: only the pool's own limit."""

    def remaining(self, limit: float) -> float:
        """Seconds left: the request's deadline, or ``limit`` from now, whichever is first."""
        left = limit
        if self.deadline is not None:
            left = min(left, self.deadline - time.monotonic())
        return left


_LOCAL = RequestScope("local", None)
_SCOPE: ContextVar[RequestScope | None] = ContextVar("platform_graph_request_scope", default=None)


def current() -> RequestScope:
    """This request's scope; outside a request (the command line, tests): no deadline."""
    return _SCOPE.get() or _LOCAL


def enter(client: str, timeout: float | None) -> None:
    """Start a request's scope in this context (the middleware's task)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    _SCOPE.set(RequestScope(client, deadline))
