"""What every request reaches: the running service, through a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from platform_graph.service.parts import Service

__all__ = ["ServiceDep", "get_service"]


def get_service(request: Request) -> Service:
    service: Service = request.app.state.platform
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
