"""Inter-rater agreement: Krippendorff's alpha and weighted Cohen's kappa, in plain numpy.

Krippendorff's alpha follows "Computing Krippendorff's Alpha-Reliability" (K. Krippendorff,
2011): values are paired within each unit through a coincidence matrix, so any number of
raters and missing ratings are allowed; alpha = 1 - observed / expected disagreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def coincidence_matrix(data: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The values seen and their coincidence matrix, from a units x raters array (NaN = missing).

    Units with fewer than two values carry no pairs and are left out, as the method says.
    """
    matrix = np.asarray(data, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("reliability data must be a 2-D units x raters array")
    present = ~np.isnan(matrix)
    pairable = present.sum(axis=1) >= 2
    matrix, present = matrix[pairable], present[pairable]
    values = np.unique(matrix[present])
    counts = np.zeros((matrix.shape[0], values.size))
    for col in range(matrix.shape[1]):
        rows = np.nonzero(present[:, col])[0]
        idx = np.searchsorted(values, matrix[rows, col])
        np.add.at(counts, (rows, idx), 1.0)
    m_u = counts.sum(axis=1)
    weighted = counts / (m_u - 1.0)[:, None]
    coincidences = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    return values, coincidences


def _delta(
    values: NDArray[np.float64], n_c: NDArray[np.float64], level: Level
) -> NDArray[np.float64]:
    """Squared difference between every pair of values under the level's metric."""
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(total == 0, 0.0, ((c - k) / np.where(total == 0, 1.0, total)) ** 2)
        return np.asarray(out, dtype=float)
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        i, j = np.meshgrid(np.arange(values.size), np.arange(values.size), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cumulative[hi + 1] - cumulative[lo]
        return np.asarray((between - (n_c[i] + n_c[j]) / 2.0) ** 2, dtype=float)
    raise ValueError(f"unknown level {level!r}: use nominal, ordinal, interval or ratio")


def krippendorff_alpha(data: ArrayLike, level: Level = "ordinal") -> float:
    """Krippendorff's alpha of a units x raters array (NaN = missing); NaN if undefined.

    It is undefined (0/0) when no unit has two values or when every pairable value is equal.
    """
    values, o = coincidence_matrix(data)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n < 2 or values.size < 2:
        return float("nan")
    delta = _delta(values, n_c, level)
    observed = float((o * delta).sum()) / n
    expected = float((np.outer(n_c, n_c) * delta).sum()) / (n * (n - 1.0))
    if expected == 0.0:
        return float("nan")
    return 1.0 - observed / expected


def weighted_kappa(
    a: Sequence[int] | ArrayLike,
    b: Sequence[int] | ArrayLike,
    categories: Sequence[int] = (1, 2, 3, 4, 5),
    weights: Literal["quadratic", "linear", "none"] = "quadratic",
) -> float:
    """Cohen's kappa of two raters' scores on the same items, with disagreement weights.

    Quadratic weights (i - j)^2 / (K - 1)^2 make a 1-vs-5 disagreement count 16 times a
    1-vs-2 one; NaN when the raters share no items or expected disagreement is zero.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError("both raters must score the same items")
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size == 0:
        return float("nan")
    cats = np.asarray(categories, dtype=float)
    index = {float(c): i for i, c in enumerate(cats)}
    try:
        xi = np.array([index[v] for v in x])
        yi = np.array([index[v] for v in y])
    except KeyError as exc:
        raise ValueError(
            f"score {exc.args[0]} is not one of the categories {list(categories)}"
        ) from exc
    k = cats.size
    observed = np.zeros((k, k))
    np.add.at(observed, (xi, yi), 1.0)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / x.size
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    if weights == "quadratic":
        w = (i - j) ** 2 / max(k - 1, 1) ** 2
    elif weights == "linear":
        w = np.abs(i - j) / max(k - 1, 1)
    else:
        w = (i != j).astype(float)
    denominator = float((w * expected).sum())
    if denominator == 0.0:
        return float("nan")
    return 1.0 - float((w * observed).sum()) / denominator
