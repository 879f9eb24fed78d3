"""The HTTP surface: FastAPI app factory and one router module per resource family."""

from platform_graph.http.app import create_app

__all__ = ["create_app"]
