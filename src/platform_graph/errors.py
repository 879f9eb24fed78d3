"""The domain's exceptions: one tree, so callers can catch what they can handle."""

from __future__ import annotations

__all__ = [
    "CurationError",
    "InputError",
    "PlatformGraphError",
]


class PlatformGraphError(Exception):
    """Base of every error this package raises on purpose."""


class CurationError(PlatformGraphError):
    """The curated facts do not fit the source (a quote not found, an unknown slug...)."""


class InputError(PlatformGraphError):
    """Unreadable input: a file that does not parse. Carries where it failed."""

    def __init__(
        self, message: str, *, source: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
