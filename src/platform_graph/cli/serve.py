"""serve: the service, on the embedded store or a remote one."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from platform_graph.config import Settings, settings_environment
from platform_graph.store import StoreUnavailable

if TYPE_CHECKING:
    pass

from platform_graph.cli.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, progress

__all__ = ["cmd_serve"]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Open the store (building and loading the graph on first use) and serve it."""
    from platform_graph.http import create_app
    from platform_graph.service.open_store import open_store

    updates: dict[str, object] = {}
    if args.host:
        updates["host"] = args.host
    if args.port:
        updates["port"] = args.port
    if args.store:
        updates["store_path"] = Path(args.store).resolve()
    settings = settings.model_copy(update=updates)
    workers = args.workers or 1
    if workers > 1 and not settings.store_url:
        sys.stderr.write(
            "the embedded store serves one process: for --workers set PLATFORM_GRAPH_STORE_URL "
            "to a SPARQL server (docs/deployment.md)\n"
        )
        return EXIT_INVALID
    try:
        store = open_store(settings, progress=progress)
    except StoreUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    progress(
        f"serving on http://{settings.host}:{settings.port}/ (SPARQL at /sparql, API at /docs)"
    )
    from platform_graph.http.server import run

    if workers > 1:
        # Each worker process builds its app from the environment: hand the settings on.
        os.environ.update(settings_environment(settings))
        run("platform_graph.http:create_app", settings, workers=workers)
        return EXIT_OK
    run(create_app(settings, store), settings)
    return EXIT_OK
