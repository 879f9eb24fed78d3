"""Answers kept for the dataset's current version: one kind of cache for every reader.

Every write goes through the writer and moves the version, so a value kept under the old
version is never given out again; the cache empties itself when the version moves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["VersionCache"]

V = TypeVar("V")


class VersionCache(Generic[V]):
    """Values by key, for one version of the data at a time (at most ``size`` of them)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._version: str | None = None
        self._values: dict[Hashable, V] = {}

    def get(self, version: str, key: Hashable) -> V | None:
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            return self._values.get(key)

    def put(self, version: str, key: Hashable, value: V) -> None:
        """Keep ``value`` if ``version`` is still the current one (a write may have landed
        while it was computed)."""
        with self._lock:
            if version == self._version:
                if len(self._values) >= self.size:
                    self._values.clear()
                self._values[key] = value

    def get_or_compute(self, version: str, key: Hashable, compute: Callable[[], V]) -> V:
        found = self.get(version, key)
        if found is not None:
            return found
        value = compute()
        self.put(version, key, value)
        return value
