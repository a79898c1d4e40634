"""Bootstrap confidence intervals over questions, single-run and paired (A/B)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

T = TypeVar("T")
Statistic = Callable[[Sequence[T]], float | None]


class Estimate(BaseModel):
    """A rate with its 95% bootstrap interval; `n` is the number of questions it is over."""

    value: float | None
    low: float | None
    high: float | None
    n: int


def bootstrap_ci(
    items: Sequence[T],
    statistic: Statistic[T],
    reps: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Estimate:
    """Percentile bootstrap: resample questions with replacement, recompute the statistic."""
    value = statistic(items)
    if value is None or not items:
        return Estimate(value=value, low=None, high=None, n=len(items))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(reps):
        sample = [items[i] for i in rng.integers(0, len(items), len(items))]
        result = statistic(sample)
        if result is not None:
            draws.append(result)
    low, high = _percentiles(draws, level)
    return Estimate(value=value, low=low, high=high, n=len(items))


def paired_bootstrap_diff(
    pairs: Sequence[tuple[T, T]],
    statistic: Statistic[T],
    reps: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Estimate:
    """The difference statistic(B) - statistic(A) on the same questions, resampled together."""
    value = _diff(pairs, statistic)
    if value is None:
        return Estimate(value=None, low=None, high=None, n=len(pairs))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(reps):
        sample = [pairs[i] for i in rng.integers(0, len(pairs), len(pairs))]
        result = _diff(sample, statistic)
        if result is not None:
            draws.append(result)
    low, high = _percentiles(draws, level)
    return Estimate(value=value, low=low, high=high, n=len(pairs))


def _diff(pairs: Sequence[tuple[T, T]], statistic: Statistic[T]) -> float | None:
    a = statistic([p[0] for p in pairs])
    b = statistic([p[1] for p in pairs])
    return None if a is None or b is None else b - a


def _percentiles(draws: list[float], level: float) -> tuple[float | None, float | None]:
    if not draws:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)
