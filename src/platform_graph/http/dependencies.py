"""What every request reaches: the running service, through a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from platform_graph.service.parts import Service

__all__ = ["ServiceDep", "get_service"]


async def get_service(request: Request) -> Service:
    # A coroutine: FastAPI runs a plain function dependency in a thread, one more hop
    # (tens of microseconds) on every request for an attribute lookup.
    service: Service = request.app.state.platform
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
