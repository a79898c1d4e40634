"""Bootstrap confidence intervals for rates measured on small families: reported by
`coursebot eval safety`, and used by training to pick a threshold that holds."""

from __future__ import annotations

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def bootstrap_ci(
    outcomes: list[bool], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of `outcomes` (seeded, so repeatable)."""
    if not outcomes:
        return (0.0, 1.0)
    values = np.asarray(outcomes, dtype=float)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(samples, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))
