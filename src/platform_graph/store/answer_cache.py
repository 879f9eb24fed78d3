"""Query answers kept for the data's current generation, bounded in bytes.

At the platform's size the engine answers most queries in well under a millisecond,
and the trip to a confined worker and back costs more than that (docs/benchmarks.md).
An answer depends only on the query, the dataset it names, the format, the row cap, the
base IRI and the data: the same message to a worker at the same generation of the data
gets the same bytes. So the pool keeps answers per generation (every change moves it, see
``QueryPool.changed``) and gives a kept answer out again instead of sending the query.

Left out: queries whose answer may differ from one run to the next (``NOW()``,
``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``, and ``SERVICE``, which asks another
server whose data moves on its own, where the operator allows it), answers larger than a
share of the budget, and anything but read-only queries. The least recently used answers go first
once the budget is spent; a new generation empties the cache.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

__all__ = ["AnswerCache", "cacheable"]

_VOLATILE = re.compile(
    r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\("
    # the keyword, not the word inside an IRI (sparql-service-description#)
    r"|(?<![\w\-/#.:])SERVICE\s+(?:SILENT\s+)?[<?$\w]",
    re.IGNORECASE,
)
_READ_KINDS = frozenset({"query", "result"})


def cacheable(message: tuple[Any, ...]) -> bool:
    """Whether a worker's answer to ``message`` may be given out again at the same
    generation: a read-only query whose text asks for nothing that changes run to run."""
    return (
        message[0] in _READ_KINDS
        and isinstance(message[1], str)
        and _VOLATILE.search(message[1]) is None
    )


class AnswerCache:
    """Answers by message for one generation of the data, at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # One answer may take at most an eighth: a few large answers cannot push out all
        # the small ones that make up most requests.
        self.max_entry_bytes = max_bytes // 8
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._answers: OrderedDict[Hashable, tuple[tuple[Any, ...], int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, generation: int, message: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._answers.clear()
                self._bytes = 0
            found = self._answers.get(message)
            if found is None:
                self.misses += 1
                return None
            self._answers.move_to_end(message)
            self.hits += 1
            return found[0]

    def put(
        self, generation: int, message: tuple[Any, ...], answer: tuple[Any, ...], size: int
    ) -> None:
        """Keep ``answer`` (``size`` bytes on the wire) if it was computed at the current
        generation and fits."""
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if generation != self._generation or message in self._answers:
                return
            self._answers[message] = (answer, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._answers)
