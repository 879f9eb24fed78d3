"""Agreement between two coders: Cohen's kappa, pooled kappa, and bootstrap intervals.

Plain statistics over Python values, no I/O: :mod:`.reliability` applies them to the two
codings of the sample.

* **Cohen's kappa** (Cohen 1960) for a field with one value per unit: observed agreement
  ``p_o`` against the agreement expected by chance from each coder's own marginal
  distribution, ``p_e``; ``kappa = (p_o - p_e) / (1 - p_e)``.
* **Pooled kappa** (de Vries, Elliott, Kanouse and Teleki 2008) for a set-valued field
  (actors, areas, themes): every code is an item that each coder marks present or absent
  for each unit; ``kappa = (mean p_o - mean p_e) / (1 - mean p_e)`` over the items, each
  item with its own marginals. A code that neither coder used anywhere adds ``p_o = p_e =
  1`` and so changes neither difference: the figure does not depend on how long the code
  list is, only on the codes in use.
* **Intervals**: a percentile bootstrap over the units (resampled with replacement, from a
  fixed seed, so the figures are reproducible); resamples in which kappa is undefined
  (every unit in one category for both coders) are left out and counted.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "Agreement",
    "bootstrap_interval",
    "cohen_kappa",
    "pooled_kappa",
    "presence_items",
]

Pair = tuple[Hashable, Hashable]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreement coefficient over ``n`` units: kappa, and what it is made of."""

    kappa: float | None
    observed: float
    expected: float
    n: int
    disagreements: int

    @property
    def defined(self) -> bool:
        return self.kappa is not None


def _kappa(p_o: float, p_e: float) -> float | None:
    if p_e >= 1.0:
        return None  # one category only, for both coders: chance agreement is certain
    return (p_o - p_e) / (1.0 - p_e)


def _chance(first: Sequence[Hashable], second: Sequence[Hashable]) -> float:
    n = len(first)
    a, b = Counter(first), Counter(second)
    return sum(a[c] * b[c] for c in a) / (n * n)


def cohen_kappa(pairs: Sequence[Pair]) -> Agreement:
    """Cohen's kappa of (first coder's value, second coder's value) per unit."""
    if not pairs:
        raise ValueError("kappa needs at least one unit")
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    n = len(pairs)
    agree = sum(a == b for a, b in pairs)
    p_o = agree / n
    p_e = _chance(first, second)
    return Agreement(_kappa(p_o, p_e), p_o, p_e, n, n - agree)


def presence_items(
    units: Sequence[tuple[frozenset[Hashable], frozenset[Hashable]]],
) -> dict[Hashable, list[Pair]]:
    """Per code, (present for the first coder, present for the second) for every unit,
    over the codes that either coder used for some unit."""
    codes = sorted({c for a, b in units for c in a | b}, key=repr)
    return {code: [(code in a, code in b) for a, b in units] for code in codes}


def pooled_kappa(units: Sequence[tuple[frozenset[Hashable], frozenset[Hashable]]]) -> Agreement:
    """De Vries et al.'s pooled kappa of a set-valued field: (first coder's set, second
    coder's set) per unit. ``disagreements`` counts unit x code decisions that differ."""
    if not units:
        raise ValueError("kappa needs at least one unit")
    n = len(units)
    # Per code: units where the first coder, the second, and both marked it present.
    first: Counter[Hashable] = Counter()
    second: Counter[Hashable] = Counter()
    both: Counter[Hashable] = Counter()
    for a, b in units:
        first.update(a)
        second.update(b)
        both.update(a & b)
    codes = first.keys() | second.keys()
    if not codes:
        return Agreement(None, 1.0, 1.0, n, 0)
    observed = expected = 0.0
    differ = 0
    for c in codes:
        x, y, xy = first[c], second[c], both[c]
        disagree = x + y - 2 * xy
        differ += disagree
        observed += (n - disagree) / n
        expected += (x * y + (n - x) * (n - y)) / (n * n)
    p_o = observed / len(codes)
    p_e = expected / len(codes)
    return Agreement(_kappa(p_o, p_e), p_o, p_e, n, differ)


def bootstrap_interval(
    units: Sequence[T],
    statistic: Callable[[Sequence[T]], Agreement],
    *,
    seed: int,
    resamples: int = 1000,
    level: float = 0.95,
) -> tuple[float, float, int] | None:
    """The percentile interval of ``statistic``'s kappa over bootstrap resamples of the
    units, and how many resamples had a defined kappa; None when none had."""
    rng = random.Random(seed)
    n = len(units)
    values: list[float] = []
    for _ in range(resamples):
        sample = [units[rng.randrange(n)] for _ in range(n)]
        kappa = statistic(sample).kappa
        if kappa is not None:
            values.append(kappa)
    if not values:
        return None
    values.sort()
    tail = (1.0 - level) / 2.0
    low = values[_rank(len(values), tail)]
    high = values[_rank(len(values), 1.0 - tail)]
    return low, high, len(values)


def _rank(count: int, quantile: float) -> int:
    return min(count - 1, max(0, round(quantile * (count - 1))))
