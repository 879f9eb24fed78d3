"""What the commands share: exit statuses, progress lines, reports, a checked build."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from platform_graph.build.graph import BuildResult, build
from platform_graph.config import Settings
from platform_graph.errors import CurationError
from platform_graph.validation.shacl import Report

if TYPE_CHECKING:
    pass


__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_UNREADABLE",
    "build_checked",
    "print_report",
    "progress",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def progress(message: str) -> None:
    sys.stderr.write(f"· {message}\n")
    sys.stderr.flush()


def print_report(report: Report, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(report.dumps() + "\n")
    elif fmt == "turtle":
        sys.stdout.write(report.to_turtle())
    else:
        sys.stdout.write(report.to_text() + "\n")


def build_checked(settings: Settings) -> BuildResult:
    try:
        return build(settings.paths, progress=progress)
    except CurationError as exc:
        sys.stderr.write(f"the curation does not fit the source:\n{exc}\n")
        raise SystemExit(EXIT_INVALID) from exc
